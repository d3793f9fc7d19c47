"""fairsynth.evaluate against sklearn / fairlearn / sdmetrics called directly (no GAN needed)."""

from __future__ import annotations

import inspect
import json
import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fairsynth.datasets import load
from fairsynth.errors import InvalidDataError, InvalidParameterError
from fairsynth.evaluate import (
    data_parity,
    evaluate_table,
    exact_copy_share,
    fairness_sweep,
    fidelity,
    model_sensitive,
    plot_auc_vs_sp,
    run_report,
    utility,
)
from fairsynth.evaluate._downstream import fit_predict, prepare_test

TARGET, SENSITIVE = "income", "sex"


class ResamplingModel:
    """Stands in for a fitted FairPTGAN: resamples rows of its training table."""

    def __init__(self, data: pd.DataFrame, schema: bool = True):
        self.data = data.reset_index(drop=True)
        self.sensitive, self.target = SENSITIVE, TARGET
        self.n_train_ = len(data)
        if schema:
            self.columns_ = list(data.columns)
        self.calls: list[tuple[int, float, int]] = []

    def sample(self, n, alpha=1.0, random_state=None):
        self.calls.append((n, alpha, random_state))
        return self.data.sample(n, replace=True, random_state=random_state).reset_index(drop=True)


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return load("adult").sample(2000, random_state=1).reset_index(drop=True)


@pytest.fixture(scope="module")
def test_df() -> pd.DataFrame:
    return load("adult_test").sample(1500, random_state=2).reset_index(drop=True)


@pytest.fixture(scope="module")
def model(train) -> ResamplingModel:
    return ResamplingModel(train)


def direct_lr(train: pd.DataFrame, test: pd.DataFrame):
    """The baselines.md protocol written out with sklearn alone."""
    X, Xt = train.drop(columns=TARGET), test.drop(columns=TARGET)
    num = [c for c in X if pd.api.types.is_numeric_dtype(X[c])]
    cat = [c for c in X if c not in num]
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), num),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
                ),
                cat,
            ),
        ]
    )
    pipe = make_pipeline(pre, LogisticRegression(max_iter=2000)).fit(X, train[TARGET])
    proba = pipe.predict_proba(Xt)[:, list(pipe.classes_).index(">50K")]
    return proba, (pipe.predict(Xt) == ">50K").astype(int)


def test_metrics_equal_sklearn_and_fairlearn_on_same_predictions(train, test_df):
    ts = prepare_test(test_df, TARGET, SENSITIVE)
    assert ts.positive == ">50K"  # the minority label
    pred = fit_predict(train, ts, "lr", 0)
    got = evaluate_table(train, test_df, TARGET, SENSITIVE, classifiers=("lr",)).iloc[0]
    y = (test_df[TARGET] == ">50K").astype(int)
    assert got["auc"] == pytest.approx(roc_auc_score(y, pred.proba), abs=1e-12)
    s = test_df[SENSITIVE]
    sp = demographic_parity_difference(y, pred.y_pred, sensitive_features=s)
    eo = equalized_odds_difference(y, pred.y_pred, sensitive_features=s)
    assert got["sp"] == pytest.approx(sp, abs=1e-12)
    assert got["eo"] == pytest.approx(eo, abs=1e-12)
    # and the pipeline itself is the documented one
    proba, y_pred = direct_lr(train, test_df)
    np.testing.assert_allclose(pred.proba, proba, atol=1e-6)
    assert (pred.y_pred != y_pred).mean() < 0.002


def test_data_parity_equals_pandas(train):
    rates = train.groupby(SENSITIVE)[TARGET].apply(lambda t: (t == ">50K").mean())
    assert data_parity(train, TARGET, SENSITIVE, ">50K") == pytest.approx(rates.max() - rates.min())


