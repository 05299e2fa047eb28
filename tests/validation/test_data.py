"""The calibration data: every figure has a number, a unit, a period and a source."""

from importlib import resources

import pandas as pd
import pytest

COLUMNS = ["quantity", "entity", "value", "unit", "year", "source", "note"]


def read(name: str) -> pd.DataFrame:
    with resources.files("computemarket.data").joinpath(name).open(encoding="utf-8") as f:
        return pd.read_csv(f)


@pytest.mark.parametrize("name", ["calibration_2025.csv", "history_2022_2025.csv"])
def test_every_row_has_a_number_unit_period_and_source(name):
    table = read(name)
    assert list(table.columns) == COLUMNS
    assert pd.to_numeric(table["value"], errors="coerce").notna().all()
    for column in ("quantity", "entity", "unit", "year", "source"):
        assert table[column].astype(str).str.strip().str.len().gt(0).all(), column


def test_history_sources_give_an_address_or_say_they_are_derived():
    table = read("history_2022_2025.csv")
    sourced = table["source"].str.contains("http") | table["source"].str.startswith("DERIVED")
    assert sourced.all(), table.loc[~sourced, ["quantity", "entity", "year"]]
    # Derived and weak figures say so in the note or the source.
    flagged = (table["note"].fillna("") + table["source"]).str.contains("DERIVED|WEAK")
    assert flagged.sum() >= 10


def test_history_has_quarterly_cloud_shares_for_every_quarter_2022_2025():
    table = read("history_2022_2025.csv")
    sizes = table[
        (table["quantity"] == "cloud_infra_market_size_quarter") & (table["entity"] == "World")
    ]
    quarters = {f"{y}Q{q}" for y in range(2022, 2026) for q in range(1, 5)}
    assert quarters <= set(sizes["year"])
