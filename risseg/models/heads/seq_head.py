"""SeqTR's sequence head: a transformer that reads the multimodal map and writes coordinates.

SeqTR (https://arxiv.org/abs/2203.16265) with the Partial-RES switches
(https://openaccess.thecvf.com/content/CVPR2023/html/Qu_Learning_To_Segment_Every_Referring_Object_Point_by_Point_CVPR_2023_paper.html):
``language_token``, ``task_prompt``, ``cctf`` and ``point_bias``. See docs/methods/seqtr.md.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from risseg.models.layers.co_content import co_content
from risseg.models.layers.positional_encoding import (
    LearnedPositionalEncoding1D,
    SinePositionalEncoding2D,
)
from risseg.models.layers.seq_transformer import SeqDecoderLayer, SeqEncoderLayer
from risseg.models.losses.dice_loss import DiceLoss
from risseg.models.utils import build
from risseg.registry import MODELS
from risseg.structures import SampleList
from risseg.utils.contour import box_to_tokens, mask_to_contour_points, points_to_tokens


def pad_shape_of(sample) -> tuple[int, int]:
    """(H, W) of the padded network input of a sample."""
    meta = sample.metainfo
    shape = meta.get("pad_shape", meta.get("batch_input_shape", meta.get("img_shape")))
    return int(shape[0]), int(shape[1])


def coord_frame(sample, size_divisor: int | None = 32) -> tuple[int, int]:
    """(H, W) that coordinates are quantised against (the ``relative`` mapping).

    SeqTR divides by the image's own padded size: the resized content (plus any letterbox
    offset) rounded up to a multiple of ``size_divisor``. This does not depend on how much
    further the batch was padded. ``size_divisor=None`` uses the batch ``pad_shape``.
    """
    if size_divisor is None:
        return pad_shape_of(sample)
    meta = sample.metainfo
    img_h, img_w = meta["img_shape"][:2]
    x0, y0 = meta.get("img_offset", (0, 0))
    return (
        -(-(int(img_h) + int(y0)) // size_divisor) * size_divisor,
        -(-(int(img_w) + int(x0)) // size_divisor) * size_divisor,
    )


def feature_padding_mask(
    samples: SampleList, feat_shape: tuple[int, int], device: torch.device
) -> Tensor:
    """(B, h, w) bool map, True on feature cells that only cover input padding."""
    h, w = feat_shape
    masks = []
    for sample in samples:
        pad_h, pad_w = pad_shape_of(sample)
        img_h, img_w = sample.metainfo.get("img_shape", (pad_h, pad_w))[:2]
        x0, y0 = sample.metainfo.get("img_offset", (0, 0))
        ys = torch.arange(h, device=device) * (pad_h / h)  # top pixel row of each cell
        xs = torch.arange(w, device=device) * (pad_w / w)
        valid_y = (ys < y0 + img_h) & (ys + pad_h / h > y0)
        valid_x = (xs < x0 + img_w) & (xs + pad_w / w > x0)
        masks.append(~(valid_y[:, None] & valid_x[None, :]))
    return torch.stack(masks)


@MODELS.register_module()
class SeqHead(nn.Module):
    """Encoder-decoder transformer predicting a mask as contour-point tokens (or a box).

    Training uses teacher forcing: decoder input [start, t_1, ..., t_K], targets
    [t_1, ..., t_K, END] (mask) or [t_1, ..., t_4] (box). Inference decodes greedily;
    END is allowed only for masks.

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
            (0 disables it; Partial-RES trains the box model separately). Needs
            ``task_prompt``, which tells the two sequences apart.
        loss: config of the token loss.
        language_token: append the language token to the encoder input (Partial-RES).
        task_prompt: learned start token for mask sequences (Partial-RES).
        cctf: co-content teacher forcing (Partial-RES), with ``cctf_axes`` convention.
        point_bias: Gaussian point-modulated cross-attention bias (Partial-RES).
        dense_loss_weight: weight of an auxiliary dense localisation loss (not in SeqTR; 0
            disables it): a linear layer on the encoder's visual memory predicts, per cell,
            the fraction covered by the referent (BCE + Dice). Targets are the GT mask for
            mask-supervised samples and the filled GT box for box-supervised ones (and for
            every sample of the box task). It gives a from-scratch model a direct
            localisation signal (docs/methods/seqtr.md, "Training from scratch").
        dense_box_targets: in the mask task, also train the dense loss on box-supervised
            samples (their filled box as target); Partial-RES has boxes for every ref.
        dense_guided_start: add to the start token a projection of the encoder memory and
            positional encoding pooled with the softmax of the dense map (needs
            ``dense_loss_weight > 0``), so that the first decoded coordinate starts from
            where the dense map puts the referent.
        task_embedding: add a learned embedding to every decoder input of mask sequences
            (not in SeqTR or Partial-RES). With only ``task_prompt`` a decoder fine-tuned from
            the box model on few masks keeps the box habit of jumping to the opposite corner
            after the first point; this tells the two tasks apart at every position.
        task_init_std: standard deviation of the initial ``task_prompt`` and
            ``task_embedding`` vectors. 0.02 is a small transformer-style init; 1.0 puts them
            at the scale of a token-embedding row (``nn.Embedding``'s N(0, 1)). When the head
            starts from a trained box model with the box loss still on, a small init never
            catches up: Adam moves each element by about the learning rate per step, so after
            1050 steps at 1e-4 the prompt's norm was 1.7 against 11.3 for a token row, and
            the mask sequence still began at the box's top-left corner.
        min_points: at inference, END may not end a mask sequence before this many points
            (0: free decoding, as SeqTR). A polygon needs 3; a sequence ended after one or two
            points gives an empty or box-shaped mask.
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
    ) -> None:
        super().__init__()
        if task not in ("mask", "box"):
            raise ValueError(f"task must be 'mask' or 'box', got {task!r}")
        if task == "mask" and box_loss_weight > 0 and not task_prompt:
            # both sequences would start from the same token, with conflicting first targets
            raise ValueError("box_loss_weight > 0 needs task_prompt=True: the mask and box "
                             "sequences must start from different tokens.")
        self.task = task
        self.num_points = num_points
        self.num_bins = num_bins
        self.end = num_bins
        self.d_model = d_model
        self.shuffle_fraction = shuffle_fraction
        self.end_weight = end_weight
        self.size_divisor = size_divisor
        self.box_loss_weight = box_loss_weight
        self.use_language_token = language_token
        self.cctf = cctf
        self.cctf_axes = cctf_axes
        self.loss_token = build(loss or dict(type="LabelSmoothCrossEntropyLoss", smoothing=0.1))

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
            nn.Linear(d_model, d_model), nn.ReLU(inplace=True),
            nn.Linear(d_model, d_model), nn.ReLU(inplace=True),
            nn.Linear(d_model, num_bins + 1),
        )
        self.dense_loss_weight = dense_loss_weight
        self.dense_box_targets = dense_box_targets
        self.dense_pred = nn.Linear(d_model, 1) if dense_loss_weight > 0 else None
        self.dense_dice = DiceLoss() if dense_loss_weight > 0 else None
        if dense_guided_start and self.dense_pred is None:
            raise ValueError("dense_guided_start needs dense_loss_weight > 0")
        self.start_proj = nn.Linear(d_model, d_model) if dense_guided_start else None
        self.task_init_std = task_init_std
        if not 0 <= min_points <= num_points:
            raise ValueError(f"min_points must be in [0, num_points={num_points}], "
                             f"got {min_points}")
        self.min_points = min_points
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

    # ----------------------------------------------------------------------------- encoder
    def encode(self, feats: Tensor, lang: Tensor | None, samples: SampleList) -> dict:
        """Run the encoder.

        Args:
            feats: (B, C, h, w) multimodal map.
            lang: (B, C) language token (used when ``language_token``) or None.
            samples: the batch's samples (for the padding mask).

        Returns:
            dict with ``memory`` (B, S, d), ``pos`` (B, S, d), ``padding_mask`` (B, S),
            ``grid`` (B, h, w, d) visual memory, ``feat_shape`` (h, w), ``valid_ratio`` (B, 2).
        """
        b, c, h, w = feats.shape
        pad_mask = feature_padding_mask(samples, (h, w), feats.device)  # (B, h, w)
        x = feats.flatten(2)  # (B, C, h, w) -> (B, C, h*w)
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
            memory=x, pos=pos, padding_mask=mask, grid=grid, feat_shape=(h, w),
            valid_ratio=valid_ratio,
        )
        if self.dense_pred is not None:
            dense = self.dense_pred(grid).squeeze(-1)  # (B, h, w)
            enc["dense_logits"] = dense
            if self.start_proj is not None:
                weights = dense.flatten(1).masked_fill(pad_mask.flatten(1), float("-inf"))
                weights = weights.softmax(-1)[:, None]  # (B, 1, h*w)
                pooled = weights @ (x[:, : h * w] + pos[:, : h * w])  # (B, 1, d)
                enc["start_content"] = self.start_proj(pooled)
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

    def _embed(self, tokens: Tensor, enc: dict, first_is_x: bool = True,
               task: str = "mask") -> Tensor:
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

    def decode(self, inputs: Tensor, enc: dict) -> Tensor:
        """Decoder pass with a causal mask: inputs (B, T, d) -> logits (B, T, V)."""
        t = inputs.shape[1]
        causal = torch.ones(t, t, dtype=torch.bool, device=inputs.device).triu(1)
        query_pos = self.pos_1d(t)
        x = inputs
        for layer in self.decoder:
            x = layer(
                x, query_pos, enc["memory"], enc["pos"], enc["padding_mask"], causal,
                feat_shape=enc["feat_shape"], valid_ratio=enc["valid_ratio"],
            )
        return self.predictor(self.decoder_norm(x))

    # ----------------------------------------------------------------------------- targets
    def coord_frame(self, sample) -> tuple[int, int]:
        """(H, W) the sample's coordinates are quantised against (see :func:`coord_frame`)."""
        return coord_frame(sample, self.size_divisor)

    def point_tokens(self, samples: SampleList, device: torch.device) -> Tensor:
        """(B, 2N) mask-sequence tokens from ``gt_points`` (computed from ``gt_mask`` if absent)."""
        rows = []
        for sample in samples:
            if "gt_points" in sample:
                points = torch.as_tensor(sample.gt_points, dtype=torch.float32)
            elif "gt_mask" in sample:
                mask = sample.gt_mask.data[0].cpu().numpy()
                points = torch.from_numpy(mask_to_contour_points(mask, self.num_points))
            else:
                points = torch.full((self.num_points, 2), -1.0)
            if points.shape != (self.num_points, 2):
                raise ValueError(
                    f"gt_points of ref {sample.metainfo.get('ref_id')} has shape "
                    f"{tuple(points.shape)}, expected ({self.num_points}, 2)"
                )
            frame = self.coord_frame(sample)
            rows.append(points_to_tokens(points.to(device), frame, self.num_bins))
        return torch.stack(rows)

    def shuffle_points(self, tokens: Tensor) -> Tensor:
        """Permute the valid points of a random ``shuffle_fraction`` of the batch.

        One random permutation of the N slots is drawn; a selected sample with n valid points
        takes its points in the order that permutation gives to slots 0..n-1, so END padding
        stays at the end (the release also moved END pairs into the middle).
        """
        b = tokens.shape[0]
        num_shuffled = int(b * self.shuffle_fraction)
        if self.shuffle_fraction <= 0 or num_shuffled == 0:
            return tokens
        points = tokens.view(b, self.num_points, 2).clone()  # (B, 2N) -> (B, N, 2)
        perm = torch.randperm(self.num_points, device=tokens.device)
        for i in torch.randperm(b)[:num_shuffled].tolist():
            n = int((points[i, :, 0] != self.end).sum())
            order = perm[perm < n]
            points[i, :n] = points[i, order]
        return points.view(b, -1)

    def _supervised(self, samples: SampleList, device: torch.device) -> Tensor:
        """(B,) bool: samples whose mask may be trained on (supervision 'mask' or unset)."""
        flags = [s.metainfo.get("supervision", "mask") == "mask" for s in samples]
        return torch.tensor(flags, device=device)

    # ----------------------------------------------------------------------------- API
    def loss(self, feats: Tensor, lang: Tensor | None, samples: SampleList) -> dict[str, Tensor]:
        """Teacher-forced losses.

        Args:
            feats: (B, C, h, w) multimodal map; lang: (B, C) language token or None.
            samples: B samples with ``gt_points`` / ``gt_mask`` (mask task) and ``gt_bbox``.

        Returns:
            ``loss_mask`` (mask task, over mask-supervised samples only; samples with
            supervision 'box' or 'none' are excluded) and/or ``loss_box``.
        """
        enc = self.encode(feats, lang, samples)
        losses = {}
        if self.task == "mask":
            losses["loss_mask"] = self._mask_loss(enc, samples)
        if self.task == "box" or self.box_loss_weight > 0:
            weight = 1.0 if self.task == "box" else self.box_loss_weight
            losses["loss_box"] = weight * self._box_loss(enc, samples)
        if self.dense_pred is not None:
            losses["loss_dense"] = self.dense_loss_weight * self._dense_loss(enc, samples)
        return losses

    def dense_targets(
        self, samples: SampleList, feat_shape: tuple[int, int], device: torch.device
    ) -> tuple[Tensor, Tensor]:
        """Per-cell referent coverage for the dense auxiliary loss.

        Args:
            samples: B samples; ``gt_mask`` (1, H_i, W_i) in the input frame and/or
                ``gt_bbox`` (4,) xyxy in the input frame.
            feat_shape: (h, w) of the encoder's visual grid.

        Returns:
            ``targets`` (B, 1, h, w) in [0, 1] (area fraction of each cell covered by the
            referent) and ``valid`` (B,) bool, False for samples without a usable target.
        """
        h, w = feat_shape
        meta = samples[0].metainfo
        in_h, in_w = meta.get("batch_input_shape", pad_shape_of(samples[0]))[:2]
        canvas = torch.zeros(len(samples), 1, int(in_h), int(in_w), device=device)
        valid = torch.zeros(len(samples), dtype=torch.bool, device=device)
        for i, sample in enumerate(samples):
            supervision = sample.metainfo.get("supervision", "mask")
            if self.task == "mask" and supervision == "mask" and "gt_mask" in sample:
                mask = sample.gt_mask.data[0].to(device).float()
                mh, mw = min(mask.shape[0], in_h), min(mask.shape[1], in_w)
                canvas[i, 0, :mh, :mw] = mask[:mh, :mw]
                valid[i] = True
            elif "gt_bbox" in sample and (
                self.task == "box" or (supervision == "box" and self.dense_box_targets)
            ):
                x1, y1, x2, y2 = sample.gt_bbox.tolist()
                canvas[i, 0, max(0, int(y1)) : int(round(y2)), max(0, int(x1)) : int(round(x2))] = 1
                valid[i] = True
        return F.adaptive_avg_pool2d(canvas, (h, w)), valid

    def _dense_loss(self, enc: dict, samples: SampleList) -> Tensor:
        logits = enc["dense_logits"][:, None]  # (B, 1, h, w)
        targets, valid = self.dense_targets(samples, enc["feat_shape"], logits.device)
        if not bool(valid.any()):
            return logits.sum() * 0.0
        logits, targets = logits[valid], targets[valid]
        return F.binary_cross_entropy_with_logits(logits, targets) + self.dense_dice(
            logits, targets
        )

    def _mask_loss(self, enc: dict, samples: SampleList) -> Tensor:
        device = enc["memory"].device
        tokens = self.shuffle_points(self.point_tokens(samples, device))  # (B, 2N)
        b = tokens.shape[0]
        targets = torch.cat([tokens, tokens.new_full((b, 1), self.end)], dim=1)  # (B, 2N + 1)
        inputs = torch.cat([self._start(b, "mask", enc), self._embed(tokens, enc)], 1)
        logits = self.decode(inputs, enc)
        keep = self._supervised(samples, device).float()  # (B,)
        weight = torch.where(targets == self.end, self.end_weight, 1.0) * keep[:, None]
        if keep.sum() == 0:
            return logits.sum() * 0.0
        return self.loss_token(logits, targets, weight, avg_factor=keep.sum() * targets.shape[1])

    def _box_loss(self, enc: dict, samples: SampleList) -> Tensor:
        device = enc["memory"].device
        boxes = torch.stack([s.gt_bbox.float() for s in samples]).to(device)  # (B, 4)
        pads = torch.tensor([self.coord_frame(s) for s in samples], device=device)  # (B, 2)
        tokens = box_to_tokens(boxes, pads, self.num_bins)  # (B, 4)
        b = tokens.shape[0]
        start = self._start(b, "box", enc)
        inputs = torch.cat([start, self._embed(tokens[:, :3], enc, task="box")], dim=1)
        logits = self.decode(inputs, enc)[..., : self.num_bins]  # END is never a box target
        return self.loss_token(logits, tokens)

    @torch.no_grad()
    def predict(
        self, feats: Tensor, lang: Tensor | None, samples: SampleList, task: str | None = None
    ) -> Tensor:
        """Greedy decoding.

        Args:
            feats: (B, C, h, w) multimodal map; lang: (B, C) language token or None.
            samples: the batch's samples.
            task: 'mask' or 'box' (default: the head's task).

        Returns:
            (B, 2N + 1) mask tokens (END-filled after the first END) or (B, 4) box tokens.
        """
        task = task or self.task
        enc = self.encode(feats, lang, samples)
        b = feats.shape[0]
        steps = 2 * self.num_points + 1 if task == "mask" else 4
        # every projection once: the memory's keys/values here, each position's in the caches
        memory_kv = [layer.memory_kv(enc["memory"], enc["pos"]) for layer in self.decoder]
        caches: list[dict[str, Tensor]] = [{} for _ in self.decoder]
        positions = self.pos_1d(steps)  # (steps, d)
        x = self._start(b, task, enc)  # (B, 1, d): the input at position 0
        out = feats.new_full((b, steps), self.end, dtype=torch.long)
        done = torch.zeros(b, dtype=torch.bool, device=feats.device)
        for step in range(steps):
            state = self._decode_step(x, positions[step : step + 1], caches, memory_kv, enc)
            logits = self.predictor(self.decoder_norm(state))
            logits = logits[:, -1]  # (B, 1, V) -> (B, V)
            if task == "box":
                logits = logits[:, : self.num_bins]
            elif step < 2 * self.min_points:
                logits = logits[:, : self.num_bins]  # END not allowed yet
            token = logits.argmax(-1).masked_fill(done, self.end)  # (B,)
            out[:, step] = token
            done |= token == self.end
            if bool(done.all()) or step == steps - 1:
                break
            x = self._embed(token[:, None], enc, first_is_x=step % 2 == 0, task=task)
        return out

    def _decode_step(
        self, x: Tensor, position: Tensor, caches: list[dict], memory_kv: list, enc: dict
    ) -> Tensor:
        """Run the decoder on one new position, reusing everything computed before it.

        With a causal mask the states of earlier positions never change, so each layer keeps
        their self-attention keys and values in its cache (updated in place) and the memory's
        keys and values are projected once per image: O(T) work per step, and no projection
        computed twice (:meth:`SeqDecoderLayer.forward_step`).

        Args:
            x: (B, 1, d) input embedding at the new position; position: (1, d) its code.
            caches: per decoder layer, its self-attention cache (empty before position 0).
            memory_kv: per decoder layer, :meth:`SeqDecoderLayer.memory_kv` of the memory.
            enc: the output of :meth:`encode`.

        Returns:
            (B, 1, d) decoder state at the new position (before the final norm).
        """
        for layer, cache, kv in zip(self.decoder, caches, memory_kv, strict=True):
            x = layer.forward_step(
                x, position, cache, kv, enc["padding_mask"],
                feat_shape=enc["feat_shape"], valid_ratio=enc["valid_ratio"],
            )
        return x
