# Runtime shared by every risseg config (mmengine Runner).
default_scope = "risseg"
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method="fork", opencv_num_threads=0),
    # tools/train.py and tools/test.py switch to 'gloo' when CUDA is unavailable.
    dist_cfg=dict(backend="nccl"),
)
default_hooks = dict(
    timer=dict(type="IterTimerHook"),
    # every 10 iterations of training, validation and test alike (mmengine logs val / test
    # progress at the same interval): a short evaluation still reports progress
    logger=dict(type="LoggerHook", interval=10),
    param_scheduler=dict(type="ParamSchedulerHook"),
    # 'mIoU' is the key RefSegMetric reports; the best checkpoint is kept besides the last.
    checkpoint=dict(
        type="CheckpointHook", interval=1, max_keep_ckpts=2, save_best="mIoU", rule="greater"
    ),
    sampler_seed=dict(type="DistSamplerSeedHook"),
)
log_processor = dict(type="LogProcessor", window_size=50, by_epoch=True)
vis_backends = [dict(type="LocalVisBackend")]
visualizer = dict(type="Visualizer", vis_backends=vis_backends, name="visualizer")
log_level = "INFO"
load_from = None
# how load_from is loaded (risseg.engine.runner.RISRunner, built by tools/train.py and test.py):
# strict=True refuses a checkpoint with missing, unexpected or reshaped weights; configs that
# start from a related model set strict=False (what fits loads, the rest is logged) and may
# rename checkpoint keys with revise_keys=[(pattern, replacement), ...].
load_cfg = dict(strict=True)
resume = False
# `--cfg-options ema=True` appends ema_cfg to custom_hooks (tools/train.py). mmengine's EMA
# (momentum 2e-4, its default); SeqTR-style configs set ema_type="WarmupEMA", max_decay=0.999.
ema = False
ema_cfg = dict(type="EMAHook", ema_type="ExponentialMovingAverage", update_buffers=True)
