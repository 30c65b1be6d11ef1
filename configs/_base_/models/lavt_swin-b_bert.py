# LAVT (Yang et al., CVPR 2022): Swin-B (window 12) with PWAM + language gate after every stage,
# BERT-base text encoder, SimpleDecoding head (hidden 512), CE with class weights [0.9, 1.1].
# Weights come from local paths (see configs/lavt/README.md for the official downloads).
# SwinPWAM partitions windows in the release's order (pad to the window, then shift), so a
# converted release checkpoint reproduces the release's logits at any input size
# (docs/methods/lavt.md). The evaluation protocol (test_cfg.rescale, metric) is set by the
# dataset configs: the RefCOCO ones select the release's 480x480 argmax.
model = dict(
    type="LAVTSegmentor",
    # ImageNet mean/std in 0-255 units (LAVT normalises after ToTensor with the same values)
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(
        type="SwinPWAM",
        embed_dim=128,
        depths=(2, 2, 18, 2),
        num_heads=(4, 8, 16, 32),
        window_size=12,
        drop_path_rate=0.3,
        text_dim=768,
        fusion_heads=(1, 1, 1, 1),
        pretrained="data/pretrained/swin_base_patch4_window12_384_22k.pth",
    ),
    text_encoder=dict(type="BertTextEncoder", pretrained="data/pretrained/bert-base-uncased"),
    head=dict(
        type="LAVTDecoderHead",
        in_channels=(128, 256, 512, 1024),
        hidden_dim=512,  # = 1024 / 2, LAVT's SimpleDecoding width
        # LAVT normalises the weighted CE by the summed class weights (F.cross_entropy)
        loss=dict(type="WeightedCrossEntropyLoss", class_weight=(0.9, 1.1), normalize="weight"),
    ),
)
