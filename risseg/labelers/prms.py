"""TRIS positive response-map selection (PRMS): one localisation map per training ref."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint
from mmengine.structures import PixelData
from torch import Tensor, nn

from risseg.labelers.base import BasePseudoLabeler
from risseg.models.losses.tris_losses import scorer_pixel_spec
from risseg.models.utils import build
from risseg.registry import FOUNDATION_MODELS, LABELERS, MODELS, TOKENIZERS
from risseg.structures import RISDataSample, SampleList


def select_map(image_feats: Tensor, text_feats: Tensor) -> tuple[int, Tensor]:
    """PRMS's choice: the map whose foreground best matches *all* sentences of the ref.

    Args:
        image_feats: (K, D) normalised features of the K foreground images (one per sentence).
        text_feats: (K, D) normalised features of the K sentences.

    Returns:
        ``(index, scores)``: the arg-max of ``scores`` (K,) = sum over sentences of the cosine.
    """
    scores = (image_feats @ text_feats.T).sum(-1)  # (K, K) -> (K,)
    return int(scores.argmax()), scores


def build_localizer(localizer: str | dict | nn.Module) -> nn.Module:
    """The localiser of a config file's ``model`` (without ``fg_loss``), a dict or a module."""
    if isinstance(localizer, str):
        cfg = Config.fromfile(localizer).model.to_dict()
        cfg["fg_loss"] = None  # the frozen training scorer is not needed to predict
        with DefaultScope.overwrite_default_scope("risseg"):
            return MODELS.build(cfg)
    return build(localizer)


