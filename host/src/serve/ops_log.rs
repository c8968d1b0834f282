//! Logging an artifact, in the SDK's order: CreateArtifact (deduplicating on the digest), CreateArtifactManifest
//! (twice: reserve, then announce the manifest's md5 and get its upload URL), CreateArtifactFiles (upload URLs
//! only for blobs not stored yet; each file's birth artifact), CommitArtifact (checks that the manifest and
//! every file it lists were uploaded), and ClientIDMapping.

use serde_json::{Value, json};

use super::blobs::UploadError;
use super::catalogue::{self, NewArtifact};
use super::graphql::{OpError, Vars};
use super::ids;
use super::manifest;
use super::routes::App;
use super::state::ArtifactState;

/// Parses an artifact id variable.
pub fn artifact_id(vars: &Vars<'_>, name: &str) -> Result<u64, OpError> {
    let id = vars.str(name)?;
    ids::decode_numeric("Artifact", id).ok_or_else(|| OpError::not_found(format!("artifact {id} not found")))
}

/// `createArtifact { artifact { id state artifactSequence { id latestArtifact { id } } } }`.
pub fn create_artifact(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let input = vars.input();
    let collection = match input.opt_str("artifactCollectionName")? {
        Some(name) => name.to_owned(),
        None => input
            .str_list("artifactCollectionNames")?
            .into_iter()
            .next()
            .ok_or_else(|| OpError::bad_input("variable artifactCollectionName is required"))?,
    };
    let mut aliases = Vec::new();
    for alias in input.list("aliases")? {
        // Aliases addressed to another collection name would be ignored by W&B too.
        if alias.opt_str("artifactCollectionName")?.is_none_or(|name| name == collection) {
            aliases.push(alias.str("alias")?.to_owned());
        }
    }
    let new = NewArtifact {
        entity: input.opt_str("entityName")?.unwrap_or(&app.entity).to_owned(),
        project: input.str("projectName")?.to_owned(),
        collection,
        type_name: input.str("artifactTypeName")?.to_owned(),
        digest: input.str("digest")?.to_owned(),
        digest_algorithm: input.opt_str("digestAlgorithm")?.unwrap_or("MANIFEST_MD5").to_owned(),
        description: input.opt_str("description")?.map(str::to_owned),
        metadata: input.opt_str("metadata")?.map(str::to_owned),
        aliases,
        run: input.opt_str("runName")?.map(str::to_owned),
        client_id: input.opt_str("clientID")?.map(str::to_owned),
    };
    let created = app.catalogue.update(|state| catalogue::create_artifact(state, new))?;
    let artifact_state = app.catalogue.read(|state| catalogue::artifact(state, created.artifact).map(|a| a.state))?;
    Ok(json!({
        "createArtifact": {
            "artifact": {
                "id": ids::encode("Artifact", created.artifact),
                "state": artifact_state.as_graphql(),
                "artifactSequence": {
                    "id": ids::encode("ArtifactSequence", created.collection),
                    "latestArtifact": created.previous_latest.map(|id| json!({ "id": ids::encode("Artifact", id) })),
                },
            }
        }
    }))
}

/// CreateArtifactManifest / UpdateArtifactManifest: the manifest id, and once the client names the manifest's
/// md5, a signed upload URL for it.
pub fn artifact_manifest(app: &App, vars: &Vars<'_>, operation: &str) -> Result<Value, OpError> {
    let artifact = match vars.opt_str("artifactID")? {
        Some(_) => artifact_id(vars, "artifactID")?,
        None => {
            let id = vars.str("artifactManifestID")?;
            ids::decode_numeric("ArtifactManifest", id)
                .ok_or_else(|| OpError::not_found(format!("manifest {id} not found")))?
        }
    };
    let digest = vars.opt_str("digest")?.unwrap_or_default();
    let include_upload = vars.get("includeUpload").and_then(Value::as_bool).unwrap_or(true);
    let mut file = json!({ "id": ids::encode("File", format!("manifest:{artifact}")) });
    if digest.is_empty() {
        app.catalogue.read(|state| catalogue::artifact(state, artifact).map(|_| ()))?;
    } else {
        let md5 = ids::md5_b64_to_hex(digest)
            .ok_or_else(|| OpError::bad_input(format!("manifest digest {digest:?} is not a base64 md5")))?;
        app.catalogue.update(|state| catalogue::announce_manifest(state, artifact, md5.clone()))?;
        if include_upload {
            file["uploadUrl"] = json!(app.blob_upload_url(&md5));
            file["uploadHeaders"] = json!([format!("Content-MD5:{digest}"), "Content-Type:application/json"]);
        }
    }
    let field = if operation == "UpdateArtifactManifest" { "updateArtifactManifest" } else { "createArtifactManifest" };
    Ok(json!({ field: { "artifactManifest": { "id": ids::encode("ArtifactManifest", artifact), "file": file } } }))
}

