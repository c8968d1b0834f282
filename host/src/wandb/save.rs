//! Logging an artifact, in the SDK's order: run → CreateArtifact (stop if the same content is already
//! committed) → reserve the manifest → CreateArtifactFiles → PUT what the server lacks (in parallel) →
//! upload the manifest → CommitArtifact → read the committed version back.

use std::path::PathBuf;

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};
use url::Url;

use super::client::{Auth, string_at};
use super::digest::{b64_md5, file_md5};
use super::manifest::{Manifest, ManifestEntry};
use super::queries;
use super::{Progress, WandbClient, WandbError};

/// Files per CreateArtifactFiles request.
const FILES_PER_BATCH: usize = 1000;

/// A file to include: where it is and its name in the artifact.
#[derive(Clone, Debug)]
pub struct LocalFile {
    /// Local path.
    pub path: PathBuf,
    /// Path inside the artifact.
    pub name: String,
}

/// A reference to include.
#[derive(Clone, Debug)]
pub struct Reference {
    /// The URI.
    pub uri: String,
    /// Path inside the artifact.
    pub name: String,
}

/// Everything needed to log one artifact version.
#[derive(Clone, Debug)]
pub struct ArtifactSpec {
    /// Collection name (already partition-suffixed).
    pub name: String,
    /// Artifact type.
    pub artifact_type: String,
    /// Description.
    pub description: Option<String>,
    /// Metadata (stored as a JSON string).
    pub metadata: Map<String, Value>,
    /// Aliases, `latest` included.
    pub aliases: Vec<String>,
    /// Files.
    pub files: Vec<LocalFile>,
    /// References.
    pub references: Vec<Reference>,
}

/// The committed version, with the facts the integration records as Dagster metadata.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SavedArtifact {
    /// Artifact id.
    pub id: String,
    /// Entity.
    pub entity: String,
    /// Project.
    pub project: String,
    /// Run the version was logged from.
    pub run: String,
    /// Collection name.
    pub name: String,
    /// `vN`.
    pub version: String,
    /// Type.
    #[serde(rename = "type")]
    pub artifact_type: String,
    /// Size in bytes (references included).
    pub size: u64,
    /// Artifact digest (hex).
    pub digest: String,
    /// Files actually uploaded (the server lacked them).
    pub uploaded_files: usize,
    /// The same content was already committed: no new version was created.
    pub deduplicated: bool,
    /// The artifact's web URL (the integration's formula).
    pub url: String,
    /// Notes for the user (references recorded without being fetched, ...).
    pub notes: Vec<String>,
}

/// An upload the server asked for.
struct PendingUpload {
    url: Url,
    headers: Vec<(HeaderName, HeaderValue)>,
    path: PathBuf,
    size: u64,
}

impl WandbClient {
    /// The entity to use: the configured one, else the viewer's default entity.
    pub async fn entity(&self) -> Result<String, WandbError> {
        if let Some(entity) = &self.settings().entity {
            return Ok(entity.clone());
        }
        let data = self.graphql("Viewer", queries::VIEWER, json!({})).await?;
        if data.pointer("/viewer").is_none_or(Value::is_null) {
            return Err(WandbError::Unauthorized { what: "GraphQL Viewer".to_owned(), status: 401 });
        }
        Ok(string_at(&data, "/viewer/entity", "GraphQL Viewer")?.to_owned())
    }

    /// The project to use (`uncategorized` by default, as the SDK's public API).
    pub fn project(&self) -> String {
        self.settings().project.clone().unwrap_or_else(|| "uncategorized".to_owned())
    }

