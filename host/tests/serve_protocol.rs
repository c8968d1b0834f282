//! `wandguard serve` over real HTTP: auth, logging and fetching artifacts the way the wandb SDK does, dedup,
//! versions / aliases / `latest`, links, md5-checked uploads, and refusals with clear errors.

mod serve_support;

use serde_json::{Value, json};
use serve_support::{File, KEY, download, graphql, graphql_raw, log_artifact, md5_hex, membership, serve};

const VIEWER: &str = "query Viewer { viewer { id entity username email flags teams { edges { node { name } } } } }";

#[tokio::test]
async fn api_routes_need_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let client = reqwest::Client::new();
    let body = json!({ "query": VIEWER });
    for auth in [None, Some("wrong_key_0123456789abcdefghijklmnopqrstuvwxyz")] {
        let mut request = client.post(format!("{base}/graphql")).json(&body);
        if let Some(key) = auth {
            request = request.basic_auth("api", Some(key));
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), 401);
        assert!(response.headers().contains_key("www-authenticate"));
        let text = response.text().await.expect("body");
        assert!(text.contains("API key"), "{text}");
        assert!(!text.contains(KEY), "the key never appears in answers");
    }
    let stream = client
        .post(format!("{base}/files/tester/proj/run/file_stream"))
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_eq!(stream.status(), 401);
    let v2 = client
        .get(format!("{base}/artifactsV2/default/tester/proj/ds/id/birth/{}/a.txt", md5_hex(b"x")))
        .send()
        .await
        .expect("request");
    assert_eq!(v2.status(), 401);
    let data = graphql(&base, VIEWER, Value::Null).await;
    assert_eq!(data["viewer"]["entity"], "tester");
    server.shutdown().await;
}

#[tokio::test]
async fn log_then_fetch_byte_exact_with_versions_aliases_and_latest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    let v0_files = [File { name: "a.txt", bytes: b"hello artifact\n" }, File { name: "sub/big.bin", bytes: &big }];
    let v0 = log_artifact(&base, "my-ds", &v0_files, &["latest", "best"]).await;
    assert_eq!(v0.created_state, "PENDING");
    assert_eq!(v0.uploaded, vec!["a.txt", "sub/big.bin"]);

    let v1_files = [File { name: "a.txt", bytes: b"hello artifact\n" }, File { name: "c.txt", bytes: b"new\n" }];
    let v1 = log_artifact(&base, "my-ds", &v1_files, &["latest", "candidate"]).await;
    assert_eq!(v1.uploaded, vec!["c.txt"], "a.txt is already stored: no second upload");

    let latest = membership(&base, "my-ds:latest").await;
    assert_eq!(latest["artifact"]["id"], v1.id.as_str());
    assert_eq!(latest["versionIndex"], 1);
    assert_eq!(latest["artifact"]["fileCount"], 2);
    assert_eq!(latest["artifact"]["size"], 19);
    let aliases =
        |m: &Value| m["aliases"].as_array().expect("aliases").iter().map(|a| a["alias"].clone()).collect::<Vec<_>>();
    assert_eq!(aliases(&latest), vec![json!("candidate"), json!("latest")]);
    assert_eq!(aliases(&latest["artifact"]), vec![json!("candidate"), json!("latest"), json!("v1")]);
    let best = membership(&base, "my-ds:best").await;
    assert_eq!(best["artifact"]["id"], v0.id.as_str());
    assert_eq!(aliases(&best), vec![json!("best")], "latest moved away from v0");
    assert_eq!(membership(&base, "my-ds:v0").await["artifact"]["id"], v0.id.as_str());
    assert_eq!(membership(&base, "my-ds").await["artifact"]["id"], v1.id.as_str());
    assert_eq!(membership(&base, "my-ds:v2").await, Value::Null);
    assert_eq!(membership(&base, "nothing:latest").await, Value::Null);

    let files = download(&base, "my-ds", "v0").await;
    assert_eq!(
        files,
        vec![("a.txt".to_owned(), b"hello artifact\n".to_vec()), ("sub/big.bin".to_owned(), big.clone())]
    );

    // The manifest downloads from its own URL and lists the birth artifact of every file.
    let manifest_url = latest["artifact"]["currentManifest"]["file"]["directUrl"].as_str().expect("manifest URL");
    let manifest: Value = reqwest::get(manifest_url).await.expect("GET manifest").json().await.expect("manifest JSON");
    assert_eq!(manifest["contents"]["a.txt"]["birthArtifactID"], v0.id.as_str(), "a.txt was born in v0");
    assert_eq!(manifest["contents"]["c.txt"]["birthArtifactID"], v1.id.as_str());

    // The single-entry route the SDK uses for get_path, with the key.
    let client = reqwest::Client::new();
    let hex = md5_hex(b"hello artifact\n");
    let entry = client
        .get(format!("{base}/artifactsV2/default/tester/proj/my-ds/{}/{hex}/a.txt", v0.id.replace('=', "%3D")))
        .basic_auth("api", Some(KEY))
        .send()
        .await
        .expect("GET artifactsV2");
    assert_eq!(entry.status(), 200);
    assert_eq!(entry.bytes().await.expect("body").as_ref(), b"hello artifact\n");
    server.shutdown().await;
}

