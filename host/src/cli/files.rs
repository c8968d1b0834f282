//! File IO shared by the commands: size-capped reads (stdin as `-`) and atomic writes (temp file + rename,
//! so a failed or interrupted run never leaves a half-written output).

use std::io::{Read, Write};
use std::path::Path;

/// Why an input could not be read: a stable code and a message.
pub type ReadError = (&'static str, String);

/// Reads `path` (or stdin for `-`), refusing anything larger than `max_bytes` before reading it all.
pub fn read_capped(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let too_large = || ("too-large", format!("the input is larger than {} MiB", max_bytes >> 20));
    let mut reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(path).map_err(|err| ("unreadable", format!("cannot open: {err}")))?;
        let metadata = file.metadata().map_err(|err| ("unreadable", format!("cannot read: {err}")))?;
        if metadata.is_dir() {
            return Err(("unreadable", "is a directory".to_owned()));
        }
        if metadata.len() > max_bytes {
            return Err(too_large());
        }
        Box::new(file)
    };
    let mut bytes = Vec::new();
    reader
        .by_ref()
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| ("unreadable", format!("cannot read: {err}")))?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary file in the same directory, renamed into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Writes `bytes` to `output` when given, else to stdout.
pub fn emit(output: Option<&Path>, bytes: &[u8]) -> std::io::Result<()> {
    match output {
        Some(path) => write_atomically(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()
        }
    }
}
