"""Loading a sweep, per-point summaries, threshold crossing and sensitivity indices."""

from __future__ import annotations

import math
import textwrap
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

from computemarket.experiments import load_experiment, sweep
from computemarket.results.errors import ResultsError
from computemarket.results.load import load
from computemarket.results.summary import mean_interval, threshold_crossing, wilson_interval
from computemarket.testing import synthetic_run

GRID = """
description = "grid"
years = 2
seeds = 4
seed = 3
[factors]
"deals.commitment_multiple" = [0.0, 18.0]
[keep]
metrics = ["cloud_hhi", "active_labs"]
every = "{every}"
"""

SENSITIVITY = """
description = "sensitivity of the synthetic model"
years = 2
seeds = 2
[design]
sampler = "{sampler}"
samples = {samples}
[factors]
"deals.commitment_multiple" = {{ low = 0.0, high = 18.0 }}
"rules.switching_cost" = {{ low = 0.0, high = 1.0 }}
"rules.egress_fee" = {{ low = 0.0, high = 0.2 }}
[keep]
metrics = ["cloud_hhi"]
every = "final"
"""


def run_sweep(tmp_path, text, name="s", **options):
    spec_path = tmp_path / f"{name}.toml"
    spec_path.write_text(textwrap.dedent(text), encoding="utf-8")
    with ThreadPoolExecutor(2) as pool:
        sweep(
            load_experiment(spec_path),
            tmp_path / name,
            executor=pool,
            progress=False,
            **{"run_fn": synthetic_run, **options},
        )
    return load(tmp_path / name)


def test_mean_interval_matches_hand_computation():
    mean, sd, low, high = mean_interval(np.array([1.0, 2.0, 3.0]))
    half = 4.302652729911275 / math.sqrt(3)  # t(0.975, 2) * sd / sqrt(n), sd = 1
    assert (mean, sd) == (2.0, 1.0)
    assert low == pytest.approx(2 - half) and high == pytest.approx(2 + half)
    assert np.isnan(mean_interval(np.array([5.0]))[1])


def test_wilson_interval_matches_hand_computation():
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)
    low, high = wilson_interval(5, 10)
    assert (low, high) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))


def test_threshold_crossing_on_a_hand_made_table():
    # two runs of point 0: one crosses 100 at quarter 2 and stays; one crosses at 3 and falls back at 4
    metrics = pd.DataFrame(
        {
            "row": [0] * 5 + [1] * 5,
            "point": [0] * 10,
            "quarter": list(range(5)) * 2,
            "hhi": [90, 95, 110, 120, 130, 90, 95, 99, 101, 80],
        }
    )
    points = pd.DataFrame({"point": [0], "x": [1.5]})
    table = threshold_crossing(metrics, points, "hhi", 100, quarter=4)
    row = table.iloc[0]
    assert row["x"] == 1.5 and row["n"] == 2
    assert row["p_at"] == 0.5 and row["p_by"] == 1.0 and row["n_crossed"] == 2
    assert row["years_to_cross_mean"] == pytest.approx((0.5 + 0.75) / 2)
    below = threshold_crossing(metrics, points, "hhi", 92, quarter=4, below=True).iloc[0]
    assert below["p_at"] == 0.5 and below["years_to_cross_median"] == 0.0


def test_load_gives_design_metrics_finals_and_summaries(tmp_path):
    results = run_sweep(tmp_path, GRID.format(every="quarter"))
    assert results.factors == ["deals.commitment_multiple"] and results.years == 2
    assert list(results.design.columns) == [
        "row",
        "point",
        "replicate",
        "seed",
        "deals.commitment_multiple",
        "status",
    ]
    assert len(results.metrics) == 8 * 9 and (results.design["status"] == "ok").all()
    finals = results.finals
    assert len(finals) == 8 and set(finals.columns) >= {
        "row",
        "seed",
        "deals.commitment_multiple",
        "cloud_hhi",
    }
    summary = results.summary(["cloud_hhi"], after=1)
    assert list(summary["n"]) == [4, 4]
    # One year in is the calendar year 2027: the runs start in 2026 (the baseline's start_year).
    assert results.start_year == 2026.0
    pd.testing.assert_frame_equal(results.summary(["cloud_hhi"], year=2027), summary)
    at_year_1 = results.at(after=1.0).groupby("point")["cloud_hhi"].agg(["mean", "std"])
    np.testing.assert_allclose(summary["mean"], at_year_1["mean"], rtol=1e-6)
    np.testing.assert_allclose(summary["sd"], at_year_1["std"], rtol=1e-6)
    # the synthetic model's concentration rises with the commitment multiple (common seeds: same noise)
    assert summary["mean"].iloc[1] > summary["mean"].iloc[0]
    crossing = results.crossing("cloud_hhi", 1600, after=2)
    assert list(crossing["p_at"]) == sorted(crossing["p_at"])
    pd.testing.assert_frame_equal(results.crossing("cloud_hhi", 1600, year=2028), crossing)
    pd.testing.assert_frame_equal(results.crossing("cloud_hhi", 1600), crossing)  # the horizon
    assert "SweepResults('s', 8 runs" in repr(results)


