"""One table of hyperparameters: default, constraint and help of every model keyword.

The models' signatures, their docstrings and the CLI's `fit` options are checked against
this table (tests/conformance), and each model validates its parameters with the
constraints listed here, so a default or a range cannot drift between them. A model that
deviates from a shared default says so in `OVERRIDES`, with the reason in its docstring.

Pure Python: the CLI reads it before importing torch.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "Param", "PARAMS", "MODEL_PARAMS", "OVERRIDES", "AUTO_EPOCHS", "AUTO_STEPS",
    "budget_epochs", "defaults", "check", "describe",
]  # fmt: skip


# ------------------------------------------------------------------- constraints
def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_real(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


@dataclass(frozen=True)
class Constraint:
    test: Callable[[object], bool]
    text: str  # what a valid value must do: "<name>=<value> must <text>"

    def __call__(self, value) -> bool:
        try:
            return bool(self.test(value))
        except TypeError:
            return False


def integer(low: int) -> Constraint:
    return Constraint(lambda v: _is_int(v) and v >= low, f"be an integer >= {low}")


def real(low: float, high: float | None = None, *, open_low=False, open_high=False):
    def test(v):
        if not _is_real(v):
            return False
        above = v > low if open_low else v >= low
        below = high is None or (v < high if open_high else v <= high)
        return above and below

    if high is None:
        text = f"be a number {'>' if open_low else '>='} {low:g}"
    else:
        text = f"lie in {'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
    return Constraint(test, text)


def one_of(*values) -> Constraint:
    return Constraint(lambda v: v in values, "be one of " + ", ".join(repr(x) for x in values))


def optional(inner: Constraint) -> Constraint:
    return Constraint(
        lambda v: v is None or inner(v), f"be None or {inner.text.removeprefix('be ')}"
    )


BOOLEAN = Constraint(
    lambda v: isinstance(v, bool) or type(v).__name__ == "bool_", "be True or False"
)
NAME = Constraint(lambda v: v is None or isinstance(v, str), "be a column name or None")


def _column_names(v) -> bool:
    if isinstance(v, str):
        return True
    names = list(v) if isinstance(v, list | tuple) else []
    return len(names) > 0 and all(isinstance(n, str) for n in names) and len(set(names)) == len(v)


# FairPTGAN's sensitive columns: one name, or several whose value combinations are the groups.
NAMES = Constraint(
    lambda v: v is None or _column_names(v),
    "be a column name, a non-empty list or tuple of distinct column names, or None",
)
LAYERS = Constraint(
    lambda v: isinstance(v, tuple | list) and len(v) > 0 and all(_is_int(h) and h >= 1 for h in v),
    "be a tuple of positive layer widths",
)
BETAS = Constraint(
    lambda v: (
        isinstance(v, tuple | list) and len(v) == 2 and all(_is_real(b) and 0 <= b < 1 for b in v)
    ),
    "be a pair of numbers in [0, 1)",
)
KINDS = Constraint(lambda v: v is None or isinstance(v, dict), "be a {column: kind} dict or None")
VALIDATION_SIZE = Constraint(
    lambda v: (_is_int(v) and v >= 1) or (_is_real(v) and not _is_int(v) and 0 < v < 1),
    "be a fraction of the rows in (0, 1) or a number of rows >= 1",
)
ANY = Constraint(lambda v: True, "be any value")
FAIRNESS_NAMES = ("auto", "teacher", "quantile", "none")
FAIRNESS = Constraint(
    lambda v: v in FAIRNESS_NAMES or getattr(v, "is_label_constraint", False) is True,
    "be one of " + ", ".join(map(repr, FAIRNESS_NAMES)) + " or a fairsynth.fairness constraint",
)


# ----------------------------------------------------------------------- budget
# epochs=None (the default) trains at least AUTO_EPOCHS epochs and at least AUTO_STEPS
# generator steps: a GAN needs a number of steps whatever the table's size (the 2,500-row
# ring of 8 Gaussians has 5 steps per epoch at batch 500: 150 epochs are 750 steps, far
# too few), while on a large table 150 epochs are already many more steps (Adult: 59 per
# epoch, 8,850 steps; early stopping ends it sooner). An explicit `epochs` is exactly that.
AUTO_EPOCHS = 150
AUTO_STEPS = 3_000


def budget_epochs(epochs: int | None, steps_per_epoch: int) -> int:
    """The number of epochs a fit runs: `epochs`, or the automatic budget when it is None."""
    if epochs is not None:
        return int(epochs)
    return max(AUTO_EPOCHS, -(-AUTO_STEPS // max(1, int(steps_per_epoch))))


# ------------------------------------------------------------------------ table
@dataclass(frozen=True)
class Param:
    name: str
    default: object
    constraint: Constraint
    help: str
    cli: bool = field(default=False)  # an option of `fairsynth fit`


_TABLE = [
    # roles
    Param(
        "sensitive",
        None,
        NAMES,
        "Sensitive column (e.g. sex), or several (a list; CLI: sex,race) whose value "
        "combinations are the groups (e.g. 'Female & Black'): the groups are tempered.",
        True,
    ),
    Param("target", None, NAME, "Label column (e.g. income).", True),
    Param("kinds", None, KINDS, "{column: kind} overrides of the detected column kinds."),
    # budget and early stopping
    Param(
        "epochs",
        None,
        optional(integer(1)),
        "Passes over the table (the maximum with early stopping); None: the automatic budget, "
        f"at least {AUTO_EPOCHS} epochs and at least {AUTO_STEPS:,} generator steps.",
        True,
    ),
    Param(
        "max_seconds",
        None,
        optional(real(0, open_low=True)),
        "Wall-time budget in seconds; stops at whichever of epochs/seconds comes first.",
        True,
    ),
    Param(
        "early_stopping",
        True,
        BOOLEAN,
        "Hold validation_size rows out and stop when their fidelity score stalls, keeping "
        "the best generator; skipped on tables under 1,000 rows.",
        True,
    ),
    Param(
        "validation_size",
        0.1,
        VALIDATION_SIZE,
        "Rows held out for early stopping: a fraction (at most 5,000 rows) or a count.",
        True,
    ),
    Param("batch_size", 500, integer(2), "Rows per minibatch.", True),
    # tempering and its stabilisers
    Param("alpha", 0.5, real(0, 1), "Default temperature of sample: 1 = original law.", True),
    Param(
        "r",
        0.9,
        real(0, 1),
        "Share of each batch kept at the original law (1 = no tempering).",
        True,
    ),
    Param("coherency", 1.0, real(0), "Weight λ of the coherency penalty (0 = off)."),
    Param("gradient_penalty", 10.0, real(0), "WGAN-GP weight (0 = off)."),
    Param("loss", "ptgan", one_of("ptgan", "wgan-gp", "ns"), "Adversarial loss preset.", True),
    Param("label_smoothing", 0.0, real(0, 0.5, open_high=True), "One-sided label smoothing."),
    Param("spectral_norm", False, BOOLEAN, "Spectral normalisation of the critic."),
    Param("conditional", None, NAME, "A categorical column to condition on (CTGAN-style)."),
    Param("log_gradient_variance", 0, integer(0), "Log critic-gradient variance every k steps."),
    Param("ema_decay", 0.999, real(0, 1, open_high=True), "Generator weight-average decay."),
    Param("target_consistency", 1.0, real(0), "Weight of the auxiliary label-consistency loss."),
    # fairness
    Param(
        "fairness",
        "auto",
        FAIRNESS,
        "FairPTGAN's label constraint on the target: 'auto' (teacher for a binary target, "
        "quantile when the label is non-linear in the row or has more classes), 'teacher', "
        "'quantile' or 'none'.",
        True,
    ),
    Param(
        "fairness_bound",
        0.003,
        real(0, 1, open_low=True, open_high=True),
        "The teacher's demographic-parity bound.",
    ),
    # PMGAN
    Param("n_generators", 8, integer(2), "PMGAN: number of generators.", True),
    Param("diversity", 1.0, real(0), "PMGAN: weight of the generators' separation."),
    Param("balance_decay", 1e-3, real(0), "PMGAN: decay rate of the balance weights."),
    Param(
        "truncate",
        0.99,
        real(0.5, 1, open_low=True, open_high=True),
        "PMGAN: truncation of the generator loss.",
    ),
    Param("mix", "uniform", one_of("uniform"), "PMGAN: how sample draws each row's generator."),
    # GAP
    Param("base", None, ANY, "GAP: the unfitted PTGAN or FairPTGAN each pair copies."),
    Param("n_pairs", 4, integer(2), "GAP: number of generator/critic pairs.", True),
    Param("swap_every", None, optional(integer(1)), "GAP: generator steps between swaps."),
    Param("select", "best", one_of("best", "all"), "GAP: the selected generator or all."),
    Param("eval_rows", 2048, integer(2), "GAP: rows used by GAM-II."),
    # networks and optimisers
    Param("noise_dim", 64, integer(1), "Width of the generator's noise input."),
    Param("generator_dims", (256, 256), LAYERS, "Hidden layer widths of the generator."),
    Param("critic_dims", (256, 256), LAYERS, "Hidden layer widths of the critic."),
    Param("lr_generator", 2e-4, real(0, open_low=True), "Adam learning rate of the generator."),
    Param("lr_critic", 2e-4, real(0, open_low=True), "Adam learning rate of the critic."),
    Param("betas", (0.5, 0.9), BETAS, "Adam betas."),
    Param("critic_steps", 1, integer(1), "Critic updates per generator update."),
    # encoding
    Param(
        "continuous",
        "bins",
        one_of("quantile", "mode", "bins"),
        "Encoding of numeric columns: 'mode' (mode one-hot + offset, frequent values exact), "
        "'bins' (quantile-bin one-hot, frequent values exact, values drawn within the bin) "
        "or 'quantile' (one scalar).",
        True,
    ),
    Param(
        "heads",
        "chain",
        one_of("soft", "commit", "chain"),
        "Generator output heads: 'soft' (softmax categories at the row's temperature), "
        "'commit' (categories drawn straight-through at α = 1, tempered fakes mixed from "
        "two generated rows) or 'chain' (as 'commit', each column's head reading the "
        "columns drawn before it).",
    ),
    Param("decode", "sample", one_of("sample", "argmax"), "How soft categories are decoded."),
    Param(
        "labels",
        "auto",
        one_of("auto", "model", "generator"),
        "PTGAN: how the target is drawn: 'model' (an MLP of the target given the row, fitted "
        "on the real rows), 'generator' (the generator's own) or 'auto' (the model for a "
        "target of classes).",
    ),
    # run
    Param(
        "device", "auto", Constraint(lambda v: isinstance(v, str), "be a device name"), "Device."
    ),
    Param("random_state", None, ANY, "Seed: the same seed gives the same rows on CPU."),
    Param("verbose", False, BOOLEAN, "Show progress while fitting."),
    Param("callbacks", None, ANY, "Callables (epoch, logs) -> bool run after each epoch."),
]
PARAMS: dict[str, Param] = {p.name: p for p in _TABLE}

_TRAINING = [
    "epochs", "max_seconds", "early_stopping", "validation_size", "batch_size",
]  # fmt: skip
_TEMPERING = [
    "r", "coherency", "gradient_penalty", "loss", "label_smoothing", "spectral_norm",
    "conditional", "log_gradient_variance",
]  # fmt: skip
_NETWORKS = [
    "noise_dim", "generator_dims", "critic_dims", "lr_generator", "lr_critic", "betas",
    "critic_steps",
]  # fmt: skip
# Every model ends with these: how the table is read, then how the fit runs (PTGAN's
# `labels` sits between the two).
_TABLE_KEYWORDS = ["continuous", "decode", "kinds", "target"]
_RUN_KEYWORDS = ["device", "random_state", "verbose", "callbacks"]
_RUN = [*_TABLE_KEYWORDS, *_RUN_KEYWORDS]

# The keywords of each model, in signature order.
MODEL_PARAMS: dict[str, list[str]] = {
    "PTGAN": [
        *_TRAINING,
        *_TEMPERING,
        *_NETWORKS,
        "ema_decay",
        "target_consistency",
        "heads",
        *_TABLE_KEYWORDS,
        "labels",
        *_RUN_KEYWORDS,
    ],  # fmt: skip
    "FairPTGAN": [
        "sensitive",
        "alpha",
        "fairness",
        "fairness_bound",
        *_TRAINING,
        *_TEMPERING,
        *_NETWORKS,
        "ema_decay",
        "target_consistency",
        "heads",
        *_RUN,
    ],  # fmt: skip
    "PMGAN": [
        "n_generators",
        "diversity",
        "balance_decay",
        "truncate",
        "mix",
        *_TRAINING,
        *_NETWORKS,
        *_RUN,
    ],  # fmt: skip
    "GAP": [
        "base",
        "n_pairs",
        "swap_every",
        "select",
        "eval_rows",
        "early_stopping",
        "validation_size",
        "random_state",
        "verbose",
        "callbacks",
    ],  # fmt: skip
}

# Where a model's default differs from the shared one (the reasons are in its docstring).
OVERRIDES: dict[str, dict[str, object]] = {
    "FairPTGAN": {"coherency": 0.0, "target_consistency": 0.0},
    "PMGAN": {"epochs": 100, "early_stopping": False},
    # None: take the base model's setting.
    "GAP": {"early_stopping": None, "validation_size": None},
}
_GAP_FROM_BASE = {"early_stopping", "validation_size"}


def defaults(model: str) -> dict[str, object]:
    """{keyword: default} of a model, in signature order."""
    over = OVERRIDES.get(model, {})
    return {name: over.get(name, PARAMS[name].default) for name in MODEL_PARAMS[model]}


def constraint(model: str, name: str) -> Constraint:
    c = PARAMS[name].constraint
    return optional(c) if model == "GAP" and name in _GAP_FROM_BASE else c


def check(model: str, values: dict[str, object]) -> tuple[str, object, Constraint] | None:
    """The first (keyword, value, constraint) that `values` break, or None."""
    for name in MODEL_PARAMS[model]:
        c = constraint(model, name)
        if name in values and not c(values[name]):
            return name, values[name], c
    return None


# CLI flags whose name is not the keyword's
_FLAGS = {"n_pairs": "--pairs", "n_generators": "--generators", "random_state": "--seed",
          "kinds": "--kind"}  # fmt: skip


def cli_flag(name: str) -> str:
    """The `fairsynth fit` option of a keyword (for messages in the CLI's spelling)."""
    return _FLAGS.get(name, "--" + name.replace("_", "-"))


def describe(name: str) -> str:
    """Help text with the constraint, for docstrings and CLI options."""
    p = PARAMS[name]
    return f"{p.help} (must {p.constraint.text})"
