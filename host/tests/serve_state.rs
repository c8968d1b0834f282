//! `wandguard serve`'s state: nothing lost across a restart, concurrent clients get consistent versions, the
//! data directory has one server at a time, refusals at start, and the CLI's startup line and clean stop.

mod serve_support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use serve_support::{File, KEY, download, graphql, log_artifact, membership, serve};
use wandguard::serve::{ServeError, ServeOptions, start};

#[tokio::test]
async fn a_restarted_server_keeps_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let v0 = log_artifact(&base, "kept", &[File { name: "a", bytes: b"first" }], &["latest", "gold"]).await;
    let v1 = log_artifact(&base, "kept", &[File { name: "a", bytes: b"second" }], &["latest"]).await;
    let upsert = "mutation UpsertBucket ($name: String, $project: String, $config: JSONString) { upsertBucket(input: {name:$name,modelName:$project,config:$config}) { bucket { id name } inserted } }";
    let config = r#"{"lr":{"value":0.1},"_wandb":{"value":{"t":{"1":[1]}}}}"#;
    let run = graphql(&base, upsert, json!({ "name": "run1", "project": "proj", "config": config })).await;
    assert_eq!(run["upsertBucket"]["inserted"], true);
    server.shutdown().await;

    let server = serve(dir.path()).await;
    let base = server.base_url();
    assert_eq!(membership(&base, "kept:gold").await["artifact"]["id"], v0.id.as_str());
    assert_eq!(membership(&base, "kept:latest").await["artifact"]["id"], v1.id.as_str());
    assert_eq!(download(&base, "kept", "v0").await, vec![("a".to_owned(), b"first".to_vec())]);
    let resume = "query RunResumeStatus ($project: String, $entity: String, $name: String!) { model(name: $project, entityName: $entity) { bucket(name: $name, missingOk: true) { id config wandbConfig(keys: [\"t\"]) } } }";
    let bucket =
        graphql(&base, resume, json!({ "project": "proj", "entity": null, "name": "run1" })).await["model"]["bucket"]
            .clone();
    assert_eq!(bucket["id"], run["upsertBucket"]["bucket"]["id"]);
    assert_eq!(bucket["config"], config);
    let wandb_config: Value = serde_json::from_str(bucket["wandbConfig"].as_str().expect("wandbConfig")).expect("JSON");
    assert_eq!(wandb_config, json!({ "t": { "1": [1] } }), "the run counts as existing for resume");
    let v2 = log_artifact(&base, "kept", &[File { name: "a", bytes: b"third" }], &["latest"]).await;
    assert_eq!(
        membership(&base, "kept:v2").await["artifact"]["id"],
        v2.id.as_str(),
        "ids keep counting after a restart"
    );
    assert!(v2.id != v0.id && v2.id != v1.id);
    server.shutdown().await;
}

#[tokio::test]
async fn concurrent_clients_get_distinct_versions_and_latest_is_the_last_commit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let contents: Vec<Vec<u8>> = (0..8).map(|i| format!("content {i}\n").repeat(1000).into_bytes()).collect();
    let tasks: Vec<_> = contents
        .iter()
        .cloned()
        .map(|bytes| {
            let base = base.clone();
            tokio::spawn(async move {
                log_artifact(&base, "shared", &[File { name: "data.txt", bytes: &bytes }], &["latest"]).await.id
            })
        })
        .collect();
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("client task"));
    }
    let mut versions = Vec::new();
    for index in 0..8 {
        let member = membership(&base, &format!("shared:v{index}")).await;
        versions.push(member["artifact"]["id"].as_str().expect("version exists").to_owned());
        let files = download(&base, "shared", &format!("v{index}")).await;
        let position = ids.iter().position(|id| *id == versions[index]).expect("a logged artifact");
        assert_eq!(files[0].1, contents[position], "v{index} holds the content its client logged");
    }
    let mut sorted = versions.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 8, "eight distinct versions");
    assert_eq!(membership(&base, "shared:latest").await["artifact"]["id"], versions[7].as_str());
    server.shutdown().await;
}

