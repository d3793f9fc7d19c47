"""AUC against statistical parity across alpha, with reference points (Agg, no pyplot state)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..errors import InvalidDataError
from ._io import atomic_write

__all__ = ["plot_auc_vs_sp"]

_MARKERS = "s^DvP*XhpH<>"


def _reference_list(reference_points: Any) -> list[tuple[str, float, float]]:
    """``(label, sp, auc)`` from a ``{name: (sp, auc)}`` dict or a DataFrame with ``sp``/``auc``
    columns, labelled by its ``name`` (or index) and ``classifier`` columns when present."""
    if reference_points is None:
        return []
    if isinstance(reference_points, pd.DataFrame):
        missing = {"sp", "auc"} - set(reference_points.columns)
        if missing:
            raise InvalidDataError(
                f"reference_points lacks the columns {sorted(missing)}; give it 'sp' and 'auc'"
            )
        out = []
        for idx, row in reference_points.iterrows():
            label = str(row["name"]) if "name" in row.index else str(idx)
            if "classifier" in row.index:
                label = f"{label} ({str(row['classifier']).upper()})"
            out.append((label, float(row["sp"]), float(row["auc"])))
        return out
    if isinstance(reference_points, Mapping):
        return [(str(k), float(sp), float(auc)) for k, (sp, auc) in reference_points.items()]
    raise InvalidDataError(
        "reference_points must be a dict {name: (sp, auc)} or a DataFrame with sp/auc columns"
    )


def plot_auc_vs_sp(
    sweep_df: pd.DataFrame,
    reference_points: Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
    path: str | os.PathLike = "auc_vs_sp.png",
    *,
    title: str | None = None,
) -> Path:
    """Draw AUC (y) against SP (x) for each alpha of a ``fairness_sweep`` result.

    One line per classifier through the alphas (each point labelled with its alpha, error bars
    from ``sp_std``/``auc_std``), reference points as markers; saved atomically as a PNG.
    """
    needed = {"alpha", "classifier", "auc_mean", "sp_mean"}
    if not isinstance(sweep_df, pd.DataFrame) or needed - set(sweep_df.columns):
        raise InvalidDataError(
            f"sweep_df must be a fairness_sweep result with the columns {sorted(needed)}"
        )
    refs = _reference_list(reference_points)
    fig = Figure(figsize=(7, 5), dpi=120)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n_lines = sweep_df["classifier"].nunique()
    for clf, part in sweep_df.groupby("classifier", sort=False):
        part = part.sort_values("alpha")
        ax.errorbar(
            part["sp_mean"],
            part["auc_mean"],
            xerr=part.get("sp_std"),
            yerr=part.get("auc_std"),
            marker="o",
            capsize=3,
            label=f"fairsynth {str(clf).upper()} (α sweep)",
        )
        for a, x, y in zip(part["alpha"], part["sp_mean"], part["auc_mean"], strict=True):
            ax.annotate(f"α={a:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    for i, (label, sp, auc) in enumerate(refs):
        ax.scatter(
            [sp],
            [auc],
            marker=_MARKERS[i % len(_MARKERS)],
            color=f"C{(n_lines + i) % 10}",  # not the colours of the sweep lines
            s=60,
            label=label,
            zorder=3,
        )
    ax.set_xlabel("statistical parity difference of predictions (SP, lower is fairer)")
    ax.set_ylabel("ROC AUC on the real test set")
    ax.set_title(title or "Utility vs fairness across α")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
