"""The shared tool plumbing: --cfg-options keys are checked before they are merged."""

import argparse
from pathlib import Path

import pytest
from mmengine.config import Config

from risseg.engine.run_config import add_default_hooks, add_run_args, load_run_config

TINY = str(Path(__file__).resolve().parents[2] / "configs" / "tiny" / "tiny_ris.py")


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("config")
    add_run_args(parser)
    return parser.parse_args([TINY, *argv])


def test_known_keys_and_runner_keys_are_merged(tmp_path):
    options = [
        "ema=True",
        "train_dataloader.batch_size=3",
        "auto_scale_lr.base_batch_size=8",
        "compile=True",
    ]
    cfg = load_run_config(
        _args("--work-dir", str(tmp_path), "--threads", "1", "--cfg-options", *options)
    )
    assert cfg.ema is True and cfg.train_dataloader.batch_size == 3
    # Runner keys the config does not define (compile: read from the config by Runner.train)
    assert cfg.auto_scale_lr.base_batch_size == 8 and cfg.compile is True


@pytest.mark.parametrize(
    "typo, suggestion", [("emaa=True", "ema"), ("train_dataloder.batch_size=3", "train_dataloader")]
)
def test_a_typo_is_refused_with_a_suggestion(typo, suggestion):
    with pytest.raises(KeyError, match=f"did you mean '{suggestion}'"):
        load_run_config(_args("--cfg-options", typo))


def test_an_unrelated_unknown_key_is_refused_naming_it():
    with pytest.raises(KeyError, match="'zzz_qqq'"):
        load_run_config(_args("--cfg-options", "zzz_qqq=1"))


def test_text_coverage_hook_is_added_once(tmp_path):
    cfg = load_run_config(_args("--work-dir", str(tmp_path)))
    types = [hook["type"] for hook in cfg.custom_hooks]
    assert types.count("TextCoverageHook") == 1
    own = Config(dict(custom_hooks=[dict(type="TextCoverageHook"), dict(type="EMAHook")]))
    add_default_hooks(own)
    assert [hook["type"] for hook in own.custom_hooks] == ["TextCoverageHook", "EMAHook"]


def test_channels_last_option_adds_its_hook(tmp_path):
    cfg = load_run_config(
        _args("--work-dir", str(tmp_path), "--cfg-options", "env_cfg.channels_last=True")
    )
    assert "ChannelsLastHook" in [hook["type"] for hook in cfg.custom_hooks]
    plain = load_run_config(_args("--work-dir", str(tmp_path)))
    assert "ChannelsLastHook" not in [hook["type"] for hook in plain.custom_hooks]