def test_load_refuses_years_and_metrics_that_were_not_kept(tmp_path):
    results = run_sweep(tmp_path, GRID.format(every="year"))
    assert sorted(results.metrics["quarter"].unique()) == [0, 4, 8]
    with pytest.raises(
        ResultsError, match=r"1\.5 years in: not kept by this sweep \(keep.every = 'year'"
    ):
        results.summary(after=1.5)
    with pytest.raises(ResultsError, match=r"2027\.5: not kept by this sweep"):
        results.summary(year=2027.5)
    with pytest.raises(ResultsError, match=r"--after 3: expected years from the start .* 0 to 2"):
        results.at(after=3)
    with pytest.raises(
        ResultsError, match=r"--year 2030: the runs cover the calendar years 2026 to 2028"
    ):
        results.at(2030)
    with pytest.raises(ResultsError, match=r"--year 2027\.1: the runs cover"):
        results.at(2027.1)
    with pytest.raises(ResultsError, match="give one of them"):
        results.at(2027, after=1)
    # Huge times are outside the horizon, not an OverflowError from round(4 * 1e308).
    with pytest.raises(ResultsError, match=r"--after 1e\+308: expected years from the start"):
        results.at(after=1e308)
    with pytest.raises(ResultsError, match=r"--year 1e\+308: the runs cover"):
        results.at(1e308)
    with pytest.raises(
        ResultsError,
        match=r"metric 'model_hhi' is not in this sweep \(kept: cloud_hhi, active_labs\)",
    ):
        results.summary(["model_hhi"])
    with pytest.raises(ResultsError, match="not a sweep folder"):
        load(tmp_path)


