from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from computemarket.experiments import ExperimentError, build_design, load_experiment, run_seed
from computemarket.experiments.design import plan_tasks, resolve_point
from computemarket.experiments.samplers import integer_values

RANGES = """
description = "d"
seeds = 2
[design]
sampler = "{sampler}"
samples = {samples}
[factors]
"deals.commitment_multiple" = {{ low = 0.0, high = 18.0 }}
"rules.switching_cost" = {{ low = 0.0, high = 1.0 }}
"deals.discount" = {{ low = 0.0, high = 0.3 }}
"""


def test_grid_is_point_major_with_every_combination(small_spec):
    design = build_design(small_spec)
    assert (design.n_points, design.n_runs) == (6, 18)
    table = design.table
    assert table["row"].tolist() == list(range(18))
    assert table["point"].tolist() == [p for p in range(6) for _ in range(3)]
    assert table["replicate"].tolist() == [0, 1, 2] * 6
    pairs = set(
        zip(
            design.points["deals.commitment_multiple"],
            design.points["rules.switching_cost"],
            strict=True,
        )
    )
    assert pairs == {(c, s) for c in (0.0, 6.0, 12.0) for s in (0.0, 0.5)}


def test_common_seeds_share_seeds_across_points_and_come_from_one_seed_sequence(small_spec):
    table = build_design(small_spec).table
    assert (table.groupby("replicate")["seed"].nunique() == 1).all()
    expected = np.random.SeedSequence(7, spawn_key=(1, 2)).generate_state(1, np.uint64)[
        0
    ] >> np.uint64(1)
    assert table.loc[2, "seed"] == int(expected) == run_seed(small_spec, 0, 2)
    assert (table["seed"] >= 0).all()


def test_independent_seeds_differ_per_run_and_do_not_depend_on_seed_count(write_spec, small_text):
    spec = load_experiment(
        write_spec(small_text.replace("seed = 7", "seed = 7\ncommon_seeds = false"))
    )
    table = build_design(spec).table
    assert table["seed"].nunique() == len(table)
    more = build_design(spec.replace(seeds=5)).table
    # run (point 1, replicate 2) keeps its seed when more seeds are added
    assert (
        more.query("point == 1 and replicate == 2")["seed"].item()
        == table.query("point == 1 and replicate == 2")["seed"].item()
    )


def test_integer_grid_ranges_are_rounded_and_unique(write_spec):
    spec = load_experiment(
        write_spec(
            'description = "d"\n[factors]\n"deals.tranches" = { low = 0, high = 3, steps = 7 }\n'
        )
    )
    assert build_design(spec).points["deals.tranches"].tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("sampler", "samples", "points"),
    [("lhs", 10, 10), ("sobol", 16, 16), ("saltelli", 8, 8 * (3 + 2)), ("morris", 4, 4 * (3 + 1))],
)
def test_samplers_give_documented_sizes_within_bounds(write_spec, sampler, samples, points):
    spec = load_experiment(write_spec(RANGES.format(sampler=sampler, samples=samples)))
    design = build_design(spec)
    assert design.n_points == points and design.n_runs == 2 * points
    assert design.points["deals.commitment_multiple"].between(0.0, 18.0).all()
    assert design.points["deals.discount"].between(0.0, 0.3).all()
    assert build_design(spec).design_id == design.design_id  # same seed, same design
    if sampler in ("saltelli", "morris"):
        assert design.problem["names"] == [
            "deals.commitment_multiple",
            "rules.switching_cost",
            "deals.discount",
        ]
        assert design.problem["bounds"][0] == [0.0, 18.0]


def test_lhs_is_stratified_in_every_dimension(write_spec):
    design = build_design(load_experiment(write_spec(RANGES.format(sampler="lhs", samples=10))))
    strata = np.floor(design.points["rules.switching_cost"].to_numpy() * 10).astype(int)
    assert sorted(strata) == list(range(10))


def test_value_lists_are_crossed_with_sampled_ranges(write_spec):
    text = RANGES.format(sampler="lhs", samples=4) + 'rules = ["laissez-faire", "no-exclusivity"]\n'
    design = build_design(load_experiment(write_spec(text)))
    assert design.n_points == 8
    assert design.points["rules"].tolist() == ["laissez-faire"] * 4 + ["no-exclusivity"] * 4
    assert (
        design.points["deals.discount"].iloc[:4].tolist()
        == design.points["deals.discount"].iloc[4:].tolist()
    )


@pytest.mark.parametrize(
    ("runs_per_task", "limit"),
    [(1, None), (2, None), (3, None), (8, None), (5, 7), (2, 8), (100, 4)],
)
def test_tasks_cover_planned_rows_once_and_never_span_a_point_split(
    small_spec, runs_per_task, limit
):
    design = build_design(small_spec)  # 6 points x 3 seeds
    tasks = plan_tasks(design, runs_per_task, limit)
    rows = [r for t in tasks for r in range(t.start, t.stop)]
    assert rows == list(range(limit or design.n_runs))
    assert [t.task for t in tasks] == list(range(len(tasks)))
    for task in tasks:
        if runs_per_task >= 3:  # whole points
            assert task.start % 3 == 0 and (task.stop % 3 == 0 or task.stop == limit)
        else:  # a share of one point's seeds, at most runs_per_task of them
            assert task.start // 3 == (task.stop - 1) // 3 and task.runs <= runs_per_task
    with pytest.raises(ExperimentError, match="--limit: 0 is out of range"):
        plan_tasks(design, 8, 0)


