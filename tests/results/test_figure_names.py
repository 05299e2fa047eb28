"""The figures name their files from one list, and every name they write is recognised as ours.

:data:`computemarket.store.layout.FIGURE_STEMS` is that list: ``computemarket plot`` names its files
from it, and replacing a run or overwriting a sweep deletes only files of those names.
"""

from __future__ import annotations

from computemarket.results.figures import (
    RUN_KINDS,
    SWEEP_KINDS,
    FigureOptions,
    Threshold,
    draw_figures,
)
from computemarket.store.layout import FIGURE_FORMATS, FIGURE_STEMS, plot_figure_names


def test_every_kind_has_its_file_names_and_no_name_lacks_a_kind():
    assert list(FIGURE_STEMS["run"]) == list(RUN_KINDS)
    assert list(FIGURE_STEMS["sweep"]) == list(SWEEP_KINDS)


def test_every_figure_of_a_run_is_named_as_ours(stored_run):
    drawn, skipped = draw_figures(stored_run, options=FigureOptions(quarter=3, year=2027))
    assert skipped == {} and {item.kind for item in drawn} == set(RUN_KINDS)
    names = plot_figure_names("run", stored_run.manifest)
    for item in drawn:
        for suffix in FIGURE_FORMATS:
            assert names.fullmatch(f"{item.stem}.{suffix}"), item.stem


def test_every_figure_of_a_sweep_is_named_as_ours(grid_sweep):
    options = FigureOptions(
        metrics=("cloud_hhi", "locked_share"),
        thresholds=(Threshold.parse("locked_share<0.5"), Threshold.parse("cloud_hhi>1800")),
    )
    drawn, _skipped = draw_figures(grid_sweep, options=options)
    assert {"over-time", "heatmap", "crossing", "distribution"} <= {item.kind for item in drawn}
    names = plot_figure_names("sweep", grid_sweep.manifest)
    for item in drawn:
        assert names.fullmatch(f"{item.stem}.png"), item.stem
        assert not names.fullmatch(f"{item.stem}-mine.png"), item.stem
