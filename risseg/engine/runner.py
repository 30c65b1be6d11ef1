"""The risseg Runner: ``load_from`` must fit the model unless the config allows partial loading.

mmengine's Runner loads ``load_from`` with ``strict=False``: a checkpoint of another model loads
whatever happens to match, logs one "do not match exactly" warning and the run goes on with
mostly random weights. :class:`RISRunner` checks the fit first
(:func:`risseg.engine.checkpoint.check_state_dict_fit`, the rule of
:func:`risseg.apis.init_segmentor`) and refuses a checkpoint with missing, unexpected or
reshaped weights, listing them. Initialising from a related model on purpose is declared in the
config, with the arguments of mmengine's ``Runner.load_checkpoint``::

    load_from = "work_dirs/seqtr-det_synthref/epoch_5.pth"
    load_cfg = dict(strict=False, revise_keys=[(r"^module\\.", ""), (r"^old\\.", "new.")])

``strict=False`` loads the weights that fit and logs the others; ``revise_keys`` renames
checkpoint keys (regular expression, replacement) before the check. ``--resume`` always loads
strictly: a run's own checkpoint fits its model. tools/train.py and tools/test.py build this
Runner; ``runner_type='RISRunner'`` selects it where ``RUNNERS.build`` is used.
"""

from __future__ import annotations

import re
from collections import OrderedDict

from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model

from risseg.engine.checkpoint import check_state_dict_fit, state_dict_fit

# mmengine's default: strip the prefix of a DistributedDataParallel-wrapped model
DEFAULT_REVISE_KEYS = [(r"^module\.", "")]
LOAD_CFG_KEYS = frozenset({"strict", "revise_keys"})


def revised_state_dict(checkpoint: dict, revise_keys: list) -> OrderedDict:
    """The checkpoint's ``state_dict`` with every ``(pattern, replacement)`` applied to its keys
    in order (as mmengine does when loading)."""
    state = checkpoint.get("state_dict", checkpoint)
    for pattern, replacement in revise_keys:
        state = OrderedDict((re.sub(pattern, replacement, k), v) for k, v in state.items())
    return state


@RUNNERS.register_module()
class RISRunner(Runner):
    """mmengine's Runner with the checked ``load_from`` of this module's docstring.

    The config's ``load_cfg`` (``strict``, default True; ``revise_keys``, default mmengine's)
    applies to ``load_from``; unknown ``load_cfg`` keys are an error.
    """

    def load_checkpoint(
        self,
        filename: str,
        map_location: str = "cpu",
        strict: bool | None = None,
        revise_keys: list | None = None,
    ) -> dict:
        """Load ``filename`` into the model after checking that it fits.

        Args:
            filename: local checkpoint file.
            map_location: as for :func:`torch.load`.
            strict: refuse a checkpoint that does not fit exactly; None: ``load_cfg.strict``
                (True when resuming).
            revise_keys: ``(pattern, replacement)`` pairs applied to the checkpoint keys; None:
                ``load_cfg.revise_keys``, else mmengine's default.

        Returns:
            The checkpoint dict.

        Raises:
            CheckpointMismatchError: strict and the weights do not fit.
        """
        load_cfg = {} if self._resume else dict(self.cfg.get("load_cfg") or {})
        unknown = set(load_cfg) - LOAD_CFG_KEYS
        if unknown:
            raise KeyError(
                f"load_cfg: unknown key(s) {sorted(unknown)}; known: {sorted(LOAD_CFG_KEYS)}."
            )
        strict = load_cfg.get("strict", True) if strict is None else strict
        if revise_keys is None:
            revise_keys = load_cfg.get("revise_keys") or DEFAULT_REVISE_KEYS
        if any(not isinstance(pair, (list, tuple)) or len(pair) != 2 for pair in revise_keys):
            raise ValueError(
                f"load_cfg.revise_keys must be (pattern, replacement) pairs, got "
                f"{revise_keys!r} (an empty replacement is lost by --cfg-options: "
                "set it in the config file)"
            )
        checkpoint = _load_checkpoint(filename, map_location=map_location)
        self.call_hook("after_load_checkpoint", checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(self.model) else self.model
        state = revised_state_dict(checkpoint, revise_keys)
        if strict:
            check_state_dict_fit(model, state, filename)
        else:
            fit = state_dict_fit(model, state)
            if not fit.exact:
                self.logger.warning(
                    f"Partial loading (load_cfg.strict=False) of {filename}: "
                    f"{fit.describe(limit=50)}; those weights keep their "
                    "initial values."
                )
        # the fit is checked (or partial loading asked for): load what fits, log the rest
        _load_checkpoint_to_model(model, checkpoint, strict=False, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f"Load checkpoint from {filename}")
        return checkpoint
