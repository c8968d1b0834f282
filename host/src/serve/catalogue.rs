//! The artifact semantics on the catalogue: creating versions (with digest deduplication), committing them
//! (version index, aliases, `latest` moving), resolving `name:alias|vN`, and links into portfolios.

use super::graphql::OpError;
use super::ids;
use super::state::{Artifact, ArtifactState, Collection, CollectionKind, State};

/// The alias that always points at the newest version of a collection.
pub const LATEST: &str = "latest";

/// Longest collection (artifact) name W&B accepts.
const MAX_NAME_LEN: usize = 128;

/// The catalogue key of a run or collection.
pub fn key(entity: &str, project: &str, name: &str) -> String {
    format!("{entity}/{project}/{name}")
}

/// Whether `name` is a usable entity name: letters, digits, `-`, `_`, `.`.
pub fn is_valid_entity_name(name: &str) -> bool {
    is_plain_name(name) && name.len() <= 64
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Checks an entity / project / collection name before it becomes part of a catalogue key.
pub fn check_name(what: &str, name: &str) -> Result<(), OpError> {
    if is_plain_name(name) && name.len() <= MAX_NAME_LEN && name != "." && name != ".." {
        Ok(())
    } else {
        Err(OpError::bad_input(format!(
            "invalid {what} name {name:?}: use 1-{MAX_NAME_LEN} letters, digits, '-', '_' or '.'"
        )))
    }
}

fn check_alias(alias: &str) -> Result<(), OpError> {
    if alias.is_empty() || alias.len() > MAX_NAME_LEN || alias.contains(['/', ':']) {
        Err(OpError::bad_input(format!("invalid alias {alias:?}: 1-{MAX_NAME_LEN} characters, no '/' or ':'")))
    } else {
        Ok(())
    }
}

/// Version names (`v0`, `v1`, …) are not aliases one can move: they always mean the index.
fn version_number(alias: &str) -> Option<usize> {
    alias
        .strip_prefix('v')
        .filter(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))?
        .parse()
        .ok()
}

/// What a client asks for in CreateArtifact.
pub struct NewArtifact {
    /// Entity.
    pub entity: String,
    /// Project.
    pub project: String,
    /// Collection (sequence) name.
    pub collection: String,
    /// Artifact type.
    pub type_name: String,
    /// Artifact digest (hex).
    pub digest: String,
    /// Digest algorithm name.
    pub digest_algorithm: String,
    /// Description.
    pub description: Option<String>,
    /// Metadata (JSON string).
    pub metadata: Option<String>,
    /// Aliases to apply at commit.
    pub aliases: Vec<String>,
    /// Logging run.
    pub run: Option<String>,
    /// Client-side id, for ClientIDMapping.
    pub client_id: Option<String>,
}

/// The answer to CreateArtifact.
pub struct Created {
    /// The artifact: new and pending, or an existing committed one with the same digest.
    pub artifact: u64,
    /// Its collection's id.
    pub collection: u64,
    /// The collection's `latest` version before this one, if any.
    pub previous_latest: Option<u64>,
}

