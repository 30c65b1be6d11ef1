# CRIS (Wang et al., CVPR 2022) with CLIP RN50, as in its release (DerrickWang005/CRIS.pytorch,
# config/<dataset>/cris_r50.yaml): C3, C4 and CLIP's attention pool run at every C4 position
# (C5, 1024 channels), the 17-token CLIP text tower (words 512, sentence 1024), the
# sentence-conditioned FPN [512, 1024, 1024] -> [256, 512, 1024], a 3-layer vision-language
# decoder (8 heads, FFN 2048, dropout 0.1), the sentence-filter projector (256 channels, 3x3)
# and the text-to-pixel contrastive loss; prediction: sigmoid > 0.35 at the original size.
# Weights: OpenAI's RN50 CLIP as open_clip safetensors (docs/foundation_models.md).
clip = dict(model_name="RN50-quickgelu", checkpoint="data/pretrained/clip/rn50_openai.safetensors")
word_len = 17
model = dict(
    type="CRIS",
    # CLIP's mean / std in 0-255 units
    data_preprocessor=dict(
        type="RISDataPreprocessor",
        mean=(122.7709383, 116.7460125, 104.09373615),
        std=(68.5005327, 66.6321579, 70.32316305),
    ),
    backbone=dict(type="OpenCLIPResNet", out_indices=(1, 2, 3), spatial_attnpool=True, **clip),
    text_encoder=dict(type="OpenCLIPTextEncoder", context_length=word_len, **clip),
    neck=dict(type="CRISFPN", in_channels=(512, 1024, 1024), channels=(256, 512, 1024)),
    head=dict(
        type="CRISHead",
        in_channels=512,
        text_dim=512,
        sentence_dim=1024,
        num_layers=3,
        num_heads=8,
        ffn_channels=2048,
        dropout=0.1,
        prob_thr=0.35,
        loss=dict(type="TextPixelContrastiveLoss"),
    ),
)
