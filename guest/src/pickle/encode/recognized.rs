//! Typed values written the way CPython pickles them (their `__reduce__` forms): complex, Decimal,
//! Fraction, UUID, the datetime family, the collections types, range and slice.

use std::borrow::Cow;

use num_bigint::BigInt;
use num_traits::Zero;

use super::driver::Encoder;
use super::task::{BatchOp, ItemKind, Seg, Task};
use super::writer::op;
use super::{EncodeError, INVALID, UNENCODABLE, scalars, validate};
use crate::pickle::value::{Node, NodeId};

/// defaultdict factories the encoder writes: builtin types only, so a written defaultdict can never call
/// anything but a type constructor.
const FACTORIES: [&str; 13] = [
    "list",
    "dict",
    "set",
    "frozenset",
    "tuple",
    "int",
    "float",
    "complex",
    "str",
    "bytes",
    "bytearray",
    "bool",
    "object",
];

impl<'g> Encoder<'g> {
    /// Writes a recognized typed value (`node` is `graph[id]`).
    pub(crate) fn save_recognized(&mut self, id: NodeId, node: &'g Node) -> Result<(), EncodeError> {
        let mut s = self.seq();
        match node {
            Node::Complex(re, im) => {
                for part in [re, im] {
                    scalars::check_float(self.protocol, *part).map_err(|m| self.fail(id, UNENCODABLE, m))?;
                }
                s.global("builtins", "complex");
                s.tuple_start(2);
                s.push(Task::Float(*re));
                s.push(Task::Float(*im));
                s.tuple_end(2);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            Node::Decimal(text) => {
                validate::decimal(text).map_err(|m| self.fail(id, INVALID, m))?;
                s.global("decimal", "Decimal");
                s.tuple_start(1);
                s.str(text.as_str());
                s.tuple_end(1);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            Node::Fraction(numerator, denominator) => {
                if denominator.is_zero() {
                    return Err(self.fail(id, INVALID, "Fraction with a zero denominator".into()));
                }
                for part in [numerator, denominator] {
                    scalars::check_bigint(self.protocol, part).map_err(|m| self.fail(id, UNENCODABLE, m))?;
                }
                s.global("fractions", "Fraction");
                s.tuple_start(2);
                s.push(Task::BigInt(Cow::Borrowed(numerator)));
                s.push(Task::BigInt(Cow::Borrowed(denominator)));
                s.tuple_end(2);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            Node::Uuid(value) => {
                // object.__reduce_ex__: NEWOBJ from protocol 2, copyreg._reconstructor before; state {'int': n}.
                if self.protocol >= 2 {
                    s.global("uuid", "UUID");
                    s.empty_tuple();
                    s.op(op::NEWOBJ);
                } else {
                    s.global("copyreg", "_reconstructor");
                    s.tuple_start(3);
                    s.global("uuid", "UUID");
                    s.global("builtins", "object");
                    s.push(Task::None);
                    s.tuple_end(3);
                    s.op(op::REDUCE);
                }
                s.push(Task::Memoize(id));
                s.dict_start();
                s.str("int");
                s.push(Task::BigInt(Cow::Owned(BigInt::from(**value))));
                s.op(op::SETITEM);
                s.op(op::BUILD);
            }
            Node::Date { year, month, day } => {
                validate::date(*year, *month, *day).map_err(|m| self.fail(id, INVALID, m))?;
                let [hi, lo] = year.to_be_bytes();
                s.global("datetime", "date");
                s.tuple_start(1);
                s.push(Task::Bytes(Cow::Owned(vec![hi, lo, *month, *day])));
                s.tuple_end(1);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            Node::Time { hour, minute, second, microsecond, fold, tzinfo } => {
                validate::time(*hour, *minute, *second, *microsecond).map_err(|m| self.fail(id, INVALID, m))?;
                self.check_tzinfo(id, *tzinfo)?;
                // The fold bit rides on the hour byte; CPython loads it in every protocol.
                let us = microsecond.to_be_bytes();
                let state = vec![hour | (u8::from(*fold) << 7), *minute, *second, us[1], us[2], us[3]];
                self.datetime_reduce(&mut s, id, "time", state, *tzinfo);
            }
            Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo } => {
                validate::date(*year, *month, *day).map_err(|m| self.fail(id, INVALID, m))?;
                validate::time(*hour, *minute, *second, *microsecond).map_err(|m| self.fail(id, INVALID, m))?;
                self.check_tzinfo(id, *tzinfo)?;
                let [hi, lo] = year.to_be_bytes();
                let us = microsecond.to_be_bytes();
                // The fold bit rides on the month byte (CPython writes it only from protocol 4, but reads it
                // in every protocol, so writing it always keeps the value exact).
                let state =
                    vec![hi, lo, month | (u8::from(*fold) << 7), *day, *hour, *minute, *second, us[1], us[2], us[3]];
                self.datetime_reduce(&mut s, id, "datetime", state, *tzinfo);
            }
            Node::TimeDelta { days, seconds, microseconds } => {
                validate::timedelta(*days, *seconds, *microseconds).map_err(|m| self.fail(id, INVALID, m))?;
                s.global("datetime", "timedelta");
                s.tuple_start(3);
                for v in [days, seconds, microseconds] {
                    s.push(Task::Int(i64::from(*v)));
                }
                s.tuple_end(3);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            Node::TimeZone { offset, name } => {
                match self.graph.get(*offset) {
                    Node::TimeDelta { days, seconds, microseconds } => {
                        validate::timezone_offset(*days, *seconds, *microseconds)
                            .map_err(|m| self.fail_at(id, Seg::Field("offset"), INVALID, m))?;
                    }
                    other => {
                        let kind = super::locate::kind_name(other);
                        return Err(self.fail_at(
                            id,
                            Seg::Field("offset"),
                            INVALID,
                            format!("timezone offset is a {kind}, not a timedelta"),
                        ));
                    }
                }
                let len = if name.is_some() { 2 } else { 1 };
                s.global("datetime", "timezone");
                s.tuple_start(len);
                s.save(*offset, id, Seg::Field("offset"));
                if let Some(name) = name {
                    s.str(name.as_str());
                }
                s.tuple_end(len);
                s.op(op::REDUCE);
                s.push(Task::Finish(id));
            }
            Node::OrderedDict(pairs) => {
                self.check_keys(id, pairs)?;
                s.global("collections", "OrderedDict");
                s.empty_tuple();
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
                s.push(Task::PairBatch { pairs, next: 0, parent: id });
            }
            Node::Counter(pairs) => {
                // Counter.__reduce__ is (Counter, (dict(self),)): the items live in an argument dict.
                self.check_keys(id, pairs)?;
                self.enter(id)?;
                s.global("collections", "Counter");
                s.tuple_start(1);
                s.dict_start();
                s.push(Task::PairBatch { pairs, next: 0, parent: id });
                s.tuple_end(1);
                s.op(op::REDUCE);
                s.push(Task::Finish(id));
                s.push(Task::Leave(id));
            }
            Node::DefaultDict { factory, items } => {
                self.check_keys(id, items)?;
                s.global("collections", "defaultdict");
                s.tuple_start(1);
                match factory {
                    None => s.push(Task::None),
                    Some(name) => match FACTORIES.iter().find(|f| **f == name.as_str()) {
                        Some(builtin) => s.global("builtins", builtin),
                        None => {
                            return Err(self.fail_at(
                                id,
                                Seg::Field("factory"),
                                UNENCODABLE,
                                format!(
                                    "defaultdict factory {name:?} is not one of the builtin types {}",
                                    FACTORIES.join(", ")
                                ),
                            ));
                        }
                    },
                }
                s.tuple_end(1);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
                s.push(Task::PairBatch { pairs: items, next: 0, parent: id });
            }
            Node::Deque { items, maxlen } => {
                validate::deque(*maxlen, items.len()).map_err(|m| self.fail(id, INVALID, m))?;
                s.global("collections", "deque");
                match maxlen {
                    None => s.empty_tuple(),
                    Some(m) => {
                        s.tuple_start(2);
                        s.empty_tuple();
                        s.push(Task::Int(*m));
                        s.tuple_end(2);
                    }
                }
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
                s.push(Task::Batch { items, next: 0, parent: id, kind: ItemKind::Item, op: BatchOp::Appends });
            }
            Node::Range { start, stop, step } => {
                for (part, name) in [(start, "start"), (stop, "stop"), (step, "step")] {
                    match self.graph.get(*part) {
                        Node::Int(0) if name == "step" => {
                            return Err(self.fail_at(id, Seg::Field("step"), INVALID, "range step is zero".into()));
                        }
                        Node::Int(_) | Node::BigInt(_) => {}
                        other => {
                            let kind = super::locate::kind_name(other);
                            return Err(self.fail_at(
                                id,
                                Seg::Field(name),
                                INVALID,
                                format!("range {name} is a {kind}, not an int"),
                            ));
                        }
                    }
                }
                s.global("builtins", "range");
                s.tuple_start(3);
                s.save(*start, id, Seg::Field("start"));
                s.save(*stop, id, Seg::Field("stop"));
                s.save(*step, id, Seg::Field("step"));
                s.tuple_end(3);
                s.op(op::REDUCE);
                s.push(Task::Finish(id));
            }
            Node::Slice { start, stop, step } => {
                self.enter(id)?;
                s.global("builtins", "slice");
                s.tuple_start(3);
                s.save(*start, id, Seg::Field("start"));
                s.save(*stop, id, Seg::Field("stop"));
                s.save(*step, id, Seg::Field("step"));
                s.tuple_end(3);
                s.op(op::REDUCE);
                s.push(Task::Finish(id));
                s.push(Task::Leave(id));
            }
            _ => return Err(self.fail(id, UNENCODABLE, "no pickle form for this value".into())),
        }
        self.schedule(s);
        Ok(())
    }

    /// `tzinfo` must be a timezone (symbolic tzinfo nodes are refused when written).
    fn check_tzinfo(&self, id: NodeId, tzinfo: Option<NodeId>) -> Result<(), EncodeError> {
        let Some(tz) = tzinfo else { return Ok(()) };
        match self.graph.get(tz) {
            Node::TimeZone { .. }
            | Node::Global { .. }
            | Node::Call { .. }
            | Node::New { .. }
            | Node::Build { .. }
            | Node::Mutate { .. }
            | Node::PersistentRef { .. }
            | Node::ExtRef { .. }
            | Node::OobBuffer { .. }
            | Node::Unresolvable { .. } => Ok(()),
            other => {
                let kind = super::locate::kind_name(other);
                Err(self.fail_at(id, Seg::Field("tzinfo"), INVALID, format!("tzinfo is a {kind}, not a timezone")))
            }
        }
    }

    /// `(class, (state_bytes[, tzinfo]))` REDUCE for time and datetime.
    fn datetime_reduce(
        &self,
        s: &mut super::task::Seq<'g>,
        id: NodeId,
        class: &'static str,
        state: Vec<u8>,
        tzinfo: Option<NodeId>,
    ) {
        let len = if tzinfo.is_some() { 2 } else { 1 };
        s.global("datetime", class);
        s.tuple_start(len);
        s.push(Task::Bytes(Cow::Owned(state)));
        if let Some(tz) = tzinfo {
            s.save(tz, id, Seg::Field("tzinfo"));
        }
        s.tuple_end(len);
        s.op(op::REDUCE);
        s.push(Task::Finish(id));
    }
}
