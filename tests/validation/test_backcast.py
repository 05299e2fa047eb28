"""Backcast: the verdict from hand-made distributions, and a short real backcast of calibrated-2023."""

import math

import numpy as np
import pandas as pd
import pytest

from computemarket.validation.backcast import (
    GROUP,
    BackcastCheck,
    backcast_checks,
    backcast_summary,
    compare,
    to_checks,
)
from computemarket.validation.moments import load_targets


def hand_targets() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "series": ["capex", "cloud_market_share", "cloud_market_size", "acquisitions"],
            "entity": ["World", "AWS", "World", "World"],
            "period": ["2024", "2025Q4", "2025Q4", "2024-2025"],
            "observed": [100.0, 28.0, 120.0, 3.0],
            "unit": ["USD bn per year", "%", "USD bn per quarter", "labs"],
            "role": ["fitted", "held_out", "held_out", "held_out"],
            "error_measure": ["relative", "absolute", "relative", "absolute"],
            "tolerance": [0.05, 1.0, 0.10, 1.0],
            "source": ["s1", "s2", "s3", "s4"],
            "note": ["", "", "", ""],
        }
    )


def hand_simulated() -> pd.DataFrame:
    rows = []
    for run in range(21):
        rows += [
            ("capex", "World", "2024", 90.0 + run * 0.1),  # 90-92: 8% low, beyond 5% tolerance
            ("cloud_market_share", "AWS", "2025Q4", 25.0 + run * 0.1),  # 25-27: 1 pp short of 28
            ("cloud_market_size", "World", "2025Q4", 100.0 + run),  # 100-120: covers 120
            ("acquisitions", "World", "2024-2025", math.nan),  # the runs cannot give it
        ]
    return pd.DataFrame(
        [(i // 4, *r) for i, r in enumerate(rows)],
        columns=["run", "series", "entity", "period", "simulated"],
    )


def test_compare_gives_interval_error_and_verdict():
    table = compare(hand_targets(), hand_simulated()).set_index("series")
    share = table.loc["cloud_market_share"]
    assert share["n"] == 21
    assert share["low"] == pytest.approx(np.quantile(25 + 0.1 * np.arange(21), 0.05))
    assert share["median"] == pytest.approx(26.0)
    assert share["relative_error"] == pytest.approx(26.0 / 28.0 - 1.0)
    # 28 lies above the 95th percentile (~26.9) plus the 1 pp tolerance: a miss.
    assert not share["inside"] and share["status"] == "miss"
    size = table.loc["cloud_market_size"]
    assert not size["inside"] and size["passed"] and size["status"] == "pass"  # 119 + 12 >= 120
    assert table.loc["capex", "status"] == "fail"  # a fitted target that misses is a failure
    acquisitions = table.loc["acquisitions"]
    assert acquisitions["n"] == 0 and acquisitions["status"] == "miss"


def test_rows_and_summary_say_what_passed_and_what_missed():
    rows = to_checks(compare(hand_targets(), hand_simulated()))
    assert [r.status for r in rows] == ["fail", "miss", "pass", "miss"]
    assert all(r.group == GROUP for r in rows)
    assert rows[0].name.endswith("(fitted)") and rows[1].name.endswith("(held out)")
    assert rows[1].expected == "28.0%" and "90%: " in rows[1].measured
    assert rows[3].measured == "no simulated value"
    summary = "\n".join(backcast_summary(rows))
    assert "0 of 3 held-out observations lie inside it" in summary
    assert "1 of 3 lie inside it once widened" in summary
    assert "Cloud market size, 2025Q4" in summary.split("**Missed**")[0]
    assert "AWS share of the cloud market: 2025Q4 26.0% vs 28.0% (-7%)" in summary


def test_summary_is_empty_without_backcast_rows():
    assert backcast_summary([]) == []


@pytest.fixture(scope="module")
def short_backcast():
    return backcast_checks(3)


def test_a_short_backcast_covers_the_declared_targets(short_backcast):
    targets = load_targets()
    assert len(short_backcast) == len(targets) >= 8
    assert all(isinstance(r, BackcastCheck) for r in short_backcast)
    assert {r.role for r in short_backcast} == {"fitted", "held_out"}
    assert all(r.source for r in short_backcast)
    # The one fitted target was fitted: it must pass.
    assert all(r.status == "pass" for r in short_backcast if r.role == "fitted")
    # Every target gets a simulated value from a full calibrated-2023 run.
    assert all(np.isfinite(r.median) and r.low <= r.median <= r.high for r in short_backcast)


def test_each_backcast_verdict_follows_its_interval_and_tolerance(short_backcast):
    """pass when the observation lies within the 90% interval widened by the target's tolerance
    (absolute, or relative to the observation); otherwise miss if held out, fail if fitted."""
    targets = load_targets().set_index(["series", "entity", "period"])
    for row in short_backcast:
        target = targets.loc[(row.series, row.entity, row.period)]
        slack = target.tolerance * (
            abs(target.observed) if target.error_measure == "relative" else 1.0
        )
        inside = row.low - slack <= row.observed <= row.high + slack
        expected = "pass" if inside else ("fail" if row.role == "fitted" else "miss")
        assert row.status == expected, row.name
        assert row.inside == (row.low <= row.observed <= row.high), row.name


def test_clear_verdicts_of_the_short_backcast(short_backcast):
    """Rows far from their edge: the fitted capex passes; the model has no acqui-hires (0 labs
    acquired for 3 observed); OpenAI's 2025Q4 revenue ($20B observed) is far above the runs'."""
    status = {row.name: row.status for row in short_backcast}
    assert status["Big-4 capex, 2024 (fitted)"] == "pass"
    assert status["Labs acquired by hyperscalers, 2024-2025 (held out)"] == "miss"
    assert status["OpenAI annualised revenue, 2025Q4 (held out)"] == "miss"
    acquired = next(r for r in short_backcast if r.series == "acquisitions")
    assert acquired.high == 0.0 and acquired.observed == 3.0
