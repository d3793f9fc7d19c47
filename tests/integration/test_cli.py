"""The CLI end to end on small data, through a real subprocess like a user's shell."""

import subprocess
import sys

import pandas as pd
import pytest


def run(*args, cwd, check=True):
    proc = subprocess.run(
        [sys.executable, "-m", "fairsynth", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"fairsynth {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, adult_small):
    d = tmp_path_factory.mktemp("cli")
    adult_small.to_csv(d / "adult.csv", index=False)
    run(
        "fit",
        "adult.csv",
        "--sensitive",
        "sex",
        "--target",
        "income",
        "--alpha",
        "0.5",
        "--epochs",
        "2",
        "--quiet",
        cwd=d,
    )
    return d


def test_fit_writes_the_default_model_file(workdir):
    assert (workdir / "fairsynth-model.fsz").is_file()


def test_sample_default_and_other_alpha_and_parquet(workdir, adult_small):
    run("sample", "-n", "500", cwd=workdir)
    out = pd.read_csv(workdir / "synthetic.csv")
    assert len(out) == 500 and list(out.columns) == list(adult_small.columns)
    run("sample", "-n", "300", "--alpha", "1.0", "-o", "original_law.parquet", cwd=workdir)
    assert len(pd.read_parquet(workdir / "original_law.parquet")) == 300


def test_same_seed_same_rows_through_the_cli(workdir):
    run("sample", "-n", "200", "--seed", "1", "-o", "a.csv", cwd=workdir)
    run(
        "sample",
        "-n",
        "200",
        "--seed",
        "1",
        "-o",
        "b.csv",
        "--model",
        "fairsynth-model.fsz",
        cwd=workdir,
    )
    assert (workdir / "a.csv").read_text() == (workdir / "b.csv").read_text()


def test_info_shows_schema_roles_and_training(workdir):
    out = run("info", "fairsynth-model.fsz", cwd=workdir).stdout
    for text in ("FairPTGAN", "sensitive=sex", "target=income", "capital_gain", "epochs_run"):
        assert text in out


def test_fit_with_two_sensitive_columns_then_sample_and_info(workdir, adult_small):
    fit = run(
        "fit", "adult.csv", "--sensitive", "sex,race", "--target", "income", "--epochs", "1",
        "-o", "two.fsz", "--quiet", cwd=workdir,
    )  # fmt: skip
    groups = adult_small.groupby(["sex", "race"]).size()
    summary = f"{len(groups)} groups of sex × race"
    assert summary in " ".join(fit.stderr.split())
    run("sample", "-m", "two.fsz", "-n", "400", "-o", "two.csv", cwd=workdir)
    out = pd.read_csv(workdir / "two.csv")
    assert list(out.columns) == list(adult_small.columns)
    assert set(map(tuple, out[["sex", "race"]].to_numpy())) <= set(groups.index)
    info = " ".join(run("info", "two.fsz", cwd=workdir).stdout.split())
    assert "sensitive=sex,race" in info and summary in info


def test_fit_without_sensitive_trains_ptgan(workdir):
    run("fit", "adult.csv", "--epochs", "1", "-o", "plain.fsz", "-q", cwd=workdir)
    assert "PTGAN" in run("info", "plain.fsz", cwd=workdir).stdout
    args = ["fit", "adult.csv", "--target", "income", "--epochs", "1", "-o", "labelled.fsz"]
    fit = run(*args, "-q", cwd=workdir)
    said = "labels of 'income': label model, free (mlp classifier"
    assert said in " ".join((fit.stdout + fit.stderr).split())
    assert said in " ".join(run("info", "labelled.fsz", cwd=workdir).stdout.split())
    fit = run(*args, "--labels", "generator", "-q", cwd=workdir)
    assert "labels of 'income': the generator's own" in " ".join((fit.stdout + fit.stderr).split())


def test_fit_with_early_stopping(adult, tmp_path):
    adult.sample(1200, random_state=0).to_csv(tmp_path / "t.csv", index=False)
    args = ["t.csv", "--epochs", "2", "--device", "cpu", "-q", "-o", "es.fsz"]
    run("fit", *args, "--early-stopping", "--validation-size", "200", cwd=tmp_path)
    # rich wraps long lines wherever a space falls: compare with the breaks taken out
    out = " ".join(run("info", "es.fsz", cwd=tmp_path).stdout.split())
    assert "early_stopping=True" in out and "'holdout_rows': 200" in out


def test_datasets_list_and_export(tmp_path):
    assert "german_credit" in run("datasets", "list", cwd=tmp_path).stdout
    run("datasets", "export", "german_credit", "g.csv", cwd=tmp_path)
    assert len(pd.read_csv(tmp_path / "g.csv")) == 1000


@pytest.mark.parametrize(
    "args, message",
    [
        (["sample", "--model", "nope.fsz"], "does not exist"),
        (["fit", "adult.csv", "--sensitive", "colour", "--epochs", "1"], "not in the table"),
        (["fit", "adult.csv", "--sensitive", "sex,race,sex"], "--sensitive sex,race,sex names"),
        (["fit", "adult.csv", "--sensitive", "sex,"], "an empty column name"),
        (["sample", "-o", "missing_dir/x.csv"], "does not exist"),
        (["fit", "missing.csv"], "does not exist"),
        (["fit", "adult.csv", "--early-stopping", "--validation-size", "1.5"], "whole number"),
        (["fit", "adult.csv", "--sensitive", "sex", "--labels", "model"], "--labels applies to"),
        (["fit", "adult.csv", "--labels", "maybe"], "labels"),
    ],
)
def test_errors_are_one_readable_line_and_nonzero(workdir, args, message):
    proc = run(*args, cwd=workdir, check=False)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_alpha_out_of_range_is_a_usage_error(workdir):
    proc = run("sample", "--alpha", "1.5", cwd=workdir, check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


@pytest.mark.parametrize("strategy", ["single", "gap", "pmgan"])
def test_fit_every_strategy_through_the_cli(strategy, adult, tmp_path):
    import subprocess
    import sys

    df = adult.sample(400, random_state=0)
    src = tmp_path / "adult.csv"
    df.to_csv(src, index=False)
    model, out = tmp_path / "m.fsz", tmp_path / "s.csv"
    py = [sys.executable, "-m", "fairsynth"]
    extra = {"gap": ["--pairs", "2"], "pmgan": ["--generators", "2"]}.get(strategy, [])
    subprocess.run(
        py
        + [
            "fit",
            str(src),
            "-o",
            str(model),
            "--epochs",
            "1",
            "--device",
            "cpu",
            "--strategy",
            strategy,
            "-q",
            *extra,
        ],
        check=True,
    )
    subprocess.run(
        py + ["sample", "-m", str(model), "-n", "300", "-o", str(out), "--device", "cpu"],
        check=True,
        capture_output=True,
    )
    synth = pd.read_csv(out)
    real = pd.read_csv(src)
    assert list(synth.columns) == list(real.columns)
    assert (synth.dtypes == real.dtypes).all()


def test_evaluate_writes_the_report(workdir):
    from fairsynth import datasets

    datasets.load("adult_test").sample(800, random_state=0).to_csv(
        workdir / "test.csv", index=False
    )
    datasets.load("adult").sample(400, random_state=7).to_csv(workdir / "peer.csv", index=False)
    out = run(
        "evaluate",
        "fairsynth-model.fsz",
        "--real",
        "test.csv",
        "--train",
        "adult.csv",
        "--alphas",
        "0.5,1.0",
        "--repeats",
        "2",
        "-n",
        "600",
        "--sensitive",
        "sex,race",
        "--groups",
        "race=White,Black",
        "--compare",
        "peer.csv",
        "-o",
        "report",
        cwd=workdir,
    ).stdout
    for name in ("fairness.csv", "utility.csv", "fidelity.json", "auc_vs_sp.png"):
        assert (workdir / "report" / name).is_file()
    sweep = pd.read_csv(workdir / "report" / "fairness.csv")
    assert sorted(set(sweep["alpha"])) == [0.5, 1.0] and (sweep["repeats"] == 2).all()
    # by default: LR and GBM, with and without the sensitive columns, each column's SP/EO
    cells = set(sweep[["classifier", "features", "sensitive"]].itertuples(index=False, name=None))
    assert cells == {
        (c, f, s) for c in ("lr", "gbm") for f in ("aware", "unaware") for s in ("sex", "race")
    }
    assert set(sweep.loc[sweep.sensitive == "race", "groups"]) == {"White vs Black"}
    refs = pd.read_csv(workdir / "report" / "references.csv")
    assert {"real data", "peer"} == set(refs["name"]) and len(refs) == 16
    assert "fairness" in out and "sdmetrics quality" in out
    assert "EO" in out and "unaware" in out and "race (White vs Black)" in out
    assert "detection AUC" in out and "dependency " in out


def test_evaluate_rejects_a_test_table_with_other_columns(workdir):
    pd.read_csv(workdir / "adult.csv").drop(columns=["age"]).to_csv(
        workdir / "other.csv", index=False
    )
    proc = run("evaluate", "fairsynth-model.fsz", "--real", "other.csv", cwd=workdir, check=False)
    assert proc.returncode == 2 and "age" in proc.stderr and "Traceback" not in proc.stderr