    /// Logs `spec` as a new version (or finds the identical committed one).
    pub async fn log_artifact(&self, spec: &ArtifactSpec, progress: &Progress) -> Result<SavedArtifact, WandbError> {
        let entity = self.entity().await?;
        let project = self.project();
        let mut notes = Vec::new();
        let (mut manifest, local) = self.build_manifest(spec, &mut notes).await?;
        let run = self.start_run(&entity, &project).await?;
        let digest = manifest.digest();
        let artifact_id = self.create_artifact(spec, &entity, &project, &run, &digest).await?;
        let (id, deduplicated, uploaded_files) = match artifact_id {
            Created::AlreadyCommitted(id) => (id, true, 0),
            Created::Pending { id, base_id } => {
                let context = ManifestContext {
                    artifact_id: &id,
                    base_id: base_id.as_deref(),
                    entity: &entity,
                    project: &project,
                    run: &run,
                };
                let manifest_id = self.create_manifest(&context, "", false).await?.0;
                let uploads = self.request_uploads(&id, &manifest_id, &mut manifest, &local).await?;
                let count = uploads.len();
                stream::iter(uploads)
                    .map(|upload| async move {
                        self.upload_file(&upload.url, &upload.headers, &upload.path, upload.size, progress).await
                    })
                    .buffer_unordered(self.options().parallel.max(1))
                    .try_collect::<Vec<()>>()
                    .await?;
                self.upload_manifest(&context, &manifest).await?;
                self.graphql("CommitArtifact", queries::COMMIT_ARTIFACT, json!({ "artifactID": id })).await?;
                (id, false, count)
            }
        };
        self.finish_run(&entity, &project, &run).await?;
        let data = self.graphql("ArtifactByID", queries::ARTIFACT_BY_ID, json!({ "id": id })).await?;
        let version_index = data.pointer("/artifact/versionIndex").and_then(Value::as_u64).ok_or_else(|| {
            WandbError::Protocol { what: "GraphQL ArtifactByID".to_owned(), message: "no versionIndex".to_owned() }
        })?;
        let size = data.pointer("/artifact/size").and_then(Value::as_u64).unwrap_or_else(|| manifest.total_size());
        let version = format!("v{version_index}");
        let url = self.artifact_url(&entity, &project, &spec.artifact_type, &spec.name, &version);
        Ok(SavedArtifact {
            id,
            entity,
            project,
            run,
            name: spec.name.clone(),
            version,
            artifact_type: spec.artifact_type.clone(),
            size,
            digest,
            uploaded_files,
            deduplicated,
            url,
            notes,
        })
    }

    /// `{base}/{entity}/{project}/artifacts/{type}/{name}/{version}`, with `https://wandb.ai` for the cloud
    /// API, as the integration records it.
    pub fn artifact_url(&self, entity: &str, project: &str, artifact_type: &str, name: &str, version: &str) -> String {
        let base = self.settings().base_url.as_str().trim_end_matches('/').to_owned();
        let base = if base == "https://api.wandb.ai" { "https://wandb.ai".to_owned() } else { base };
        format!("{base}/{entity}/{project}/artifacts/{artifact_type}/{name}/{version}")
    }

    /// Hashes the files (in parallel, off the async threads) and resolves the references.
    async fn build_manifest(
        &self,
        spec: &ArtifactSpec,
        notes: &mut Vec<String>,
    ) -> Result<(Manifest, Vec<LocalFile>), WandbError> {
        let mut manifest = Manifest::new();
        let hashed: Vec<(LocalFile, String, u64)> = stream::iter(spec.files.clone())
            .map(|file| async move {
                let path = file.path.clone();
                let (digest, size) = tokio::task::spawn_blocking(move || file_md5(&path))
                    .await
                    .map_err(|err| WandbError::Usage(format!("hashing task failed: {err}")))??;
                Ok::<_, WandbError>((file, digest, size))
            })
            .buffered(self.options().parallel.max(1))
            .try_collect()
            .await?;
        let mut local = Vec::new();
        for (file, digest, size) in hashed {
            super::manifest::safe_relative_path(&file.name)?;
            let entry =
                ManifestEntry { digest, reference: None, size: Some(size), birth_artifact_id: None, extra: None };
            if manifest.contents.insert(file.name.clone(), entry).is_some() {
                return Err(WandbError::Usage(format!("two entries named '{}'", file.name)));
            }
            local.push(file);
        }
        for reference in &spec.references {
            super::manifest::safe_relative_path(&reference.name)?;
            let entry = self.reference_entry(&reference.uri).await?;
            if entry.digest == reference.uri && entry.size.is_none() {
                notes.push(format!("{}: recorded as a reference, not fetched", reference.uri));
            }
            if manifest.contents.insert(reference.name.clone(), entry).is_some() {
                return Err(WandbError::Usage(format!("two entries named '{}'", reference.name)));
            }
        }
        Ok((manifest, local))
    }

