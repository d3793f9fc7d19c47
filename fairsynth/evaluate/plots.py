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
# aware: solid line, filled markers; unaware: dashed line, hollow markers (same in every panel)
_STYLES = {"aware": ("-", "o", "C0"), "unaware": ("--", "s", "C1")}


def _reference_table(reference_points: Any) -> pd.DataFrame:
    """Reference points as a table with ``name``, ``sp``, ``auc`` (and the panel keys a
    DataFrame has); from a ``{name: (sp, auc)}`` dict (drawn in every panel) or a DataFrame
    with ``sp``/``auc`` columns, named by its ``name`` column (or its index)."""
    if reference_points is None:
        return pd.DataFrame(columns=["name", "sp", "auc"])
    if isinstance(reference_points, pd.DataFrame):
        missing = {"sp", "auc"} - set(reference_points.columns)
        if missing:
            raise InvalidDataError(
                f"reference_points lacks the columns {sorted(missing)}; give it 'sp' and 'auc'"
            )
        refs = reference_points.copy()
        if "name" not in refs.columns:
            refs["name"] = [str(i) for i in refs.index]
        return refs.reset_index(drop=True)
    if isinstance(reference_points, Mapping):
        return pd.DataFrame(
            [(str(k), float(sp), float(auc)) for k, (sp, auc) in reference_points.items()],
            columns=["name", "sp", "auc"],
        )
    raise InvalidDataError(
        "reference_points must be a dict {name: (sp, auc)} or a DataFrame with sp/auc columns"
    )


def _in_panel(table: pd.DataFrame, panel: dict[str, Any]) -> pd.DataFrame:
    """The rows of ``table`` that belong to ``panel`` (a table without a key column belongs
    to every panel of that key)."""
    keep = pd.Series(True, index=table.index)
    for key, value in panel.items():
        if key in table.columns:
            keep &= table[key] == value
    return table[keep]


def _panels(sweep_df: pd.DataFrame) -> tuple[list[Any], list[Any]]:
    rows = list(sweep_df["sensitive"].unique()) if "sensitive" in sweep_df else [None]
    cols = list(sweep_df["classifier"].unique())
    return rows, cols


def _draw_sweep(ax: Any, part: pd.DataFrame) -> None:
    """One line through the alphas per protocol, each point labelled with its alpha."""
    by_features = part.groupby("features", sort=False) if "features" in part else [(None, part)]
    for feats, line in by_features:
        line = line.sort_values("alpha")
        style, marker, color = _STYLES.get(feats, ("-", "o", "C0"))
        ax.errorbar(
            line["sp_mean"],
            line["auc_mean"],
            xerr=line.get("sp_std"),
            yerr=line.get("auc_std"),
            linestyle=style,
            marker=marker,
            color=color,
            mfc=color if feats != "unaware" else "white",
            capsize=3,
            label="fairsynth (α sweep)" + (f", {feats}" if feats else ""),
        )
        for a, x, y in zip(line["alpha"], line["sp_mean"], line["auc_mean"], strict=True):
            ax.annotate(f"α={a:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=7)


def _draw_references(ax: Any, refs: pd.DataFrame, names: list[str]) -> None:
    """One marker (and colour) per reference name, labelled beside the point; hollow for
    the unaware protocol."""
    for _, row in refs.iterrows():
        i = names.index(str(row["name"]))
        color = f"C{(2 + i) % 10}"  # C0/C1 are the sweep's lines
        unaware = row.get("features") == "unaware"
        ax.scatter(
            [row["sp"]],
            [row["auc"]],
            marker=_MARKERS[i % len(_MARKERS)],
            facecolors="none" if unaware else color,
            edgecolors=color,
            s=60,
            label=str(row["name"]) + (f", {row['features']}" if "features" in row else ""),
            zorder=3,
        )
        ax.annotate(
            str(row["name"]),
            (row["sp"], row["auc"]),
            textcoords="offset points",
            xytext=(5, -10),
            fontsize=7,
            color=color,
        )


def _panel_title(part: pd.DataFrame, clf: Any, sens: Any) -> str:
    title = str(clf).upper()
    if sens is not None:
        title += f" · sensitive {sens}"
        groups = part["groups"].iloc[0] if "groups" in part and len(part) else "all"
        if groups != "all":
            title += f" ({groups})"
    return title


def plot_auc_vs_sp(
    sweep_df: pd.DataFrame,
    reference_points: Mapping[str, tuple[float, float]] | pd.DataFrame | None = None,
    path: str | os.PathLike = "auc_vs_sp.png",
    *,
    title: str | None = None,
) -> Path:
    """Draw AUC (y) against SP (x) for each alpha of a ``fairness_sweep`` result.

    One panel per (sensitive column, classifier); in each, one line per protocol through
    the alphas (aware solid, unaware dashed with hollow markers; each point labelled with
    its alpha, error bars from ``sp_std``/``auc_std``) and the reference points (the real
    training table, other tools' tables) as labelled markers, one marker per name, drawn in
    the panels their ``classifier``/``features``/``sensitive`` columns match. Saved
    atomically as a PNG.
    """
    needed = {"alpha", "classifier", "auc_mean", "sp_mean"}
    if not isinstance(sweep_df, pd.DataFrame) or needed - set(sweep_df.columns):
        raise InvalidDataError(
            f"sweep_df must be a fairness_sweep result with the columns {sorted(needed)}"
        )
    refs = _reference_table(reference_points)
    names = list(dict.fromkeys(refs["name"].astype(str)))
    rows, cols = _panels(sweep_df)
    fig = Figure(figsize=(6 * len(cols), 4.5 * len(rows)), dpi=110)
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(rows), len(cols), squeeze=False)
    for r, sens in enumerate(rows):
        for c, clf in enumerate(cols):
            ax = axes[r][c]
            panel = {"classifier": clf} | ({"sensitive": sens} if sens is not None else {})
            part = _in_panel(sweep_df, panel)
            _draw_sweep(ax, part)
            _draw_references(ax, _in_panel(refs, panel), names)
            ax.set_title(_panel_title(part, clf, sens), fontsize=10)
            ax.set_xlabel("SP difference of predictions (lower is fairer)")
            ax.set_ylabel("ROC AUC on the real test set")
            ax.grid(True, alpha=0.3)
            ax.legend(fontsize=7, loc="best")
    fig.suptitle(title or "Utility vs fairness across α")
    fig.tight_layout()
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png"))
