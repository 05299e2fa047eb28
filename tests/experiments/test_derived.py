"""Derived metrics: exited[LAB] from a run's revenue series, kept by a sweep like any other."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from computemarket.experiments import ExperimentError
from computemarket.experiments.derived import add_derived, derived_columns, source_column
from computemarket.experiments.spec import parse_experiment
from computemarket.experiments.worker import RunSpec, TaskSpec, _select
from computemarket.simulation.scenario import load_scenario


def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "quarter": [0, 1, 2, 3, 4],
            "revenue[OpenAI]": [5.0, 6.0, 0.0, 0.0, 0.0],
            "revenue[Anthropic]": [2.0, 2.5, 3.0, 3.5, 4.0],
            "cloud_hhi": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )


def test_exited_is_one_from_the_quarter_the_revenue_is_gone():
    table = add_derived(metrics())
    assert table["exited[OpenAI]"].tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert table["exited[Anthropic]"].tolist() == [0.0] * 5
    assert derived_columns(metrics().columns) == ("exited[OpenAI]", "exited[Anthropic]")
    assert source_column("exited[OpenAI]") == "revenue[OpenAI]"
    assert source_column("cloud_hhi") is None and source_column("revenue[OpenAI]") is None
    # Only what is asked for is added; a missing source is a clear error.
    assert list(add_derived(metrics(), ["cloud_hhi"]).columns) == list(metrics().columns)
    with pytest.raises(KeyError, match=r"derived from 'revenue\[xAI\]'"):
        add_derived(metrics(), ["exited[xAI]"])


def test_exited_by_then_even_when_only_years_are_kept():
    """Computed from every quarter before thinning: an exit in quarter 2 shows at quarter 4."""
    series = metrics().assign(**{"revenue[OpenAI]": [5.0, 6.0, 0.0, 0.0, 0.0]})
    task = TaskSpec(
        task=0,
        path="unused",
        design_id="d",
        start=0,
        stop=1,
        runs=(),
        years=1,
        metrics=("exited[OpenAI]", "cloud_hhi"),
        every="year",
        dtype="float32",
    )
    run = RunSpec(row=3, point=1, replicate=2, seed=9, scenario=load_scenario("baseline"))
    kept = _select(series, task, run)
    assert kept["quarter"].tolist() == [0, 4]
    np.testing.assert_array_equal(kept["exited[OpenAI]"], [0.0, 1.0])


def test_an_experiment_may_keep_exited_of_a_listed_lab_only():
    document = {
        "description": "d",
        "scenario": "calibrated-2025",
        "years": 1,
        "seeds": 1,
        "keep": {"metrics": ["exited[OpenAI]", "cloud_hhi"]},
    }
    spec = parse_experiment(document, name="ok")
    assert spec.metrics == ("exited[OpenAI]", "cloud_hhi")
    document["keep"] = {"metrics": ["exited[Nobody]"]}
    with pytest.raises(ExperimentError, match=r"unknown metric 'exited\[Nobody\]'"):
        parse_experiment(document, name="bad")
