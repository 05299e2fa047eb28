"""Overwriting a sweep deletes what computemarket wrote and drew from it, never a user's file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from computemarket.store.layout import (
    FIGURES_DIR,
    MANIFEST,
    REPORT_FILE,
    is_plot_figure,
    plot_figure_names,
    read_json_manifest,
)
from computemarket.store.sweeps import remove_sweep
from computemarket.testing import sweep_synthetic

GRID = """
description = "a small grid for the overwrite tests"
years = 1
seeds = 1
seed = 5
[factors]
rules = ["laissez-faire", "no-exclusivity"]
[keep]
metrics = ["cloud_hhi", "locked_share"]
every = "quarter"
"""

OURS = (
    "over-time.png",
    "heatmap-cloud_hhi.png",
    "sensitivity-locked_share.svg",
    "crossing-cloud_hhi-above-1800.png",
    "crossing-locked_share-below-0.5.svg",
    "crossing-cloud_hhi-above-1e+06.png",
    "distribution-cloud_hhi.png",
    "decomposition.png",
    "decomposition-versus-laissez-faire.svg",
)
MINE = (
    "heatmap-mine.png",  # a metric this sweep does not have
    "heatmap-cloud_hhi-annotated.png",
    "crossing-cloud_hhi-above-lots.png",
    "decomposition-versus-my-guess.png",
    "over-time.pdf",
    "poster.svg",
)
REPORT = '<!DOCTYPE html>\n<meta name="generator" content="computemarket report 0.1.0">\n'


def _sweep(folder: Path, **options) -> Path:
    spec = folder / "grid.toml"
    spec.write_text(textwrap.dedent(GRID), encoding="utf-8")
    sweep_synthetic(spec, folder / "sweep", workers=1, **options)
    return folder / "sweep"


@pytest.fixture
def drawn_on(tmp_path) -> Path:
    """A finished sweep with every figure name of ours and of a user's in figures/."""
    out = _sweep(tmp_path)
    (out / FIGURES_DIR).mkdir()
    for name in (*OURS, *MINE):
        (out / FIGURES_DIR / name).write_bytes(name.encode())
    return out


def test_the_figure_names_of_a_sweep_are_those_of_its_metrics_and_arms(drawn_on):
    manifest = read_json_manifest(drawn_on)
    names = plot_figure_names("sweep", manifest)
    assert [name for name in OURS if not names.fullmatch(name)] == []
    assert [name for name in MINE if names.fullmatch(name)] == []
    # Without a readable manifest, only the names without a metric or an arm are ours.
    assert plot_figure_names("sweep", None).fullmatch("over-time.png")
    assert not plot_figure_names("sweep", None).fullmatch("heatmap-cloud_hhi.png")
    assert not is_plot_figure(drawn_on / FIGURES_DIR, "sweep", manifest)  # not a file


def test_overwrite_keeps_a_users_images_and_report(drawn_on):
    (drawn_on / REPORT_FILE).write_text("<html>my own report</html>", encoding="utf-8")
    _sweep(drawn_on.parent, overwrite=True)
    assert sorted(p.name for p in (drawn_on / FIGURES_DIR).iterdir()) == sorted(MINE)
    for name in MINE:
        assert (drawn_on / FIGURES_DIR / name).read_bytes() == name.encode()
    assert (drawn_on / REPORT_FILE).read_text(encoding="utf-8") == "<html>my own report</html>"
    assert (drawn_on / MANIFEST).is_file()


def test_remove_sweep_deletes_its_figures_and_report(drawn_on):
    for name in MINE:
        (drawn_on / FIGURES_DIR / name).unlink()
    (drawn_on / REPORT_FILE).write_text(REPORT + "<title>computemarket report: x</title>")
    remove_sweep(drawn_on)
    assert not (drawn_on / FIGURES_DIR).exists() and not (drawn_on / REPORT_FILE).exists()
    assert not (drawn_on / MANIFEST).exists()