#[tokio::test]
async fn same_content_is_deduplicated_to_the_committed_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let files = [File { name: "x.txt", bytes: b"same\n" }];
    let first = log_artifact(&base, "dup", &files, &["latest"]).await;
    let again = log_artifact(&base, "dup", &files, &["latest", "again"]).await;
    assert_eq!(again.created_state, "COMMITTED");
    assert_eq!(again.id, first.id);
    assert_eq!(membership(&base, "dup:again").await["artifact"]["id"], first.id.as_str());
    assert_eq!(membership(&base, "dup:v1").await, Value::Null, "no second version");
    server.shutdown().await;
}

#[tokio::test]
async fn links_make_portfolio_memberships() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let logged = log_artifact(&base, "model-a", &[File { name: "w.bin", bytes: b"weights" }], &["latest"]).await;
    let link =
        "mutation LinkArtifact ($input: LinkArtifactInput!) { result: linkArtifact(input: $input) { versionIndex } }";
    let input = json!({ "input": { "artifactID": logged.id, "artifactPortfolioName": "prod-models", "entityName": "tester",
        "projectName": "proj", "aliases": [{ "alias": "prod", "artifactCollectionName": "prod-models" }] } });
    assert_eq!(graphql(&base, link, input).await["result"]["versionIndex"], 0);
    let linked = membership(&base, "prod-models:prod").await;
    assert_eq!(linked["artifact"]["id"], logged.id.as_str());
    assert_eq!(download(&base, "prod-models", "v0").await, vec![("w.bin".to_owned(), b"weights".to_vec())]);
    server.shutdown().await;
}

