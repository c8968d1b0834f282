//! The local artifact cache: content-addressed (`obj/md5/<hex[..2]>/<hex[2..]>`, `obj/etag/...` for
//! references), filled only through a temp file that is verified and then renamed, guarded by one lock file
//! per entry so many processes can share it. An entry that is missing, short or whose md5 does not match is
//! never served: it is removed and fetched again.

use std::fs::{File, FileTimes, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use super::WandbError;
use super::digest::{file_md5, hex_from_b64};

/// Environment variable overriding the default cache location.
pub const ARTIFACT_CACHE_ENV: &str = "WANDGUARD_ARTIFACT_CACHE";

/// What a cache entry is keyed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheKey {
    /// Uploaded files and `file://` references: the hex md5 of the content (verified on every use).
    Md5(String),
    /// http(s) references: `sha256(sha256(url) ‖ sha256(etag))`, as the SDK keys them (size-checked).
    Etag(String),
}

impl CacheKey {
    /// The key of a base64-md5 manifest digest, or `None` if the digest is not an md5.
    pub fn from_b64_md5(digest: &str) -> Option<Self> {
        hex_from_b64(digest).map(CacheKey::Md5)
    }

    /// The key of an http reference with this ETag.
    pub fn for_etag(url: &str, etag: &str) -> Self {
        let mut outer = Sha256::new();
        outer.update(Sha256::digest(url.as_bytes()));
        outer.update(Sha256::digest(etag.as_bytes()));
        CacheKey::Etag(outer.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
    }

    fn kind(&self) -> &'static str {
        match self {
            CacheKey::Md5(_) => "md5",
            CacheKey::Etag(_) => "etag",
        }
    }

    fn hex(&self) -> &str {
        match self {
            CacheKey::Md5(hex) | CacheKey::Etag(hex) => hex,
        }
    }
}

/// An exclusive lock on one cache entry; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct EntryLock {
    _file: File,
}

/// A cache directory.
#[derive(Clone, Debug)]
pub struct ArtifactCache {
    root: PathBuf,
}

/// What a purge did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PurgeReport {
    /// Files deleted.
    pub removed: u64,
    /// Expired files left alone because another process holds their entry.
    pub in_use: u64,
}

