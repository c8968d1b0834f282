//! Shared by the `wandguard serve` tests: start a server on a temp dir, speak its GraphQL, and log an
//! artifact the way the wandb SDK does (CreateArtifact → manifest → files → PUTs → manifest PUT → commit).

#![allow(dead_code)] // each test file uses a different part of this module

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde_json::{Value, json};
use wandguard::serve::{RunningServer, ServeOptions, start};

/// The key every test server uses (the wandb SDK's format: 40+ characters).
pub const KEY: &str = "test_key_0123456789abcdefghijklmnopqrstuvwxyz";

/// Starts a server on a free loopback port with its data in `dir`.
pub async fn serve(dir: &Path) -> RunningServer {
    start(ServeOptions {
        dir: dir.to_owned(),
        addr: "127.0.0.1:0".parse().expect("address"),
        api_key: KEY.to_owned(),
        entity: "tester".to_owned(),
    })
    .await
    .expect("server starts")
}

/// Base64 md5, as in manifests.
pub fn md5_b64(bytes: &[u8]) -> String {
    STANDARD.encode(Md5::digest(bytes))
}

/// Hex md5, as in storage keys.
pub fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A GraphQL request with the API key; returns the whole response body.
pub async fn graphql_raw(base: &str, query: &str, variables: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}/graphql"))
        .basic_auth("api", Some(KEY))
        .json(&json!({ "query": query, "variables": variables, "operationName": "" }))
        .send()
        .await
        .expect("graphql request")
        .json()
        .await
        .expect("graphql JSON")
}

/// A GraphQL request that must succeed; returns `data`.
pub async fn graphql(base: &str, query: &str, variables: Value) -> Value {
    let response = graphql_raw(base, query, variables).await;
    assert!(response.get("errors").is_none(), "GraphQL errors for {query}: {response}");
    response["data"].clone()
}

/// One file of an artifact to log.
pub struct File<'a> {
    /// Path in the artifact.
    pub name: &'a str,
    /// Content.
    pub bytes: &'a [u8],
}

