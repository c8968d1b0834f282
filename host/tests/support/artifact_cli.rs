//! Running `wandguard artifact ...` against a fake or real server, with a private cache and fast retries.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A test's workspace: its own artifact cache and scratch directory.
pub struct Workspace {
    /// Scratch directory (removed at the end).
    pub dir: tempfile::TempDir,
    /// Base URL of the server.
    pub base_url: String,
    /// The key the commands send.
    pub api_key: String,
}

impl Workspace {
    /// A workspace talking to `base_url` with `api_key`.
    pub fn new(base_url: &str, api_key: &str) -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
            base_url: base_url.to_owned(),
            api_key: api_key.to_owned(),
        }
    }

    /// The artifact cache of this workspace.
    pub fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// A path in the scratch directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a scratch file.
    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let path = self.path(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, content).expect("write");
        path
    }

    /// The command with the environment the SDK would read, fast retries and the private cache.
    pub fn command(&self, args: &[&str]) -> Command {
        self.command_with_cache(&self.cache(), args)
    }

    /// [`Workspace::command`] with another artifact cache.
    pub fn command_with_cache(&self, cache: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_wandguard"));
        command
            .arg("artifact")
            .args(args)
            .args(["--artifact-cache", cache.to_str().expect("utf-8"), "--retry-delay-ms", "50", "--quiet"])
            .env("WANDB_BASE_URL", &self.base_url)
            .env("WANDB_API_KEY", &self.api_key)
            .env("WANDB_PROJECT", "proj")
            .env_remove("WANDB_ENTITY")
            .env_remove("http_proxy")
            .env_remove("HTTP_PROXY");
        command
    }

    /// Runs `wandguard artifact ARGS`.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the binary runs")
    }
}

/// stdout + stderr as text, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every file under `dir` (relative paths, sorted).
pub fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for item in std::fs::read_dir(&current).into_iter().flatten().flatten() {
            let path = item.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path.strip_prefix(dir).expect("under dir").to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

/// Cache entries (`obj/...`) and leftover temp files (`tmp/...`).
pub fn cache_state(cache: &Path) -> (Vec<String>, Vec<String>) {
    (files_under(&cache.join("obj")), files_under(&cache.join("tmp")))
}

/// Checks that every cache entry's content has the md5 its path names.
pub fn assert_cache_entries_intact(cache: &Path) {
    for entry in files_under(&cache.join("obj/md5")) {
        let bytes = std::fs::read(cache.join("obj/md5").join(&entry)).expect("read entry");
        let name = entry.replace('/', "");
        assert_eq!(crate::fake_wandb::hex_md5(&bytes), name, "cache entry {entry} does not hold its md5");
    }
}