/// Creates a pending version, or returns the committed version with the same digest (moving the requested
/// aliases to it, as logging the same content again asks for).
pub fn create_artifact(state: &mut State, new: NewArtifact) -> Result<Created, OpError> {
    check_name("entity", &new.entity)?;
    check_name("project", &new.project)?;
    check_name("artifact", &new.collection)?;
    check_name("artifact type", &new.type_name)?;
    for alias in &new.aliases {
        check_alias(alias)?;
    }
    let collection_key = key(&new.entity, &new.project, &new.collection);
    if let Some(existing) = state.collections.get(&collection_key) {
        if existing.kind != CollectionKind::Sequence {
            return Err(OpError::bad_input(format!("{collection_key} is a portfolio of links, not a sequence")));
        }
        if existing.type_name != new.type_name {
            return Err(OpError::bad_input(format!(
                "artifact {collection_key} has type {:?}, not {:?}",
                existing.type_name, new.type_name
            )));
        }
    } else {
        let id = state.next_id();
        let collection = Collection {
            id,
            kind: CollectionKind::Sequence,
            entity: new.entity.clone(),
            project: new.project.clone(),
            name: new.collection.clone(),
            type_name: new.type_name.clone(),
            members: Vec::new(),
            aliases: Default::default(),
        };
        state.collections.insert(collection_key.clone(), collection);
    }
    let collection = state.collections.get(&collection_key).ok_or_else(|| OpError::internal("collection vanished"))?;
    let (collection_id, previous_latest) =
        (collection.id, collection.aliases.get(LATEST).and_then(|&index| collection.members.get(index).copied()));
    let same_digest =
        collection.members.iter().position(|id| state.artifacts.get(id).is_some_and(|a| a.digest == new.digest));
    if let Some(index) = same_digest {
        let artifact = collection.members[index];
        let collection =
            state.collections.get_mut(&collection_key).ok_or_else(|| OpError::internal("collection vanished"))?;
        for alias in &new.aliases {
            set_alias(collection, alias, index);
        }
        return Ok(Created { artifact, collection: collection_id, previous_latest });
    }
    let id = state.next_id();
    let now = ids::timestamp_now();
    if let Some(client_id) = new.client_id {
        state.client_ids.insert(client_id, id);
    }
    state.artifacts.insert(
        id,
        Artifact {
            id,
            entity: new.entity,
            project: new.project,
            sequence: new.collection,
            type_name: new.type_name,
            digest: new.digest,
            digest_algorithm: new.digest_algorithm,
            description: new.description,
            metadata: new.metadata,
            state: ArtifactState::Pending,
            version_index: None,
            requested_aliases: new.aliases,
            manifest_md5: None,
            file_count: 0,
            size: 0,
            run: new.run,
            created_at: now.clone(),
            updated_at: now,
        },
    );
    Ok(Created { artifact: id, collection: collection_id, previous_latest })
}

/// Looks an artifact up by numeric id, as a "not found" error otherwise.
pub fn artifact(state: &State, id: u64) -> Result<&Artifact, OpError> {
    state
        .artifacts
        .get(&id)
        .ok_or_else(|| OpError::not_found(format!("artifact {} not found", ids::encode("Artifact", id))))
}

fn artifact_mut(state: &mut State, id: u64) -> Result<&mut Artifact, OpError> {
    state
        .artifacts
        .get_mut(&id)
        .ok_or_else(|| OpError::not_found(format!("artifact {} not found", ids::encode("Artifact", id))))
}

/// Records the md5 of the manifest the client is about to upload.
pub fn announce_manifest(state: &mut State, artifact_id: u64, manifest_md5: String) -> Result<(), OpError> {
    let artifact = artifact_mut(state, artifact_id)?;
    if artifact.state == ArtifactState::Committed {
        return Err(OpError::bad_input("the artifact is already committed; its manifest cannot change"));
    }
    artifact.manifest_md5 = Some(manifest_md5);
    Ok(())
}

/// Where a file of an artifact comes from: the artifact that first stored the blob.
pub fn birth_artifact(state: &mut State, artifact_id: u64, blob_md5: &str) -> u64 {
    *state.blob_births.entry(blob_md5.to_owned()).or_insert(artifact_id)
}

/// Commits a pending version: it gets the next version index, its aliases, and `latest`. Committing twice is
/// harmless (the second call changes nothing).
pub fn commit(state: &mut State, artifact_id: u64, file_count: u64, size: u64) -> Result<(), OpError> {
    let artifact = artifact_mut(state, artifact_id)?;
    if artifact.state == ArtifactState::Committed {
        return Ok(());
    }
    artifact.state = ArtifactState::Committed;
    artifact.file_count = file_count;
    artifact.size = size;
    artifact.updated_at = ids::timestamp_now();
    let collection_key = key(&artifact.entity, &artifact.project, &artifact.sequence);
    let aliases = artifact.requested_aliases.clone();
    let collection = state
        .collections
        .get_mut(&collection_key)
        .ok_or_else(|| OpError::internal(format!("no collection {collection_key}")))?;
    let index = collection.members.len();
    collection.members.push(artifact_id);
    for alias in aliases.iter().map(String::as_str).chain([LATEST]) {
        set_alias(collection, alias, index);
    }
    artifact_mut(state, artifact_id)?.version_index = Some(index);
    Ok(())
}

