//! Login and runs: Viewer, server features, the CoreWeave organisation probe, RunResumeStatus, UpsertBucket,
//! CreateRunFiles, and the file_stream route's bookkeeping (line offsets and the summary, for resume).

use serde_json::{Value, json};

use super::catalogue::{self, key};
use super::graphql::{OpError, Vars};
use super::ids;
use super::routes::App;
use super::state::Run;

/// `viewer { id entity username email flags teams }` (also GetDefaultEntity). `entity` must be set, or the
/// SDK reports invalid credentials.
pub fn viewer(app: &App) -> Value {
    json!({
        "viewer": {
            "id": ids::encode("User", &app.entity),
            "entity": app.entity,
            "username": app.entity,
            "email": null,
            "admin": false,
            "flags": "{}",
            "teams": { "edges": [] },
        }
    })
}

/// No optional server features: the SDK then uses the plain query shapes recorded in the traces.
pub fn server_features() -> Value {
    json!({ "serverInfo": { "features": [], "cliVersionInfo": {}, "latestLocalVersionInfo": null } })
}

/// No organisation: keeps wandb-core from probing a CoreWeave metadata endpoint.
pub fn organization(vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = vars.opt_str("entityName")?.or(vars.opt_str("entity")?);
    Ok(json!({ "entity": { "name": entity, "organization": null, "user": { "organizations": [] } } }))
}

fn entity_or_default<'a>(app: &'a App, vars: &Vars<'a>, name: &str) -> Result<&'a str, OpError> {
    Ok(vars.opt_str(name)?.filter(|entity| !entity.is_empty()).unwrap_or(&app.entity))
}

fn project_or_default<'a>(vars: &Vars<'a>, name: &str) -> Result<&'a str, OpError> {
    Ok(vars.opt_str(name)?.filter(|project| !project.is_empty()).unwrap_or("uncategorized"))
}

/// `model { id name entity bucket }`: the bucket is null for a new run; for an existing one it carries what
/// the SDK restores on resume (`wandbConfig` must hold the `t` key for the run to count as existing).
pub fn run_resume_status(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = entity_or_default(app, vars, "entity")?;
    let project = project_or_default(vars, "project")?;
    let name = vars.str("name")?;
    let bucket = app.catalogue.read(|state| state.runs.get(&key(entity, project, name)).map(resume_bucket));
    Ok(json!({
        "model": {
            "id": ids::encode("Project", format!("{entity}/{project}")),
            "name": project,
            "entity": { "id": ids::encode("Entity", entity), "name": entity },
            "bucket": bucket,
        }
    }))
}

fn resume_bucket(run: &Run) -> Value {
    let config = run.config.as_deref().unwrap_or("{}");
    let wandb_t = serde_json::from_str::<Value>(config)
        .ok()
        .and_then(|config| config.pointer("/_wandb/value/t").cloned())
        .unwrap_or_else(|| json!({}));
    let lines = |file: &str| run.stream_lines.get(file).copied().unwrap_or(0);
    json!({
        "id": ids::encode("Run", run.id),
        "name": run.name,
        "displayName": run.display_name,
        "summaryMetrics": run.summary.as_deref().unwrap_or("{}"),
        "logLineCount": lines("output.log"),
        "historyLineCount": lines("wandb-history.jsonl"),
        "eventsLineCount": lines("wandb-events.jsonl"),
        "historyTail": "[]",
        "eventsTail": "[]",
        "config": config,
        "tags": run.tags,
        "notes": run.notes,
        "wandbConfig": json!({ "t": wandb_t }).to_string(),
    })
}