/// The manifest JSON for `files` (as wandb-core writes it, with the keys it adds).
pub fn manifest(files: &[File<'_>], births: &[String]) -> Vec<u8> {
    let contents: serde_json::Map<String, Value> = files
        .iter()
        .zip(births)
        .map(|(file, birth)| {
            (
                file.name.to_owned(),
                json!({ "digest": md5_b64(file.bytes), "size": file.bytes.len(), "local_path": "/tmp/x",
                        "birthArtifactID": birth, "skip_cache": false }),
            )
        })
        .collect();
    serde_json::to_vec(&json!({
        "version": 1, "storagePolicy": "wandb-storage-policy-v1",
        "storagePolicyConfig": { "storageLayout": "V2" }, "contents": contents,
    }))
    .expect("manifest JSON")
}

/// The artifact digest the SDK computes from a manifest.
pub fn artifact_digest(files: &[File<'_>]) -> String {
    let mut entries: Vec<String> =
        files.iter().map(|file| format!("{}:{}\n", file.name, md5_b64(file.bytes))).collect();
    entries.sort();
    md5_hex(format!("wandb-artifact-manifest-v1\n{}", entries.concat()).as_bytes())
}

/// What logging an artifact returned.
pub struct Logged {
    /// Artifact id.
    pub id: String,
    /// Files the server asked us to upload (names).
    pub uploaded: Vec<String>,
    /// CreateArtifact's state (`COMMITTED` when deduplicated).
    pub created_state: String,
}

/// CreateArtifact's mutation.
pub const CREATE_ARTIFACT: &str = "mutation CreateArtifact ($input: CreateArtifactInput!) { createArtifact(input: $input) { artifact { id state artifactSequence { latestArtifact { id } } } } }";

/// Logs an artifact to `entity tester / project proj` the way wandb-core does; commits it.
pub async fn log_artifact(base: &str, name: &str, files: &[File<'_>], aliases: &[&str]) -> Logged {
    let client = reqwest::Client::new();
    let aliases: Vec<Value> = aliases.iter().map(|a| json!({ "alias": a, "artifactCollectionName": name })).collect();
    let created = graphql(
        base,
        CREATE_ARTIFACT,
        json!({ "input": { "entityName": "tester", "projectName": "proj", "artifactTypeName": "dataset",
            "artifactCollectionName": name, "digest": artifact_digest(files), "digestAlgorithm": "MANIFEST_MD5",
            "aliases": aliases, "metadata": "{\"k\":1}", "description": "d", "runName": null } }),
    )
    .await;
    let id = created["createArtifact"]["artifact"]["id"].as_str().expect("artifact id").to_owned();
    let created_state = created["createArtifact"]["artifact"]["state"].as_str().expect("state").to_owned();
    if created_state == "COMMITTED" {
        return Logged { id, uploaded: Vec::new(), created_state };
    }
    let manifest_query = "mutation CreateArtifactManifest ($artifactID: ID!, $digest: String!, $includeUpload: Boolean!) { createArtifactManifest(input: {artifactID:$artifactID}) { artifactManifest { id file { id uploadUrl uploadHeaders } } } }";
    let reserved =
        graphql(base, manifest_query, json!({ "artifactID": id, "digest": "", "includeUpload": false })).await;
    let manifest_id = reserved["createArtifactManifest"]["artifactManifest"]["id"].clone();
    let specs: Vec<Value> = files
        .iter()
        .map(|file| json!({ "artifactID": id, "artifactManifestID": manifest_id, "name": file.name, "md5": md5_b64(file.bytes) }))
        .collect();
    let planned = graphql(
        base,
        "mutation CreateArtifactFiles ($input: CreateArtifactFilesInput!) { createArtifactFiles(input: $input) { files { edges { node { uploadUrl uploadHeaders artifact { id } } } } } }",
        json!({ "input": { "artifactFiles": specs, "storageLayout": "V2" } }),
    )
    .await;
    let edges = planned["createArtifactFiles"]["files"]["edges"].as_array().expect("edges").clone();
    assert_eq!(edges.len(), files.len(), "one edge per file, in order");
    let mut uploaded = Vec::new();
    let mut births = Vec::new();
    for (file, edge) in files.iter().zip(&edges) {
        births.push(edge["node"]["artifact"]["id"].as_str().expect("birth").to_owned());
        if let Some(url) = edge["node"]["uploadUrl"].as_str() {
            put(&client, url, &edge["node"]["uploadHeaders"], file.bytes.to_vec()).await;
            uploaded.push(file.name.to_owned());
        }
    }
    let manifest_bytes = manifest(files, &births);
    let announced = graphql(
        base,
        manifest_query,
        json!({ "artifactID": id, "digest": md5_b64(&manifest_bytes), "includeUpload": true }),
    )
    .await;
    let file = &announced["createArtifactManifest"]["artifactManifest"]["file"];
    put(&client, file["uploadUrl"].as_str().expect("manifest upload URL"), &file["uploadHeaders"], manifest_bytes)
        .await;
    graphql(base, "mutation CommitArtifact ($artifactID: ID!) { commitArtifact(input: {artifactID:$artifactID}) { artifact { id digest } } }", json!({ "artifactID": id })).await;
    Logged { id, uploaded, created_state }
}

/// PUTs `body` with the `Key:Value` headers the server asked for; the upload must succeed.
pub async fn put(client: &reqwest::Client, url: &str, headers: &Value, body: Vec<u8>) {
    let mut request = client.put(url);
    for header in headers.as_array().into_iter().flatten() {
        let (key, value) = header.as_str().and_then(|h| h.split_once(':')).expect("Key:Value header");
        request = request.header(key, value.trim());
    }
    let response = request.body(body).send().await.expect("PUT");
    assert!(response.status().is_success(), "PUT {url}: {}", response.status());
}

/// ArtifactMembershipByName (the SDK's selection, shortened), returning the membership or null.
pub async fn membership(base: &str, name: &str) -> Value {
    let data = graphql(
        base,
        "query ArtifactMembershipByName ($entity: String!, $project: String!, $name: String!) { project(name: $project, entityName: $entity) { artifactCollectionMembership(name: $name) { versionIndex aliases { alias } artifact { id versionIndex digest fileCount size aliases { alias } currentManifest { file { directUrl } } } } } }",
        json!({ "entity": "tester", "project": "proj", "name": name }),
    )
    .await;
    data["project"]["artifactCollectionMembership"].clone()
}

/// Every file (name → bytes) of `collection:alias`, fetched like the SDK: file-URL pages, then plain GETs.
pub async fn download(base: &str, collection: &str, alias: &str) -> Vec<(String, Vec<u8>)> {
    let client = reqwest::Client::new();
    let mut files = Vec::new();
    let mut cursor = Value::Null;
    loop {
        let data = graphql(
            base,
            "query GetArtifactMembershipFileUrls($entity: String!, $project: String!, $collection: String!, $alias: String!, $cursor: String, $perPage: Int) { project(name: $project, entityName: $entity) { artifactCollection(name: $collection) { __typename artifactMembership(aliasName: $alias) { files(after: $cursor, first: $perPage) { pageInfo { endCursor hasNextPage } edges { node { name directUrl } } } } } } }",
            json!({ "entity": "tester", "project": "proj", "collection": collection, "alias": alias, "cursor": cursor, "perPage": 2 }),
        )
        .await;
        let page = &data["project"]["artifactCollection"]["artifactMembership"]["files"];
        for edge in page["edges"].as_array().expect("edges") {
            let url = edge["node"]["directUrl"].as_str().expect("directUrl");
            let response = client.get(url).send().await.expect("GET");
            assert!(response.status().is_success(), "GET {url}: {}", response.status());
            let bytes = response.bytes().await.expect("body").to_vec();
            files.push((edge["node"]["name"].as_str().expect("name").to_owned(), bytes));
        }
        if page["pageInfo"]["hasNextPage"] != json!(true) {
            return files;
        }
        cursor = page["pageInfo"]["endCursor"].clone();
    }
}
