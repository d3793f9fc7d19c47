"""The fairness component: cross-group tempering of generated rows and label constraints.

Any generator's encoded rows go through it: `temper` mixes each row with a row of another
group (the dial α), then a `LabelConstraint` draws the target (chosen by name or object:
"teacher", "quantile", "none"; a new constraint is a new class in `CONSTRAINTS`).
`targets` holds the rule that infers the label column when none is given.
"""

from .constraints import (
    CONSTRAINTS,
    FreeLabels,
    LabelColumns,
    LabelConstraint,
    NoConstraint,
    QuantileMapConstraint,
    TeacherConstraint,
    choose_binary,
    collapse_wide_onehots,
    quantile_map,
    resolve,
    restore,
)
from .targets import LABEL_NAMES, MAX_CLASSES, infer_target, label_classes
from .tempering import partner_groups, temper

__all__ = [
    "CONSTRAINTS",
    "FreeLabels",
    "LABEL_NAMES",
    "MAX_CLASSES",
    "LabelColumns",
    "LabelConstraint",
    "NoConstraint",
    "QuantileMapConstraint",
    "TeacherConstraint",
    "choose_binary",
    "collapse_wide_onehots",
    "infer_target",
    "label_classes",
    "model_target",
    "partner_groups",
    "quantile_map",
    "resolve",
    "restore",
    "temper",
]


def model_target(model):
    """The label column a model was fitted with: given or inferred (FairPTGAN's `target_`,
    GAP's base's), else its `target` parameter."""
    for obj in (model, getattr(model, "base_", None)):
        target = getattr(obj, "target_", None)
        if target is not None:
            return target
    return getattr(model, "target", None)
