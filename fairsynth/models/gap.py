"""GAP: generative adversarial parallelisation (Im et al.; algorithms.md §5).

N pairs of a base model (PTGAN, FairPTGAN, or any of their loss presets) train side by side
on the one loop; every `swap_every` generator steps the critics are exchanged between
disjoint pairs, with their optimiser state (train/pairs.py). After training, GAM-II picks
the generator that the critics it has not trained against find hardest to tell from data.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.base import clone
from torch import nn

from ..errors import InvalidParameterError
from ..train import MinibatchSampler
from ..train.pairs import PairedObjective
from .base import BaseSynthesizer, seed_from
from .layout import TrainingData
from .ptgan import PTGAN


class GAP(BaseSynthesizer):
    """N pairs of a base GAN trained in parallel with critic swaps; GAM-II picks the output.

    Parameters
    ----------
    base : an unfitted PTGAN or FairPTGAN (default PTGAN()); its settings (epochs, batch
        size, learning rates, loss, networks, ...) are those of every pair. Each pair makes
        as many generator steps as the base model alone would.
    n_pairs : number of generator/critic pairs (≥ 2).
    swap_every : generator steps between critic swaps; None = half an epoch (two swaps per
        epoch, the GAP paper's advice).
    select : 'best' samples from the generator chosen by GAM-II; 'all' draws each row's
        generator uniformly among all pairs.
    eval_rows : rows (real and generated per generator) used by GAM-II.
    early_stopping, validation_size : as for PTGAN; None (default) takes the base's. The
        score is that of rows drawn from all pairs' generators alike; at the end the
        weights of its best evaluation are restored, then GAM-II selects among them.
    random_state, verbose, callbacks : as for PTGAN (random_state overrides the base's).
    """

    def __init__(
        self,
        base: PTGAN | None = None,
        *,
        n_pairs: int = 4,
        swap_every: int | None = None,
        select: str = "best",
        eval_rows: int = 2048,
        early_stopping: bool | None = None,
        validation_size: float | int | None = None,
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        self.base = base
        self.n_pairs = n_pairs
        self.swap_every = swap_every
        self.select = select
        self.eval_rows = eval_rows
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _base_estimator(self) -> PTGAN:
        return PTGAN() if self.base is None else self.base

    def _training_params(self) -> PTGAN:
        # A pair trains exactly like its base would: epochs, batch size, rates, encoding...
        return self._base_estimator()

    # The base model's roles and decoding, read by evaluation and early stopping.
    target = property(lambda self: self._base_estimator().target)
    sensitive = property(lambda self: getattr(self._base_estimator(), "sensitive", None))
    decode = property(lambda self: self._base_estimator().decode)

    # ---------------------------------------------------------------- checks
    def _check_params(self) -> None:
        base = self._base_estimator()
        if not isinstance(base, PTGAN):
            raise InvalidParameterError(
                f"GAP(base=...) takes a PTGAN or FairPTGAN, got {type(base).__name__}"
            )
        super()._check_params()
        base._check_params()

    def _early_stopping_settings(self) -> tuple[bool, float | int]:
        base = self._base_estimator()
        on = base.early_stopping if self.early_stopping is None else self.early_stopping
        size = base.validation_size if self.validation_size is None else self.validation_size
        return bool(on), size

    def _check_roles(self, df, schema) -> None:
        self.base_ = clone(self._base_estimator())
        self.base_._check_roles(df, schema)

    # ------------------------------------------------------- networks, objective
    def _attach(self) -> None:
        if not hasattr(self, "base_"):
            self.base_ = clone(self._base_estimator())
        self.base_.device_ = self.device_
        self.base_.transformer_ = self.transformer_

    def _layout(self):
        self._attach()
        self.base_.layout_ = self.base_._layout()
        return self.base_.layout_

    def _prepare(self, df, encoded: torch.Tensor, seed: int) -> TrainingData:
        return self.base_._prepare(df, encoded, seed)

    def _end_training(self) -> None:
        self.base_._end_training()

    def _structure_context(self, data: TrainingData) -> torch.Tensor:
        return self.base_._structure_context(data)

    def _context_labels(self) -> list[str]:
        return self.base_._context_labels()

    def _build_networks(self) -> None:
        # Built one after the other from the forked, seeded global stream: the pairs start
        # from different initial weights.
        pairs = [self.base_._make_networks() for _ in range(self.n_pairs)]
        self.generator_ = nn.ModuleList([g for g, _ in pairs])
        self.critic_ = nn.ModuleList([c for _, c in pairs])

    def _objective(self, data: TrainingData, sampler) -> PairedObjective:
        objectives = []
        for i in range(self.n_pairs):
            # Each pair its own minibatch order, noise and temperatures: seeds drawn from the
            # shared stream, so the whole run is reproducible from random_state.
            seed = int(
                torch.randint(2**62, (1,), generator=sampler.generator, device=sampler.device)
            )
            gen = torch.Generator(device=sampler.device).manual_seed(seed)
            pair_sampler = MinibatchSampler(
                sampler.n_rows, sampler.batch_size, gen, groups=sampler.groups
            )
            networks = (self.generator_[i], self.critic_[i])
            objectives.append(self.base_._objective(data, pair_sampler, networks))
        steps_per_epoch = max(1, -(-sampler.n_rows // sampler.batch_size))
        every = self.swap_every or max(1, steps_per_epoch // 2)
        swap_seed = int(
            torch.randint(2**62, (1,), generator=sampler.generator, device=sampler.device)
        )
        return PairedObjective(objectives, every, torch.Generator().manual_seed(swap_seed))

    # ------------------------------------------------------------------ fit
    def _finish_fit(self, df, data: TrainingData, paired: PairedObjective) -> None:
        """Select the generator by GAM-II before anything samples from the model."""
        self.base_.n_train_, self.base_.columns_ = self.n_train_, self.columns_
        self.partner_ = list(paired.partner)
        self.faced_ = [sorted(f) for f in paired.faced]
        self.swaps_ = paired.swaps
        self._gam_ii(data, seed_from(self.training_summary_["seed"]) + 1)
        self.training_summary_.update(
            swaps=self.swaps_,
            selected=self.selected_,
            gam_mean_error=[round(v, 4) for v in self.gam_mean_],
        )
        if hasattr(self.base_, "fairness_summary_"):  # FairPTGAN's label constraint, groups
            base = self.base_
            self.training_summary_["fairness"] = {
                **base.fairness_summary_,
                **base._groups_summary(),
            }

    @torch.no_grad()
    def _gam_ii(self, data: TrainingData, seed: int) -> None:
        """GAM-II: for each generator j, the error rates of the critics j never trained
        against (or, when the swaps have shown it every critic, of all critics but its last
        partner), on its samples versus real rows; select the generator with the highest
        mean error (ties: highest worst-case, i.e. minimum, error)."""
        real, cond, fakes = self._gam_inputs(data, seed)
        err = np.stack(
            [
                self._critic_errors(critic, self.partner_.index(k), real, cond, fakes)
                for k, critic in enumerate(self.critic_)
            ]
        )
        self._gam_select(err)

    @torch.no_grad()
    def _gam_inputs(self, data: TrainingData, seed: int):
        """Real rows, their condition and each generator's rows, from `seed` (the same on
        every rank of a distributed fit)."""
        inner, dev = self.base_, self.device_
        gen = torch.Generator(device=dev).manual_seed(seed)
        m = min(self.eval_rows, len(data))
        idx = torch.randint(len(data), (m,), device=dev, generator=gen)
        real = data.rows[idx]
        cond = inner._condition(torch.ones(m, device=dev), idx, data)
        fakes = [
            g(torch.randn(m, inner.noise_dim, device=dev, generator=gen), cond)
            for g in self.generator_
        ]
        return real, cond, fakes

    @torch.no_grad()
    def _critic_errors(self, critic, own: int, real, cond, fakes) -> np.ndarray:
        """Error rates of one critic on each generator (own: its last partner generator)."""
        critic.eval()
        s_real = critic(real, cond)
        s_fake = [critic(f, cond) for f in fakes]
        # 'ns': the logit's own decision boundary. A Wasserstein critic has none: take the
        # midpoint between its mean score on real rows and on its last partner generator.
        ns = self.base_.loss == "ns"
        tau = 0.0 if ns else 0.5 * (s_real.mean() + s_fake[own].mean())
        miss_real = (s_real < tau).float().mean().item()
        return np.array([0.5 * (miss_real + (s > tau).float().mean().item()) for s in s_fake])

    def _gam_select(self, err: np.ndarray) -> None:
        """err[k, j]: error of critic k on generator j; sets gam_* and selected_."""
        n = self.n_pairs
        mean, worst = np.zeros(n), np.zeros(n)
        for j in range(n):
            judges = [k for k in range(n) if k not in self.faced_[j]]
            if not judges:
                judges = [k for k in range(n) if k != self.partner_[j]]
            mean[j], worst[j] = err[judges, j].mean(), err[judges, j].min()
        self.gam_errors_ = err
        self.gam_mean_ = mean.tolist()
        self.gam_worst_ = worst.tolist()
        self.selected_ = int(np.lexsort((worst, mean))[-1])

    # --------------------------------------------------------------- sample
    def _default_alpha(self) -> float:
        return self.base_._default_alpha()

    def _generate(self, m: int, alpha: float, gen: torch.Generator, **options) -> torch.Tensor:
        if self.select == "best":
            return self.base_._generate_with(
                self.generator_[self.selected_], m, alpha, gen, **options
            )
        return self._generate_all(m, alpha, gen, **options)

    def _holdout_rows(self, m: int, gen: torch.Generator) -> torch.Tensor:
        # No generator is selected during training: score the pairs' mix.
        return self._generate_all(m, 1.0, gen)

    def _generate_all(self, m: int, alpha: float, gen: torch.Generator, **options):
        """Each row from a generator drawn uniformly among the pairs."""
        inner = self.base_
        which = torch.randint(self.n_pairs, (m,), device=self.device_, generator=gen)
        out = torch.empty(m, self.transformer_.output_dim, device=self.device_)
        for j in range(self.n_pairs):
            rows = (which == j).nonzero().squeeze(1)
            if len(rows):
                out[rows] = inner._generate_with(
                    self.generator_[j], len(rows), alpha, gen, **options
                )
        return out

    # ---------------------------------------------------------------- files
    def _file_state(self) -> dict:
        return {
            **super()._file_state(),
            "base": self.base_._file_state(),
            "selected": self.selected_,
            "partner": self.partner_,
            "faced": self.faced_,
            "swaps": self.swaps_,
            "gam_mean": self.gam_mean_,
            "gam_worst": self.gam_worst_,
            "gam_errors": np.asarray(self.gam_errors_).tolist(),
        }

    def _tensors(self) -> dict:
        # the base's fitted tensors beyond the networks (what draws the target)
        extra = self.base_._label_tensors()
        return {**super()._tensors(), **{f"base.{k}": v for k, v in extra.items()}}

    def _restore_tensors(self, tensors: dict) -> None:
        part = {k[5:]: v for k, v in tensors.items() if k.startswith("base.")}
        self.base_._restore_tensors(part)

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.base_._restore_state(state["base"])
        self.selected_ = int(state["selected"])
        self.partner_ = [int(v) for v in state["partner"]]
        self.faced_ = [list(map(int, f)) for f in state["faced"]]
        self.swaps_ = int(state["swaps"])
        self.gam_mean_ = list(state["gam_mean"])
        self.gam_worst_ = list(state["gam_worst"])
        self.gam_errors_ = np.asarray(state["gam_errors"])

    @classmethod
    def _from_file(cls, config: dict, tensors: dict, device: str):
        from ..persist import estimator_from_config

        params = dict(config["params"])
        if params.get("base") is not None:
            params["base"] = estimator_from_config(params["base"])
        return super()._from_file({**config, "params": params}, tensors, device)
