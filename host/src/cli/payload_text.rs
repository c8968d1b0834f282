//! Human-readable lines for payload findings and refusals, shared by `decode`, `scan` and `encode`.

use wandguard::codec::{Finding, FindingSeverity, PayloadError};

/// `offset 42 STACK_GLOBAL os.system [danger] <message>`.
pub fn finding_line(finding: &Finding) -> String {
    let global = match (&finding.module, &finding.qualname) {
        (Some(module), Some(qualname)) => format!(" {module}.{qualname}"),
        _ => String::new(),
    };
    format!(
        "offset {} {}{global} [{}] {}",
        finding.offset,
        finding.opcode,
        severity_name(finding.severity),
        finding.message
    )
}

/// Lower-case severity name.
pub fn severity_name(severity: FindingSeverity) -> &'static str {
    match severity {
        FindingSeverity::Info => "info",
        FindingSeverity::Warning => "warning",
        FindingSeverity::Danger => "danger",
    }
}

/// `refused [unsafe] at offset 42 (REDUCE): <message>` followed by the findings, one per line.
pub fn refusal(path: &str, error: &PayloadError) -> String {
    let opcode = error.opcode.as_ref().map(|op| format!(" ({op})")).unwrap_or_default();
    let mut text = format!("{path}: refused [{}] at offset {}{opcode}: {}\n", error.code, error.offset, error.message);
    for finding in &error.findings {
        text.push_str(&format!("  {}\n", finding_line(finding)));
    }
    text
}
