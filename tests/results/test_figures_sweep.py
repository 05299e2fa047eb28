"""Figures of a sweep: every figure draws on real small sweeps and shows the sweep's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from computemarket.results import figures_factors as ff
from computemarket.results import figures_sweep as fs
from computemarket.results.errors import ResultsError
from computemarket.results.source import FigureError
from computemarket.results.summary import interval_over_time

GRID_FIGURES = {
    "over-time": fs.over_time_figure,
    "heatmap": fs.heatmap_figure,
    "crossing": ff.crossing_figure,
    "distribution": fs.distribution_figure,
}


@pytest.mark.parametrize("kind", GRID_FIGURES)
def test_every_sweep_figure_draws_on_a_grid(kind, grid_sweep, assert_drawn):
    figure = GRID_FIGURES[kind](grid_sweep)
    assert_drawn(figure)
    assert "grid - 8 runs, 2 seeds per point, 2 years" in figure.get_suptitle()
    for ax in figure.axes:
        if ax.get_visible() and ax.get_label() != "<colorbar>":
            assert ax.get_ylabel(), ax.get_title(loc="left")
            if ax.get_subplotspec().is_last_row():  # panels above share its time axis
                assert ax.get_xlabel(), ax.get_title(loc="left")


@pytest.mark.parametrize(
    "function",
    [
        ff.sensitivity_figure,
        fs.over_time_figure,
        fs.heatmap_figure,
        ff.crossing_figure,
        fs.distribution_figure,
    ],
)
def test_every_sweep_figure_draws_on_a_saltelli_design(function, saltelli_sweep, assert_drawn):
    assert_drawn(function(saltelli_sweep))


def test_over_time_lines_are_the_means_over_seeds(grid_sweep):
    figure = fs.over_time_figure(grid_sweep, ["cloud_hhi", "locked_share"])
    hhi_panel, locked_panel = figure.axes[:2]
    # both switching-cost levels have 2 points; the upper middle one (1.0) is held
    runs = grid_sweep.metrics  # each row carries its factors
    held = runs[runs["rules.switching_cost"] == 1.0]
    for level, label in ((0.0, "0"), (6.0, "6")):
        line = next(x for x in hhi_panel.get_lines() if x.get_label() == label)
        expected = (
            held[held["deals.commitment_multiple"] == level].groupby("quarter")["cloud_hhi"].mean()
        )
        np.testing.assert_allclose(line.get_ydata(), expected.to_numpy(), rtol=1e-6)
        share = next(x for x in locked_panel.get_lines() if x.get_label() == label)
        expected = (
            held[held["deals.commitment_multiple"] == level]
            .groupby("quarter")["locked_share"]
            .mean()
        )
        np.testing.assert_allclose(share.get_ydata(), 100 * expected.to_numpy(), rtol=1e-5)
    legend = figure.axes[1].get_legend()
    assert "switching_cost = 1" in legend.get_title().get_text()


def test_interval_over_time_matches_the_interval_of_the_mean():
    metrics = pd.DataFrame(
        {
            "point": [0, 0, 0, 0, 0, 0, 1],
            "quarter": [0, 0, 0, 1, 1, 1, 0],
            "hhi": [1.0, 2, 3, 5, 5, 8, 4],
        }
    )
    table = interval_over_time(metrics, "hhi").set_index(["point", "quarter"])
    # 95% t interval, t(0.975, 2) = 4.302653: [1, 2, 3] has mean 2, sd 1, half-width
    # 4.302653 / sqrt(3) = 2.484138; [5, 5, 8] has mean 6, sd sqrt(3), half-width 4.302653.
    for quarter, mean, half in ((0, 2.0, 2.484138), (1, 6.0, 4.302653)):
        row = table.loc[(0, quarter)]
        assert (row["n"], row["mean"]) == (3, pytest.approx(mean))
        assert row["ci_low"] == pytest.approx(mean - half, abs=1e-6)
        assert row["ci_high"] == pytest.approx(mean + half, abs=1e-6)
    assert np.isnan(table.loc[(1, 0), "ci_low"])  # one run: no interval


def test_heatmap_cells_are_the_means_and_the_contour_is_drawn_where_crossed(grid_sweep):
    finals = grid_sweep.finals
    means = finals.groupby(["rules.switching_cost", "deals.commitment_multiple"])[
        "cloud_hhi"
    ].mean()
    threshold = float(means.median())
    figure = fs.heatmap_figure(grid_sweep, "cloud_hhi", threshold=threshold)
    ax = figure.axes[0]
    np.testing.assert_allclose(ax.images[0].get_array(), means.unstack().to_numpy(), rtol=1e-6)
    contours = [c for c in ax.collections if hasattr(c, "levels")]
    assert contours and list(contours[0].levels) == [pytest.approx(threshold)]
    assert ax.get_xlabel() == "commitment multiple (x investment)"
    assert ax.get_ylabel() == "switching cost (fraction of moved spend)"
    texts = {t.get_text() for t in ax.texts}
    assert f"{means.iloc[0]:,.0f}" in texts


def test_crossing_shows_the_share_of_runs_past_the_threshold(grid_sweep):
    finals = grid_sweep.finals
    threshold = float(finals["cloud_hhi"].median())
    figure = ff.crossing_figure(grid_sweep, "cloud_hhi", threshold=threshold)
    ax = figure.axes[0]
    per_point = grid_sweep.crossing("cloud_hhi", threshold)
    for line in ax.get_lines():
        if line.get_label().startswith("_"):
            continue  # error-bar caps
        level = float(line.get_label())
        expected = per_point[per_point["rules.switching_cost"] == level].sort_values(
            "deals.commitment_multiple"
        )
        np.testing.assert_allclose(line.get_ydata(), 100 * expected["p_at"].to_numpy())
    assert ax.get_legend().get_title().get_text() == "switching cost (fraction of moved spend)"


def test_distribution_shows_every_run(grid_sweep):
    ax = fs.distribution_figure(grid_sweep, "locked_share").axes[0]
    dots = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())])
    np.testing.assert_allclose(
        np.sort(dots), np.sort(100 * grid_sweep.finals["locked_share"]), rtol=1e-5
    )


def test_sensitivity_bars_are_the_sobol_indices(saltelli_sweep):
    ax = ff.sensitivity_figure(saltelli_sweep, "cloud_hhi").axes[0]
    indices = saltelli_sweep.sensitivity("cloud_hhi").sort_values("ST")
    widths = [bar.get_width() for bar in ax.patches]
    n = len(indices)
    np.testing.assert_allclose(widths[:n], indices["S1"], rtol=1e-9)
    np.testing.assert_allclose(widths[n:], indices["ST"], rtol=1e-9)


def test_factor_levels_bin_many_values_and_keep_named_ones():
    many = fs.factor_levels(pd.Series(np.linspace(0, 1, 40)))
    assert len(many.labels) == fs.BINS and many.positions is not None
    counts = np.bincount(many.codes)
    assert counts.sum() == 40 and set(counts) <= {6, 7}  # quantile bins: equal counts
    named = fs.factor_levels(pd.Series(["no-exclusivity", "laissez-faire", "no-exclusivity"]))
    assert named.labels == ["no-exclusivity", "laissez-faire"] and named.positions is None
    assert named.codes.tolist() == [0, 1, 0]


def test_bad_sweep_figure_requests_are_one_line_errors(grid_sweep):
    with pytest.raises(FigureError, match=r"metric 'nope' is not in this sweep \(kept: cloud_hhi"):
        fs.distribution_figure(grid_sweep, "nope")
    with pytest.raises(FigureError, match=r"factor 'rules' is not in this sweep \(factors: deals"):
        ff.crossing_figure(grid_sweep, factor="rules")
    with pytest.raises(FigureError, match="the two factors must differ"):
        fs.heatmap_figure(grid_sweep, factors=("rules.switching_cost", "rules.switching_cost"))
    with pytest.raises(FigureError, match=r"give a threshold for 'locked_share'"):
        ff.crossing_figure(grid_sweep, "locked_share")
    with pytest.raises(ResultsError, match="sensitivity needs a sweep made with the saltelli"):
        ff.sensitivity_figure(grid_sweep)
    with pytest.raises(ResultsError, match=r"--after 5: expected years from the start"):
        fs.heatmap_figure(grid_sweep, after=5)
    with pytest.raises(ResultsError, match=r"--year 2035: the runs cover the calendar years"):
        fs.heatmap_figure(grid_sweep, year=2035)


def test_over_time_needs_more_than_the_final_quarter(tmp_path):

    from computemarket.results.figures import draw_figures
    from computemarket.results.load import load
    from computemarket.testing import sweep_synthetic

    spec = tmp_path / "final.toml"
    spec.write_text(
        'description = "final only"\nyears = 1\nseeds = 2\n[factors]\n'
        '"rules.switching_cost" = [0.0, 1.0]\n[keep]\nmetrics = ["cloud_hhi"]\nevery = "final"\n',
        encoding="utf-8",
    )
    sweep_synthetic(spec, tmp_path / "final", workers=1)
    final = load(tmp_path / "final")
    drawn, skipped = draw_figures(final, ("distribution",))
    assert [d.stem for d in drawn] == ["distribution-cloud_hhi"] and skipped == {}
    _drawn, skipped = draw_figures(final)
    assert skipped["over-time"] == "the sweep kept only the final quarter (keep.every = 'final')"
    with pytest.raises(
        FigureError, match=r"--kind over-time: the sweep kept only the final quarter"
    ):
        draw_figures(final, ("over-time",))


def test_factor_levels_of_a_category_with_values_no_run_has():
    # A partly finished sweep of a rules or scenario factor: the column's categories are every
    # preset of the design, the rows only those of the finished runs.
    values = pd.Series(
        pd.Categorical(["b", "a", "b"], categories=["a", "b", "c", "d"]),
    )
    levels = fs.factor_levels(values)
    assert levels.labels == ["b", "a"] and levels.codes.dtype.kind == "i"
    assert levels.codes.tolist() == [0, 1, 0]


def test_a_partly_finished_sweep_of_presets_draws_its_finished_runs(tmp_path, monkeypatch, capsys):

    from computemarket import cli
    from computemarket.testing import sweep_synthetic

    spec = tmp_path / "presets.toml"
    spec.write_text(
        'description = "presets"\nyears = 1\nseeds = 2\n[factors]\n'
        'rules = ["laissez-faire", "no-exclusivity", "eu-data-act", "merger-control"]\n'
        '[keep]\nmetrics = ["cloud_hhi", "locked_share"]\n',
        encoding="utf-8",
    )
    sweep_synthetic(spec, tmp_path / "partial", workers=1, limit=3)
    monkeypatch.chdir(tmp_path)
    for arguments in (
        ["plot", "partial"],
        ["plot", "partial", "--kind", "over-time"],
        ["plot", "partial", "--kind", "crossing"],
        ["report", "partial"],
    ):
        code = cli.main(arguments)
        err = capsys.readouterr().err
        assert code == 0, (arguments, err)
    figures = {p.name for p in (tmp_path / "partial" / "figures").iterdir()}
    assert {"over-time.png", "crossing-cloud_hhi-above-1800.png"} <= figures
    assert (tmp_path / "partial" / "report.html").is_file()


def test_runs_that_start_in_different_years_share_the_axis_of_years_from_the_start(tmp_path):
    # classroom starts in 2026, calibrated-2023 at the end of 2023: a mean of their calendars
    # (about 2025) would be neither run's time, so the axis counts years from the start.
    from computemarket.results.load import load
    from computemarket.testing import sweep_synthetic

    spec = tmp_path / "starts.toml"
    spec.write_text(
        'description = "two starts"\nyears = 2\nseeds = 2\n[factors]\n'
        'scenario = ["classroom", "calibrated-2023"]\n[keep]\nmetrics = ["cloud_hhi"]\n',
        encoding="utf-8",
    )
    sweep_synthetic(spec, tmp_path / "starts", workers=1)
    figure = fs.over_time_figure(load(tmp_path / "starts"), ["cloud_hhi"])
    ax = figure.axes[0]
    assert ax.get_xlabel() == "years from the start"
    x = np.concatenate([line.get_xdata() for line in ax.get_lines() if len(line.get_xdata())])
    assert x.min() == 0.0 and x.max() == 2.0
