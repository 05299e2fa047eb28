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
def test_concentration_starts_at_ten_thousand_over_n_and_drifts_up():
    m = metrics("concentration", years=5)
    assert m["cloud_hhi"][0] == pytest.approx(10_000 / 7, abs=1)
    assert 1_500 < m["cloud_hhi"][1:5].max() < 1_600  # about 1,550 within the first year
    assert 1_400 < m["cloud_hhi"][-1] < 1_550 and (m["cloud_hhi"] < 1_800).all()
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
    assert crossings(**{"offers.deals_per_year": 12.0, "offers.exclusivity_incidence": 1.0}) == 8


def test_switching_costs_lower_switching_and_raise_single_provider_dependence():
    free = metrics("lock-in", years=10)
    costly = metrics("lock-in", years=10, **{"rules.switching_cost": 0.5})
    assert 0.1 < np.mean(free["switching_rate"][1:]) < 0.14
    assert 0.15 < np.mean(costly["switching_rate"][1:]) < 0.2  # it does not fall here
    assert (
        np.mean(free["max_provider_share"][1:])
        < 0.65
        < 0.8
        < np.mean(costly["max_provider_share"][1:])
    )
    assert 0.05 < np.mean(free["locked_share"][1:]) < 0.1
    no_exclusivity = metrics("lock-in", years=10, **{"deals.exclusivity_quarters": 0})
    assert (
        0.03 < np.mean(no_exclusivity["locked_share"][1:]) < 0.8 * np.mean(free["locked_share"][1:])
    )


def test_circular_deals_come_back_through_the_window():
    tied = metrics("circular-deals", years=10)
    assert tied["roundtrip_ratio"][-1] > 0.99
    assert 0.01 < tied["circular_revenue_share"][-1] < 0.1
    first = np.flatnonzero(tied["hyperscaler_investment"] > 0)[0]
    assert first == 11  # the first deal after almost three years
    untied = metrics("circular-deals", years=10, **{"deals.commitment_multiple": 0.0})
    assert (untied["roundtrip_ratio"] == 0).all()
    heavy = metrics("circular-deals", years=10, **{"deals.commitment_multiple": 12.0})
    assert heavy["active_labs"][-1] == 2 and tied["active_labs"][-1] == 4
    assert 1.7 * tied["model_hhi"][-1] < heavy["model_hhi"][-1] < 2.0 * tied["model_hhi"][-1]


def test_the_rules_compared():
    free = metrics("rules", years=10)
    assert 0.08 < free["locked_share"][-1] < 0.12 and free["roundtrip_ratio"][-1] > 0.9
    untied = metrics("rules", years=10, rules="no-tied-investment")
    assert (untied["roundtrip_ratio"] == 0).all() and untied["locked_share"][-1] == 0.0
    open_deals = metrics("rules", years=10, rules="no-exclusivity")
    assert 0.4 * free["locked_share"][-1] < open_deals["locked_share"][-1]
    assert open_deals["locked_share"][-1] < 0.6 * free["locked_share"][-1]
    separated = metrics("rules", years=10, rules="structural-separation")
    assert (separated["locked_share"] == 0).all()
    assert (
        0.4 * free["active_labs"][-1] < separated["active_labs"][-1] < 0.6 * free["active_labs"][-1]
    )
    assert 1.5 * free["model_hhi"][-1] < separated["model_hhi"][-1] < 1.8 * free["model_hhi"][-1]
