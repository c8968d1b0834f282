//! Writing a cached entry under the download root: the parent directory is resolved and must still lie
//! inside the root (no symlink escapes), and the file appears by rename, never half-written.

use std::path::{Path, PathBuf};

use super::WandbError;
use super::cache::random_suffix;

/// Puts `cached` at `root/relative` (a hard link when possible, else a copy) and returns that path.
/// `relative` must already have passed `safe_relative_path`.
pub fn materialize(cached: &Path, root: &Path, relative: &Path) -> Result<PathBuf, WandbError> {
    let target = root.join(relative);
    let parent = target.parent().unwrap_or(root);
    std::fs::create_dir_all(parent).map_err(|err| WandbError::io(parent, err))?;
    let real_root = root.canonicalize().map_err(|err| WandbError::io(root, err))?;
    let real_parent = parent.canonicalize().map_err(|err| WandbError::io(parent, err))?;
    if !real_parent.starts_with(&real_root) {
        return Err(WandbError::UnsafePath {
            path: relative.display().to_string(),
            reason: "a directory on its way is a link out of the download root",
        });
    }
    if std::fs::symlink_metadata(&target).is_ok_and(|meta| meta.is_dir()) {
        return Err(WandbError::UnsafePath {
            path: relative.display().to_string(),
            reason: "a directory is in the way",
        });
    }
    let file_name = target.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = real_parent.join(format!(".{file_name}.{}.wandguard-tmp", random_suffix()));
    if std::fs::hard_link(cached, &temp).is_err()
        && let Err(err) = std::fs::copy(cached, &temp)
    {
        let _ = std::fs::remove_file(&temp);
        return Err(WandbError::io(&temp, err));
    }
    let final_path = real_parent.join(&file_name);
    if let Err(err) = std::fs::rename(&temp, &final_path) {
        let _ = std::fs::remove_file(&temp);
        return Err(WandbError::io(&final_path, err));
    }
    Ok(final_path)
}
