//! The GraphQL objects the SDK validates strictly (pydantic): artifacts, memberships, collections, projects,
//! aliases — with every field its fragments select, of the right type, and the right `__typename`.

use serde_json::{Value, json};

use super::catalogue;
use super::graphql::OpError;
use super::ids;
use super::routes::App;
use super::state::{Artifact, Collection, State};

/// `ttlDurationSeconds` of an artifact without a TTL, as W&B reports it.
const NO_TTL: i64 = -2;

/// `ProjectInfoFragment`.
pub fn project(entity: &str, project: &str) -> Value {
    json!({
        "__typename": "Project",
        "id": ids::encode("Project", format!("{entity}/{project}")),
        "internalId": format!("{entity}/{project}"),
        "name": project,
        "entity": { "__typename": "Entity", "id": ids::encode("Entity", entity), "name": entity },
    })
}

/// `CollectionInfoFragment` / `SourceCollectionInfoFragment`.
pub fn collection(collection: &Collection) -> Value {
    json!({
        "__typename": collection.kind.typename(),
        "id": ids::encode(collection.kind.typename(), collection.id),
        "name": collection.name,
        "project": project(&collection.entity, &collection.project),
    })
}

fn alias(collection: &Collection, member: usize, alias: &str) -> Value {
    json!({
        "__typename": "ArtifactAlias",
        "id": ids::encode("ArtifactAlias", format!("{}:{member}:{alias}", collection.id)),
        "alias": alias,
        "artifactCollection": self::collection(collection),
    })
}

/// The aliases of member `index` of a collection, optionally followed by its version name (`vN`).
fn aliases(collection: &Collection, index: usize, with_version: bool) -> Vec<Value> {
    let mut aliases: Vec<Value> =
        catalogue::aliases_of(collection, index).into_iter().map(|name| alias(collection, index, name)).collect();
    if with_version {
        aliases.push(alias(collection, index, &format!("v{index}")));
    }
    aliases
}

/// `ArtifactFragment` plus `currentManifest`, for an artifact in its own sequence.
pub fn artifact(app: &App, state: &State, artifact: &Artifact) -> Result<Value, OpError> {
    let sequence = catalogue::sequence_of(state, artifact)?;
    let aliases = artifact.version_index.map_or_else(Vec::new, |index| aliases(sequence, index, true));
    Ok(json!({
        "__typename": "Artifact",
        "id": ids::encode("Artifact", artifact.id),
        "artifactSequence": collection(sequence),
        "versionIndex": artifact.version_index,
        "artifactType": { "__typename": "ArtifactType", "name": artifact.type_name },
        "description": artifact.description,
        "metadata": artifact.metadata.as_deref().unwrap_or("{}"),
        "ttlDurationSeconds": NO_TTL,
        "ttlIsInherited": true,
        "tags": [],
        "historyStep": null,
        "state": artifact.state.as_graphql(),
        "size": artifact.size,
        "digest": artifact.digest,
        "digestAlgorithm": artifact.digest_algorithm,
        "commitHash": null,
        "fileCount": artifact.file_count,
        "createdAt": artifact.created_at,
        "updatedAt": artifact.updated_at,
        "aliases": aliases,
        "currentManifest": manifest(app, artifact),
    }))
}

/// `currentManifest { id file { id directUrl } }`: a signed download URL of the manifest blob.
pub fn manifest(app: &App, artifact: &Artifact) -> Value {
    match &artifact.manifest_md5 {
        Some(md5) => json!({
            "__typename": "ArtifactManifest",
            "id": ids::encode("ArtifactManifest", artifact.id),
            "file": {
                "__typename": "File",
                "id": ids::encode("File", format!("manifest:{}", artifact.id)),
                "name": "wandb_manifest.json",
                "directUrl": app.blob_download_url(md5),
            },
        }),
        None => Value::Null,
    }
}

/// `ArtifactMembershipFragment` for member `index` of a collection.
pub fn membership(app: &App, state: &State, collection: &Collection, index: usize) -> Result<Value, OpError> {
    let artifact_id = *collection.members.get(index).ok_or_else(|| OpError::internal("membership out of range"))?;
    let artifact = catalogue::artifact(state, artifact_id)?;
    Ok(json!({
        "__typename": "ArtifactCollectionMembership",
        "id": ids::encode("ArtifactCollectionMembership", format!("{}:{index}", collection.id)),
        "versionIndex": index,
        "createdAt": artifact.created_at,
        "aliases": aliases(collection, index, false),
        "artifactCollection": self::collection(collection),
        "artifact": self::artifact(app, state, artifact)?,
    }))
}
