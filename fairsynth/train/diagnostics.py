"""Diagnostics the loop can log: the variance of the critic's gradient over minibatches.

Estimator (the quantity the PTGAN paper argues about): at a fixed point of training, draw
`m` independent minibatches, compute the gradient g_i ∈ R^P of the critic loss (all its
terms, penalties included) with respect to the critic's parameters for each, and report

    grad_var = (1/P) Σ_p Var_i(g_{i,p})     (unbiased variance over the m minibatches),

i.e. the trace of the gradient's covariance divided by the number of parameters; it scales
like 1/batch_size. `grad_norm2` (the squared norm of the mean gradient over P) is logged
beside it so that the signal-to-noise ratio can be read too. The random generator's state
is saved and restored around the measurement, so logging does not change the training
trajectory (except spectral normalisation's power-iteration buffers, which advance).
"""

from __future__ import annotations

import torch


def critic_gradient_variance(objective, batches: int = 8) -> dict[str, torch.Tensor]:
    params = [p for p in objective.critic.parameters() if p.requires_grad]
    gen = objective.sampler.generator
    state = gen.get_state()
    grads = []
    for _ in range(batches):
        loss, _ = objective.critic_loss()
        g = torch.autograd.grad(loss, params, allow_unused=True)
        grads.append(
            torch.cat(
                [
                    (gi if gi is not None else torch.zeros_like(p)).reshape(-1)
                    for gi, p in zip(g, params, strict=True)
                ]
            )
        )
    gen.set_state(state)
    g = torch.stack(grads)
    return {
        "grad_var": g.var(dim=0).mean().detach(),
        "grad_norm2": g.mean(0).pow(2).mean().detach(),
    }
