//! The 68 opcodes of pickle protocols 0–5 (CPython's `pickletools` names) and their byte values.

#![allow(dead_code)]

/// `INT` (protocol 0).
pub(crate) const INT: u8 = b'I';
/// `BININT` (protocol 1).
pub(crate) const BININT: u8 = b'J';
/// `BININT1` (protocol 1).
pub(crate) const BININT1: u8 = b'K';
/// `BININT2` (protocol 1).
pub(crate) const BININT2: u8 = b'M';
/// `LONG` (protocol 0).
pub(crate) const LONG: u8 = b'L';
/// `LONG1` (protocol 2).
pub(crate) const LONG1: u8 = 0x8a;
/// `LONG4` (protocol 2).
pub(crate) const LONG4: u8 = 0x8b;
/// `STRING` (protocol 0).
pub(crate) const STRING: u8 = b'S';
/// `BINSTRING` (protocol 1).
pub(crate) const BINSTRING: u8 = b'T';
/// `SHORT_BINSTRING` (protocol 1).
pub(crate) const SHORT_BINSTRING: u8 = b'U';
/// `BINBYTES` (protocol 3).
pub(crate) const BINBYTES: u8 = b'B';
/// `SHORT_BINBYTES` (protocol 3).
pub(crate) const SHORT_BINBYTES: u8 = b'C';
/// `BINBYTES8` (protocol 4).
pub(crate) const BINBYTES8: u8 = 0x8e;
/// `BYTEARRAY8` (protocol 5).
pub(crate) const BYTEARRAY8: u8 = 0x96;
/// `NEXT_BUFFER` (protocol 5).
pub(crate) const NEXT_BUFFER: u8 = 0x97;
/// `READONLY_BUFFER` (protocol 5).
pub(crate) const READONLY_BUFFER: u8 = 0x98;
/// `NONE` (protocol 0).
pub(crate) const NONE: u8 = b'N';
/// `NEWTRUE` (protocol 2).
pub(crate) const NEWTRUE: u8 = 0x88;
/// `NEWFALSE` (protocol 2).
pub(crate) const NEWFALSE: u8 = 0x89;
/// `UNICODE` (protocol 0).
pub(crate) const UNICODE: u8 = b'V';
/// `SHORT_BINUNICODE` (protocol 4).
pub(crate) const SHORT_BINUNICODE: u8 = 0x8c;
/// `BINUNICODE` (protocol 1).
pub(crate) const BINUNICODE: u8 = b'X';
/// `BINUNICODE8` (protocol 4).
pub(crate) const BINUNICODE8: u8 = 0x8d;
/// `FLOAT` (protocol 0).
pub(crate) const FLOAT: u8 = b'F';
/// `BINFLOAT` (protocol 1).
pub(crate) const BINFLOAT: u8 = b'G';
/// `EMPTY_LIST` (protocol 1).
pub(crate) const EMPTY_LIST: u8 = b']';
/// `APPEND` (protocol 0).
pub(crate) const APPEND: u8 = b'a';
/// `APPENDS` (protocol 1).
pub(crate) const APPENDS: u8 = b'e';
/// `LIST` (protocol 0).
pub(crate) const LIST: u8 = b'l';
/// `EMPTY_TUPLE` (protocol 1).
pub(crate) const EMPTY_TUPLE: u8 = b')';
/// `TUPLE` (protocol 0).
pub(crate) const TUPLE: u8 = b't';
/// `TUPLE1` (protocol 2).
pub(crate) const TUPLE1: u8 = 0x85;
/// `TUPLE2` (protocol 2).
pub(crate) const TUPLE2: u8 = 0x86;
/// `TUPLE3` (protocol 2).
pub(crate) const TUPLE3: u8 = 0x87;
/// `EMPTY_DICT` (protocol 1).
pub(crate) const EMPTY_DICT: u8 = b'}';
/// `DICT` (protocol 0).
pub(crate) const DICT: u8 = b'd';
/// `SETITEM` (protocol 0).
pub(crate) const SETITEM: u8 = b's';
/// `SETITEMS` (protocol 1).
pub(crate) const SETITEMS: u8 = b'u';
/// `EMPTY_SET` (protocol 4).
pub(crate) const EMPTY_SET: u8 = 0x8f;
/// `ADDITEMS` (protocol 4).
pub(crate) const ADDITEMS: u8 = 0x90;
/// `FROZENSET` (protocol 4).
pub(crate) const FROZENSET: u8 = 0x91;
/// `POP` (protocol 0).
pub(crate) const POP: u8 = b'0';
/// `DUP` (protocol 0).
pub(crate) const DUP: u8 = b'2';
/// `MARK` (protocol 0).
pub(crate) const MARK: u8 = b'(';
/// `POP_MARK` (protocol 1).
pub(crate) const POP_MARK: u8 = b'1';
/// `GET` (protocol 0).
pub(crate) const GET: u8 = b'g';
/// `BINGET` (protocol 1).
pub(crate) const BINGET: u8 = b'h';
/// `LONG_BINGET` (protocol 1).
pub(crate) const LONG_BINGET: u8 = b'j';
/// `PUT` (protocol 0).
pub(crate) const PUT: u8 = b'p';
/// `BINPUT` (protocol 1).
pub(crate) const BINPUT: u8 = b'q';
/// `LONG_BINPUT` (protocol 1).
pub(crate) const LONG_BINPUT: u8 = b'r';
/// `MEMOIZE` (protocol 4).
pub(crate) const MEMOIZE: u8 = 0x94;
/// `EXT1` (protocol 2).
pub(crate) const EXT1: u8 = 0x82;
/// `EXT2` (protocol 2).
pub(crate) const EXT2: u8 = 0x83;
/// `EXT4` (protocol 2).
pub(crate) const EXT4: u8 = 0x84;
/// `GLOBAL` (protocol 0).
pub(crate) const GLOBAL: u8 = b'c';
/// `STACK_GLOBAL` (protocol 4).
pub(crate) const STACK_GLOBAL: u8 = 0x93;
/// `REDUCE` (protocol 0).
pub(crate) const REDUCE: u8 = b'R';
/// `BUILD` (protocol 0).
pub(crate) const BUILD: u8 = b'b';
/// `INST` (protocol 0).
pub(crate) const INST: u8 = b'i';
/// `OBJ` (protocol 1).
pub(crate) const OBJ: u8 = b'o';
/// `NEWOBJ` (protocol 2).
pub(crate) const NEWOBJ: u8 = 0x81;
/// `NEWOBJ_EX` (protocol 4).
pub(crate) const NEWOBJ_EX: u8 = 0x92;
/// `PROTO` (protocol 2).
pub(crate) const PROTO: u8 = 0x80;
/// `STOP` (protocol 0).
pub(crate) const STOP: u8 = b'.';
/// `FRAME` (protocol 4).
pub(crate) const FRAME: u8 = 0x95;
/// `PERSID` (protocol 0).
pub(crate) const PERSID: u8 = b'P';
/// `BINPERSID` (protocol 1).
pub(crate) const BINPERSID: u8 = b'Q';

