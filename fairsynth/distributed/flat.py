"""Networks and Adam state as one flat tensor: what ranks send each other in one message."""

from __future__ import annotations

import torch
from torch import nn


def _float_state(module: nn.Module) -> list[torch.Tensor]:
    # state_dict tensors share storage with the parameters and buffers (spectral norm's
    # power-iteration vectors included), so copying into them updates the module in place.
    return [t for t in module.state_dict(keep_vars=True).values() if t.is_floating_point()]


def _adam_slots(optimizer: torch.optim.Optimizer, module: nn.Module) -> list[torch.Tensor]:
    """exp_avg, exp_avg_sq and step of each of the module's parameters, created as Adam
    would (zeros) when the optimiser has not stepped yet."""
    out = []
    for p in module.parameters():
        state = optimizer.state[p]
        if not state:
            state["step"] = torch.tensor(0.0)
            state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
            state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
        out += [state["exp_avg"], state["exp_avg_sq"], state["step"]]
    return out


def pack(tensors: list[torch.Tensor], device) -> torch.Tensor:
    return torch.cat([t.detach().reshape(-1).to(device, torch.float32) for t in tensors])


@torch.no_grad()
def unpack(tensors: list[torch.Tensor], flat: torch.Tensor) -> None:
    pos = 0
    for t in tensors:
        n = t.numel()
        t.copy_(flat[pos : pos + n].view(t.shape).to(t.device, t.dtype))
        pos += n
    if pos != flat.numel():
        raise ValueError(f"flat state has {flat.numel()} values, the module {pos}")


def module_vector(module: nn.Module, device) -> torch.Tensor:
    return pack(_float_state(module), device)


def load_module_vector(module: nn.Module, flat: torch.Tensor) -> None:
    unpack(_float_state(module), flat)


def critic_with_adam(module: nn.Module, optimizer) -> list[torch.Tensor]:
    """What a GAP swap moves: the critic's weights and buffers and its Adam moments."""
    return _float_state(module) + _adam_slots(optimizer, module)
