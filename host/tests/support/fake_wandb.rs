//! A W&B-compatible test server with fault injection, on 127.0.0.1: a hand-written HTTP/1.1 responder
//! (one request per connection) so that tests control every byte — 500s, stalls, connections reset mid-body,
//! truncated bodies, wrong bytes, hostile manifests, throttled downloads. It speaks the GraphQL operations
//! and storage routes the wandb SDK and wandguard use, keeps blobs by md5 and versions with aliases.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use serde_json::{Value, json};

/// The API key the server accepts (40+ characters, like a real one).
pub const API_KEY: &str = "wandguard_test_key_0123456789abcdefghijklmnopqrstuv";
/// The viewer's entity.
pub const ENTITY: &str = "test-entity";

/// Faults to inject; counters are consumed as requests arrive.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// GraphQL requests answered 500 before the real answer.
    pub graphql_500: u32,
    /// GraphQL requests that stall this long (longer than the client's read timeout) before answering.
    pub graphql_stall: Option<Duration>,
    /// How many GraphQL requests stall.
    pub graphql_stalls: u32,
    /// File downloads answered 503 first.
    pub download_503: u32,
    /// File downloads whose connection is reset after half the body.
    pub download_resets: u32,
    /// Every file download declares the full length but closes after half of it.
    pub always_truncate: bool,
    /// Every file download sends the right length of wrong bytes.
    pub wrong_bytes: bool,
    /// Downloads are sent at about this many bytes per second.
    pub throttle_bytes_per_sec: Option<u64>,
    /// PUT uploads answered 500 first.
    pub upload_500: u32,
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Logged {
    /// Method.
    pub method: String,
    /// Path (and query).
    pub path: String,
    /// GraphQL operation, if any.
    pub operation: Option<String>,
    /// Whether it carried an Authorization header.
    pub authorized: bool,
    /// The raw request head and body as text (to check that no secret leaks where it should not).
    pub raw: String,
}

#[derive(Clone, Debug)]
struct Version {
    id: String,
    collection: String,
    project: String,
    artifact_type: String,
    digest: String,
    committed: bool,
    manifest: Option<Vec<u8>>,
    index: u64,
    requested_aliases: Vec<String>,
}

#[derive(Default)]
struct State {
    faults: Faults,
    blobs: HashMap<String, Vec<u8>>,
    versions: Vec<Version>,
    /// (project, collection, alias) → version position.
    aliases: HashMap<(String, String, String), usize>,
    log: Vec<Logged>,
}

/// A running fake server.
pub struct FakeWandb {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    state: Arc<Mutex<State>>,
}

impl FakeWandb {
    /// Starts the server on a free loopback port.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = listener.local_addr().expect("local addr").port();
        let base_url = format!("http://127.0.0.1:{port}");
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let base = base_url.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                let base = base.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &state, &base);
                });
            }
        });
        FakeWandb { base_url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Replaces the faults.
    pub fn set_faults(&self, faults: Faults) {
        self.state().faults = faults;
    }

    /// Every request so far.
    pub fn log(&self) -> Vec<Logged> {
        self.state().log.clone()
    }

    /// Forgets the request log.
    pub fn clear_log(&self) {
        self.state().log.clear();
    }

    /// Number of file downloads (blob GETs) so far.
    pub fn blob_downloads(&self) -> usize {
        self.state()
            .log
            .iter()
            .filter(|r| r.method == "GET" && r.path.starts_with("/storage/") && !r.path.contains("manifests/"))
            .count()
    }

    /// Publishes a committed version directly, with a raw manifest (for hostile manifests) and blobs.
    pub fn publish_raw(&self, project: &str, collection: &str, manifest: &[u8], blobs: &[&[u8]]) {
        let mut state = self.state();
        for blob in blobs {
            state.blobs.insert(hex_md5(blob), blob.to_vec());
        }
        let index = state.versions.iter().filter(|v| v.project == project && v.collection == collection).count() as u64;
        let position = state.versions.len();
        state.versions.push(Version {
            id: format!("raw-{position}"),
            collection: collection.to_owned(),
            project: project.to_owned(),
            artifact_type: "dataset".to_owned(),
            digest: String::new(),
            committed: true,
            manifest: Some(manifest.to_vec()),
            index,
            requested_aliases: Vec::new(),
        });
        state.aliases.insert((project.to_owned(), collection.to_owned(), "latest".to_owned()), position);
    }

    /// Aliases of `collection:vN` as the server holds them.
    pub fn aliases_of(&self, project: &str, collection: &str, index: u64) -> Vec<String> {
        let state = self.state();
        let mut found: Vec<String> = state
            .aliases
            .iter()
            .filter(|((p, c, _), position)| {
                p == project && c == collection && state.versions[**position].index == index
            })
            .map(|((_, _, alias), _)| alias.clone())
            .collect();
        found.sort();
        found
    }
}

