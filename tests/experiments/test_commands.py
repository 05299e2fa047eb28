"""The subcommands end to end on the real model, and the same sweep on a Dask cluster."""

from __future__ import annotations

import pandas as pd
import pytest

from computemarket import cli
from computemarket.experiments import load_experiment, sweep
from computemarket.experiments.commands import main
from computemarket.results.load import load

REAL = ["commitment-vs-switching", "--years", "2", "--seeds", "2", "--limit", "6", "--no-progress"]


@pytest.fixture(scope="module")
def pool_sweep(tmp_path_factory):
    """The first 6 runs of commitment-vs-switching (2 years) on a 2-process pool, via the CLI."""
    out = tmp_path_factory.mktemp("pool") / "sweep"
    assert main(["sweep", *REAL, "--workers", "2", "--out", str(out)]) == 0
    return out


def assert_same(a, b) -> None:
    pd.testing.assert_frame_equal(a.design, b.design)
    pd.testing.assert_frame_equal(a.metrics, b.metrics)


def test_real_model_sweep_is_identical_on_one_and_two_workers(pool_sweep, tmp_path, capsys):
    out = tmp_path / "one"
    assert main(["sweep", *REAL, "--workers", "1", "--out", str(out), "--chunk", "1"]) == 0
    assert "6/6 runs ok, 0 failed" in capsys.readouterr().out
    one, two = load(out), load(pool_sweep)
    assert_same(one, two)
    assert len(one.metrics) == 6 * 9 and one.metrics["cloud_hhi"].between(0, 10_000).all()


def test_same_sweep_on_a_dask_local_cluster_is_identical(pool_sweep, tmp_path):
    pytest.importorskip("distributed")
    spec = load_experiment("commitment-vs-switching").replace(years=2, seeds=2)
    report = sweep(spec, tmp_path / "dask", dask_local=True, workers=2, limit=6, progress=False)
    assert report.exit_code == 0, report.summary_lines()
    assert report.executor.startswith("Dask LocalCluster, 2 workers")
    assert_same(load(tmp_path / "dask"), load(pool_sweep))


def test_same_sweep_on_a_dask_scheduler_is_identical(pool_sweep, tmp_path):
    distributed = pytest.importorskip("distributed")
    spec = load_experiment("commitment-vs-switching").replace(years=2, seeds=2)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        report = sweep(
            spec, tmp_path / "remote", scheduler=cluster.scheduler_address, limit=6, progress=False
        )
    assert report.exit_code == 0 and report.executor.startswith("Dask scheduler tcp://")
    assert_same(load(tmp_path / "remote"), load(pool_sweep))


def test_summarize_prints_and_writes_csv(pool_sweep, capsys):
    code = cli.main(
        [
            "summarize",
            str(pool_sweep),
            "--metric",
            "cloud_hhi",
            "--after",
            "1",
            "--threshold",
            "cloud_hhi>1800",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0 and "cloud_hhi > 1800 at 1 year in" in out
    summary = pd.read_csv(pool_sweep / "summary.csv")
    assert list(summary.columns) == [
        "point",
        "deals.commitment_multiple",
        "rules.switching_cost",
        "metric",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
    ]
    assert (summary["n"] == 2).all() and (summary["ci_low"] <= summary["mean"]).all()
    crossing = pd.read_csv(pool_sweep / "summary-crossing.csv")
    assert crossing["p_at"].between(0, 1).all() and set(crossing["condition"]) == {
        "cloud_hhi > 1800"
    }


def test_experiments_lists_the_shipped_ones(capsys):
    assert main(["experiments"]) == 0
    out = capsys.readouterr().out
    for name in ("commitment-vs-switching", "regimes", "sensitivity", "demand-shock"):
        assert name in out
    assert "30 x 10 = 300" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "nope"], "unknown experiment 'nope'"),
        (
            ["sweep", *REAL, "--workers", "0", "--out", "/nonexistent/x"],
            "argument --workers: expected an integer from 1 to 1024, got 0",
        ),
        (["sweep", *REAL, "--years", "0"], "argument --years: expected an integer from 1 to 100"),
        (["summarize", "/no/such/folder"], "/no/such/folder: no such folder"),
        (
            ["summarize", ".", "--threshold", "cloud_hhi=3"],
            "--threshold 'cloud_hhi=3': expected METRIC>VALUE",
        ),
    ],
)
def test_user_errors_exit_2_with_one_line(argv, message, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("computemarket: error: ") and message in err and "\n" not in err
