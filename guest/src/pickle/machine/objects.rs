//! Globals and the call-capable opcodes: GLOBAL, STACK_GLOBAL, INST, OBJ, REDUCE, NEWOBJ, NEWOBJ_EX,
//! BUILD, EXT1/2/4, PERSID, BINPERSID. A global is recorded as an opaque
//! `(module, qualname)` and judged by the policy; a call on a recognized global goes to the recognizers,
//! anything else becomes a symbolic node with a finding (and a refusal outside `inspect`).

use super::Machine;
use crate::pickle::compat::fix_imports;
use crate::pickle::error::{DecodeError, ErrorCode, Fail, malformed};
use crate::pickle::findings::{FindingKind, FindingSeverity};
use crate::pickle::opcodes as op;
use crate::pickle::policy::{Policy, code_constructor};
use crate::pickle::recognize::{self, Ctx, Known, Outcome};
use crate::pickle::value::{Node, NodeId};
use crate::pickle::{denylist, recognize::known_global};

/// How a class or callable is being applied.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Apply {
    /// `callable(*args)`.
    Call,
    /// `cls.__new__(cls, *args)`.
    New,
}

impl Machine<'_, '_> {
    /// The opcodes that name globals, call, build objects or refer outside the stream. Recognizers may
    /// reuse node ids, so the graph is no longer vouched to be a tree.
    pub(super) fn object_op(&mut self) -> Result<(), Fail> {
        self.s.graph.set_tree(false);
        match self.op {
            op::GLOBAL | op::STACK_GLOBAL => self.global(),
            op::REDUCE => self.reduce(),
            op::BUILD => self.build(),
            op::NEWOBJ | op::NEWOBJ_EX => self.newobj(),
            op::OBJ | op::INST => self.obj_inst(),
            op::EXT1 | op::EXT2 | op::EXT4 => self.ext(),
            op::PERSID | op::BINPERSID => self.persid(),
            // NEXT_BUFFER / READONLY_BUFFER
            _ => self.buffer(),
        }
    }

    /// GLOBAL (two text lines) and STACK_GLOBAL (two strs from the stack).
    pub(super) fn global(&mut self) -> Result<(), Fail> {
        let node = if self.op == op::GLOBAL {
            let (module, name) = self.text_global()?;
            self.named_global(module, name)?
        } else {
            let name = self.pop()?;
            let module = self.pop()?;
            match (self.s.graph.get(module), self.s.graph.get(name)) {
                (Node::Str(m), Node::Str(n)) => {
                    let (m, n) = (m.clone(), n.clone());
                    self.named_global(m, n)?
                }
                _ => {
                    let reason = "STACK_GLOBAL operands are not plain strings (a computed name)".to_owned();
                    self.code_capable(FindingKind::UnresolvableGlobal, None, reason.clone())?;
                    Node::Unresolvable { reason }
                }
            }
        };
        self.push_node(node)
    }

    /// The module and name lines of GLOBAL / INST (strict UTF-8, as CPython decodes them).
    fn text_global(&mut self) -> Result<(String, String), Fail> {
        let module = self.reader.line()?;
        let name = self.reader.line()?;
        let offset = self.op_offset;
        let utf8 = |b: &[u8]| {
            std::str::from_utf8(b).map(str::to_owned).map_err(|_| malformed(offset, "global name is not UTF-8"))
        };
        Ok((utf8(module)?, utf8(name)?))
    }