/// What `GET /files/NAME` serves.
pub fn reference_body(name: &str) -> Vec<u8> {
    format!("web file {name}\n").into_bytes()
}

/// Hex md5, as storage keys are.
pub fn hex_md5(bytes: &[u8]) -> String {
    Md5::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_of_b64(b64: &str) -> String {
    STANDARD.decode(b64).unwrap_or_default().iter().map(|b| format!("{b:02x}")).collect()
}

struct Request {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
    head: String,
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut byte = [0u8; 1];
    while !buffer.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        buffer.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).ok()?;
    Some(Request { method, path, headers, body, head })
}

fn respond(stream: &mut TcpStream, status: u16, content_type: &str, body: &[u8]) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

fn handle(mut stream: TcpStream, state: &Mutex<State>, base: &str) -> std::io::Result<()> {
    let Some(request) = read_request(&mut stream) else { return Ok(()) };
    let lock = || state.lock().unwrap_or_else(PoisonError::into_inner);
    let authorized = request.headers.contains_key("authorization");
    let expected_auth = format!("Basic {}", STANDARD.encode(format!("api:{API_KEY}")));
    let auth_ok = request.headers.get("authorization") == Some(&expected_auth);
    let body_json: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let operation = body_json.get("query").and_then(Value::as_str).and_then(operation_name);
    lock().log.push(Logged {
        method: request.method.clone(),
        path: request.path.clone(),
        operation: operation.clone(),
        authorized,
        raw: format!("{}{}", request.head, String::from_utf8_lossy(&request.body)),
    });
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/graphql") => {
            let (fail, stall) = {
                let mut s = lock();
                let fail = s.faults.graphql_500 > 0;
                if fail {
                    s.faults.graphql_500 -= 1;
                }
                let stall = if s.faults.graphql_stalls > 0 { s.faults.graphql_stall } else { None };
                if stall.is_some() {
                    s.faults.graphql_stalls -= 1;
                }
                (fail, stall)
            };
            if let Some(stall) = stall {
                std::thread::sleep(stall);
            }
            if fail {
                return respond(&mut stream, 500, "text/plain", b"injected failure");
            }
            if !auth_ok {
                return respond(&mut stream, 401, "application/json", br#"{"errors":[{"message":"unauthorized"}]}"#);
            }
            let variables = body_json.get("variables").cloned().unwrap_or(Value::Null);
            let answer = graphql(&mut lock(), operation.as_deref().unwrap_or(""), &variables, base);
            respond(&mut stream, 200, "application/json", answer.to_string().as_bytes())
        }
        ("POST", path) if path.starts_with("/files/") && path.ends_with("/file_stream") => {
            if !auth_ok {
                return respond(&mut stream, 401, "application/json", b"{}");
            }
            respond(&mut stream, 200, "application/json", b"{}")
        }
        ("PUT", path) if path.starts_with("/storage/") => {
            let fail = {
                let mut s = lock();
                let fail = s.faults.upload_500 > 0;
                if fail {
                    s.faults.upload_500 -= 1;
                }
                fail
            };
            if fail {
                return respond(&mut stream, 500, "text/plain", b"injected upload failure");
            }
            let key = path.trim_start_matches("/storage/").to_owned();
            if let Some(id) = key.strip_prefix("manifests/") {
                let mut s = lock();
                if let Some(version) = s.versions.iter_mut().find(|v| v.id == id) {
                    version.manifest = Some(request.body.clone());
                }
            } else if hex_md5(&request.body) != key {
                return respond(&mut stream, 400, "text/plain", b"md5 mismatch");
            } else {
                lock().blobs.insert(key, request.body.clone());
            }
            respond(&mut stream, 200, "text/plain", b"")
        }
        ("GET", path) if path.starts_with("/storage/") => {
            let key = path.trim_start_matches("/storage/");
            let found = {
                let s = lock();
                match key.strip_prefix("manifests/") {
                    Some(id) => s.versions.iter().find(|v| v.id == id).and_then(|v| v.manifest.clone()),
                    None => s.blobs.get(key).cloned(),
                }
            };
            let Some(body) = found else { return respond(&mut stream, 404, "text/plain", b"no such blob") };
            if key.starts_with("manifests/") {
                return respond(&mut stream, 200, "application/json", &body);
            }
            serve_blob(&mut stream, state, body)
        }
        ("GET", path) if path.starts_with("/files/") => {
            // A plain web file with an ETag, for http references.
            let body = reference_body(path.trim_start_matches("/files/"));
            let head = format!(
                "HTTP/1.1 200 OK\r\nETag: \"{}\"\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                hex_md5(&body),
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.write_all(&body)?;
            stream.flush()
        }
        _ => respond(&mut stream, 404, "text/plain", b"unknown route"),
    }
}

