//! GraphQL over HTTP, the way the `wandb` SDK speaks it: the operation is named in the query text (requests
//! relayed from Python carry an empty `operationName`), and each operation has a handler that returns the
//! `data` object. Handlers answer with every field the SDK's queries select (a superset is fine: clients ignore
//! fields they did not ask for); errors go back as a GraphQL `errors` array naming the operation.

use serde_json::{Value, json};

use super::routes::App;
use super::{ops_fetch, ops_log, ops_runs};

/// A failed operation: a message for the client's `errors` array.
#[derive(Debug)]
pub struct OpError {
    /// Stable code (`bad-input`, `not-found`, `internal`, `unsupported`) in `extensions.code`.
    pub code: &'static str,
    /// What went wrong.
    pub message: String,
}

impl OpError {
    /// The request is malformed or asks for something invalid.
    pub fn bad_input(message: impl Into<String>) -> Self {
        Self { code: "bad-input", message: message.into() }
    }

    /// The named object does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self { code: "not-found", message: message.into() }
    }

    /// The server failed (disk, corrupt blob).
    pub fn internal(message: impl Into<String>) -> Self {
        Self { code: "internal", message: message.into() }
    }
}

/// The variables of one request, with typed accessors that fail with a message naming the variable.
pub struct Vars<'a>(&'a Value);

impl<'a> Vars<'a> {
    /// Wraps a variables object (`null` is treated as empty).
    pub fn new(value: &'a Value) -> Self {
        Self(value)
    }

    /// The `input` object when the operation takes one, else the variables themselves (operations such as
    /// UseArtifact and CreateArtifactFiles come in both shapes).
    pub fn input(&self) -> Vars<'a> {
        match self.0.get("input") {
            Some(input) if input.is_object() => Vars(input),
            _ => Vars(self.0),
        }
    }

    /// A variable's raw value.
    pub fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|value| !value.is_null())
    }

    /// An optional string variable.
    pub fn opt_str(&self, name: &str) -> Result<Option<&'a str>, OpError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(OpError::bad_input(format!("variable {name} must be a string"))),
        }
    }

    /// A required string variable.
    pub fn str(&self, name: &str) -> Result<&'a str, OpError> {
        self.opt_str(name)?.ok_or_else(|| OpError::bad_input(format!("variable {name} is required")))
    }

    /// An optional list of strings.
    pub fn str_list(&self, name: &str) -> Result<Vec<String>, OpError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| OpError::bad_input(format!("variable {name} must be a list of strings"))),
            Some(_) => Err(OpError::bad_input(format!("variable {name} must be a list of strings"))),
        }
    }

    /// An optional list of objects.
    pub fn list(&self, name: &str) -> Result<Vec<Vars<'a>>, OpError> {
        match self.get(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) if items.iter().all(Value::is_object) => Ok(items.iter().map(Vars).collect()),
            Some(_) => Err(OpError::bad_input(format!("variable {name} must be a list of objects"))),
        }
    }

    /// An optional non-negative integer.
    pub fn opt_u64(&self, name: &str) -> Result<Option<u64>, OpError> {
        match self.get(name) {
            None => Ok(None),
            Some(value) => {
                value.as_u64().map(Some).ok_or_else(|| OpError::bad_input(format!("variable {name} must be a count")))
            }
        }
    }
}

/// The name of the (first) operation in a GraphQL document: `query Viewer { … }` → `Viewer`. `None` for an
/// anonymous operation.
pub fn operation_name(query: &str) -> Option<&str> {
    let mut rest = query;
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix('#') {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
            continue;
        }
        let word_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(rest.len());
        let (word, after) = rest.split_at(word_end);
        if !matches!(word, "query" | "mutation" | "subscription") {
            return None;
        }
        let after = after.trim_start();
        let name_end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
        return (name_end > 0).then(|| &after[..name_end]);
    }
}