    /// Creates the run the artifact is logged from; returns its name.
    async fn start_run(&self, entity: &str, project: &str) -> Result<String, WandbError> {
        let name = super::cache::random_suffix()[..8].to_owned();
        let variables = json!({ "id": null, "name": name, "project": project, "entity": entity,
            "jobType": "wandguard-artifact-log", "tags": ["wandguard"] });
        let data = self.graphql("UpsertBucket", queries::UPSERT_BUCKET, variables).await?;
        Ok(data.pointer("/upsertBucket/bucket/name").and_then(Value::as_str).unwrap_or(&name).to_owned())
    }

    /// Marks the run finished (exit code 0) through file_stream, as `wandb.finish()` does, so the server does
    /// not keep it running.
    async fn finish_run(&self, entity: &str, project: &str, run: &str) -> Result<(), WandbError> {
        let mut url = self.settings().endpoint("files");
        url.path_segments_mut()
            .map_err(|()| WandbError::Usage("the base URL cannot take a path".to_owned()))?
            .extend([entity, project, run, "file_stream"]);
        let body = json!({ "files": {}, "complete": true, "exitcode": 0 }).to_string();
        self.send("file_stream", || {
            self.request(Method::POST, &url, Auth::ApiKey).header(CONTENT_TYPE, "application/json").body(body.clone())
        })
        .await?;
        Ok(())
    }

    async fn create_artifact(
        &self,
        spec: &ArtifactSpec,
        entity: &str,
        project: &str,
        run: &str,
        digest: &str,
    ) -> Result<Created, WandbError> {
        let aliases: Vec<Value> =
            spec.aliases.iter().map(|alias| json!({ "artifactCollectionName": spec.name, "alias": alias })).collect();
        let input = json!({
            "entityName": entity, "projectName": project, "runName": run,
            "artifactTypeName": spec.artifact_type, "artifactCollectionName": spec.name,
            "digest": digest, "digestAlgorithm": "MANIFEST_MD5",
            "description": spec.description, "metadata": Value::Object(spec.metadata.clone()).to_string(),
            "aliases": aliases, "enableDigestDeduplication": true,
            "clientID": client_id(), "sequenceClientID": client_id(),
        });
        let data = self.graphql("CreateArtifact", queries::CREATE_ARTIFACT, json!({ "input": input })).await?;
        let what = "GraphQL CreateArtifact";
        let id = string_at(&data, "/createArtifact/artifact/id", what)?.to_owned();
        match string_at(&data, "/createArtifact/artifact/state", what)? {
            "COMMITTED" => Ok(Created::AlreadyCommitted(id)),
            "PENDING" | "DELETED" => {
                let base = data.pointer("/createArtifact/artifact/artifactSequence/latestArtifact/id");
                Ok(Created::Pending { id, base_id: base.and_then(Value::as_str).map(str::to_owned) })
            }
            other => Err(WandbError::Protocol { what: what.to_owned(), message: format!("unknown state {other}") }),
        }
    }

    /// CreateArtifactManifest; returns the manifest id and, with `include_upload`, where to PUT it.
    async fn create_manifest(
        &self,
        context: &ManifestContext<'_>,
        digest: &str,
        include_upload: bool,
    ) -> Result<(String, Value), WandbError> {
        let variables = json!({
            "artifactID": context.artifact_id, "baseArtifactID": context.base_id, "name": "wandb_manifest.json",
            "digest": digest, "entityName": context.entity, "projectName": context.project,
            "runName": context.run, "manifestType": "FULL", "includeUpload": include_upload,
        });
        let data = self.graphql("CreateArtifactManifest", queries::CREATE_ARTIFACT_MANIFEST, variables).await?;
        let id = string_at(&data, "/createArtifactManifest/artifactManifest/id", "GraphQL CreateArtifactManifest")?;
        let file = data.pointer("/createArtifactManifest/artifactManifest/file").cloned().unwrap_or(Value::Null);
        Ok((id.to_owned(), file))
    }