fn set_alias(collection: &mut Collection, alias: &str, index: usize) {
    if version_number(alias).is_none() {
        collection.aliases.insert(alias.to_owned(), index);
    }
}

/// The named aliases (not `vN`) pointing at member `index`.
pub fn aliases_of(collection: &Collection, index: usize) -> Vec<&str> {
    collection.aliases.iter().filter(|&(_, &at)| at == index).map(|(alias, _)| alias.as_str()).collect()
}

/// Resolves `collection[:alias|:vN]` (no suffix means `latest`) in a project to a collection and member index.
pub fn resolve<'s>(state: &'s State, entity: &str, project: &str, name: &str) -> Option<(&'s Collection, usize)> {
    let (collection_name, selector) = name.split_once(':').unwrap_or((name, LATEST));
    let collection = state.collections.get(&key(entity, project, collection_name))?;
    let index = match version_number(selector) {
        Some(index) => index,
        None => *collection.aliases.get(selector)?,
    };
    (index < collection.members.len()).then_some((collection, index))
}

/// The sequence an artifact was logged to.
pub fn sequence_of<'s>(state: &'s State, artifact: &Artifact) -> Result<&'s Collection, OpError> {
    let collection_key = key(&artifact.entity, &artifact.project, &artifact.sequence);
    state.collections.get(&collection_key).ok_or_else(|| OpError::internal(format!("no collection {collection_key}")))
}

