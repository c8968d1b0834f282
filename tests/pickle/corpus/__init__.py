"""Generators of wandguard's pickle test corpus (benign, code, hostile, bomb) and its manifest.

Entry point: `build.generate(out_dir, seed)`, wrapped by tests/pickle/generate_corpus.py. Nothing in this package
ever unpickles a hostile or bomb stream: those are assembled byte by byte (`asm`) and checked statically (`views`).
Modules import `differential` from tests/pickle, which is on sys.path under pytest and for the generator script.
"""