/// A file CreateArtifactFiles asks about.
struct FileRequest {
    artifact: u64,
    md5: String,
    digest: String,
    /// Part numbers and hex md5s, for a multipart upload (files the SDK splits, ≥ 2 GiB).
    parts: Vec<(u32, String)>,
}

fn file_request(spec: &Vars<'_>) -> Result<FileRequest, OpError> {
    let artifact = artifact_id(spec, "artifactID")?;
    let digest = spec.str("md5")?;
    let name = spec.opt_str("name").ok().flatten().unwrap_or_default();
    let md5 = ids::md5_b64_to_hex(digest)
        .ok_or_else(|| OpError::bad_input(format!("file {name:?}: md5 {digest:?} is not a base64 md5")))?;
    let mut parts = Vec::new();
    for part in spec.list("uploadPartsInput")? {
        let number =
            part.opt_u64("partNumber")?.and_then(|n| u32::try_from(n).ok()).filter(|n| (1..=10_000).contains(n));
        let part_md5 = part.str("hexMD5")?.to_ascii_lowercase();
        match number {
            Some(number) if ids::is_hex_md5(&part_md5) => parts.push((number, part_md5)),
            _ => return Err(OpError::bad_input(format!("file {name:?}: bad part {number:?} / {part_md5:?}"))),
        }
    }
    Ok(FileRequest { artifact, md5, digest: digest.to_owned(), parts })
}

/// The upload id of a multipart upload of blob `md5` into `artifact` (the same on a retry).
fn upload_id(artifact: u64, md5: &str) -> String {
    format!("{artifact}-{md5}")
}

