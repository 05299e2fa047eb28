"""Moments from hand-made run tables (known answers), and the targets table as data."""

import math

import pandas as pd
import pytest

from computemarket.validation.moments import (
    KEYS,
    SERIES,
    RunTables,
    load_targets,
    moments,
    period_quarters,
    quarter_labels,
)

YEARS = [2023.75, 2024.0, 2024.25, 2024.5, 2024.75]


def hand_metrics(shift: float = 0.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": range(5),
            "year": YEARS,
            "cloud_market_share[A]": [0.30, 0.31, 0.32, 0.33, 0.34],
            "cloud_market_hhi": [1500.0, 1510.0, 1520.0, 1530.0, 1540.0 + shift],
            "revenue[La]": [0.5, 0.6, 0.7, 0.8, 0.9],
            "acquisitions": [0, 1, 0, 2, 0],
            "capex": [0.0, 10.0, 11.0, 12.0, 13.0],
        }
    )


BLANK = {
    "alive": True,
    "capacity_gw": math.nan,
    "price": math.nan,
    "non_ai_revenue": math.nan,
    "revenue": math.nan,
    "cloud_market_share": math.nan,
    "capex": math.nan,
    "compute_spend": math.nan,
    "owner": None,
}


def agent(quarter: int, name: str, kind: str, **values) -> dict:
    return {**BLANK, "quarter": quarter, "name": name, "kind": kind, **values}


def hand_agents() -> pd.DataFrame:
    rows = []
    for q in range(5):
        # A owns no lab: its cloud revenue (non-AI + AI) over its share is the market's size, 100 + 10q.
        share_a = 0.30 + 0.01 * q
        size = 100.0 + 10.0 * q
        rows.append(
            agent(
                q,
                "A",
                "hyperscaler",
                capacity_gw=1.0,
                price=2.0 + q,
                revenue=1.0,
                capex=5.0 + q,
                non_ai_revenue=share_a * size - 1.0,
                cloud_market_share=share_a,
            )
        )
        # B owns lab Lb, so it must not be used for the market's size (its share would give 1,000).
        rows.append(
            agent(
                q,
                "B",
                "hyperscaler",
                capacity_gw=3.0,
                price=4.0,
                revenue=10.0,
                capex=7.0,
                non_ai_revenue=20.0,
                cloud_market_share=0.03,
            )
        )
        rows.append(agent(q, "La", "lab", revenue=0.5, compute_spend=1.0 + q))
        rows.append(agent(q, "Lb", "lab", revenue=0.1, compute_spend=0.5, owner="B"))
    return pd.DataFrame(rows)


