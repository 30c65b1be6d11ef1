"""Any timm image model as a multi-scale feature extractor."""

from __future__ import annotations

from collections.abc import Sequence

from torch import Tensor, nn

from risseg.registry import MODELS


@MODELS.register_module()
class TimmBackbone(nn.Module):
    """Wrap ``timm.create_model(..., features_only=True)``.

    Weights never come from the network: with ``checkpoint_path`` timm loads that local file
    (its classifier keys are dropped as timm does for pretrained weights); without it the
    model is randomly initialised.

    Args:
        model_name: a timm model name, e.g. ``'resnet18'``.
        out_indices: feature levels to return (timm's ``out_indices``).
        checkpoint_path: local weights file (``.pth`` / ``.safetensors``) or None.
        frozen: freeze all weights (and keep BatchNorm in eval mode).
        **kwargs: passed to ``timm.create_model`` (e.g. ``drop_path_rate``).

    Shapes:
        (B, 3, H, W) -> list of (B, C_i, H / s_i, W / s_i), finest first; ``out_channels``
        and ``strides`` list C_i and s_i.
    """

    def __init__(
        self,
        model_name: str = "resnet18",
        out_indices: Sequence[int] = (1, 2, 3, 4),
        checkpoint_path: str | None = None,
        frozen: bool = False,
        **kwargs,
    ) -> None:
        super().__init__()
        import timm  # imported here: it pulls in torchvision, slow for every other entry point

        if checkpoint_path:
            kwargs.update(pretrained=True, pretrained_cfg_overlay=dict(file=str(checkpoint_path)))
        self.model = timm.create_model(
            model_name, features_only=True, out_indices=tuple(out_indices), **kwargs
        )
        self.out_channels = tuple(self.model.feature_info.channels())
        self.strides = tuple(self.model.feature_info.reduction())
        self.frozen = frozen
        if frozen:
            self.model.requires_grad_(False)

    def train(self, mode: bool = True) -> TimmBackbone:
        """Keep a frozen backbone (and its BatchNorm statistics) in eval mode."""
        super().train(mode)
        if self.frozen:
            self.model.eval()
        return self

    def forward(self, x: Tensor) -> list[Tensor]:
        """Return the selected feature maps, finest first."""
        return list(self.model(x))
