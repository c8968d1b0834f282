#!/usr/bin/env python3
"""Writes the pickle test corpus: `generate_corpus.py OUT_DIR [--seed N]`.

OUT_DIR gets benign/, code/, hostile/, bomb/ and manifest.json (see tests/pickle/README.md for the layout and the
meaning of every manifest field). Needs numpy, dill, cloudpickle, joblib and lz4 (tests/requirements.txt).
Deterministic for a given seed and package versions: the script re-executes itself with PYTHONHASHSEED=0 so
that sets of strings are pickled in the same order every time. Hostile and bomb files are written, never loaded.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path, help="directory to write the corpus into")
    parser.add_argument("--seed", type=int, default=None, help="seed of the value generators")
    args = parser.parse_args(argv)
    if os.environ.get("PYTHONHASHSEED") != "0":
        env = dict(os.environ, PYTHONHASHSEED="0")
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]], env)

    from corpus.build import DEFAULT_SEED, generate

    started = time.monotonic()
    manifest = generate(args.out_dir, DEFAULT_SEED if args.seed is None else args.seed)
    import json

    document = json.loads(manifest.read_text())
    counts = ", ".join(f"{n} {c}" for c, n in sorted(document["counts"].items()))
    print(f"wrote {len(document['entries'])} files ({counts}; {document['bytes'] / 1e6:.1f} MB) to {args.out_dir} "
          f"in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
