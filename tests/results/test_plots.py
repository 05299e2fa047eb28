"""The summary figure: four panels, stable firm colours, merger-guideline bands, no pyplot."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from computemarket.results.plots import (
    CIRCULARITY_SERIES,
    FIRM_COLOURS,
    LOCK_IN_SERIES,
    OTHER_FIRMS_COLOUR,
    hyperscaler_shares,
    save_summary,
    summary_figure,
    time_axis,
)
from computemarket.simulation.metrics import HHI_HIGH, HHI_MODERATE

CLOUDS = ("AWS", "Azure", "Google Cloud", "Oracle", "CoreWeave")


def make_tables(
    quarters: int = 9, clouds: tuple[str, ...] = CLOUDS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Small hand-made metrics and agents tables with the model's column names."""
    quarter = np.arange(quarters)
    ramp = np.linspace(0.0, 1.0, quarters)
    metrics = pd.DataFrame(
        {
            "quarter": quarter,
            "year": 2026 + quarter // 4,
            "cloud_hhi": 2_000 + 1_000 * ramp,
            "capacity_hhi": 2_000 + 500 * ramp,
            "model_hhi": 1_500 - 300 * ramp,
            "locked_share": 0.1 + 0.4 * ramp,
            "max_provider_share": 0.6 + 0.3 * ramp,
            "switching_rate": 0.5 - 0.4 * ramp,
            "roundtrip_ratio": 0.3 * ramp,
            "circular_revenue_share": 0.2 * ramp,
        }
    )
    rows = []
    for q in quarter:
        weights = np.arange(1, len(clouds) + 1, dtype=float) + q * np.arange(len(clouds))
        for i, name in enumerate(clouds):
            share = weights[i] / weights.sum()
            rows.append(
                {"quarter": q, "agent_id": i, "name": name, "kind": "hyperscaler", "share": share}
            )
        rows.append({"quarter": q, "agent_id": 50, "name": "Lab A", "kind": "lab", "share": 0.7})
    return metrics, pd.DataFrame(rows)


def stack_colours(figure: Figure) -> dict[str, str]:
    """Firm name to fill colour of the stacked shares panel."""
    shares_panel = figure.axes[0]
    return {
        poly.get_label(): to_hex(poly.get_facecolor()[0], keep_alpha=False)
        for poly in shares_panel.collections
    }


def test_summary_figure_has_the_four_panels_with_titles_and_units():
    metrics, agents = make_tables()
    figure = summary_figure(metrics, agents, title="classroom - seed 1")
    assert isinstance(figure, Figure)
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")]
    assert [t[:3] for t in titles] == ["(a)", "(b)", "(c)", "(d)"]
    for ax in figure.axes[:4]:
        assert ax.get_ylabel(), ax.get_title(loc="left")
    assert "%" in figure.axes[0].get_ylabel()
    assert "HHI" in figure.axes[1].get_ylabel()
    assert figure.get_suptitle() == "classroom - seed 1"


def test_shares_panel_stacks_every_hyperscaler_and_no_lab():
    metrics, agents = make_tables()
    colours = stack_colours(summary_figure(metrics, agents))
    assert set(colours) == set(CLOUDS)


def test_hhi_panel_marks_merger_guideline_thresholds_and_names_the_source():
    metrics, agents = make_tables()
    hhi_panel = summary_figure(metrics, agents).axes[1]
    levels = {line.get_ydata()[0] for line in hhi_panel.get_lines() if line.get_linestyle() == "--"}
    assert levels == {HHI_MODERATE, HHI_HIGH}
    legend = hhi_panel.get_legend()
    assert "2023 Merger Guidelines" in " ".join(legend.get_title().get_text().split())
    labels = [text.get_text() for text in legend.get_texts()]
    assert {"AI compute revenue", "AI capacity (GW)", "AI model market"} <= set(labels)


def test_hhi_values_are_plotted_unscaled():
    metrics, agents = make_tables()
    hhi_panel = summary_figure(metrics, agents).axes[1]
    cloud = next(line for line in hhi_panel.get_lines() if line.get_label() == "AI compute revenue")
    np.testing.assert_allclose(cloud.get_ydata(), metrics["cloud_hhi"])


