"""Issue 6 parts 2-4 and 6 through the API: checkpoints and bit-identical resume, the
privacy guard, reject_copies, safe model files, same seed same rows."""

import zipfile

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth import PTGAN, FairPTGAN, load
from fairsynth.errors import InvalidParameterError, ModelFileError, TrainingInterrupted
from fairsynth.train.checkpoint import read_checkpoint

from .conftest import TINY

FAIR = dict(TINY, epochs=4, sensitive="sex", target="income", random_state=3)


def _same_networks(a, b):
    for k, v in a._tensors().items():
        assert torch.equal(v, b._tensors()[k]), k


@pytest.mark.parametrize("ema_decay", [0.0, 0.9])
def test_resume_is_bit_identical_to_an_uninterrupted_fit(adult_tiny, tmp_path, ema_decay):
    params = dict(FAIR, ema_decay=ema_decay)
    whole = FairPTGAN(**params).fit(adult_tiny)
    ckpt = tmp_path / "fit.ckpt"

    def ctrl_c_after_epoch_2(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt  # as if the process died right after checkpoint 2

    with pytest.raises(KeyboardInterrupt):
        FairPTGAN(**params, callbacks=[ctrl_c_after_epoch_2]).fit(
            adult_tiny, checkpoint_every=1, checkpoint_path=ckpt
        )
    config, tensors = read_checkpoint(ckpt)
    assert config["epoch"] == 2 and len(config["history"]) == 2
    assert {"generator", "critic", "opt_g", "opt_d", "rng", "torch_rng"} <= set(tensors)

    resumed = FairPTGAN(**params).fit(adult_tiny, checkpoint_path=ckpt, resume=True)
    _same_networks(whole, resumed)
    pd.testing.assert_frame_equal(
        whole.sample(200, random_state=1), resumed.sample(200, random_state=1)
    )
    cols = ["epoch", "loss_d", "loss_g"]
    pd.testing.assert_frame_equal(whole.history_[cols], resumed.history_[cols])


def test_resume_refuses_another_table_or_settings(adult_tiny, tmp_path):
    ckpt = tmp_path / "fit.ckpt"
    PTGAN(**{**TINY, "epochs": 2}).fit(adult_tiny, checkpoint_every=1, checkpoint_path=ckpt)
    with pytest.raises(InvalidParameterError, match="different table"):
        PTGAN(**TINY).fit(adult_tiny.iloc[:200], checkpoint_path=ckpt, resume=True)
    with pytest.raises(InvalidParameterError, match="other settings .*r=0.9"):
        PTGAN(**{**TINY, "r": 0.5}).fit(adult_tiny, checkpoint_path=ckpt, resume=True)
    with pytest.raises(ModelFileError, match="no checkpoint"):
        PTGAN(**TINY).fit(adult_tiny, checkpoint_path=tmp_path / "x.ckpt", resume=True)
    with pytest.raises(InvalidParameterError, match="positive number"):
        PTGAN(**TINY).fit(adult_tiny, checkpoint_every=0, checkpoint_path=ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="truncated"):
        PTGAN(**TINY).fit(adult_tiny, checkpoint_path=ckpt, resume=True)


def test_ctrl_c_during_fit_saves_a_checkpoint(adult_tiny, tmp_path):
    import os
    import signal

    ckpt = tmp_path / "fit.ckpt"
    before = signal.getsignal(signal.SIGINT)  # SIG_IGN when the suite runs in the background

    def press_ctrl_c(epoch, logs):
        if epoch == 1:
            os.kill(os.getpid(), signal.SIGINT)  # deferred to the end of the epoch

    with pytest.raises(TrainingInterrupted, match="after epoch 2; checkpoint saved") as info:
        model = PTGAN(**{**TINY, "epochs": 5}, callbacks=[press_ctrl_c])
        model.fit(adult_tiny, checkpoint_path=ckpt)
    assert "resume=True" in str(info.value)
    assert read_checkpoint(ckpt)[0]["epoch"] == 2
    assert signal.getsignal(signal.SIGINT) is before  # restored


def test_checkpoint_files_never_unpickle(adult_tiny, tmp_path):
    ckpt = tmp_path / "fit.ckpt"
    PTGAN(**TINY).fit(adult_tiny, checkpoint_every=1, checkpoint_path=ckpt)
    with zipfile.ZipFile(ckpt) as zf:
        names = set(zf.namelist())
        assert names == {"config.json", "tensors.pt"}


def test_privacy_guard_is_recorded_and_saved(fitted_tiny, tmp_path):
    p = fitted_tiny.training_summary_["privacy"]
    assert p["rows_checked"] == 300 and 0.0 <= p["exact_copy_share"] <= 1.0
    assert p["dcr"]["real_median"] > 0 and p["dcr"]["median_ratio"] > 0
    fitted_tiny.save(tmp_path / "m.fsz")
    loaded = load(tmp_path / "m.fsz")
    assert loaded.training_summary_["privacy"] == p
    assert np.array_equal(loaded.train_hashes_, fitted_tiny.train_hashes_)
    assert loaded.train_hashes_.dtype == np.int64 and len(loaded.train_hashes_) == 300


@pytest.fixture(scope="module")
def fitted_tiny(adult_tiny):
    return FairPTGAN(**{**FAIR, "epochs": 1}).fit(adult_tiny)


def test_reject_copies_drops_exact_copies_and_tops_up(tmp_path):
    # 4 x 4 possible rows; training holds the diagonal a == b (and one row off it, so that
    # b is not a function of a, which would be decoded from a: data/_derived.py), so
    # copies are common and the non-copies are easy to recognise.
    df = pd.DataFrame({"a": list("wxyz") * 30 + ["w"], "b": list("wxyz") * 30 + ["x"]})
    model = PTGAN(**TINY, random_state=0).fit(df)
    plain = model.sample(400, random_state=1)
    assert (plain["a"] == plain["b"]).any()  # the model does copy
    clean = model.sample(400, random_state=1, reject_copies=True)
    assert len(clean) == 400 and not (clean["a"] == clean["b"]).any()
    model.save(tmp_path / "m.fsz")
    again = load(tmp_path / "m.fsz").sample(400, random_state=1, reject_copies=True)
    pd.testing.assert_frame_equal(clean, again)


def test_reject_copies_gives_up_on_a_model_that_only_copies():
    df = pd.DataFrame({"a": ["u", "v"] * 30})
    model = PTGAN(**TINY, random_state=0).fit(df)
    with pytest.raises(Exception, match="memorised its table"):
        model.sample(10, reject_copies=True)


def test_same_seed_same_rows_ptgan_across_save_load(adult_tiny, tmp_path):
    a = PTGAN(**TINY, random_state=5).fit(adult_tiny)
    b = PTGAN(**TINY, random_state=5).fit(adult_tiny)
    _same_networks(a, b)
    a.save(tmp_path / "a.fsz")
    pd.testing.assert_frame_equal(
        load(tmp_path / "a.fsz").sample(300, random_state=2), b.sample(300, random_state=2)
    )


def test_model_file_tensors_load_on_cpu_whatever_device_they_were_saved_from(
    fitted_tiny, tmp_path, monkeypatch
):
    # save_model writes tensors "as they come"; a file written on a GPU machine has CUDA
    # storages, which only map_location="cpu" makes loadable without a GPU.
    from fairsynth.persist import bundle as fio

    calls = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(fio.torch, "load", spy)
    fitted_tiny.save(tmp_path / "m.fsz")
    load(tmp_path / "m.fsz", device="cpu")
    assert calls and calls[0]["map_location"] == "cpu" and calls[0]["weights_only"] is True


def test_regenerated_ids_stay_unique_across_sample_chunks():
    # found while writing the reject_copies top-up: each chunk restarted the id counter
    from fairsynth.models.base import SAMPLE_CHUNK

    df = pd.DataFrame({"key": [f"K{i:03d}" for i in range(60)], "x": np.arange(60.0) % 7})
    model = PTGAN(**TINY, random_state=0).fit(df)
    out = model.sample(SAMPLE_CHUNK + 10, random_state=0)
    assert out["key"].is_unique
