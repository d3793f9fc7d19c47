"""`pip install .` into a fresh venv outside the checkout: the datasets and the demo come with.

The venv gets no copy of torch, pandas, ...: a `.pth` file puts this interpreter's
site-packages after the venv's own, so only fairsynth is installed into it (offline, no
dependencies, no build isolation) and the import of `fairsynth` must come from the venv.
(`venv --system-site-packages` would not do: run from a venv's python it exposes the base
interpreter's packages, not this venv's.) Every command runs from another folder, without
PYTHONPATH, so the checkout cannot be imported by accident.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("setuptools")  # --no-build-isolation builds with the installed one

CHECKOUT = Path(__file__).resolve().parents[2]
# What the build reads; copied so that the build leaves nothing (build/, *.egg-info) in the
# checkout.
SOURCES = ("pyproject.toml", "README.md", "fairsynth")

pytestmark = [pytest.mark.install, pytest.mark.timeout(600)]


def run(args, cwd, env):
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(python of the fresh venv, a folder outside the checkout, environment to run in)."""
    root = tmp_path_factory.mktemp("install")
    assert not root.resolve().is_relative_to(CHECKOUT)
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (CHECKOUT / name).is_dir() else shutil.copy2
        kwargs = (
            {"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree else {}
        )
        copy(CHECKOUT / name, src / name, **kwargs)

    venv = root / "venv"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=root, env=env)
    python = venv / "bin" / "python"
    purelib = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], root, env
    )
    (Path(purelib.strip()) / "outer-site-packages.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    # --ignore-installed: the outer environment's fairsynth is visible through the .pth;
    # pip must neither reuse it nor try to uninstall it.
    run(
        [python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", "--no-cache-dir"]
        + ["--no-build-isolation", "--ignore-installed", src],
        cwd=root,
        env=env,
    )
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return python, elsewhere, env


def test_the_installed_package_is_the_one_imported_and_has_its_tables(installed):
    python, cwd, env = installed
    out = run(
        [python, "-c"]
        + [
            "import fairsynth, fairsynth.datasets as d; print(fairsynth.__file__); "
            "print(d.path('adult')); print((d.DATASETS_DIR / 'README.md').is_file()); "
            "print(len(d.load('adult'))); print(fairsynth.__version__)"
        ],
        cwd,
        env,
    ).split()
    venv = python.parent.parent
    assert Path(out[0]).is_relative_to(venv) and Path(out[1]).is_relative_to(venv)
    assert out[2:] == ["True", "32561", "0.1.0"]


def test_fairsynth_datasets_list_works_from_the_installed_script(installed):
    python, cwd, env = installed
    out = run([python.parent / "fairsynth", "datasets", "list"], cwd, env)
    assert "adult" in out and "german_credit" in out


def test_the_demo_is_installed(installed):
    # The demo itself fits for minutes; --help imports it (and through it the models and
    # the datasets) without fitting.
    python, cwd, env = installed
    assert "fairsynth.demo" in run([python, "-m", "fairsynth.demo", "--help"], cwd, env)
