//! Resource caps for the pickle VM. Exceeding one is a `resource-limit` error, never "unsafe" or
//! "malformed". The defaults leave ample room for benign payloads of 10⁷ elements (a 10⁷-float list, a
//! 10⁷-element ndarray, 10⁶ small dicts); together with the host's memory cap and deadline they bound
//! what any payload can cost.

/// Configurable caps. Declared lengths are additionally always checked against the remaining input
/// before anything is allocated, whatever the caps say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PickleLimits {
    /// Opcodes executed over the whole stream.
    pub max_opcodes: u64,
    /// Items on the VM stack at once.
    pub max_stack: usize,
    /// Open MARKs at once.
    pub max_mark_depth: usize,
    /// Memo entries per pickle.
    pub max_memo: usize,
    /// Bytes of one integer (LONG4 / LONG1 / text LONG); text ints are also capped at CPython's 4300 digits.
    pub max_bigint_bytes: usize,
    /// Nodes in the decoded graph.
    pub max_nodes: usize,
    /// Items in one container (list, tuple, dict pairs, set, array of objects).
    pub max_container_items: usize,
    /// Bytes of one ndarray's element data (in-band, out-of-band or joblib inline).
    pub max_array_bytes: u64,
    /// Concatenated pickles in one stream.
    pub max_pickles: usize,
    /// Findings kept in the report (further ones are counted, not stored).
    pub max_findings: usize,
}

impl Default for PickleLimits {
    fn default() -> Self {
        PickleLimits {
            max_opcodes: 2_000_000_000,
            max_stack: 50_000_000,
            max_mark_depth: 100_000,
            max_memo: 50_000_000,
            max_bigint_bytes: 1 << 20,
            max_nodes: 200_000_000,
            max_container_items: 100_000_000,
            max_array_bytes: 4 << 30,
            max_pickles: 10_000,
            max_findings: 10_000,
        }
    }
}