def test_lock_in_and_circularity_panels_show_shares_in_percent():
    metrics, agents = make_tables()
    figure = summary_figure(metrics, agents)
    for ax, series in ((figure.axes[2], LOCK_IN_SERIES), (figure.axes[3], CIRCULARITY_SERIES)):
        lines = {line.get_label(): line for line in ax.get_lines()}
        assert set(lines) == set(series.values())
        for column, label in series.items():
            np.testing.assert_allclose(lines[label].get_ydata(), 100 * metrics[column])
        assert "%" in ax.get_ylabel()


def test_a_firm_keeps_its_colour_whatever_the_row_order():
    metrics, agents = make_tables()
    shuffled = agents.sample(frac=1.0, random_state=3)
    first = stack_colours(summary_figure(metrics, agents))
    second = stack_colours(summary_figure(metrics, shuffled))
    assert first == second
    assert first["AWS"] == FIRM_COLOURS[0].lower()
    assert len(set(first.values())) == len(CLOUDS)


def test_firms_beyond_the_palette_are_grouped_in_grey():
    clouds = tuple(f"Cloud {i}" for i in range(len(FIRM_COLOURS) + 2))
    metrics, agents = make_tables(clouds=clouds)
    colours = stack_colours(summary_figure(metrics, agents))
    assert colours["other clouds"] == OTHER_FIRMS_COLOUR.lower()
    assert len(colours) == len(FIRM_COLOURS) + 1


def test_hyperscaler_shares_sum_to_one_and_a_failed_firm_counts_zero():
    _metrics, agents = make_tables()
    gone = (agents["name"] == "CoreWeave") & (agents["quarter"] >= 5)
    agents = agents.loc[~gone]
    shares = hyperscaler_shares(agents)
    assert list(shares.columns) == list(CLOUDS)
    np.testing.assert_allclose(shares.loc[:4].sum(axis=1), 1.0)
    assert (shares.loc[5:, "CoreWeave"] == 0).all()


@pytest.mark.parametrize(
    ("years", "expected"),
    [
        ([2026, 2026, 2026, 2026, 2027], [2026.0, 2026.25, 2026.5, 2026.75, 2027.0]),
        ([2026.0, 2026.25, 2026.5, 2026.75, 2027.0], [2026.0, 2026.25, 2026.5, 2026.75, 2027.0]),
    ],
)
def test_time_axis_runs_in_quarters_whether_year_is_calendar_or_fractional(years, expected):
    metrics = pd.DataFrame({"quarter": range(5), "year": years})
    np.testing.assert_allclose(time_axis(metrics), expected)


def test_partial_tables_still_draw():
    """One quarter and only cloud_hhi: the shares and that one HHI point are drawn (2,000 in the
    hand-made table), the panels whose columns are missing stay empty."""
    metrics, agents = make_tables(quarters=1)
    figure = summary_figure(metrics[["quarter", "year", "cloud_hhi"]], agents)
    assert set(stack_colours(figure)) == set(CLOUDS)
    hhi = {line.get_label(): list(line.get_ydata()) for line in figure.axes[1].get_lines()}
    assert hhi["AI compute revenue"] == [2000.0]
    assert not {"AI capacity (GW)", "AI model market"} & set(hhi)
    assert figure.axes[2].get_lines() == [] and figure.axes[3].get_lines() == []


def test_save_summary_writes_a_png_of_slide_size(tmp_path):
    metrics, agents = make_tables()
    path = save_summary(metrics, agents, tmp_path / "summary.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (2100, 1200)


def test_plotting_leaves_pyplot_alone():
    code = (
        "import sys, pandas as pd\n"
        "from computemarket.results.plots import summary_figure\n"
        "m = pd.DataFrame({'quarter': [0, 1], 'year': [2026, 2026], 'cloud_hhi': [3e3, 4e3]})\n"
        "a = pd.DataFrame({'quarter': [0, 1], 'agent_id': [1, 1], 'name': 'A', 'kind': 'hyperscaler',"
        " 'share': [1.0, 1.0]})\n"
        "summary_figure(m, a).savefig('/dev/null', format='png')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
