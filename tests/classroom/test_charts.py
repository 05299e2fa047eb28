"""The app's charts: drawn with the report's code, readable, described in words with their numbers."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from computemarket.classroom import charts
from computemarket.results import money_flow
from computemarket.results.style import quarter_label
from computemarket.simulation import metrics as thresholds
from computemarket.simulation.model import ComputeMarket


def played(scenario: str = "classroom", quarters: int = 12, **options) -> ComputeMarket:
    model = ComputeMarket(market_scenario=scenario, rng=1, **options)
    for _ in range(quarters):
        model.step()
    return model


@pytest.fixture(scope="module")
def market():
    return played()


@pytest.fixture(scope="module")
def run(market):
    return charts.live_run(market)


@pytest.mark.parametrize("quarters", [0, 1])
@pytest.mark.parametrize("chart", charts.CHARTS, ids=[c.key for c in charts.CHARTS])
def test_every_chart_draws_and_describes_itself_from_the_first_quarter(chart, quarters):
    model = played("baseline", quarters, years=2)
    drawn = charts.render(chart, charts.live_run(model))
    assert drawn.png.startswith(b"\x89PNG") and len(drawn.png) > 10_000
    assert drawn.quarter == quarters
    assert quarter_label(model.calendar_year) in drawn.text


@pytest.mark.parametrize("chart", charts.CHARTS, ids=[c.key for c in charts.CHARTS])
def test_tick_labels_are_at_least_14_pixels_at_the_charts_own_size(chart, run):
    drawn = charts.render(chart, run)
    assert drawn.tick_px >= 14
    width, height = (round(inches * charts.DPI) for inches in charts.SIZE)
    assert (width, height) == (840, 460)  # fits beside the sidebar of a 1280 x 720 screen


def test_the_concentration_text_gives_each_hhi_and_its_band(market, run):
    text = charts.describe_concentration(run, None, None)
    hhi = market.datacollector.get_model_vars_dataframe()["cloud_hhi"].iloc[-1]
    band = (
        "highly concentrated"
        if hhi > thresholds.HHI_HIGH
        else "moderately concentrated"
        if hhi >= thresholds.HHI_MODERATE
        else "unconcentrated"
    )
    assert f"cloud HHI {hhi:,.0f}: {band}" in text
    assert f"above {thresholds.HHI_HIGH:,.0f} highly concentrated" in text


def test_the_hhi_bands_follow_the_guidelines_thresholds(run, monkeypatch):
    last = run.metrics.iloc[[-1]].copy()
    for value, band in ((2_150.0, "highly"), (1_800.0, "moderately"), (999.0, "unconcentrated")):
        last["cloud_hhi"] = value
        text = charts.describe_concentration(
            charts.StoredRun(run.path, run.manifest, last, run.agents, run.ledger, run.deals),
            None,
            None,
        )
        assert f"cloud HHI {value:,.0f}: {band}" in text


def test_the_apps_money_flow_balances_and_matches_the_ledger(run):
    quarters = money_flow.recent_quarters(run.metrics)
    assert quarters == [9, 10, 11, 12]
    flows = money_flow.money_flows(run.ledger, run.agents, quarters)
    into = flows.loc[flows["side"] == "in", "amount"].sum()
    out = flows.loc[flows["side"] == "out", "amount"].sum()
    assert into == pytest.approx(out, rel=1e-12)  # the labs' own cash closes the account
    ledger = run.ledger[run.ledger["quarter"].isin(quarters)]
    ledger = ledger[ledger["kind"] != "opening_balance"]
    labs = set(run.agents.loc[run.agents["kind"] == "lab", "name"])
    users = ledger.loc[ledger["kind"] == "end_user_revenue", "amount"].sum()
    assert flows.query("node == 'end users'")["amount"].sum() == pytest.approx(users)
    paid_in = ledger[ledger["payee"].isin(labs) & ~ledger["payer"].isin(labs)]["amount"].sum()
    paid_out = ledger[ledger["payer"].isin(labs) & ~ledger["payee"].isin(labs)]["amount"].sum()
    cash = flows[flows["node"].isin([money_flow.CASH_ADDED, money_flow.CASH_DRAWN])]
    assert len(cash) == 1 and cash["amount"].iloc[0] == pytest.approx(abs(paid_in - paid_out))
    text = charts.describe_money_flow(run, None, None)
    assert f"${into:,.1f}B in, ${out:,.1f}B out" in text


def test_the_time_axis_follows_the_quarters_played(market, run):
    holder = charts.ChartFigure(charts.find_chart("concentration"))
    holder.render(run)
    start = float(run.metrics["year"].iloc[0])
    assert holder.axes[0].get_xlim() == pytest.approx((start, market.calendar_year))


def text_boxes(ax):
    renderer = FigureCanvasAgg(ax.get_figure()).get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in ax.texts if t.get_text()]


def text_corners(ax) -> list[tuple[str, np.ndarray]]:
    """Each label's box as drawn, turned with the label (four corners, in pixels)."""
    renderer = FigureCanvasAgg(ax.get_figure()).get_renderer()
    found = []
    for text in ax.texts:
        if not text.get_text():
            continue
        angle = text.get_rotation()
        text.set_rotation(0)
        box = text.get_window_extent(renderer)
        text.set_rotation(angle)
        anchor = np.array(ax.transData.transform(text.get_position()))
        if text.get_rotation_mode() != "anchor" or angle == 0:
            box = text.get_window_extent(renderer)
            corners = np.array(
                [[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]]
            )
        else:
            # Rotated about its anchor: corners relative to the anchor, turned by the angle.
            rel = np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
            rel = rel - anchor
            turn = np.radians(angle)
            rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
            corners = anchor + rel @ rotation.T
        found.append((text.get_text(), corners))
    return found


