"""Early stopping whose best score and patience count survive ``--resume``."""

from __future__ import annotations

from mmengine.hooks import EarlyStoppingHook

from risseg.registry import HOOKS


@HOOKS.register_module()
class ResumableEarlyStoppingHook(EarlyStoppingHook):
    """mmengine's ``EarlyStoppingHook`` (same arguments and stopping rule) that keeps its state
    across an interrupted and resumed run.

    mmengine's hook keeps ``best_score`` and ``wait_count`` on the hook object only, so a resumed
    run starts counting patience from scratch and treats its first validation as the best one:
    it trains longer than the run it continues. This hook records both, after every validation,
    in the runner's message hub (saved in every checkpoint and restored by ``resume`` only, not by
    ``load_from``) under ``early_stopping/<monitor>``, and reads them back before training.

    The state is the one at the time the checkpoint was written. An epoch's checkpoint is
    written before that epoch's validation, and written again after it when the validation
    improved the best checkpoint's metric; this hook runs before the ``CheckpointHook``
    (priority ``LOW``; mmengine's runs last) so that the rewrite holds that validation. After a
    validation without improvement the checkpoint is not rewritten, and a run resumed from it
    counts one validation less: it may train one epoch longer than the run it continues.
    """

    priority = "LOW"

    @property
    def info_key(self) -> str:
        """Message-hub key of the state: ``early_stopping/<monitor>``."""
        return f"early_stopping/{self.monitor}"

    def before_train(self, runner) -> None:
        """Restore ``best_score`` and ``wait_count`` from a resumed checkpoint, if any."""
        state = runner.message_hub.get_info(self.info_key)
        if state is not None:
            self.best_score = state["best_score"]
            self.wait_count = state["wait_count"]
            runner.logger.info(
                f"Early stopping resumed: best {self.monitor} {self.best_score:.4f}, "
                f"{self.wait_count} of {self.patience} validations without improvement."
            )

    def after_val_epoch(self, runner, metrics: dict) -> None:
        """mmengine's decision, then record the state for a later resume."""
        super().after_val_epoch(runner, metrics)
        runner.message_hub.update_info(
            self.info_key, dict(best_score=float(self.best_score), wait_count=self.wait_count)
        )
