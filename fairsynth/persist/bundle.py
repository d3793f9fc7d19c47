"""Bundles: the file layout shared by model files and checkpoints, and atomic writes.

A bundle is a zip with
  config.json   JSON: the format name and version, and whatever the writer describes,
                plus the sha256 of tensors.pt;
  tensors.pt    torch.save of CPU tensors, read back with torch.load(weights_only=True).
Reading never unpickles arbitrary objects, and a damaged or altered file is a
ModelFileError that says so. Writes go to a temporary file that is renamed on success.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import zipfile
from contextlib import contextmanager
from pathlib import Path

import torch

from .._version import __version__
from ..errors import InvalidDataError, ModelFileError

__all__ = ["atomic_path", "read_bundle", "write_bundle"]


@contextmanager
def atomic_path(path: str | os.PathLike):
    """Yield a temporary path beside `path`; rename it onto `path` only on success.

    An interrupted write leaves the previous file (or none), never a partial one.
    """
    path = Path(path)
    if not path.parent.exists():
        raise InvalidDataError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bundle(path, config: dict, tensors) -> None:
    """Atomically write a zip of `config` (JSON, with the tensors' sha256) and `tensors`
    (torch.save of CPU tensors) — the layout of model files and checkpoints alike."""
    buffer = io.BytesIO()
    torch.save(tensors, buffer)
    blob = buffer.getvalue()
    config = {**config, "tensors_sha256": hashlib.sha256(blob).hexdigest()}
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(config, indent=1))
        zf.writestr("tensors.pt", blob)


def read_bundle(path: Path, fmt: str, max_version: int, kind: str) -> tuple[dict, dict]:
    """Read a bundle written by `write_bundle` and check it: zip integrity, format name and
    version, tensor checksum, weights-only tensors. Any defect is a ModelFileError.
    `kind` ("model", "checkpoint") names the file in the messages."""
    what = f"fairsynth {kind} file" if kind == "model" else f"fairsynth {kind}"
    try:
        with zipfile.ZipFile(path) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ModelFileError(f"{path} is corrupted (member {bad} fails its checksum)")
            names = set(zf.namelist())
            if not {"config.json", "tensors.pt"} <= names:
                raise ModelFileError(f"{path} is a zip file but not a {what}")
            config = json.loads(zf.read("config.json"))
            tensors = zf.read("tensors.pt")
    except (zipfile.BadZipFile, EOFError) as exc:
        raise ModelFileError(f"{path} is not a {what} (or it is truncated): {exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelFileError(
            f"{path}: config.json is not valid JSON; the file is damaged"
        ) from None
    if not isinstance(config, dict) or config.get("format") != fmt:
        raise ModelFileError(f"{path} is not a {what}")
    version = config.get("format_version")
    if not isinstance(version, int) or version > max_version:
        raise ModelFileError(
            f"{path} uses {kind} format version {version}, newer than this fairsynth "
            f"({__version__}) reads (≤ {max_version}); upgrade fairsynth"
        )
    if hashlib.sha256(tensors).hexdigest() != config.get("tensors_sha256"):
        raise ModelFileError(
            f"{path}: the tensors do not match their checksum; the file was altered"
        )
    try:
        state = torch.load(io.BytesIO(tensors), map_location="cpu", weights_only=True)
    except Exception as exc:  # the weights-only unpickler refuses anything but tensors
        raise ModelFileError(f"{path}: tensors.pt is not a plain tensor file ({exc})") from None
    return config, state
