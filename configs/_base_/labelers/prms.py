# TRIS PRMS (risseg/labelers/prms.py): per train ref, the stage-1 response map whose foreground
# the frozen CLIP ViT-B/32 finds closest to all the ref's sentences; pseudo_mask = map > 0.15
# of its max (the release's cam_eval_thres), response_map = the max-normalised map (what the
# refiners read). The localiser is built from the stage-1 config with its trained
# checkpoint; fg_space="input" multiplies the ImageNet-normalised image, as released.
# Method configs override checkpoint (configs/tris/prms_*.py).
pseudo_labeler = dict(
    type="PRMSLabeler",
    # the stage-1 training config: its model is built without fg_loss
    localizer="configs/tris/tris_stage1_clip-rn50_1xb48-15e_refcoco.py",
    checkpoint="work_dirs/tris_stage1_clip-rn50_1xb48-15e_refcoco/stage1.pth",
    scorer=dict(
        type="OpenCLIPScorer",
        model_name="ViT-B-32-quickgelu",
        checkpoint="data/pretrained/clip/ViT-B-32.pt",
    ),
    tokenizer=dict(type="CLIPTokenizer", mode="slice"),
    max_length=20,
    input_size=(320, 320),
    fg_space="input",
    mask_thr=0.15,
)
