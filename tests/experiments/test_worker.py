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
        ids = ["run_id", "row", "point", "replicate", "seed"]  # the task file's keys
        kept = rows.drop(columns=ids).reset_index(drop=True)
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


def test_a_worker_does_not_load_the_samplers():
    """Workers import only the worker module: no scipy.stats, SALib or design code at start-up."""
    import subprocess
    import sys

    code = (
        "import sys, computemarket.experiments.worker, computemarket.simulation.runner;"
        "print(','.join(m for m in ('scipy.stats', 'SALib', 'computemarket.experiments.design',"
        " 'computemarket.experiments.engine') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == ""
    from computemarket.experiments import ExperimentError, sweep  # the package's names still work

    assert callable(sweep) and issubclass(ExperimentError, Exception)