/// Creates or updates a run. The run is named by `name`, or by the storage `id` a resumed run sends back.
pub fn upsert_bucket(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let storage_id = match vars.opt_str("id")? {
        Some(id) => {
            Some(ids::decode_numeric("Run", id).ok_or_else(|| OpError::bad_input(format!("{id:?} is not a run id")))?)
        }
        None => None,
    };
    let entity = entity_or_default(app, vars, "entity")?.to_owned();
    let project = project_or_default(vars, "project")?.to_owned();
    catalogue::check_name("entity", &entity)?;
    catalogue::check_name("project", &project)?;
    let name = vars.opt_str("name")?.map(str::to_owned);
    let display_name = vars.opt_str("displayName")?.map(str::to_owned);
    let description = vars.opt_str("description")?.map(str::to_owned);
    let notes = vars.opt_str("notes")?.map(str::to_owned);
    let config = vars.opt_str("config")?.map(str::to_owned);
    let summary = vars.opt_str("summaryMetrics")?.map(str::to_owned);
    let tags = vars.get("tags").map(|_| vars.str_list("tags")).transpose()?;
    let (run, inserted) = app.catalogue.update(|state| {
        let existing = match (storage_id, &name) {
            (Some(id), _) => Some(
                state
                    .runs
                    .iter()
                    .find(|(_, run)| run.id == id)
                    .map(|(run_key, _)| run_key.clone())
                    .ok_or_else(|| OpError::not_found(format!("run {} not found", ids::encode("Run", id))))?,
            ),
            (None, Some(name)) => Some(key(&entity, &project, name)).filter(|run_key| state.runs.contains_key(run_key)),
            (None, None) => None,
        };
        let inserted = existing.is_none();
        let run_key = match existing {
            Some(run_key) => run_key,
            None => {
                let id = state.next_id();
                let run_name = name.clone().unwrap_or_else(|| format!("run-{id}"));
                catalogue::check_name("run", &run_name)?;
                let run_key = key(&entity, &project, &run_name);
                state.runs.insert(run_key.clone(), new_run(id, &entity, &project, run_name));
                run_key
            }
        };
        let run = state.runs.get_mut(&run_key).ok_or_else(|| OpError::internal("run vanished"))?;
        let updates = [
            (&mut run.display_name, &display_name),
            (&mut run.description, &description),
            (&mut run.notes, &notes),
            (&mut run.config, &config),
            (&mut run.summary, &summary),
        ];
        for (field, update) in updates {
            if update.is_some() {
                field.clone_from(update);
            }
        }
        if let Some(tags) = &tags {
            run.tags.clone_from(tags);
        }
        Ok((run.clone(), inserted))
    })?;
    Ok(json!({
        "upsertBucket": {
            "bucket": {
                "id": ids::encode("Run", run.id),
                "name": run.name,
                "displayName": run.display_name,
                "description": run.description,
                "config": run.config.as_deref().unwrap_or("{}"),
                "sweepName": null,
                "project": {
                    "id": ids::encode("Project", format!("{}/{}", run.entity, run.project)),
                    "name": run.project,
                    "entity": { "id": ids::encode("Entity", &run.entity), "name": run.entity },
                },
                "historyLineCount": run.stream_lines.get("wandb-history.jsonl").copied().unwrap_or(0),
            },
            "inserted": inserted,
        }
    }))
}

fn new_run(id: u64, entity: &str, project: &str, name: String) -> Run {
    Run {
        id,
        entity: entity.to_owned(),
        project: project.to_owned(),
        name,
        display_name: None,
        config: None,
        tags: Vec::new(),
        description: None,
        notes: None,
        summary: None,
        stream_lines: Default::default(),
        used_artifacts: Vec::new(),
        files: Vec::new(),
    }
}

/// Signed upload URLs for the run files the SDK writes at finish.
pub fn create_run_files(app: &App, vars: &Vars<'_>) -> Result<Value, OpError> {
    let entity = entity_or_default(app, vars, "entity")?;
    let project = vars.str("project")?;
    let run = vars.str("run")?;
    let files = vars.str_list("files")?;
    let run_id = app
        .catalogue
        .read(|state| state.runs.get(&key(entity, project, run)).map(|run| run.id))
        .ok_or_else(|| OpError::not_found(format!("run {entity}/{project}/{run} not found")))?;
    let files: Vec<Value> = files
        .iter()
        .map(|name| json!({ "name": name, "uploadUrl": app.run_file_upload_url(entity, project, run, name) }))
        .collect();
    Ok(json!({ "createRunFiles": { "runID": ids::encode("Run", run_id), "uploadHeaders": [], "files": files } }))
}

/// Records an uploaded run file (`entity/project/run/name`) on its run.
pub fn record_run_file(app: &App, file_key: &str) -> Result<(), OpError> {
    let mut parts = file_key.splitn(4, '/');
    let (Some(entity), Some(project), Some(run), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OpError::bad_input(format!("{file_key:?} is not entity/project/run/file")));
    };
    app.catalogue.update(|state| {
        let run = state.runs.get_mut(&key(entity, project, run)).ok_or_else(|| OpError::not_found("no such run"))?;
        if !run.files.iter().any(|known| known == name) {
            run.files.push(name.to_owned());
        }
        Ok(())
    })
}

/// Keeps what resume needs from a file_stream request: lines per file (offset + new lines) and the summary.
/// Requests for unknown runs are accepted and ignored (the SDK retries non-2xx answers for days).
pub fn file_stream(app: &App, entity: &str, project: &str, run: &str, request: &Value) -> Result<(), OpError> {
    let Some(files) = request.get("files").and_then(Value::as_object) else {
        return Ok(());
    };
    app.catalogue.update(|state| {
        let Some(run) = state.runs.get_mut(&key(entity, project, run)) else {
            return Ok(());
        };
        for (file, chunk) in files {
            let offset = chunk.get("offset").and_then(Value::as_u64).unwrap_or(0);
            let lines = chunk.get("content").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
            if file == "wandb-summary.json" {
                if let Some(summary) = lines.last().and_then(Value::as_str) {
                    run.summary = Some(summary.to_owned());
                }
            } else {
                let count = run.stream_lines.entry(file.clone()).or_insert(0);
                *count = (*count).max(offset + lines.len() as u64);
            }
        }
        Ok(())
    })
}
