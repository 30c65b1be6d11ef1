"""The Runner smoke test and the train/test tools (single process, CPU, in-process)."""

from __future__ import annotations

from pathlib import Path

from mmengine.runner import Runner

from risseg.engine import load_local_checkpoint
from risseg.testing import run_script

REPO_ROOT = Path(__file__).resolve().parents[2]
TINY = str(REPO_ROOT / "configs" / "tiny" / "tiny_ris.py")
TWO_ITERS = [
    "train_dataloader.dataset.num_samples=8",  # 2 iterations per epoch at batch 4
    "train_cfg.max_epochs=1",
    "log_level=WARNING",
]


def run_tool(name: str, *args: str):
    """Run ``tools/<name>.py`` main() in this process with ``args`` as its command line."""
    return run_script(REPO_ROOT / "tools" / f"{name}.py", *args)


def test_runner_trains_validates_and_tests(tiny_cfg):
    tiny_cfg.train_dataloader.dataset.num_samples = 8
    tiny_cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(tiny_cfg)
    runner.train()
    assert runner.iter == 2
    metrics = runner.test()
    assert {"mIoU", "oIoU"} <= set(metrics) and 0 <= metrics["mIoU"] <= 100
    assert (Path(tiny_cfg.work_dir) / "epoch_1.pth").is_file()


def test_train_with_ema_and_amp_then_resume_then_test(tmp_path):
    work = tmp_path / "work"
    ema = ["ema=True", "ema_cfg.ema_type=WarmupEMA", "ema_cfg.max_decay=0.99"]
    runner = run_tool(
        "train", TINY, "--work-dir", str(work), "--amp", "--cfg-options", *TWO_ITERS, *ema
    )
    assert type(runner.optim_wrapper).__name__ == "CPUAmpOptimWrapper"
    hook = next(h for h in runner.hooks if type(h).__name__ == "EMAHook")
    assert type(hook.ema_model).__name__ == "WarmupEMA" and hook.ema_model.max_decay == 0.99
    first = (work / "epoch_1.pth").read_bytes()
    ckpt = load_local_checkpoint(str(work / "epoch_1.pth"))
    assert "ema_state_dict" in ckpt and ckpt["meta"]["iter"] == 2

    runner = run_tool(
        "train",
        TINY,
        "--work-dir",
        str(work),
        "--resume",
        "--cfg-options",
        *TWO_ITERS,
        "train_cfg.max_epochs=2",
        *ema,
    )
    assert runner.iter == 4 and runner.epoch == 2
    assert (work / "epoch_1.pth").read_bytes() == first  # resumed, not retrained
    assert load_local_checkpoint(str(work / "epoch_2.pth"))["meta"]["iter"] == 4

    results = tmp_path / "results.pkl"
    metrics = run_tool(
        "test",
        TINY,
        str(work / "epoch_2.pth"),
        "--work-dir",
        str(tmp_path / "test"),
        "--out",
        str(results),
        "--cfg-options",
        "log_level=WARNING",
    )
    assert "mIoU" in metrics and results.is_file()


def test_work_dir_rule(tmp_path, monkeypatch):
    cfg_path = tmp_path / "my_tiny.py"
    cfg_path.write_text(f"_base_ = ['{TINY}']\n")
    monkeypatch.chdir(tmp_path)
    runner = run_tool("train", str(cfg_path), "--cfg-options", *TWO_ITERS)
    assert Path(runner.work_dir).resolve() == (tmp_path / "work_dirs" / "my_tiny").resolve()
    cfg_path.write_text(f"_base_ = ['{TINY}']\nwork_dir = '{tmp_path / 'from_cfg'}'\n")
    runner = run_tool("train", str(cfg_path), "--cfg-options", *TWO_ITERS)
    assert Path(runner.work_dir) == tmp_path / "from_cfg"
    assert (tmp_path / "from_cfg" / "epoch_1.pth").is_file()


def test_auto_resume_in_a_new_work_dir_keeps_load_from(tmp_path):
    """``--resume`` on a first launch starts afresh from the config's ``load_from`` (a Partial-RES
    step-2 run starts from its box model) instead of dropping it; later it resumes."""
    init = tmp_path / "init"
    run_tool("train", TINY, "--work-dir", str(init), "--cfg-options", *TWO_ITERS)
    work = tmp_path / "work"
    load = f"load_from={init / 'epoch_1.pth'}"
    runner = run_tool(
        "train", TINY, "--work-dir", str(work), "--resume", "--cfg-options", *TWO_ITERS, load
    )
    assert runner.cfg.load_from == str(init / "epoch_1.pth") and not runner.cfg.resume
    assert runner.iter == 2  # trained its own epoch from the loaded weights

    runner = run_tool(
        "train",
        TINY,
        "--work-dir",
        str(work),
        "--resume",
        "--cfg-options",
        *TWO_ITERS,
        "train_cfg.max_epochs=2",
        load,
    )
    assert runner.cfg.resume and runner.cfg.load_from == str(work / "epoch_1.pth")
    assert runner.iter == 4
