"""Convert a REFER ``refs(<splitBy>).p`` pickle to ``refs(<splitBy>).json``.

The pickle is read with risseg's restricted unpickler, so a file holding anything but plain
data is refused (a message naming the file, exit status 1, nothing written). ``ReferDataset``
prefers the JSON file when both exist.

Example:
    python tools/data/refs_to_json.py "data/refcoco/refs(unc).p"
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import sys

from risseg.datasets.refer import load_refs
from risseg.utils.safe_pickle import UnsafePickleError


def _plain(obj):
    """JSON has no tuples, sets or bytes: turn them into lists and str."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(_plain(v) for v in obj)
    if isinstance(obj, bytes):
        return obj.decode("latin1")
    return obj


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("refs", help="refs(<splitBy>).p file")
    parser.add_argument("--out", default=None, help="output JSON (default: next to the input)")
    args = parser.parse_args()
    out = args.out or osp.splitext(args.refs)[0] + ".json"
    try:
        refs = _plain(load_refs(args.refs))
    except (OSError, ValueError, UnsafePickleError) as err:  # messages name the file
        sys.exit(f"refs_to_json.py: cannot convert {args.refs}: {err}")
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(refs, f)
    os.replace(tmp, out)
    print(f"{len(refs)} refs written to {out}")


if __name__ == "__main__":
    main()
