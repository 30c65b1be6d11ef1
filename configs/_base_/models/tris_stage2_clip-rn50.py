# TRIS stage 2 (Liu et al., ICCV 2023): CLIP RN50 image tower C1..C4 and word-level CLIP text
# features (20 tokens), pixel-word attention added to C2..C4, an FPN of ConvBNPReLU blocks with
# four deep-supervision outputs, BCE on each (weight 1). Weights: OpenAI's RN50 CLIP from a
# local path (docs/methods/tris.md). Trained on pseudo masks (configs/tris/*-pseudo*.py).
clip = dict(model_name="RN50", checkpoint="data/pretrained/clip/RN50.pt")
model = dict(
    type="RISSegmentor",
    # ImageNet mean/std in 0-255 units: TRIS normalises every stage's input this way
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(type="OpenCLIPResNet", **clip),  # C1..C4: 256, 512, 1024, 2048 channels
    # word features only: the sentence projection gets no gradient and stays as loaded
    text_encoder=dict(
        type="OpenCLIPTextEncoder", context_length=20, train_projection=False, **clip
    ),
    # The release attends to all 20 positions (no padding mask): use_word_mask=False.
    neck=dict(
        type="PixelWordFusionNeck",
        in_channels=(256, 512, 1024, 2048),
        text_dim=512,  # RN50 text width
        fuse_levels=(1, 2, 3),
        use_word_mask=False,
    ),
    head=dict(
        type="DeepSupFPNHead",
        in_channels=(256, 512, 1024, 2048),
        channels=(64, 128, 256, 512),
        weights=(1.0, 1.0, 1.0, 1.0),
    ),
)
