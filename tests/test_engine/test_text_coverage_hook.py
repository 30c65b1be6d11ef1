"""TextCoverageHook counts truncated / all-unknown sentences packed by the pipeline."""

from __future__ import annotations

import logging
import warnings

import numpy as np

from risseg.datasets.transforms import PackRISInputs, TokenizeText
from risseg.datasets.transforms.formatting import DEFAULT_META_KEYS
from risseg.engine.hooks.text_coverage_hook import FLAGS, TextCoverageHook


class _Logger:
    def __init__(self, records: list) -> None:
        self.log = lambda level, msg: records.append((level, msg))


class _Runner:
    def __init__(self) -> None:
        self.records: list[tuple[int, str]] = []
        self.logger = _Logger(self.records)


def _batch(texts: list[str]) -> dict:
    tokenize = TokenizeText(dict(type="WordVocabTokenizer", vocab=["man", "red"]), max_length=3)
    pack = PackRISInputs(meta_keys=(*DEFAULT_META_KEYS, *FLAGS))
    samples = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, text in enumerate(texts):
            results = dict(
                text=text,
                ref_id=i,
                img=np.zeros((4, 4, 3), np.uint8),
                ori_shape=(4, 4),
                img_shape=(4, 4),
            )
            samples.append(pack(tokenize(results))["data_samples"])
    return dict(data_samples=samples)


def test_test_epoch_logs_the_counts_and_resets():
    hook, runner = TextCoverageHook(), _Runner()
    hook.after_test_iter(runner, 0, _batch(["red man", "a red man on a horse", "zebra"]))
    hook.after_test_iter(runner, 1, _batch(["man", "giraffe okapi"]))
    hook.after_test_epoch(runner)
    assert runner.records == [
        (
            logging.WARNING,
            "TextCoverageHook (test): 1 of 5 sentences were "
            "truncated to the tokenizer's max_length; 2 of 5 had no known "
            "word.",
        )
    ]
    hook.after_val_iter(runner, 0, _batch(["red man"]))
    hook.after_val_epoch(runner)
    assert runner.records[-1] == (
        logging.INFO,
        "TextCoverageHook (val): 0 of 1 sentences were "
        "truncated to the tokenizer's max_length; 0 of 1 had no known "
        "word.",
    )


def test_training_warns_once_per_run():
    hook, runner = TextCoverageHook(), _Runner()
    hook.after_train_iter(runner, 0, _batch(["red man"]))
    hook.after_train_epoch(runner)
    assert runner.records == []  # nothing flagged yet
    for _ in range(2):
        hook.after_train_iter(runner, 0, _batch(["zebra", "man"]))
        hook.after_train_epoch(runner)
    assert [r[0] for r in runner.records] == [logging.WARNING]
    assert "0 of 2 sentences were truncated" in runner.records[0][1]


def test_samples_without_flags_are_not_counted():
    hook, runner = TextCoverageHook(), _Runner()
    hook.after_test_iter(runner, 0, dict(data_samples=[dict(text="x")]))
    hook.after_test_epoch(runner)
    assert runner.records == []
