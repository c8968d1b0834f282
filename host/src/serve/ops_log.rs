//! Logging an artifact, in the SDK's order: CreateArtifact (deduplicating on the digest), CreateArtifactManifest
//! (twice: reserve, then announce the manifest's md5 and get its upload URL), CreateArtifactFiles (upload URLs
//! only for blobs not stored yet; each file's birth artifact), CommitArtifact (checks that the manifest and
//! every file it lists were uploaded), and ClientIDMapping.

use serde_json::{Value, json};

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

/// One edge per requested file, in request order: an upload URL unless the blob is already stored, and the
/// birth artifact (the first artifact that stored this content).
pub fn create_artifact_files(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let input = vars.input();
    let mut requested = Vec::new();
    for spec in input.list("artifactFiles")? {
        let artifact = artifact_id(&spec, "artifactID")?;
        let digest = spec.str("md5")?;
        let md5 = ids::md5_b64_to_hex(digest).ok_or_else(|| {
            OpError::bad_input(format!(
                "file {:?}: md5 {digest:?} is not a base64 md5",
                spec.opt_str("name").ok().flatten()
            ))
        })?;
        requested.push((artifact, md5, digest.to_owned()));
    }
    let planned = app.catalogue.update(|state| {
        requested
            .iter()
            .map(|(artifact, md5, _)| {
                if catalogue::artifact(state, *artifact)?.state == ArtifactState::Committed {
                    return Err(OpError::bad_input("the artifact is already committed; it takes no more files"));
                }
                Ok((catalogue::birth_artifact(state, *artifact, md5), app.blobs.has_blob(md5)))
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    let edges: Vec<Value> = requested
        .iter()
        .zip(planned)
        .map(|((_, md5, digest), (birth, stored))| {
            let (upload_url, headers) = if stored {
                (Value::Null, json!([]))
            } else {
                (
                    json!(app.blob_upload_url(md5)),
                    json!([format!("Content-MD5:{digest}"), "Content-Type:application/octet-stream"]),
                )
            };
            json!({ "node": {
                "storagePath": format!("blobs/{md5}"),
                "uploadUrl": upload_url,
                "uploadHeaders": headers,
                "uploadMultipartUrls": null,
                "artifact": { "id": ids::encode("Artifact", birth) },
            }})
        })
        .collect();
    Ok(json!({ "createArtifactFiles": { "files": { "edges": edges } } }))
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
