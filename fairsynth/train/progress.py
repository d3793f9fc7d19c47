"""A rich progress bar with the latest losses, or nothing when not verbose."""

from __future__ import annotations

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class EpochProgress:
    def __init__(self, total: int, description: str, verbose: bool):
        self.verbose = verbose
        self._progress = None
        if verbose:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[losses]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._progress.add_task(description, total=total, losses="")

    def __enter__(self):
        if self._progress is not None:
            self._progress.start()
        return self

    def update(self, logs: dict[str, float]) -> None:
        if self._progress is not None:
            text = "  ".join(f"{k} {v:+.3f}" for k, v in logs.items() if k.startswith("loss"))
            self._progress.update(self._task, advance=1, losses=text)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
