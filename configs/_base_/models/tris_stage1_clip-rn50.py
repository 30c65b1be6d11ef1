# TRIS stage 1 (Liu et al., ICCV 2023): the localiser. CLIP RN50 image tower (C4, 2048 channels
# at stride 32) and text tower (EOT sentence feature, 1024-d, 20 positions), both projected to
# 1024 and compared per pixel after the bilateral prompt (weight 0.1); B x B sentence
# classification (weight 5) and the frozen CLIP ViT-B/32 foreground losses L_fg (1) and L_neg
# (2). OpenAI weights from local paths (docs/methods/tris.md). Release behaviours selected here:
# learn_temperature=False (the release never optimises tau) and fg_space="input" (the
# ImageNet-normalised image goes into CLIP).
clip = dict(model_name="RN50-quickgelu", checkpoint="data/pretrained/clip/RN50.pt")
model = dict(
    type="TRISLocalizer",
    # ImageNet mean/std in 0-255 units, as TRIS normalises its input
    data_preprocessor=dict(
        type="RISDataPreprocessor", mean=(123.675, 116.28, 103.53), std=(58.395, 57.12, 57.375)
    ),
    backbone=dict(type="OpenCLIPResNet", **clip),
    text_encoder=dict(type="OpenCLIPTextEncoder", context_length=20, **clip),
    hidden_dim=1024,
    prompt_weight=0.1,
    learn_temperature=False,
    fg_loss=dict(
        type="CLIPForegroundLoss",
        scorer=dict(
            type="OpenCLIPScorer",
            model_name="ViT-B-32-quickgelu",
            checkpoint="data/pretrained/clip/ViT-B-32.pt",
        ),
        neg_eps=None,  # -log(1 - cos) unclamped, as released
    ),
    fg_space="input",
    loss_weights=dict(cls=5.0, fg=1.0, neg=2.0),
    test_cfg=dict(mask_thr=0.0),  # every positive response of the max-normalised map
)
