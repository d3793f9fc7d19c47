"""The estimator contract and the fit/sample machinery shared by every synthesizer.

A model declares its parameters in `fairsynth.params` and implements the hooks marked
abstract below; `fit` and `sample` here are the one pipeline every model goes through. What
a fit learns lives in `_`-suffixed attributes (`layout_`, `generator_`, ...); the tensors of
the training rows live in a `TrainingData` that only the fit holds, so a fitted (or pickled)
model carries no training rows.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator

from .. import params as P
from ..data import TableTransformer, detect_schema
from ..data.validate import check_group_column, validate_table
from ..errors import InvalidDataError, InvalidParameterError, NotFittedError
from ..nn import Critic, Generator
from ..nn.chain import ChainHeads
from ..nn.structure import forbidden_pairs
from ..privacy import CopyFilter, hashed_columns, privacy_summary, row_hashes
from ..train import LoopConfig, TrainingLoop
from ..train.early_stopping import EarlyStopping
from ..train.fit_report import check_fit
from ..train.runtime import LocalRuntime, resolve_device
from ..train.threads import fit_threads
from .layout import Layout, TrainingData

# Rows are generated in chunks of this size whatever n is, so that sample(n) and the CLI's
# chunked writing give the very same rows for the same seed, in bounded memory.
SAMPLE_CHUNK = 65_536
# Early stopping holds rows out of training only on tables at least this large (a smaller
# held-out set would make the score mostly noise, and every row counts for training), and
# a fractional validation_size is capped at this many rows (enough for a stable score).
HOLDOUT_MIN_TABLE = 1_000
HOLDOUT_MAX_ROWS = 5_000
# The fit summary names this many of the structural zeros the chain heads block.
STRUCTURAL_ZERO_EXAMPLES = 10


def seed_from(random_state) -> int:
    if random_state is None:
        return int(np.random.default_rng().integers(2**31 - 1))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**31 - 1))
    return int(random_state)


class BaseSynthesizer(BaseEstimator, ABC):
    """Shared machinery. A model supplies its layout (which encoded columns the networks
    model, the condition's width), the fit-time data and fitted extras (`_prepare`), its
    objective and its sampler (`_generate`); everything else is here."""

    # ------------------------------------------------------------ the contract
    @abstractmethod
    def _layout(self) -> Layout:
        """The networks' view of the encoded row, from `transformer_` (at fit and at load)."""

    @abstractmethod
    def _prepare(self, df: pd.DataFrame, encoded: torch.Tensor, seed: int) -> TrainingData:
        """The fit-time tensors of the training rows; fits extras that need them (teachers,
        group shares). Called once `layout_` is set."""

    @abstractmethod
    def _objective(self, data: TrainingData, sampler):
        """The training objective (train/objectives.py protocol) over `data`."""

    @abstractmethod
    def _generate(self, m: int, alpha: float, gen: torch.Generator, **options) -> torch.Tensor:
        """Encoded rows (full transformer width) for m rows at temperature alpha."""

    def _training_params(self) -> BaseSynthesizer:
        """The estimator whose epochs, batch size, encoding, ... drive the fit (GAP: its base)."""
        return self

    # ------------------------------------------------------------------ fit
    def fit(
        self,
        data: pd.DataFrame,
        y=None,
        *,
        checkpoint_every: int | None = None,
        checkpoint_path=None,
        resume: bool = False,
        runtime=None,
    ):
        """Fit on a table. `y` is ignored (scikit-learn signature).

        `checkpoint_every=N` saves a checkpoint to `checkpoint_path` every N epochs (and on
        Ctrl-C, whenever a path is given); `resume=True` continues from that checkpoint, with
        the same result as an uninterrupted fit on CPU (docs/reliability.md). `runtime`: where
        the fit runs (default this process; `fairsynth.distributed.fit_distributed` passes a
        torchrun one).
        """
        runtime = LocalRuntime() if runtime is None else runtime
        self._check_params()
        spec = self._training_params()
        validate_table(data, spec.kinds)
        df = self._check_table(data)
        ckpt = runtime.checkpointer(self, df, checkpoint_every, checkpoint_path, resume)
        seed = runtime.agree(ckpt.resumed_seed if resume else seed_from(self.random_state))
        self.device_ = runtime.device(spec.device)
        self._precision()  # a bad FAIRSYNTH_PRECISION fails here, before any work
        started = time.perf_counter()
        # Network initialisation uses torch's global generator: fork it so that the same
        # seed gives the same networks without touching the caller's global RNG state.
        with torch.random.fork_rng(devices=[]), fit_threads() as (threads, threads_why):
            torch.manual_seed(seed)
            schema = detect_schema(df, kinds=spec.kinds)
            self._check_roles(df, schema)
            self.transformer_ = runtime.fit_transformer(
                df, schema, spec.continuous, seed, self._modelled_columns()
            )
            encoded = torch.as_tensor(self.transformer_.transform(df), device=self.device_)
            train, encoded, holdout = self._hold_out(df, encoded, seed)
            runtime.after_transformer(seed)
            self.layout_ = self._layout()
            data = self._prepare(train, encoded, seed)
            del encoded
            self._build_networks()
            structural_zeros = self._block_structural_zeros(data)
            gen = torch.Generator(device=self.device_).manual_seed(seed)
            objective, steps, gen = runtime.objective(self, data, gen, seed)
            stopper = None if holdout is None else EarlyStopping(self, holdout, seed + 1)
            # The checkpoint callback before the user's: a user callback that stops must not
            # skip it. Early stopping scores before the checkpoint (which saves its state)
            # and says whether to stop after everyone else.
            callbacks = [*ckpt.callbacks(), *(self.callbacks or ())]
            if stopper is not None:
                evaluate = stopper.evaluate

                def evaluate_complete(epoch, logs):
                    runtime.before_evaluation(self)
                    return evaluate(epoch, logs)

                callbacks = [evaluate_complete, *callbacks, stopper.should_stop]
            loop = TrainingLoop(
                objective,
                runtime.loop_config(self._loop_config(steps)),
                callbacks=runtime.callbacks(callbacks),
            )
            runtime.attach(loop)
            if stopper is not None:
                stopper.bind(loop)
            start, rows = ckpt.bind(loop, gen, seed, stopper)
            if stopper is not None and stopper.stopped:  # resumed after its last epoch
                start = loop.config.epochs + 1
            with runtime.guard(ckpt):
                self.history_ = loop.run(start, rows)
            self._end_training()
            runtime.finish(self, data)
            if stopper is not None:
                stopper.restore()  # the best generator, not the last one
        seconds = time.perf_counter() - started
        self.n_train_ = len(df)
        self.columns_ = list(df.columns)
        self.training_summary_ = {
            "rows": len(df),
            "columns": len(df.columns),
            "encoded_width": int(self.transformer_.output_dim),
            "derived_columns": self.transformer_.derived(),
            "structural_zeros": structural_zeros,
            "epochs_run": int(self.history_["epoch"].iloc[-1]),
            "max_epochs": int(loop.config.epochs),
            "steps_per_epoch": int(loop.config.steps_per_epoch),
            "seconds": round(seconds, 2),
            "device": str(self.device_),
            "seed": seed,
            **runtime.summary(self, seconds),
            "threads": threads,
            "threads_from": threads_why,
            "precision": loop.config.precision,
            "stop_reason": loop.stop_reason,
            "final_losses": {
                k: round(float(v), 5)
                for k, v in self.history_.iloc[-1].items()
                if k not in ("epoch", "seconds") and not k.startswith("holdout_")
            },
        }
        if self._early_stopping_settings()[0]:
            self.training_summary_["early_stopping"] = (
                stopper.summary() if stopper is not None else {"skipped": "table too small"}
            )
        self._finish_fit(df, data, objective)
        del data, objective, loop  # the training rows' tensors: not part of the fitted state
        self.train_hashes_ = row_hashes(df, hashed_columns(self.transformer_.schema))
        if runtime.is_main:
            self.training_summary_["privacy"] = privacy_summary(self, df, seed)
            check_fit(self, df)  # warnings: far from converged, target share off
        return self

    def _early_stopping_settings(self) -> tuple[bool, float | int]:
        return bool(self.early_stopping), self.validation_size

    def _hold_out(self, df: pd.DataFrame, encoded: torch.Tensor, seed: int):
        """(training rows, their encoding, encoded held-out rows or None).

        Without early stopping every row trains (the fit is exactly what it was before
        early stopping existed). With it, a seeded permutation of its own (the training
        streams are untouched) sets validation_size rows aside; the transformer has seen
        them, which only fixes the encoding, not what the networks learn.
        """
        enabled, size = self._early_stopping_settings()
        n = len(df)
        if not enabled:
            return df, encoded, None
        if n < HOLDOUT_MIN_TABLE:
            # Too small to hold rows out: train on all of them for `epochs` (on by default,
            # so no warning; training_summary_["early_stopping"] says it was skipped).
            return df, encoded, None
        k = int(size) if isinstance(size, int | np.integer) else round(size * n)
        if not isinstance(size, int | np.integer):
            k = max(1, min(k, HOLDOUT_MAX_ROWS))
        if k > n // 2:
            raise InvalidParameterError(
                f"validation_size={size!r} holds out {k:,} of the {n:,} rows; keep at least "
                "half of them for training"
            )
        perm = np.random.default_rng([seed, 1]).permutation(n)
        train = np.sort(perm[k:])  # table order, like a fit without held-out rows
        rows = torch.as_tensor(train, device=encoded.device)
        held = torch.as_tensor(perm[:k], device=encoded.device)
        return df.iloc[train].reset_index(drop=True), encoded[rows], encoded[held]

    def _holdout_rows(self, m: int, gen: torch.Generator) -> torch.Tensor:
        """Encoded rows of the original law (α = 1) that early stopping scores."""
        return self._generate(m, 1.0, gen)

    def _end_training(self) -> None:
        """Called once the training loop has ended, with the fit's thread settings still
        on: work that ran beside the training (FairPTGAN's teacher) finishes here."""

    def _finish_fit(self, df: pd.DataFrame, data: TrainingData, objective) -> None:
        """Fitted state that needs the trained networks, set before the privacy check
        samples from the model (GAP selects its generator here)."""

    def _loop_config(self, steps_per_epoch: int) -> LoopConfig:
        spec = self._training_params()
        return LoopConfig(
            epochs=P.budget_epochs(spec.epochs, steps_per_epoch),
            steps_per_epoch=steps_per_epoch,
            critic_steps=spec.critic_steps,
            lr_generator=spec.lr_generator,
            lr_critic=spec.lr_critic,
            betas=tuple(spec.betas),
            max_seconds=spec.max_seconds,
            verbose=self.verbose,
            description=type(self).__name__,
            gradient_variance_every=self._gradient_variance_every(),
            ema_decay=self._ema_decay(),
            precision=self._precision(),
        )

    # The loop's options that only some models have (PTGAN's keywords; GAP's swapped pairs
    # and PMGAN's mix train without them).
    def _gradient_variance_every(self) -> int:
        return 0

    def _ema_decay(self) -> float:
        return 0.0

    def _precision(self) -> str:
        """The training steps' arithmetic: float32 unless a model measured another."""
        return "float32"

    def _check_params(self) -> None:
        """Every keyword against its constraint in fairsynth.params (subclasses add the
        checks that involve several keywords)."""
        broken = P.check(type(self).__name__, self.get_params(deep=False))
        if broken is not None:
            name, value, constraint = broken
            why = f"must {constraint.text}"
            raise InvalidParameterError(
                f"{name}={value!r} {why}; see help({type(self).__name__})",
                cli=f"{P.cli_flag(name)} {value} {why}",
            )

    @staticmethod
    def _check_table(data) -> pd.DataFrame:
        if not isinstance(data, pd.DataFrame):
            raise InvalidDataError(
                f"fit expects a pandas DataFrame, got {type(data).__name__}; "
                "load a CSV with pandas.read_csv first"
            )
        if len(data) < 2 or data.shape[1] == 0:
            raise InvalidDataError(
                f"the table has {len(data)} rows and {data.shape[1]} columns; "
                "fit needs at least 2 rows and 1 column"
            )
        return data.reset_index(drop=True)

    def _modelled_columns(self) -> set[str]:
        """Columns the networks must generate even when another column determines them
        (data/_derived.py): the roles the model reads from the encoded rows."""
        spec = self._training_params()
        sensitive = getattr(spec, "sensitive", None)
        names = [getattr(spec, "target_", getattr(spec, "target", None))]
        names += [getattr(spec, "conditional", None)]
        names += [sensitive] if isinstance(sensitive, str) else list(sensitive or ())
        return {n for n in names if n is not None}

    def _check_roles(self, df: pd.DataFrame, schema) -> None:
        if self.target is not None:
            check_group_column(df, self.target, "target")

    def _build_networks(self) -> None:
        self.generator_, self.critic_ = self._make_networks()

    def _block_structural_zeros(self, data: TrainingData) -> dict:
        """Chain heads block the pairs of categories the training rows never show together
        (nn/structure.py). Returns the fit summary's entry: how many pairs, and those of the
        commonest categories by name."""
        heads = [m for m in self.generator_.modules() if isinstance(m, ChainHeads)]
        if not heads:
            return {"pairs": 0, "examples": []}
        context = self._structure_context(data)
        pairs = forbidden_pairs(context, data.rows, self.layout_.spans)
        for h in heads:
            h.block(pairs)
        counts = torch.cat([context, data.rows], dim=1).sum(0).tolist()
        cd = context.shape[1]
        outputs = self._row_labels()
        inputs = self._context_labels() + outputs
        # The pairs of the commonest categories first; the row part is symmetric, so a
        # pair is named once.
        named: dict[str, float] = {}
        for i, o in torch.nonzero(pairs).tolist():
            name = " & ".join(sorted((inputs[i], outputs[o])))
            named[name] = min(counts[i], counts[cd + o])
        ranked = sorted(named, key=lambda k: (-named[k], k))
        return {"pairs": len(ranked), "examples": ranked[:STRUCTURAL_ZERO_EXAMPLES]}

    def _structure_context(self, data: TrainingData) -> torch.Tensor:
        """The networks' condition of every training row at α = 1."""
        n = len(data)
        return self._condition(
            torch.ones(n, device=self.device_), torch.arange(n, device=self.device_), data
        )

    def _context_labels(self) -> list[str]:
        """A name for each column of the networks' condition."""
        return [f"condition {i}" for i in range(self.layout_.cond_dim)]

    def _row_labels(self) -> list[str]:
        """A name for each column of the networks' rows (a category's, where one-hot)."""
        labels = [""] * self.layout_.width
        for s in self.layout_.spans:
            for k in range(s.stop - s.start):
                labels[s.start + k] = (
                    self.transformer_.category_label(s.column, s.role, k)
                    if s.kind == "onehot"
                    else s.column
                )
        return labels

    def _make_networks(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        """A new (generator, critic) pair for the layout, from torch's global stream."""
        layout = self.layout_
        generator = Generator(
            self.noise_dim,
            layout.cond_dim,
            layout.spans,
            layout.width,
            hidden=tuple(self.generator_dims),
            chain=getattr(self, "heads", "soft") == "chain",
        ).to(self.device_)
        critic = Critic(
            layout.width,
            layout.cond_dim,
            hidden=tuple(self.critic_dims),
            spectral_norm=bool(getattr(self, "spectral_norm", False)),
        ).to(self.device_)
        return generator, critic

    # --------------------------------------------------------------- sample
    def _check_fitted(self) -> None:
        if not hasattr(self, "generator_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(table) or load a model "
                "file with fairsynth.load(path)"
            )

    def sample(
        self,
        n: int,
        alpha: float | None = None,
        random_state=None,
        decode=None,
        reject_copies: bool = False,
        **options,
    ) -> pd.DataFrame:
        """Draw `n` synthetic rows (a DataFrame with the training table's columns and dtypes).

        `alpha` is the temperature (1 = the original law); `random_state` makes the rows
        reproducible on CPU; `decode` overrides how soft categories are decoded;
        `reject_copies` drops rows equal to a training row and draws more until there are n.
        """
        chunks = list(
            self.iter_samples(
                n,
                alpha=alpha,
                random_state=random_state,
                decode=decode,
                reject_copies=reject_copies,
                **options,
            )
        )
        return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]

    def iter_samples(
        self,
        n: int,
        alpha: float | None = None,
        random_state=None,
        decode=None,
        reject_copies: bool = False,
        **options,
    ) -> Iterator[pd.DataFrame]:
        """Yield `n` synthetic rows as DataFrames of at most SAMPLE_CHUNK rows (bounded memory).

        Generation and decoding always proceed chunk by chunk with the same random streams,
        so the concatenated chunks are exactly `sample(n, ...)` for the same seed.
        """
        self._check_fitted()
        if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
            raise InvalidParameterError(f"n={n!r}: the number of rows must be a positive integer")
        alpha = self._default_alpha() if alpha is None else float(alpha)
        if not 0.0 <= alpha <= 1.0:
            raise InvalidParameterError(f"alpha={alpha!r} must lie in [0, 1] (1 = original law)")
        decode = decode or self._training_params().decode
        if decode not in ("sample", "argmax"):
            raise InvalidParameterError(f"decode={decode!r}; use 'sample' or 'argmax'")
        seed = seed_from(random_state)
        gen = torch.Generator(device=self.device_).manual_seed(seed)
        rng = np.random.default_rng(seed)
        guard = CopyFilter(self, n) if reject_copies else None
        self.generator_.eval()
        done = drawn = 0
        while done < n:
            m = min(SAMPLE_CHUNK, n - done)
            if guard is not None:  # over-draw: some rows will be dropped
                m = min(SAMPLE_CHUNK, max(2 * m, 1024))
            with torch.no_grad():
                encoded = self._generate(m, alpha, gen, **options)
                if encoded.device.type != "cpu":
                    # decoding reads the rows column by column: hand it a column-major
                    # array, transposed on the device (on CPU, numpy's tiled copy is faster)
                    encoded = encoded.T.contiguous().T
                encoded = encoded.cpu().numpy()
            rows = self.transformer_.inverse_transform(
                encoded, decode=decode, random_state=rng, row_offset=drawn
            )
            drawn += m
            if guard is not None:
                rows = guard(rows).iloc[: n - done]
            done += len(rows)
            if len(rows):
                yield rows

    def _default_alpha(self) -> float:
        return 1.0

    # ----------------------------------------------------------------- files
    def _file_state(self) -> dict:
        """Fitted state beyond the networks and the transformer, JSON-safe."""
        return {"n_train": self.n_train_, "columns": self.columns_}

    def _restore_state(self, state: dict) -> None:
        self.n_train_ = int(state["n_train"])
        self.columns_ = list(state["columns"])

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {
            **{f"generator.{k}": v for k, v in self.generator_.state_dict().items()},
            **{f"critic.{k}": v for k, v in self.critic_.state_dict().items()},
            "privacy.row_hashes": torch.as_tensor(self.train_hashes_),
        }

    def _restore_tensors(self, tensors: dict) -> None:
        """Restore fitted tensors beyond the two networks (none by default)."""

    @classmethod
    def _from_file(cls, config: dict, tensors: dict, device: str):
        from ..persist import params_from_config

        model = cls(**params_from_config(config["params"], cls))
        model.device_ = resolve_device(device)
        model.transformer_ = TableTransformer.from_dict(config["transformer"])
        model.layout_ = model._layout()
        model._restore_state(config["state"])
        model._build_networks()
        for name, net in (("generator", model.generator_), ("critic", model.critic_)):
            prefix = f"{name}."
            net.load_state_dict(
                {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            )
            net.eval()
        model._restore_tensors(tensors)
        if "privacy.row_hashes" in tensors:  # absent from files written before issue 6
            model.train_hashes_ = tensors["privacy.row_hashes"].numpy()
        model.history_ = pd.DataFrame(config["history"])
        model.training_summary_ = config["training_summary"]
        return model

    def save(self, path) -> None:
        """Write a `.fsz` model file (atomically: a temporary file, then a rename)."""
        from ..persist import save_model

        self._check_fitted()
        save_model(self, path)