    /// Applies `fix_imports`, records the finding, enforces the policy; returns the Global node.
    fn named_global(&mut self, mut module: String, mut name: String) -> Result<Node, Fail> {
        if self.proto < 3
            && let Some((m, n)) = fix_imports(&module, &name)
        {
            module = m.to_owned();
            if let Some(n) = n {
                name = n.to_owned();
            }
        }
        let known = known_global(&module, &name);
        let policy = self.policy();
        let allowed = match policy {
            Policy::Strict => known.is_some_and(Known::strict),
            Policy::Data => known.is_some(),
            Policy::Inspect => true,
        };
        let code = code_constructor(&module, &name);
        let (severity, kind, message) = if let (Some(_), true) = (known, allowed || policy == Policy::Inspect) {
            (FindingSeverity::Info, FindingKind::RecognizedGlobal, format!("{module}.{name} (recognized)"))
        } else if let Some(what) = code {
            (FindingSeverity::Danger, FindingKind::CodeObject, format!("{module}.{name} builds {what}"))
        } else if let Some(label) = denylist::label(&module, &name) {
            (
                FindingSeverity::Danger,
                FindingKind::DangerousGlobal,
                format!("{module}.{name}: known dangerous ({label})"),
            )
        } else if known.is_some() {
            (FindingSeverity::Warning, FindingKind::UnknownGlobal, format!("{module}.{name} is not plain builtin data"))
        } else {
            (
                FindingSeverity::Warning,
                FindingKind::UnknownGlobal,
                format!("{module}.{name} is not a recognized global"),
            )
        };
        let (offset, opcode) = (self.op_offset, self.opname());
        self.s.findings.add(offset, opcode, Some((&module, &name)), severity, kind, message.clone());
        if !allowed {
            let code = if code.is_some() { ErrorCode::CodeObject } else { ErrorCode::Unsafe };
            let mut e =
                DecodeError::new(code, offset, format!("refused under the {} policy: {message}", policy.as_str()));
            e.opcode = Some(opcode);
            return Err(e);
        }
        self.s.needs_walk = true;
        Ok(Node::Global { module, qualname: name })
    }

    /// Records a code-capable operation on something not recognized; refuses it outside `inspect`.
    pub(super) fn code_capable(
        &mut self,
        kind: FindingKind,
        global: Option<(String, String)>,
        message: String,
    ) -> Result<(), Fail> {
        let (offset, opcode) = (self.op_offset, self.opname());
        let g = global.as_ref().map(|(m, q)| (m.as_str(), q.as_str()));
        self.s.findings.add(offset, opcode, g, FindingSeverity::Warning, kind, message.clone());
        if self.policy() == Policy::Inspect {
            return Ok(());
        }
        let mut e = DecodeError::new(
            ErrorCode::Unsafe,
            offset,
            format!("refused under the {} policy: {message}", self.policy().as_str()),
        );
        e.opcode = Some(opcode);
        Err(e)
    }

    /// The global a node stands for or was built from (a few levels of Call / New / Build / Mutate).
    pub(super) fn global_behind(&self, mut id: NodeId) -> Option<(String, String)> {
        for _ in 0..8 {
            match self.s.graph.get(id) {
                Node::Global { module, qualname } => return Some((module.clone(), qualname.clone())),
                Node::Call { callable: next, .. } | Node::New { class: next, .. } => id = *next,
                Node::Build { target: next, .. } | Node::Mutate { target: next, .. } => id = *next,
                _ => return None,
            }
        }
        None
    }

    /// A short description of a node for messages.
    pub(super) fn describe(&self, id: NodeId) -> String {
        let kind = match self.s.graph.get(id) {
            Node::Global { .. } => "",
            Node::Call { .. } => "the result of calling ",
            Node::New { .. } => "an instance of ",
            Node::Build { .. } | Node::Mutate { .. } => "an object built from ",
            other => return format!("a {} value", node_kind(other)),
        };
        match self.global_behind(id) {
            Some((m, q)) => format!("{kind}{m}.{q}"),
            None => format!("{kind}a computed object"),
        }
    }

    /// Moves the node at `id` to a fresh id and returns that id; the caller overwrites `id`. Identity (the
    /// memo and every container holding `id`) follows the changed object, as in CPython.
    pub(super) fn wrap_in_place(&mut self, id: NodeId) -> Result<NodeId, Fail> {
        self.s.graph.set_tree(false);
        let original = match self.s.graph.get_mut(id) {
            Some(slot) => std::mem::replace(slot, Node::None),
            None => Node::None,
        };
        self.node(original)
    }

