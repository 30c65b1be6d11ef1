"""Count the expressions that were truncated or had no known word, and log the counts."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook

from risseg.registry import HOOKS

FLAGS = ("text_truncated", "text_no_known_word")


@HOOKS.register_module()
class TextCoverageHook(Hook):
    """Log how many sentences lost tokens to ``max_length`` or had no word in the vocabulary.

    ``TokenizeText`` marks each sample with ``text_truncated`` / ``text_no_known_word``; with
    those keys in ``PackRISInputs``' ``meta_keys`` this hook counts them. After every
    validation and test epoch it logs ``N of M sentences were truncated ...; K of M had no
    known word`` (a warning when N or K is not zero, summed over all ranks); in training it
    warns once per run, after the first epoch that had any. Samples without the keys are not
    counted.
    """

    priority = "LOW"

    def __init__(self) -> None:
        self._counts = {"train": [0, 0, 0], "val": [0, 0, 0], "test": [0, 0, 0]}
        self._warned_train = False

    def _count(self, mode: str, data_batch: dict | None) -> None:
        samples: Sequence = (data_batch or {}).get("data_samples") or []
        counts = self._counts[mode]
        for sample in samples:
            meta = sample.metainfo if hasattr(sample, "metainfo") else sample
            if FLAGS[0] not in meta:
                continue
            counts[0] += 1
            counts[1] += bool(meta[FLAGS[0]])
            counts[2] += bool(meta.get(FLAGS[1], False))

    def _report(self, runner, mode: str, always: bool) -> tuple[int, int, int]:
        """Sum the counts over ranks, reset them and log the line (when ``always`` or flagged)."""
        counts = torch.tensor(self._counts[mode], dtype=torch.float64)
        all_reduce(counts)  # a no-op outside distributed runs
        total, truncated, unknown = (int(v) for v in counts.tolist())
        self._counts[mode] = [0, 0, 0]
        if total and (always or truncated or unknown):
            runner.logger.log(
                logging.WARNING if truncated or unknown else logging.INFO,
                f"TextCoverageHook ({mode}): {truncated} of {total} sentences were truncated to "
                f"the tokenizer's max_length; {unknown} of {total} had no known word.",
            )
        return total, truncated, unknown

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._count("train", data_batch)

    def after_val_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._count("val", data_batch)

    def after_test_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        self._count("test", data_batch)

    def after_train_epoch(self, runner) -> None:
        if self._warned_train:
            self._counts["train"] = [0, 0, 0]
            return
        _, truncated, unknown = self._report(runner, "train", always=False)
        self._warned_train = bool(truncated or unknown)

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._report(runner, "val", always=True)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._report(runner, "test", always=True)