def targets(*keys: tuple[str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(keys, columns=list(KEYS))


def one(run, series, entity, period) -> float:
    return float(moments(run, targets((series, entity, period)))["simulated"].iloc[0])


RUN = RunTables(hand_metrics(), hand_agents())


def test_quarter_labels_and_periods():
    labels = quarter_labels(hand_metrics())
    assert list(labels) == ["2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert period_quarters(labels, "2024Q2") == [2]
    assert period_quarters(labels, "2024") == [1, 2, 3, 4]
    assert period_quarters(labels, "2023-2024") == [0, 1, 2, 3, 4]
    assert period_quarters(labels, "2026") == []


@pytest.mark.parametrize(
    ("series", "entity", "period", "expected"),
    [
        ("cloud_market_share", "A", "2024Q3", 33.0),
        ("cloud_market_hhi", "World", "2024Q1", 1510.0),
        ("cloud_market_size", "World", "2024Q2", 120.0),
        ("lab_revenue_annualised", "La", "2024Q4", 3.6),
        ("capex", "A+B", "2024", (6 + 7 + 8 + 9) + 4 * 7.0),
        ("capex", "A", "2024", 30.0),
        ("capex", "World", "2024", 46.0),
        # La spends 1 + q; capacity-weighted price is (1 * (2 + q) + 3 * 4) / 4.
        ("lab_compute_gw", "La", "2024Q2", 3.0 / ((4.0 + 12.0) / 4.0)),
        ("acquisitions", "World", "2024", 3.0),
        ("price_ratio", "World", "2024Q1-2024Q4", ((6.0 + 12.0) / 4.0) / ((3.0 + 12.0) / 4.0)),
        ("provider_revenue", "B", "2024Q1", 30.0),
    ],
)
def test_each_moment_on_hand_made_tables(series, entity, period, expected):
    assert one(RUN, series, entity, period) == pytest.approx(expected)


def test_lab_compute_in_gw_divides_egw_by_the_compute_per_gw_of_the_quarter():
    """Prices are per eGW: in 2024Q2 La buys 3 / 4 = 0.75 eGW (as above); with 1.5 eGW per GW
    that quarter it is 0.75 / 1.5 = 0.5 GW. Other quarters' compute_per_gw do not matter."""
    metrics = hand_metrics().assign(compute_per_gw=[1.0, 1.2, 1.5, 2.0, 2.5])
    run = RunTables(metrics, hand_agents())
    assert one(run, "lab_compute_gw", "La", "2024Q2") == pytest.approx(0.5)
    # 2024Q4: spend 5, price (1 x 6 + 3 x 4) / 4 = 4.5, 2.5 eGW per GW.
    assert one(run, "lab_compute_gw", "La", "2024Q4") == pytest.approx(5.0 / 4.5 / 2.5)


@pytest.mark.parametrize(
    ("series", "entity", "period"),
    [
        ("cloud_market_share", "A", "2026Q1"),  # the run does not reach the period
        ("cloud_market_share", "Nobody", "2024Q1"),  # no such column
        ("capex", "A", "2025"),  # not a single quarter of 2025
        ("capex", "A+Nobody", "2024"),  # a named provider is missing
        ("lab_compute_gw", "Nobody", "2024Q1"),
    ],
)
def test_what_a_run_cannot_give_is_nan(series, entity, period):
    assert math.isnan(one(RUN, series, entity, period))


def test_metrics_only_runs_give_metric_moments_and_nan_for_the_rest():
    run = {"metrics": hand_metrics()}
    table = moments(
        run,
        targets(("cloud_market_share", "A", "2024Q1"), ("cloud_market_size", "World", "2024Q1")),
    )
    assert table["simulated"].iloc[0] == pytest.approx(31.0)
    assert math.isnan(table["simulated"].iloc[1])


def test_a_list_of_runs_and_a_sweep_give_one_row_per_run_and_target():
    keys = targets(("cloud_market_hhi", "World", "2024Q4"), ("acquisitions", "World", "2024"))
    listed = moments([RUN, RunTables(hand_metrics(shift=10.0))], keys)
    assert list(listed["run"]) == [0, 0, 1, 1]
    assert list(listed["simulated"]) == [1540.0, 3.0, 1550.0, 3.0]
    sweep = pd.concat(
        [hand_metrics().assign(row=0, seed=11), hand_metrics(shift=10.0).assign(row=1, seed=12)]
    )
    swept = moments(sweep, keys)
    assert list(swept["seed"]) == [11, 11, 12, 12]
    assert list(swept["simulated"]) == [1540.0, 3.0, 1550.0, 3.0]


def test_unknown_series_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown series"):
        moments(RUN, targets(("gdp", "World", "2024")))


def test_shipped_targets_declare_roles_and_cover_enough_series():
    table = load_targets()
    assert set(table["role"]) == {"fitted", "held_out"}
    assert (table["role"] == "held_out").sum() >= 8
    assert set(table["series"]) <= set(SERIES)
    assert table["source"].str.len().gt(10).all()
    assert (table["tolerance"] > 0).all()


@pytest.mark.parametrize(
    ("edit", "needle"),
    [
        (lambda t: t.assign(role="maybe"), "role"),
        (lambda t: t.assign(series="gdp"), "series"),
        (lambda t: t.assign(observed="lots"), "observed"),
        (lambda t: pd.concat([t, t.iloc[:1]]), "repeats"),
        (lambda t: t.drop(columns="tolerance"), "missing columns"),
    ],
)
def test_a_bad_targets_file_gets_one_line_naming_file_and_field(tmp_path, edit, needle):
    path = tmp_path / "targets.csv"
    edit(load_targets()).to_csv(path, index=False)
    with pytest.raises(ValueError, match=needle) as caught:
        load_targets(path)
    message = str(caught.value)
    assert "\n" not in message and str(path) in message
