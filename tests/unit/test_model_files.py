import io
import json
import pickle
import zipfile

import pandas as pd
import pytest

from fairsynth import load
from fairsynth.errors import ModelFileError


def test_save_load_gives_the_same_rows(fitted_fair, tmp_path):
    path = tmp_path / "m.fsz"
    fitted_fair.save(path)
    loaded = load(path, device="cpu")
    assert type(loaded).__name__ == "FairPTGAN" and loaded.sensitive == "sex"
    for alpha in (0.5, 1.0):
        pd.testing.assert_frame_equal(
            fitted_fair.sample(500, alpha=alpha, random_state=4),
            loaded.sample(500, alpha=alpha, random_state=4),
        )
    assert loaded.get_params() == {**fitted_fair.get_params(), "callbacks": None}
    assert not list(tmp_path.glob("*.part"))  # the temporary file was renamed


def _rewrite(src, dst, config=None, tensors=None):
    with zipfile.ZipFile(src) as zf:
        cfg, ten = zf.read("config.json"), zf.read("tensors.pt")
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("config.json", config(json.loads(cfg)) if config else cfg)
        zf.writestr("tensors.pt", tensors if tensors is not None else ten)


def test_broken_model_files_are_rejected_with_clear_errors(fitted_fair, tmp_path):
    good = tmp_path / "good.fsz"
    fitted_fair.save(good)
    data = good.read_bytes()

    truncated = tmp_path / "truncated.fsz"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated|not a fairsynth"):
        load(truncated)

    not_model = tmp_path / "notes.fsz"
    not_model.write_text("hello")
    with pytest.raises(ModelFileError, match="not a fairsynth model"):
        load(not_model)

    newer = tmp_path / "newer.fsz"
    _rewrite(good, newer, config=lambda c: json.dumps({**c, "format_version": 99}))
    with pytest.raises(ModelFileError, match="newer"):
        load(newer)

    tampered = tmp_path / "tampered.fsz"
    with zipfile.ZipFile(good) as zf:
        tensors = bytearray(zf.read("tensors.pt"))
    tensors[-100] ^= 0xFF
    _rewrite(good, tampered, tensors=bytes(tensors))
    with pytest.raises(ModelFileError, match="checksum"):
        load(tampered)

    with pytest.raises(ModelFileError, match="does not exist"):
        load(tmp_path / "missing.fsz")


class _Payload:
    def __reduce__(self):
        return (exec, ("open('PWNED', 'w').write('x')",))


def test_a_pickle_payload_is_never_executed(fitted_fair, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = tmp_path / "good.fsz"
    fitted_fair.save(good)
    payload = pickle.dumps({"generator.x": _Payload()})
    evil = tmp_path / "evil.fsz"
    import hashlib

    _rewrite(
        good,
        evil,
        tensors=payload,
        config=lambda c: json.dumps({**c, "tensors_sha256": hashlib.sha256(payload).hexdigest()}),
    )
    with pytest.raises(ModelFileError):
        load(evil)
    assert not (tmp_path / "PWNED").exists()
    # torch.save-format payload too (a zip with a data.pkl inside)
    buffer = io.BytesIO()
    import torch

    torch.save({"generator.x": _Payload()}, buffer)
    payload = buffer.getvalue()
    _rewrite(
        good,
        evil,
        tensors=payload,
        config=lambda c: json.dumps({**c, "tensors_sha256": hashlib.sha256(payload).hexdigest()}),
    )
    with pytest.raises(ModelFileError):
        load(evil)
    assert not (tmp_path / "PWNED").exists()
