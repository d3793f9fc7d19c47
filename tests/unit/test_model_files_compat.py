"""Model files written before persistence moved to `fairsynth.persist` still load, and give
the rows they gave then (sha256 of the CSV text, computed with 0.1.0 at commit 54ea245)."""

import hashlib
from pathlib import Path

import pytest

from fairsynth import load

FILES = Path(__file__).parent / "model_files_0.1.0"
ROWS_SHA256 = {
    ("ptgan", None): "e334cff1a0d2b9d7d801b7b7ca6e386a52d78207908aa70cc3f48fa6c0bee728",
    ("fair", 1.0): "f5b47246727768dca2085f55a473988ef96fe801157902126165d58ebe4e8ff0",
    ("fair", 0.7): "50fc925230ab782f1215dd190e5b3b2f8e290c28118a370d696062215bbdc8a7",
    ("fair", 0.5): "88260ab67fb235874a84d5b19bceb2a2a31d0b6c26146e89407c9b9174987ce4",
    ("gap", None): "4df239849fc964fdc6d69df16703ea18e91cc610b08f30bb7dfd26866cd1b173",
    ("pmgan", None): "5352a255eaa88baa179bd2f2341d17beb169d5de3692ade1b139aab226df79dc",
}


@pytest.mark.parametrize(("name", "alpha"), list(ROWS_SHA256))
def test_a_model_file_from_0_1_0_loads_and_samples_the_same_rows(name, alpha):
    model = load(FILES / f"{name}.fsz", device="cpu")
    rows = model.sample(300, random_state=1, **({} if alpha is None else {"alpha": alpha}))
    digest = hashlib.sha256(rows.to_csv(index=False).encode()).hexdigest()
    assert digest == ROWS_SHA256[name, alpha]
