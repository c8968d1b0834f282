//! Fetching an artifact: resolve `collection:alias|vN` → manifest (every path checked before anything is
//! written) → file URLs → each entry through the cache (locked, verified) → materialized under the root.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use futures_util::{StreamExt, TryStreamExt, stream};
use reqwest::Method;
use serde_json::{Value, json};
use url::Url;

use super::cache::{ArtifactCache, CacheKey, EntryLock};
use super::client::{Auth, read_capped, string_at};
use super::manifest::{Manifest, ManifestEntry, safe_relative_path};
use super::materialize::materialize;
use super::queries;
use super::references::{ReferenceKind, etag_digest, reference_kind};
use super::retry::{status_failure, with_retries};
use super::transfer::{Expected, url_label};
use super::{Progress, WandbClient, WandbError};

/// Largest manifest accepted.
const MAX_MANIFEST: usize = 256 << 20;
/// File URLs per page, as the SDK asks.
const URLS_PER_PAGE: u64 = 5000;

/// `[ENTITY/][PROJECT/]NAME[:ALIAS|:vN]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArtifactPath {
    /// Entity, if given.
    pub entity: Option<String>,
    /// Project, if given.
    pub project: Option<String>,
    /// Collection name.
    pub name: String,
    /// Alias or `vN` (`latest` by default).
    pub alias: String,
}

impl ArtifactPath {
    /// Parses the path; the alias is everything after the last `:`.
    pub fn parse(text: &str) -> Result<Self, WandbError> {
        let (path, alias) = match text.rsplit_once(':') {
            Some((path, alias)) => (path, alias.to_owned()),
            None => (text, "latest".to_owned()),
        };
        let parts: Vec<&str> = path.split('/').collect();
        let bad = || WandbError::Usage(format!("'{text}' is not [ENTITY/][PROJECT/]NAME[:ALIAS|:vN]"));
        if alias.is_empty() || parts.iter().any(|part| part.is_empty()) {
            return Err(bad());
        }
        let owned = |part: &&str| Some((*part).to_owned());
        match parts.as_slice() {
            [name] => Ok(ArtifactPath { entity: None, project: None, name: (*name).to_owned(), alias }),
            [project, name] => {
                Ok(ArtifactPath { entity: None, project: owned(project), name: (*name).to_owned(), alias })
            }
            [entity, project, name] => {
                Ok(ArtifactPath { entity: owned(entity), project: owned(project), name: (*name).to_owned(), alias })
            }
            _ => Err(bad()),
        }
    }
}

/// A resolved version.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ResolvedArtifact {
    /// Artifact id.
    pub id: String,
    /// Entity.
    pub entity: String,
    /// Project.
    pub project: String,
    /// Collection name.
    pub name: String,
    /// `vN`.
    pub version: String,
    /// Type.
    #[serde(rename = "type")]
    pub artifact_type: String,
    /// Artifact digest.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

/// One materialized entry.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FetchedFile {
    /// Path inside the artifact.
    pub name: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Served from the cache without a transfer.
    pub cache_hit: bool,
}

/// The outcome of a fetch.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Fetched {
    /// The version.
    pub artifact: ResolvedArtifact,
    /// The download root.
    pub root: PathBuf,
    /// Materialized entries.
    pub files: Vec<FetchedFile>,
    /// Notes (references recorded but not fetched, ...).
    pub notes: Vec<String>,
}