/// Sends a blob, applying the download faults.
fn serve_blob(stream: &mut TcpStream, state: &Mutex<State>, body: Vec<u8>) -> std::io::Result<()> {
    let (unavailable, reset, faults) = {
        let mut s = state.lock().unwrap_or_else(PoisonError::into_inner);
        let unavailable = s.faults.download_503 > 0;
        if unavailable {
            s.faults.download_503 -= 1;
        }
        let reset = !unavailable && s.faults.download_resets > 0;
        if reset {
            s.faults.download_resets -= 1;
        }
        (unavailable, reset, s.faults.clone())
    };
    if unavailable {
        return respond(stream, 503, "text/plain", b"injected unavailability");
    }
    let mut body = body;
    if faults.wrong_bytes {
        body.iter_mut().for_each(|byte| *byte = byte.wrapping_add(1));
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if reset || faults.always_truncate {
        stream.write_all(&body[..body.len() / 2])?;
        stream.flush()?;
        if reset {
            // SO_LINGER 0 turns the close into a TCP RST.
            reset_on_close(stream);
        }
        return stream.shutdown(std::net::Shutdown::Both);
    }
    match faults.throttle_bytes_per_sec {
        Some(rate) => {
            let chunk = (rate / 20).max(1) as usize;
            for piece in body.chunks(chunk) {
                stream.write_all(piece)?;
                std::thread::sleep(Duration::from_millis(50));
            }
            stream.flush()
        }
        None => {
            stream.write_all(&body)?;
            stream.flush()
        }
    }
}

/// Sets SO_LINGER to zero so that closing the socket sends a reset instead of a clean FIN.
fn reset_on_close(stream: &TcpStream) {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        #[repr(C)]
        struct Linger {
            onoff: i32,
            linger: i32,
        }
        let linger = Linger { onoff: 1, linger: 0 };
        unsafe extern "C" {
            fn setsockopt(fd: i32, level: i32, name: i32, value: *const Linger, len: u32) -> i32;
        }
        // SOL_SOCKET = 1, SO_LINGER = 13 on Linux.
        // SAFETY: a valid fd and a correctly sized struct; the call only sets a socket option.
        unsafe {
            setsockopt(stream.as_raw_fd(), 1, 13, &linger, std::mem::size_of::<Linger>() as u32);
        }
    }
}

