//! Config of the `run_launch_agent` and `run_launch_job` ops (reference §11).
//!
//! No rule for `synchronous`: it is not only used with a queue. Without a queue the op passes the whole config,
//! `synchronous` included, to the local launch call, which waits for the run when it is true (§11.3) — so
//! `synchronous` without `queue` is meaningful and does not deserve a warning.

use serde_json::Value;

use super::super::diagnostic::Findings;
use super::naming::{bad_chars, check_run_id, list_chars};
use super::{Object, at, duplicates, flagged, is_blank, member, string, string_items};

/// Keys that tell W&B Launch what to run.
const SOURCES: [&str; 3] = ["uri", "job", "docker_image"];

/// Checks a `run_launch_agent` configuration block.
pub(super) fn check_agent(object: &Object, pointer: &str, findings: &mut Findings) {
    if let Some(max_jobs) = object.get("max_jobs").and_then(Value::as_i64) {
        let max_pointer = at(pointer, "max_jobs");
        if max_jobs != -1 && max_jobs < 1 && !flagged(findings, &max_pointer) {
            findings
                .error("invalid-max-jobs", max_pointer, "'max_jobs' must be at least 1, or -1 for no limit")
                .hint("the default is 1");
        }
    }
    let queues = string_items(object, "queues", pointer);
    for (queue_pointer, queue) in &queues {
        empty_queue(queue, queue_pointer, findings);
    }
    duplicates(&queues, "duplicate-queue", "queue", findings);
}

/// Checks a `run_launch_job` configuration block.
pub(super) fn check_job(object: &Object, pointer: &str, findings: &mut Findings) {
    let has_source =
        SOURCES.iter().any(|key| member(object, key).is_some_and(|value| !value.as_str().is_some_and(is_blank)));
    // A schema that encodes "one of these is required" reports at the block itself; do not repeat it.
    if !has_source && !flagged(findings, pointer) {
        findings
            .error(
                "missing-launch-source",
                pointer,
                "a launch job needs one of 'uri', 'job' or 'docker_image' to know what to run",
            )
            .hint("for example job: my-entity/my-project/my-job:latest");
    }
    if let Some(job) = string(object, "job") {
        let job_pointer = at(pointer, "job");
        if let Some(problem) = job_problem(job).filter(|_| !flagged(findings, &job_pointer)) {
            findings
                .error("invalid-job-name", job_pointer, problem)
                .hint("write the job as [entity/project/]name[:alias], e.g. wandb/test/my-job:latest");
        }
    }
    if let Some(queue) = string(object, "queue") {
        // Upstream only checks `queue is None`, so an empty name goes to launch_add as a queue name.
        empty_queue(queue, &at(pointer, "queue"), findings);
    }
    check_entry_point(object, pointer, findings);
    if let Some(run_id) = string(object, "run_id").filter(|id| !id.is_empty()) {
        check_run_id(run_id, &at(pointer, "run_id"), findings);
    }
}

fn empty_queue(queue: &str, pointer: &str, findings: &mut Findings) {
    if is_blank(queue) && !flagged(findings, pointer) {
        findings
            .error("empty-queue-name", pointer, "the queue name is empty")
            .hint("give the name of a W&B Launch queue");
    }
}

/// `entry_point` is the command line of the run: an empty list or an empty word is a mistake.
fn check_entry_point(object: &Object, pointer: &str, findings: &mut Findings) {
    let Some(words) = object.get("entry_point").and_then(Value::as_array) else {
        return;
    };
    let list_pointer = at(pointer, "entry_point");
    if words.is_empty() {
        if !flagged(findings, &list_pointer) {
            findings
                .error("invalid-entry-point", list_pointer, "'entry_point' is an empty list")
                .hint("give the command as a list of words, e.g. [python, train.py], or remove it for the default");
        }
        return;
    }
    for (word_pointer, word) in string_items(object, "entry_point", pointer) {
        if is_blank(word) && !flagged(findings, &word_pointer) {
            findings
                .error("invalid-entry-point", word_pointer, "this word of 'entry_point' is empty")
                .hint("remove it");
        }
    }
}