impl WandbClient {
    /// Resolves a name to a committed version.
    pub async fn resolve(&self, path: &ArtifactPath) -> Result<ResolvedArtifact, WandbError> {
        let entity = match &path.entity {
            Some(entity) => entity.clone(),
            None => self.entity().await?,
        };
        let project = path.project.clone().unwrap_or_else(|| self.project());
        let full = format!("{entity}/{project}/{}:{}", path.name, path.alias);
        let variables =
            json!({ "entity": entity, "project": project, "name": format!("{}:{}", path.name, path.alias) });
        let data = self.graphql("ArtifactMembershipByName", queries::ARTIFACT_MEMBERSHIP_BY_NAME, variables).await?;
        if data.get("project").is_none_or(Value::is_null) {
            return Err(WandbError::NotFound(format!("project {entity}/{project}")));
        }
        let membership = data.pointer("/project/artifactCollectionMembership").filter(|value| !value.is_null());
        let membership = membership.ok_or_else(|| WandbError::NotFound(format!("artifact {full}")))?;
        let what = "GraphQL ArtifactMembershipByName";
        let artifact = &membership["artifact"];
        let version_index =
            membership.get("versionIndex").or_else(|| artifact.get("versionIndex")).and_then(Value::as_u64);
        let version_index = version_index
            .ok_or_else(|| WandbError::Protocol { what: what.to_owned(), message: "no versionIndex".to_owned() })?;
        Ok(ResolvedArtifact {
            id: string_at(artifact, "/id", what)?.to_owned(),
            entity,
            project,
            name: membership
                .pointer("/artifactCollection/name")
                .and_then(Value::as_str)
                .unwrap_or(&path.name)
                .to_owned(),
            version: format!("v{version_index}"),
            artifact_type: artifact
                .pointer("/artifactType/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            digest: artifact.get("digest").and_then(Value::as_str).unwrap_or_default().to_owned(),
            size: artifact.get("size").and_then(Value::as_u64).unwrap_or(0),
        })
    }

    /// Downloads and parses the version's manifest (no credentials: it is a signed URL).
    pub async fn fetch_manifest(&self, artifact: &ResolvedArtifact) -> Result<Manifest, WandbError> {
        let data = self
            .graphql("FetchArtifactManifest", queries::FETCH_ARTIFACT_MANIFEST, json!({ "id": artifact.id }))
            .await?;
        let url = string_at(&data, "/artifact/currentManifest/file/directUrl", "GraphQL FetchArtifactManifest")?;
        let url = Url::parse(url)
            .map_err(|err| WandbError::Protocol { what: "manifest URL".to_owned(), message: err.to_string() })?;
        let what = format!("manifest {}", url_label(&url));
        let bytes = with_retries(self.options(), || async {
            let response = self.request(Method::GET, &url, Auth::None).send().await;
            let response = response.map_err(|err| super::retry::transport_failure(&what, err))?;
            if let Some(failure) = status_failure(&what, response.status()) {
                return Err(failure);
            }
            read_capped(response, MAX_MANIFEST, &what).await
        })
        .await?;
        Manifest::parse(&bytes)
    }

    /// The download URL of every file of the version (paged).
    async fn file_urls(&self, artifact: &ResolvedArtifact) -> Result<HashMap<String, Url>, WandbError> {
        let mut urls = HashMap::new();
        let mut cursor = Value::Null;
        loop {
            let variables = json!({ "entity": artifact.entity, "project": artifact.project, "collection": artifact.name,
                "alias": artifact.version, "cursor": cursor, "perPage": URLS_PER_PAGE });
            let data = self
                .graphql("GetArtifactMembershipFileUrls", queries::GET_ARTIFACT_MEMBERSHIP_FILE_URLS, variables)
                .await?;
            let files = data.pointer("/project/artifactCollection/artifactMembership/files");
            let files = files
                .ok_or_else(|| WandbError::NotFound(format!("files of {}:{}", artifact.name, artifact.version)))?;
            for edge in files.get("edges").and_then(Value::as_array).into_iter().flatten() {
                let name = edge.pointer("/node/name").and_then(Value::as_str);
                let url = edge.pointer("/node/directUrl").and_then(Value::as_str).and_then(|url| Url::parse(url).ok());
                if let (Some(name), Some(url)) = (name, url) {
                    urls.insert(name.to_owned(), url);
                }
            }
            let next = files.pointer("/pageInfo/hasNextPage").and_then(Value::as_bool).unwrap_or(false);
            cursor = files.pointer("/pageInfo/endCursor").cloned().unwrap_or(Value::Null);
            if !next || cursor.is_null() {
                return Ok(urls);
            }
        }
    }

    /// Fetches the version into `root` (only `only` when given), through `cache`.
    pub async fn fetch(
        &self,
        artifact: ResolvedArtifact,
        root: &Path,
        only: Option<&str>,
        cache: &ArtifactCache,
        progress: &Progress,
    ) -> Result<Fetched, WandbError> {
        let manifest = self.fetch_manifest(&artifact).await?;
        let selected: Vec<(String, ManifestEntry)> = match only {
            Some(name) => {
                let entry = manifest.contents.get(name).ok_or_else(|| {
                    WandbError::NotFound(format!("'{name}' in {}:{}", artifact.name, artifact.version))
                })?;
                vec![(name.to_owned(), entry.clone())]
            }
            None => manifest.contents.into_iter().collect(),
        };
        std::fs::create_dir_all(root).map_err(|err| WandbError::io(root, err))?;
        let needs_urls = selected.iter().any(|(_, entry)| entry.reference.is_none());
        let urls = if needs_urls { self.file_urls(&artifact).await? } else { HashMap::new() };
        let mut notes = Vec::new();
        let jobs: Vec<_> = selected
            .into_iter()
            .filter(|(name, entry)| match entry.reference.as_deref().map(reference_kind) {
                Some(Ok(ReferenceKind::Cloud)) => {
                    notes.push(format!(
                        "{name}: reference {} recorded, not fetched (no cloud credentials here)",
                        entry.digest
                    ));
                    false
                }
                _ => true,
            })
            .collect();
        let files = stream::iter(jobs)
            .map(|(name, entry)| {
                let url = urls.get(&name).cloned();
                let artifact = &artifact;
                async move { self.fetch_entry(artifact, &name, &entry, url, root, cache, progress).await }
            })
            .buffer_unordered(self.options().parallel.max(1))
            .try_collect::<Vec<FetchedFile>>()
            .await?;
        let mut files = files;
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(Fetched { artifact, root: root.to_owned(), files, notes })
    }

    /// One entry: under its cache lock, serve a verified entry or download it, then materialize it.
    #[allow(clippy::too_many_arguments)]
    async fn fetch_entry(
        &self,
        artifact: &ResolvedArtifact,
        name: &str,
        entry: &ManifestEntry,
        url: Option<Url>,
        root: &Path,
        cache: &ArtifactCache,
        progress: &Progress,
    ) -> Result<FetchedFile, WandbError> {
        let relative = safe_relative_path(name)?;
        let source = Source::of(self, artifact, name, entry, url)?;
        let key = source.key.clone();
        let _lock = lock_entry(cache, &key).await?;
        let (cached, cache_hit) = match cache.verified_entry(&key, entry.size)? {
            Some(path) => (path, true),
            None => (self.retrieve(&source, name, entry, cache, progress).await?, false),
        };
        let path = materialize(&cached, root, &relative)?;
        Ok(FetchedFile { name: name.to_owned(), path, cache_hit })
    }

    async fn retrieve(
        &self,
        source: &Source,
        name: &str,
        entry: &ManifestEntry,
        cache: &ArtifactCache,
        progress: &Progress,
    ) -> Result<PathBuf, WandbError> {
        let md5 = matches!(source.key, CacheKey::Md5(_)).then_some(entry.digest.as_str());
        let expected = Expected { label: name, md5, size: entry.size };
        match &source.origin {
            Origin::Url(url, auth) => self.download_to_cache(url, *auth, cache, &source.key, &expected, progress).await,
            Origin::Local(path) => copy_local_to_cache(path, cache, &source.key, &expected),
        }
    }
}

/// Where an entry's bytes come from and how they are keyed in the cache.
struct Source {
    key: CacheKey,
    origin: Origin,
}

enum Origin {
    Url(Url, Auth),
    Local(PathBuf),
}

impl Source {
    fn of(
        client: &WandbClient,
        artifact: &ResolvedArtifact,
        name: &str,
        entry: &ManifestEntry,
        url: Option<Url>,
    ) -> Result<Self, WandbError> {
        let md5_key = || {
            CacheKey::from_b64_md5(&entry.digest).ok_or_else(|| WandbError::Protocol {
                what: format!("manifest entry '{name}'"),
                message: "digest is not a base64 md5".to_owned(),
            })
        };
        match entry.reference.as_deref() {
            None => {
                let origin = match url {
                    Some(url) => Origin::Url(url, Auth::None),
                    None => Origin::Url(v2_download_url(client, artifact, name, entry)?, Auth::ApiKey),
                };
                Ok(Source { key: md5_key()?, origin })
            }
            Some(uri) => match reference_kind(uri)? {
                ReferenceKind::Http(url) => {
                    // The digest is the ETag (or the URL when the server sent none); the cache key binds both.
                    let etag = entry.extra.as_ref().and_then(|extra| extra.get("etag")).and_then(Value::as_str);
                    let etag = etag.map(etag_digest).unwrap_or_else(|| entry.digest.clone());
                    Ok(Source { key: CacheKey::for_etag(uri, &etag), origin: Origin::Url(url, Auth::None) })
                }
                ReferenceKind::File(path) => Ok(Source { key: md5_key()?, origin: Origin::Local(path) }),
                ReferenceKind::Cloud => Err(WandbError::Usage(format!("{uri} is recorded, not fetched"))),
            },
        }
    }
}

/// `{base}/artifactsV2/default/{entity}/{project}/{collection}/{birth}/{hexmd5}/{basename}` (with the key).
fn v2_download_url(
    client: &WandbClient,
    artifact: &ResolvedArtifact,
    name: &str,
    entry: &ManifestEntry,
) -> Result<Url, WandbError> {
    let hex = super::digest::hex_from_b64(&entry.digest).unwrap_or_default();
    let birth = entry.birth_artifact_id.as_deref().unwrap_or(&artifact.id);
    let basename = name.rsplit('/').next().unwrap_or(name);
    let mut url = client.settings().endpoint("artifactsV2/default");
    url.path_segments_mut().map_err(|()| WandbError::Usage("the base URL cannot take a path".to_owned()))?.extend([
        artifact.entity.as_str(),
        &artifact.project,
        &artifact.name,
        birth,
        &hex,
        basename,
    ]);
    Ok(url)
}

async fn lock_entry(cache: &ArtifactCache, key: &CacheKey) -> Result<EntryLock, WandbError> {
    let (cache, key) = (cache.clone(), key.clone());
    tokio::task::spawn_blocking(move || cache.lock(&key))
        .await
        .map_err(|err| WandbError::Usage(format!("lock task failed: {err}")))?
}

/// A `file://` reference: the local file must still have the recorded md5; copied in through a temp file.
fn copy_local_to_cache(
    path: &Path,
    cache: &ArtifactCache,
    key: &CacheKey,
    expected: &Expected<'_>,
) -> Result<PathBuf, WandbError> {
    let temp = cache.temp_file(key)?;
    std::fs::copy(path, temp.path()).map_err(|err| WandbError::io(path, err))?;
    let (digest, size) = super::digest::file_md5(temp.path())?;
    if let Some(md5) = expected.md5.filter(|md5| *md5 != digest) {
        return Err(WandbError::DigestMismatch {
            path: expected.label.to_owned(),
            expected: md5.to_owned(),
            actual: digest,
        });
    }
    if let Some(want) = expected.size.filter(|want| *want != size) {
        return Err(WandbError::Truncated { path: expected.label.to_owned(), expected: want, received: size });
    }
    cache.commit(temp, key)
}
