"""torch.distributed on this CPU machine: 2 Gloo processes on 127.0.0.1, bounded in time."""

import subprocess
import sys
from pathlib import Path

import _dist_workers as w
import numpy as np
import pytest

from fairsynth import load
from fairsynth.distributed.launch import run_ranks

pytestmark = pytest.mark.timeout(150)


def _ok(results):
    for r in results:
        assert r[0] == "ok", r
    return [r[1] for r in results]


@pytest.fixture(scope="module")
def ddp_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp") / "m.fsz"
    return _ok(run_ranks(w.ddp_worker, 2, str(out), timeout=100)), out


def test_ddp_gradients_agree_with_the_coherency_penalty(ddp_run):
    (r0, r1), _ = ddp_run
    assert r0["coherency"] > 0  # the double-backward penalty is in the loss
    assert r0["local_differs"]  # the ranks drew different rows ...
    np.testing.assert_array_equal(r0["ddp_all"][0], r0["ddp_all"][1])  # ... yet agree
    np.testing.assert_allclose(r0["ddp_all"][0], r0["mean"], rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(r0["critic"], r1["critic"])  # replicas stay identical


def test_broadcast_transformer_is_identical_and_the_model_samples_alone(ddp_run):
    (r0, r1), out = ddp_run
    assert r0["transformer"] == r1["transformer"]
    model = load(out, device="cpu")
    assert model.training_summary_["world_size"] == 2
    rows = model.sample(50, random_state=0)
    assert len(rows) == 50 and list(rows.columns) == list(w.table().columns)


def test_a_gap_swap_moves_critic_and_adam_state_between_ranks():
    (b0, a0, p0), (b1, a1, p1) = _ok(run_ranks(w.swap_worker, 2, timeout=60))
    assert b0 != b1
    assert a0 == b1 and a1 == b0  # weights, exp_avg, exp_avg_sq, step: all moved
    assert p0 == p1 == [1, 0]


def test_gap_and_pmgan_across_ranks_save_models_that_sample_on_one_process(tmp_path):
    gap_out, pm_out = tmp_path / "gap.fsz", tmp_path / "pm.fsz"
    r0, r1 = _ok(run_ranks(w.strategies_worker, 2, str(gap_out), str(pm_out), timeout=100))
    assert r0["swaps"] == r1["swaps"] > 0 and r0["selected"] == r1["selected"]
    assert r0["faced"] == [[0, 1], [0, 1]]
    np.testing.assert_array_equal(r0["pm_critic"], r1["pm_critic"])  # D, C in sync
    np.testing.assert_array_equal(r0["pm_generators"], r1["pm_generators"])  # gathered
    for path in (gap_out, pm_out):
        assert len(load(path, device="cpu").sample(40, random_state=0)) == 40


def test_a_rank_that_raises_stops_the_others_with_a_clear_error(tmp_path):
    folder = tmp_path / "ckpt"
    r0, r1 = run_ranks(w.failing_worker, 2, str(folder), timeout=60)
    assert r1[:2] == ("error", "ValueError")
    assert r0[:2] == ("error", "RankFailureError"), r0
    assert "rank 1 failed" in r0[2] and "ran out of luck" in r0[2]
    assert "epoch 1" in r0[2] and "--resume" in r0[2]
    assert (folder / "rank0.ckpt").is_file() and (folder / "latest.txt").read_text() == "1\n"


def test_torchrun_cli_gap(tmp_path, adult_small):
    adult_small.iloc[:300].to_csv(tmp_path / "t.csv", index=False)
    from fairsynth.distributed.launch import free_port

    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc-per-node",
        "2",
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(free_port()),
        "-m",
        "fairsynth",
        "fit",
        "t.csv",
        "--strategy",
        "gap",
        "--pairs",
        "2",
        "-o",
        "m.fsz",
        "--epochs",
        "1",
        "--batch-size",
        "100",
        "--device",
        "cpu",
        "-q",
    ]
    env = {
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(Path(w.__file__).parents[2]),
        "PATH": "/usr/bin:/bin",
    }
    proc = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert load(tmp_path / "m.fsz", device="cpu").n_pairs == 2


def test_torchrun_fits_validate_stop_early_and_checkpoint_as_bundles(tmp_path):
    from fairsynth.train.checkpoint import read_checkpoint

    folder = tmp_path / "ckpt"
    r0, r1 = _ok(run_ranks(w.early_stopping_worker, 2, str(folder), timeout=120))
    assert r0["refused"] and "infinite" in r0["refused"] and r1["refused"]
    es = r0["early_stopping"]
    assert es["holdout_rows"] == 200 and es["evaluations"] == 3
    assert r0["early_stopping"] == r1["early_stopping"]  # the ranks agree
    assert r0["holdout_quality"] == r1["holdout_quality"] and r0["rows"] == r1["rows"]
    for rank in (0, 1):
        config, tensors = read_checkpoint(folder / f"rank{rank}.ckpt")
        assert config["epoch"] == 3 and "early_stopping" in config and "generator" in tensors
    assert (folder / "latest.txt").read_text() == "3\n"
