//! `wandb_resource` (reference §2.1–2.2) and the `wandb_config` values resource (§2.3, §11.3).

use serde_json::Value;

use super::super::diagnostic::Findings;
use super::naming::{bad_chars, list_chars};
use super::{Object, at, flagged, is_blank, string};

/// The host the integration treats as W&B cloud, compared as an exact string (§7).
const CLOUD_HOST: &str = "https://api.wandb.ai";
/// Characters W&B project names cannot contain.
const PROJECT_FORBIDDEN: &str = "/\\#?%:";

/// Checks a `wandb_resource` configuration block.
pub(super) fn check_resource(object: &Object, pointer: &str, findings: &mut Findings) {
    check_api_key(object, pointer, findings);
    if let Some(host) = string(object, "host") {
        check_host(host, &at(pointer, "host"), findings);
    }
}

/// `api_key` is a Dagster `StringSource`: a literal or `{env: VAR}`. No message may contain the key.
fn check_api_key(object: &Object, pointer: &str, findings: &mut Findings) {
    let key_pointer = at(pointer, "api_key");
    match object.get("api_key") {
        Some(Value::String(_)) if !flagged(findings, &key_pointer) => {
            findings
                .warning(
                    "literal-api-key",
                    key_pointer,
                    "the W&B API key is written into the configuration in plain text",
                )
                .hint("read it from the environment instead: api_key: {env: WANDB_API_KEY}");
        }
        Some(Value::Object(source)) => {
            let Some(variable) = string(source, "env") else {
                return;
            };
            let env_pointer = at(&key_pointer, "env");
            if flagged(findings, &env_pointer) {
                return;
            }
            if variable.is_empty() {
                findings
                    .error("empty-env-var", env_pointer, "the environment variable name is empty")
                    .hint("name the variable holding the key, e.g. WANDB_API_KEY");
            } else if looks_like_api_key(variable) {
                // Deliberately vague: the value may be the secret itself.
                findings
                    .error("invalid-env-var", env_pointer, "'env' must name an environment variable, but this value looks like an API key")
                    .hint("put the key into an environment variable (e.g. WANDB_API_KEY) and write that variable's name here; rotate the key if this file was shared");
            } else if !is_env_name(variable) {
                findings
                    .error("invalid-env-var", env_pointer, "the environment variable name must consist of letters, digits and '_' and not start with a digit")
                    .hint("for example WANDB_API_KEY");
            }
        }
        _ => {}
    }
}

/// `^[A-Za-z_][A-Za-z0-9_]*$`
fn is_env_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// W&B API keys are 40 hexadecimal characters (newer keys are longer, with a prefix); variable names are short and
/// usually upper-case. A long name mixing lower-case letters and digits is almost certainly a pasted key.
fn looks_like_api_key(text: &str) -> bool {
    text.len() >= 40
        && text.chars().any(|c| c.is_ascii_digit())
        && text.chars().any(|c| c.is_ascii_lowercase())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `host` is the W&B API base URL; the SDK talks to `<host>/graphql` with the key as HTTP Basic password.
fn check_host(host: &str, pointer: &str, findings: &mut Findings) {
    if flagged(findings, pointer) {
        return;
    }
    let lower = host.to_ascii_lowercase();
    let (secure, rest) = match (lower.strip_prefix("https://"), lower.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => {
            invalid_host(pointer, "the host must be a URL starting with https:// or http://", findings);
            return;
        }
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let (hostname, port) = split_port(authority);
    let problem = if host.chars().any(char::is_whitespace) {
        Some("the host URL contains whitespace")
    } else if rest.contains(['?', '#']) {
        Some("the host URL must not contain a query or fragment")
    } else if authority.contains('@') {
        Some("the host URL must not contain credentials; the API key is sent separately")
    } else if hostname.is_empty() {
        Some("the host URL has no host name")
    } else if port.is_some_and(|p| p.parse::<u16>().map_or(true, |n| n == 0)) {
        Some("the host URL has an invalid port")
    } else if !hostname.starts_with('[') && !hostname.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        Some("the host name contains characters a host name cannot contain")
    } else {
        None
    };
    if let Some(message) = problem {
        invalid_host(pointer, message, findings);
        return;
    }
    if !secure && !is_loopback(hostname) {
        findings
            .warning(
                "insecure-host",
                pointer,
                "the host uses plain http://, so the API key crosses the network unencrypted",
            )
            .hint("use https:// unless the server is on this machine");
    }
    if host.ends_with('/') {
        let hint = if host.trim_end_matches('/') == CLOUD_HOST {
            "the integration compares the host with 'https://api.wandb.ai' exactly, so with the '/' its artifact links point at the API host instead of https://wandb.ai"
        } else {
            "W&B strips it at login; remove it so every use of the host agrees"
        };
        findings.warning("host-trailing-slash", pointer, "the host ends with '/'").hint(hint);
    }
}

fn invalid_host(pointer: &str, message: &str, findings: &mut Findings) {
    findings
        .error("invalid-host", pointer, message)
        .hint("for example https://api.wandb.ai or https://wandb.example.com");
}

/// Splits `host[:port]` (with `[v6]` literals), without validating either part.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.split_once(']') {
            Some((v6, rest)) if v6.len() > 1 => (&authority[..=v6.len()], rest.strip_prefix(':')),
            Some((_, rest)) => ("", rest.strip_prefix(':')),
            None => ("", None),
        };
    }
    match authority.rsplit_once(':') {
        Some((hostname, port)) => (hostname, Some(port)),
        None => (authority, None),
    }
}