#[tokio::test]
async fn start_refuses_bad_options_and_a_busy_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let options = |addr: &str, key: &str| ServeOptions {
        dir: dir.path().to_owned(),
        addr: addr.parse().expect("address"),
        api_key: key.to_owned(),
        entity: "tester".to_owned(),
    };
    assert!(matches!(start(options("0.0.0.0:0", KEY)).await, Err(ServeError::NotLoopback(_))));
    let short = start(options("127.0.0.1:0", "short")).await.expect_err("refused");
    assert!(matches!(short, ServeError::InvalidApiKey(_)));
    assert!(!short.to_string().contains("short"), "the key is not echoed");
    let server = start(options("127.0.0.1:0", KEY)).await.expect("first server");
    let busy = start(options("127.0.0.1:0", KEY)).await.expect_err("second server refused");
    assert!(busy.to_string().contains("in use by another wandguard serve"), "{busy}");
    server.shutdown().await;
    start(options("127.0.0.1:0", KEY)).await.expect("free again after shutdown").shutdown().await;
    std::fs::write(dir.path().join("state.json"), b"{not json").expect("corrupt the catalogue");
    let corrupt = start(options("127.0.0.1:0", KEY)).await.expect_err("corrupt catalogue refused");
    assert!(matches!(corrupt, ServeError::CorruptState { .. }), "{corrupt}");
}

#[test]
fn cli_prints_the_address_first_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wandguard"))
        .args(["serve", "--port", "0", "--dir"])
        .arg(dir.path())
        .env("WANDGUARD_SERVE_API_KEY", KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wandguard serve starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first_line).expect("first line");
    let base = first_line.trim().strip_prefix("listening on ").expect("first line names the address").to_owned();
    assert!(base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"), "{base}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let status = runtime.block_on(async {
        reqwest::Client::new().post(format!("{base}/graphql")).body("{}").send().await.expect("request").status()
    });
    assert_eq!(status, 401, "the server answers, and wants the key");
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("server exits");
    assert!(output.status.success(), "exit status {:?}", output.status);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stopping"), "{stderr}");
    assert!(!stderr.contains(KEY), "the key is never printed");
}

#[test]
fn cli_refuses_non_loopback_hosts_and_short_keys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = |args: &[&str], key: &str| {
        Command::new(env!("CARGO_BIN_EXE_wandguard"))
            .args(["serve", "--port", "0", "--dir"])
            .arg(dir.path())
            .args(args)
            .env("WANDGUARD_SERVE_API_KEY", key)
            .output()
            .expect("wandguard serve runs")
    };
    let public = run(&["--host", "0.0.0.0"], KEY);
    assert_eq!(public.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&public.stderr).contains("only loopback"));
    let short = run(&[], "tooshort");
    assert_eq!(short.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&short.stderr);
    assert!(stderr.contains("at least 40 characters") && !stderr.contains("tooshort"), "{stderr}");
}

#[tokio::test]
async fn an_interrupted_upload_leaves_nothing_behind() {
    use tokio::io::AsyncWriteExt;

    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let created = graphql(
        &base,
        serve_support::CREATE_ARTIFACT,
        json!({ "input": { "projectName": "proj", "artifactTypeName": "dataset", "artifactCollectionName": "cut", "digest": "d" } }),
    )
    .await;
    let id = created["createArtifact"]["artifact"]["id"].clone();
    let full = vec![7u8; 1 << 20];
    let planned = graphql(
        &base,
        "mutation CreateArtifactFiles ($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { uploadUrl } } } } }",
        json!({ "input": { "artifactFiles": [{ "artifactID": id, "name": "f", "md5": serve_support::md5_b64(&full) }] } }),
    )
    .await;
    let url =
        planned["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"].as_str().expect("URL").to_owned();
    let path_and_query = url.strip_prefix(&base).expect("URL on the server");

    // Announce 1 MiB, send 64 KiB, then drop the connection.
    let mut stream = tokio::net::TcpStream::connect(server.local_addr()).await.expect("connect");
    let head = format!("PUT {path_and_query} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n\r\n", full.len());
    stream.write_all(head.as_bytes()).await.expect("request head");
    stream.write_all(&full[..64 << 10]).await.expect("part of the body");
    drop(stream);

    let blob =
        dir.path().join("blobs").join(&serve_support::md5_hex(&full)[..2]).join(&serve_support::md5_hex(&full)[2..]);
    let tmp = dir.path().join("tmp");
    let mut settled = false;
    for _ in 0..50 {
        if std::fs::read_dir(&tmp).expect("tmp dir").count() == 0 {
            settled = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(settled, "the partial upload's temp file is removed");
    assert!(!blob.exists(), "no partial blob");
    // The same URL still works for a complete upload.
    serve_support::put(&reqwest::Client::new(), &url, &Value::Null, full.clone()).await;
    assert_eq!(std::fs::read(&blob).expect("blob"), full);
    server.shutdown().await;
}

#[tokio::test]
async fn temp_files_of_a_crashed_server_are_removed_at_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("tmp")).expect("tmp dir");
    std::fs::write(dir.path().join("tmp").join(".tmpLEFT"), b"half an upload").expect("leftover");
    let server = serve(dir.path()).await;
    assert_eq!(std::fs::read_dir(dir.path().join("tmp")).expect("tmp dir").count(), 0);
    server.shutdown().await;
}
