"""Real small outputs for the figure and report tests: a run and two sweeps of the actual model.

Built once per test session (per xdist worker): a 3-year baseline run (5 clouds, one of which fails,
in-house labs, tied deals) and two sweeps of the classroom scenario over 1 year, run on a thread so
that no worker process is started.
"""

from __future__ import annotations

import io
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from computemarket.experiments import load_experiment, sweep
from computemarket.results.load import load
from computemarket.results.run_folder import write_run
from computemarket.simulation.runner import run
from computemarket.store.runs import read_run

GRID = """
description = "two factors, two levels, for figure tests"
scenario = "classroom"
years = 2
seeds = 2
seed = 11
[factors]
"deals.commitment_multiple" = [0.0, 6.0]
"rules.switching_cost" = [0.0, 1.0]
[keep]
metrics = ["cloud_hhi", "model_hhi", "locked_share", "roundtrip_ratio"]
every = "quarter"
"""

SALTELLI = """
description = "Sobol' design, for figure tests"
scenario = "classroom"
years = 1
seeds = 1
seed = 12
[design]
sampler = "saltelli"
samples = 4
second_order = false
[factors]
"deals.commitment_multiple" = { low = 0.0, high = 18.0 }
"rules.switching_cost" = { low = 0.0, high = 1.0 }
[keep]
metrics = ["cloud_hhi", "locked_share"]
every = "year"
"""


def _sweep(folder: Path, text: str, name: str) -> Path:
    spec = folder / f"{name}.toml"
    spec.write_text(textwrap.dedent(text), encoding="utf-8")
    with ThreadPoolExecutor(1) as pool:
        sweep(load_experiment(spec), folder / name, executor=pool, progress=False)
    return folder / name


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """A 3-year baseline run folder, as `computemarket run` writes it."""
    folder = tmp_path_factory.mktemp("run") / "baseline"
    write_run(run("baseline", years=3, seed=0), folder)  # seed 0: the neocloud fails
    return folder


@pytest.fixture(scope="session")
def stored_run(run_dir):
    """The run read back."""
    return read_run(run_dir)


@pytest.fixture(scope="session")
def grid_dir(tmp_path_factory) -> Path:
    """A 2 x 2 grid sweep folder, 2 seeds per point, 2 years."""
    return _sweep(tmp_path_factory.mktemp("grid"), GRID, "grid")


@pytest.fixture(scope="session")
def grid_sweep(grid_dir):
    """The grid sweep, loaded."""
    return load(grid_dir)


@pytest.fixture(scope="session")
def saltelli_sweep(tmp_path_factory):
    """A Saltelli sweep (N = 4, 2 factors: 16 points), loaded."""
    return load(_sweep(tmp_path_factory.mktemp("saltelli"), SALTELLI, "saltelli"))


def _png_pixels(data: bytes) -> np.ndarray:
    """Decode PNG bytes into an array of pixels (checks the signature first)."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return imread(io.BytesIO(data), format="png")


def _assert_drawn(figure: Figure, *, dpi: int = 40) -> np.ndarray:
    """The figure renders to a PNG that is not blank, with a title; return its pixels."""
    assert isinstance(figure, Figure)
    assert figure.get_suptitle(), "every figure has a title"
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    pixels = _png_pixels(buffer.getvalue())
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)
    assert pixels.shape[0] > 100 and len(colours) > 20, "the image is (nearly) blank"
    return pixels


@pytest.fixture
def assert_drawn():
    """Check that a figure renders to a non-blank PNG with a title; returns its pixels."""
    return _assert_drawn


@pytest.fixture
def png_pixels():
    """Decode PNG bytes into pixels, checking the signature."""
    return _png_pixels
