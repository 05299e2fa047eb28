"""The lessons: their pages in docs/lessons agree with the data, and the model does what they say."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pytest

from computemarket import cli
from computemarket.classroom import lessons
from computemarket.classroom.lessons import LESSONS, find_lesson, lesson_pages, run_command
from computemarket.classroom.settings import build_model, lesson_settings
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.scenario import load_scenario

DOCS = Path(__file__).resolve().parents[2] / "docs" / "lessons"
NO_LAB_CREDIT = {"credit.lab_debt_to_revenue": 0.0}


def metrics(lesson_slug: str, years: int, **changes) -> dict:
    """Quarterly metrics of a lesson's preset, with some parameters changed, as numpy arrays."""
    lesson = find_lesson(lesson_slug)
    model = ComputeMarket(
        market_scenario=lesson.scenario,
        rules=changes.pop("rules", lesson.rules),
        overrides={**lesson.overrides, **changes},
        years=years,
        rng=lesson.seed,
    )
    while model.running:
        model.step()
    table = model.datacollector.get_model_vars_dataframe()
    return {column: table[column].to_numpy() for column in table}


def test_docs_lessons_are_generated_from_the_lesson_data():
    expected = lesson_pages()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")}
    assert on_disk == expected, (
        "docs/lessons is out of date: python -m computemarket.classroom.lessons docs/lessons"
    )


def test_the_four_topics_are_taught_in_order():
    assert len(LESSONS) >= 4
    assert [x.slug for x in LESSONS[:4]] == ["concentration", "lock-in", "circular-deals", "rules"]
    for lesson in LESSONS:
        assert lesson.text and lesson.watch and lesson.try_next
        assert find_lesson(lesson.label) is lesson


@pytest.mark.parametrize("lesson", LESSONS, ids=[x.slug for x in LESSONS])
def test_each_preset_is_valid_and_its_command_runs_the_same_scenario(lesson):
    model = build_model(lesson_settings(lesson))
    assert model.params.name == lesson.scenario and model.params.rules_preset == lesson.rules
    words = shlex.split(run_command(lesson))
    parser = cli.build_parser()
    args = parser.parse_args(words[1:])
    overrides = [lessons_override(text) for text in args.overrides]
    scenario = load_scenario(args.scenario, rules=args.rules, overrides=overrides)
    assert scenario.to_dict() | {"overrides": {}} == model.params.to_dict() | {"overrides": {}}
    assert args.seed == lesson.seed


def lessons_override(text: str):
    from computemarket.simulation.scenario import parse_override

    return parse_override(text)


def test_write_lesson_pages(tmp_path):
    written = lessons.write_lesson_pages(tmp_path / "lessons")
    assert sorted(p.name for p in written) == sorted(lesson_pages())


# ----------------------------------------------------- the model does what the lessons say
# The texts quote the lessons' seeds; where they generalise ("in every seed from 1 to 10"), the
# tests run those seeds. Bounds are the quoted figures with the rounding the texts use.
def seeds(slug: str, years: int, count: int, **changes) -> list[dict]:
    """Metrics of a lesson's preset over seeds 1..count."""
    lesson = find_lesson(slug)
    runs = []
    for seed in range(1, count + 1):
        model = ComputeMarket(
            market_scenario=lesson.scenario,
            rules=changes.get("rules", lesson.rules),
            overrides={**lesson.overrides, **{k: v for k, v in changes.items() if k != "rules"}},
            years=years,
            rng=seed,
        )
        while model.running:
            model.step()
        table = model.datacollector.get_model_vars_dataframe()
        runs.append({column: table[column].to_numpy() for column in table})
    return runs


def test_concentration_starts_at_ten_thousand_over_n_and_drifts_up():
    m = metrics("concentration", years=5)
    assert m["cloud_hhi"][0] == pytest.approx(10_000 / 7, abs=1)
    assert 1_500 < m["cloud_hhi"][1:5].max() < 1_560  # about 1,530 within the first year
    assert 1_530 < m["cloud_hhi"][16:20].max() < 1_580  # a peak of about 1,550 in year five
    assert m["cloud_hhi"][16:20].max() == m["cloud_hhi"].max()
    assert 1_440 < m["cloud_hhi"][-1] < 1_540 and (m["cloud_hhi"] < 1_800).all()
    assert metrics("concentration", 1, **{"population.hyperscalers": 3})["cloud_hhi"][
        0
    ] == pytest.approx(10_000 / 3, abs=1)


def crossings(**overrides) -> int:
    """Seeds 1-10 in which the seven-cloud market's HHI passes 1,800 within five years."""
    crossed = 0
    for seed in range(1, 11):
        model = ComputeMarket(
            market_scenario="classroom",
            overrides={"population.hyperscalers": 7, **overrides},
            years=5,
            rng=seed,
        )
        while model.running:
            model.step()
        crossed += bool((model.datacollector.get_model_vars_dataframe()["cloud_hhi"] > 1_800).any())
    return crossed


