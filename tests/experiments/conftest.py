"""Shared helpers: small experiment files and a fast stand-in for the model."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from computemarket.experiments import load_experiment

SMALL = """
description = "small grid for tests"
scenario = "baseline"
years = 2
seeds = 3
seed = 7

[factors]
"deals.commitment_multiple" = [0.0, 6.0, 12.0]
"rules.switching_cost" = [0.0, 0.5]

[keep]
metrics = ["cloud_hhi", "locked_share", "active_labs"]
every = "quarter"
"""


@pytest.fixture
def write_spec(tmp_path: Path):
    """Write an experiment file (dedented TOML) and return its path."""

    def write(text: str = SMALL, name: str = "small") -> Path:
        path = tmp_path / f"{name}.toml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def small_text() -> str:
    """The TOML text of the small grid."""
    return SMALL


@pytest.fixture
def small_spec(write_spec):
    """A 6-point x 3-seed grid over 2 years (18 runs)."""
    return load_experiment(write_spec())
