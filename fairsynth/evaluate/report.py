"""One call that runs the whole evaluation and writes its files atomically."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..fairness import model_target
from . import _validation as v
from ._io import write_csv, write_json
from .fairness import (
    DEFAULT_ALPHAS,
    DEFAULT_CLASSIFIERS,
    DEFAULT_FEATURES,
    default_sample_size,
    evaluate_table,
    fairness_sweep,
)
from .fidelity import fidelity
from .plots import plot_auc_vs_sp
from .utility import utility

__all__ = ["run_report"]


def run_report(
    model: Any,
    real_test: pd.DataFrame,
    target: Any = None,
    out_dir: str | os.PathLike = "report",
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    repeats: int = 3,
    classifiers: Sequence[str] = DEFAULT_CLASSIFIERS,
    real_train: pd.DataFrame | None = None,
    compare: Mapping[str, pd.DataFrame] | None = None,
    unaware: bool = False,
    random_state: int = 0,
    *,
    sensitive: Any = None,
    features: Sequence[str] | None = None,
    groups: Mapping[Any, Sequence[Any]] | None = None,
    positive: Any = None,
    n: int | None = None,
) -> dict[str, Any]:
    """Fairness sweep, utility, fidelity and the AUC-vs-SP plot, written under ``out_dir``.

    Files: ``fairness.csv`` (sweep summary), ``utility.csv``, ``fidelity.json``,
    ``auc_vs_sp.png``, and ``references.csv`` (train-on-real and ``compare`` tables scored
    with the same yardstick) when there are reference points. Utility and fidelity use one
    sample at alpha=1 (seed ``random_state``); ``classifiers`` apply to the sweep, the
    references and utility alike. A fitted model keeps no training rows: without
    ``real_train`` utility is skipped and fidelity is measured against the test table
    (without privacy), both with a note. ``sensitive`` (one column or a list), ``features``
    (default both protocols, "aware" and "unaware"; ``unaware=True`` means ("unaware",)) and
    ``groups`` are as in :func:`fairness_sweep`, for the sweep and the references alike.

    Returns ``{"fairness", "runs", "utility", "fidelity", "references", "files", "notes"}``.
    """
    target = model_target(model) if target is None else target
    sensitive = v.model_sensitive(model) if sensitive is None else v.sensitive_list(sensitive)
    alphas = v.check_alphas(alphas)
    classifiers = v.check_classifiers(classifiers)
    v.check_positive_int(repeats, "repeats", allow_none=False)
    n = v.check_positive_int(n, "n")
    features = v.check_features(features, unaware, DEFAULT_FEATURES)
    v.validate_model_and_test(model, real_test, target, sensitive, random_state)
    groups = v.check_groups(groups, sensitive, real_test)
    notes: list[str] = []
    if real_train is not None:
        v.check_table(real_train, "the real training table")
        v.check_target(real_train, target, "the real training table")
        v.check_same_columns(
            real_train, list(real_test.columns), "the real training table", "the test table"
        )
    for name, table in (compare or {}).items():
        v.check_table(table, f"the compared table {name!r}")
        v.check_has_columns(table, list(real_test.columns), f"the compared table {name!r}")

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    sweep, runs = fairness_sweep(
        model, real_test, target, sensitive, alphas, classifiers, repeats, n,
        random_state=random_state, features=features, groups=groups, positive=positive,
        return_runs=True,
    )  # fmt: skip
    files = {"fairness": write_csv(sweep, out / "fairness.csv")}

    references = []
    tables = ({"real data": real_train} if real_train is not None else {}) | dict(compare or {})
    for name, table in tables.items():
        scored = evaluate_table(
            table, real_test, target, sensitive, classifiers, random_state=random_state,
            features=features, groups=groups, positive=positive,
        )  # fmt: skip
        references.append(scored.assign(name=name))
    refs = pd.concat(references, ignore_index=True) if references else None
    if refs is not None:
        refs = refs[["name", *[c for c in refs.columns if c != "name"]]]
        files["references"] = write_csv(refs, out / "references.csv")

    n_sample = n or default_sample_size(
        model, len(real_train) if real_train is not None else len(real_test)
    )
    synth = v.sample(model, n_sample, 1.0, random_state)
    if real_train is not None:
        util = utility(
            synth, real_train, real_test, target, classifiers, random_state=random_state,
            positive=positive,
        )  # fmt: skip
        fid = fidelity(synth, real_train, holdout=real_test, random_state=random_state)
    else:
        notes.append("utility skipped: no real_train given and the model exposes no training table")
        notes.append("fidelity measured against the test table; privacy needs real_train")
        util = pd.DataFrame(columns=["classifier", "tstr_auc", "trtr_auc", "ratio", "note"])
        util.loc[0] = [None, None, None, None, notes[-2]]
        fid = fidelity(synth, real_test, random_state=random_state)
        fid["privacy"] = None
    fid["notes"] = list(notes)
    files["utility"] = write_csv(util, out / "utility.csv")
    files["fidelity"] = write_json(fid, out / "fidelity.json")
    files["plot"] = plot_auc_vs_sp(sweep, refs, out / "auc_vs_sp.png")
    return {
        "fairness": sweep,
        "runs": runs,
        "utility": util,
        "fidelity": fid,
        "references": refs,
        "files": files,
        "notes": notes,
    }
