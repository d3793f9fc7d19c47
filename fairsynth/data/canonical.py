"""The encoding that generated rows' decoded values would get: canonical rows, on the device.

Encoding a real value picks its mode-specific pair (mode k, offset s) deterministically —
the mode of largest posterior (`ModeCodec.assign`). A generated row's pair need not be that
one: the same value can come out of a neighbouring mode with a large offset. A model fitted
on the real encoded rows (the label constraints' classifiers) has seen canonical pairs
only, and reads a non-canonical one as another value (a logistic or MLP label model keys
on the mode one-hot). So what it labels must be the generated rows re-encoded from their
decoded values: value = mean_k + 4·std_k·s, clipped to the observed range and rounded as
decoding does, then mode and offset assigned again. Categorical spans must already be hard
(`draw_categories`); they are left as they are.
"""

from __future__ import annotations

import torch

__all__ = ["CanonicalRows"]


class _ModeColumn:
    def __init__(self, start: int, enc, device):
        codec = enc.codec
        self.scalar = start
        self.modes = (start + 1, start + 1 + codec.n_modes)
        self.missing = self.modes[1] if enc.spec.has_missing else None
        f64 = {"dtype": torch.float64, "device": device}
        self.means = torch.tensor(codec.means, **f64)
        self.stds = torch.tensor(codec.stds, **f64)
        self.log_weights = torch.tensor(codec.weights, **f64).log()
        self.atom = self.stds == 0
        # decided once on the host: no device-to-host read per sampled chunk
        self.atoms = [j for j, sd in enumerate(codec.stds) if sd == 0]
        self.all_atoms = len(self.atoms) == codec.n_modes
        self.lo, self.hi = enc.lo, enc.hi
        # decimals decoding rounds to: integers (and dates) 0, floats their digits or none
        self.decimals = 0 if enc.spec.kind != "continuous" else enc.digits

    def value(self, rows: torch.Tensor) -> torch.Tensor:
        k = rows[:, self.modes[0] : self.modes[1]].argmax(1)
        s = rows[:, self.scalar].double().clamp(-1.0, 1.0).nan_to_num(0.0)
        v = (s * 4.0 * self.stds[k] + self.means[k]).clamp(self.lo, self.hi)
        if self.decimals is not None:
            v = torch.round(v, decimals=self.decimals)
        return v

    def assign(self, v: torch.Tensor) -> torch.Tensor:
        """ModeCodec.assign on the device: an atom's exact value, else the component of
        largest posterior (the nearest atom when there is no component)."""
        if self.all_atoms:
            k = (v[:, None] - self.means[None, :]).abs().argmin(1)
        else:
            sd = torch.where(self.atom, 1.0, self.stds)
            z = (v[:, None] - self.means[None, :]) / sd[None, :]
            logp = self.log_weights - sd.log() - 0.5 * z * z
            k = logp.masked_fill(self.atom[None, :], -torch.inf).argmax(1)
        for j in self.atoms:
            k = torch.where(v == self.means[j], j, k)
        return k

    def write(self, rows: torch.Tensor, out: torch.Tensor) -> None:
        v = self.value(rows)
        if self.missing is not None:  # a missing value is encoded as the lowest one, s = 0
            missing = rows[:, self.missing : self.missing + 2].argmax(1) == 1
            v = torch.where(missing, torch.full_like(v, self.lo), v)
        k = self.assign(v)
        sd = self.stds[k]
        s = torch.where(sd > 0, (v - self.means[k]) / (4.0 * sd.clamp_min(1e-300)), 0.0)
        if self.missing is not None:
            s = torch.where(missing, 0.0, s)
        out[:, self.scalar] = s.clamp(-1.0, 1.0).to(out.dtype)
        width = self.modes[1] - self.modes[0]
        out[:, self.modes[0] : self.modes[1]] = torch.nn.functional.one_hot(k, width).to(out.dtype)


class _BinColumn:
    """Quantile bins: the drawn bin is the value's own bin; the scalar of a real row is 0."""

    def __init__(self, start: int):
        self.scalar = start

    def write(self, rows: torch.Tensor, out: torch.Tensor) -> None:
        out[:, self.scalar] = 0.0


def _column(start: int, enc, device):
    return _BinColumn(start) if enc.codec.method == "bins" else _ModeColumn(start, enc, device)


class CanonicalRows:
    """Callable: encoded rows (full transformer width, hard categories) -> the same rows
    with every mode-specific numeric column re-encoded from its decoded value."""

    def __init__(self, transformer, device, *, as_generated: bool = False):
        # as_generated: the identity (model files written before canonical rows label the
        # rows as generated, and keep giving the rows they gave)
        self.columns = (
            []
            if as_generated
            else [_column(start, enc, device) for start, enc in transformer.mode_encoders()]
        )

    def __call__(self, rows: torch.Tensor) -> torch.Tensor:
        if not self.columns:
            return rows
        out = rows.clone()
        for column in self.columns:
            column.write(rows, out)
        return out
