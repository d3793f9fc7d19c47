"""Issue 6 through the command line: one readable line + exit code 2 for every bad input,
interrupted `sample` never leaves a partial file, Ctrl-C + --resume gives the same model."""

import json
import os
import signal
import subprocess
import sys
import time
import warnings
import zipfile

import pandas as pd
import pytest
import torch

from fairsynth.cli import main


def cli(monkeypatch, capsys, *args):
    """Run the CLI in-process (fast); returns (exit code, stderr + stdout)."""
    monkeypatch.setattr(sys, "argv", ["fairsynth", *args])
    monkeypatch.setattr(warnings, "showwarning", warnings.showwarning)
    with pytest.raises(SystemExit) as exc:
        main()
    res = capsys.readouterr()
    return exc.value.code, res.err + res.out


def run(*args, cwd, **kw):
    return subprocess.run(
        [sys.executable, "-m", "fairsynth", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
        **kw,
    )


FIT = ["--epochs", "1", "-q", "--batch-size", "100"]


@pytest.fixture(scope="module")
def files(tmp_path_factory, adult_small):
    d = tmp_path_factory.mktemp("bad")
    small = adult_small.iloc[:120]
    small.to_csv(d / "ok.csv", index=False)
    small.to_csv(d / "semi.csv", sep=";", index=False)
    (d / "empty.csv").write_text("")
    (d / "header.csv").write_text("a,b\n")
    (d / "one.csv").write_text("a,b\n1,x\n")
    (d / "binary.csv").write_bytes(bytes(range(256)) * 4)
    (d / "dup.csv").write_text("a,a,b\n1,2,x\n3,4,y\n")
    (d / "noname.csv").write_text("a,,b\n1,2,x\n3,4,y\n")
    (d / "mixed.csv").write_text("a,b\n1,x\n2,y\n?,x\n4,y\n")
    (d / "inf.csv").write_text("a,b\n1.5,x\ninf,y\n2.5,x\n")
    return d


BAD_INPUTS = [
    (["fit", "empty.csv"], "empty.csv is empty: it has no header and no rows"),
    (["fit", "header.csv"], "header.csv has a header but no rows"),
    (["fit", "one.csv"], "single row; fit needs at least 2 rows"),
    (["fit", "binary.csv"], "binary.csv is a binary file, not a CSV table"),
    (["fit", "semi.csv"], "looks ';'-separated; use --sep ';'"),
    (["fit", "dup.csv"], "duplicate column names ['a']"),
    (["fit", "noname.csv"], "column 2 of the header has no name"),
    (
        ["fit", "mixed.csv"],
        "column 'a' mixes numbers and text (e.g. '1' and '?'); to model it as "
        "categories pass --kind a=categorical",
    ),
    (["fit", "inf.csv"], "column 'a' has infinite values"),
    (["fit", "ok.csv", "--sensitive", "colour"], "sensitive column 'colour' is not in the table"),
    (
        ["fit", "ok.csv", "--sensitive", "sex", "--target", "salary"],
        "target column 'salary' is not in the table",
    ),
    (["fit", "ok.csv", "--alpha", "1.5"], "--alpha 1.5 is outside [0, 1]"),
    (["fit", "ok.csv", "--alpha", "-0.2"], "--alpha -0.2 is outside [0, 1]"),
    (["fit", "ok.csv", "-o", "nowhere/m.fsz"], "folder nowhere does not exist"),
    (["fit", "ok.csv", "--checkpoint-every", "0"], "--checkpoint-every 0"),
    (["fit", "ok.csv", "--resume"], "no checkpoint at fairsynth-model.fsz.ckpt"),
    (["fit", "model.fsz"], "is a fairsynth model file, not a table"),
    (["sample", "-n", "0", "-m", "model.fsz"], "-n 0: the number of rows must be a positive"),
    (["sample", "-n", "-5", "-m", "model.fsz"], "-n -5: the number of rows must be a positive"),
    (["sample", "--alpha", "2", "-m", "model.fsz"], "--alpha 2 is outside [0, 1]"),
    (["sample", "-m", "model.fsz", "-o", "nowhere/x.csv"], "folder nowhere does not exist"),
    (["sample", "-m", "missing.fsz"], "model file missing.fsz does not exist"),
    (
        ["sample", "-m", "truncated.fsz"],
        "truncated.fsz is not a fairsynth model file (or it is truncated)",
    ),
    (["sample", "-m", "tampered.fsz"], "the tensors do not match their checksum"),
    (["sample", "-m", "newer.fsz"], "uses model format version 99, newer than this fairsynth"),
    (["sample", "-m", "ok.csv"], "ok.csv is not a fairsynth model file"),
    (["info", "tampered.fsz"], "the tensors do not match their checksum"),
]


@pytest.fixture(scope="module")
def model_files(files, adult_small):
    from fairsynth import FairPTGAN

    m = FairPTGAN(
        sensitive="sex", epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0
    ).fit(adult_small.iloc[:120])
    m.save(files / "model.fsz")
    data = (files / "model.fsz").read_bytes()
    (files / "truncated.fsz").write_bytes(data[: len(data) // 2])
    with zipfile.ZipFile(files / "model.fsz") as zf:
        cfg, ten = json.loads(zf.read("config.json")), bytearray(zf.read("tensors.pt"))
    ten[-50] ^= 0xFF
    for name, c, t in (
        ("tampered.fsz", cfg, bytes(ten)),
        ("newer.fsz", {**cfg, "format_version": 99}, None),
    ):
        with zipfile.ZipFile(files / name, "w") as zf:
            zf.writestr("config.json", json.dumps(c))
            with zipfile.ZipFile(files / "model.fsz") as src:
                zf.writestr("tensors.pt", t if t is not None else src.read("tensors.pt"))
    return files


@pytest.mark.parametrize("args, message", BAD_INPUTS, ids=[" ".join(a) for a, _ in BAD_INPUTS])
def test_bad_input_is_one_line_and_exit_2(model_files, monkeypatch, capsys, args, message):
    monkeypatch.chdir(model_files)
    code, err = cli(monkeypatch, capsys, *args, *(FIT if args[0] == "fit" else []))
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert code == 2, err
    assert len(lines) == 1 and message in lines[0], err
    assert "Traceback" not in err


def test_debug_shows_the_traceback(model_files):
    # (without --debug: one line, checked in-process above and in tests/integration)
    proc = run("--debug", "fit", "empty.csv", cwd=model_files)
    assert proc.returncode != 0 and "Traceback" in proc.stderr


def test_warnings_are_one_line_each(model_files, monkeypatch, capsys):
    monkeypatch.chdir(model_files)
    df = pd.read_csv("ok.csv").assign(const="k", key=[f"K{i}" for i in range(120)])
    df.to_csv("warn.csv", index=False)
    code, err = cli(monkeypatch, capsys, "fit", "warn.csv", "-o", "w.fsz", *FIT)
    assert code in (0, None)
    assert "warning: column 'const' is constant" in err
    assert "warning: column 'key' has a distinct value in every row" in err
    assert "warnings.warn" not in err


def test_sep_option_reads_a_semicolon_table(model_files, monkeypatch, capsys):
    monkeypatch.chdir(model_files)
    code, err = cli(monkeypatch, capsys, "fit", "semi.csv", "--sep", ";", "-o", "s.fsz", *FIT)
    assert code in (0, None), err
    assert "hours_per_week" in cli(monkeypatch, capsys, "info", "s.fsz")[1]


def test_info_shows_the_privacy_guard(model_files, monkeypatch, capsys):
    monkeypatch.chdir(model_files)
    out = cli(monkeypatch, capsys, "info", "model.fsz")[1]
    assert "privacy (α = 1, 120 rows): exact copies" in out and "distance to closest" in out


def _ctrl_c_enabled() -> None:
    # A process started from a background job inherits SIGINT ignored; a user's terminal
    # delivers Ctrl-C, which is what these tests stand for.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_sample_keeps_the_previous_file(model_files, sig):
    out = model_files / f"out_{sig.name}.csv"
    out.write_text("previous,file\n1,2\n")
    proc = subprocess.Popen(
        preexec_fn=_ctrl_c_enabled,
        args=[
            sys.executable,
            "-m",
            "fairsynth",
            "sample",
            "-m",
            "model.fsz",
            "-n",
            "3000000",
            "-o",
            out.name,
        ],
        cwd=model_files,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    deadline = time.time() + 60
    while time.time() < deadline:  # wait until the temporary file is being written
        parts = list(model_files.glob(f".{out.name}.*.part"))
        if parts and parts[0].stat().st_size > 100_000:
            break
        time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("sample never started writing")
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert out.read_text() == "previous,file\n1,2\n"  # never a partial file
    left = list(model_files.glob(f".{out.name}.*.part"))
    if sig == signal.SIGINT:
        assert not left  # cleaned up
    else:
        assert left  # SIGKILL cannot clean up: a hidden .part file stays, the output is intact
        for p in left:
            p.unlink()


def test_ctrl_c_during_cli_fit_then_resume_gives_the_same_model(model_files):
    args = [
        "fit",
        "ok.csv",
        "--sensitive",
        "sex",
        "--epochs",
        "16",
        "--batch-size",
        "120",
        "-q",
        "--seed",
        "4",
        "--checkpoint-every",
        "2",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "fairsynth", *args, "-o", "resumed.fsz"],
        preexec_fn=_ctrl_c_enabled,
        cwd=model_files,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    ckpt = model_files / "resumed.fsz.ckpt"
    deadline = time.time() + 90
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "training interrupted after epoch" in err and "--resume" in err
    again = run(*args, "-o", "resumed.fsz", "--resume", cwd=model_files)
    assert again.returncode == 0, again.stderr
    assert not ckpt.exists()  # removed once the model file holds the finished fit
    # the same fit, uninterrupted, in-process (what `fit` without Ctrl-C writes)
    from fairsynth import FairPTGAN, load

    whole = FairPTGAN(sensitive="sex", epochs=16, batch_size=120, random_state=4)
    whole.fit(pd.read_csv(model_files / "ok.csv"))
    resumed = load(model_files / "resumed.fsz")
    a, b = whole._tensors(), resumed._tensors()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    pd.testing.assert_frame_equal(
        whole.sample(100, random_state=0), resumed.sample(100, random_state=0)
    )


def test_same_seed_same_model_through_the_cli(model_files, monkeypatch, capsys):
    monkeypatch.chdir(model_files)
    for name in ("s1.fsz", "s2.fsz"):
        cli(monkeypatch, capsys, "fit", "ok.csv", "--seed", "9", "-o", name, *FIT)
    for name in ("s1.fsz", "s2.fsz"):
        cli(monkeypatch, capsys, "sample", "-m", name, "-n", "200", "-o", name + ".csv")
    assert (model_files / "s1.fsz.csv").read_text() == (model_files / "s2.fsz.csv").read_text()
