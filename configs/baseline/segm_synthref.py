# Baseline referring segmentor on SynthRef (fully supervised), sized for 2 CPU cores:
# timm's RegNetX-200MF (random init) at strides 4/8/16, a word-embedding BiGRU,
# FiLM + word-attention fusion with coordinate channels, an FPN-lite mask head (BCE + Dice).
# python tools/train.py configs/baseline/segm_synthref.py   (generates SynthRef on first use)
_base_ = [
    "../_base_/datasets/synthref.py",
    "../_base_/schedules/schedule_synthref_3e.py",
    "../_base_/default_runtime.py",
]

text_channels = 2 * 64  # bidirectional GRU, hidden 64
model = dict(
    type="RISSegmentor",
    data_preprocessor=dict(type="RISDataPreprocessor"),
    # 0.06 GFLOPs per 128x128 image up to stride 16: about 35 train img/s on one busy core.
    backbone=dict(type="TimmBackbone", model_name="regnetx_002", out_indices=(1, 2, 3)),
    # SynthRef's vocab.json has 51 words (+ PAD/UNK/CLS): 64 rows leave room to spare.
    text_encoder=dict(type="GRUTextEncoder", vocab_size=64, embed_dim=64, hidden=64),
    neck=dict(
        type="FiLMFusionNeck",
        in_channels=(24, 56, 152),  # regnetx_002 stages 1-3 (strides 4, 8, 16)
        text_channels=text_channels,
        channels=32,
    ),
    head=dict(type="SimpleMaskHead", in_channels=32, num_levels=3, channels=32),
)
