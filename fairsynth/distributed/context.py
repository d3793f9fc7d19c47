"""Who am I in a torchrun job: rank, world, device, process group, and failure reporting.

Every collective of a distributed fit runs inside `DistContext.guard()`: a rank whose own
code raises publishes "rank r failed: ..." in the job's key-value store before it exits, so
that the peers, whose next collective then fails (Gloo: connection closed) or times out,
can stop with a message naming that rank and the last checkpoint instead of a bare socket
error. The timeout bounds every collective, so a peer that hangs cannot hang the job.
"""

from __future__ import annotations

import os
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import torch
import torch.distributed as dist

from ..errors import FairsynthError, RankFailureError

_FAILED_KEY = "fairsynth/failed"
# Seconds a collective may wait for its peers before the job stops (FAIRSYNTH_DIST_TIMEOUT).
DEFAULT_TIMEOUT = 300.0


def in_torchrun() -> bool:
    """True when torchrun (or any launcher setting RANK/WORLD_SIZE) started this process."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


@dataclass
class DistContext:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str
    timeout: float = DEFAULT_TIMEOUT
    # Folder of the per-epoch checkpoints, named in failure messages (None: no checkpoints).
    checkpoint_dir: Path | None = None
    _owns_group: bool = field(default=False, repr=False)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @classmethod
    def from_env(cls, device: str = "auto", timeout: float | None = None) -> DistContext:
        """Join the job torchrun described in the environment (env:// rendezvous).

        NCCL with one GPU per local rank when the model's device is CUDA; Gloo on CPU.
        """
        rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
        local = int(os.environ.get("LOCAL_RANK", rank))
        if timeout is None:
            timeout = float(os.environ.get("FAIRSYNTH_DIST_TIMEOUT", DEFAULT_TIMEOUT))
        cuda = str(device) != "cpu" and torch.cuda.is_available()
        if str(device).startswith("cuda") and not torch.cuda.is_available():
            from ..errors import InvalidParameterError

            raise InvalidParameterError(f"device={device!r} but no CUDA device is available")
        if cuda:
            dev = torch.device("cuda", local % torch.cuda.device_count())
            torch.cuda.set_device(dev)
        else:
            dev = torch.device("cpu")
        backend = "nccl" if cuda else "gloo"
        owns = not dist.is_initialized()
        if owns:
            dist.init_process_group(
                backend,
                rank=rank,
                world_size=world,
                timeout=timedelta(seconds=timeout),
                device_id=dev if cuda else None,
            )
        return cls(rank, world, local, dev, backend, timeout, _owns_group=owns)

    def close(self) -> None:
        if self._owns_group and dist.is_initialized():
            dist.destroy_process_group()
            self._owns_group = False

    # ------------------------------------------------------------ collectives
    def barrier(self) -> None:
        # Gloo and NCCL both support all_reduce; a tiny one is a barrier that honours the
        # group timeout on either backend (NCCL's barrier needs the device to be known).
        self.all_reduce(torch.zeros(1, device=self.device))

    def all_reduce(self, tensor: torch.Tensor, op=dist.ReduceOp.SUM) -> torch.Tensor:
        dist.all_reduce(tensor, op=op)
        return tensor

    def all_gather(self, tensor: torch.Tensor) -> list[torch.Tensor]:
        out = [torch.empty_like(tensor) for _ in range(self.world_size)]
        dist.all_gather(out, tensor.contiguous())
        return out

    def broadcast_object(self, obj=None, src: int = 0):
        box = [obj if self.rank == src else None]
        dist.broadcast_object_list(box, src=src, device=self.device)
        return box[0]

    def exchange(self, tensor: torch.Tensor, peer: int) -> torch.Tensor:
        """Send `tensor` to `peer` and receive the peer's tensor of the same shape."""
        received = torch.empty_like(tensor)
        ops = [
            dist.P2POp(dist.isend, tensor.contiguous(), peer),
            dist.P2POp(dist.irecv, received, peer),
        ]
        for work in dist.batch_isend_irecv(ops):
            work.wait()
        return received

    # ---------------------------------------------------------------- failures
    def _store(self):
        try:
            return dist.distributed_c10d._get_default_store()
        except Exception:  # noqa: BLE001 - no group, or a backend without a store
            return None

    def _failed_peer(self) -> str | None:
        store = self._store()
        if store is None:
            return None
        try:
            if store.check([_FAILED_KEY]):
                return store.get(_FAILED_KEY).decode()
        except Exception:  # noqa: BLE001 - the store's host (rank 0 or the agent) is gone
            return "the rendezvous store is unreachable too: the failed rank is probably rank 0"
        return None

    def _publish(self, exc: BaseException) -> None:
        store = self._store()
        if store is not None:
            # Best effort: this rank is failing already.
            with suppress(Exception):
                store.set(_FAILED_KEY, f"rank {self.rank} failed: {type(exc).__name__}: {exc}")

    def checkpoint_note(self) -> str:
        if self.checkpoint_dir is None:
            return "no checkpoint was being written (pass --checkpoint-dir to write them)"
        meta = self.checkpoint_dir / "latest.txt"
        if not meta.is_file():
            return f"no epoch had completed, so {self.checkpoint_dir} holds no checkpoint yet"
        epoch = meta.read_text().strip()
        return (
            f"the last checkpoint is epoch {epoch} in {self.checkpoint_dir}; rerun the same "
            f"command with --resume {self.checkpoint_dir}"
        )

    @contextmanager
    def guard(self):
        """Turn a peer's failure into RankFailureError; publish this rank's own failure."""
        try:
            yield self
        except RankFailureError:
            raise
        except FairsynthError as exc:
            # A typed error of this rank's own (a bad table or parameter: every rank raises
            # it, before any collective) is the message to show, not a peer's copy of it.
            self._publish(exc)
            raise
        except Exception as exc:
            peer = self._failed_peer()
            mine = peer is not None and peer.startswith(f"rank {self.rank} ")
            if peer is not None and not mine:
                raise RankFailureError(
                    f"rank {self.rank} stopped because {peer}; {self.checkpoint_note()}"
                ) from exc
            if _is_communication_error(exc):
                raise RankFailureError(
                    f"rank {self.rank} stopped: a peer rank died or stopped answering within "
                    f"{self.timeout:g} s ({type(exc).__name__}: {_first_line(exc)}); "
                    f"{self.checkpoint_note()}"
                ) from exc
            self._publish(exc)
            raise


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else ""


def _is_communication_error(exc: BaseException) -> bool:
    if isinstance(exc, dist.DistError):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and any(
        word in text for word in ("gloo", "nccl", "connection", "timed out", "timeout", "peer")
    )
