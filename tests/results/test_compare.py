"""Paired effects between design points, against hand-computed differences."""

import numpy as np
import pandas as pd
import pytest

from computemarket.results.compare import ComparisonError, paired_effects


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
    two = sweep()
    two.factors = ["scenario", "rules"]
    with pytest.raises(ComparisonError, match="also varies rules"):
        paired_effects(two, "scenario", "base")
