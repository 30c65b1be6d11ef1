"""Print a config as the tools see it: its ``_base_`` files merged and ``--cfg-options`` applied.

    python tools/misc/print_config.py CONFIG [--cfg-options key=value ...] [--save-path out.py]

Unknown top-level ``--cfg-options`` keys are refused as ``tools/train.py`` refuses them.
"""

from __future__ import annotations

import argparse
import sys

from mmengine.config import Config, DictAction

from risseg.engine.run_config import check_cfg_options


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Print the whole config")
    parser.add_argument("config", help="config file path")
    parser.add_argument(
        "--cfg-options",
        nargs="+",
        action=DictAction,
        help="override config entries, e.g. train_dataloader.batch_size=8",
    )
    parser.add_argument("--save-path", help="also write the merged config to this .py file")
    return parser.parse_args()


def main() -> str:
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        try:
            check_cfg_options(cfg, args.cfg_options)
        except KeyError as err:
            sys.exit(f"print_config.py: {err.args[0]}")
        cfg.merge_from_dict(args.cfg_options)
    text = cfg.pretty_text
    print(text)
    if args.save_path:
        cfg.dump(args.save_path)
    return text


if __name__ == "__main__":
    main()
