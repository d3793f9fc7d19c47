"""Issue 15: fits that behave on real machines and real files — threads, plain progress
lines, SIGTERM, dates, why a fit stopped, and the CLI's guards."""

import os
import re
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth import PTGAN, FairPTGAN, load
from fairsynth.cli import main
from fairsynth.errors import FairsynthWarning, InvalidDataError, cli_text
from fairsynth.train import threads as thr
from fairsynth.train.progress import log_to

from .conftest import TINY

ENV = {**os.environ, "PYTHONPATH": os.getcwd()}


def cli(monkeypatch, capsys, *args):
    """Run the CLI in-process; returns (exit code, stderr + stdout)."""
    monkeypatch.setattr(sys, "argv", ["fairsynth", *args])
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code or 0
    res = capsys.readouterr()
    return code, res.err + res.out


@pytest.fixture(scope="module")
def folder(tmp_path_factory, adult_small, adult):
    d = tmp_path_factory.mktemp("real")
    adult_small.iloc[:200].to_csv(d / "train.csv", index=False)
    # rows the model never saw (the fixture samples 600 rows of the same table)
    rest = adult.drop(index=adult.sample(600, random_state=0).index)
    rest.iloc[:200].to_csv(d / "test.csv", index=False)
    return d


@pytest.fixture(scope="module")
def model_file(folder):
    model = FairPTGAN(sensitive="sex", target="income", random_state=0, **TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairsynthWarning)
        model.fit(pd.read_csv(folder / "train.csv"))
    model.save(folder / "m.fsz")
    return folder / "m.fsz"


# ------------------------------------------------------------------------ threads
def test_thread_choice_respects_the_user(monkeypatch):
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", thr.ENV_VAR):
        monkeypatch.delenv(var, raising=False)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert thr.choose_threads() == (1, "default")
        monkeypatch.setenv("OMP_NUM_THREADS", "1")
        assert thr.choose_threads() == (1, "OMP_NUM_THREADS")
        monkeypatch.delenv("OMP_NUM_THREADS")
        torch.set_num_threads(97)  # no machine's default here
        assert thr.choose_threads() == (97, "torch.set_num_threads")
        monkeypatch.setenv(thr.ENV_VAR, "3")
        assert thr.choose_threads() == (3, thr.ENV_VAR)
        with thr.fit_threads() as (n, why):
            assert torch.get_num_threads() == 3 and why == thr.ENV_VAR
        assert torch.get_num_threads() == 97  # restored after the fit
        monkeypatch.setenv(thr.ENV_VAR, "zero")
        with pytest.raises(Exception, match="FAIRSYNTH_THREADS"):
            thr.choose_threads()
    finally:
        torch.set_num_threads(before)


def test_a_fit_gives_numpy_and_scipy_its_thread_count_too(monkeypatch):
    # the label models' logistic regressions run in OpenBLAS, whose own thread per core
    # contends with torch's exactly as torch's own would
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    if not blas_threads():
        pytest.skip("no BLAS library that threadpoolctl can see")
    monkeypatch.setenv(thr.ENV_VAR, "1")
    with threadpool_limits(2, user_api="blas"):  # as on a 2-core machine by default
        with thr.fit_threads() as (n, _):
            assert n == 1 and blas_threads() == {1}
        assert blas_threads() == {2}  # restored after the fit


def test_fit_records_its_threads_and_same_seed_same_rows(monkeypatch, adult_tiny, tmp_path):
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", thr.ENV_VAR):
        monkeypatch.delenv(var, raising=False)
    before = torch.get_num_threads()
    rows = []
    for _ in range(2):
        m = PTGAN(random_state=3, **TINY).fit(adult_tiny)
        assert torch.get_num_threads() == before  # restored
        rows.append(m.sample(50, random_state=0))
    s = m.training_summary_
    assert s["threads"] == (1 if before in thr._defaults() else before)
    assert s["threads_from"] in ("default", "torch.set_num_threads")
    pd.testing.assert_frame_equal(rows[0], rows[1])
    m.save(tmp_path / "t.fsz")
    assert load(tmp_path / "t.fsz").training_summary_["threads"] == s["threads"]


