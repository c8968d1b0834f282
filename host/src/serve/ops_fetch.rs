//! Fetching and using artifacts: by id, by `name:alias|vN` (memberships), manifests, paged file URLs (uploaded
//! files and references alike), UseArtifact (both variable shapes), and LinkArtifact into portfolios.

use serde_json::{Value, json};

use super::catalogue;
use super::graphql::{OpError, Vars};
use super::ids;
use super::manifest;
use super::ops_log::artifact_id;
use super::render;
use super::routes::App;
use super::state::ArtifactState;

/// Page size when the client names none.
const DEFAULT_PAGE: u64 = 1000;

/// `project { artifact(name) { … } }` (ArtifactType, ArtifactByName): the committed version `name` resolves to.
pub fn project_artifact(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = vars.opt_str("entity")?.or(vars.opt_str("entityName")?).unwrap_or(&app.entity);
    let project = vars.opt_str("project")?.or(vars.opt_str("projectName")?).unwrap_or("uncategorized");
    let name = vars.str("name")?;
    let artifact = app.catalogue.read(|state| match catalogue::resolve(state, entity, project, name) {
        Some((collection, index)) => {
            let artifact = catalogue::artifact(state, collection.members[index])?;
            render::artifact(app, state, artifact)
        }
        None => Ok(Value::Null),
    })?;
    Ok(json!({ "project": { "artifact": artifact } }))
}

/// `artifact(id) { …ArtifactFragment currentManifest }`.
pub fn artifact_by_id(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let id = artifact_id(vars, "id")?;
    let artifact = app.catalogue.read(|state| match state.artifacts.get(&id) {
        Some(artifact) => render::artifact(app, state, artifact),
        None => Ok(Value::Null),
    })?;
    Ok(json!({ "artifact": artifact }))
}

/// `project { artifactCollectionMembership(name) }`: null when the name or alias does not resolve.
pub fn membership_by_name(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = vars.str("entity")?;
    let project = vars.str("project")?;
    let name = vars.str("name")?;
    let membership = app.catalogue.read(|state| match catalogue::resolve(state, entity, project, name) {
        Some((collection, index)) => render::membership(app, state, collection, index),
        None => Ok(Value::Null),
    })?;
    Ok(json!({ "project": { "name": project, "artifactCollectionMembership": membership } }))
}

/// Records that a run used an artifact (both the Python and the wandb-core variable shapes).
pub fn use_artifact(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let input = vars.input();
    let artifact = artifact_id(&input, "artifactID")?;
    let entity = input.opt_str("entityName")?.unwrap_or(&app.entity);
    let project = input.str("projectName")?;
    let run = input.str("runName")?;
    let used = app.catalogue.update(|state| {
        let used = catalogue::artifact(state, artifact)?.clone();
        if used.state != ArtifactState::Committed {
            return Err(OpError::bad_input("the artifact is not committed yet"));
        }
        if let Some(run) = state.runs.get_mut(&catalogue::key(entity, project, run))
            && !run.used_artifacts.contains(&artifact)
        {
            run.used_artifacts.push(artifact);
        }
        Ok(used)
    })?;
    Ok(json!({ "useArtifact": { "artifact": {
        "id": ids::encode("Artifact", used.id),
        "digest": used.digest,
        "description": used.description,
        "state": used.state.as_graphql(),
        "createdAt": used.created_at,
        "metadata": used.metadata.as_deref().unwrap_or("{}"),
    }}}))
}

fn any_artifact_id(vars: &Vars<'_>) -> Result<u64, OpError> {
    ["id", "artifactID", "artifact_id", "artifactId"]
        .into_iter()
        .find(|name| vars.get(name).is_some())
        .map_or_else(|| Err(OpError::bad_input("variable id is required")), |name| artifact_id(vars, name))
}

/// `artifact(id) { currentManifest { file { directUrl } } }` (FetchArtifactManifest, ArtifactManifest).
pub fn artifact_manifest(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let id = any_artifact_id(vars)?;
    let manifest = app.catalogue.read(|state| state.artifacts.get(&id).map(|artifact| render::manifest(app, artifact)));
    Ok(
        json!({ "artifact": manifest.map(|manifest| json!({ "id": ids::encode("Artifact", id), "currentManifest": manifest })) }),
    )
}

