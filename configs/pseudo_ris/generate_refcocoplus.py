# Pseudo-RIS pseudo-pair generation on the unlabeled RefCOCO+ train images (paper settings):
# SAM ViT-H automatic masks (pred_iou_thresh 0.5) matched to a class-agnostic instance model
# (CutLER in the paper; any FOUNDATION_MODELS mask generator or grounded detector fits: here
# GroundingDINO queried with a generic phrase), CoCa ViT-L/14 captions with distinctive
# sampling, CLIP RN50 distinctiveness and spaCy head nouns. Release colour order: bgr=True.
#   torchrun --nproc_per_node 4 tools/pseudo_ris/generate.py \
#       configs/pseudo_ris/generate_refcocoplus.py --work-dir data/pseudo_ris/refcoco+ --stage masks
#   (then --stage captions, --stage scores, --stage write; each resumable)
_base_ = ["../_base_/default_runtime.py", "../_base_/labelers/instance_filtered_masks.py"]
data_root = "data/"
img_root = "data/images/mscoco/images/train2014"
seed = 0
pseudo_label_dataset = dict(
    type="ReferDataset",
    data_root=data_root,
    dataset="refcoco+",
    split_by="unc",
    split="train",
    img_prefix="images/mscoco/images/train2014",
    pipeline=[dict(type="LoadImage"), dict(type="PackRISInputs")],
)
pseudo_labeler = dict(  # configs/_base_/labelers/instance_filtered_masks.py
    instance_model=dict(path="data/pretrained/grounding-dino-base"),
    bgr=False,  # True: feed SAM the BGR image, as the release does
)
captioner = dict(
    type="OpenCoCaCaptioner",
    model_name="coca_ViT-L-14",
    checkpoint="data/pretrained/coca_ViT-L-14_cc3m.safetensors",  # the authors' CC3M weights
    device="cuda",
)
caption_cfg = dict(distinctive=True, num_beams=6, max_len=30, min_len=5, pad="mean_colour")
scorer = dict(
    type="OpenCLIPScorer",
    model_name="RN50-quickgelu",
    checkpoint="data/pretrained/clip_rn50_openai.safetensors",
    device="cuda",
)
text_parser = dict(type="SpacyTextParser", model="en_core_web_lg")
score_cfg = dict(masked_margin=1.0, context_margin=1.2, pad="mean_colour")
writer = dict(img_root=img_root, rule="release")
