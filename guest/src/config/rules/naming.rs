//! W&B's character rules for the names the integration passes to the SDK (reference §3.1, §4.4, §4.7; SDK 0.29):
//! artifact names, types, aliases, versions, run ids and run tags.

use super::super::diagnostic::Findings;
use super::flagged;

/// Longest artifact name W&B accepts (`Artifact name is longer than 128 characters`).
const NAME_MAX: usize = 128;
/// Longest artifact type W&B accepts.
const TYPE_MAX: usize = 128;
/// Longest run tag W&B accepts.
const TAG_MAX: usize = 64;
/// Characters `wandb.init` rejects in a run id ("Run ID cannot contain the characters: :;,#?/'").
const RUN_ID_REJECTED: &str = ":;,#?/'";
/// Characters the integration's `run_id` description forbids although the SDK accepts them.
const RUN_ID_DISCOURAGED: &str = "\\%";

/// The distinct characters of `text` that `allowed` rejects, in order of first appearance.
pub(super) fn bad_chars(text: &str, allowed: impl Fn(char) -> bool) -> Vec<char> {
    let mut bad: Vec<char> = Vec::new();
    for ch in text.chars() {
        if !allowed(ch) && !bad.contains(&ch) {
            bad.push(ch);
        }
    }
    bad
}

/// Characters for a message: quoted, escaped when they are control characters, comma-separated.
pub(super) fn list_chars(chars: &[char]) -> String {
    chars.iter().map(|ch| format!("{ch:?}")).collect::<Vec<_>>().join(", ")
}

/// The regex `^[A-Za-z0-9_.-]+$` W&B applies to artifact names, one character at a time.
fn is_name_char(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.')
}

/// Checks the artifact name W&B will see. With `partitioned`, `.<partition_key>` is appended at run time, which
/// cannot be counted statically; the name must at least leave room for it, and hints say so.
pub(super) fn check_artifact_name(name: &str, pointer: &str, partitioned: bool, findings: &mut Findings) {
    if flagged(findings, pointer) {
        return;
    }
    let length = name.chars().count();
    let bad = bad_chars(name, is_name_char);
    let (message, hint) = if name.is_empty() {
        ("the artifact name is empty".to_owned(), "give a name made of letters, digits, '-', '_' and '.'".to_owned())
    } else if !bad.is_empty() {
        let hint = if bad.contains(&':') {
            "':' separates a name from its version or alias; use 'alias'/'version' (reads) or 'aliases' (writes)"
        } else {
            "replace them, for example with '-' or '_'"
        };
        (
            format!(
                "the artifact name contains {}, but W&B artifact names may only contain letters, digits, '-', '_' and '.'",
                list_chars(&bad)
            ),
            hint.to_owned(),
        )
    } else if length > NAME_MAX {
        (
            format!("the artifact name is {length} characters long, but W&B allows at most {NAME_MAX}"),
            "shorten it".to_owned(),
        )
    } else if partitioned && length > NAME_MAX - 2 {
        (
            format!(
                "the artifact name is {length} characters long, which leaves no room for the '.<partition_key>' suffix within W&B's limit of {NAME_MAX}"
            ),
            "shorten it".to_owned(),
        )
    } else {
        return;
    };
    let hint = if partitioned {
        format!(
            "{hint}; partition keys are appended as '.<partition_key>', so the keys must follow the same rules and the whole name must stay within {NAME_MAX} characters"
        )
    } else {
        hint
    };
    findings.error("invalid-artifact-name", pointer, message).hint(hint);
}

/// Checks an artifact type: reserved types (`job`, `wandb-*`) and W&B's type-name rules.
pub(super) fn check_artifact_type(artifact_type: &str, pointer: &str, findings: &mut Findings) {
    if flagged(findings, pointer) {
        return;
    }
    if artifact_type == "job" || artifact_type.starts_with("wandb-") {
        findings
            .error(
                "reserved-artifact-type",
                pointer,
                format!("the artifact type '{artifact_type}' is reserved for W&B's internal use"),
            )
            .hint("use a type of your own, such as 'dataset' or 'model'");
        return;
    }
    let bad = bad_chars(artifact_type, |ch| ch != '/' && ch != ':');
    let length = artifact_type.chars().count();
    let message = if artifact_type.is_empty() {
        "the artifact type is empty".to_owned()
    } else if !bad.is_empty() {
        format!("the artifact type contains {}, which W&B artifact types cannot contain", list_chars(&bad))
    } else if length > TYPE_MAX {
        format!("the artifact type is {length} characters long, but W&B allows at most {TYPE_MAX}")
    } else {
        return;
    };
    findings
        .error("invalid-artifact-type", pointer, message)
        .hint("omit 'type' to get the default 'artifact', or use a short plain word");
}

/// The characters of `alias` that W&B rejects in aliases ('/' and ':').
pub(super) fn alias_bad_chars(alias: &str) -> Vec<char> {
    bad_chars(alias, |ch| ch != '/' && ch != ':')
}

/// Reports `invalid-alias` when `alias` contains a character W&B rejects; returns whether it did.
pub(super) fn check_alias_chars(alias: &str, pointer: &str, findings: &mut Findings) -> bool {
    let bad = alias_bad_chars(alias);
    if bad.is_empty() || flagged(findings, pointer) {
        return false;
    }
    findings
        .error(
            "invalid-alias",
            pointer,
            format!("the alias contains {}, which W&B aliases cannot contain", list_chars(&bad)),
        )
        .hint("'/' and ':' separate entity, project, name and alias in artifact paths; choose another separator");
    true
}

