//! The catalogue — runs, artifacts, collections, aliases — and its persistence: one JSON file, replaced
//! atomically (temp file + rename) after every change, so a crash leaves either the old or the new catalogue.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::ServeError;
use super::graphql::OpError;

/// Version of the catalogue format, checked on load.
const FORMAT_VERSION: u32 = 1;

/// Everything the server knows besides blob contents.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// Catalogue format version.
    pub format: u32,
    /// The last numeric id handed out (ids are never reused).
    pub last_id: u64,
    /// Runs by `entity/project/name`.
    pub runs: BTreeMap<String, Run>,
    /// Artifacts (versions) by numeric id.
    pub artifacts: BTreeMap<u64, Artifact>,
    /// Collections (sequences and portfolios) by `entity/project/name`.
    pub collections: BTreeMap<String, Collection>,
    /// For each stored blob (hex md5), the artifact that first uploaded it.
    pub blob_births: BTreeMap<String, u64>,
    /// Client-side artifact ids (`clientID` of CreateArtifact) → artifact id.
    pub client_ids: BTreeMap<String, u64>,
}

impl State {
    /// A fresh numeric id.
    pub fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }
}

/// A run (W&B "bucket").
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    /// Numeric storage id.
    pub id: u64,
    /// Owning entity.
    pub entity: String,
    /// Owning project.
    pub project: String,
    /// Run id (W&B "name").
    pub name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Run config as the SDK sent it (a JSON string).
    pub config: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Description.
    pub description: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Latest summary (a JSON string), from file_stream.
    pub summary: Option<String>,
    /// Lines received per file_stream file (history, events, console log), for resume offsets.
    pub stream_lines: BTreeMap<String, u64>,
    /// Artifacts this run used, in order.
    pub used_artifacts: Vec<u64>,
    /// Run files uploaded (names).
    pub files: Vec<String>,
}

/// Lifecycle of an artifact version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArtifactState {
    /// Created, files may still be uploading.
    Pending,
    /// Committed: has a version index and is visible by name.
    Committed,
}

impl ArtifactState {
    /// The GraphQL enum value.
    pub fn as_graphql(self) -> &'static str {
        match self {
            Self::Pending => "PENDING",
            Self::Committed => "COMMITTED",
        }
    }
}

/// One artifact version.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Artifact {
    /// Numeric id.
    pub id: u64,
    /// Entity of the collection it was logged to.
    pub entity: String,
    /// Project of the collection it was logged to.
    pub project: String,
    /// Name of its sequence (the collection it was logged to).
    pub sequence: String,
    /// Artifact type.
    pub type_name: String,
    /// Artifact digest (hex), as the client computed it from the manifest.
    pub digest: String,
    /// Digest algorithm the client named (`MANIFEST_MD5` by default).
    pub digest_algorithm: String,
    /// Description.
    pub description: Option<String>,
    /// Metadata as a JSON string.
    pub metadata: Option<String>,
    /// Pending or committed.
    pub state: ArtifactState,
    /// Index in its sequence (`vN`), once committed.
    pub version_index: Option<usize>,
    /// Aliases the client asked for, applied at commit.
    pub requested_aliases: Vec<String>,
    /// Hex md5 of the uploaded manifest blob, once announced.
    pub manifest_md5: Option<String>,
    /// Number of manifest entries (set at commit).
    pub file_count: u64,
    /// Total size of the manifest entries in bytes (set at commit).
    pub size: u64,
    /// The run that logged it.
    pub run: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// What kind of collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CollectionKind {
    /// Versions logged to it (`ArtifactSequence`).
    Sequence,
    /// Links to versions of other collections (`ArtifactPortfolio`).
    Portfolio,
}

impl CollectionKind {
    /// The GraphQL `__typename`.
    pub fn typename(self) -> &'static str {
        match self {
            Self::Sequence => "ArtifactSequence",
            Self::Portfolio => "ArtifactPortfolio",
        }
    }
}

/// A collection: an ordered list of member artifacts and an alias map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Collection {
    /// Numeric id.
    pub id: u64,
    /// Sequence or portfolio.
    pub kind: CollectionKind,
    /// Entity.
    pub entity: String,
    /// Project.
    pub project: String,
    /// Name.
    pub name: String,
    /// Artifact type of every member.
    pub type_name: String,
    /// Members in version order: `members[i]` is version `vi`.
    pub members: Vec<u64>,
    /// Alias → index into `members`.
    pub aliases: BTreeMap<String, usize>,
}

/// The catalogue behind a lock, with its file.
pub struct Catalogue {
    path: PathBuf,
    state: Mutex<State>,
}

impl Catalogue {
    /// Loads `path`, or starts empty if it does not exist.
    pub fn open(path: &Path) -> Result<Self, ServeError> {
        let state = match std::fs::read(path) {
            Ok(bytes) => {
                let state: State = serde_json::from_slice(&bytes)
                    .map_err(|err| ServeError::CorruptState { path: path.to_owned(), message: err.to_string() })?;
                if state.format != FORMAT_VERSION {
                    return Err(ServeError::CorruptState {
                        path: path.to_owned(),
                        message: format!("format {} (this server reads format {FORMAT_VERSION})", state.format),
                    });
                }
                state
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                State { format: FORMAT_VERSION, ..State::default() }
            }
            Err(source) => return Err(ServeError::Io { context: format!("cannot read {}", path.display()), source }),
        };
        Ok(Self { path: path.to_owned(), state: Mutex::new(state) })
    }

    /// Runs a read-only query on the catalogue.
    pub fn read<T>(&self, query: impl FnOnce(&State) -> T) -> T {
        query(&self.lock())
    }

    /// Applies `change` to a copy of the catalogue; if it succeeds and the copy is saved, the copy becomes the
    /// catalogue. A failed change or save leaves the catalogue (in memory and on disk) as it was.
    pub fn update<T>(&self, change: impl FnOnce(&mut State) -> Result<T, OpError>) -> Result<T, OpError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        let result = change(&mut next)?;
        self.save(&next)?;
        *guard = next;
        Ok(result)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a half-applied change (changes go to a copy), so a
        // poisoned lock still guards a consistent catalogue.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn save(&self, state: &State) -> Result<(), OpError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let write = || -> std::io::Result<()> {
            let tmp = tempfile::NamedTempFile::new_in(dir)?;
            let mut out = std::io::BufWriter::new(tmp.as_file());
            serde_json::to_writer(&mut out, state)?;
            out.flush()?;
            drop(out);
            tmp.as_file().sync_data()?;
            tmp.persist(&self.path).map_err(|err| err.error)?;
            Ok(())
        };
        write().map_err(|err| OpError::internal(format!("cannot save the catalogue: {err}")))
    }
}