def test_concentration_stays_below_1800_unless_every_deal_is_exclusive():
    assert crossings() == 0
    assert crossings(**{"offers.deals_per_year": 12.0, "offers.exclusivity_incidence": 1.0}) == 5


def test_switching_costs_lower_switching_and_raise_single_provider_dependence():
    free = seeds("lock-in", 10, 10)
    costly = seeds("lock-in", 10, 10, **{"rules.switching_cost": 0.5})

    def mean(runs, column):
        return np.array([np.mean(run[column][1:]) for run in runs])

    # Seed 1, as quoted.
    assert 0.105 < mean(free, "switching_rate")[0] < 0.115
    assert 0.58 < mean(free, "max_provider_share")[0] < 0.6
    assert 0.035 < mean(free, "locked_share")[0] < 0.045
    assert 0.1 < mean(costly, "switching_rate")[0] < 0.115
    assert 0.895 < mean(costly, "max_provider_share")[0] < 0.905
    # Seeds 1-10: dependence rises in every seed; switching falls on average.
    assert (
        0.555
        < mean(free, "max_provider_share").min()
        < mean(free, "max_provider_share").max()
        < 0.685
    )
    assert mean(costly, "max_provider_share").min() > 0.835
    assert mean(costly, "max_provider_share").max() < 0.945
    assert (mean(costly, "max_provider_share") > mean(free, "max_provider_share")).all()
    assert 0.126 < mean(free, "switching_rate").mean() < 0.136
    assert 0.083 < mean(costly, "switching_rate").mean() < 0.093
    locked = mean(free, "locked_share")
    assert 0.005 < locked.min() < 0.015 and 0.145 < locked.max() < 0.155


def test_circular_deals_come_back_through_the_window():
    tied = metrics("circular-deals", years=10)
    assert tied["roundtrip_ratio"][-1] > 0.99
    assert 0.015 < tied["circular_revenue_share"][-1] < 0.025
    assert 0.155 < tied["circular_revenue_share"].max() < 0.165
    assert np.flatnonzero(tied["hyperscaler_investment"] > 0)[0] == 5
    untied = metrics("circular-deals", years=10, **{"deals.commitment_multiple": 0.0})
    assert (untied["roundtrip_ratio"] == 0).all()
    heavy = metrics("circular-deals", years=10, **{"deals.commitment_multiple": 12.0})
    assert 0.05 < np.mean(tied["locked_share"][1:]) < 0.07
    assert 0.135 < np.mean(heavy["locked_share"][1:]) < 0.145
    assert heavy["lab_exits"].sum() == 0
    # Higher in each of seeds 1 to 5.
    tied_runs = seeds("circular-deals", 10, 5)
    heavy_runs = seeds("circular-deals", 10, 5, **{"deals.commitment_multiple": 12.0})
    assert all(
        np.mean(h["locked_share"][1:]) > np.mean(t["locked_share"][1:])
        for t, h in zip(tied_runs, heavy_runs, strict=True)
    )


def test_the_rules_compared():
    def locked(run):
        return np.mean(run["locked_share"][1:])

    free = metrics("rules", years=10)
    assert 0.125 < locked(free) < 0.135 and free["roundtrip_ratio"][-1] > 0.99
    untied = metrics("rules", years=10, rules="no-tied-investment")
    assert (untied["roundtrip_ratio"] == 0).all() and 0.11 < locked(untied) < 0.13
    open_deals = metrics("rules", years=10, rules="no-exclusivity")
    assert 0.115 < locked(open_deals) < 0.125
    separated = metrics("rules", years=10, rules="structural-separation")
    assert (separated["locked_share"] == 0).all()
    assert (free["active_labs"][-1], separated["active_labs"][-1]) == (22, 23)
    assert 870 < free["model_hhi"][-1] < 890 and 830 < separated["model_hhi"][-1] < 850
    # Seeds 1-6: separation leaves more labs in four, as many in one, one fewer in one; HHI
    # lower in five.
    free_runs = seeds("rules", 10, 6)
    separated_runs = seeds("rules", 10, 6, rules="structural-separation")
    pairs = list(zip(free_runs, separated_runs, strict=True))
    differences = [s["active_labs"][-1] - f["active_labs"][-1] for f, s in pairs]
    assert sorted(np.sign(differences)) == [-1, 0, 1, 1, 1, 1] and min(differences) == -1
    assert sum(s["model_hhi"][-1] < f["model_hhi"][-1] for f, s in pairs) == 5