# ----------------------------------------------------------- progress and stop reason
def test_plain_lines_off_a_terminal_and_quiet(capsys, adult_tiny, tmp_path):
    kw = {**TINY, "epochs": 3}
    PTGAN(random_state=0, verbose=True, **kw).fit(adult_tiny)
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if ln.startswith("PTGAN")]
    assert lines[0].startswith("PTGAN epoch 1/3  loss_d ")
    assert "elapsed 0:0" in lines[0] and "ETA " in lines[0]
    assert "PTGAN epoch 3/3" in err
    assert lines[-1] == "PTGAN stopped: ran all 3 epochs"
    with log_to(tmp_path / "fit.log"):
        m = PTGAN(random_state=0, verbose=False, **kw).fit(adult_tiny)
    assert "epoch" not in capsys.readouterr().err  # quiet: nothing on stderr
    log = (tmp_path / "fit.log").read_text()
    assert "PTGAN epoch 1/3" in log and "stopped: ran all 3 epochs" in log
    assert m.training_summary_["stop_reason"] == {
        "reason": "epochs",
        "epoch": 3,
        "text": "ran all 3 epochs",
    }


def test_stop_reasons_and_warnings(adult_tiny):
    kw = {**TINY, "epochs": 50}
    with pytest.warns(FairsynthWarning, match="far from converged") as caught:
        # a budget no epoch can finish within (a one-step epoch can take < 10 ms)
        m = PTGAN(random_state=0, max_seconds=1e-6, **kw).fit(adult_tiny)
    stop = m.training_summary_["stop_reason"]
    assert stop["reason"] == "time_budget" and stop["epoch"] == 1
    assert "time budget of 1e-06 s reached after epoch 1 of 50" in stop["text"]
    budget = next(w.message for w in caught if "far from converged" in str(w.message))
    assert "max_seconds" in str(budget) and "--max-seconds" in cli_text(budget)

    def halt(epoch, logs):
        return epoch == 2

    m = PTGAN(random_state=0, callbacks=[halt], **kw).fit(adult_tiny)
    assert m.training_summary_["stop_reason"]["reason"] == "callback"
    assert "callback halt stopped the fit at epoch 2" in m.training_summary_["stop_reason"]["text"]


def test_target_share_far_off_warns(adult_tiny):
    with pytest.warns(FairsynthWarning, match=r"generated target 'income' is far off"):
        PTGAN(target="income", random_state=0, **TINY).fit(adult_tiny)


def test_early_stopping_says_which_epoch_was_best():
    from fairsynth.train.early_stopping import EarlyStopping

    es = object.__new__(EarlyStopping)
    es.signal, es.min_delta, es.patience, es.best_epoch, es.best_score = (
        "quality",
        1e-3,
        20,
        41,
        0.8931,
    )
    text = es.describe_stop(61)
    assert text.startswith("early stopping at epoch 61") and "best epoch 41" in text
    assert "0.893" in text


def test_energy_early_stopping_tells_the_kept_epochs_distance_from_the_lowest():
    from fairsynth.train.early_stopping import EarlyStopping

    es = object.__new__(EarlyStopping)
    es.signal, es.min_rel_delta, es.patience = "energy", 0.02, 20
    es.best_epoch, es.kept_score, es.best_score = 47, -0.00086, -0.00103
    text = es.describe_stop(47)
    assert text.startswith("early stopping at epoch 47: the held-out energy distance")
    assert "the generator of epoch 47 is kept (distance -0.00086, lowest -0.00103)" in text