/// `query|mutation Name` from the query text (the SDK sometimes sends an empty operationName).
fn operation_name(query: &str) -> Option<String> {
    let mut words = query.split(|c: char| c.is_whitespace() || c == '(' || c == '{');
    while let Some(word) = words.next() {
        if word == "query" || word == "mutation" {
            return words.find(|w| !w.is_empty()).map(str::to_owned);
        }
    }
    None
}

fn graphql(state: &mut State, operation: &str, vars: &Value, base: &str) -> Value {
    let text = |key: &str| vars.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    match operation {
        "Viewer" => json!({ "data": { "viewer": { "id": "VXNlcjox", "entity": ENTITY, "username": "tester" } } }),
        "UpsertBucket" => json!({ "data": { "upsertBucket": { "bucket": { "id": "run-id", "name": text("name"),
            "project": { "id": "p", "name": text("project"), "entity": { "id": "e", "name": ENTITY } } }, "inserted": true } } }),
        "CreateArtifact" => {
            let input = &vars["input"];
            let project = input["projectName"].as_str().unwrap_or_default().to_owned();
            let collection = input["artifactCollectionName"].as_str().unwrap_or_default().to_owned();
            let digest = input["digest"].as_str().unwrap_or_default().to_owned();
            if let Some(existing) = state
                .versions
                .iter()
                .find(|v| v.committed && v.project == project && v.collection == collection && v.digest == digest)
            {
                return json!({ "data": { "createArtifact": { "artifact": { "id": existing.id, "state": "COMMITTED",
                    "artifactSequence": { "id": "seq", "latestArtifact": null } } } } });
            }
            let aliases = input["aliases"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a["alias"].as_str().map(str::to_owned))
                .collect();
            let id = format!("art-{}", state.versions.len());
            state.versions.push(Version {
                id: id.clone(),
                collection,
                project,
                artifact_type: input["artifactTypeName"].as_str().unwrap_or_default().to_owned(),
                digest,
                committed: false,
                manifest: None,
                index: 0,
                requested_aliases: aliases,
            });
            json!({ "data": { "createArtifact": { "artifact": { "id": id, "state": "PENDING",
                "artifactSequence": { "id": "seq", "latestArtifact": null } } } } })
        }
        "CreateArtifactManifest" => {
            let id = text("artifactID");
            json!({ "data": { "createArtifactManifest": { "artifactManifest": { "id": format!("manifest-{id}"),
                "file": { "id": "f", "uploadUrl": format!("{base}/storage/manifests/{id}"), "uploadHeaders": [] } } } } })
        }
        "CreateArtifactFiles" => {
            let files = vars.pointer("/input/artifactFiles").and_then(Value::as_array).cloned().unwrap_or_default();
            let edges: Vec<Value> = files
                .iter()
                .map(|file| {
                    let hex = hex_of_b64(file["md5"].as_str().unwrap_or_default());
                    let upload = if state.blobs.contains_key(&hex) {
                        Value::Null
                    } else {
                        Value::from(format!("{base}/storage/{hex}"))
                    };
                    json!({ "node": { "storagePath": hex, "uploadUrl": upload,
                    "uploadHeaders": [format!("Content-MD5:{}", file["md5"].as_str().unwrap_or_default())],
                    "artifact": { "id": file["artifactID"] } } })
                })
                .collect();
            json!({ "data": { "createArtifactFiles": { "files": { "edges": edges } } } })
        }
        "CommitArtifact" => {
            let id = text("artifactID");
            let Some(position) = state.versions.iter().position(|v| v.id == id) else {
                return json!({ "errors": [{ "message": "no such artifact" }] });
            };
            let (project, collection) =
                (state.versions[position].project.clone(), state.versions[position].collection.clone());
            let index = state
                .versions
                .iter()
                .filter(|v| v.committed && v.project == project && v.collection == collection)
                .count() as u64;
            let version = &mut state.versions[position];
            version.committed = true;
            version.index = index;
            let aliases = version.requested_aliases.clone();
            let digest = version.digest.clone();
            for alias in aliases {
                state.aliases.insert((project.clone(), collection.clone(), alias), position);
            }
            json!({ "data": { "commitArtifact": { "artifact": { "id": id, "digest": digest } } } })
        }
        "ArtifactByID" => {
            let id = text("id");
            match state.versions.iter().find(|v| v.id == id) {
                Some(v) => json!({ "data": { "artifact": artifact_json(v, state) } }),
                None => json!({ "data": { "artifact": null } }),
            }
        }
        "ArtifactMembershipByName" => {
            let project = text("project");
            let (collection, alias) =
                text("name").rsplit_once(':').map(|(c, a)| (c.to_owned(), a.to_owned())).unwrap_or_default();
            let position = find_version(state, &project, &collection, &alias);
            match position {
                Some(position) => {
                    let v = &state.versions[position];
                    json!({ "data": { "project": { "artifactCollectionMembership": { "__typename": "ArtifactCollectionMembership",
                        "id": format!("m-{}", v.id), "versionIndex": v.index, "aliases": [],
                        "artifactCollection": { "__typename": "ArtifactSequence", "name": v.collection },
                        "artifact": artifact_json(v, state) } } } })
                }
                None => json!({ "data": { "project": { "artifactCollectionMembership": null } } }),
            }
        }
        "FetchArtifactManifest" => {
            let id = text("id");
            json!({ "data": { "artifact": { "currentManifest": { "file": { "directUrl": format!("{base}/storage/manifests/{id}") } } } } })
        }
        "GetArtifactMembershipFileUrls" => {
            let position = find_version(state, &text("project"), &text("collection"), &text("alias"));
            let manifest: Value = position
                .and_then(|p| state.versions[p].manifest.as_ref())
                .and_then(|m| serde_json::from_slice(m).ok())
                .unwrap_or(Value::Null);
            let edges: Vec<Value> = manifest["contents"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, entry)| {
                    let url = match entry.get("ref").and_then(Value::as_str) {
                        Some(reference) => reference.to_owned(),
                        None => format!("{base}/storage/{}", hex_of_b64(entry["digest"].as_str().unwrap_or_default())),
                    };
                    json!({ "node": { "__typename": "File", "name": name, "directUrl": url } })
                })
                .collect();
            json!({ "data": { "project": { "artifactCollection": { "__typename": "ArtifactSequence", "artifactMembership": {
                "files": { "pageInfo": { "endCursor": null, "hasNextPage": false }, "edges": edges } } } } } })
        }
        other => json!({ "errors": [{ "message": format!("fake server: unknown operation {other}") }] }),
    }
}

fn find_version(state: &State, project: &str, collection: &str, alias: &str) -> Option<usize> {
    if let Some(index) = alias.strip_prefix('v').and_then(|n| n.parse::<u64>().ok()) {
        return state
            .versions
            .iter()
            .position(|v| v.committed && v.project == project && v.collection == collection && v.index == index);
    }
    state.aliases.get(&(project.to_owned(), collection.to_owned(), alias.to_owned())).copied()
}

fn artifact_json(v: &Version, _state: &State) -> Value {
    let size: u64 = v
        .manifest
        .as_ref()
        .and_then(|m| serde_json::from_slice::<Value>(m).ok())
        .map(|m| m["contents"].as_object().into_iter().flatten().filter_map(|(_, e)| e["size"].as_u64()).sum())
        .unwrap_or(0);
    json!({ "__typename": "Artifact", "id": v.id, "versionIndex": v.index, "state": if v.committed { "COMMITTED" } else { "PENDING" },
        "size": size, "digest": v.digest, "fileCount": 0, "artifactType": { "name": v.artifact_type },
        "artifactSequence": { "name": v.collection } })
}