    fn ctx(&mut self) -> Ctx<'_> {
        Ctx {
            graph: &mut self.s.graph,
            buffers: &self.s.options.buffers,
            stolen: &self.s.stolen,
            max_array_bytes: self.s.options.limits.max_array_bytes,
        }
    }

    /// The items of an argument tuple: `Ok(None)` for a symbolic value (could be a tuple at run time).
    fn arg_tuple(&self, id: NodeId) -> Result<Option<Vec<NodeId>>, Fail> {
        match self.s.graph.get(id) {
            Node::Tuple(items) => Ok(Some(items.clone())),
            n if is_symbolic(n) => Ok(None),
            other => Err(malformed(
                self.op_offset,
                format!("{} expected an argument tuple, got {}", self.opname(), node_kind(other)),
            )),
        }
    }

    /// REDUCE.
    pub(super) fn reduce(&mut self) -> Result<(), Fail> {
        let args = self.pop()?;
        let callable = self.pop()?;
        let items = self.arg_tuple(args)?;
        let id = self.apply(Apply::Call, callable, args, items, None)?;
        self.push(id)
    }

    /// NEWOBJ and NEWOBJ_EX.
    pub(super) fn newobj(&mut self) -> Result<(), Fail> {
        let kwargs = if self.op == op::NEWOBJ_EX { Some(self.pop()?) } else { None };
        let args = self.pop()?;
        let class = self.pop()?;
        let items = self.arg_tuple(args)?;
        let empty_kwargs = match kwargs.map(|k| self.s.graph.get(k)) {
            None => true,
            Some(Node::Dict(pairs)) => pairs.is_empty(),
            Some(n) if is_symbolic(n) => false,
            Some(other) => {
                return Err(malformed(
                    self.op_offset,
                    format!("NEWOBJ_EX kwargs must be a dict, got {}", node_kind(other)),
                ));
            }
        };
        let items = if empty_kwargs { items } else { None };
        let id = self.apply(Apply::New, class, args, items, kwargs)?;
        self.push(id)
    }

    /// OBJ (class = first item after the MARK) and INST (class named by two text lines).
    pub(super) fn obj_inst(&mut self) -> Result<(), Fail> {
        let class = if self.op == op::INST {
            let (module, name) = self.text_global()?;
            let node = self.named_global(module, name)?;
            Some(self.node(node)?)
        } else {
            None
        };
        let mut items = self.pop_mark()?;
        let class = match class {
            Some(c) => c,
            None => {
                if items.is_empty() {
                    return Err(self.underflow());
                }
                items.remove(0)
            }
        };
        let args = self.node(Node::Tuple(items.clone()))?;
        let how = if items.is_empty() && self.is_type(class) { Apply::New } else { Apply::Call };
        let id = self.apply(how, class, args, Some(items), None)?;
        self.push(id)
    }

    fn is_type(&self, id: NodeId) -> bool {
        match self.s.graph.get(id) {
            Node::Global { module, qualname } => known_global(module, qualname).is_none_or(Known::is_type),
            _ => true,
        }
    }

    /// Runs the recognizers for `target(*args)` / `target.__new__(target, *args)`; falls back to a
    /// symbolic node. Returns the id of the result.
    fn apply(
        &mut self,
        how: Apply,
        target: NodeId,
        args: NodeId,
        items: Option<Vec<NodeId>>,
        kwargs: Option<NodeId>,
    ) -> Result<NodeId, Fail> {
        let known = match self.s.graph.get(target) {
            Node::Global { module, qualname } => known_global(module, qualname),
            _ => None,
        };
        let outcome = match (known, &items) {
            (Some(k), Some(items)) => {
                let mut ctx = self.ctx();
                match how {
                    Apply::Call => recognize::call(&mut ctx, k, items),
                    Apply::New => recognize::new_object(&mut ctx, k, target, items),
                }
            }
            _ => Outcome::No,
        };
        let symbolic = match how {
            Apply::Call => Node::Call { callable: target, args },
            Apply::New => Node::New { class: target, args, kwargs },
        };
        match outcome {
            Outcome::Value(node) => self.node(node),
            Outcome::Steal(node, blob) => {
                let id = self.node(node)?;
                self.s.stolen.insert(blob, id);
                self.s.needs_walk = true;
                Ok(id)
            }
            Outcome::Pending => {
                let id = self.node(symbolic)?;
                self.pending.push(id);
                Ok(id)
            }
            Outcome::PendingNew(class) => {
                let empty = self.node(Node::Tuple(Vec::new()))?;
                let id = self.node(Node::New { class, args: empty, kwargs: None })?;
                self.pending.push(id);
                Ok(id)
            }
            Outcome::Joblib(_) | Outcome::No => {
                let what = self.describe(target);
                let verb = if how == Apply::Call { "calls" } else { "instantiates" };
                let message = match known {
                    Some(_) => format!("{} {verb} {what} with arguments no recognizer accepts", self.opname()),
                    None => format!("{} {verb} {what}", self.opname()),
                };
                self.code_capable(FindingKind::CodeCapableOp, self.global_behind(target), message)?;
                self.node(symbolic)
            }
        }
    }

    /// BUILD: completes a pending recognized object, or records `__setstate__` / attribute updates.
    pub(super) fn build(&mut self) -> Result<(), Fail> {
        let state = self.pop()?;
        let target = self.top()?;
        let outcome = {
            let mut ctx = self.ctx();
            recognize::build(&mut ctx, target, state)
        };
        match outcome {
            Outcome::Value(node) => {
                if let Some(slot) = self.s.graph.get_mut(target) {
                    *slot = node;
                }
                Ok(())
            }
            Outcome::Steal(node, blob) => {
                if let Some(slot) = self.s.graph.get_mut(target) {
                    *slot = node;
                }
                self.s.stolen.insert(blob, target);
                self.s.needs_walk = true;
                Ok(())
            }
            Outcome::Joblib(layout) if !self.nested => {
                let array = self.joblib_array(layout, state)?;
                if let Some(top) = self.stack.last_mut() {
                    *top = array;
                }
                Ok(())
            }
            _ => {
                let what = self.describe(target);
                let message = format!("BUILD sets the state of {what}");
                self.code_capable(FindingKind::CodeCapableOp, self.global_behind(target), message)?;
                let moved = self.wrap_in_place(target)?;
                if let Some(slot) = self.s.graph.get_mut(target) {
                    *slot = Node::Build { target: moved, state };
                }
                Ok(())
            }
        }
    }

    /// EXT1 / EXT2 / EXT4: copyreg's extension registry is empty by default, so this is unresolvable.
    pub(super) fn ext(&mut self) -> Result<(), Fail> {
        let code = match self.op {
            op::EXT1 => u32::from(self.reader.byte()?),
            op::EXT2 => u32::from(self.reader.u16_le()?),
            _ => {
                let v = self.reader.u32_le()? as i32;
                u32::try_from(v).unwrap_or(0)
            }
        };
        if code == 0 {
            return Err(malformed(self.op_offset, "EXT specifies code <= 0"));
        }
        self.code_capable(
            FindingKind::ExtensionCode,
            None,
            format!(
                "{} refers to copyreg extension code {code}, which names a global only the loader knows",
                self.opname()
            ),
        )?;
        self.push_node(Node::ExtRef { code })
    }

    /// PERSID / BINPERSID: a loader-defined reference; refused unless inspecting.
    pub(super) fn persid(&mut self) -> Result<(), Fail> {
        let pid = if self.op == op::PERSID {
            let line = self.reader.line()?;
            if !line.is_ascii() {
                return Err(malformed(self.op_offset, "persistent IDs in protocol 0 must be ASCII strings"));
            }
            self.node(Node::Str(String::from_utf8_lossy(line).into_owned()))?
        } else {
            self.pop()?
        };
        self.code_capable(
            FindingKind::PersistentId,
            None,
            format!("{} asks the loader's persistent_load to resolve an object", self.opname()),
        )?;
        self.push_node(Node::PersistentRef { pid })
    }
}

/// Nodes whose run-time value is unknown (what CPython would compute by running code).
pub(crate) fn is_symbolic(node: &Node) -> bool {
    matches!(
        node,
        Node::Global { .. }
            | Node::Call { .. }
            | Node::New { .. }
            | Node::Build { .. }
            | Node::Mutate { .. }
            | Node::PersistentRef { .. }
            | Node::ExtRef { .. }
            | Node::Unresolvable { .. }
            | Node::OobBuffer { .. }
    )
}

/// Python-ish type name of a node, for messages.
pub(crate) fn node_kind(node: &Node) -> &'static str {
    if let Some(name) = node.python_type_name() {
        return name;
    }
    match node {
        Node::Global { .. } => "global",
        Node::Call { .. } => "call result",
        Node::PersistentRef { .. } => "persistent reference",
        Node::ExtRef { .. } => "extension reference",
        Node::OobBuffer { .. } => "out-of-band buffer",
        Node::Unresolvable { .. } => "unresolvable global",
        _ => "object",
    }
}
