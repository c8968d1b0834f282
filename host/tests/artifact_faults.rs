//! Bad input and faults around `wandguard artifact`: 500 then success, timeouts, connections reset
//! mid-body, truncated and wrong downloads, hostile manifest paths, unknown artifacts, a wrong key, a full
//! disk, `kill -9` in the middle of a download, and 8 concurrent fetches. Every case ends in a correct result
//! or a clean error with a stable code — never a corrupt or partial cache entry, never a file outside the root.

#[path = "support/artifact_cli.rs"]
mod artifact_cli;
#[path = "support/fake_wandb.rs"]
mod fake_wandb;

use std::path::Path;
use std::time::{Duration, Instant};

use artifact_cli::{Workspace, assert_cache_entries_intact, cache_state, files_under, text};
use fake_wandb::{API_KEY, FakeWandb, Faults};

/// A server holding `name` with one file of `size` bytes; returns the server, a workspace and the content.
fn published(name: &str, size: usize) -> (FakeWandb, Workspace, Vec<u8>) {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let content: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
    let file = ws.write("payload.bin", &content);
    let log = ws.run(&["log", "--name", name, "--add-file", file.to_str().expect("utf-8")]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    (server, ws, content)
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The cache holds no entry and no temp file.
fn assert_cache_empty(cache: &Path) {
    let (entries, temps) = cache_state(cache);
    assert!(entries.is_empty() && temps.is_empty(), "cache not clean: {entries:?} {temps:?}");
}

#[test]
fn server_errors_are_retried_then_succeed() {
    let (server, ws, content) = published("r", 10_000);
    server.set_faults(Faults { graphql_500: 2, download_503: 2, ..Faults::default() });
    let root = ws.path("root");
    let get = ws.run(&["get", "r", "--root", root.to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert_eq!(std::fs::read(root.join("payload.bin")).expect("file"), content);
    assert!(server.blob_downloads() >= 3, "two 503s, then the download");

    server.set_faults(Faults { upload_500: 1, ..Faults::default() });
    let other = ws.write("other.bin", b"uploaded after a 500");
    let log = ws.run(&["log", "--name", "r2", "--add-file", other.to_str().expect("utf-8")]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
}

#[test]
fn persistent_server_errors_fail_with_a_bounded_number_of_attempts() {
    let (server, ws, _) = published("r", 100);
    server.set_faults(Faults { graphql_500: 100, ..Faults::default() });
    server.clear_log();
    let get = ws.run(&["get", "r", "--root", ws.path("root").to_str().expect("utf-8"), "--max-retries", "2"]);
    assert_eq!(get.status.code(), Some(2), "{}", text(&get));
    assert!(
        stderr(&get).contains("error[http-error]") && stderr(&get).contains("HTTP 500 (after 3 attempts)"),
        "{}",
        text(&get)
    );
    assert!(stderr(&get).contains("GraphQL"), "names the operation: {}", text(&get));
    assert_eq!(server.log().len(), 3);
}

#[test]
fn a_stalled_server_times_out_and_a_single_stall_is_retried() {
    let (server, ws, content) = published("t", 1000);
    server.set_faults(Faults { graphql_stall: Some(Duration::from_secs(3)), graphql_stalls: 10, ..Faults::default() });
    let started = Instant::now();
    let get = ws.run(&[
        "get",
        "t",
        "--root",
        ws.path("a").to_str().expect("utf-8"),
        "--read-timeout",
        "0.5",
        "--max-retries",
        "1",
    ]);
    assert_eq!(get.status.code(), Some(2), "{}", text(&get));
    assert!(
        stderr(&get).contains("error[timeout]") && stderr(&get).contains("timed out (after 2 attempts)"),
        "{}",
        text(&get)
    );
    assert!(started.elapsed() < Duration::from_secs(3), "bounded by the read timeout, not the stall");

    server.set_faults(Faults { graphql_stall: Some(Duration::from_secs(3)), graphql_stalls: 1, ..Faults::default() });
    let root = ws.path("b");
    let get = ws.run(&["get", "t", "--root", root.to_str().expect("utf-8"), "--read-timeout", "0.5"]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert_eq!(std::fs::read(root.join("payload.bin")).expect("file"), content);
}

#[test]
fn a_connection_reset_mid_body_is_retried_and_leaves_nothing_partial() {
    let (server, ws, content) = published("reset", 3_000_000);
    server.set_faults(Faults { download_resets: 1, ..Faults::default() });
    let root = ws.path("ok");
    let get = ws.run(&["get", "reset", "--root", root.to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert_eq!(std::fs::read(root.join("payload.bin")).expect("file"), content);
    assert_cache_entries_intact(&ws.cache());

    let ws2 = Workspace::new(&server.base_url, API_KEY);
    server.set_faults(Faults { download_resets: 100, ..Faults::default() });
    let root = ws2.path("failed");
    let get = ws2.run(&["get", "reset", "--root", root.to_str().expect("utf-8"), "--max-retries", "2"]);
    assert_eq!(get.status.code(), Some(2), "{}", text(&get));
    assert!(
        stderr(&get).contains("error[network]") && stderr(&get).contains("download of payload.bin"),
        "{}",
        text(&get)
    );
    assert_cache_empty(&ws2.cache());
    assert!(files_under(&root).is_empty(), "nothing materialized: {:?}", files_under(&root));
}

#[test]
fn a_truncated_download_is_an_error_not_a_cache_entry() {
    let (server, ws, _) = published("short", 500_000);
    server.set_faults(Faults { always_truncate: true, ..Faults::default() });
    let root = ws.path("root");
    let get = ws.run(&["get", "short", "--root", root.to_str().expect("utf-8"), "--max-retries", "1"]);
    assert_ne!(get.status.code(), Some(0), "{}", text(&get));
    let message = stderr(&get);
    assert!(message.contains("error[network]") || message.contains("error[truncated]"), "{message}");
    assert_cache_empty(&ws.cache());
    assert!(files_under(&root).is_empty());
}

#[test]
fn wrong_bytes_fail_the_md5_check() {
    let (server, ws, _) = published("md5", 4096);
    server.set_faults(Faults { wrong_bytes: true, ..Faults::default() });
    let root = ws.path("root");
    let get = ws.run(&["get", "md5", "--root", root.to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(1), "{}", text(&get));
    assert!(stderr(&get).contains("error[digest-mismatch]: payload.bin: digest mismatch"), "{}", text(&get));
    assert_cache_empty(&ws.cache());
    assert!(files_under(&root).is_empty());
}

#[test]
fn manifest_paths_outside_the_root_are_refused_before_anything_is_written() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let content = b"escaped";
    let digest = wandguard::wandb::digest::b64_md5(content);
    for (collection, path) in
        [("dotdot", "../escape.txt"), ("deep", "a/../../escape.txt"), ("absolute", "/tmp/wandguard-escape.txt")]
    {
        let manifest = format!(
            r#"{{"version":1,"storagePolicy":"wandb-storage-policy-v1","storagePolicyConfig":{{"storageLayout":"V2"}},
            "contents":{{"fine.txt":{{"digest":"{digest}","size":7}},"{path}":{{"digest":"{digest}","size":7}}}}}}"#
        );
        server.publish_raw("proj", collection, manifest.as_bytes(), &[content]);
        let root = ws.path(&format!("roots/{collection}"));
        let get = ws.run(&["get", collection, "--root", root.to_str().expect("utf-8")]);
        assert_eq!(get.status.code(), Some(1), "{}", text(&get));
        assert!(
            stderr(&get).contains(&format!("error[unsafe-path]: manifest entry '{path}' refused")),
            "{}",
            text(&get)
        );
        assert!(!root.exists() || files_under(&root).is_empty(), "nothing written");
    }
    assert_eq!(files_under(&ws.path("roots")), Vec::<String>::new());
    assert!(!ws.path("escape.txt").exists() && !Path::new("/tmp/wandguard-escape.txt").exists());
    assert_eq!(server.blob_downloads(), 0, "refused before any download");
    assert_cache_empty(&ws.cache());
}

#[test]
fn unknown_artifacts_and_files_are_not_found() {
    let (_server, ws, _) = published("known", 10);
    for (args, needle) in [
        (vec!["get", "missing"], "error[not-found]: not found: artifact test-entity/proj/missing:latest"),
        (vec!["get", "known:v7"], "error[not-found]"),
        (vec!["get", "known", "--get-path", "nope.txt"], "error[not-found]: not found: 'nope.txt' in known:v0"),
        (vec!["get", "a/b/c/d"], "error[usage]"),
    ] {
        let output = ws.run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", text(&output));
        assert!(stderr(&output).contains(needle), "{args:?}: {}", text(&output));
    }
}

#[test]
fn a_wrong_key_is_refused_without_being_shown_or_retried() {
    let (server, _ws, _) = published("k", 10);
    let wrong = "wrong_key_0123456789abcdefghijklmnopqrstuvwxyz";
    let ws = Workspace::new(&server.base_url, wrong);
    server.clear_log();
    let get = ws.run(&["get", "k"]);
    assert_eq!(get.status.code(), Some(2), "{}", text(&get));
    assert!(
        stderr(&get).contains("error[unauthorized]: GraphQL Viewer: the server refused the API key (HTTP 401)"),
        "{}",
        text(&get)
    );
    assert!(!text(&get).contains(wrong));
    assert_eq!(server.log().len(), 1, "a 401 is not retried");
    let no_key = ws.command(&["get", "k"]).env_remove("WANDB_API_KEY").output().expect("runs");
    assert_eq!(no_key.status.code(), Some(2));
    assert!(stderr(&no_key).contains("error[usage]: no API key: set WANDB_API_KEY"), "{}", text(&no_key));
}

/// A tmpfs of `kib` KiB mounted at `dir` (needs root), unmounted on drop.
struct SmallDisk(std::path::PathBuf);

impl SmallDisk {
    fn mount(dir: &Path, kib: u32) -> Self {
        std::fs::create_dir_all(dir).expect("mkdir");
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs", dir.to_str().expect("utf-8")])
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a small tmpfs needs root (the disk-full test uses a real full filesystem)");
        SmallDisk(dir.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_full_disk_is_a_clean_error_with_nothing_half_written() {
    let (_server, ws, content) = published("full", 1_000_000);
    let disk = ws.path("small-disk");
    let _mounted = SmallDisk::mount(&disk, 256);
    let cache = disk.join("cache");
    let get = ws
        .command_with_cache(&cache, &["get", "full", "--root", ws.path("root").to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(get.status.code(), Some(2), "{}", text(&get));
    assert!(stderr(&get).contains("error[disk-full]"), "{}", text(&get));
    assert_cache_empty(&cache);
    assert!(files_under(&ws.path("root")).is_empty());
    // With room again, the same command succeeds.
    let retry = ws.run(&["get", "full", "--root", ws.path("root").to_str().expect("utf-8")]);
    assert_eq!(retry.status.code(), Some(0), "{}", text(&retry));
    assert_eq!(std::fs::read(ws.path("root/payload.bin")).expect("file"), content);
}

#[test]
fn kill_9_mid_download_then_rerun_recovers() {
    let (server, ws, content) = published("slow", 2_000_000);
    server.set_faults(Faults { throttle_bytes_per_sec: Some(400_000), ..Faults::default() });
    let root = ws.path("root");
    let mut child = ws.command(&["get", "slow", "--root", root.to_str().expect("utf-8")]).spawn().expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(20);
    let partial = loop {
        let (_, temps) = cache_state(&ws.cache());
        let size =
            temps.first().and_then(|t| std::fs::metadata(ws.cache().join("tmp").join(t)).ok()).map_or(0, |m| m.len());
        if size > 100_000 {
            break temps;
        }
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let (entries, temps) = cache_state(&ws.cache());
    assert!(entries.is_empty(), "no entry from a killed download: {entries:?}");
    assert_eq!(temps, partial, "only the temp file is left");
    assert!(files_under(&root).is_empty());

    server.set_faults(Faults::default());
    let rerun = ws.run(&["get", "slow", "--root", root.to_str().expect("utf-8")]);
    assert_eq!(rerun.status.code(), Some(0), "{}", text(&rerun));
    assert_eq!(std::fs::read(root.join("payload.bin")).expect("file"), content);
    let (entries, temps) = cache_state(&ws.cache());
    assert_eq!(entries.len(), 1);
    assert!(temps.is_empty(), "the dead process's temp file was cleaned up: {temps:?}");
    assert_cache_entries_intact(&ws.cache());
}

#[test]
fn eight_concurrent_gets_share_one_download() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let files: Vec<Vec<u8>> = (0..4u8).map(|n| vec![n; 700_000 + usize::from(n)]).collect();
    let mut args = vec!["log".to_owned(), "--name".to_owned(), "shared".to_owned()];
    for (n, content) in files.iter().enumerate() {
        args.push("--add-file".to_owned());
        args.push(ws.write(&format!("f{n}.bin"), content).to_string_lossy().into_owned());
    }
    let log = ws.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    server.set_faults(Faults { throttle_bytes_per_sec: Some(4_000_000), ..Faults::default() });
    let children: Vec<_> = (0..8)
        .map(|n| {
            ws.command(&["get", "shared", "--root", ws.path(&format!("root{n}")).to_str().expect("utf-8")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().expect("wait");
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    }
    for n in 0..8 {
        for (index, content) in files.iter().enumerate() {
            assert_eq!(&std::fs::read(ws.path(&format!("root{n}/f{index}.bin"))).expect("file"), content);
        }
    }
    assert_eq!(
        server.blob_downloads(),
        files.len(),
        "each file downloaded once; the other processes waited and hit the cache"
    );
    let (entries, temps) = cache_state(&ws.cache());
    assert_eq!(entries.len(), files.len());
    assert!(temps.is_empty());
    assert_cache_entries_intact(&ws.cache());
}