impl ArtifactCache {
    /// Opens (creating) the cache at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, WandbError> {
        let cache = ArtifactCache { root: root.into() };
        for dir in ["obj/md5", "obj/etag", "tmp", "locks"] {
            let path = cache.root.join(dir);
            std::fs::create_dir_all(&path).map_err(|err| WandbError::io(&path, err))?;
        }
        Ok(cache)
    }

    /// `$WANDGUARD_ARTIFACT_CACHE`, else `<user cache dir>/wandguard/artifacts`.
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os(ARTIFACT_CACHE_ENV).filter(|dir| !dir.is_empty()) {
            return PathBuf::from(dir);
        }
        dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("wandguard").join("artifacts")
    }

    /// The cache directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry for `key` lives once complete.
    pub fn entry_path(&self, key: &CacheKey) -> PathBuf {
        let hex = key.hex();
        let (head, tail) = hex.split_at(hex.len().min(2));
        self.root.join("obj").join(key.kind()).join(head).join(tail)
    }

    fn lock_path(&self, key: &CacheKey) -> PathBuf {
        self.root.join("locks").join(format!("{}-{}.lock", key.kind(), key.hex()))
    }

    /// Blocks until this process holds the entry's lock. Blocking: call from a blocking thread.
    pub fn lock(&self, key: &CacheKey) -> Result<EntryLock, WandbError> {
        let path = self.lock_path(key);
        let file = open_lock_file(&path)?;
        file.lock().map_err(|err| WandbError::io(&path, err))?;
        Ok(EntryLock { _file: file })
    }

    /// The entry if it is complete and intact (md5 entries are re-hashed; etag entries size-checked); a
    /// damaged entry is deleted so the caller fetches it again. Call with the entry's lock held.
    pub fn verified_entry(&self, key: &CacheKey, size: Option<u64>) -> Result<Option<PathBuf>, WandbError> {
        let path = self.entry_path(key);
        let metadata = match std::fs::metadata(&path) {
            Ok(metadata) => metadata,
            Err(err) if err.kind() == ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(WandbError::io(&path, err)),
        };
        let size_ok = metadata.is_file() && size.is_none_or(|size| size == metadata.len());
        let content_ok = size_ok
            && match key {
                CacheKey::Md5(hex) => {
                    file_md5(&path).ok().and_then(|(b64, _)| hex_from_b64(&b64)).as_ref() == Some(hex)
                }
                CacheKey::Etag(_) => true,
            };
        if !content_ok {
            remove_if_present(&path)?;
            return Ok(None);
        }
        touch(&path);
        Ok(Some(path))
    }

    /// A new temp file for `key` (named after it, so a purge can tell whose it is). Leftovers of processes
    /// that died while holding the lock are removed first. Call with the entry's lock held.
    pub fn temp_file(&self, key: &CacheKey) -> Result<TempEntry, WandbError> {
        let prefix = format!("{}-{}.", key.kind(), key.hex());
        let tmp = self.root.join("tmp");
        if let Ok(listing) = std::fs::read_dir(&tmp) {
            for stale in listing.flatten().filter(|item| item.file_name().to_string_lossy().starts_with(&prefix)) {
                remove_if_present(&stale.path())?;
            }
        }
        let path = tmp.join(format!("{prefix}{}.{}.part", std::process::id(), random_suffix()));
        File::create_new(&path).map_err(|err| WandbError::io(&path, err))?;
        Ok(TempEntry { path, committed: false })
    }

    /// Renames a completely written and verified temp file into place.
    pub fn commit(&self, mut temp: TempEntry, key: &CacheKey) -> Result<PathBuf, WandbError> {
        let path = self.entry_path(key);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|err| WandbError::io(parent, err))?;
        }
        std::fs::rename(&temp.path, &path).map_err(|err| WandbError::io(&path, err))?;
        temp.committed = true;
        touch(&path);
        Ok(path)
    }

    /// Deletes cache files not accessed for `minutes` (all when `minutes <= 0`, like the integration's
    /// `cache_duration_in_minutes`), skipping any entry another process holds, and stale temp files.
    pub fn purge(&self, minutes: i64) -> Result<PurgeReport, WandbError> {
        let cutoff = SystemTime::now().checked_sub(Duration::from_secs(minutes.max(0).unsigned_abs() * 60));
        let mut report = PurgeReport::default();
        for kind in ["md5", "etag"] {
            let base = self.root.join("obj").join(kind);
            for head in read_dir_paths(&base)? {
                for file in read_dir_paths(&head)? {
                    let hex = format!("{}{}", file_name(&head), file_name(&file));
                    let key = if kind == "md5" { CacheKey::Md5(hex) } else { CacheKey::Etag(hex) };
                    self.purge_file(&file, &key, cutoff, minutes <= 0, &mut report)?;
                }
            }
        }
        for file in read_dir_paths(&self.root.join("tmp"))? {
            let name = file_name(&file);
            let Some((kind, rest)) = name.split_once('-') else { continue };
            let hex = rest.split('.').next().unwrap_or_default().to_owned();
            let key = if kind == "md5" { CacheKey::Md5(hex) } else { CacheKey::Etag(hex) };
            self.purge_file(&file, &key, cutoff, minutes <= 0, &mut report)?;
        }
        Ok(report)
    }

    fn purge_file(
        &self,
        file: &Path,
        key: &CacheKey,
        cutoff: Option<SystemTime>,
        everything: bool,
        report: &mut PurgeReport,
    ) -> Result<(), WandbError> {
        let Ok(metadata) = std::fs::symlink_metadata(file) else { return Ok(()) };
        let accessed = metadata.accessed().or_else(|_| metadata.modified()).ok();
        let expired = everything || matches!((accessed, cutoff), (Some(at), Some(cutoff)) if at <= cutoff);
        if !expired {
            return Ok(());
        }
        let lock_path = self.lock_path(key);
        let lock = open_lock_file(&lock_path)?;
        match lock.try_lock() {
            Ok(()) => {
                remove_if_present(file)?;
                report.removed += 1;
            }
            Err(TryLockError::WouldBlock) => report.in_use += 1,
            Err(TryLockError::Error(err)) => return Err(WandbError::io(&lock_path, err)),
        }
        Ok(())
    }
}

/// A temp file in the cache; deleted when dropped unless committed.
#[derive(Debug)]
pub struct TempEntry {
    path: PathBuf,
    committed: bool,
}

impl TempEntry {
    /// Its path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempEntry {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn open_lock_file(path: &Path) -> Result<File, WandbError> {
    OpenOptions::new().create(true).truncate(false).write(true).open(path).map_err(|err| WandbError::io(path, err))
}

fn remove_if_present(path: &Path) -> Result<(), WandbError> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != ErrorKind::NotFound => Err(WandbError::io(path, err)),
        _ => Ok(()),
    }
}

/// Marks an entry as used now, so the purge's access-time rule holds even on `noatime`/`relatime` mounts.
fn touch(path: &Path) {
    if let Ok(file) = File::options().write(true).open(path) {
        let _ = file.set_times(FileTimes::new().set_accessed(SystemTime::now()));
    }
}

fn read_dir_paths(dir: &Path) -> Result<Vec<PathBuf>, WandbError> {
    match std::fs::read_dir(dir) {
        Ok(listing) => Ok(listing.flatten().map(|item| item.path()).collect()),
        Err(err) if err.kind() == ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(WandbError::io(dir, err)),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// 16 random hex characters for temp names.
pub(crate) fn random_suffix() -> String {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        bytes = (nanos as u64).to_le_bytes();
    }
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