fn is_loopback(hostname: &str) -> bool {
    hostname == "localhost" || hostname.ends_with(".localhost") || hostname.starts_with("127.") || hostname == "[::1]"
}

/// Checks a `wandb_config` configuration block (`entity`, `project`).
pub(super) fn check_config(object: &Object, pointer: &str, findings: &mut Findings) {
    for (key, code) in [("entity", "empty-entity"), ("project", "empty-project")] {
        let Some(text) = string(object, key) else {
            continue;
        };
        let member_pointer = at(pointer, key);
        if flagged(findings, &member_pointer) {
            continue;
        }
        if is_blank(text) {
            findings
                .error(
                    code,
                    member_pointer,
                    format!("'{key}' is empty; the launch ops refuse it and W&B cannot resolve a blank {key}"),
                )
                .hint(format!("give the W&B {key} name"));
            continue;
        }
        // Entities are user or team names, which cannot contain whitespace either.
        let (code, no_whitespace) =
            if key == "entity" { ("invalid-entity-name", true) } else { ("invalid-project-name", false) };
        let bad = bad_chars(text, |c| !(PROJECT_FORBIDDEN.contains(c) || (no_whitespace && c.is_whitespace())));
        if !bad.is_empty() {
            findings
                .error(code, member_pointer, format!("the {key} name contains {}, which W&B {key} names cannot contain", list_chars(&bad)))
                .hint(format!("the {key} is one segment of 'entity/project/artifact:alias' paths; use letters, digits, '-' and '_'"));
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::diagnostic::Findings;
    use super::super::super::kind::{Kind, Options};
    use super::super::check;
    use super::super::harness::default_codes;

    fn resource(value: Value) -> Vec<&'static str> {
        default_codes(Kind::WandbResource, &value)
    }

    fn config(value: Value) -> Vec<&'static str> {
        default_codes(Kind::WandbConfig, &value)
    }

    #[test]
    fn guide_style_configs_are_clean() {
        assert!(resource(json!({"api_key": {"env": "WANDB_API_KEY"}})).is_empty());
        assert!(resource(json!({"api_key": {"env": "WANDB_API_KEY"}, "host": "https://api.wandb.ai"})).is_empty());
        assert!(resource(json!({"api_key": {"env": "_K1"}, "host": "http://localhost:8080"})).is_empty());
        assert!(resource(json!({"api_key": {"env": "K"}, "host": "https://wandb.example.com:8443/base"})).is_empty());
        assert!(config(json!({"entity": "my-team", "project": "my_project"})).is_empty());
    }

    #[test]
    fn literal_api_keys_warn_without_echoing_the_key() {
        let secret = "0123456789abcdef0123456789abcdef01234567";
        let mut findings = Findings::default();
        check(Kind::WandbResource, &json!({ "api_key": secret }), "", &Options::default(), &mut findings);
        assert_eq!(findings.codes(), ["literal-api-key"]);
        let rendered = format!("{findings:?}");
        assert!(!rendered.contains(secret));
    }

    #[test]
    fn env_sources() {
        assert_eq!(resource(json!({"api_key": {"env": ""}})), ["empty-env-var"]);
        assert_eq!(resource(json!({"api_key": {"env": "1KEY"}})), ["invalid-env-var"]);
        assert_eq!(resource(json!({"api_key": {"env": "WANDB-KEY"}})), ["invalid-env-var"]);
        let pasted = "0123456789abcdef0123456789abcdef01234567";
        let mut findings = Findings::default();
        check(Kind::WandbResource, &json!({"api_key": {"env": pasted}}), "", &Options::default(), &mut findings);
        assert_eq!(findings.codes(), ["invalid-env-var"]);
        assert!(!format!("{findings:?}").contains(pasted));
    }

    #[test]
    fn hosts() {
        let host = |h: &str| resource(json!({"api_key": {"env": "K"}, "host": h}));
        for bad in [
            "api.wandb.ai",
            "ftp://x",
            "https://",
            "https:///x",
            "https://a b",
            "https://h?x=1",
            "https://u:p@h",
            "https://h:99999",
            "https://h_x",
        ] {
            assert_eq!(host(bad), ["invalid-host"], "{bad}");
        }
        assert_eq!(host("https://api.wandb.ai/"), ["host-trailing-slash"]);
        assert_eq!(host("https://wandb.example.com/"), ["host-trailing-slash"]);
        assert_eq!(host("http://wandb.example.com"), ["insecure-host"]);
        assert!(host("http://127.0.0.1:8080").is_empty());
        assert!(host("http://[::1]:8080").is_empty());
        assert!(host("HTTPS://API.WANDB.AI").is_empty());
    }

    #[test]
    fn entity_and_project() {
        assert_eq!(config(json!({"entity": "", "project": "p"})), ["empty-entity"]);
        assert_eq!(config(json!({"entity": "e", "project": "  "})), ["empty-project"]);
        assert_eq!(config(json!({"entity": "e", "project": "a/b"})), ["invalid-project-name"]);
        assert_eq!(config(json!({"entity": "e", "project": "50%"})), ["invalid-project-name"]);
        assert_eq!(config(json!({"entity": "my team", "project": "p"})), ["invalid-entity-name"]);
        assert!(config(json!({"entity": 1, "project": null})).is_empty());
    }
}