# ------------------------------------------------------------------------- SIGTERM
def test_sigterm_saves_a_checkpoint_and_resume_gives_the_same_rows(tmp_path, adult_small):
    adult_small.to_csv(tmp_path / "t.csv", index=False)
    args = ["fit", "t.csv", "--sensitive", "sex", "--epochs", "30", "--batch-size", "50"]
    args += ["--seed", "4", "-o", "m.fsz"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairsynth", *args],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    seen = []
    deadline = time.time() + 120
    for line in proc.stderr:  # a pipe, not a terminal: plain lines
        seen.append(line)
        if line.startswith("FairPTGAN epoch ") or time.time() > deadline:
            break
    proc.send_signal(signal.SIGTERM)
    out, rest = proc.communicate(timeout=120)
    err = "".join(seen) + rest
    assert proc.returncode == 143, err
    assert "SIGTERM: finishing this epoch" in err
    assert "training interrupted after epoch" in err
    resume = re.search(r"resume with: fairsynth (.*)", err).group(1).split()
    assert resume[-1] == "--resume" and resume[:-1] == args
    assert (tmp_path / "m.fsz.ckpt").exists() and not (tmp_path / "m.fsz").exists()
    again = subprocess.run(
        [sys.executable, "-m", "fairsynth", *resume],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "stopped: ran all 30 epochs" in again.stderr
    assert "stopped: ran all 30 epochs" in (tmp_path / "m.fsz.log").read_text()
    whole = FairPTGAN(sensitive="sex", epochs=30, batch_size=50, random_state=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FairsynthWarning)
        whole.fit(pd.read_csv(tmp_path / "t.csv"))
    pd.testing.assert_frame_equal(
        whole.sample(200, random_state=0), load(tmp_path / "m.fsz").sample(200, random_state=0)
    )


# --------------------------------------------------------------------------- dates
def _dated(n=200, seed=0):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2021-01-01")
    ts = start + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s")
    return pd.DataFrame(
        {
            "signup_at": ts.strftime("%Y-%m-%d %H:%M:%S"),  # unique: not an id
            "day": (start + pd.to_timedelta(rng.integers(0, 60, n), unit="D")).strftime("%Y-%m-%d"),
            "seen_at": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x": rng.normal(size=n),
            "g": rng.choice(["a", "b"], n),
        }
    )


def test_dates_in_a_csv_round_trip_through_the_cli(tmp_path, monkeypatch, capsys):
    df = _dated()
    df.loc[5, "day"] = None
    df.to_csv(tmp_path / "d.csv", index=False)
    monkeypatch.chdir(tmp_path)
    code, out = cli(monkeypatch, capsys, "fit", "d.csv", "--epochs", "2", "-q", "-o", "d.fsz")
    assert code == 0, out
    assert "identifier" not in out  # unique timestamps are not taken for ids
    schema = load("d.fsz").transformer_.schema
    assert [schema[c].kind for c in ("signup_at", "day", "seen_at")] == ["datetime"] * 3
    code, out = cli(monkeypatch, capsys, "sample", "-m", "d.fsz", "-n", "300", "-o", "s.csv")
    assert code == 0, out
    synth = pd.read_csv(tmp_path / "s.csv")
    assert synth["signup_at"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()
    assert synth["seen_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    days = synth["day"].dropna()
    assert days.str.fullmatch(r"\d{4}-\d\d-\d\d").all() and days.nunique() > 5
    lo, hi = pd.to_datetime(df["signup_at"]).agg(["min", "max"])
    got = pd.to_datetime(synth["signup_at"])
    assert got.between(lo, hi).all() and got.nunique() > 100


def test_date_detection_rules_and_parquet_datetimes(tmp_path):
    from fairsynth.data import detect_schema

    df = pd.DataFrame(
        {
            "ms": ["2021-03-04T12:30:00.125", "2021-03-05T01:00:00.500"] * 30,
            "slash": ["2021/03/04", "2022/12/31"] * 30,
            "not_a_date": ["2021-02-30", "2021-03-04"] * 30,  # Feb 30th
            "mixed": ["2021-03-04", "2021-03-04 10:00"] * 30,
            "code": ["A-12", "B-7"] * 30,
        }
    )
    s = detect_schema(df)
    assert (s["ms"].kind, s["ms"].format) == ("datetime", "%Y-%m-%dT%H:%M:%S.%3f")
    assert (s["slash"].kind, s["slash"].format) == ("datetime", "%Y/%m/%d")
    assert [s[c].kind for c in ("not_a_date", "mixed", "code")] == ["categorical"] * 3
    real = pd.DataFrame(
        {"when": pd.date_range("2020-01-01", periods=120, freq="h"), "x": np.arange(120.0)}
    )
    real.to_parquet(tmp_path / "p.parquet")
    from fairsynth.io import read_table

    m = PTGAN(random_state=0, **TINY).fit(read_table(tmp_path / "p.parquet"))
    out = m.sample(20, random_state=0)
    assert out["when"].dtype == real["when"].dtype


# -------------------------------------------------------------------------- guards
def test_version_and_examples_in_every_help(monkeypatch, capsys):
    from fairsynth import __version__

    code, out = cli(monkeypatch, capsys, "--version")
    assert code == 0 and out.strip() == f"fairsynth {__version__}"
    for cmd in (["fit"], ["sample"], ["info"], ["evaluate"], ["datasets", "list"]):
        code, out = cli(monkeypatch, capsys, *cmd, "--help")
        assert code == 0 and "Example" in out and "fairsynth " + cmd[0] in out, cmd
    code, out = cli(monkeypatch, capsys, "datasets", "export", "--help")
    assert "fairsynth datasets export adult adult.csv" in out


def test_help_imports_no_torch_and_is_quick(tmp_path):
    probe = (
        "import runpy, sys\n"
        "sys.argv = ['fairsynth', '--help']\n"
        "try:\n    runpy.run_module('fairsynth', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'pandas', 'sklearn', 'sdmetrics') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=ENV)
    assert "HEAVY []" in res.stderr, res.stderr
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fairsynth", "--help"], capture_output=True, env=ENV)
    # 0.2-0.5 s on a loaded 2-core machine; torch alone takes ~2 s to import
    assert time.perf_counter() - t < 1.5


def test_evaluate_guards(model_file, folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    code, out = cli(monkeypatch, capsys, "evaluate", "m.fsz", "--real", "train.csv")
    assert code == 2 and "100% of its rows are rows the model was trained on" in out
    code, out = cli(
        monkeypatch, capsys, "evaluate", "m.fsz", "--real", "test.csv", "--target", "age"
    )
    assert (
        code == 2 and "--target age: a numeric column (integer" in out and "--target income" in out
    )
    code, out = cli(monkeypatch, capsys, "evaluate", "m.fsz", "--real", "test.csv", "-o", "a/b/c")
    assert code == 2 and "folder a/b does not exist" in out
    assert not (folder / "a").exists()


def test_evaluate_flag_errors_name_the_flag(model_file, folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    base = ("evaluate", "m.fsz", "--real", "test.csv", "-o", "rep")
    cases = [
        (["--sensitive", "sex,colour"], "sensitive column 'colour' is not in", "--sensitive"),
        (["--groups", "Male,Femal"], "group 'Femal' does not occur", "--groups"),
        (["--sensitive", "sex,race", "--groups", "White,Black"], "name the column", "race=A,B"),
        (["--groups", "race=White,Black"], "not a sensitive column", "--sensitive"),
        (["--features", "blind"], "features ['blind']", "--features aware,unaware"),
        (["--unaware", "--features", "aware"], "older spelling", "--features unaware"),
    ]
    for extra, text, flag in cases:
        code, out = cli(monkeypatch, capsys, *base, *extra)
        assert code == 2 and text in out and flag in out, (extra, out)
        assert "Traceback" not in out and "groups={" not in out  # the CLI's spelling
    assert not (folder / "rep").exists()  # refused before any work, nothing written


def test_evaluate_warns_on_a_partial_overlap(model_file, folder):
    from fairsynth.cli.checks import check_not_training_table

    m = load(model_file)
    train, test = pd.read_csv(folder / "train.csv"), pd.read_csv(folder / "test.csv")
    mix = pd.concat([train.iloc[:40], test.iloc[:160]], ignore_index=True)
    with pytest.warns(FairsynthWarning, match="20% of its rows"):
        assert check_not_training_table(m, mix) == pytest.approx(0.2, abs=0.02)
    assert check_not_training_table(m, test) < 0.05


def test_sample_output_suffixes(model_file, folder, monkeypatch, capsys):
    monkeypatch.chdir(folder)
    code, out = cli(monkeypatch, capsys, "sample", "-m", "m.fsz", "-n", "20", "-o", "s.xlsx")
    assert code == 2 and "'.xlsx'" in out and ".csv" in out and ".parquet" in out
    assert not (folder / "s.xlsx").exists()
    code, out = cli(monkeypatch, capsys, "sample", "-m", "m.fsz", "-n", "20", "-o", "s.tsv")
    assert code == 0, out
    text = (folder / "s.tsv").read_text()
    assert "\t" in text.splitlines()[0] and "," not in text.splitlines()[0]
    back = pd.read_csv(folder / "s.tsv", sep="\t")
    assert list(back.columns) == list(pd.read_csv(folder / "train.csv").columns)


def test_messages_in_the_callers_spelling(folder, monkeypatch, capsys, adult_tiny):
    monkeypatch.chdir(folder)
    code, out = cli(monkeypatch, capsys, "fit", "train.csv", "--sensitive", "age", "-q")
    assert code == 2 and "--kind age=categorical" in out and "kinds=" not in out
    code, out = cli(monkeypatch, capsys, "fit", "train.csv", "--continuous", "x", "-q")
    assert code == 2 and "--continuous x must be one of 'quantile', 'mode'" in out
    with pytest.raises(InvalidDataError) as exc:
        FairPTGAN(sensitive="age", **TINY).fit(adult_tiny)
    assert "kinds={'age': 'categorical'}" in str(exc.value) and "--kind" not in str(exc.value)
