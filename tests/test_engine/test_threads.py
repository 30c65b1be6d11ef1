import pytest
import torch
from mmengine.config import Config

from risseg.engine.threads import apply_num_threads, auto_threads, resolve_num_threads


@pytest.fixture
def restore_threads():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.delenv("LOCAL_WORLD_SIZE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr("risseg.engine.threads.usable_cores", lambda: 8)


def _cfg(workers: int = 2, **env) -> Config:
    return Config(
        dict(
            train_dataloader=dict(num_workers=workers),
            test_dataloader=dict(num_workers=0),
            env_cfg=env,
        )
    )


@pytest.mark.parametrize(
    "cores, processes, workers, expected",
    [(2, 1, 1, 1), (2, 1, 0, 2), (2, 2, 0, 1), (16, 1, 4, 12), (16, 4, 2, 2), (2, 2, 2, 1)],
)
def test_auto_threads_shares_cores_and_leaves_room_for_workers(cores, processes, workers, expected):
    assert auto_threads(cores, processes, workers) == expected


def test_auto_uses_the_loader_of_the_run(cpu_only):
    assert resolve_num_threads(_cfg(workers=2), None, "train_dataloader") == 6
    assert resolve_num_threads(_cfg(workers=2), None, "test_dataloader") == 8


def test_auto_divides_among_local_processes(cpu_only, monkeypatch):
    monkeypatch.setenv("LOCAL_WORLD_SIZE", "2")
    assert resolve_num_threads(_cfg(workers=1), None, "train_dataloader") == 3


def test_explicit_values_win_in_order(cpu_only):
    assert resolve_num_threads(_cfg(num_threads=3), None, "train_dataloader") == 3
    assert resolve_num_threads(_cfg(num_threads=3), "5", "train_dataloader") == 5
    assert resolve_num_threads(_cfg(num_threads=3), "auto", "train_dataloader") == 6


def test_auto_keeps_omp_num_threads_and_gpu_runs(cpu_only, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert resolve_num_threads(_cfg(), None, "train_dataloader") is None
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_num_threads(_cfg(), None, "train_dataloader") is None
    assert resolve_num_threads(_cfg(), 2, "train_dataloader") == 2


@pytest.mark.parametrize("bad", ["0", "-1", "many", 1.5])
def test_bad_counts_are_refused(cpu_only, bad):
    with pytest.raises(ValueError, match="threads"):
        resolve_num_threads(_cfg(), bad, "train_dataloader")


def test_apply_sets_torch_and_records_the_count(cpu_only, restore_threads):
    cfg = _cfg(workers=7)
    assert apply_num_threads(cfg, None, "train_dataloader") == 1
    assert torch.get_num_threads() == 1 and cfg.env_cfg.num_threads == 1
