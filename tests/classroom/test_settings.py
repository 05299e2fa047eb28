"""The app's controls: ranges from the schema, what a change of scenario or rules does to them."""

from __future__ import annotations

import dataclasses

import pytest

from computemarket.classroom import settings
from computemarket.classroom.settings import CONTROLS, find_control
from computemarket.results.plots import FIRM_COLOURS
from computemarket.simulation.parameters import parameter_table
from computemarket.simulation.scenario import ScenarioError, list_scenarios, load_scenario

SCHEMA = {row["path"]: row for row in parameter_table()}


def test_controls_take_range_unit_and_meaning_from_the_schema():
    for control in CONTROLS:
        row = SCHEMA[control.path]
        assert control.low == row["low"]
        assert control.high == min(row["high"], control.app_max or row["high"])
        assert (control.unit, control.doc) == (row["unit"], row["doc"])
        assert control.is_integer == (row["type"] == "int")
    assert find_control("population.hyperscalers").high == len(FIRM_COLOURS)


@pytest.mark.parametrize("name", ["baseline", "classroom"])
def test_shipped_scenarios_fit_the_controls(name):
    scenario = load_scenario(name)
    chosen = settings.initial_settings(name)
    for control in CONTROLS:
        section, field = control.path.split(".")
        assert chosen.values[control.path] == getattr(getattr(scenario, section), field)


def test_every_shipped_scenario_opens_in_the_app_unchanged():
    # A scenario beyond a control's range (e.g. more clouds than colours) would be clipped.
    for name in list_scenarios():
        scenario = load_scenario(name)
        model = settings.build_model(settings.initial_settings(name))
        for control in CONTROLS:
            section, field = control.path.split(".")
            assert getattr(getattr(model.params, section), field) == getattr(
                getattr(scenario, section), field
            ), f"{name}: {control.path} is outside the app's range"


def test_clean_puts_slider_values_on_the_grid_and_in_range():
    switching = find_control("rules.switching_cost")
    assert switching.clean(0.15000000000000002) == 0.15
    assert switching.clean(-1) == 0.0
    clouds = find_control("population.hyperscalers")
    assert clouds.clean(3.4) == 3 and isinstance(clouds.clean(3.4), int)
    assert clouds.clean(99) == clouds.high


def test_a_new_scenario_moves_every_control_to_its_values():
    chosen = settings.with_value(settings.initial_settings(), "population.labs", 9)
    moved = settings.with_scenario(chosen, "baseline")
    assert moved.values["population.labs"] == 20 and moved.values["population.hyperscalers"] == 5


def test_a_new_rules_preset_keeps_the_controls_it_does_not_set(tmp_path):
    chosen = settings.with_value(settings.initial_settings(), "rules.switching_cost", 0.5)
    kept = settings.with_rules(chosen, "no-exclusivity")
    assert kept.values["rules.switching_cost"] == 0.5 and kept.rules == "no-exclusivity"
    preset = tmp_path / "costly-switching.toml"
    preset.write_text('description = "x"\n[rules]\nswitching_cost = 1.5\n', encoding="utf-8")
    moved = settings.with_rules(chosen, str(preset))
    assert moved.values["rules.switching_cost"] == 1.5
    assert settings.build_model(moved).params.rules.switching_cost == 1.5


def test_model_kwargs_apply_controls_after_the_rules_and_lesson_overrides():
    chosen = dataclasses.replace(
        settings.initial_settings(), extra={"deals.upfront_share": 0.5}, seed=4
    )
    chosen = settings.with_value(chosen, "deals.commitment_multiple", 6.0)
    model = settings.build_model(chosen)
    assert model.params.deals.commitment_multiple == 6.0
    assert model.params.deals.upfront_share == 0.5
    assert settings.free_play(chosen).extra == {}
    assert settings.describe(chosen) == "classroom, own rules, commitment multiple 6, seed 4"


def test_bad_settings_raise_the_scenarios_errors():
    baseline = settings.initial_settings("baseline")
    with pytest.raises(ScenarioError, match="in_house_labs"):
        settings.build_model(settings.with_value(baseline, "population.labs", 1))
    with pytest.raises(ValueError, match="seed"):
        settings.with_seed(baseline, -1)
    with pytest.raises(KeyError):
        find_control("rules.egress_fee")
