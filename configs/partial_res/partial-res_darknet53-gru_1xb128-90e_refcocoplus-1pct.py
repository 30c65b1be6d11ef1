# Partial-RES step 2 on RefCOCO+ (UNC), 1 % masks: as
# partial-res_darknet53-gru_1xb128-90e_refcoco-1pct.py with N = 12 points and 20 % of each batch
# in shuffled point order (the release's num_ray / shuffle_fraction for this dataset), fine-tuned
# from det_refcocoplus_unc.py. The data settings repeat configs/seqtr/segm_refcocoplus.py (configs
# stay two _base_ hops deep).
# Protocol: SeqTR release (configs/_base_/protocols/seqtr_release.py, via segm_refcoco.py):
# mIoU in the padded 640 frame with pycocotools crowd IoU, as the Partial-RES paper reports.
#   python tools/train.py \
#       configs/partial_res/partial-res_darknet53-gru_1xb128-90e_refcocoplus-1pct.py \
#       --cfg-options ema=True load_from=work_dirs/det_refcocoplus_unc/best.pth
_base_ = ["../seqtr/segm_refcoco.py"]
# load_from (the box model) lacks the Partial-RES head weights: loaded partially, logged
load_cfg = dict(strict=False)
num_points = 12
tokenizer = dict(type="WordVocabTokenizer", vocab="data/refcoco+/seqtr_vocab.json")
_dataset = dict(dataset="refcoco+", split_by="unc")
train_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),
    dict(type="LargeScaleJitter", out_max_size=640, min_scale=0.3, max_scale=1.4),
    dict(type="SampleContourPoints", num_points=num_points, drop_zero_area=True),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=15),
    dict(type="PackRISInputs", extra_data_keys=("gt_points",)),
]
test_pipeline = [
    dict(type="LoadImage"),
    dict(type="SelectSentence"),
    dict(type="LoadReferAnnotations"),  # before the geometry (SeqTR release protocol)
    dict(type="Resize", scale=(640, 640), keep_ratio=True, mask_interpolation="nearest_cv2"),
    dict(type="Pad", size_divisor=32),
    dict(type="TokenizeText", tokenizer=tokenizer, max_length=15),
    dict(type="PackRISInputs"),
]
model = dict(
    neck=dict(return_text_token=True),
    head=dict(
        num_points=num_points,
        shuffle_fraction=0.2,
        language_token=True,
        task_prompt=True,
        cctf=True,
        cctf_axes="release",  # x reads a memory row, y a column, as the release
        point_bias=True,
    ),
)
train_dataloader = dict(
    dataset=dict(
        **_dataset,
        pipeline=train_pipeline,
        supervision_file="supervision_1pct.json",
        keep_supervision=["mask"],
    )
)
val_dataloader = dict(dataset=dict(**_dataset, pipeline=test_pipeline))
test_dataloader = dict(dataset=dict(**_dataset, pipeline=test_pipeline))