def test_one_point_with_many_seeds_is_split_evenly(write_spec):
    spec = load_experiment(write_spec('description = "d"\nseeds = 20\n'))
    tasks = plan_tasks(build_design(spec), 8)
    assert [t.runs for t in tasks] == [7, 7, 6]


def test_resolve_point_lays_factors_over_base_and_overrides(small_spec):
    design = build_design(small_spec)
    scenario = resolve_point(small_spec, design.points.iloc[3].to_dict())
    assert scenario.deals.commitment_multiple == design.points.iloc[3]["deals.commitment_multiple"]
    assert scenario.rules.switching_cost == design.points.iloc[3]["rules.switching_cost"]


@given(
    points=st.integers(1, 12),
    seeds=st.integers(1, 25),
    runs_per_task=st.integers(1, 40),
    limit=st.none() | st.integers(1, 400),
)
def test_task_plan_invariants(points, seeds, runs_per_task, limit):
    design = SimpleNamespace(spec=SimpleNamespace(seeds=seeds), n_runs=points * seeds)
    tasks = plan_tasks(design, runs_per_task, limit)
    planned = design.n_runs if limit is None else min(limit, design.n_runs)
    assert [r for t in tasks for r in range(t.start, t.stop)] == list(range(planned))
    assert all(t.runs >= 1 for t in tasks)
    for task in tasks:
        first_point, last_point = task.start // seeds, (task.stop - 1) // seeds
        if seeds > runs_per_task:  # a share of one point, never more than asked
            assert first_point == last_point and task.runs <= runs_per_task
        else:  # whole points (the last may be cut by the limit), about runs_per_task runs
            assert task.start % seeds == 0 and task.runs < runs_per_task + seeds


INTEGERS = """
description = "an integer factor beside a float one"
seeds = 1
seed = {seed}
[design]
sampler = "{sampler}"
samples = {samples}
{extra}
[factors]
"population.labs" = {{ low = 4, high = 6 }}
"rules.switching_cost" = {{ low = 0.0, high = 1.0 }}
"""


def _uniformity_p_value(values: np.ndarray, integers: list[int]) -> float:
    """Pearson's chi-square test of ``values`` against each of ``integers`` equally likely."""
    from scipy import stats

    counts = np.array([(values == k).sum() for k in integers])
    assert counts.sum() == values.size, "a value outside the range"
    return float(stats.chisquare(counts).pvalue)


@pytest.mark.parametrize(
    ("sampler", "samples", "extra"),
    [
        ("lhs", 240, ""),
        ("sobol", 256, ""),
        ("saltelli", 64, "second_order = false"),  # 64 x (2 + 2) points
        ("morris", 60, "levels = 4"),  # 60 trajectories x 3 points; the 4 levels are 4 integers
    ],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_integer_ranges_give_every_integer_the_same_chance(
    write_spec, sampler, samples, extra, seed
):
    text = INTEGERS.format(sampler=sampler, samples=samples, extra=extra, seed=seed)
    if sampler == "morris":  # its grid: as many integers as levels
        text = text.replace("high = 6", "high = 7")
    labs = build_design(load_experiment(write_spec(text))).points["population.labs"].to_numpy()
    assert labs.dtype == np.int64
    integers = list(range(4, labs.max() + 1))
    assert integers[-1] == (7 if sampler == "morris" else 6)  # the top end is drawn
    # Equal shares: the test rejects at 1% (rounding the draws, which gives the ends half the
    # weight, 1/4 1/2 1/4 for 4-6, is rejected with p < 1e-3 at these sizes: see below).
    assert _uniformity_p_value(labs, integers) > 0.01
    shares = np.bincount(labs - 4, minlength=len(integers)) / labs.size
    np.testing.assert_allclose(shares, 1 / len(integers), atol=0.07)


def test_the_uniformity_check_rejects_rounded_draws():
    # What the samplers did before: round low + u (high - low). The ends get half the weight.
    draws = np.random.default_rng(0).random(240)
    rounded = np.rint(4 + draws * 2).astype(int)
    assert _uniformity_p_value(rounded, [4, 5, 6]) < 1e-3
    assert _uniformity_p_value(integer_values(4, 6, draws), [4, 5, 6]) > 0.01


@given(
    low=st.integers(-50, 50),
    width=st.integers(0, 20),
    unit=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=50),
)
def test_integer_values_stay_in_range_and_keep_the_order_of_the_draws(low, width, unit):
    draws = np.array(unit)
    values = integer_values(low, low + width, draws)
    assert values.min() >= low and values.max() <= low + width
    order = np.argsort(draws, kind="stable")
    assert (np.diff(values[order]) >= 0).all()  # monotone: a larger draw never gives less


def test_morris_levels_are_the_integers():
    levels = np.arange(4) / 3  # a 4-level grid: 0, 1/3, 2/3, 1
    assert integer_values(4, 7, levels, levels=4).tolist() == [4, 5, 6, 7]
    # what the spec refuses for an integer factor, for lack of equal weights or an even grid
    assert integer_values(4, 5, levels, levels=4).tolist() == [4, 4, 5, 5]
    assert integer_values(4, 6, levels, levels=4).tolist() == [4, 5, 5, 6]
