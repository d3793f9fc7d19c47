"""One battery over every model: the contract a user relies on, whatever the strategy.

Each model is fitted once per module on a small table; the checks are what any synthesizer
of the package must do (scikit-learn estimator contract, seed → same rows, chunked == whole,
save/load, a pickled model carries no training rows, the one table of hyperparameters).
"""

import inspect
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from fairsynth import GAP, PMGAN, PTGAN, FairPTGAN, load, params
from fairsynth.errors import NotFittedError
from fairsynth.models import base as base_module
from fairsynth.registry import registered_models

SMALL = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), batch_size=100)

FACTORIES = {
    "PTGAN": lambda **kw: PTGAN(target="income", **SMALL, **kw),
    "FairPTGAN": lambda **kw: FairPTGAN(sensitive="sex", target="income", **SMALL, **kw),
    "GAP": lambda **kw: GAP(PTGAN(**SMALL), n_pairs=2, **kw),
    "PMGAN": lambda **kw: PMGAN(n_generators=2, **SMALL, **kw),
}
CLASSES = {"PTGAN": PTGAN, "FairPTGAN": FairPTGAN, "GAP": GAP, "PMGAN": PMGAN}


def test_the_battery_covers_every_registered_model():
    assert registered_models() == CLASSES


@pytest.fixture(scope="module")
def table(adult):
    # 1,200 rows: large enough for early stopping's held-out rows (fit on ≥ 1,000 rows).
    return adult.sample(1200, random_state=3).reset_index(drop=True)


@pytest.fixture(scope="module", params=sorted(FACTORIES))
def fitted(request, table):
    name = request.param
    return name, FACTORIES[name](random_state=0).fit(table)


def _rows(model, n=150, seed=4):
    return model.sample(n, random_state=seed)


# ----------------------------------------------------------------- estimator contract
@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_estimator_contract(name):
    model = FACTORIES[name](random_state=1)
    p = model.get_params(deep=False)
    twin = clone(model)
    assert twin is not model and twin.get_params(deep=False).keys() == p.keys()
    # __init__ stores every keyword unchanged (no logic in __init__)
    sig = inspect.signature(type(model).__init__).parameters
    assert set(p) == set(sig) - {"self"}
    model.set_params(random_state=2)
    assert model.random_state == 2
    with pytest.raises(NotFittedError):
        model.sample(3)
    assert name in repr(model)


def test_fit_returns_self_and_keeps_the_schema(fitted, table):
    name, model = fitted
    assert model.n_train_ == len(table) and model.columns_ == list(table.columns)
    out = _rows(model)
    assert list(out.columns) == list(table.columns)
    assert (out.dtypes == table.dtypes).all()
    assert {"epoch", "loss_d", "loss_g"} <= set(model.history_.columns)


def test_same_seed_gives_the_same_rows(fitted, table):
    name, model = fitted
    again = FACTORIES[name](random_state=0).fit(table)
    pd.testing.assert_frame_equal(_rows(model), _rows(again))
    assert not _rows(model, seed=5).equals(_rows(model, seed=6))


def test_chunked_sampling_equals_one_call(fitted, monkeypatch):
    _, model = fitted
    monkeypatch.setattr(base_module, "SAMPLE_CHUNK", 64)
    parts = list(model.iter_samples(150, random_state=8))
    assert [len(p) for p in parts] == [64, 64, 22]
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), _rows(model, seed=8))


def test_save_load_gives_the_same_rows(fitted, tmp_path):
    name, model = fitted
    model.save(tmp_path / "m.fsz")
    loaded = load(tmp_path / "m.fsz")
    assert type(loaded) is type(model)
    assert loaded.get_params(deep=False).keys() == model.get_params(deep=False).keys()
    pd.testing.assert_frame_equal(_rows(loaded), _rows(model))


def _arrays(obj, path="model", seen=None):
    """(path, array) of every tensor / ndarray reachable from a fitted model's state."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, torch.Tensor | np.ndarray):
        yield path, obj
    elif isinstance(obj, torch.nn.Module):
        for k, v in obj.state_dict().items():
            yield f"{path}.{k}", v
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from _arrays(v, f"{path}[{k!r}]", seen)
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from _arrays(v, f"{path}[{i}]", seen)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type | pd.DataFrame):
        for k, v in vars(obj).items():
            yield from _arrays(v, f"{path}.{k}", seen)


def test_a_pickled_model_holds_no_training_rows(fitted, table):
    _, model = fitted
    clone_ = pickle.loads(pickle.dumps(model))
    # The training rows, held-out ones included, have len(table) or fewer rows but more
    # than the held-out set: no array of the fitted state may have that many rows, except
    # the row hashes of the privacy guard (hashes, not rows).
    held = model.training_summary_.get("early_stopping", {}).get("holdout_rows", 0)
    lengths = set(range(len(table) - held, len(table) + 1))
    carried = [
        path
        for path, arr in _arrays(clone_)
        if arr.ndim >= 1 and arr.shape[0] in lengths and not path.endswith("train_hashes_")
    ]
    assert carried == []
    # and no DataFrame at all
    assert not any(
        isinstance(v, pd.DataFrame) and len(v) >= len(table) - held
        for v in vars(clone_).values()
        if v is not clone_.history_
    )


# ----------------------------------------------------- the one table of hyperparameters
@pytest.mark.parametrize("name", sorted(CLASSES))
def test_signature_is_the_params_table(name):
    sig = inspect.signature(CLASSES[name].__init__).parameters
    got = {k: p.default for k, p in sig.items() if k != "self"}
    assert list(got) == params.MODEL_PARAMS[name]
    assert got == params.defaults(name)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_keyword_is_documented(name):
    cls = CLASSES[name]
    doc = "".join(c.__doc__ or "" for c in cls.__mro__ if c.__module__.startswith("fairsynth"))
    missing = [k for k in params.MODEL_PARAMS[name] if k not in doc]
    assert missing == []


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_defaults_meet_their_own_constraints(name):
    assert params.check(name, params.defaults(name)) is None


@pytest.mark.parametrize(
    "strategy, sensitive, cls",
    [("single", None, PTGAN), ("single", "sex", FairPTGAN), ("pmgan", None, PMGAN)],
)
def test_cli_defaults_are_the_signature_defaults(strategy, sensitive, cls):
    from typer.main import get_command

    from fairsynth.cli import app
    from fairsynth.cli.strategies import build_model

    fit = get_command(app).commands["fit"]
    defaults = {p.name: p.default for p in fit.params}
    run = {"device": "auto", "random_state": 0, "verbose": True}
    assert defaults["seed"] == 0 and defaults["device"] == "auto"
    # every model option of `fit` defaults to "the model's own"
    model_options = {
        "epochs",
        "max_seconds",
        "early_stopping",
        "validation_size",
        "batch_size",
        "r",
        "continuous",
        "kind",
        "target",
        "loss",
        "alpha",
        "fairness",
        "labels",
        "pairs",
        "generators",
    }
    assert {k: defaults[k] for k in model_options} == dict.fromkeys(model_options)
    model = build_model(strategy, run, sensitive=sensitive)
    expected = cls(**({"sensitive": sensitive} if sensitive else {}), **run)
    assert model.get_params(deep=False) == expected.get_params(deep=False)


def test_cli_gap_takes_the_base_defaults():
    from fairsynth.cli.strategies import build_model

    gap = build_model("gap", {"device": "auto", "random_state": 0, "verbose": False})
    assert gap.n_pairs == params.defaults("GAP")["n_pairs"]
    assert gap.base.get_params() == PTGAN(device="auto", random_state=0).get_params()