/// The opcode's name, or `None` for a byte that is no opcode.
pub(crate) fn name(op: u8) -> Option<&'static str> {
    Some(match op {
        INT => "INT",
        BININT => "BININT",
        BININT1 => "BININT1",
        BININT2 => "BININT2",
        LONG => "LONG",
        LONG1 => "LONG1",
        LONG4 => "LONG4",
        STRING => "STRING",
        BINSTRING => "BINSTRING",
        SHORT_BINSTRING => "SHORT_BINSTRING",
        BINBYTES => "BINBYTES",
        SHORT_BINBYTES => "SHORT_BINBYTES",
        BINBYTES8 => "BINBYTES8",
        BYTEARRAY8 => "BYTEARRAY8",
        NEXT_BUFFER => "NEXT_BUFFER",
        READONLY_BUFFER => "READONLY_BUFFER",
        NONE => "NONE",
        NEWTRUE => "NEWTRUE",
        NEWFALSE => "NEWFALSE",
        UNICODE => "UNICODE",
        SHORT_BINUNICODE => "SHORT_BINUNICODE",
        BINUNICODE => "BINUNICODE",
        BINUNICODE8 => "BINUNICODE8",
        FLOAT => "FLOAT",
        BINFLOAT => "BINFLOAT",
        EMPTY_LIST => "EMPTY_LIST",
        APPEND => "APPEND",
        APPENDS => "APPENDS",
        LIST => "LIST",
        EMPTY_TUPLE => "EMPTY_TUPLE",
        TUPLE => "TUPLE",
        TUPLE1 => "TUPLE1",
        TUPLE2 => "TUPLE2",
        TUPLE3 => "TUPLE3",
        EMPTY_DICT => "EMPTY_DICT",
        DICT => "DICT",
        SETITEM => "SETITEM",
        SETITEMS => "SETITEMS",
        EMPTY_SET => "EMPTY_SET",
        ADDITEMS => "ADDITEMS",
        FROZENSET => "FROZENSET",
        POP => "POP",
        DUP => "DUP",
        MARK => "MARK",
        POP_MARK => "POP_MARK",
        GET => "GET",
        BINGET => "BINGET",
        LONG_BINGET => "LONG_BINGET",
        PUT => "PUT",
        BINPUT => "BINPUT",
        LONG_BINPUT => "LONG_BINPUT",
        MEMOIZE => "MEMOIZE",
        EXT1 => "EXT1",
        EXT2 => "EXT2",
        EXT4 => "EXT4",
        GLOBAL => "GLOBAL",
        STACK_GLOBAL => "STACK_GLOBAL",
        REDUCE => "REDUCE",
        BUILD => "BUILD",
        INST => "INST",
        OBJ => "OBJ",
        NEWOBJ => "NEWOBJ",
        NEWOBJ_EX => "NEWOBJ_EX",
        PROTO => "PROTO",
        STOP => "STOP",
        FRAME => "FRAME",
        PERSID => "PERSID",
        BINPERSID => "BINPERSID",
        _ => return None,
    })
}

/// The opcode's name for messages ("<invalid>" for a non-opcode byte).
pub(crate) fn label(op: u8) -> &'static str {
    name(op).unwrap_or("<invalid>")
}