#[tokio::test]
async fn uploads_are_md5_checked_and_urls_are_signed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let created = graphql(
        &base,
        serve_support::CREATE_ARTIFACT,
        json!({ "input": { "entityName": "tester", "projectName": "proj", "artifactTypeName": "dataset",
            "artifactCollectionName": "checked", "digest": "d", "aliases": [] } }),
    )
    .await;
    let id = created["createArtifact"]["artifact"]["id"].clone();
    let planned = graphql(
        &base,
        "mutation CreateArtifactFiles ($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { uploadUrl } } } } }",
        json!({ "input": { "artifactFiles": [{ "artifactID": id, "name": "f", "md5": serve_support::md5_b64(b"right") }] } }),
    )
    .await;
    let url =
        planned["createArtifactFiles"]["files"]["edges"][0]["node"]["uploadUrl"].as_str().expect("URL").to_owned();
    let client = reqwest::Client::new();

    let wrong = client.put(&url).body("wrong").send().await.expect("PUT");
    assert_eq!(wrong.status(), 400);
    assert!(wrong.text().await.expect("body").contains("md5 mismatch"));
    let unsigned = url.split_once('?').expect("query").0;
    assert_eq!(client.put(unsigned).body("right").send().await.expect("PUT").status(), 401);
    let tampered = url.replace("signature=", "signature=0");
    assert_eq!(client.put(&tampered).body("right").send().await.expect("PUT").status(), 401);
    let as_get = client.get(&url).send().await.expect("GET");
    assert_eq!(as_get.status(), 401, "an upload URL does not download");

    let commit = "mutation CommitArtifact ($artifactID: ID!) { commitArtifact(input: {artifactID:$artifactID}) { artifact { id } } }";
    let refused = graphql_raw(&base, commit, json!({ "artifactID": id })).await;
    let message = refused["errors"][0]["message"].as_str().expect("error message");
    assert!(message.starts_with("CommitArtifact: no manifest"), "{message}");

    assert_eq!(client.put(&url).body("right").send().await.expect("PUT").status(), 200);
    let blob = dir.path().join("blobs").join(&md5_hex(b"right")[..2]).join(&md5_hex(b"right")[2..]);
    assert_eq!(std::fs::read(blob).expect("stored blob"), b"right");
    assert_eq!(std::fs::read_dir(dir.path().join("tmp")).expect("tmp dir").count(), 0, "no temp file left behind");
    server.shutdown().await;
}

#[tokio::test]
async fn bad_requests_get_errors_naming_the_operation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let unknown = graphql_raw(&base, "query NoSuchThing { x }", Value::Null).await;
    assert_eq!(unknown["errors"][0]["extensions"]["code"], "unsupported");
    assert!(unknown["errors"][0]["message"].as_str().expect("message").contains("NoSuchThing"));
    let bad_name = graphql_raw(
        &base,
        serve_support::CREATE_ARTIFACT,
        json!({ "input": { "projectName": "proj", "artifactTypeName": "dataset", "artifactCollectionName": "../etc", "digest": "d" } }),
    )
    .await;
    assert!(
        bad_name["errors"][0]["message"].as_str().expect("message").contains("invalid artifact name"),
        "{bad_name}"
    );
    let by_id =
        graphql_raw(&base, "query ArtifactByID ($id: ID!) { artifact(id: $id) { id } }", json!({ "id": "garbage" }))
            .await;
    assert!(by_id["errors"][0]["message"].as_str().expect("message").contains("not found"), "{by_id}");
    let not_json = reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .basic_auth("api", Some(KEY))
        .body("not json")
        .send()
        .await
        .expect("request");
    let body: Value = not_json.json().await.expect("JSON error");
    assert!(body["errors"][0]["message"].as_str().expect("message").contains("not a JSON object"));
    server.shutdown().await;
}

#[tokio::test]
async fn downloads_honour_byte_ranges() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let bytes: Vec<u8> = (0..100_000u32).map(|i| (i % 253) as u8).collect();
    log_artifact(&base, "ranged", &[File { name: "r.bin", bytes: &bytes }], &["latest"]).await;
    let client = reqwest::Client::new();
    let url = format!("{base}/artifactsV2/default/tester/proj/ranged/id/{}/r.bin", md5_hex(&bytes));
    let get = |range: &'static str| client.get(&url).basic_auth("api", Some(KEY)).header("range", range).send();
    let middle = get("bytes=1000-1999").await.expect("GET");
    assert_eq!(middle.status(), 206);
    assert_eq!(middle.headers()["content-range"], "bytes 1000-1999/100000");
    assert_eq!(middle.bytes().await.expect("body").as_ref(), &bytes[1000..2000]);
    let tail = get("bytes=99990-").await.expect("GET");
    assert_eq!(tail.bytes().await.expect("body").as_ref(), &bytes[99_990..]);
    let past_end = get("bytes=100000-").await.expect("GET");
    assert_eq!(past_end.status(), 416);
    assert_eq!(past_end.headers()["content-range"], "bytes */100000");
    let whole = client.get(&url).basic_auth("api", Some(KEY)).send().await.expect("GET");
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["etag"], format!("\"{}\"", md5_hex(&bytes)).as_str());
    assert_eq!(whole.bytes().await.expect("body").as_ref(), bytes.as_slice());
    server.shutdown().await;
}

