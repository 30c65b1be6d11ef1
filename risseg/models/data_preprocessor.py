"""Batching and normalisation of RIS inputs."""

from __future__ import annotations

from mmengine.model import ImgDataPreprocessor

from risseg.registry import MODELS


@MODELS.register_module()
class RISDataPreprocessor(ImgDataPreprocessor):
    """Normalise images, pad them to one batch shape and record that shape in each sample.

    Extends mmengine's ``ImgDataPreprocessor``: images arrive as (3, H, W) uint8 RGB tensors
    and leave as a (B, 3, H_max, W_max) float batch, padded at the bottom/right. Because the
    padding is bottom/right, each sample's ``pad_shape`` becomes the batch shape, which keeps
    ``risseg.models.utils.logits_to_original`` exact.

    Args:
        mean, std: per-channel normalisation in 0-255 units (None: no normalisation).
        pad_size_divisor: pad the batch to a multiple of this.
        pad_value: value of padded pixels (before normalisation).
    """

    def __init__(
        self,
        mean: tuple[float, float, float] | None = (123.675, 116.28, 103.53),
        std: tuple[float, float, float] | None = (58.395, 57.12, 57.375),
        pad_size_divisor: int = 1,
        pad_value: float = 0,
    ) -> None:
        super().__init__(mean=mean, std=std, pad_size_divisor=pad_size_divisor, pad_value=pad_value)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Normalise and stack; returns ``{'inputs': (B, 3, H, W) float, 'data_samples'}``."""
        data = super().forward(data, training)
        samples = data.get("data_samples")
        if samples is not None:
            shape = tuple(data["inputs"].shape[-2:])
            for sample in samples:
                sample.set_metainfo(dict(batch_input_shape=shape, pad_shape=shape))
        return data
