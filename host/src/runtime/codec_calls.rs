//! Calls of the `codec` interface. Every payload call runs in a fresh instance (pooled, ~tens of µs), so a
//! hostile payload cannot leave anything behind for the next one; results are checked against the output cap.

use super::{Sandbox, SandboxError, codec};

impl Sandbox {
    /// Decodes an untrusted payload into the value model. The outer error is the sandbox failing (limit,
    /// deadline, fault); the inner one is the payload being refused (unsafe, malformed, ...).
    pub fn decode(
        &self,
        payload: &[u8],
        options: &codec::DecodeOptions,
    ) -> Result<Result<codec::Decoded, codec::PayloadError>, SandboxError> {
        let outcome =
            self.call_fresh(|store, guest| guest.wandguard_sandbox_codec().call_decode(store, payload, *options))?;
        if let Ok(decoded) = &outcome {
            self.check_output(decoded.value.len())?;
        }
        Ok(outcome)
    }

    /// Scans an untrusted payload and reports what it would do under CPython.
    pub fn scan(
        &self,
        payload: &[u8],
        limits: Option<codec::PayloadLimits>,
    ) -> Result<codec::ScanReport, SandboxError> {
        self.call_fresh(|store, guest| guest.wandguard_sandbox_codec().call_scan(store, payload, limits))
    }

    /// Encodes a value-model document (msgpack or JSON) into a pickle or joblib payload.
    pub fn encode(
        &self,
        value: &[u8],
        options: &codec::EncodeOptions,
    ) -> Result<Result<Vec<u8>, codec::PayloadError>, SandboxError> {
        let outcome =
            self.call_fresh(|store, guest| guest.wandguard_sandbox_codec().call_encode(store, value, *options))?;
        if let Ok(bytes) = &outcome {
            self.check_output(bytes.len())?;
        }
        Ok(outcome)
    }

    /// HMAC-SHA256 of `payload` under `key` (computed in the sandbox; the key is not kept).
    pub fn sign(&self, payload: &[u8], key: &[u8]) -> Result<Vec<u8>, SandboxError> {
        self.call_fresh(|store, guest| guest.wandguard_sandbox_codec().call_sign(store, payload, key))
    }

    /// Whether `signature` is the HMAC-SHA256 of `payload` under `key`.
    pub fn verify(&self, payload: &[u8], signature: &[u8], key: &[u8]) -> Result<bool, SandboxError> {
        self.call_fresh(|store, guest| guest.wandguard_sandbox_codec().call_verify(store, payload, signature, key))
    }
}
