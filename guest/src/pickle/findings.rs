//! Findings: what a payload references or would do under CPython, each with its byte offset and opcode.
//! The VM records them while decoding; `scan` turns them into a verdict. A bounded sink keeps hostile
//! payloads with millions of globals from growing the list without limit, while the summary flags that
//! drive verdicts are never dropped.

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingSeverity {
    /// Informational: a recognized global, an extra pickle in the stream, a protocol quirk.
    Info,
    /// Not recognized: an unknown global or a code-capable operation on something not recognized.
    Warning,
    /// Known dangerous: a denylisted global or a code-object constructor.
    Danger,
}

impl FindingSeverity {
    /// Stable string form: "info", "warning", "danger".
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Info => "info",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Danger => "danger",
        }
    }
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    /// A global a recognizer understands (severity Info).
    RecognizedGlobal,
    /// A global no recognizer understands (severity Warning).
    UnknownGlobal,
    /// A global on the denylist (severity Danger; the label is in the message).
    DangerousGlobal,
    /// A dill / cloudpickle code, function or class-by-value constructor (severity Danger).
    CodeObject,
    /// A STACK_GLOBAL whose operands are not plain strings: the name cannot be known statically.
    UnresolvableGlobal,
    /// REDUCE / NEWOBJ / OBJ / INST / BUILD / APPEND / SETITEM … on something not recognized.
    CodeCapableOp,
    /// An object whose construction was started but never completed (e.g. `_reconstruct` without BUILD).
    IncompleteObject,
    /// A class or function reference left in the result (not data; refused by `strict` / `data`).
    NonDataValue,
    /// EXT1/2/4: a copyreg extension code.
    ExtensionCode,
    /// PERSID / BINPERSID: a persistent reference resolved by the loader.
    PersistentId,
    /// NEXT_BUFFER / READONLY_BUFFER: an out-of-band buffer.
    OutOfBandBuffer,
    /// Another pickle follows the first one in the stream.
    ExtraPickle,
    /// Bytes after the last pickle that are not a pickle.
    TrailingData,
    /// A protocol oddity (misplaced or repeated PROTO, …).
    ProtocolQuirk,
    /// Some findings were dropped because the configured maximum was reached.
    Truncated,
}

impl FindingKind {
    /// Stable string form (kebab-case).
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::RecognizedGlobal => "recognized-global",
            FindingKind::UnknownGlobal => "unknown-global",
            FindingKind::DangerousGlobal => "dangerous-global",
            FindingKind::CodeObject => "code-object",
            FindingKind::UnresolvableGlobal => "unresolvable-global",
            FindingKind::CodeCapableOp => "code-capable-op",
            FindingKind::IncompleteObject => "incomplete-object",
            FindingKind::NonDataValue => "non-data-value",
            FindingKind::ExtensionCode => "extension-code",
            FindingKind::PersistentId => "persistent-id",
            FindingKind::OutOfBandBuffer => "out-of-band-buffer",
            FindingKind::ExtraPickle => "extra-pickle",
            FindingKind::TrailingData => "trailing-data",
            FindingKind::ProtocolQuirk => "protocol-quirk",
            FindingKind::Truncated => "findings-truncated",
        }
    }
}

/// One observation about a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset of the opcode in the input.
    pub offset: u64,
    /// Opcode name (e.g. "STACK_GLOBAL"), or a pseudo-name such as "<trailing>".
    pub opcode: &'static str,
    /// The `(module, qualname)` involved, after `fix_imports`, if any.
    pub global: Option<(String, String)>,
    /// How serious it is.
    pub severity: FindingSeverity,
    /// What it is about.
    pub kind: FindingKind,
    /// Human-readable explanation.
    pub message: String,
}

/// Collects findings up to a cap while keeping exact summary flags.
#[derive(Debug, Default)]
pub(crate) struct FindingSink {
    list: Vec<Finding>,
    cap: usize,
    dropped: u64,
    /// Any finding of severity Danger.
    pub danger: bool,
    /// Any finding of severity Warning.
    pub warning: bool,
}

impl FindingSink {
    pub(crate) fn new(cap: usize) -> Self {
        FindingSink { cap, ..FindingSink::default() }
    }

    pub(crate) fn push(&mut self, finding: Finding) {
        match finding.severity {
            FindingSeverity::Danger => self.danger = true,
            FindingSeverity::Warning => self.warning = true,
            FindingSeverity::Info => {}
        }
        if self.list.len() < self.cap {
            self.list.push(finding);
        } else {
            self.dropped += 1;
        }
    }

    /// Convenience constructor + push.
    pub(crate) fn add(
        &mut self,
        offset: usize,
        opcode: &'static str,
        global: Option<(&str, &str)>,
        severity: FindingSeverity,
        kind: FindingKind,
        message: String,
    ) {
        self.push(Finding {
            offset: offset as u64,
            opcode,
            global: global.map(|(m, q)| (m.to_owned(), q.to_owned())),
            severity,
            kind,
            message,
        });
    }

    /// Offset of the first recorded finding about `(module, qualname)`.
    pub(crate) fn offset_of(&self, module: &str, qualname: &str) -> Option<u64> {
        self.list
            .iter()
            .find(|f| f.global.as_ref().is_some_and(|(m, q)| m == module && q == qualname))
            .map(|f| f.offset)
    }

    /// The findings, plus a closing note when some were dropped.
    pub(crate) fn finish(mut self) -> Vec<Finding> {
        if self.dropped > 0 {
            let worst = if self.danger {
                FindingSeverity::Danger
            } else if self.warning {
                FindingSeverity::Warning
            } else {
                FindingSeverity::Info
            };
            self.list.push(Finding {
                offset: 0,
                opcode: "<summary>",
                global: None,
                severity: worst,
                kind: FindingKind::Truncated,
                message: format!("{} further findings were not recorded (max_findings reached)", self.dropped),
            });
        }
        self.list
    }
}