/// Why `job` is not a `[entity/project/]name[:alias]` job reference, if it is not.
fn job_problem(job: &str) -> Option<String> {
    let (path, alias) = match job.split_once(':') {
        Some((path, alias)) => (path, Some(alias)),
        None => (job, None),
    };
    if let Some(alias) = alias {
        if alias.is_empty() {
            return Some("the job's alias after ':' is empty".to_owned());
        }
        let bad = bad_chars(alias, |c| c != '/' && c != ':' && !c.is_whitespace());
        if !bad.is_empty() {
            return Some(format!("the job's alias contains {}", list_chars(&bad)));
        }
    }
    let parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 3 {
        return Some("the job reference has more than three '/'-separated parts".to_owned());
    }
    if parts.iter().any(|part| part.is_empty()) {
        return Some("the job reference has an empty entity, project or name part".to_owned());
    }
    let (name, scope) = parts.split_last()?;
    let bad = bad_chars(name, |c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !bad.is_empty() {
        return Some(format!(
            "the job name contains {}, but job names may only contain letters, digits, '-', '_' and '.'",
            list_chars(&bad)
        ));
    }
    let bad: Vec<char> =
        scope.iter().flat_map(|part| bad_chars(part, |c| !"\\#?%".contains(c) && !c.is_whitespace())).collect();
    if !bad.is_empty() {
        return Some(format!("the job's entity or project contains {}", list_chars(&bad)));
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::kind::Kind;
    use super::super::harness::default_codes;

    fn agent(value: Value) -> Vec<&'static str> {
        default_codes(Kind::LaunchAgent, &value)
    }

    fn job(value: Value) -> Vec<&'static str> {
        default_codes(Kind::LaunchJob, &value)
    }

    #[test]
    fn guide_style_configs_are_clean() {
        assert!(agent(json!({"queues": ["my_dagster_queue"], "max_jobs": 2})).is_empty());
        assert!(agent(json!({"max_jobs": -1})).is_empty());
        assert!(agent(json!({})).is_empty());
        let launch = json!({
            "job": "wandb/jobs/Hello World:latest",
            "queue": "my_dagster_queue",
            "resource": "local-container",
            "entry_point": ["python", "train.py"],
            "synchronous": false
        });
        assert_eq!(job(launch), ["invalid-job-name"], "spaces are not allowed in job names");
        assert!(job(json!({"job": "wandb/jobs/hello-world:latest", "queue": "q", "synchronous": false})).is_empty());
        assert!(
            job(json!({"uri": "https://wandb.ai/my-entity/my-project/runs/abc123", "synchronous": true})).is_empty()
        );
        assert!(job(json!({"docker_image": "my-image:1.0", "run_id": "abc123"})).is_empty());
        assert!(job(json!({"job": "my-job"})).is_empty());
        assert!(job(json!({"job": "my-project/my-job:v3"})).is_empty());
    }

    #[test]
    fn max_jobs() {
        for bad in [0, -2, -100] {
            assert_eq!(agent(json!({ "max_jobs": bad })), ["invalid-max-jobs"], "{bad}");
        }
        assert!(agent(json!({"max_jobs": "2"})).is_empty(), "a wrong type is the schema's");
    }

    #[test]
    fn queues() {
        assert_eq!(agent(json!({"queues": ["a", ""]})), ["empty-queue-name"]);
        assert_eq!(agent(json!({"queues": ["a", "b", "a"]})), ["duplicate-queue"]);
        assert_eq!(job(json!({"job": "j", "queue": " "})), ["empty-queue-name"]);
    }

    #[test]
    fn launch_source_is_required() {
        assert_eq!(job(json!({"queue": "q"})), ["missing-launch-source"]);
        assert_eq!(job(json!({"uri": "", "synchronous": true})), ["missing-launch-source"]);
        assert!(job(json!({"uri": 3})).is_empty(), "a wrong type is the schema's");
    }

    #[test]
    fn job_names() {
        for bad in ["a/b/c/d", "e//n", "n:", "n:a:b", "e/p/my job", "e/p/n:al/ias", "e%/p/n"] {
            assert_eq!(job(json!({ "job": bad })), ["invalid-job-name"], "{bad}");
        }
    }

    #[test]
    fn entry_points() {
        assert_eq!(job(json!({"job": "j", "entry_point": []})), ["invalid-entry-point"]);
        assert_eq!(job(json!({"job": "j", "entry_point": ["python", ""]})), ["invalid-entry-point"]);
    }

    #[test]
    fn run_ids_to_reproduce() {
        assert_eq!(job(json!({"job": "j", "run_id": "a:b"})), ["invalid-run-id"]);
    }
}