    /// CreateArtifactFiles in batches; records each entry's birth artifact and returns the needed uploads.
    async fn request_uploads(
        &self,
        artifact_id: &str,
        manifest_id: &str,
        manifest: &mut Manifest,
        local: &[LocalFile],
    ) -> Result<Vec<PendingUpload>, WandbError> {
        let what = "GraphQL CreateArtifactFiles";
        let mut uploads = Vec::new();
        for batch in local.chunks(FILES_PER_BATCH) {
            let specs: Vec<Value> = batch
                .iter()
                .map(|file| {
                    let md5 = manifest.contents.get(&file.name).map(|entry| entry.digest.clone());
                    json!({ "artifactID": artifact_id, "artifactManifestID": manifest_id, "name": file.name,
                        "md5": md5, "mimetype": null, "uploadPartsInput": null })
                })
                .collect();
            let input = json!({ "artifactFiles": specs, "storageLayout": "V2" });
            let data =
                self.graphql("CreateArtifactFiles", queries::CREATE_ARTIFACT_FILES, json!({ "input": input })).await?;
            let edges = data.pointer("/createArtifactFiles/files/edges").and_then(Value::as_array);
            let edges = edges.filter(|edges| edges.len() == batch.len()).ok_or_else(|| WandbError::Protocol {
                what: what.to_owned(),
                message: format!("expected {} file edges", batch.len()),
            })?;
            for (file, edge) in batch.iter().zip(edges) {
                let node = &edge["node"];
                let entry =
                    manifest.contents.get_mut(&file.name).ok_or_else(|| WandbError::Usage(file.name.clone()))?;
                entry.birth_artifact_id = node.pointer("/artifact/id").and_then(Value::as_str).map(str::to_owned);
                if let Some(url) = node.get("uploadUrl").and_then(Value::as_str) {
                    let url = Url::parse(url).map_err(|err| WandbError::Protocol {
                        what: what.to_owned(),
                        message: format!("bad uploadUrl: {err}"),
                    })?;
                    let headers = upload_headers(node.get("uploadHeaders"))?;
                    uploads.push(PendingUpload {
                        url,
                        headers,
                        path: file.path.clone(),
                        size: entry.size.unwrap_or(0),
                    });
                }
            }
        }
        Ok(uploads)
    }

    /// Second CreateArtifactManifest (with the digest of the exact bytes) and the PUT of the manifest.
    async fn upload_manifest(&self, context: &ManifestContext<'_>, manifest: &Manifest) -> Result<(), WandbError> {
        let bytes = manifest.to_json();
        let (_, file) = self.create_manifest(context, &b64_md5(&bytes), true).await?;
        let what = "GraphQL CreateArtifactManifest";
        let url = string_at(&file, "/uploadUrl", what)?;
        let url = Url::parse(url)
            .map_err(|err| WandbError::Protocol { what: what.to_owned(), message: format!("bad uploadUrl: {err}") })?;
        let headers = upload_headers(file.get("uploadHeaders"))?;
        let mut temp = tempfile::NamedTempFile::new().map_err(|err| WandbError::io(std::env::temp_dir(), err))?;
        std::io::Write::write_all(&mut temp, &bytes).map_err(|err| WandbError::io(temp.path(), err))?;
        self.upload_file(&url, &headers, temp.path(), bytes.len() as u64, &Progress::new(false)).await
    }
}

/// What the two CreateArtifactManifest calls share.
struct ManifestContext<'a> {
    artifact_id: &'a str,
    base_id: Option<&'a str>,
    entity: &'a str,
    project: &'a str,
    run: &'a str,
}

/// CreateArtifact's outcome.
enum Created {
    /// A new pending version.
    Pending { id: String, base_id: Option<String> },
    /// The same digest is already committed in the collection: nothing to upload.
    AlreadyCommitted(String),
}

/// `uploadHeaders` (`"Name:Value"` strings, split at the first colon, value trimmed).
fn upload_headers(value: Option<&Value>) -> Result<Vec<(HeaderName, HeaderValue)>, WandbError> {
    let bad = |message: String| WandbError::Protocol { what: "uploadHeaders".to_owned(), message };
    let mut headers = Vec::new();
    for item in value.and_then(Value::as_array).into_iter().flatten() {
        let text = item.as_str().ok_or_else(|| bad("not a string".to_owned()))?;
        let (name, value) = text.split_once(':').ok_or_else(|| bad(format!("'{text}' has no ':'")))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|err| bad(err.to_string()))?;
        let value = HeaderValue::from_str(value.trim()).map_err(|err| bad(err.to_string()))?;
        headers.push((name, value));
    }
    Ok(headers)
}

/// A 128-character random client id, like the SDK's.
fn client_id() -> String {
    (0..8).map(|_| super::cache::random_suffix()).collect()
}
