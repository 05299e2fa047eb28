"""Plausibility rows: the statistics by hand on made-up tables, and the verdicts."""

import math

import numpy as np
import pandas as pd
import pytest

from computemarket.simulation.scenario import load_scenario
from computemarket.validation import plausibility as pl
from computemarket.validation.moments import RunTables


def tables() -> RunTables:
    """Two years from 2025Q4 (quarters 0-8) of a made-up run: one neocloud, one hyperscaler."""
    quarters = np.arange(9)
    metrics = pd.DataFrame(
        {
            "quarter": quarters,
            "year": 2025.75 + quarters / 4,
            "capacity_gw": 10.0 + quarters,  # 10 GW at the start, 14 at the end of 2026
            "compute_price_index": 1.0 - 0.05 * quarters,
            "end_user_spend": np.full(9, 100.0),
            "hyperscaler_investment": np.where(quarters == 2, 8.0, 0.0),
            "lab_gross_margin": np.where(quarters < 5, 0.4, 0.5),
            "bbb_spread": 0.01 + 0.001 * quarters,
        }
    )
    rows = []
    for q in quarters:
        rows.append(("Cloud", q, 10.0 * q, 20.0, 2.0, 5.0, 15.0, 0.05))
        rows.append(("CoreWeave", q, 30.0, 1.0 + q, 3.0, 0.5, 2.0, 0.14))
    agents = pd.DataFrame(
        rows,
        columns=[
            "name",
            "quarter",
            "capex",
            "debt",
            "capacity_gw",
            "revenue",
            "non_ai_revenue",
            "interest_rate",
        ],
    )
    agents["kind"], agents["alive"] = "hyperscaler", True
    return RunTables(metrics, agents, pd.DataFrame())


SCENARIO = load_scenario("calibrated-2025")


def test_periods_are_calendar_quarters_and_years():
    m = tables().metrics
    assert list(pl._quarters_of(m, "2025Q4")) == [0]
    assert list(pl._quarters_of(m, "2026")) == [1, 2, 3, 4]
    assert list(pl._quarters_of(m, "2026-2027")) == [1, 2, 3, 4, 5, 6, 7, 8]


def test_statistics_by_hand():
    t = tables()
    # Capex of 2026: 10 x (1 + 2 + 3 + 4).
    assert pl.provider_capex(t, SCENARIO, "Cloud", "2026") == (100.0, 100.0)
    # Capacity at the end of 2026 (quarter 4) over the start's: 14 / 10.
    assert pl.capacity_growth(t, SCENARIO, "", "2026") == pytest.approx((1.4, 1.4))
    # CoreWeave is a neocloud: debt (1 + q) over 3 GW, largest at quarter 8: 9 / 3.
    assert pl.max_neocloud_debt_per_gw(t, SCENARIO, "", "2026-2027") == pytest.approx((2 / 3, 3.0))
    assert pl.neocloud_rate(t, SCENARIO, "", "2026-2027") == pytest.approx((0.14, 0.14))
    # Compute price index: 1 at the start, 0.6 at the end of 2027 (quarter 8), over two years.
    change = math.sqrt(0.6) - 1.0
    assert pl.compute_price_change(t, SCENARIO, "", "2026-2027") == pytest.approx((change, change))
    # A year's flows are summed, a ratio metric is averaged by year.
    assert pl.STATISTICS["hyperscaler_investment"](t, SCENARIO, "", "2026") == (8.0, 8.0)
    assert pl.STATISTICS["lab_gross_margin"](t, SCENARIO, "", "2026-2027") == pytest.approx(
        (0.4, 0.5)
    )
    # The BBB spread one to two years after a shock in year 0.5 (quarters 6-10 of 0-8: 6, 7, 8).
    assert pl.bbb_spread_after_shock(t, 0.5) == pytest.approx((0.016, 0.018))


def test_verdicts():
    bounds = pd.DataFrame(
        [
            (1, "a target", "s", "", "2026", 1.0, 2.0, "x", "fitted", "strong", "src"),
            (2, "held out", "s", "", "2026", 1.0, 2.0, "x", "held_out", "strong", "src"),
            (3, "reported", "s", "", "2026", 1.0, 2.0, "x", "reported", "strong", "src"),
        ],
        columns=[
            "id",
            "check",
            "statistic",
            "entity",
            "period",
            "lower",
            "upper",
            "unit",
            "role",
            "strength",
            "source",
        ],
    )
    outside = pd.DataFrame({"id": [1, 2, 3], "run": [0, 0, 0], "low": [3.0] * 3, "high": [3.0] * 3})
    assert [c.status for c in pl.to_checks(bounds, outside)] == ["fail", "miss", "info"]
    inside = outside.assign(low=1.5, high=1.5)
    assert [c.status for c in pl.to_checks(bounds, inside)] == ["pass", "pass", "info"]


def test_the_shipped_bounds_are_complete():
    bounds = pl.load_bounds()
    assert list(bounds["id"]) == list(range(1, 27))
    assert set(bounds["statistic"]) - {"bbb_spread_after_shock"} <= set(pl.STATISTICS)
    assert (bounds["lower"] < bounds["upper"]).all()
    assert set(bounds["role"]) <= {"fitted", "held_out", "reported"}
    assert bounds["source"].str.len().min() > 10
