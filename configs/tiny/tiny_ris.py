# The smallest runnable risseg model: two-conv backbone, hashed-word embeddings, FiLM fusion,
# on SyntheticRISDataset (32x32 images, two coloured squares, "the <colour> square").
# Used by the tests and the README smoke run; trains in seconds on a CPU.
_base_ = ["../_base_/default_runtime.py"]
custom_imports = dict(imports=["risseg.testing"], allow_failed_imports=False)

model = dict(
    type="RISSegmentor",
    data_preprocessor=dict(type="RISDataPreprocessor"),
    backbone=dict(type="TinyBackbone", channels=8),
    text_encoder=dict(type="TinyTextEncoder", vocab_size=1000, embed_dim=8),
    neck=dict(type="FiLMFusionNeck", in_channels=(8, 8), text_channels=8, channels=8),
    head=dict(type="SimpleMaskHead", in_channels=8, num_levels=2, channels=8),
)

train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=True),
    dataset=dict(type="SyntheticRISDataset", num_samples=16, seed=0),
)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type="SyntheticRISDataset", num_samples=10, seed=10_000, test_mode=True),
)
test_dataloader = val_dataloader
val_evaluator = dict(type="RefSegMetric")
test_evaluator = val_evaluator

optim_wrapper = dict(type="OptimWrapper", optimizer=dict(type="AdamW", lr=1e-2))
param_scheduler = []
train_cfg = dict(type="EpochBasedTrainLoop", max_epochs=2, val_interval=1)
val_cfg = dict(type="ValLoop")
test_cfg = dict(type="TestLoop")
default_hooks = dict(logger=dict(interval=1))
log_processor = dict(window_size=1)
