"""SeqTR's sequence head: a transformer that reads the multimodal map and writes coordinates.

SeqTR (https://arxiv.org/abs/2203.16265) with the Partial-RES switches
(https://openaccess.thecvf.com/content/CVPR2023/html/Qu_Learning_To_Segment_Every_Referring_Object_Point_by_Point_CVPR_2023_paper.html):
``language_token``, ``task_prompt``, ``cctf`` and ``point_bias``. See docs/methods/seqtr.md.

Parts, one job each: target tokens (:mod:`risseg.models.layers.seq_targets`), transformer
layers (:mod:`~risseg.models.layers.seq_transformer`), greedy decoding
(:mod:`~risseg.models.layers.seq_decoding`), the dense auxiliary
(:mod:`~risseg.models.layers.seq_dense`) and tokens -> predictions
(:mod:`risseg.models.heads.seq_postprocess`). The head owns their parameters under the names
official and earlier checkpoints use (``head.input_proj``, ``head.encoder.<i>``, ...).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from risseg.models.heads.base import BaseRISHead, HeadInputs
from risseg.models.heads.seq_postprocess import check_seq_test_cfg, tokens_to_sample
from risseg.models.layers.co_content import co_content
from risseg.models.layers.positional_encoding import (
    LearnedPositionalEncoding1D,
    SinePositionalEncoding2D,
)
from risseg.models.layers.seq_decoding import greedy_decode
from risseg.models.layers.seq_dense import DenseGuidedStart, DenseLocaliser
from risseg.models.layers.seq_targets import (  # noqa: F401  (re-exported)
    SeqTargets,
    coord_frame,
    feature_padding_mask,
    pad_shape_of,
)
from risseg.models.layers.seq_transformer import SeqDecoderLayer, SeqEncoderLayer
from risseg.models.utils import build
from risseg.registry import MODELS
from risseg.structures import SampleList


@MODELS.register_module()
class SeqHead(BaseRISHead):
    """Encoder-decoder transformer predicting a mask as contour-point tokens (or a box).

    Input: ``feats.visual`` the (B, C, h, w) multimodal map, ``feats.lang`` the (B, C)
    language token or None. Training uses teacher forcing: decoder input
    [start, t_1, ..., t_K], targets [t_1, ..., t_K, END] (mask) or [t_1, ..., t_4] (box).
    ``forward`` decodes greedily (END is allowed only for masks) and returns the tokens;
    ``predict`` turns them into ``pred_mask``, ``pred_points`` and ``pred_bbox``
    (:mod:`risseg.models.heads.seq_postprocess`, whose ``test_cfg`` keys the segmentor's
    ``test_cfg`` holds).

    Args:
        in_channels: channels of the multimodal map.
        task: 'mask' (contour points) or 'box' (x1, y1, x2, y2; the REC model).
        num_points: N contour points (mask sequence length 2N + 1).
        num_bins: coordinate bins; the vocabulary is num_bins + 1 with END = num_bins.
        d_model, num_heads, ffn_dim, dropout: transformer sizes (256, 8, 1024, 0.1).
        num_encoder_layers, num_decoder_layers: depths (6, 3).
        shuffle_fraction: fraction of a batch whose valid points are permuted (one shared
            permutation); <= 0 disables it.
        end_weight: loss weight of END targets.
        size_divisor: coordinates are quantised relative to the sample's content size rounded
            up to this (SeqTR's per-image padded size, see :func:`coord_frame`); None uses
            the batch ``pad_shape``.
        box_loss_weight: in mask mode, weight of an extra box-sequence loss on every sample
            (0 disables it). Needs ``task_prompt``, which tells the two sequences apart.
        loss: config of the token loss.
        language_token: append the language token to the encoder input (Partial-RES).
        task_prompt: learned start token for mask sequences (Partial-RES).
        cctf: co-content teacher forcing (Partial-RES), with ``cctf_axes`` convention.
        point_bias: Gaussian point-modulated cross-attention bias (Partial-RES).
        dense_loss_weight: weight of the dense auxiliary loss (:class:`DenseLocaliser`, not
            in SeqTR; 0 disables it).
        dense_box_targets: in the mask task, also train the dense loss on box-supervised
            samples (their filled box as target).
        dense_guided_start: add :class:`DenseGuidedStart` content to the start token (needs
            ``dense_loss_weight > 0``).
        task_embedding: add a learned embedding to every decoder input of mask sequences
            (not in SeqTR or Partial-RES; docs/methods/seqtr.md).
        task_init_std: standard deviation of the initial ``task_prompt`` and
            ``task_embedding`` vectors (0.02: transformer-style; 1.0: the scale of a
            token-embedding row; docs/methods/seqtr.md).
        min_points: at inference, END may not end a mask sequence before this many points
            (0: free decoding, as SeqTR; a polygon needs 3).
        init_cfg: mmengine init config.
    """

    def __init__(
        self,
        in_channels: int = 1024,
        *,
        task: str = "mask",
        num_points: int = 18,
        num_bins: int = 1000,
        d_model: int = 256,
        num_heads: int = 8,
        ffn_dim: int = 1024,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 3,
        dropout: float = 0.1,
        shuffle_fraction: float = -1.0,
        end_weight: float = 0.1,
        size_divisor: int | None = 32,
        box_loss_weight: float = 0.0,
        loss: dict | nn.Module | None = None,
        language_token: bool = False,
        task_prompt: bool = False,
        cctf: bool = False,
        cctf_axes: str = "natural",
        point_bias: bool = False,
        dense_loss_weight: float = 0.0,
        dense_box_targets: bool = True,
        dense_guided_start: bool = False,
        task_embedding: bool = False,
        task_init_std: float = 0.02,
        min_points: int = 0,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if task not in ("mask", "box"):
            raise ValueError(f"task must be 'mask' or 'box', got {task!r}")
        if task == "mask" and box_loss_weight > 0 and not task_prompt:
            # both sequences would start from the same token, with conflicting first targets
            raise ValueError(
                "box_loss_weight > 0 needs task_prompt=True: the mask and box "
                "sequences must start from different tokens."
            )
        if dense_guided_start and dense_loss_weight <= 0:
            raise ValueError("dense_guided_start needs dense_loss_weight > 0")
        if not 0 <= min_points <= num_points:
            raise ValueError(
                f"min_points must be in [0, num_points={num_points}], got {min_points}"
            )
        self.task = task
        self.num_points = num_points
        self.num_bins = num_bins
        self.end = num_bins
        self.d_model = d_model
        self.end_weight = end_weight
        self.box_loss_weight = box_loss_weight
        self.use_language_token = language_token
        self.cctf = cctf
        self.cctf_axes = cctf_axes
        self.dense_loss_weight = dense_loss_weight
        self.task_init_std = task_init_std
        self.min_points = min_points
        self.targets = SeqTargets(
            num_points, num_bins, shuffle_fraction=shuffle_fraction, size_divisor=size_divisor
        )
        self.loss_token = build(loss or dict(type="LabelSmoothCrossEntropyLoss", smoothing=0.1))
        # construction order = parameter order and random-init order of earlier checkpoints
        self.input_proj = nn.Conv1d(in_channels, d_model, 1)
        self.input_norm = nn.GroupNorm(min(32, d_model), d_model)
        self.pos_2d = SinePositionalEncoding2D(d_model // 2, normalize=True)
        self.encoder = nn.ModuleList(
            SeqEncoderLayer(d_model, num_heads, ffn_dim, dropout) for _ in range(num_encoder_layers)
        )
        self.decoder = nn.ModuleList(
            SeqDecoderLayer(d_model, num_heads, ffn_dim, dropout, point_bias=point_bias)
            for _ in range(num_decoder_layers)
        )
        self.decoder_norm = nn.LayerNorm(d_model)
        self.token_embed = nn.Embedding(num_bins + 1, d_model)
        self.pos_1d = LearnedPositionalEncoding1D(max(2 * num_points + 1, 5), d_model)
        self.task_prompt = nn.Parameter(torch.zeros(1, d_model)) if task_prompt else None
        self.mask_task_embed = nn.Parameter(torch.zeros(1, 1, d_model)) if task_embedding else None
        self.predictor = nn.Sequential(
            nn.Linear(d_model, d_model),
            nn.ReLU(inplace=True),
            nn.Linear(d_model, d_model),
            nn.ReLU(inplace=True),
            nn.Linear(d_model, num_bins + 1),
        )
        self.dense_pred = (
            DenseLocaliser(d_model, task=task, box_targets=dense_box_targets)
            if dense_loss_weight > 0
            else None
        )
        self.start_proj = DenseGuidedStart(d_model) if dense_guided_start else None
        self._init_transformer()

    def _init_transformer(self) -> None:
        """Xavier-uniform for attention/FFN matrices (DETR); the point-bias MLP keeps zeros."""
        for layer in [*self.encoder, *self.decoder]:
            for name, param in layer.named_parameters():
                if param.dim() > 1 and "point_bias" not in name:
                    nn.init.xavier_uniform_(param)
        if self.task_prompt is not None:
            nn.init.normal_(self.task_prompt, std=self.task_init_std)
        if self.mask_task_embed is not None:
            nn.init.normal_(self.mask_task_embed, std=self.task_init_std)

    def coord_frame(self, sample) -> tuple[int, int]:
        """(H, W) the sample's coordinates are quantised against (see :func:`coord_frame`)."""
        return self.targets.coord_frame(sample)

    # ----------------------------------------------------------------------------- encoder
    def encode(self, feats: HeadInputs, samples: SampleList) -> dict:
        """Run the encoder.

        Args:
            feats: ``visual`` (B, C, h, w) multimodal map; ``lang`` (B, C) language token
                (used when ``language_token``) or None.
            samples: the batch's samples (for the padding mask).

        Returns:
            dict with ``memory`` (B, S, d), ``pos`` (B, S, d), ``padding_mask`` (B, S),
            ``grid`` (B, h, w, d) visual memory, ``feat_shape`` (h, w), ``valid_ratio``
            (B, 2), and with the dense auxiliary ``dense_logits`` (B, h, w) (and
            ``start_content`` (B, 1, d)).
        """
        fused, lang = feats.visual, feats.lang
        b, c, h, w = fused.shape
        pad_mask = feature_padding_mask(samples, (h, w), fused.device)  # (B, h, w)
        x = fused.flatten(2)  # (B, C, h, w) -> (B, C, h*w)
        pos = self.pos_2d(pad_mask).flatten(2).transpose(1, 2)  # (B, d, h, w) -> (B, h*w, d)
        mask = pad_mask.flatten(1)  # (B, h*w)
        if self.use_language_token:
            if lang is None:
                raise ValueError("SeqHead(language_token=True) needs the neck's language token")
            x = torch.cat([x, lang[:, :, None]], dim=2)  # (B, C, h*w + 1)
            pos = torch.cat([pos, pos.new_zeros(b, 1, self.d_model)], dim=1)
            mask = torch.cat([mask, mask.new_zeros(b, 1)], dim=1)
        x = self.input_norm(self.input_proj(x)).transpose(1, 2)  # (B, d, S) -> (B, S, d)
        for layer in self.encoder:
            x = layer(x, pos, mask)
        valid = (~pad_mask).float()
        valid_ratio = torch.stack([valid[:, 0, :].mean(1), valid[:, :, 0].mean(1)], dim=1)
        grid = x[:, : h * w].reshape(b, h, w, self.d_model)  # (B, h*w, d) -> (B, h, w, d)
        enc = dict(
            memory=x,
            pos=pos,
            padding_mask=mask,
            grid=grid,
            feat_shape=(h, w),
            valid_ratio=valid_ratio,
        )
        if self.dense_pred is not None:
            enc["dense_logits"] = self.dense_pred(grid)  # (B, h, w)
            if self.start_proj is not None:
                enc["start_content"] = self.start_proj(enc["dense_logits"], pad_mask, x, pos)
        return enc

    # ----------------------------------------------------------------------------- decoder
    def _start(self, batch: int, task: str, enc: dict) -> Tensor:
        """(B, 1, d) start embedding: the task prompt for masks if enabled, else zeros, plus
        the dense-guided content when ``dense_guided_start``."""
        if task == "mask" and self.task_prompt is not None:
            start = self.task_prompt[None].expand(batch, -1, -1)
        else:
            start = enc["memory"].new_zeros(batch, 1, self.d_model)
        if "start_content" in enc:
            start = start + enc["start_content"]
        return start

    def _embed(
        self, tokens: Tensor, enc: dict, first_is_x: bool = True, task: str = "mask"
    ) -> Tensor:
        """Token embeddings (B, T, d), plus the CCTF content and the mask-task embedding when
        enabled."""
        emb = self.token_embed(tokens)
        if task == "mask" and self.mask_task_embed is not None:
            emb = emb + self.mask_task_embed
        if self.cctf:
            emb = emb + co_content(
                enc["grid"], tokens, self.num_bins, first_is_x=first_is_x, axes=self.cctf_axes
            )
        return emb

    def _readout(self, state: Tensor) -> Tensor:
        """Decoder states (B, T, d) -> token logits (B, T, V)."""
        return self.predictor(self.decoder_norm(state))

    def decode(self, inputs: Tensor, enc: dict) -> Tensor:
        """Decoder pass with a causal mask: inputs (B, T, d) -> logits (B, T, V)."""
        t = inputs.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=inputs.device).triu(1)
        query_pos = self.pos_1d(t)
        x = inputs
        for layer in self.decoder:
            x = layer(
                x,
                query_pos,
                enc["memory"],
                enc["pos"],
                enc["padding_mask"],
                causal,
                feat_shape=enc["feat_shape"],
                valid_ratio=enc["valid_ratio"],
            )
        return self._readout(x)

    # ----------------------------------------------------------------------------- losses
    def loss(self, feats: HeadInputs, samples: SampleList) -> dict[str, Tensor]:
        """Teacher-forced losses.

        Args:
            feats: ``visual`` (B, C, h, w) multimodal map; ``lang`` (B, C) or None.
            samples: B samples with ``gt_points`` / ``gt_mask`` (mask task) and ``gt_bbox``.

        Returns:
            ``loss_mask`` (mask task, over mask-supervised samples only; samples with
            supervision 'box' or 'none' are excluded), ``loss_box`` (box task or
            ``box_loss_weight``) and ``loss_dense`` (dense auxiliary).
        """
        enc = self.encode(feats, samples)
        losses = {}
        if self.task == "mask":
            losses["loss_mask"] = self._mask_loss(enc, samples)
        if self.task == "box" or self.box_loss_weight > 0:
            weight = 1.0 if self.task == "box" else self.box_loss_weight
            losses["loss_box"] = weight * self._box_loss(enc, samples)
        if self.dense_pred is not None:
            dense = self.dense_pred.loss(enc["dense_logits"], samples)
            losses["loss_dense"] = self.dense_loss_weight * dense
        return losses

    def _mask_loss(self, enc: dict, samples: SampleList) -> Tensor:
        device = enc["memory"].device
        tokens = self.targets.shuffle_points(self.targets.point_tokens(samples, device))
        b = tokens.shape[0]
        targets = torch.cat([tokens, tokens.new_full((b, 1), self.end)], dim=1)  # (B, 2N + 1)
        inputs = torch.cat([self._start(b, "mask", enc), self._embed(tokens, enc)], 1)
        logits = self.decode(inputs, enc)
        keep = self.targets.supervised(samples, device).float()  # (B,)
        weight = torch.where(targets == self.end, self.end_weight, 1.0) * keep[:, None]
        if keep.sum() == 0:
            return logits.sum() * 0.0
        return self.loss_token(logits, targets, weight, avg_factor=keep.sum() * targets.shape[1])

    def _box_loss(self, enc: dict, samples: SampleList) -> Tensor:
        tokens = self.targets.box_tokens(samples, enc["memory"].device)  # (B, 4)
        b = tokens.shape[0]
        start = self._start(b, "box", enc)
        inputs = torch.cat([start, self._embed(tokens[:, :3], enc, task="box")], dim=1)
        logits = self.decode(inputs, enc)[..., : self.num_bins]  # END is never a box target
        return self.loss_token(logits, tokens)

    # ----------------------------------------------------------------------------- inference
    @torch.no_grad()
    def forward(
        self, feats: HeadInputs, samples: SampleList | None = None, task: str | None = None
    ) -> Tensor:
        """Greedy decoding.

        Args:
            feats: ``visual`` (B, C, h, w) multimodal map; ``lang`` (B, C) or None.
            samples: the batch's samples.
            task: 'mask' or 'box' (default: the head's task).

        Returns:
            (B, 2N + 1) mask tokens (END-filled after the first END) or (B, 4) box tokens.
        """
        task = task or self.task
        enc = self.encode(feats, samples)
        steps = 2 * self.num_points + 1 if task == "mask" else 4
        return greedy_decode(
            self.decoder,
            enc,
            self._start(feats.visual.shape[0], task, enc),
            self.pos_1d(steps),
            readout=self._readout,
            embed=lambda token, step: self._embed(
                token[:, None], enc, first_is_x=step % 2 == 0, task=task
            ),
            end=self.end,
            allow_end_from=2 * self.min_points if task == "mask" else None,
        )

    def predict(
        self, feats: HeadInputs, samples: SampleList, test_cfg: dict | None = None
    ) -> SampleList:
        """Decode greedily (:meth:`forward`), then :meth:`postprocess`."""
        return self.postprocess(self.forward(feats, samples), samples, test_cfg)

    def postprocess(
        self, tokens: Tensor, samples: SampleList, test_cfg: dict | None = None
    ) -> SampleList:
        """Rasterise (B, T) tokens and map them to the output frame of ``test_cfg``
        (:mod:`risseg.models.heads.seq_postprocess`): ``pred_mask``, ``pred_points``,
        ``pred_bbox`` and the ``pred_frame`` metainfo of each sample."""
        test_cfg = test_cfg or {}
        for row, sample in zip(tokens, samples, strict=True):
            tokens_to_sample(
                row,
                sample,
                test_cfg,
                coord_frame=self.coord_frame(sample),
                num_bins=self.num_bins,
                task=self.task,
            )
        return samples

    @staticmethod
    def check_test_cfg(test_cfg: dict) -> None:
        """Raise ValueError for a ``test_cfg`` that :meth:`predict` cannot honour."""
        check_seq_test_cfg(test_cfg)
