"""Generate the SynthRef benchmark in the REFER format.

Example:
    python tools/data/make_synthref.py --out data/synthref --preset default --seed 0

An interrupted run leaves ``<out>.partial``; the same command resumes it (docs/datasets.md).
"""

from __future__ import annotations

import argparse
import json

from risseg.datasets.synthref import PRESETS, generate_synthref


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        default="data/synthref",
        help="output folder (must not exist yet; an interrupted run is resumed)",
    )
    parser.add_argument("--preset", default="default", choices=sorted(PRESETS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--workers", type=int, default=None, help="drawing processes (default: up to 2)"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    meta = generate_synthref(args.out, args.preset, args.seed, workers=args.workers)
    seconds = meta.pop("seconds")
    print(json.dumps(meta, indent=1))
    print(
        f"SynthRef preset={args.preset} seed={args.seed}: {meta['num_images']} images, "
        f"{meta['num_refs']} refs, {meta['num_sentences']} sentences written to {args.out} "
        f"in {seconds:.1f} s"
    )


if __name__ == "__main__":
    main()
