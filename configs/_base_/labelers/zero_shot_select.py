# S+S+C "Select" (risseg/labelers/zero_shot_select.py): one of a ref's candidate instances
# (pseudo_instances, from LoadPseudoInstances) chosen by reverse blur with CLIP ViT-L/14@336px
# (blur sigma 50 px, candidates under 500 px skipped, mean over the ref's sentences of
# 100 * cos); choice="random" / "first", or "best" (the GT oracle, analysis only).
pseudo_labeler = dict(
    type="ZeroShotSelectLabeler",
    choice="reverse_blur",
    scorer=dict(
        type="OpenCLIPScorer",
        model_name="ViT-L-14-336-quickgelu",
        checkpoint="data/pretrained/clip-vit-l-14-336/open_clip_model.safetensors",
    ),
    sigma=50.0,
    min_area=500,
    channel_order="RGB",
)