def test_fairness_sweep_rows_and_runs(model, test_df, train):
    summary, runs = fairness_sweep(
        model,
        test_df,
        alphas=(0.5, 1.0),
        classifiers=("lr",),
        repeats=2,
        n=800,
        random_state=5,
        features=("aware",),
        return_runs=True,
    )
    keys = ["alpha", "classifier", "features", "sensitive", "groups"]
    assert list(summary[keys].itertuples(index=False, name=None)) == [
        (0.5, "lr", "aware", SENSITIVE, "all"),
        (1.0, "lr", "aware", SENSITIVE, "all"),
    ]
    for col in ("auc", "sp", "eo", "data_sp"):
        assert {f"{col}_mean", f"{col}_std"} <= set(summary.columns)
    assert (summary["repeats"] == 2).all() and len(runs) == 4
    # each run re-computed directly from the same seeded sample
    ts = prepare_test(test_df, TARGET, SENSITIVE)
    run = runs[(runs.alpha == 1.0) & (runs.repeat == 1)].iloc[0]
    synth = train.sample(800, replace=True, random_state=6).reset_index(drop=True)
    pred = fit_predict(synth, ts, "lr", 6)
    y = ts.y
    assert run["auc"] == pytest.approx(roc_auc_score(y, pred.proba))
    assert run["sp"] == pytest.approx(
        demographic_parity_difference(y, pred.y_pred, sensitive_features=test_df[SENSITIVE])
    )
    assert run["data_sp"] == pytest.approx(data_parity(synth, TARGET, SENSITIVE, ">50K"))
    m = runs[runs.alpha == 0.5]
    row = summary[summary.alpha == 0.5].iloc[0]
    assert row["auc_mean"] == pytest.approx(m["auc"].mean())
    assert row["sp_std"] == pytest.approx(m["sp"].std(ddof=1))
    assert (0.5, 5) in {(a, s) for _, a, s in model.calls}


def test_duplicate_index_from_model(train, test_df):
    class DupIndexModel(ResamplingModel):
        def sample(self, n, alpha=1.0, random_state=None):
            return self.data.sample(n, replace=True, random_state=random_state)

    kw = {"alphas": (1.0,), "classifiers": ("lr",), "repeats": 1, "n": 700}
    a = fairness_sweep(DupIndexModel(train), test_df, **kw)
    b = fairness_sweep(ResamplingModel(train), test_df, **kw)
    pd.testing.assert_frame_equal(a, b)
    dup = train.sample(700, replace=True, random_state=0)
    assert data_parity(dup, TARGET, SENSITIVE, ">50K") == pytest.approx(
        data_parity(dup.reset_index(drop=True), TARGET, SENSITIVE, ">50K")
    )


def test_unaware_drops_sensitive(train, test_df):
    ts = prepare_test(test_df, TARGET, SENSITIVE, unaware=True)
    assert SENSITIVE not in ts.features and TARGET not in ts.features


def test_utility_tstr_trtr(train, test_df):
    out = utility(train, train, test_df, TARGET, classifiers=("lr",))
    row = out.iloc[0]
    assert row["tstr_auc"] == pytest.approx(row["trtr_auc"]) and row["ratio"] == pytest.approx(1)
    proba, _ = direct_lr(train, test_df)
    assert row["trtr_auc"] == pytest.approx(roc_auc_score(test_df[TARGET] == ">50K", proba), 1e-6)


def test_fidelity_matches_sdmetrics(train, test_df):
    synth = train.sample(1000, replace=True, random_state=3).reset_index(drop=True)
    got = fidelity(synth, train, holdout=test_df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        from sdmetrics.reports.single_table import DiagnosticReport, QualityReport
    meta = {
        "columns": {
            c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(train[c]) else "categorical"}
            for c in train.columns
        }
    }
    assert got["metadata"] == meta
    q = QualityReport()
    q.generate(train, synth, meta, verbose=False)
    props = q.get_properties().set_index("Property")["Score"]
    assert got["quality"]["overall"] == pytest.approx(q.get_score())
    assert got["quality"]["column_shapes"] == pytest.approx(props["Column Shapes"])
    assert got["quality"]["column_pair_trends"] == pytest.approx(props["Column Pair Trends"])
    d = DiagnosticReport()
    d.generate(train, synth, meta, verbose=False)
    assert got["diagnostic"]["overall"] == pytest.approx(d.get_score())
    assert set(got["diagnostic"]["properties"]) == {"Data Validity", "Data Structure"}
    priv = got["privacy"]
    assert priv["exact_copy_share"] == 1.0  # resampled training rows are all copies
    assert priv["dcr"]["synthetic"]["median"] == 0.0
    assert priv["dcr"]["holdout"]["median"] > 0
    json.dumps(got)  # plain values only