/// Whether `text` is a W&B version identifier such as `v0` or `v12`.
pub(super) fn is_version(text: &str) -> bool {
    text.strip_prefix('v').is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks a non-empty W&B run id against what `wandb.init` accepts.
pub(super) fn check_run_id(run_id: &str, pointer: &str, findings: &mut Findings) {
    if flagged(findings, pointer) {
        return;
    }
    let rejected = bad_chars(run_id, |ch| !RUN_ID_REJECTED.contains(ch));
    if run_id.trim() != run_id {
        findings
            .error("invalid-run-id", pointer, "the run id starts or ends with whitespace, which W&B rejects")
            .hint("remove the surrounding whitespace");
    } else if !rejected.is_empty() {
        findings
            .error(
                "invalid-run-id",
                pointer,
                format!("the run id contains {}, which W&B run ids cannot contain", list_chars(&rejected)),
            )
            .hint("use letters, digits, '-' and '_'");
    } else {
        let discouraged = bad_chars(run_id, |ch| !RUN_ID_DISCOURAGED.contains(ch));
        if !discouraged.is_empty() {
            findings
                .warning(
                    "discouraged-run-id-character",
                    pointer,
                    format!(
                        "the run id contains {}, which the integration's documentation forbids although the SDK accepts it",
                        list_chars(&discouraged)
                    ),
                )
                .hint("these characters are not URL-safe, so links to the run may break; use letters, digits, '-' and '_'");
        }
    }
}

/// Checks one run tag: W&B accepts 1 to 64 characters.
pub(super) fn check_run_tag(tag: &str, pointer: &str, findings: &mut Findings) {
    if flagged(findings, pointer) {
        return;
    }
    let length = tag.chars().count();
    if length == 0 {
        findings
            .error("invalid-run-tag", pointer, "the run tag is empty, but W&B tags need 1 to 64 characters")
            .hint("remove it");
    } else if length > TAG_MAX {
        findings
            .error(
                "invalid-run-tag",
                pointer,
                format!("the run tag is {length} characters long, but W&B allows at most {TAG_MAX}"),
            )
            .hint("shorten it");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(check: impl Fn(&mut Findings)) -> Vec<&'static str> {
        let mut findings = Findings::default();
        check(&mut findings);
        findings.codes()
    }

    #[test]
    fn artifact_names_follow_the_sdk_regex_and_length() {
        for good in ["my_dataset", "model-v2.final", &"a".repeat(128)] {
            assert!(codes(|f| check_artifact_name(good, "/name", false, f)).is_empty(), "{good}");
        }
        for bad in ["", "my dataset", "team/model", "model:v1", "naïve", &"a".repeat(129)] {
            assert_eq!(codes(|f| check_artifact_name(bad, "/name", false, f)), ["invalid-artifact-name"], "{bad}");
        }
    }

    #[test]
    fn partitioned_names_leave_room_for_the_suffix() {
        assert!(codes(|f| check_artifact_name(&"a".repeat(126), "/name", true, f)).is_empty());
        assert_eq!(codes(|f| check_artifact_name(&"a".repeat(127), "/name", true, f)), ["invalid-artifact-name"]);
        let mut findings = Findings::default();
        check_artifact_name("bad name", "/name", true, &mut findings);
        assert_eq!(findings.codes(), ["invalid-artifact-name"]);
    }

    #[test]
    fn artifact_types() {
        assert!(codes(|f| check_artifact_type("dataset", "/type", f)).is_empty());
        assert_eq!(codes(|f| check_artifact_type("job", "/type", f)), ["reserved-artifact-type"]);
        assert_eq!(codes(|f| check_artifact_type("wandb-history", "/type", f)), ["reserved-artifact-type"]);
        assert!(codes(|f| check_artifact_type("jobs", "/type", f)).is_empty());
        for bad in ["", "a/b", "a:b", &"t".repeat(129)] {
            assert_eq!(codes(|f| check_artifact_type(bad, "/type", f)), ["invalid-artifact-type"], "{bad}");
        }
    }

    #[test]
    fn aliases_and_versions() {
        assert!(!check_alias_chars("production", "/a", &mut Findings::default()));
        assert!(check_alias_chars("prod/eu", "/a", &mut Findings::default()));
        assert!(check_alias_chars("v:1", "/a", &mut Findings::default()));
        assert!(is_version("v0") && is_version("v42"));
        assert!(
            !is_version("v") && !is_version("latest") && !is_version("V1") && !is_version("v1a") && !is_version("1")
        );
    }

    #[test]
    fn run_ids_follow_wandb_init() {
        assert!(codes(|f| check_run_id("7e4df022-1bf2_x.y", "/run_id", f)).is_empty());
        for bad in [" a", "a ", "a:b", "a;b", "a,b", "a#b", "a?b", "a/b", "a'b"] {
            assert_eq!(codes(|f| check_run_id(bad, "/run_id", f)), ["invalid-run-id"], "{bad}");
        }
        assert_eq!(codes(|f| check_run_id("a%b", "/run_id", f)), ["discouraged-run-id-character"]);
        assert_eq!(codes(|f| check_run_id("a\\b", "/run_id", f)), ["discouraged-run-id-character"]);
    }

    #[test]
    fn run_tags_have_1_to_64_characters() {
        assert!(codes(|f| check_run_tag("nightly", "/t", f)).is_empty());
        assert!(codes(|f| check_run_tag(&"t".repeat(64), "/t", f)).is_empty());
        assert_eq!(codes(|f| check_run_tag("", "/t", f)), ["invalid-run-tag"]);
        assert_eq!(codes(|f| check_run_tag(&"t".repeat(65), "/t", f)), ["invalid-run-tag"]);
    }

    #[test]
    fn characters_are_listed_once_and_escaped() {
        assert_eq!(list_chars(&bad_chars("a b\tc d", |c| c.is_alphanumeric())), "' ', '\\t'");
    }
}
