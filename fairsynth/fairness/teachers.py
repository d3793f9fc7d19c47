"""The teachers of the label constraints (fairsynth.fairness.constraints): labellers of the
target fitted on the real encoded rows.

Cross-group tempering makes the synthetic table fair by itself, but a classifier trained on
it still learns the sensitive attribute's *proxies* and is unfair on real rows
(algorithms.md §2). So the generated target is drawn from teachers fitted on the real
encoded rows: a share 2·(1 − α) of the rows (all of them from α = 1/2 down) from a *fair
teacher* — fairlearn's ExponentiatedGradient with logistic regression under a
DemographicParity bound, a randomised classifier P(ŷ = 1 | x) = Σ_m w_m·1[x·β_m + b_m > 0]
— and the others from a *free teacher*, plain logistic regression on every column but the
target (the group included), P(ŷ = 1 | x) = σ(x·β + b): the original law's label given the
row, as far as a linear model has it. Both keep their linear predictors as tensors, so they
run on the device, batched, and are saved in the model file without pickle. See
docs/algorithms.md for the candidates measured and why the free teacher replaces the
generator's own label.

The free teacher takes K ≥ 2 classes (multinomial logistic regression, `class_probabilities`);
`MLPTeacher` is a small non-linear free classifier (one hidden layer), also kept as tensors.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch


class FairTeacher:
    """A randomised, demographic-parity-constrained labeller of a binary target (`fit`), or
    with `soft` a logistic one (`fit_free`)."""

    def __init__(
        self,
        coef: torch.Tensor,
        intercept: torch.Tensor,
        weights: torch.Tensor,
        soft: bool = False,
    ):
        self.coef = coef  # (m, d)
        self.intercept = intercept  # (m,)
        self.weights = weights  # (m,), sums to 1
        self.soft = soft  # σ(x·β + b) instead of the vote 1[x·β + b > 0]

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        y: np.ndarray,
        groups: np.ndarray,
        bound: float,
        max_rows: int,
        random_state: int,
        projection: np.ndarray | None = None,
    ) -> FairTeacher:
        """`projection` (d, d'): fit on features @ projection (a cheaper linear view of the
        row); the stored coefficients are mapped back onto the d features."""
        from fairlearn.reductions import DemographicParity, ExponentiatedGradient
        from sklearn.linear_model import LogisticRegression

        # the reduction refits LR tens of times: bound its cost
        features, y, groups = _at_most(max_rows, random_state, features, y, groups)
        if projection is not None:
            features = features @ projection
        reduction = ExponentiatedGradient(
            LogisticRegression(max_iter=500),
            DemographicParity(difference_bound=bound),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reduction.fit(features, y, sensitive_features=groups)
        coefs, intercepts, weights = [], [], []
        for predictor, w in zip(reduction.predictors_, reduction.weights_, strict=True):
            if w <= 0:
                continue
            if hasattr(predictor, "coef_"):
                coefs.append(predictor.coef_[0])
                intercepts.append(predictor.intercept_[0])
            else:  # a predictor fitted on one class predicts that class everywhere
                coefs.append(np.zeros(features.shape[1]))
                intercepts.append(np.inf if int(predictor.classes_[0]) == 1 else -np.inf)
            weights.append(w)
        w = np.asarray(weights, dtype=np.float64)
        coefs = np.asarray(coefs)
        if projection is not None:
            coefs = coefs @ projection.T
        return cls(
            torch.tensor(coefs, dtype=torch.float32),
            torch.tensor(intercepts, dtype=torch.float32),
            torch.tensor(w / w.sum(), dtype=torch.float32),
        )

    @classmethod
    def fit_free(
        cls, features: np.ndarray, y: np.ndarray, max_rows: int, random_state: int
    ) -> FairTeacher:
        """Plain logistic regression of y on the features: the unconstrained teacher."""
        from sklearn.linear_model import LogisticRegression

        features, y = _at_most(max_rows, random_state, features, y)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr = LogisticRegression(max_iter=1000).fit(features, y)
        return cls(
            torch.tensor(lr.coef_, dtype=torch.float32),
            torch.tensor(lr.intercept_, dtype=torch.float32),
            torch.ones(1),
            soft=True,
        )

    def class_probabilities(self, features: torch.Tensor) -> torch.Tensor:
        """(m, K) class probabilities of a free teacher (K = 2 for a binary target)."""
        logits = features @ self.coef.T + self.intercept
        if self.coef.shape[0] == 1:
            p = torch.sigmoid(logits[:, 0]) if self.soft else self.positive_probability(features)
            return torch.stack([1.0 - p, p], dim=1)
        return torch.softmax(logits, dim=1)

    def to(self, device) -> FairTeacher:
        return FairTeacher(
            self.coef.to(device), self.intercept.to(device), self.weights.to(device), self.soft
        )

    def positive_probability(self, features: torch.Tensor) -> torch.Tensor:
        logits = features @ self.coef.T + self.intercept
        votes = torch.sigmoid(logits) if self.soft else logits > 0
        return votes.to(features.dtype) @ self.weights

    def tensors(self) -> dict[str, torch.Tensor]:
        return {
            "coef": self.coef,
            "intercept": self.intercept,
            "weights": self.weights,
            "soft": torch.tensor(self.soft),
        }

    @classmethod
    def from_tensors(cls, t: dict[str, torch.Tensor]) -> FairTeacher:
        soft = bool(t["soft"]) if "soft" in t else False  # files written before free teachers
        return cls(t["coef"], t["intercept"], t["weights"], soft)


class MLPTeacher:
    """A free classifier of y given the row with one hidden layer (ReLU), trained by Adam on
    the real encoded rows (cross-entropy, K classes). Its weights are tensors: it runs on
    the device and is saved without pickle."""

    def __init__(self, w1, b1, w2, b2):
        self.w1, self.b1, self.w2, self.b2 = w1, b1, w2, b2

    @classmethod
    def fit(
        cls,
        features: np.ndarray,
        y: np.ndarray,
        n_classes: int,
        max_rows: int,
        random_state: int,
        hidden: int = 64,
        epochs: int = 30,
        batch_size: int = 256,
        weight_decay: float = 1e-4,
        projection: np.ndarray | None = None,
    ) -> MLPTeacher:
        """`projection` (d, d'): train on features @ projection; the first layer is mapped
        back onto the d features (it is linear), so the MLP reads the encoded row."""
        features, y = _at_most(max_rows, random_state, features, y)
        if projection is not None:
            features = features @ projection
        x = torch.as_tensor(features, dtype=torch.float32)
        t = torch.as_tensor(y, dtype=torch.long)
        # its own random streams: the caller's (network initialisation) stay untouched
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(random_state)
            net = torch.nn.Sequential(
                torch.nn.Linear(x.shape[1], hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(hidden, n_classes),
            )
            opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=weight_decay)
            gen = torch.Generator().manual_seed(random_state)
            for _ in range(epochs):
                for idx in torch.randperm(len(x), generator=gen).split(batch_size):
                    opt.zero_grad()
                    torch.nn.functional.cross_entropy(net(x[idx]), t[idx]).backward()
                    opt.step()
        first, last = net[0], net[2]
        w1 = first.weight.detach().clone()
        if projection is not None:
            w1 = w1 @ torch.as_tensor(projection.T, dtype=w1.dtype)
        return cls(w1, *(p.detach().clone() for p in (first.bias, last.weight, last.bias)))

    def to(self, device) -> MLPTeacher:
        return MLPTeacher(*(p.to(device) for p in (self.w1, self.b1, self.w2, self.b2)))

    def class_probabilities(self, features: torch.Tensor) -> torch.Tensor:
        h = torch.relu(features @ self.w1.T + self.b1)
        return torch.softmax(h @ self.w2.T + self.b2, dim=1)

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"w1": self.w1, "b1": self.b1, "w2": self.w2, "b2": self.b2}

    @classmethod
    def from_tensors(cls, t: dict[str, torch.Tensor]) -> MLPTeacher:
        return cls(t["w1"], t["b1"], t["w2"], t["b2"])


def _at_most(max_rows: int, random_state: int, *arrays: np.ndarray) -> list[np.ndarray]:
    """The arrays' rows, or the same `max_rows` random rows of each when they have more."""
    n = len(arrays[0])
    if n <= max_rows:
        return list(arrays)
    keep = np.random.default_rng(random_state).choice(n, max_rows, replace=False)
    return [a[keep] for a in arrays]


def teacher_strength(alpha: float) -> float:
    """0 at α = 1 (the original law), rising linearly to 1 at α = 1/2 (and below)."""
    return float(min(1.0, max(0.0, 2.0 * (1.0 - alpha))))
