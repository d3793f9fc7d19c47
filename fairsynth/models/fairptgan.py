"""FairPTGAN: cross-group tempering with the sensitive attribute as a condition (§2)."""

from __future__ import annotations

import numpy as np
import torch

from ..data.validate import check_group_column
from ..errors import InvalidDataError, InvalidParameterError
from ..train import TemperedObjective
from .ptgan import PTGAN


class FairPTGAN(PTGAN):
    """PTGAN whose temperature moves the data towards independence from a sensitive column.

    Each row of group a is tempered with a partner drawn from the *other* groups:
    q = α·x_a + (1 − α)·x_b, labelled with group a. α = 1 is the original data; for two
    groups α = 1/2 makes every column independent of the sensitive attribute. The sensitive
    column is not interpolated: it is a condition of both networks and is copied into the
    output. One fit serves every α: `alpha` is only the default of `sample`.

    Parameters (beyond PTGAN's)
    ---------------------------
    sensitive : name of the sensitive column (categorical or boolean, ≥ 2 groups, no NaN).
    alpha : default temperature of `sample` (0.5 = fair for two groups, 1 = original law).
    """

    def __init__(
        self,
        sensitive: str | None = None,
        *,
        alpha: float = 0.5,
        epochs: int = 100,
        max_seconds: float | None = None,
        batch_size: int = 500,
        r: float = 0.9,
        coherency: float = 100.0,
        gradient_penalty: float = 0.0,
        noise_dim: int = 64,
        generator_dims: tuple[int, ...] = (256, 256),
        critic_dims: tuple[int, ...] = (256, 256),
        lr_generator: float = 2e-4,
        lr_critic: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        critic_steps: int = 1,
        continuous: str = "quantile",
        decode: str = "sample",
        kinds: dict[str, str] | None = None,
        target: str | None = None,
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        super().__init__(
            epochs=epochs, max_seconds=max_seconds, batch_size=batch_size, r=r,
            coherency=coherency, gradient_penalty=gradient_penalty, noise_dim=noise_dim,
            generator_dims=generator_dims, critic_dims=critic_dims,
            lr_generator=lr_generator, lr_critic=lr_critic, betas=betas,
            critic_steps=critic_steps, continuous=continuous, decode=decode, kinds=kinds,
            target=target, device=device, random_state=random_state, verbose=verbose,
            callbacks=callbacks,
        )
        self.sensitive = sensitive
        self.alpha = alpha

    def _check_params(self) -> None:
        super()._check_params()
        if not 0.0 <= self.alpha <= 1.0:
            raise InvalidParameterError(
                f"alpha={self.alpha!r} must lie in [0, 1]: 1 keeps the original law, "
                "0.5 makes two groups indistinguishable"
            )

    def _check_roles(self, df, schema) -> None:
        super()._check_roles(df, schema)
        candidates = schema.categorical_candidates()
        hint = f"low-cardinality categorical columns: {', '.join(candidates) or 'none'}"
        if self.sensitive is None:
            raise InvalidParameterError(
                f"FairPTGAN needs a sensitive column: FairPTGAN(sensitive=...); {hint}. "
                "For plain tempering without one, use PTGAN."
            )
        check_group_column(df, self.sensitive, "sensitive", hint)
        kind = schema[self.sensitive].kind
        if kind not in ("categorical", "boolean"):
            raise InvalidDataError(
                f"sensitive column {self.sensitive!r} was detected as {kind}; it must be "
                f"categorical: pass kinds={{{self.sensitive!r}: 'categorical'}} "
                f"(CLI: --kind {self.sensitive}=categorical) or choose among the {hint}"
            )

    def _default_alpha(self) -> float:
        return float(self.alpha)

    def _layout(self) -> None:
        (span,) = [s for s in self.transformer_.spans_of(self.sensitive) if s.kind == "onehot"]
        width = self.transformer_.output_dim
        keep = [i for i in range(width) if not span.start <= i < span.stop]
        self._sensitive_span = (span.start, span.stop)
        self._keep = torch.tensor(keep, device=self.device_)
        self._model_spans = _shift_spans(self.transformer_.spans, span)
        self._model_width = len(keep)
        self._cond_dim = 1 + (span.stop - span.start)

    def _prepare(self, df, encoded: torch.Tensor) -> None:
        self._layout()
        start, stop = self._sensitive_span
        self._groups = encoded[:, start:stop].argmax(1)
        self._data = encoded[:, self._keep]
        counts = torch.bincount(self._groups, minlength=stop - start)
        self.group_shares_ = (counts / counts.sum()).cpu().numpy()

    def _file_state(self) -> dict:
        return {**super()._file_state(), "group_shares": self.group_shares_.tolist()}

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.group_shares_ = np.asarray(state["group_shares"], dtype=np.float64)

    @property
    def _n_groups(self) -> int:
        start, stop = self._sensitive_span
        return stop - start

    def _condition(self, alpha: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
        return self._condition_groups(alpha, self._groups[idx])

    def _condition_groups(self, alpha: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(groups, self._n_groups).to(alpha.dtype)
        return torch.cat([alpha[:, None], onehot], dim=1)

    def _objective(self, sampler) -> TemperedObjective:
        objective = super()._objective(sampler)
        objective.cross_group = True
        return objective

    def _generate(
        self, m: int, alpha: float, gen: torch.Generator, group_shares=None
    ) -> torch.Tensor:
        shares = self._check_shares(group_shares)
        dev = self.device_
        groups = torch.multinomial(shares, m, replacement=True, generator=gen)
        z = torch.randn(m, self.noise_dim, device=dev, generator=gen)
        out = self.generator_(z, self._condition_groups(torch.full((m,), alpha, device=dev), groups))
        full = torch.zeros(m, self.transformer_.output_dim, device=dev)
        full[:, self._keep] = out
        full[torch.arange(m, device=dev), self._sensitive_span[0] + groups] = 1.0
        return full

    def _check_shares(self, group_shares) -> torch.Tensor:
        if group_shares is None:
            shares = np.asarray(self.group_shares_, dtype=np.float64)
        else:
            labels = self.group_labels_
            if isinstance(group_shares, dict):
                unknown = set(group_shares) - set(labels)
                if unknown:
                    raise InvalidParameterError(
                        f"group_shares names unknown groups {sorted(map(str, unknown))}; "
                        f"groups of {self.sensitive!r} are {labels}"
                    )
                shares = np.array([float(group_shares.get(g, 0.0)) for g in labels])
            else:
                shares = np.asarray(group_shares, dtype=np.float64)
            if shares.shape != (len(labels),) or (shares < 0).any() or shares.sum() <= 0:
                raise InvalidParameterError(
                    f"group_shares must give a non-negative weight to each group of "
                    f"{self.sensitive!r} ({labels})"
                )
        return torch.as_tensor(shares / shares.sum(), dtype=torch.float32, device=self.device_)

    @property
    def group_labels_(self) -> list:
        """The sensitive groups, in the order of the one-hot span (and of group_shares_)."""
        start, stop = self._sensitive_span
        eye = np.eye(stop - start, self.transformer_.output_dim, k=start, dtype=np.float32)
        return self.transformer_.inverse_transform(eye, decode="argmax")[self.sensitive].tolist()


def _shift_spans(spans, removed):
    """The span layout once the `removed` span's columns are cut out of the encoded row."""
    width = removed.stop - removed.start
    out = []
    for s in spans:
        if s == removed:
            continue
        shift = width if s.start >= removed.stop else 0
        out.append(s._replace(start=s.start - shift, stop=s.stop - shift))
    return out
