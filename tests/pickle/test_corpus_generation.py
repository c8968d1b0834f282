"""Tests of the corpus generators themselves: the manifest is complete and well formed, the output is
deterministic, small and fast to make, benign files load in CPython to the values they were made from, and the
hostile/bomb files have the structure their notes claim — checked statically, never by loading them."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import pickle
import pickletools
import subprocess
import sys
import time
from pathlib import Path

import pytest

from corpus import asm as asm_module
from corpus.arrays import numpy_values
from corpus.bombs import BOMB_DECOMPRESSED_SIZE
from corpus.code_payloads import CODE_SOURCES
from corpus.compress import MAGIC, deflate_bomb, multistream_bomb, stream_decompress
from corpus.containers import ARRAY_MARKER
from corpus.denylist_gaps import FAMILIES
from corpus.hostile import os_system_pickle
from corpus.manifest import check_entry
from corpus.values import benign_values
from corpus.views import discard_view_ops, frame_violation, globals_named, linear_ops
from differential import equal_with_types, explain_difference, is_json_plain, python_load

HERE = Path(__file__).resolve().parent
GENERATOR = HERE / "generate_corpus.py"
MAX_SECONDS = 30
MAX_BYTES = 200 * 1024 * 1024


def _run_generator(out_dir: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, str(GENERATOR), str(out_dir)], check=True, capture_output=True, text=True)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """(corpus dir, manifest document, seconds the generator took)."""
    out = tmp_path_factory.mktemp("pickle-corpus")
    seconds = _run_generator(out)
    return out, json.loads((out / "manifest.json").read_text()), seconds


@pytest.fixture(scope="module")
def entries(corpus):
    return corpus[1]["entries"]


def _by_id(entries) -> dict:
    return {e["id"]: e for e in entries}


def _read(corpus, entry) -> bytes:
    return (corpus[0] / entry["file"]).read_bytes()


# ------------------------------------------------------------------------------------------ manifest and output


def test_generator_is_fast_and_small(corpus):
    out, document, seconds = corpus
    assert seconds < MAX_SECONDS, f"generator took {seconds:.1f} s"
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    assert total < MAX_BYTES
    assert document["bytes"] <= total


def test_every_entry_is_well_formed_and_matches_its_file(corpus, entries):
    out = corpus[0]
    problems = {e["id"]: check_entry(e) for e in entries if check_entry(e)}
    assert problems == {}
    required = {"file", "producer", "protocol", "compress", "category", "expect", "scan", "json_equal", "python"}
    for entry in entries:
        assert required <= entry.keys()
        data = (out / entry["file"]).read_bytes()
        assert len(data) == entry["size"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert len({e["file"] for e in entries}) == len(entries)
    assert len({e["id"] for e in entries}) == len(entries)


def test_manifest_lists_every_file(corpus, entries):
    out = corpus[0]
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == {e["file"] for e in entries}


def test_manifest_records_versions_and_counts(corpus, entries):
    document = corpus[1]
    assert document["version"] == 1
    assert set(document["versions"]) == {"python", "numpy", "dill", "cloudpickle", "joblib", "lz4"}
    assert sum(document["counts"].values()) == len(entries)
    assert document["python_hash_seed"] == "0"
    for category in ("benign", "code", "hostile", "bomb"):
        assert document["counts"][category] > 0


def test_generation_is_deterministic(corpus, tmp_path):
    _run_generator(tmp_path)
    again = json.loads((tmp_path / "manifest.json").read_text())["entries"]
    assert [(e["file"], e["sha256"]) for e in again] == [(e["file"], e["sha256"]) for e in corpus[1]["entries"]]


# ------------------------------------------------------------------------------------------ benign corpus


def test_every_benign_value_has_every_protocol(entries):
    names = {v.name for v in benign_values(0) + numpy_values(0)}
    files = {e["file"] for e in entries}
    for name in names:
        for protocol in range(6):
            assert f"benign/pickle/p{protocol}/{name}.pkl" in files


def test_benign_covers_producers_compressors_and_numpy1_paths(corpus, entries):
    benign = [e for e in entries if e["category"] == "benign"]
    assert {e["producer"] for e in benign} == {"pickle", "dill", "cloudpickle", "joblib"}
    compressors = {e["compress"].split(":")[0] for e in benign if e["compress"]}
    assert compressors == {"zlib", "gzip", "bz2", "lzma", "xz", "lz4"}
    levels = {e["compress"] for e in benign if e["compress"] and e["compress"].startswith("gzip")}
    assert {"gzip:1", "gzip:9"} <= levels
    numpy1 = [e for e in benign if e["group"] == "numpy1"]
    assert numpy1 and not [e["file"] for e in numpy1 if b"numpy._core" in _read(corpus, e)]
    arrays = [e for e in numpy1 if "/nd_" in e["file"] or "/np_" in e["file"]]
    assert arrays and not [e["file"] for e in arrays if b"numpy.core" not in _read(corpus, e)]
    assert any(e["json_equal"] for e in benign if e["producer"] == "joblib")


# CPython itself does not reproduce these source values exactly; the differential reference is its *load*.
def _cpython_lossy(name: str, protocol: int) -> bool:
    if name in ("time_fold", "datetime_fold") and protocol < 4:
        return True  # fold is pickled from protocol 4 on
    if name.startswith("nd_view_"):
        return True  # views load as contiguous copies
    big_endian = name.startswith("nd_be_") or name in ("nd_i4_be_2d_f", "nd_unicode_be")
    return big_endian and protocol < 5  # numpy's BUILD path loads big-endian data in native order


def test_benign_pickles_load_to_their_source_values(corpus, entries):
    values = {v.name: v.value for v in benign_values(20261125) + numpy_values(20261125)}
    checked = 0
    for entry in entries:
        if entry["category"] != "benign" or not entry["file"].startswith("benign/pickle/"):
            continue
        name = Path(entry["file"]).stem
        loaded = python_load(corpus[0] / entry["file"], entry["python"])
        if _cpython_lossy(name, entry["protocol"]):
            assert equal_with_types(loaded, python_load(corpus[0] / entry["file"], entry["python"]))
            continue
        assert explain_difference(values[name], loaded) is None, entry["file"]
        checked += 1
    assert checked > 1000


def test_other_benign_files_load_and_agree_on_json_plainness(corpus, entries):
    for entry in entries:
        if entry["category"] != "benign":
            continue
        value = python_load(corpus[0] / entry["file"], entry["python"])
        assert is_json_plain(value) == entry["json_equal"], entry["file"]


def test_protocol_field_is_the_first_proto(corpus, entries):
    for entry in entries:
        if entry["compress"]:
            continue
        data = _read(corpus, entry)
        if data[:1] == pickle.PROTO and len(data) > 1 and data[1] <= 5:
            assert entry["protocol"] == data[1], entry["file"]
        elif data[:1] == pickle.PROTO:
            assert entry["protocol"] is None, entry["file"]
        else:
            assert entry["protocol"] in (None, 0, 1), entry["file"]


def test_pickle_framing_is_strict_in_benign_pickles(corpus, entries):
    for entry in entries:
        if entry["category"] == "benign" and entry["producer"] == "pickle" and (entry["protocol"] or 0) >= 4:
            assert frame_violation(_read(corpus, entry)) is None, entry["file"]


def test_handmade_quirks_include_obj_class_first(corpus, entries):
    from datetime import timedelta

    entry = _by_id(entries)["handmade-obj_class_first"]
    assert python_load(corpus[0] / entry["file"], "pickle") == timedelta(1)


# ------------------------------------------------------------------------------------------ code payloads


def test_code_payloads_carry_code_constructors(corpus, entries):
    code = {e["id"]: e for e in entries if e["category"] == "code" and e["group"] == "code"}
    assert len(code) == 2 * len(CODE_SOURCES)
    markers = {"dill": ("_create_function", "_create_type", "_create_code"),
               "cloudpickle": ("_make_function", "_make_skeleton_class", "_function_setstate", "_class_setstate")}
    for entry in code.values():
        strings = {str(a) for _, _, a in linear_ops(_read(corpus, entry))[0] if isinstance(a, str)}
        assert strings & set(markers[entry["producer"]]), entry["file"]
        assert entry["expect"] == "code-object" and entry["python"] == entry["producer"]
    lambdas = [e for e in code.values() if e["file"].endswith("lambda_add.pkl")]
    assert {e["producer"] for e in lambdas} == {"dill", "cloudpickle"}


def test_library_helper_data_is_not_benign(corpus, entries):
    for entry in entries:
        if entry["producer"] in ("dill", "cloudpickle") and entry["category"] == "benign":
            strings = [str(a) for _, _, a in linear_ops(_read(corpus, entry))[0] if isinstance(a, str)]
            assert not any("dill" in s or "cloudpickle" in s for s in strings), entry["file"]


# ------------------------------------------------------------------------------------------ hostile corpus


REQUIRED_HOSTILE = [
    "frame_straddle_hidden_call", "frame_inside_frame", "garbage_after_stop", "second_pickle_after_stop",
    "payload_missing_stop", "duplicate_proto_downgrade", "proto0_string_escapes_stack_global",
    "proto0_int_bool_long_quirks", "fix_imports_builtin_eval_p2", "fix_imports_copy_reg_reconstructor",
    "alias_posix_system", "alias_nt_system", "alias_operator_attrgetter", "alias_io_fileio", "alias_pickle_loads",
    "submodule_asyncio_unix_events", "dotted_pathlib_os_system", "memoize_after_pop", "mixed_put_memoize",
    "binget_unset_key", "long_binput_huge_keys", "stack_global_bytes_operands", "stack_global_int_operands",
    "stack_global_tuple_operands", "stack_global_computed_operand", "build_setattr_on_class", "dup_callable",
    "inst_call", "obj_call_then_pop", "newobj_popen_build", "newobj_ex_popen", "appends_on_object",
    "setitem_on_os_environ", "ext1_reduce", "ext2_reduce", "ext4_reduce", "persid_text", "binpersid_storage",
    "next_buffer_without_buffers", "joblib_payload_after_array", "marshal_loads_function_type",
    "resolvers_importlib_import_module", "resolvers_pkgutil_resolve_name", "resolvers_pydoc_locate",
    "resolvers_operator_methodcaller", "resolvers_functools_partial", "code-objects_cloudpickle_cloudpickle__make_function",
    "code-objects_dill__dill__create_code", "nested-deserialization_pickle_loads", "nested-deserialization_torch_load",
    "files-and-network_logging_FileHandler", "files-and-network_urllib_request_urlopen", "files-and-network_ctypes_CDLL",
    "processes_subprocess_Popen", "processes__posixsubprocess_fork_exec", "processes_uuid__get_command_stdout",
] + [f"joblib_{m}_os_system" for m in ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")]


def test_hostile_corpus_covers_every_group(entries):
    hostile = [e for e in entries if e["category"] == "hostile"]
    groups = {e["group"] for e in hostile}
    expected = {"A1", "A2", "A3", "A4", "A5", "A6", "B1", "B2", "B3", "B4", "C1", "C2", "C3", "C4", "C5", "C6", "C7",
                "C8", "D", "E", "F1", "F6"}
    assert expected <= groups
    ids = {e["id"].removeprefix("hostile-") for e in hostile}
    assert [i for i in REQUIRED_HOSTILE if i not in ids] == []
    for family in FAMILIES:
        assert any(i.startswith(family + "_") for i in ids), family


def test_hostile_and_bomb_expectations_are_never_clean(entries):
    for entry in entries:
        if entry["category"] in ("hostile", "bomb"):
            assert "clean" not in entry["scan_any"] and "decode" not in entry["expect_any"], entry["id"]
            assert entry["json_equal"] is False


def test_hostile_files_are_refused_by_python_load(corpus, entries):
    entry = _by_id(entries)["hostile-inst_call"]
    with pytest.raises(PermissionError):
        python_load(corpus[0] / entry["file"], "pickle")


def test_hostile_payload_commands_are_inert(corpus, entries):
    for entry in entries:
        if entry["category"] != "hostile":
            continue
        data = _read(corpus, entry)
        for word in (b"rm -", b"curl ", b"wget ", b"/bin/sh", b"nc -", b"mkfs", b"chmod "):
            assert word not in data, (entry["id"], word)


def test_named_globals_appear_in_the_stream(corpus, entries):
    for entry in entries:
        if entry["category"] != "hostile" or entry["compress"] or entry["producer"] == "joblib":
            continue
        data = _read(corpus, entry)
        unescaped = codecs.escape_decode(data)[0]
        for module, qualname in entry["globals"]:
            raw_names = {"builtins": [b"builtins", b"__builtin__"], "copyreg": [b"copyreg", b"copy_reg"],
                         "subprocess": [b"subprocess", b"commands"], "pickle": [b"pickle", b"cPickle"],
                         "urllib.request": [b"urllib.request", b"urllib2"], "functools": [b"functools", b"__builtin__"]}
            candidates = raw_names.get(module, [module.encode()])
            assert any(c in data or c in unescaped for c in candidates), (entry["id"], module)


def test_frame_straddle_hides_the_call_from_pickletools(corpus, entries):
    data = _read(corpus, _by_id(entries)["hostile-frame_straddle_hidden_call"])
    linear, error = linear_ops(data)
    assert error is None and not [op for op in linear if op[1] in ("STACK_GLOBAL", "GLOBAL", "REDUCE")]
    hidden, _ = discard_view_ops(data)
    names = [op[1] for op in hidden]
    assert "STACK_GLOBAL" in names and "REDUCE" in names
    assert [a for _, n, a in hidden if n == "SHORT_BINUNICODE"][:2] == ["os", "system"]
    assert "past the frame end" in frame_violation(data)


def test_frame_cases_violate_strict_framing(corpus, entries):
    for entry in entries:
        if entry["group"] == "A1":
            assert frame_violation(_read(corpus, entry)) is not None, entry["id"]


def test_truncations_cover_every_opcode_boundary(corpus, entries):
    truncated = sorted((e for e in entries if e["id"].startswith("hostile-truncated_at_")), key=lambda e: e["size"])
    full = pickle.dumps({"a": [1, 2.5, "x", b"y"], "b": (None, True, 2**70), "c": {1, 2}}, protocol=4)
    boundaries = [pos for _, _, pos in pickletools.genops(full) if pos > 0]
    assert [e["size"] for e in truncated] == boundaries
    for entry in truncated:
        data = _read(corpus, entry)
        assert full.startswith(data)
        assert linear_ops(data)[1] is not None


def _string_vm_globals(data: bytes) -> list[tuple[str, str]]:
    """The globals a real stack machine resolves, for streams made of string pushes, memo ops and STACK_GLOBAL."""
    stack: list = []
    memo: dict = {}
    found = []
    for _, name, arg in linear_ops(data)[0]:
        if name in ("SHORT_BINUNICODE", "BINUNICODE"):
            stack.append(arg)
        elif name == "MEMOIZE":
            memo[len(memo)] = stack[-1]
        elif name in ("BINPUT", "LONG_BINPUT"):
            memo[arg] = stack[-1]
        elif name in ("BINGET", "LONG_BINGET"):
            stack.append(memo[arg])
        elif name == "POP":
            stack.pop()
        elif name == "STACK_GLOBAL":
            qualname, module = stack.pop(), stack.pop()
            found.append((module, qualname))
            stack.append((module, qualname))
        elif name in ("PROTO", "FRAME"):
            continue
        else:
            break
    return found


@pytest.mark.parametrize("case", ["memoize_after_pop", "mixed_put_memoize", "long_binput_huge_keys"])
def test_memo_tricks_resolve_to_os_system(corpus, entries, case):
    data = _read(corpus, _by_id(entries)[f"hostile-{case}"])
    assert _string_vm_globals(data) == [("os", "system")]
    assert ("os", "system") not in globals_named(linear_ops(data)[0])  # what a naive scanner reconstructs


def test_joblib_envelopes_are_what_joblib_detects(corpus, entries):
    from joblib.numpy_pickle_utils import _detect_compressor

    for method in MAGIC:
        entry = _by_id(entries)[f"hostile-joblib_{method}_os_system"]
        data = _read(corpus, entry)
        assert _detect_compressor(io.BytesIO(data)) == method
        assert stream_decompress(data, method, 1 << 20)[0] == os_system_pickle(4)


def test_payload_after_array_is_invisible_to_genops(corpus, entries):
    data = _read(corpus, _by_id(entries)["hostile-joblib_payload_after_array"])
    end = data.index(ARRAY_MARKER) + len(ARRAY_MARKER)
    assert data[end:].startswith(b"\x8c\x02os\x8c\x06system\x93")
    ops, error = linear_ops(data)
    assert error is not None and ops[-1][0] < data.index(ARRAY_MARKER)


# ------------------------------------------------------------------------------------------ bombs


def test_bombs_cover_the_listed_kinds(entries):
    ids = {e["id"].removeprefix("bomb-") for e in entries if e["category"] == "bomb"}
    for required in ("binbytes8_2_62", "binunicode8_2_62", "frame_2_62", "deep_mark_1e6", "deep_tuple_1e6",
                     "huge_memo_index", "long4_gigantic_length", "long_text_1e6_digits",
                     "joblib_gzip_bomb_1gib", "joblib_zlib_bomb_1gib", "empty_input",
                     "single_proto_byte"):
        assert required in ids
    for entry in entries:
        if entry["category"] == "bomb":
            assert set(entry["expect_any"]) <= {"resource-limit", "malformed"}
            assert set(entry["scan_any"]) <= {"incomplete", "malformed"}


def test_declared_lengths_exceed_the_file(corpus, entries):
    by_id = _by_id(entries)
    for case, offset, width in (("binbytes8_2_62", 3, 8), ("binunicode8_2_62", 3, 8), ("frame_2_62", 3, 8),
                                ("long4_gigantic_length", 3, 4), ("binunicode_4gib", 3, 4)):
        data = _read(corpus, by_id[f"bomb-{case}"])
        declared = int.from_bytes(data[offset : offset + width], "little")
        assert declared > len(data) * 1000, case


def test_zlib_bomb_expands_to_a_gibibyte(corpus, entries):
    entry = _by_id(entries)["bomb-joblib_zlib_bomb_1gib"]
    data = _read(corpus, entry)
    head, total = stream_decompress(data, "zlib", 16)
    assert total == BOMB_DECOMPRESSED_SIZE + 12  # PROTO, BINBYTES8 + length, zeros, STOP
    assert head[:3] == b"\x80\x04\x8e" and int.from_bytes(head[3:11], "little") == BOMB_DECOMPRESSED_SIZE
    assert len(data) * 1000 < total


@pytest.mark.parametrize("method", ["gzip", "bz2", "xz", "lz4"])
def test_other_compression_bombs_start_like_a_pickle(corpus, entries, method):
    data = _read(corpus, _by_id(entries)[f"bomb-joblib_{method}_bomb_1gib"])
    assert data.startswith(MAGIC[method])
    head = _first_bytes(data, method, 11)
    assert head == b"\x80\x04\x8e" + BOMB_DECOMPRESSED_SIZE.to_bytes(8, "little")


def _first_bytes(data: bytes, method: str, count: int) -> bytes:
    import bz2
    import lzma
    import zlib

    if method == "gzip":
        return zlib.decompressobj(31).decompress(data[:4096], count)
    if method == "bz2":
        return bz2.BZ2Decompressor().decompress(data[:4096])[:count]
    if method == "xz":
        return lzma.LZMADecompressor().decompress(data[:65536], count)
    import lz4.frame

    return lz4.frame.LZ4FrameDecompressor().decompress(data[:1 << 20], count)


@pytest.mark.parametrize("container", ["zlib", "gzip"])
def test_deflate_bomb_builder_is_exact(container):
    prefix, suffix = b"\x80\x04header", b"tail."
    data = deflate_bomb(prefix, 8 << 20, suffix, container)
    import zlib

    assert zlib.decompress(data, 15 if container == "zlib" else 31) == prefix + bytes(8 << 20) + suffix


@pytest.mark.parametrize("container", ["bz2", "xz", "lz4"])
def test_multistream_bomb_builder_is_exact(container):
    prefix, suffix = b"\x80\x04header", b"tail."
    data = multistream_bomb(prefix, 4 << 20, suffix, container, piece=1 << 20)
    head, total = stream_decompress(data, container, 16)
    assert total == len(prefix) + (4 << 20) + len(suffix)
    assert head.startswith(prefix)


def test_billion_laughs_is_small_and_fans_out(corpus, entries):
    entry = _by_id(entries)["expansion-billion_laughs_memo"]
    assert (entry["expect"], entry["scan"]) == ("decode", "clean")
    data = _read(corpus, entry)
    ops = [name for _, name, _ in linear_ops(data)[0]]
    assert len(data) < 4096
    assert ops.count("BINGET") == 501 and ops.count("APPENDS") == 50


# ------------------------------------------------------------------------------------------ the assembler


@pytest.mark.parametrize("value", [None, True, 0, 255, 65536, -1, 2**31, 2**100, -(2**2100), "", "é😀", "a" * 300,
                                   b"", b"x" * 300, (), (1,), (1, 2, 3, 4), [], [1, [2]], {}, {"k": (1, b"v")}])
def test_asm_values_are_what_cpython_reads(value):
    data = asm_module.Asm().proto(4).value(value).stop().build()  # plain data only: no global, safe to load
    assert equal_with_types(pickle.loads(data), value)


def test_asm_records_opcode_boundaries():
    asm = asm_module.Asm().proto(4).unicode("a").memoize().stop()
    assert asm.boundaries == [0, 2, 5, 6]
    assert [pos for _, _, pos in pickletools.genops(asm.build())] == asm.boundaries