/// Links a committed artifact into a portfolio (created on first use); returns its index there. Linking the
/// same artifact again keeps its index and just moves the aliases.
pub fn link(
    state: &mut State,
    artifact_id: u64,
    entity: &str,
    project: &str,
    portfolio: &str,
    aliases: &[String],
) -> Result<usize, OpError> {
    check_name("entity", entity)?;
    check_name("project", project)?;
    check_name("portfolio", portfolio)?;
    for alias in aliases {
        check_alias(alias)?;
    }
    let artifact = artifact(state, artifact_id)?;
    if artifact.state != ArtifactState::Committed {
        return Err(OpError::bad_input("only committed artifacts can be linked"));
    }
    let type_name = artifact.type_name.clone();
    let portfolio_key = key(entity, project, portfolio);
    if !state.collections.contains_key(&portfolio_key) {
        let id = state.next_id();
        let collection = Collection {
            id,
            kind: CollectionKind::Portfolio,
            entity: entity.to_owned(),
            project: project.to_owned(),
            name: portfolio.to_owned(),
            type_name: type_name.clone(),
            members: Vec::new(),
            aliases: Default::default(),
        };
        state.collections.insert(portfolio_key.clone(), collection);
    }
    let collection =
        state.collections.get_mut(&portfolio_key).ok_or_else(|| OpError::internal("portfolio vanished"))?;
    if collection.kind != CollectionKind::Portfolio {
        return Err(OpError::bad_input(format!("{portfolio_key} is a sequence of logged versions, not a portfolio")));
    }
    if collection.type_name != type_name {
        return Err(OpError::bad_input(format!(
            "portfolio {portfolio_key} holds {:?} artifacts, not {type_name:?}",
            collection.type_name
        )));
    }
    let index = match collection.members.iter().position(|&member| member == artifact_id) {
        Some(index) => index,
        None => {
            collection.members.push(artifact_id);
            collection.members.len() - 1
        }
    };
    for alias in aliases.iter().map(String::as_str).chain([LATEST]) {
        set_alias(collection, alias, index);
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_artifact(digest: &str, aliases: &[&str]) -> NewArtifact {
        NewArtifact {
            entity: "e".into(),
            project: "p".into(),
            collection: "ds".into(),
            type_name: "dataset".into(),
            digest: digest.into(),
            digest_algorithm: "MANIFEST_MD5".into(),
            description: None,
            metadata: None,
            aliases: aliases.iter().map(|&a| a.to_owned()).collect(),
            run: None,
            client_id: None,
        }
    }

    fn log(state: &mut State, digest: &str, aliases: &[&str]) -> u64 {
        let created = create_artifact(state, new_artifact(digest, aliases)).expect("create");
        commit(state, created.artifact, 1, 1).expect("commit");
        created.artifact
    }

    #[test]
    fn versions_aliases_and_latest_move_on_commit() {
        let mut state = State::default();
        let v0 = log(&mut state, "d0", &["best"]);
        let v1 = log(&mut state, "d1", &["candidate"]);
        let resolve_id = |state: &State, name: &str| resolve(state, "e", "p", name).map(|(c, i)| c.members[i]);
        assert_eq!(resolve_id(&state, "ds:v0"), Some(v0));
        assert_eq!(resolve_id(&state, "ds:v1"), Some(v1));
        assert_eq!(resolve_id(&state, "ds:latest"), Some(v1));
        assert_eq!(resolve_id(&state, "ds"), Some(v1));
        assert_eq!(resolve_id(&state, "ds:best"), Some(v0));
        assert_eq!(resolve_id(&state, "ds:v2"), None);
        assert_eq!(resolve_id(&state, "ds:nope"), None);
        let collection = state.collections.get("e/p/ds").expect("collection");
        assert_eq!(aliases_of(collection, 0), vec!["best"]);
        assert_eq!(aliases_of(collection, 1), vec!["candidate", "latest"]);
    }

    #[test]
    fn same_digest_returns_the_committed_version() {
        let mut state = State::default();
        let v0 = log(&mut state, "d0", &[]);
        let again = create_artifact(&mut state, new_artifact("d0", &["again"])).expect("create");
        assert_eq!(again.artifact, v0);
        assert_eq!(state.artifacts[&v0].state, ArtifactState::Committed);
        assert_eq!(resolve(&state, "e", "p", "ds:again").map(|(c, i)| c.members[i]), Some(v0));
        assert_eq!(state.collections["e/p/ds"].members.len(), 1);
    }

    #[test]
    fn pending_versions_are_invisible_and_type_is_fixed() {
        let mut state = State::default();
        create_artifact(&mut state, new_artifact("d0", &[])).expect("create");
        assert!(resolve(&state, "e", "p", "ds:latest").is_none());
        let mut model = new_artifact("d1", &[]);
        model.type_name = "model".into();
        assert!(create_artifact(&mut state, model).is_err());
        assert!(create_artifact(&mut state, new_artifact("d2", &["a/b"])).is_err());
        let mut bad_name = new_artifact("d3", &[]);
        bad_name.collection = "../x".into();
        assert!(create_artifact(&mut state, bad_name).is_err());
    }

    #[test]
    fn links_keep_their_order_and_aliases() {
        let mut state = State::default();
        let v0 = log(&mut state, "d0", &[]);
        let v1 = log(&mut state, "d1", &[]);
        assert_eq!(link(&mut state, v1, "e", "p", "port", &["prod".into()]).expect("link"), 0);
        assert_eq!(link(&mut state, v0, "e", "p", "port", &[]).expect("link"), 1);
        assert_eq!(link(&mut state, v1, "e", "p", "port", &[]).expect("relink"), 0);
        assert_eq!(resolve(&state, "e", "p", "port:prod").map(|(c, i)| c.members[i]), Some(v1));
        assert_eq!(resolve(&state, "e", "p", "port:v1").map(|(c, i)| c.members[i]), Some(v0));
        assert!(link(&mut state, v0, "e", "p", "ds", &[]).is_err(), "a sequence is not a portfolio");
    }
}
