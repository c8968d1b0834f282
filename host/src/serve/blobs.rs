//! Content-addressed blob storage (`blobs/<hex md5[..2]>/<hex md5[2..]>`), multipart uploads (`parts/`), and
//! run files. Uploads stream into a temp file in the same directory tree, are checked against their md5, and
//! only then renamed into place: a reader never sees a partial or wrong blob.

use std::fmt::Display;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use md5::{Digest, Md5};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;

use super::ids;

/// Write buffer for uploads: large enough that a 1 GiB upload is a few thousand writes.
const WRITE_BUFFER: usize = 1 << 20;

/// Why an upload was not stored.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The bytes received do not have the md5 the upload was announced with.
    #[error("md5 mismatch: expected {expected}, received bytes with md5 {actual}")]
    DigestMismatch {
        /// Hex md5 the URL is for.
        expected: String,
        /// Hex md5 of what arrived.
        actual: String,
    },
    /// The client's body stream failed (connection reset, …).
    #[error("upload interrupted: {0}")]
    Body(String),
    /// The disk failed.
    #[error("cannot store the upload: {0}")]
    Io(#[from] std::io::Error),
}

/// The blob and run-file directories.
pub struct BlobStore {
    blobs: PathBuf,
    run_files: PathBuf,
    parts: PathBuf,
    tmp: PathBuf,
}

impl BlobStore {
    /// Creates the directories under `dir` and removes temp files a crashed upload left behind.
    pub fn open(dir: &Path) -> std::io::Result<Self> {
        let store = Self {
            blobs: dir.join("blobs"),
            run_files: dir.join("runfiles"),
            parts: dir.join("parts"),
            tmp: dir.join("tmp"),
        };
        for path in [&store.blobs, &store.run_files, &store.parts, &store.tmp] {
            std::fs::create_dir_all(path)?;
        }
        for leftover in std::fs::read_dir(&store.tmp)? {
            // Best effort: a leftover we cannot delete is harmless (it is never read).
            let _ = std::fs::remove_file(leftover?.path());
        }
        Ok(store)
    }

    /// Where the blob with hex md5 `md5` lives (whether or not it exists).
    pub fn blob_path(&self, md5: &str) -> PathBuf {
        let (prefix, rest) = md5.split_at(2.min(md5.len()));
        self.blobs.join(prefix).join(rest)
    }

    /// Whether the blob with hex md5 `md5` is stored.
    pub fn has_blob(&self, md5: &str) -> bool {
        ids::is_hex_md5(md5) && self.blob_path(md5).is_file()
    }

    /// Where a run file lives; `key` is `entity/project/run/name`, hashed so that no name can escape the dir.
    pub fn run_file_path(&self, key: &str) -> PathBuf {
        self.run_files.join(ids::to_hex(&Sha256::digest(key.as_bytes())))
    }

    /// Stores a blob whose hex md5 must be `md5`; returns its size.
    pub async fn store_blob<S, E>(&self, md5: &str, body: S) -> Result<u64, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let target = self.blob_path(md5);
        let parent = target.parent().unwrap_or(&self.blobs).to_owned();
        tokio::fs::create_dir_all(&parent).await?;
        let (tmp, size, actual) = self.receive(body).await?;
        if actual != md5 {
            return Err(UploadError::DigestMismatch { expected: md5.to_owned(), actual });
        }
        tmp.persist(&target).map_err(|err| err.error)?;
        Ok(size)
    }

    /// Stores a run file (no digest to check); returns its size.
    pub async fn store_run_file<S, E>(&self, key: &str, body: S) -> Result<u64, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let (tmp, size, _) = self.receive(body).await?;
        tmp.persist(self.run_file_path(key)).map_err(|err| err.error)?;
        Ok(size)
    }

    /// Stores part `part` of multipart upload `upload` (an id the server issued: hex digits and `-`), whose hex
    /// md5 must be `md5`; returns its size.
    pub async fn store_part<S, E>(&self, upload: &str, part: u32, md5: &str, body: S) -> Result<u64, UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let dir = self.parts.join(upload);
        tokio::fs::create_dir_all(&dir).await?;
        let (tmp, size, actual) = self.receive(body).await?;
        if actual != md5 {
            return Err(UploadError::DigestMismatch { expected: md5.to_owned(), actual });
        }
        tmp.persist(dir.join(part.to_string())).map_err(|err| err.error)?;
        Ok(size)
    }

    /// Joins the parts of `upload` in the order given into the blob `md5` (checked), then drops the parts.
    pub fn complete_multipart(&self, upload: &str, parts: &[u32], md5: &str) -> Result<u64, UploadError> {
        let dir = self.parts.join(upload);
        let target = self.blob_path(md5);
        std::fs::create_dir_all(target.parent().unwrap_or(&self.blobs))?;
        let tmp = tempfile::NamedTempFile::new_in(&self.tmp)?;
        let mut out = std::io::BufWriter::with_capacity(WRITE_BUFFER, tmp.as_file());
        let mut hasher = Md5::new();
        let mut size = 0u64;
        for part in parts {
            let mut file = std::fs::File::open(dir.join(part.to_string()))
                .map_err(|err| UploadError::Body(format!("part {part} of upload {upload} is missing ({err})")))?;
            let mut tee = HashingWriter { inner: &mut out, hasher: &mut hasher };
            size += std::io::copy(&mut file, &mut tee)?;
        }
        std::io::Write::flush(&mut out)?;
        drop(out);
        let actual = ids::to_hex(&hasher.finalize());
        if actual != md5 {
            return Err(UploadError::DigestMismatch { expected: md5.to_owned(), actual });
        }
        tmp.persist(&target).map_err(|err| err.error)?;
        // The blob is complete; parts that cannot be removed are only wasted space.
        let _ = std::fs::remove_dir_all(&dir);
        Ok(size)
    }

    /// Drops the parts of an abandoned multipart upload.
    pub fn abort_multipart(&self, upload: &str) {
        // Parts that cannot be removed are only wasted space.
        let _ = std::fs::remove_dir_all(self.parts.join(upload));
    }

    /// Streams a body into a fresh temp file, hashing it on the way; the temp file is deleted if this fails.
    async fn receive<S, E>(&self, mut body: S) -> Result<(tempfile::NamedTempFile, u64, String), UploadError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: Display,
    {
        let tmp = tempfile::NamedTempFile::new_in(&self.tmp)?;
        let mut out = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(tmp.reopen()?));
        let mut hasher = Md5::new();
        let mut size = 0u64;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|err| UploadError::Body(err.to_string()))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            out.write_all(&chunk).await?;
        }
        out.flush().await?;
        Ok((tmp, size, ids::to_hex(&hasher.finalize())))
    }
}

/// Writes through to `inner` and hashes what was written.
struct HashingWriter<'a, W: std::io::Write> {
    inner: &'a mut W,
    hasher: &'a mut Md5,
}

impl<W: std::io::Write> std::io::Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
