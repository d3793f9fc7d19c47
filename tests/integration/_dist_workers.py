"""Rank functions for test_distributed.py (module level: spawned processes import them)."""

import json

import torch

from fairsynth import GAP, PMGAN, PTGAN, datasets
from fairsynth.distributed.context import DistContext
from fairsynth.distributed.fit import fit_distributed
from fairsynth.distributed.flat import critic_with_adam, module_vector, pack  # noqa: F401
from fairsynth.distributed.runtime import rank_seed

SMALL = dict(
    epochs=2, batch_size=100, device="cpu", generator_dims=(32,), critic_dims=(32,), noise_dim=8
)


def table(rows=300):
    return datasets.load("adult").sample(rows, random_state=0).reset_index(drop=True)


def _grads(module):
    return torch.cat([p.grad.reshape(-1) for p in module.parameters()])


def ddp_worker(rank, out):
    from fairsynth.distributed.ddp import DDPObjective
    from fairsynth.train import MinibatchSampler

    ctx = DistContext.from_env("cpu", timeout=30)
    try:
        m = PTGAN(random_state=0, **SMALL)
        fit_distributed(m, table(), ctx)
        if ctx.is_main:
            m.save(out)
        # One critic step of the coherency-penalised loss through DDP, then the same step
        # (same draws) through the plain modules: DDP's gradient must be the ranks' mean.
        gen = torch.Generator().manual_seed(rank_seed(7, rank))
        df = table()
        data = m._prepare(df, torch.as_tensor(m.transformer_.transform(df)), 0)
        sampler = MinibatchSampler(len(data), 50, gen)
        obj = DDPObjective(m._objective(data, sampler), ctx)
        obj.plain_critic.zero_grad(set_to_none=True)  # the fit's last generator step left some
        state = gen.get_state()
        loss, logs = obj.critic_loss()
        loss.backward()
        ddp = _grads(obj.plain_critic).clone()
        obj.plain_critic.zero_grad(set_to_none=True)
        gen.set_state(state)
        obj.inner.generator, obj.inner.critic = obj.plain_generator, obj.plain_critic
        local_loss, _ = obj.inner.critic_loss()
        local_loss.backward()
        local = _grads(obj.plain_critic)
        mean = torch.stack(ctx.all_gather(local)).mean(0)
        return {
            "coherency": float(logs["coherency"]),
            "ddp_all": [g.tolist() for g in ctx.all_gather(ddp)],
            "mean": mean.tolist(),
            "local_differs": bool((torch.stack(ctx.all_gather(local)).std(0) > 0).any()),
            "transformer": json.dumps(m.transformer_.to_dict(), sort_keys=True),
            "critic": module_vector(m.critic_, "cpu").tolist(),
        }
    finally:
        ctx.close()


class _Stub:
    def __init__(self, critic):
        self.generator, self.critic = torch.nn.Linear(1, 1), critic


def swap_worker(rank):
    """A hand-made swap: rank r's critic and Adam moments are filled with r's values."""
    from fairsynth.distributed.gap import RankPairObjective

    ctx = DistContext.from_env("cpu", timeout=30)
    try:
        torch.manual_seed(rank)
        critic = torch.nn.Linear(4, 1)
        opt = torch.optim.Adam(critic.parameters())
        critic(torch.randn(3, 4)).sum().backward()
        opt.step()
        obj = RankPairObjective(_Stub(critic), ctx, 2, 1, torch.Generator().manual_seed(0))
        obj.optimizer = opt
        before = pack(critic_with_adam(critic, opt), "cpu")
        obj.swap()
        after = pack(critic_with_adam(critic, opt), "cpu")
        return before.tolist(), after.tolist(), obj.partner
    finally:
        ctx.close()


def strategies_worker(rank, gap_out, pmgan_out):
    ctx = DistContext.from_env("cpu", timeout=30)
    try:
        gap = GAP(PTGAN(**SMALL), n_pairs=2, swap_every=1, random_state=0)
        fit_distributed(gap, table(), ctx)
        pm = PMGAN(n_generators=4, random_state=0, **SMALL)
        fit_distributed(pm, table(), ctx, stale=True)
        if ctx.is_main:
            gap.save(gap_out)
            pm.save(pmgan_out)
        return {
            "swaps": gap.swaps_,
            "selected": gap.selected_,
            "faced": gap.faced_,
            "pm_critic": module_vector(pm.critic_, "cpu").tolist(),
            "pm_generators": module_vector(pm.generator_, "cpu").tolist(),
        }
    finally:
        ctx.close()


def failing_worker(rank, folder):
    def boom(epoch, logs):
        if rank == 1 and epoch == 2:
            raise ValueError("rank 1 ran out of luck")

    ctx = DistContext.from_env("cpu", timeout=20)
    try:
        m = PTGAN(random_state=0, callbacks=[boom], **{**SMALL, "epochs": 4})
        fit_distributed(m, table(), ctx, checkpoint_dir=folder)
    finally:
        ctx.close()


def early_stopping_worker(rank, folder):
    """A torchrun PTGAN fit through the one pipeline: validation, early stopping, bundles."""
    from functools import partial

    import numpy as np

    from fairsynth.errors import InvalidDataError
    from fairsynth.models import base
    from fairsynth.train.early_stopping import EarlyStopping

    # every epoch (the default cadence, every 50 steps, would score only the last one here)
    base.EarlyStopping = partial(EarlyStopping, every=1)
    ctx = DistContext.from_env("cpu", timeout=90)
    try:
        bad = table()
        bad["age"] = bad["age"].astype(float)
        bad.loc[3, "age"] = np.inf
        try:
            fit_distributed(PTGAN(**SMALL), bad, ctx)
            refused = None
        except InvalidDataError as exc:
            refused = str(exc)
        m = PTGAN(random_state=0, **{**SMALL, "epochs": 3}, validation_size=200)
        fit_distributed(m, table(1200), ctx, checkpoint_dir=folder)
        return {
            "refused": refused,
            "early_stopping": m.training_summary_["early_stopping"],
            "holdout_quality": m.history_["holdout_quality"].tolist(),
            "rows": m.sample(30, random_state=0).to_csv(),
        }
    finally:
        ctx.close()