/// Runs one GraphQL request body and returns the response body (`{"data": …}` or `{"errors": […]}`).
pub fn execute(app: &App, body: &[u8]) -> Value {
    let request: Value = match serde_json::from_slice(body) {
        Ok(request @ Value::Object(_)) => request,
        _ => return error_response(None, &OpError::bad_input("the request body is not a JSON object")),
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return error_response(None, &OpError::bad_input("the request has no query"));
    };
    let named = request.get("operationName").and_then(Value::as_str).filter(|name| !name.is_empty());
    let Some(operation) = operation_name(query).or(named) else {
        return error_response(None, &OpError::bad_input("anonymous operations are not supported: name the operation"));
    };
    let variables = request.get("variables").unwrap_or(&Value::Null);
    match dispatch(app, operation, &Vars::new(variables)) {
        Ok(data) => json!({ "data": data }),
        Err(error) => error_response(Some(operation), &error),
    }
}

fn dispatch(app: &App, operation: &str, vars: &Vars<'_>) -> Result<Value, OpError> {
    match operation {
        "Viewer" | "GetDefaultEntity" => Ok(ops_runs::viewer(app)),
        "ServerFeaturesQuery" => Ok(ops_runs::server_features()),
        "OrganizationCoreWeaveOrganizationID" | "FetchOrgInfoFromEntity" => ops_runs::organization(vars),
        "RunResumeStatus" => ops_runs::run_resume_status(app, vars),
        "UpsertBucket" => ops_runs::upsert_bucket(app, vars),
        "CreateRunFiles" => ops_runs::create_run_files(app, vars),
        "ArtifactType" | "ArtifactByName" => ops_fetch::project_artifact(app, vars),
        "CreateArtifact" => ops_log::create_artifact(app, vars),
        "CreateArtifactManifest" | "UpdateArtifactManifest" => ops_log::artifact_manifest(app, vars, operation),
        "CreateArtifactFiles" => ops_log::create_artifact_files(app, vars),
        "CompleteMultipartUploadArtifact" => ops_log::complete_multipart_upload(app, vars),
        "CommitArtifact" => ops_log::commit_artifact(app, vars),
        "ClientIDMapping" => ops_log::client_id_mapping(app, vars),
        "ArtifactByID" => ops_fetch::artifact_by_id(app, vars),
        "ArtifactMembershipByName" => ops_fetch::membership_by_name(app, vars),
        "UseArtifact" => ops_fetch::use_artifact(app, vars),
        "FetchArtifactManifest" | "ArtifactManifest" => ops_fetch::artifact_manifest(app, vars),
        "GetArtifactMembershipFileUrls" => ops_fetch::membership_file_urls(app, vars),
        "ArtifactFileURLs" => ops_fetch::artifact_file_urls(app, vars),
        "LinkArtifact" => ops_fetch::link_artifact(app, vars),
        _ => Err(OpError {
            code: "unsupported",
            message: format!("operation {operation} is not supported by wandguard serve"),
        }),
    }
}

fn error_response(operation: Option<&str>, error: &OpError) -> Value {
    let message = match operation {
        Some(operation) => format!("{operation}: {}", error.message),
        None => error.message.clone(),
    };
    json!({
        "data": null,
        "errors": [{ "message": message, "path": operation.map(|op| vec![op]), "extensions": { "code": error.code } }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_come_from_the_query_text() {
        assert_eq!(operation_name("\nquery Viewer {\n\tviewer { id } }"), Some("Viewer"));
        assert_eq!(operation_name("query ArtifactType($entity: String) { x }"), Some("ArtifactType"));
        assert_eq!(operation_name("\n        mutation UseArtifact($a: ID!) { x }"), Some("UseArtifact"));
        assert_eq!(operation_name("# comment\nmutation CommitArtifact ($artifactID: ID!) {}"), Some("CommitArtifact"));
        assert_eq!(operation_name("{ viewer { id } }"), None);
        assert_eq!(operation_name("query { viewer { id } }"), None);
    }
}