def test_exact_copy_share(train, test_df):
    assert exact_copy_share(train.copy(), train) == 1.0
    # int -> float and reordered columns are still copies
    copy = train[list(reversed(train.columns))].astype({"age": "float64"})
    assert exact_copy_share(copy, train) == 1.0
    other = test_df.copy()
    other["fnlwgt"] = -1  # no real row has a negative weight
    assert exact_copy_share(other, train) == 0.0
    # shuffled / duplicated index labels must not matter
    shuffled = train.sample(frac=1.0, random_state=0)
    assert exact_copy_share(shuffled, train.iloc[::-1]) == 1.0
    assert exact_copy_share(other.sample(frac=1.0, random_state=0), shuffled) == 0.0
    dup = pd.concat([train.iloc[:50], train.iloc[:50]])  # index 0..49 twice
    assert exact_copy_share(dup, shuffled) == 1.0
    half = pd.concat([train.iloc[:100], other.iloc[:100]], ignore_index=True)
    assert exact_copy_share(half, train) == 0.5


def test_validation_errors(model, test_df):
    with pytest.raises(InvalidDataError, match="'salary'"):
        fairness_sweep(model, test_df, target="salary")
    one_class = test_df[test_df[TARGET] == "<=50K"]
    with pytest.raises(InvalidDataError, match="single class"):
        fairness_sweep(model, one_class)
    with pytest.raises(InvalidDataError, match="'gender'"):
        fairness_sweep(model, test_df, sensitive="gender")
    with pytest.raises(InvalidDataError, match="single group"):
        fairness_sweep(model, test_df[test_df[SENSITIVE] == "Male"])
    bad = test_df.drop(columns=["race"]).assign(zip_code=1)
    with pytest.raises(InvalidDataError, match=r"missing \['race'\].*extra \['zip_code'\]"):
        fairness_sweep(model, bad)
    no_schema = ResamplingModel(model.data.drop(columns=["fnlwgt"]), schema=False)
    with pytest.raises(InvalidDataError, match=r"extra \['fnlwgt'\]"):
        fairness_sweep(no_schema, test_df)
    for alpha in (-0.1, 1.5, float("nan")):
        with pytest.raises(InvalidParameterError, match="alpha"):
            fairness_sweep(model, test_df, alphas=(0.5, alpha))
    with pytest.raises(InvalidParameterError, match="classifier"):
        fairness_sweep(model, test_df, classifiers=("svm",))


def test_validation_runs_before_sampling(train, test_df):
    m = ResamplingModel(train)
    with pytest.raises(InvalidParameterError):
        fairness_sweep(m, test_df, alphas=(2.0,))
    with pytest.raises(InvalidDataError):
        fairness_sweep(m, test_df.drop(columns=["race"]))
    assert m.calls == []


