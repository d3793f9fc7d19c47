"""The training budget: epochs=None is at least AUTO_EPOCHS epochs and AUTO_STEPS steps."""

import pandas as pd
import pytest
import torch

from fairsynth import PTGAN, FairPTGAN, params
from fairsynth.train.runtime import steps_per_epoch


def _planned(model, rows: int) -> tuple[int, int]:
    """(epochs, generator steps) a default fit of `model` plans on a table of `rows` rows."""
    df = pd.DataFrame({"x": range(rows)})
    x = torch.arange(rows, dtype=torch.float32)[:, None]
    train, _, _ = model._hold_out(df, x, 0)
    spe = steps_per_epoch(len(train), model.batch_size)
    epochs = model._loop_config(spe).epochs
    return epochs, epochs * spe


def test_the_rule():
    assert params.AUTO_EPOCHS == 150 and params.AUTO_STEPS == 3_000
    assert params.budget_epochs(None, 1) == 3_000
    assert params.budget_epochs(None, 5) == 600
    assert params.budget_epochs(None, 7) == 429  # rounded up: at least AUTO_STEPS steps
    assert params.budget_epochs(None, 59) == 150  # large tables: AUTO_EPOCHS
    assert params.budget_epochs(3, 5) == 3 and params.budget_epochs(1000, 59) == 1000


@pytest.mark.parametrize(
    "rows, epochs, steps",
    [
        (200, 3_000, 3_000),  # no held-out rows under 1,000 rows; one step per epoch
        (2_500, 600, 3_000),  # the 2-D ring: 2,250 training rows, 5 steps per epoch
        (32_561, 150, 8_850),  # Adult: 29,305 training rows, 59 steps per epoch, as before
    ],
)
def test_default_budget_on_small_and_large_tables(rows, epochs, steps):
    model = PTGAN()
    assert model.epochs is None
    assert _planned(model, rows) == (epochs, steps)


@pytest.mark.parametrize("rows", [200, 2_500, 32_561])
def test_an_explicit_epochs_is_exactly_that(rows):
    assert _planned(PTGAN(epochs=7), rows)[0] == 7
    assert _planned(PTGAN(epochs=150), rows)[0] == 150
    # FairPTGAN takes the same automatic budget
    assert FairPTGAN(sensitive="s").epochs is None
    assert _planned(FairPTGAN(sensitive="s", epochs=7), rows)[0] == 7


def test_a_fit_runs_the_budget_and_reports_it(adult_small, monkeypatch):
    monkeypatch.setattr(params, "AUTO_EPOCHS", 2)
    monkeypatch.setattr(params, "AUTO_STEPS", 10)
    small = dict(generator_dims=(16,), critic_dims=(16,), noise_dim=4, batch_size=100)
    table = adult_small.iloc[:300]  # 3 steps per epoch: ceil(10 / 3) = 4 epochs
    auto = PTGAN(random_state=0, **small).fit(table)
    s = auto.training_summary_
    assert (s["epochs_run"], s["max_epochs"], s["steps_per_epoch"]) == (4, 4, 3)
    assert s["stop_reason"]["text"] == "ran all 4 epochs"
    fixed = PTGAN(epochs=3, random_state=0, **small).fit(table)
    assert (fixed.training_summary_["epochs_run"], fixed.training_summary_["max_epochs"]) == (3, 3)
