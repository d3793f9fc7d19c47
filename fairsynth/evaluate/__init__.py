"""Evaluation of synthetic tables: downstream utility, fairness across alpha, fidelity, plots.

The downstream yardstick follows docs/baselines.md: one-hot (most-frequent imputation) +
standardised numerics (mean imputation), ``LogisticRegression(max_iter=2000)`` ("lr") or
``HistGradientBoostingClassifier()`` ("gbm") trained on the evaluated rows and tested on a
real test table (ROC AUC of the positive class; fairlearn parity at threshold 0.5).
"""

from .dependencies import dependencies, find_dependencies
from .detection import detection
from .fairness import data_parity, evaluate_table, fairness_sweep, model_sensitive
from .fidelity import detect_metadata, distance_to_closest_record, exact_copy_share, fidelity
from .modes import mode_coverage
from .plots import plot_auc_vs_sp
from .report import run_report
from .utility import utility

__all__ = [
    "fairness_sweep",
    "evaluate_table",
    "data_parity",
    "model_sensitive",
    "utility",
    "fidelity",
    "detection",
    "dependencies",
    "find_dependencies",
    "detect_metadata",
    "exact_copy_share",
    "distance_to_closest_record",
    "plot_auc_vs_sp",
    "mode_coverage",
    "run_report",
]