/// One page of an artifact's files — every manifest entry, references included (the SDK downloads only the
/// entries listed here). The cursor is the index of the last entry returned.
fn files_page(app: &App, artifact: u64, cursor: Option<&str>, per_page: Option<u64>) -> Result<Value, OpError> {
    let manifest_md5 =
        app.catalogue.read(|state| catalogue::artifact(state, artifact).map(|a| a.manifest_md5.clone()))?;
    let entries = match manifest_md5 {
        Some(md5) => manifest::load(app, &md5)?,
        None => Vec::new(),
    };
    let start = match cursor {
        Some(cursor) => cursor.parse::<usize>().map_err(|_| OpError::bad_input(format!("bad cursor {cursor:?}")))? + 1,
        None => 0,
    };
    let per_page = usize::try_from(per_page.unwrap_or(DEFAULT_PAGE).max(1)).unwrap_or(usize::MAX);
    let end = start.saturating_add(per_page).min(entries.len());
    let edges: Vec<Value> = entries
        .get(start..end)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .map(|(offset, entry)| {
            let direct_url = match (&entry.blob_md5, &entry.reference) {
                (Some(md5), _) => Some(app.blob_download_url(md5)),
                (None, reference) => reference.clone(),
            };
            json!({ "cursor": (start + offset).to_string(), "node": {
                "__typename": "File",
                "id": ids::encode("File", format!("{artifact}:{}", entry.path)),
                "name": entry.path,
                "sizeBytes": entry.size,
                "directUrl": direct_url,
            }})
        })
        .collect();
    let end_cursor = (end > start).then(|| (end - 1).to_string());
    Ok(json!({
        "pageInfo": { "__typename": "PageInfo", "endCursor": end_cursor, "hasNextPage": end < entries.len() },
        "edges": edges,
    }))
}

/// `project { artifactCollection(name) { artifactMembership(aliasName) { files(after, first) } } }`.
pub fn membership_file_urls(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = vars.str("entity")?;
    let project = vars.str("project")?;
    let collection = vars.str("collection")?;
    let alias = vars.str("alias")?;
    let resolved = app.catalogue.read(|state| {
        catalogue::resolve(state, entity, project, &format!("{collection}:{alias}"))
            .map(|(collection, index)| (collection.kind.typename(), collection.members[index]))
    });
    let Some((typename, artifact)) = resolved else {
        return Err(OpError::not_found(format!("artifact {entity}/{project}/{collection}:{alias} not found")));
    };
    let files = files_page(app, artifact, vars.opt_str("cursor")?, vars.opt_u64("perPage")?)?;
    Ok(json!({ "project": { "artifactCollection": {
        "__typename": typename,
        "artifactMembership": { "files": files },
    }}}))
}

/// `artifact(id) { files(after, first) }` (wandb-core's downloader).
pub fn artifact_file_urls(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let id = any_artifact_id(vars)?;
    let files = files_page(app, id, vars.opt_str("cursor")?, vars.opt_u64("perPage")?)?;
    Ok(json!({ "artifact": { "files": files } }))
}

/// Links an artifact into a portfolio: `result: linkArtifact { versionIndex }` (the SDK reads the `result`
/// alias; both keys are sent).
pub fn link_artifact(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let input = vars.input();
    let artifact = match input.opt_str("artifactID")? {
        Some(_) => artifact_id(&input, "artifactID")?,
        None => {
            let client_id = input.str("clientID")?;
            app.catalogue
                .read(|state| state.client_ids.get(client_id).copied())
                .ok_or_else(|| OpError::not_found(format!("no artifact with client id {client_id}")))?
        }
    };
    let entity = input.opt_str("entityName")?.unwrap_or(&app.entity).to_owned();
    let project = input.str("projectName")?.to_owned();
    let portfolio = input.str("artifactPortfolioName")?.to_owned();
    let mut aliases = Vec::new();
    for alias in input.list("aliases")? {
        aliases.push(alias.str("alias")?.to_owned());
    }
    let index =
        app.catalogue.update(|state| catalogue::link(state, artifact, &entity, &project, &portfolio, &aliases))?;
    let result = json!({ "versionIndex": index });
    Ok(json!({ "result": result, "linkArtifact": result }))
}