def test_sobol_indices_find_the_factor_that_drives_the_output(tmp_path):
    results = run_sweep(tmp_path, SENSITIVITY.format(sampler="saltelli", samples=32), name="sobol")
    indices = results.sensitivity("cloud_hhi").set_index("factor")
    assert list(indices.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert indices.loc["deals.commitment_multiple", "S1"] > 0.8
    assert indices.loc["rules.egress_fee", "ST"] < 0.05  # the synthetic model ignores egress fees
    from computemarket.cli import main

    assert main(["sensitivity", str(tmp_path / "sobol"), "--metric", "cloud_hhi"]) == 0
    written = pd.read_csv(tmp_path / "sobol" / "sensitivity-cloud_hhi.csv")
    np.testing.assert_allclose(written["S1"], indices["S1"].to_numpy())


def test_morris_effects_rank_the_factors(tmp_path):
    results = run_sweep(tmp_path, SENSITIVITY.format(sampler="morris", samples=10), name="morris")
    effects = results.sensitivity("cloud_hhi").set_index("factor")["mu_star"]
    assert (
        effects["deals.commitment_multiple"]
        > effects["rules.switching_cost"]
        > effects["rules.egress_fee"]
    )


def test_sensitivity_needs_a_sensitivity_design_and_every_point(tmp_path):
    grid = run_sweep(tmp_path, GRID.format(every="quarter"), name="grid")
    with pytest.raises(ResultsError, match=r"design\.sampler is 'grid'; sensitivity needs"):
        grid.sensitivity("cloud_hhi")
    partial = run_sweep(
        tmp_path, SENSITIVITY.format(sampler="saltelli", samples=4), name="part", limit=6
    )
    with pytest.raises(ResultsError, match=r"17 of 20 design points have no finished run"):
        partial.sensitivity("cloud_hhi")


def test_task_files_written_before_they_held_the_factors_still_load(tmp_path):
    import json

    import pyarrow.parquet as pq

    from computemarket.store.files import file_sha256

    new = run_sweep(tmp_path, GRID.format(every="quarter"))
    expected = new.metrics.drop(columns="run_id")
    manifest_path = tmp_path / "s" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for path in sorted((tmp_path / "s" / "tasks").glob("*.parquet")):
        table = pq.read_table(path)  # as older versions wrote it: no run_id, no factors
        old = table.drop_columns(["run_id", "deals.commitment_multiple"])
        pq.write_table(old.replace_schema_metadata(table.schema.metadata), path)
        manifest["tasks"][str(int(path.stem[5:]))]["sha256"] = file_sha256(path)
    manifest_path.write_text(json.dumps(manifest))
    old = load(tmp_path / "s")
    assert "run_id" not in old.metrics.columns
    # the factors are joined from the design, in the same place
    pd.testing.assert_frame_equal(old.metrics, expected)
    assert old.metric_names == ["cloud_hhi", "active_labs"]
    pd.testing.assert_frame_equal(old.summary(after=1), new.summary(after=1))


CROSSED = """
description = "two rules presets crossed with a Sobol' design"
years = 1
seeds = 3
[design]
sampler = "saltelli"
samples = 16
[factors]
rules = ["laissez-faire", "no-exclusivity"]
"deals.commitment_multiple" = { low = 0.0, high = 18.0 }
"rules.switching_cost" = { low = 0.0, high = 1.0 }
"rules.egress_fee" = { low = 0.0, high = 0.2 }
[keep]
metrics = ["cloud_hhi"]
every = "final"
"""


def exclusivity_ban_run(scenario, *, years, seed):
    """The synthetic model, where banning exclusivity adds 500 x the switching cost to the HHI."""
    metrics = synthetic_run(scenario, years=years, seed=seed)
    if not scenario.rules.exclusivity:
        metrics["cloud_hhi"] += 500.0 * scenario.rules.switching_cost
    return metrics


def test_a_crossed_design_gives_indices_per_arm_and_of_the_paired_effect(tmp_path):
    results = run_sweep(tmp_path, CROSSED, name="crossed", run_fn=exclusivity_ban_run)
    assert len(results.points) == 2 * 16 * 5
    # The two arms run the same SALib rows with the same seeds.
    points = results.points
    rows = [
        points[points["rules"] == r].drop(columns=["point", "rules"])
        for r in points["rules"].unique()
    ]
    assert rows[0].reset_index(drop=True).equals(rows[1].reset_index(drop=True))
    per_arm = results.sensitivity("cloud_hhi")
    assert list(per_arm.columns[:2]) == ["rules", "factor"] and len(per_arm) == 6
    effect = results.sensitivity("cloud_hhi", versus=("rules", "laissez-faire")).set_index("factor")
    again = results.sensitivity("cloud_hhi", versus=("rules", "laissez-faire")).set_index("factor")
    pd.testing.assert_frame_equal(effect, again)  # the bootstrap intervals too
    assert (effect["rules"] == "no-exclusivity").all()
    # The effect is 500 x the switching cost, exactly: the other factors explain none of it.
    assert effect.loc["rules.switching_cost", "S1"] > 0.8
    assert effect.loc["deals.commitment_multiple", "ST"] < 0.05
    assert effect.loc["rules.egress_fee", "ST"] < 0.05
    from computemarket.results.compare import paired_effects

    (row,) = paired_effects(results, "rules", "laissez-faire", ["cloud_hhi"]).to_dict("records")
    # Paired on the other factors and the replicate: every point has its 3 seeds' differences.
    assert row["cells"] == 16 * 5 and row["n"] == 16 * 5 * 3
    switching = points.loc[points["rules"] == "no-exclusivity", "rules.switching_cost"]
    assert row["effect"] == pytest.approx(500.0 * switching.mean(), rel=1e-4)
    assert row["positive"] == 1.0 and row["negative"] == 0.0 and row["not_significant"] == 0.0
    with pytest.raises(ResultsError, match="a sampled range of this design"):
        results.sensitivity("cloud_hhi", versus=("rules.switching_cost", 0.5))
