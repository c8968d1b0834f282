//! Calls of the `config` interface. Validation reuses one warm instance, so the schemas are compiled once
//! per process instead of once per call.

use super::{Sandbox, SandboxError, config};

impl Sandbox {
    /// Validates one configuration document inside the sandbox. The outer error is the sandbox failing
    /// (limit, deadline, fault); the inner one is the document being unreadable.
    pub fn validate(
        &self,
        source: &[u8],
        options: &config::Options,
    ) -> Result<Result<config::Report, config::InputError>, SandboxError> {
        let outcome =
            self.call_warm(|store, guest| guest.wandguard_sandbox_config().call_validate(store, source, options))?;
        let size = match &outcome {
            Ok(report) => report.diagnostics.iter().map(diagnostic_size).sum(),
            Err(error) => error.message.len(),
        };
        self.check_output(size)?;
        Ok(outcome)
    }

    /// The JSON Schema of a configuration kind, as embedded in the guest.
    pub fn schema(&self, kind: config::Kind) -> Result<String, SandboxError> {
        let schema = self.call_warm(|store, guest| guest.wandguard_sandbox_config().call_schema(store, kind))?;
        self.check_output(schema.len())?;
        Ok(schema)
    }
}

fn diagnostic_size(diagnostic: &config::Diagnostic) -> usize {
    const FIXED_FIELDS: usize = 16;
    diagnostic.code.len()
        + diagnostic.pointer.len()
        + diagnostic.message.len()
        + diagnostic.hint.as_ref().map_or(0, String::len)
        + FIXED_FIELDS
}