#[tokio::test]
async fn multipart_uploads_join_their_parts_into_a_checked_blob() {
    let dir = tempfile::tempdir().expect("temp dir");
    let server = serve(dir.path()).await;
    let base = server.base_url();
    let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 241) as u8).collect();
    let parts: Vec<&[u8]> = bytes.chunks(100_000).collect();
    let created = graphql(
        &base,
        serve_support::CREATE_ARTIFACT,
        json!({ "input": { "projectName": "proj", "artifactTypeName": "dataset", "artifactCollectionName": "huge", "digest": "d" } }),
    )
    .await;
    let id = created["createArtifact"]["artifact"]["id"].clone();
    let parts_input: Vec<Value> =
        parts.iter().enumerate().map(|(i, part)| json!({ "partNumber": i + 1, "hexMD5": md5_hex(part) })).collect();
    let planned = graphql(
        &base,
        "mutation CreateArtifactFiles ($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { storagePath uploadMultipartUrls { uploadID uploadUrlParts { partNumber uploadUrl } } } } } } }",
        json!({ "input": { "artifactFiles": [{ "artifactID": id, "name": "huge.bin", "md5": serve_support::md5_b64(&bytes), "uploadPartsInput": parts_input }] } }),
    )
    .await;
    let node = &planned["createArtifactFiles"]["files"]["edges"][0]["node"];
    let upload_id = node["uploadMultipartUrls"]["uploadID"].clone();
    let urls: Vec<String> = node["uploadMultipartUrls"]["uploadUrlParts"]
        .as_array()
        .expect("part URLs")
        .iter()
        .map(|part| part["uploadUrl"].as_str().expect("URL").to_owned())
        .collect();
    assert_eq!(urls.len(), 3);
    let client = reqwest::Client::new();
    assert_eq!(
        client.put(&urls[1]).body(parts[0].to_vec()).send().await.expect("PUT").status(),
        400,
        "part md5 checked"
    );
    for index in [2, 1] {
        let response = client.put(&urls[index]).body(parts[index].to_vec()).send().await.expect("PUT");
        assert_eq!(response.headers()["etag"], format!("\"{}\"", md5_hex(parts[index])).as_str());
    }
    let complete = "mutation CompleteMultipartUploadArtifact ($completeMultipartAction: CompleteMultipartAction!, $completedParts: [UploadPartsInput!]!, $artifactID: ID!, $storagePath: String!, $uploadID: String!) { completeMultipartUploadArtifact(input: {completeMultipartAction: $completeMultipartAction, completedParts: $completedParts, artifactID: $artifactID, storagePath: $storagePath, uploadID: $uploadID}) { digest } }";
    let completed_parts: Vec<Value> =
        parts.iter().enumerate().map(|(i, part)| json!({ "partNumber": i + 1, "hexMD5": md5_hex(part) })).collect();
    let variables = json!({ "completeMultipartAction": "Complete", "completedParts": completed_parts, "artifactID": id,
        "storagePath": node["storagePath"], "uploadID": upload_id });
    let early = graphql_raw(&base, complete, variables.clone()).await;
    let message = early["errors"][0]["message"].as_str().expect("error");
    assert!(message.contains("part 1") && message.contains("missing"), "{message}");
    client.put(&urls[0]).body(parts[0].to_vec()).send().await.expect("PUT");
    let done = graphql(&base, complete, variables).await;
    assert_eq!(done["completeMultipartUploadArtifact"]["digest"], md5_hex(&bytes).as_str());
    let blob = dir.path().join("blobs").join(&md5_hex(&bytes)[..2]).join(&md5_hex(&bytes)[2..]);
    assert_eq!(std::fs::read(blob).expect("joined blob"), bytes);
    assert_eq!(std::fs::read_dir(dir.path().join("parts")).expect("parts dir").count(), 0, "parts dropped");
    server.shutdown().await;
}