@LABELERS.register_module()
class PRMSLabeler(BasePseudoLabeler):
    """PRMS of TRIS (https://arxiv.org/abs/2308.14575) with a trained stage-1 localiser.

    For every sample (a ref at original resolution, all its sentences in the metainfo
    ``texts``, else its ``text``), the localiser gives the ReLU response map of each sentence;
    each map times the image (the foreground) is scored by the frozen CLIP against every
    sentence of the ref, and the map with the highest summed cosine is kept.

    Writes ``response_map`` (PixelData float (1, H, W): the kept map up-sampled to the image
    and divided by its maximum, in [0, 1]), ``pseudo_mask`` (``response_map > mask_thr``),
    ``pseudo_score`` (the kept map's mean cosine), ``pseudo_keep`` (the mask is not empty) and
    ``prms_index`` (which sentence's map was kept).

    Args:
        localizer: the stage-1 training config file (its ``model``, a ``TRISLocalizer``, is
            built without ``fg_loss``), or a ``TRISLocalizer`` config dict or module.
        scorer: the frozen ImageTextScorer config or module (TRIS: CLIP ViT-B/32).
        checkpoint: local stage-1 checkpoint of the localiser (None: use it as given).
        tokenizer: the localiser's TOKENIZERS config (TRIS: ``CLIPTokenizer``).
        max_length: token length (TRIS: 20).
        input_size: (H, W) of the localiser's input (TRIS: 320 x 320).
        fg_space: ``'clip'`` (the image in the scorer's normalisation) or ``'input'`` (the
            localiser's input normalisation, as released); see ``TRISLocalizer``.
        mask_thr: threshold of ``pseudo_mask`` on the max-normalised map (0.15: the release's
            ``cam_eval_thres``; 0 keeps every positive response).
    """

    def __init__(
        self,
        localizer: str | dict | nn.Module,
        scorer: dict | nn.Module,
        *,
        checkpoint: str | None = None,
        tokenizer: dict | None = None,
        max_length: int = 20,
        input_size: tuple[int, int] = (320, 320),
        fg_space: str = "clip",
        mask_thr: float = 0.15,
    ) -> None:
        super().__init__()
        self.localizer = build_localizer(localizer)
        if checkpoint is not None:
            load_checkpoint(self.localizer, checkpoint, map_location="cpu", strict=True)
        self.localizer.eval()
        self.scorer = FOUNDATION_MODELS.build(scorer) if isinstance(scorer, dict) else scorer
        self.scorer.eval()
        self.tokenizer = TOKENIZERS.build(tokenizer or dict(type="CLIPTokenizer"))
        self.max_length = max_length
        self.input_size = tuple(input_size)
        if fg_space not in ("clip", "input"):
            raise ValueError(f"PRMSLabeler: fg_space must be 'clip' or 'input', got {fg_space!r}")
        self.fg_space = fg_space
        self.mask_thr = mask_thr
        self.size, self.mean, self.std = scorer_pixel_spec(self.scorer)

    def _text_samples(self, texts: list[str], frame: tuple[int, int]) -> SampleList:
        """One sample per sentence with its tokens, in the localiser's input frame."""
        out = []
        for text in texts:
            ids, mask = self.tokenizer(text, self.max_length)
            s = RISDataSample(metainfo=dict(text=text, img_shape=frame, pad_shape=frame))
            s.text_ids, s.text_mask = torch.tensor(ids), torch.tensor(mask, dtype=torch.bool)
            out.append(s)
        return out

    def _resize(self, x: Tensor, size: tuple[int, int], align_corners: bool = False) -> Tensor:
        return F.interpolate(x, size=size, mode="bilinear", align_corners=align_corners)

    def _label_one(self, image: Tensor, texts: list[str]) -> tuple[Tensor, float, int]:
        """(map (H, W) in [0, 1], score, index) for one (3, H, W) uint8 image."""
        pre = self.localizer.data_preprocessor
        device = pre.mean.device if hasattr(pre, "mean") else image.device
        rgb = image.to(device).float()[None]  # (1, 3, H, W), 0-255
        net_in = self._resize(rgb, self.input_size)
        if getattr(pre, "_enable_normalize", False):
            net_in = (net_in - pre.mean) / pre.std
        k = len(texts)
        samples = self._text_samples(texts, self.input_size)
        maps = self.localizer.response_maps(net_in.expand(k, -1, -1, -1), samples)  # (K,1,h,w)
        s = (self.size, self.size)
        if self.fg_space == "clip":
            mean = rgb.new_tensor(self.mean)[:, None, None]
            std = rgb.new_tensor(self.std)[:, None, None]
            base = (self._resize(rgb / 255.0, s, True) - mean) / std
        else:
            base = self._resize(net_in, s, True)
        fg = self._resize(maps, s, True) * base  # (K, 3, S, S)
        idx, scores = select_map(self.scorer.encode_images(fg), self.scorer.encode_texts(texts))
        full = self._resize(maps[idx : idx + 1], tuple(image.shape[-2:]))[0, 0]
        full = full / (full.max() + 1e-5)
        return full.clamp(0, 1).cpu(), float(scores[idx]) / k, idx

    @torch.no_grad()
    def forward(self, inputs: Tensor | None, data_samples: SampleList) -> SampleList:
        """Select one map per sample; ``inputs`` are (B, 3, H, W) uint8 at original size."""
        if inputs is None:
            raise ValueError("PRMSLabeler needs the images")
        self.localizer.eval()
        for i, sample in enumerate(data_samples):
            h, w = sample.metainfo.get("img_shape", inputs.shape[-2:])[:2]
            image = inputs[i, :, :h, :w]
            if image.dtype != torch.uint8:
                raise TypeError(f"PRMSLabeler takes uint8 RGB images, got {image.dtype}")
            texts = list(sample.metainfo.get("texts") or [sample.metainfo.get("text")])
            if not all(isinstance(t, str) and t.strip() for t in texts):
                raise ValueError(
                    f"PRMSLabeler: ref_id={sample.metainfo.get('ref_id')} "
                    f"({sample.metainfo.get('img_path', '')}) has no usable sentence: {texts!r}"
                )
            prob, score, idx = self._label_one(image, texts)
            mask = prob > self.mask_thr
            sample.response_map = PixelData(data=prob[None])
            sample.pseudo_mask = PixelData(data=mask[None])
            sample.set_metainfo(
                dict(pseudo_score=score, pseudo_keep=bool(mask.any()), prms_index=idx)
            )
        return data_samples
