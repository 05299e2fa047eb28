"""The default run function of a sweep: the real model, keeping its metrics table only."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from computemarket.experiments import load_experiment, sweep
from computemarket.experiments.worker import simulate
from computemarket.results.load import load
from computemarket.simulation import runner

TINY = """
description = "two seeds of baseline, every metric in float64"
scenario = "baseline"
years = 2
seeds = 2
seed = 11

[keep]
every = "quarter"
dtype = "float64"
"""


def test_sweep_stores_the_metrics_of_a_run_that_keeps_every_table(write_spec, tmp_path):
    spec = load_experiment(write_spec(TINY, name="tiny"))
    with ThreadPoolExecutor(1) as pool:
        report = sweep(spec, tmp_path / "out", executor=pool, progress=False)
    assert report.exit_code == 0 and report.runs_ok == 2
    stored = load(tmp_path / "out").metrics
    assert stored["seed"].nunique() == 2
    for seed, rows in stored.groupby("seed", sort=False):
        full = runner.run("baseline", years=2, seed=int(seed))
        assert full.ledger is not None and len(full.ledger) > 0  # the reference kept every table
        kept = rows.drop(columns=["row", "point", "replicate", "seed"]).reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, full.metrics[kept.columns], check_exact=True)
        assert list(kept.columns) == list(full.metrics.columns)


def test_default_run_function_keeps_only_the_metrics(monkeypatch):
    asked: list[tuple[str, ...]] = []
    real_run = runner.run

    def recording_run(*args, **kwargs):
        asked.append(tuple(kwargs.get("tables", runner.TABLES)))
        return real_run(*args, **kwargs)

    monkeypatch.setattr(runner, "run", recording_run)
    scenario = runner.load_scenario("baseline")
    metrics = simulate(scenario, years=1, seed=5)
    assert asked == [("metrics",)]
    pd.testing.assert_frame_equal(metrics, real_run(scenario, years=1, seed=5).metrics)
