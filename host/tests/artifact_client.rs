//! `wandguard artifact log/get` against a W&B-compatible fake on loopback: what is sent (configs validated
//! before the first request, the SDK's manifest and digests, no key to signed URLs), what comes back
//! (byte-exact files, values decoded in the sandbox, hostile payloads refused), versions and aliases,
//! references, and the cache (hits transfer nothing, corrupt entries are re-fetched, purge spares entries in use).

#[path = "support/artifact_cli.rs"]
mod artifact_cli;
#[path = "support/fake_wandb.rs"]
mod fake_wandb;

use artifact_cli::{Workspace, assert_cache_entries_intact, cache_state, files_under, text};
use fake_wandb::{API_KEY, ENTITY, FakeWandb};
use serde_json::Value;

/// The run name `log --format json` reports.
fn run_of(output: &std::process::Output) -> String {
    json_stdout(output)["run"].as_str().unwrap_or_default().to_owned()
}

fn json_stdout(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("JSON ({err}): {}", text(output)))
}

/// A protocol-0 pickle that would run `os.system` under CPython.
const HOSTILE_PICKLE: &[u8] = b"cos\nsystem\n(S'echo pwned'\ntR.";

#[test]
fn logged_files_and_value_come_back_byte_exact_and_decoded() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let a = ws.write("data/a.txt", b"hello artifact\n");
    let b = ws.write("tree/sub/b.bin", &(0..=255u8).cycle().take(300_000).collect::<Vec<u8>>());
    let value = ws.write("value.json", br#"{"rows": [1, 2.5, "three", null, true], "name": "ds"}"#);
    let log = ws.run(&[
        "log",
        "--name",
        "my-ds",
        "--type",
        "dataset",
        "--alias",
        "best",
        "--add-file",
        &format!("{}:docs/a.txt", a.display()),
        "--add-dir",
        &format!("{}:tree", ws.path("tree").display()),
        "--value",
        value.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    let saved = json_stdout(&log);
    assert_eq!(saved["name"], "my-ds");
    assert_eq!(saved["version"], "v0");
    assert_eq!(saved["entity"], ENTITY);
    assert_eq!(saved["uploaded_files"], 3);
    assert_eq!(saved["url"], format!("{}/{ENTITY}/proj/artifacts/dataset/my-ds/v0", server.base_url));
    assert_eq!(server.aliases_of("proj", "my-ds", 0), ["best", "latest"]);

    let root = ws.path("download");
    let get = ws.run(&["get", &format!("{ENTITY}/proj/my-ds:best"), "--root", root.to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert_eq!(files_under(&root), ["docs/a.txt", "output.pickle", "tree/sub/b.bin"]);
    assert_eq!(std::fs::read(root.join("docs/a.txt")).expect("a"), std::fs::read(&a).expect("a"));
    assert_eq!(std::fs::read(root.join("tree/sub/b.bin")).expect("b"), std::fs::read(&b).expect("b"));
    assert_cache_entries_intact(&ws.cache());

    let decoded = ws.run(&["get", "my-ds:v0", "--root", root.to_str().expect("utf-8"), "--decode"]);
    assert_eq!(decoded.status.code(), Some(0), "{}", text(&decoded));
    let decoded_value = json_stdout(&decoded);
    let round_trip = std::process::Command::new(env!("CARGO_BIN_EXE_wandguard"))
        .args(["decode", root.join("output.pickle").to_str().expect("utf-8")])
        .output()
        .expect("decode runs");
    assert_eq!(decoded_value, json_stdout(&round_trip));
    let text_value = decoded_value.to_string();
    for needle in ["three", "2.5", "ds"] {
        assert!(text_value.contains(needle), "{text_value}");
    }
}

#[test]
fn the_manifest_and_digests_are_the_sdks() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let a = ws.write("a.txt", b"hello artifact\n");
    let b = ws.write("b.bin", &[7u8; 1024]);
    let log = ws.run(&[
        "log",
        "--name",
        "trace",
        "--add-file",
        a.to_str().expect("utf-8"),
        "--add-file",
        &format!("{}:sub/b.bin", b.display()),
        "--format",
        "json",
    ]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    let manifest_put =
        server.log().into_iter().find(|r| r.method == "PUT" && r.path.contains("manifests/")).expect("manifest PUT");
    let body = manifest_put.raw.split("\r\n\r\n").nth(1).expect("body");
    let manifest: Value = serde_json::from_str(body).expect("manifest JSON");
    assert_eq!(manifest["version"], 1);
    assert_eq!(manifest["storagePolicy"], "wandb-storage-policy-v1");
    assert_eq!(manifest["storagePolicyConfig"]["storageLayout"], "V2");
    assert_eq!(manifest["contents"]["a.txt"]["digest"], "Gz8Znbd7EKjvs+Owab8zpw==");
    assert_eq!(manifest["contents"]["a.txt"]["size"], 15);
    assert_eq!(manifest["contents"]["a.txt"]["birthArtifactID"], "art-0");
    let create =
        server.log().into_iter().find(|r| r.operation.as_deref() == Some("CreateArtifact")).expect("CreateArtifact");
    let aliases = ["\"alias\":\"latest\""];
    assert!(aliases.iter().all(|a| create.raw.contains(a)), "{}", create.raw);
    assert!(create.raw.contains("\"digestAlgorithm\":\"MANIFEST_MD5\""));
    assert!(create.raw.contains("\"source_integration\\\":\\\"wandguard\\\""), "{}", create.raw);
}

#[test]
fn versions_aliases_and_dedup_follow_the_integration() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let one = ws.write("one.txt", b"one");
    let two = ws.write("two.txt", b"two");
    let log = |file: &std::path::Path, extra: &[&str]| {
        let mut args = vec![
            "log",
            "--name",
            "my_asset",
            "--context",
            "asset",
            "--partition",
            "red|2023-01-02",
            "--add-file",
            file.to_str().expect("utf-8"),
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let output = ws.run(&args);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        json_stdout(&output)
    };
    let first = log(&one, &["--alias", "best", "--dagster-run-id", "0123456789abcdef"]);
    assert_eq!(first["name"], "my_asset.red-2023-01-02");
    assert_eq!(first["version"], "v0");
    let second = log(&two, &["--dagster-run-id", "fedcba9876543210"]);
    assert_eq!(second["version"], "v1");
    assert_eq!(server.aliases_of("proj", "my_asset.red-2023-01-02", 0), ["best", "dagster-run-01234567"]);
    assert_eq!(server.aliases_of("proj", "my_asset.red-2023-01-02", 1), ["dagster-run-fedcba98", "latest"]);
    server.clear_log();
    let again = log(&two, &[]);
    assert_eq!(again["deduplicated"], true);
    assert_eq!(again["version"], "v1");
    assert_eq!(again["uploaded_files"], 0);
    assert!(server.log().iter().all(|r| r.method != "PUT"), "a deduplicated log uploads nothing");
}

#[test]
fn an_invalid_configuration_sends_nothing() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let file = ws.write("f.txt", b"x");
    for args in [
        vec!["log", "--name", "bad name!", "--add-file", file.to_str().expect("utf-8")],
        vec!["log", "--name", "ok", "--type", "job", "--add-file", file.to_str().expect("utf-8")],
        vec!["log", "--name", "ok", "--alias", "a/b", "--add-file", file.to_str().expect("utf-8")],
    ] {
        let output = ws.run(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}: {}", text(&output));
        assert!(String::from_utf8_lossy(&output.stderr).contains("nothing was sent"), "{}", text(&output));
    }
    let config = ws.write("cfg.json", br#"{"aliase": ["x"]}"#);
    let output = ws.run(&["log", "--name", "ok", "--config", config.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("unknown-key"), "{}", text(&output));
    assert!(server.log().is_empty(), "requests were sent: {:?}", server.log());
}

#[test]
fn a_hostile_payload_is_refused_after_download() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let payload = ws.write("output.pickle", HOSTILE_PICKLE);
    let log = ws.run(&["log", "--name", "evil", "--add-file", payload.to_str().expect("utf-8")]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    let root = ws.path("evil");
    let get = ws.run(&["get", "evil", "--root", root.to_str().expect("utf-8"), "--decode"]);
    assert_eq!(get.status.code(), Some(1), "{}", text(&get));
    let stderr = String::from_utf8_lossy(&get.stderr);
    assert!(stderr.contains("refused [unsafe]") && stderr.contains("os.system"), "{stderr}");
    assert!(get.stdout.is_empty());
}

#[test]
fn references_follow_the_sdk_digest_rules() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let local = ws.write("local.txt", b"local reference\n");
    let web = format!("{}/files/page.txt", server.base_url);
    let log = ws.run(&[
        "log",
        "--name",
        "refs",
        "--add-reference",
        &web,
        "--add-reference",
        &format!("file://{}:copy/local.txt", local.display()),
        "--add-reference",
        "s3://bucket/key.bin",
        "--format",
        "json",
    ]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    assert!(String::from_utf8_lossy(&log.stderr).contains("s3://bucket/key.bin: recorded as a reference, not fetched"));
    let manifest_put =
        server.log().into_iter().find(|r| r.method == "PUT" && r.path.contains("manifests/")).expect("manifest PUT");
    let manifest: Value = serde_json::from_str(manifest_put.raw.split("\r\n\r\n").nth(1).expect("body")).expect("JSON");
    let page = &manifest["contents"]["page.txt"];
    assert_eq!(page["digest"], fake_wandb::hex_md5(&fake_wandb::reference_body("page.txt")), "ETag without quotes");
    assert_eq!(page["extra"]["etag"], format!("\"{}\"", fake_wandb::hex_md5(&fake_wandb::reference_body("page.txt"))));
    assert_eq!(manifest["contents"]["key.bin"]["digest"], "s3://bucket/key.bin");
    assert!(
        server.log().iter().all(|r| r.method != "PUT" || r.path.contains("manifests/")),
        "references are not uploaded"
    );

    let root = ws.path("refs");
    let get = ws.run(&["get", "refs", "--root", root.to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert!(String::from_utf8_lossy(&get.stderr).contains("s3://bucket/key.bin recorded, not fetched"));
    assert_eq!(files_under(&root), ["copy/local.txt", "page.txt"]);
    assert_eq!(std::fs::read(root.join("page.txt")).expect("page"), fake_wandb::reference_body("page.txt"));
    assert_eq!(std::fs::read(root.join("copy/local.txt")).expect("local"), b"local reference\n");
}

#[test]
fn a_cache_hit_transfers_nothing_and_a_corrupt_entry_is_fetched_again() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let file = ws.write("big.bin", &vec![42u8; 2_000_000]);
    assert_eq!(ws.run(&["log", "--name", "c", "--add-file", file.to_str().expect("utf-8")]).status.code(), Some(0));
    let get = |root: &str| {
        let output = ws.run(&["get", "c", "--root", ws.path(root).to_str().expect("utf-8"), "--format", "json"]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output));
        json_stdout(&output)
    };
    let first = get("r1");
    assert_eq!(first["files"][0]["cache_hit"], false);
    assert_eq!(server.blob_downloads(), 1);
    let second = get("r2");
    assert_eq!(second["files"][0]["cache_hit"], true);
    assert_eq!(server.blob_downloads(), 1, "a cache hit downloads no file");

    let (entries, temps) = cache_state(&ws.cache());
    assert_eq!(entries.len(), 1);
    assert!(temps.is_empty(), "{temps:?}");
    let entry = ws.cache().join("obj").join(&entries[0]);
    // Same size, different bytes: only the md5 can tell. (Break the link to r1/r2 first.)
    std::fs::remove_file(&entry).expect("unlink");
    std::fs::write(&entry, vec![0u8; 2_000_000]).expect("corrupt");
    let third = get("r3");
    assert_eq!(third["files"][0]["cache_hit"], false);
    assert_eq!(server.blob_downloads(), 2, "the corrupt entry was fetched again");
    assert_eq!(std::fs::read(ws.path("r3/big.bin")).expect("r3"), vec![42u8; 2_000_000]);
    assert_cache_entries_intact(&ws.cache());
}

#[test]
fn purge_removes_expired_entries_but_not_one_in_use() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let one = ws.write("one.bin", b"first file");
    let two = ws.write("two.bin", b"second file");
    let log = ws.run(&[
        "log",
        "--name",
        "p",
        "--add-file",
        one.to_str().expect("utf-8"),
        "--add-file",
        two.to_str().expect("utf-8"),
    ]);
    assert_eq!(log.status.code(), Some(0), "{}", text(&log));
    let get = ws.run(&["get", "p", "--root", ws.path("r").to_str().expect("utf-8")]);
    assert_eq!(get.status.code(), Some(0), "{}", text(&get));
    assert_eq!(cache_state(&ws.cache()).0.len(), 2);

    // Another "process" (this test) holds the entry of one.bin.
    let cache = wandguard::wandb::ArtifactCache::open(ws.cache()).expect("cache");
    let key = wandguard::wandb::CacheKey::Md5(fake_wandb::hex_md5(b"first file"));
    let held = cache.lock(&key).expect("lock");
    let purge = ws.run(&[
        "get",
        "p",
        "--get-path",
        "two.bin",
        "--root",
        ws.path("r2").to_str().expect("utf-8"),
        "--cache-duration-in-minutes",
        "0",
    ]);
    assert_eq!(purge.status.code(), Some(0), "{}", text(&purge));
    assert!(
        String::from_utf8_lossy(&purge.stderr).contains("1 file(s) removed, 1 in use by another process kept"),
        "{}",
        text(&purge)
    );
    assert_eq!(
        cache_state(&ws.cache()).0,
        [format!("md5/{}", {
            let h = fake_wandb::hex_md5(b"first file");
            format!("{}/{}", &h[..2], &h[2..])
        })]
    );
    drop(held);
    // Fresh entries survive a long duration.
    let keep =
        ws.run(&["get", "p", "--root", ws.path("r3").to_str().expect("utf-8"), "--cache-duration-in-minutes", "60"]);
    assert_eq!(keep.status.code(), Some(0), "{}", text(&keep));
    assert_eq!(cache_state(&ws.cache()).0.len(), 2);
}

#[test]
fn the_key_goes_only_to_the_base_url_and_never_into_output() {
    let server = FakeWandb::start();
    let ws = Workspace::new(&server.base_url, API_KEY);
    let file = ws.write("f.bin", b"secret-free content");
    let log = ws.run(&["log", "--name", "k", "--add-file", file.to_str().expect("utf-8"), "--format", "json"]);
    let get = ws.run(&["get", "k", "--root", ws.path("r").to_str().expect("utf-8")]);
    for output in [&log, &get] {
        assert_eq!(output.status.code(), Some(0), "{}", text(output));
        assert!(!text(output).contains(API_KEY));
    }
    let requests = server.log();
    assert!(requests.iter().filter(|r| r.path == "/graphql" || r.path.ends_with("/file_stream")).all(|r| r.authorized));
    assert!(
        requests.iter().any(|r| r.path == format!("/files/{ENTITY}/proj/{}/file_stream", run_of(&log))),
        "the run is finished"
    );
    let signed: Vec<_> = requests.iter().filter(|r| r.path.starts_with("/storage/")).collect();
    assert!(signed.len() >= 3, "uploads and downloads went to signed URLs");
    assert!(signed.iter().all(|r| !r.authorized), "no credentials to signed URLs");
    for entry in files_under(&ws.cache()) {
        let bytes = std::fs::read(ws.cache().join(&entry)).expect("read");
        assert!(!String::from_utf8_lossy(&bytes).contains(API_KEY), "key in cache file {entry}");
    }
}
