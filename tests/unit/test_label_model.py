"""PTGAN's label model: the target of sampled rows drawn from a classifier fitted on the
real rows (fairsynth.fairness.FreeLabels), the generator's own labels on request."""

import numpy as np
import pandas as pd
import pytest

from fairsynth import GAP, PTGAN, load
from fairsynth.errors import InvalidDataError, InvalidParameterError

TINY = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)


@pytest.fixture(scope="module")
def xor_table():
    """y is the XOR of a and b in every row: a label no generator learns in one epoch."""
    rng = np.random.default_rng(0)
    n = 2000
    a, b = rng.integers(0, 2, n), rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "a": np.where(a, "yes", "no"),
            "b": np.where(b, "up", "down"),
            "x": rng.normal(size=n),
            "y": np.where(a ^ b, "pos", "neg"),
        }
    )


def _xor_agreement(rows: pd.DataFrame) -> float:
    xor = (rows.a == "yes") ^ (rows.b == "up")
    return float(((rows.y == "pos") == xor).mean())


def test_the_label_model_draws_the_target_from_the_row(xor_table):
    model = PTGAN(target="y", **TINY).fit(xor_table)
    assert model.training_summary_["labels"]["source"] == "model"
    assert _xor_agreement(model.sample(2000, random_state=1)) > 0.95
    own = PTGAN(target="y", labels="generator", **TINY).fit(xor_table)
    assert own.training_summary_["labels"] == {
        "target": "y", "source": "generator", "why": "labels='generator'"
    }  # fmt: skip
    assert _xor_agreement(own.sample(2000, random_state=1)) < 0.8


def test_a_saved_label_model_gives_the_same_rows(xor_table, tmp_path):
    for model in (
        PTGAN(target="y", **TINY).fit(xor_table),
        GAP(PTGAN(target="y", **TINY), n_pairs=2, random_state=0).fit(xor_table),
    ):
        model.save(tmp_path / "m.fsz")
        again = load(tmp_path / "m.fsz")
        pd.testing.assert_frame_equal(
            again.sample(300, random_state=3), model.sample(300, random_state=3)
        )


def test_numeric_or_conditional_targets_keep_the_generators_labels(xor_table):
    numeric = xor_table.assign(y=np.random.default_rng(1).normal(size=len(xor_table)))
    model = PTGAN(target="y", **TINY).fit(numeric)
    labels = model.training_summary_["labels"]
    assert labels["source"] == "generator" and "classes" in labels["why"]
    with pytest.raises(InvalidDataError, match="labels='model' needs a target of classes.*"
                       "labels='generator'"):  # fmt: skip
        PTGAN(target="y", labels="model", **TINY).fit(numeric)
    model = PTGAN(target="y", conditional="y", **TINY).fit(xor_table)
    assert model.training_summary_["labels"]["source"] == "generator"
    with pytest.raises(InvalidParameterError, match="conditional='y' asks for its categories"):
        PTGAN(target="y", conditional="y", labels="model", **TINY).fit(xor_table)


def test_without_a_target_nothing_is_relabelled(xor_table):
    model = PTGAN(**TINY).fit(xor_table)
    assert model.label_model_ is None and "labels" not in model.training_summary_


def test_the_fit_records_the_targets_shares_at_the_default_alpha(adult_small):
    from fairsynth import FairPTGAN
    from fairsynth.cli.info import fairness_line

    model = FairPTGAN(sensitive="sex", target="income", **TINY).fit(adult_small)
    shares = model.training_summary_["fairness"]["target_shares"]
    assert shares["alpha"] == 0.5 and shares["class"] in ("<=50K", ">50K")
    table = float((adult_small.income == shares["class"]).mean())
    assert shares["table"] == pytest.approx(table, abs=1e-4) and 0 <= shares["share"] <= 1
    assert f"at α = 0.5 the labels are {shares['share']:.1%}" in fairness_line(
        model.training_summary_["fairness"]
    )
