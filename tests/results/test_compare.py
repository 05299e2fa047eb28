"""Paired effects between design points, against hand-computed differences."""

import numpy as np
import pandas as pd
import pytest

from computemarket.results.compare import (
    ComparisonError,
    cell_significance,
    paired_differences,
    paired_effects,
)


class FakeSweep:
    """The three things paired_effects reads from a SweepResults."""

    def __init__(self, table, factors=("scenario",)):
        self.table = table
        self.factors = list(factors)
        self.metric_names = ["cloud_hhi"]

    def at(self, year=None, *, after=None):
        return self.table


def sweep():
    # Replicates 0-3 at two points; the treatment adds 10, 20, 30, 40.
    return FakeSweep(
        pd.DataFrame(
            {
                "point": [0] * 4 + [1] * 4,
                "replicate": [0, 1, 2, 3] * 2,
                "scenario": ["base"] * 4 + ["deal"] * 4,
                "cloud_hhi": [100.0, 200.0, 300.0, 400.0, 110.0, 220.0, 330.0, 440.0],
            }
        )
    )


def test_paired_effect_by_hand():
    row = paired_effects(sweep(), "scenario", "base").iloc[0]
    differences = np.array([10.0, 20.0, 30.0, 40.0])
    assert row["scenario"] == "deal" and row["n"] == 4
    assert row["reference_mean"] == pytest.approx(250.0) and row["mean"] == pytest.approx(275.0)
    assert row["effect"] == pytest.approx(25.0)
    assert row["sd"] == pytest.approx(differences.std(ddof=1))
    half = 3.182446305284263 * differences.std(ddof=1) / 2.0  # t(0.975, 3) * sd / sqrt(4)
    assert row["low"] == pytest.approx(25.0 - half) and row["high"] == pytest.approx(25.0 + half)
    assert 0 < row["p_value"] < 0.05


def test_bad_comparisons_are_clear():
    with pytest.raises(ComparisonError, match="not a factor"):
        paired_effects(sweep(), "rules", "base")
    with pytest.raises(ComparisonError, match="no such value"):
        paired_effects(sweep(), "scenario", "nothing")


def crossed():
    """Two arms at two points of another factor, three seeds each, differences chosen by hand."""
    base = [100.0, 200.0, 300.0, 100.0, 200.0, 300.0]
    change = [10.0, 11.0, 12.0, -1.0, 2.0, -1.5]  # x = 0: clearly positive; x = 1: noise
    return FakeSweep(
        pd.DataFrame(
            {
                "point": [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3],
                "replicate": [0, 1, 2] * 4,
                "scenario": ["base"] * 6 + ["deal"] * 6,
                "x": [0.0, 0.0, 0.0, 1.0, 1.0, 1.0] * 2,
                "cloud_hhi": base + [b + c for b, c in zip(base, change, strict=True)],
            }
        ),
        factors=("scenario", "x"),
    )


def test_a_crossed_sweep_is_paired_on_the_other_factors_and_tested_per_cell():
    row = paired_effects(crossed(), "scenario", "base").iloc[0]
    differences = np.array([10.0, 11.0, 12.0, -1.0, 2.0, -1.5])
    assert row["n"] == 6 and row["cells"] == 2
    assert row["effect"] == pytest.approx(differences.mean())
    assert row["sd"] == pytest.approx(differences.std(ddof=1))
    # x = 0: t = 11 / (1 / sqrt 3), p < 0.01; x = 1: mean -1/6 against sd 1.9, not significant.
    assert (row["positive"], row["negative"], row["not_significant"]) == (0.5, 0.0, 0.5)
    cells = cell_significance(
        paired_differences(crossed(), "scenario", "base"), "cloud_hhi"
    ).set_index("cell")
    assert cells.loc[0, "effect"] == pytest.approx(11.0) and cells.loc[0, "sign"] == 1
    assert cells.loc[1, "p_value"] > 0.5 and cells.loc[1, "sign"] == 0


def test_a_difference_the_same_in_every_seed_is_significant_and_none_is_not():
    frame = pd.DataFrame(
        {"cell": [0, 0, 1, 1, 2], "replicate": [0, 1, 0, 1, 0], "m": [-2.0, -2.0, 0.0, 0.0, 5.0]}
    )
    cells = cell_significance(frame, "m").set_index("cell")
    assert cells.loc[0, "sign"] == -1 and cells.loc[0, "p_value"] == 0.0
    assert cells.loc[1, "sign"] == 0 and cells.loc[1, "p_value"] == 1.0
    assert cells.loc[2, "sign"] == 0 and np.isnan(cells.loc[2, "p_value"])  # one seed: no test