def polygons_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two convex polygons overlap (separating axis theorem), by more than half a pixel."""
    for polygon in (a, b):
        for i in range(len(polygon)):
            edge = polygon[(i + 1) % len(polygon)] - polygon[i]
            normal = np.array([-edge[1], edge[0]]) / np.hypot(*edge)
            pa, pb = a @ normal, b @ normal
            if pa.max() <= pb.min() + 0.5 or pb.max() <= pa.min() + 0.5:
                return False
    return True


@pytest.mark.parametrize(
    ("scenario", "overrides"),
    [
        ("baseline", {}),
        ("classroom", {"population.hyperscalers": 7, "population.labs": 40}),
    ],
)
def test_no_two_labels_of_the_deal_network_overlap(scenario, overrides):
    model = played(scenario, 24, overrides=overrides)
    holder = charts.ChartFigure(charts.find_chart("network"))
    holder.render(charts.live_run(model))
    labels = text_corners(holder.axes[1])
    assert len(labels) > len(model.hyperscaler_list)
    for (a, box_a), (b, box_b) in itertools.combinations(labels, 2):
        assert not polygons_overlap(box_a, box_b), f"{a!r} overlaps {b!r}"


def test_no_two_labels_of_the_money_flow_overlap_or_leave_the_chart(run):
    holder = charts.ChartFigure(charts.find_chart("money-flow"))
    holder.render(run)
    boxes = text_boxes(holder.axes[0])
    width = holder.figure.get_figwidth() * holder.figure.dpi
    for text, box in boxes:
        assert box.x0 >= 0 and box.x1 <= width, f"{text!r} leaves the chart"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{a!r} overlaps {b!r}"


def test_a_chart_is_drawn_again_in_place_after_a_step():
    model = played(quarters=4)
    holder = charts.ChartFigure(charts.find_chart("lock-in"))
    first = holder.render(charts.live_run(model))
    positions = [ax.get_position().bounds for ax in holder.axes]
    model.step()
    second = holder.render(charts.live_run(model))
    assert second.png != first.png and second.quarter == first.quarter + 1
    assert [ax.get_position().bounds for ax in holder.axes] == positions
    assert len(holder.figure.axes) == 2  # the same panels, not new ones


def test_the_previous_run_is_drawn_dashed_and_named(run):
    previous = charts.PreviousRun("classroom, seed 2", run.metrics.iloc[:6])
    holder = charts.ChartFigure(charts.find_chart("concentration"))
    holder.render(run, previous)
    lines = holder.axes[0].lines
    dashed = [line for line in lines if line.get_linestyle() == "--" and len(line.get_xdata()) == 6]
    assert len(dashed) == 3  # one per HHI, beside the two dashed thresholds
    assert np.allclose(dashed[0].get_ydata(), previous.metrics["cloud_hhi"])
    assert "previous run (classroom, seed 2)" in holder.figure.get_supxlabel()
    assert "Previous run (classroom, seed 2)" in charts.describe_concentration(run, previous, None)