def test_plot_writes_png(tmp_path, model, test_df):
    sweep = pd.DataFrame(
        {
            "alpha": [0.5, 1.0],
            "classifier": ["lr", "lr"],
            "auc_mean": [0.88, 0.9],
            "auc_std": [0.01, 0.0],
            "sp_mean": [0.1, 0.17],
            "sp_std": [0.01, 0.02],
        }
    )
    path = plot_auc_vs_sp(sweep, {"real data": (0.176, 0.906)}, tmp_path / "p.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["p.png"]  # no temp file left


def test_run_report_writes_files(tmp_path, train, test_df):
    m = ResamplingModel(train)
    out = run_report(
        m,
        test_df,
        TARGET,
        tmp_path / "rep",
        alphas=(0.5, 1.0),
        repeats=1,
        classifiers=("lr",),
        real_train=train,
        compare={"copy": train.iloc[:1000]},
        features=("aware",),
    )
    names = {p.name for p in (tmp_path / "rep").iterdir()}
    assert {"fairness.csv", "utility.csv", "fidelity.json", "auc_vs_sp.png"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    fair = pd.read_csv(tmp_path / "rep" / "fairness.csv")
    assert len(fair) == 2 and list(fair["alpha"]) == [0.5, 1.0]
    util = pd.read_csv(tmp_path / "rep" / "utility.csv")
    assert list(util["classifier"]) == ["lr"]
    fid = json.loads((tmp_path / "rep" / "fidelity.json").read_text())
    assert fid["privacy"]["exact_copy_share"] == 1.0
    # resampled real rows: nothing to detect, no dependency broken
    assert fid["detection"]["auc"] < 0.6
    deps = {d["name"]: d for d in fid["dependencies"]["dependencies"]}
    assert deps["education → education_num"]["break_share"] == 0.0
    assert set(out["references"]["name"]) == {"real data", "copy"}


def test_run_report_without_train_notes_skip(tmp_path, train, test_df):
    out = run_report(
        ResamplingModel(train), test_df, TARGET, tmp_path, alphas=(1.0,), repeats=1,
        classifiers=("lr",), features=("aware",),
    )  # fmt: skip
    assert any("utility skipped" in n for n in out["notes"])
    assert (tmp_path / "utility.csv").exists() and (tmp_path / "fidelity.json").exists()


# ------------------------------------------- default protocols, sensitive columns, groups
def test_default_sweep_is_lr_and_gbm_aware_and_unaware(model, train, test_df):
    summary, runs = fairness_sweep(
        model, test_df, alphas=(1.0,), repeats=1, n=600, random_state=3, return_runs=True
    )
    assert list(summary[["classifier", "features"]].itertuples(index=False, name=None)) == [
        ("lr", "aware"),
        ("lr", "unaware"),
        ("gbm", "aware"),
        ("gbm", "unaware"),
    ]
    # each row is the one-table yardstick on the same seeded sample, protocol by protocol
    synth = train.sample(600, replace=True, random_state=3).reset_index(drop=True)
    for feats in ("aware", "unaware"):
        direct = evaluate_table(synth, test_df, TARGET, SENSITIVE, random_state=3, features=feats)
        got = runs[runs.features == feats].reset_index(drop=True)
        np.testing.assert_allclose(got[["auc", "sp", "eo"]], direct[["auc", "sp", "eo"]])
    # the protocols differ: unaware fits see no sensitive column
    assert not np.allclose(runs[runs.features == "aware"].sp, runs[runs.features == "unaware"].sp)
    for f in (fairness_sweep, run_report):
        assert inspect.signature(f).parameters["classifiers"].default == ("lr", "gbm")


def test_unaware_is_the_older_spelling_of_features(model, test_df):
    kw = {"alphas": (1.0,), "classifiers": ("lr",), "repeats": 1, "n": 500}
    old = fairness_sweep(model, test_df, unaware=True, **kw)
    new = fairness_sweep(model, test_df, features=("unaware",), **kw)
    assert list(old["features"]) == ["unaware"]
    pd.testing.assert_frame_equal(old, new)
    with pytest.raises(InvalidParameterError, match="older spelling") as e:
        fairness_sweep(model, test_df, unaware=True, features=("aware",), **kw)
    assert "--unaware" in e.value.cli_message
    with pytest.raises(InvalidParameterError, match="aware") as e:
        fairness_sweep(model, test_df, features=("blind",), **kw)
    assert "--features aware,unaware" in e.value.cli_message


def test_several_sensitive_columns_one_row_each(train, test_df):
    sens = ["sex", "race"]
    got = evaluate_table(train, test_df, TARGET, sens, ("lr",), features=("aware", "unaware"))
    assert list(got[["features", "sensitive"]].itertuples(index=False, name=None)) == [
        ("aware", "sex"),
        ("aware", "race"),
        ("unaware", "sex"),
        ("unaware", "race"),
    ]
    # unaware drops every sensitive column; AUC is one fit's, repeated per column
    ts = prepare_test(test_df, TARGET, sens, unaware=True)
    assert not set(sens) & set(ts.features)
    pred = fit_predict(train, ts, "lr", 0)
    race = got[(got.features == "unaware") & (got.sensitive == "race")].iloc[0]
    y = ts.y
    assert race["sp"] == pytest.approx(
        demographic_parity_difference(y, pred.y_pred, sensitive_features=test_df["race"])
    )
    assert race["eo"] == pytest.approx(
        equalized_odds_difference(y, pred.y_pred, sensitive_features=test_df["race"])
    )
    assert race["data_sp"] == pytest.approx(data_parity(train, TARGET, "race", ">50K"))
    assert got.groupby("features")["auc"].nunique().eq(1).all()


def test_model_sensitive_list_is_read_as_columns(train, test_df):
    assert model_sensitive(ResamplingModel(train)) == ["sex"]
    m = ResamplingModel(train)
    m.sensitive = ("sex", "race")  # a model fitted with several sensitive columns
    assert model_sensitive(m) == ["sex", "race"]
    m.sensitive = None
    assert model_sensitive(m) is None
    m.sensitive = ["sex", "race"]
    out = fairness_sweep(
        m, test_df, alphas=(1.0,), classifiers=("lr",), repeats=1, n=500, features="aware"
    )
    assert list(out["sensitive"]) == ["sex", "race"]


def test_groups_restrict_sp_and_eo_not_auc(train, test_df):
    kw = {"classifiers": ("lr",), "features": ("aware",)}
    sens = ["sex", "race"]
    every = evaluate_table(train, test_df, TARGET, sens, **kw).set_index("sensitive")
    some = evaluate_table(
        train, test_df, TARGET, sens, groups={"race": ["White", "Black"]}, **kw
    ).set_index("sensitive")
    assert some.loc["race", "groups"] == "White vs Black" and some.loc["sex", "groups"] == "all"
    assert some["auc"].tolist() == every["auc"].tolist()
    assert some.loc["sex", "sp"] == every.loc["sex", "sp"]
    pred = fit_predict(train, prepare_test(test_df, TARGET, sens), "lr", 0)
    keep = test_df["race"].isin(["White", "Black"]).to_numpy()
    s = test_df["race"][keep]
    y, yp = pred.y_true[keep], pred.y_pred[keep]
    assert some.loc["race", "sp"] == pytest.approx(
        demographic_parity_difference(y, yp, sensitive_features=s)
    )
    assert some.loc["race", "eo"] == pytest.approx(
        equalized_odds_difference(y, yp, sensitive_features=s)
    )
    assert some.loc["race", "sp"] != pytest.approx(every.loc["race", "sp"])
    wb = train[train.race.isin(["White", "Black"])]
    assert some.loc["race", "data_sp"] == pytest.approx(data_parity(wb, TARGET, "race", ">50K"))


def test_groups_given_as_text_find_numeric_codes(train, test_df):
    coded = {
        t: d.assign(sex=(d["sex"] == "Male").astype(int)) for t, d in [("a", train), ("b", test_df)]
    }
    got = evaluate_table(coded["a"], coded["b"], TARGET, "sex", ("lr",), groups={"sex": ["0", "1"]})
    assert got.loc[0, "groups"] == "0 vs 1"


def test_bad_sensitive_and_groups_fail_before_sampling(train, test_df):
    m = ResamplingModel(train)
    kw = {"alphas": (1.0,), "repeats": 1}
    cases = [
        (InvalidDataError, {"sensitive": ["sex", "colour"]}, "'colour'", "--sensitive"),
        (InvalidDataError, {"groups": {"sex": ["Male", "Whte"]}}, "'Whte'", "--groups"),
        (InvalidParameterError, {"groups": {"race": ["White", "Black"]}}, "'race'", "--sensitive"),
        (InvalidParameterError, {"groups": {"sex": ["Male"]}}, "fewer than two", "--groups"),
        (InvalidParameterError, {"groups": ["Male", "Female"]}, "map", "--groups"),
        (InvalidParameterError, {"sensitive": []}, "empty", "--sensitive"),
    ]
    for error, bad, text, flag in cases:
        with pytest.raises(error, match=text) as e:
            fairness_sweep(m, test_df, **kw, **bad)
        assert flag in (e.value.cli_message or str(e.value)), bad
    assert m.calls == []


def test_plot_panels_per_sensitive_and_classifier(tmp_path):
    from fairsynth.evaluate.plots import _in_panel, _reference_table

    rows = [
        {"alpha": a, "classifier": c, "features": f, "sensitive": s, "groups": "all"}
        | {"auc_mean": 0.8 + a / 10, "auc_std": 0.01, "sp_mean": a / 5, "sp_std": 0.01}
        for a in (0.5, 1.0)
        for c in ("lr", "gbm")
        for f in ("aware", "unaware")
        for s in ("sex", "race")
    ]
    refs = pd.DataFrame(
        [
            {"name": n, "classifier": c, "features": f, "sensitive": s, "sp": 0.1, "auc": 0.85}
            for n in ("ctgan", "tabfairgan")
            for c in ("lr", "gbm")
            for f in ("aware", "unaware")
            for s in ("sex", "race")
        ]
    )
    path = plot_auc_vs_sp(pd.DataFrame(rows), refs, tmp_path / "p.png")
    png = path.read_bytes()
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (2 * 6 * 110, 2 * 4.5 * 110)  # 2 sensitive x 2 classifiers
    panel = _in_panel(refs, {"classifier": "gbm", "sensitive": "race"})
    assert len(panel) == 4 and set(panel["name"]) == {"ctgan", "tabfairgan"}
    # a {name: (sp, auc)} dict has no panel keys: drawn in every panel
    every = _reference_table({"real data": (0.17, 0.9)})
    assert len(_in_panel(every, {"classifier": "lr", "sensitive": "sex"})) == 1