/// One edge per requested file, in request order: an upload URL (and part URLs for a multipart upload) unless
/// the blob is already stored, and the birth artifact (the first artifact that stored this content).
pub fn create_artifact_files(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let requested = vars.input().list("artifactFiles")?.iter().map(file_request).collect::<Result<Vec<_>, _>>()?;
    let planned = app.catalogue.update(|state| {
        requested
            .iter()
            .map(|file| {
                if catalogue::artifact(state, file.artifact)?.state == ArtifactState::Committed {
                    return Err(OpError::bad_input("the artifact is already committed; it takes no more files"));
                }
                Ok((catalogue::birth_artifact(state, file.artifact, &file.md5), app.blobs.has_blob(&file.md5)))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let edges: Vec<Value> = requested
        .iter()
        .zip(planned)
        .map(|(file, (birth, stored))| {
            let (upload_url, headers, multipart) = if stored {
                (Value::Null, json!([]), Value::Null)
            } else {
                let multipart = if file.parts.is_empty() {
                    Value::Null
                } else {
                    let upload = upload_id(file.artifact, &file.md5);
                    let urls: Vec<Value> = file
                        .parts
                        .iter()
                        .map(|(number, md5)| json!({ "partNumber": number, "uploadUrl": app.part_upload_url(&upload, *number, md5) }))
                        .collect();
                    json!({ "uploadID": upload, "uploadUrlParts": urls })
                };
                let headers = json!([format!("Content-MD5:{}", file.digest), "Content-Type:application/octet-stream"]);
                (json!(app.blob_upload_url(&file.md5)), headers, multipart)
            };
            json!({ "node": {
                "storagePath": format!("blobs/{}", file.md5),
                "uploadUrl": upload_url,
                "uploadHeaders": headers,
                "uploadMultipartUrls": multipart,
                "artifact": { "id": ids::encode("Artifact", birth) },
            }})
        })
        .collect();
    Ok(json!({ "createArtifactFiles": { "files": { "edges": edges } } }))
}

/// Joins the uploaded parts of a multipart upload into the blob named by `storagePath`, checking its md5
/// (`completeMultipartAction: Abort` drops the parts instead).
pub fn complete_multipart_upload(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let input = vars.input();
    let upload = input.str("uploadID")?;
    let md5 = input
        .str("storagePath")?
        .strip_prefix("blobs/")
        .filter(|md5| ids::is_hex_md5(md5))
        .ok_or_else(|| OpError::bad_input("storagePath is not one this server issued"))?;
    // The upload id names the artifact that asked for the part URLs and the blob: `<artifact>-<md5>`.
    let owner = upload.strip_suffix(md5).and_then(|rest| rest.strip_suffix('-'));
    if owner.is_none_or(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit())) {
        return Err(OpError::bad_input(format!("upload {upload:?} is not an upload of blob {md5}")));
    }
    if input.opt_str("completeMultipartAction")? == Some("Abort") {
        app.blobs.abort_multipart(upload);
        return Ok(json!({ "completeMultipartUploadArtifact": { "digest": null } }));
    }
    let mut parts = Vec::new();
    for part in input.list("completedParts")? {
        let number = part.opt_u64("partNumber")?.and_then(|n| u32::try_from(n).ok());
        parts.push(number.ok_or_else(|| OpError::bad_input("completedParts needs partNumber on every part"))?);
    }
    parts.sort_unstable();
    parts.dedup();
    if parts.is_empty() {
        return Err(OpError::bad_input("completedParts is empty"));
    }
    app.blobs.complete_multipart(upload, &parts, md5).map_err(|err| match err {
        UploadError::Io(_) => OpError::internal(err.to_string()),
        UploadError::DigestMismatch { .. } | UploadError::Body(_) => OpError::bad_input(err.to_string()),
    })?;
    Ok(json!({ "completeMultipartUploadArtifact": { "digest": md5 } }))
}

/// Commits an artifact once its manifest and every file the manifest lists are stored; assigns the version,
/// the aliases and `latest`.
pub fn commit_artifact(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let artifact = artifact_id(vars, "artifactID")?;
    let (state, manifest_md5) =
        app.catalogue.read(|state| catalogue::artifact(state, artifact).map(|a| (a.state, a.manifest_md5.clone())))?;
    if state == ArtifactState::Pending {
        let manifest_md5 =
            manifest_md5.ok_or_else(|| OpError::bad_input("no manifest was announced for this artifact"))?;
        let entries = manifest::load(app, &manifest_md5)?;
        if let Some(missing) =
            entries.iter().find(|entry| entry.blob_md5.as_deref().is_some_and(|md5| !app.blobs.has_blob(md5)))
        {
            return Err(OpError::bad_input(format!("file {:?} of the manifest was never uploaded", missing.path)));
        }
        let size = entries.iter().map(|entry| entry.size).sum();
        app.catalogue.update(|state| catalogue::commit(state, artifact, entries.len() as u64, size))?;
    }
    let digest = app.catalogue.read(|state| catalogue::artifact(state, artifact).map(|a| a.digest.clone()))?;
    Ok(json!({ "commitArtifact": { "artifact": { "id": ids::encode("Artifact", artifact), "digest": digest } } }))
}

/// `clientIDMapping { serverID }` for a client-side artifact id (null when unknown).
pub fn client_id_mapping(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let client_id = vars.str("clientID")?;
    let server_id = app.catalogue.read(|state| state.client_ids.get(client_id).copied());
    Ok(json!({ "clientIDMapping": server_id.map(|id| json!({ "serverID": ids::encode("Artifact", id) })) }))
}
