"""The scenario loader: shipped files, preset overlays, overrides, and one-line errors for bad input."""

import dataclasses
import math
import os
import tomllib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from computemarket.simulation.parameters import (
    FIRM_LISTS,
    SECTIONS,
    AgreementSpec,
    HyperscalerSpec,
    LabSpec,
    MarketParams,
    RulesParams,
    parameter_table,
)
from computemarket.simulation.scenario import (
    Scenario,
    ScenarioError,
    list_rule_presets,
    list_scenarios,
    load_scenario,
    parse_override,
)

SCENARIOS = sorted(list_scenarios())
PRESETS = sorted(list_rule_presets())

FIRMS_TOML = """\
description = "Two named firms"

[population]
hyperscalers = 3
neoclouds = 0
labs = 4
in_house_labs = 0

[[hyperscalers]]
name = "Acme Cloud"
capacity_gw = 2.0

[[hyperscalers]]
name = "Beta"

[[labs]]
name = "Lab A"
owner = "Acme Cloud"
provider = "Beta"
"""


def error_of(scenario, **kwargs) -> str:
    """The message of the ScenarioError that loading raises; it must be a single line."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario, **kwargs)
    message = str(caught.value)
    assert "\n" not in message, message
    assert "Traceback" not in message
    return message


def write(tmp_path: Path, text: str, name: str = "case.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def flat(scenario: Scenario) -> dict[str, object]:
    """Every section parameter of a scenario by dotted path."""
    return {
        f"{section}.{key}": value
        for section in SECTIONS
        for key, value in dataclasses.asdict(getattr(scenario, section)).items()
    }


@pytest.fixture
def firms_file(tmp_path: Path) -> Path:
    return write(tmp_path, FIRMS_TOML, "firms.toml")


# ------------------------------------------------------------------------------------- shipped files
def test_shipped_names_are_listed_with_descriptions():
    assert {"baseline", "classroom"} <= set(SCENARIOS)
    assert set(PRESETS) == {
        "laissez-faire",
        "no-tied-investment",
        "no-exclusivity",
        "eu-data-act",
        "structural-separation",
        "merger-control",
    }
    for description in {**list_scenarios(), **list_rule_presets()}.values():
        assert description.strip() and "\n" not in description


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_shipped_scenario_loads(name):
    scenario = load_scenario(name)
    assert scenario.name == name
    assert scenario.description == list_scenarios()[name]
    assert scenario.rules_preset == ""
    assert scenario.overrides == ()


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_loads_over_every_scenario(name, preset):
    scenario = load_scenario(name, rules=preset)
    assert scenario.rules_preset == preset
    assert scenario.name == name


def test_no_arguments_loads_baseline():
    assert load_scenario() == load_scenario("baseline")


def test_classroom_sets_what_its_file_says():
    classroom = load_scenario("classroom")
    assert classroom.population.hyperscalers == 3
    assert classroom.population.labs == 6
    assert classroom.population.in_house_labs == 0
    assert classroom.hyperscaler.capacity_dispersion == 0.0
    assert classroom.entry.rate == pytest.approx(0.1)


def test_loading_a_path_equals_loading_the_same_text(tmp_path):
    path = write(tmp_path, "[rules]\nswitching_cost = 0.4\n", "custom.toml")
    for source in (path, str(path)):
        scenario = load_scenario(source)
        assert scenario.name == "custom"
        assert scenario.rules.switching_cost == 0.4
        default = RulesParams().switching_cost
        assert flat(scenario) | {"rules.switching_cost": default} == flat(Scenario())


def test_an_empty_file_gives_every_default(tmp_path):
    scenario = load_scenario(write(tmp_path, ""))
    assert flat(scenario) == flat(Scenario())


def test_integer_literals_convert_to_the_field_type(tmp_path):
    scenario = load_scenario(
        write(tmp_path, "[rules]\nswitching_cost = 1\n[population]\nlabs = 30.0\n")
    )
    assert scenario.rules.switching_cost == 1.0 and type(scenario.rules.switching_cost) is float
    assert scenario.population.labs == 30 and type(scenario.population.labs) is int


# --------------------------------------------------------------------------------------- presets
@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("preset", PRESETS)
def test_presets_overlay_only_what_they_set(name, preset):
    text = (resources.files("computemarket.simulation.rules") / f"{preset}.toml").read_text("utf-8")
    sets = {
        f"{section}.{key}": value
        for section, table in tomllib.loads(text).items()
        if section != "description"
        for key, value in table.items()
    }
    before, after = flat(load_scenario(name)), flat(load_scenario(name, rules=preset))
    changed = {path for path in before if before[path] != after[path]}
    assert changed <= set(sets)
    for path, value in sets.items():
        assert after[path] == value


def test_preset_changes_the_rule_it_names_and_keeps_the_scenario():
    classroom = load_scenario("classroom", rules="structural-separation")
    assert classroom.rules.hyperscaler_equity is False
    assert classroom.rules.acquisitions is False
    assert classroom.rules.self_preferencing is False
    assert classroom.population == load_scenario("classroom").population
    assert classroom.rules.switching_cost == RulesParams().switching_cost


def test_preset_from_a_path(tmp_path):
    path = write(tmp_path, 'description = "mine"\n[rules]\negress_fee = 0.0\n', "mine.toml")
    scenario = load_scenario("baseline", rules=path)
    assert scenario.rules_preset == "mine"
    assert scenario.rules.egress_fee == 0.0


def test_overrides_win_over_the_preset():
    scenario = load_scenario(
        "baseline", rules="no-exclusivity", overrides={"rules.exclusivity": True}
    )
    assert scenario.rules.exclusivity is True


# ------------------------------------------------------------------------------------- overrides
def test_override_by_dotted_path_changes_only_that_parameter():
    scenario = load_scenario("baseline", overrides={"deals.commitment_multiple": 5})
    assert scenario.deals.commitment_multiple == 5.0
    assert scenario.overrides == (("deals.commitment_multiple", 5),)
    before, after = flat(load_scenario("baseline")), flat(scenario)
    assert {p for p in before if before[p] != after[p]} == {"deals.commitment_multiple"}


def test_overrides_accept_pairs_and_refuse_a_parameter_given_twice():
    scenario = load_scenario("baseline", overrides=[("rules.switching_cost", 0.3)])
    assert scenario.rules.switching_cost == 0.3
    with pytest.raises(
        ScenarioError, match=r"--set rules.switching_cost: given twice \(0.3 and 0.5\)"
    ):
        load_scenario(
            "baseline", overrides=[("rules.switching_cost", 0.3), ("rules.switching_cost", 0.5)]
        )


def test_a_rules_preset_holds_only_rules(tmp_path):
    preset = tmp_path / "longer.toml"
    preset.write_text('description = "x"\n[rules]\nswitching_cost = 0.2\n[market]\nyears = 40\n')
    with pytest.raises(
        ScenarioError, match=r"longer.toml: market: a rules preset holds only \[rules\]"
    ):
        load_scenario("baseline", rules=preset)
    preset.write_text("[rules]\nswitching_cost = 0.2\n[[labs]]\nname = 'X'\n")
    with pytest.raises(ScenarioError, match=r"put \[\[labs\]\] in a scenario file"):
        load_scenario("baseline", rules=preset)


def test_override_of_a_loaded_scenario_keeps_its_preset_and_history():
    first = load_scenario("baseline", rules="no-exclusivity", overrides={"entry.rate": 0.2})
    second = load_scenario(first, overrides={"deals.discount": 0.3})
    assert second.rules_preset == "no-exclusivity"
    assert second.rules.exclusivity is False
    assert second.entry.rate == 0.2 and second.deals.discount == 0.3
    assert second.overrides == (("entry.rate", 0.2), ("deals.discount", 0.3))


def test_firms_are_read_from_the_file(firms_file):
    scenario = load_scenario(firms_file)
    assert [h.name for h in scenario.hyperscalers] == ["Acme Cloud", "Beta"]
    assert scenario.hyperscalers[0].capacity_gw == 2.0
    assert scenario.hyperscalers[1] == HyperscalerSpec(name="Beta")
    assert scenario.labs == (LabSpec(name="Lab A", owner="Acme Cloud", provider="Beta"),)


def test_firm_overrides_by_name_and_by_index(firms_file):
    scenario = load_scenario(
        firms_file,
        overrides={
            "hyperscalers.Acme Cloud.cash": 60,
            "hyperscalers.1.neocloud": True,
            "labs.0.quality": 1.5,
        },
    )
    assert scenario.hyperscalers[0].cash == 60.0
    assert scenario.hyperscalers[0].capacity_gw == 2.0  # the rest of the firm is kept
    assert scenario.hyperscalers[1].neocloud is True
    assert scenario.labs[0].quality == 1.5
    assert scenario.labs[0].owner == "Acme Cloud"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules.switching_cost=0.3", ("rules.switching_cost", 0.3)),
        (" population.labs = 100 ", ("population.labs", 100)),
        ("rules.exclusivity=false", ("rules.exclusivity", False)),
        ('labs.0.owner="Acme Cloud"', ("labs.0.owner", "Acme Cloud")),
        ("labs.0.owner=Acme", ("labs.0.owner", "Acme")),
        ("population.labs=1e3", ("population.labs", 1000.0)),
    ],
)
def test_parse_override_reads_toml_values(text, expected):
    key, value = parse_override(text)
    assert (key, value) == expected
    assert type(value) is type(expected[1])


def test_parsed_overrides_load():
    overrides = dict(parse_override(t) for t in ("population.labs=1e3", "rules.exclusivity=false"))
    scenario = load_scenario("baseline", overrides=overrides)
    assert scenario.population.labs == 1000
    assert scenario.rules.exclusivity is False


# ------------------------------------------------------------------------------------------ errors
def test_unknown_scenario_name_lists_the_shipped_ones():
    message = error_of("no-such-scenario")
    assert "unknown scenario 'no-such-scenario'" in message
    for name in SCENARIOS:
        assert name in message


def test_unknown_preset_lists_the_shipped_ones():
    message = error_of("baseline", rules="no-such-preset")
    assert "unknown rules preset 'no-such-preset'" in message
    for name in PRESETS:
        assert name in message


def test_missing_file(tmp_path):
    path = tmp_path / "absent.toml"
    message = error_of(path)
    assert str(path) in message and "not found" in message


def test_missing_preset_file(tmp_path):
    path = tmp_path / "absent-rules.toml"
    message = error_of("baseline", rules=path)
    assert str(path) in message and "not found" in message


def test_directory(tmp_path):
    message = error_of(tmp_path)
    assert str(tmp_path) in message and "directory" in message


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read any file"
)
def test_unreadable_file(tmp_path):
    path = write(tmp_path, "[rules]\nswitching_cost = 0.2\n")
    path.chmod(0)
    try:
        message = error_of(path)
    finally:
        path.chmod(0o600)
    assert str(path) in message and "cannot read" in message


def test_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('description = "caf\xe9"\n'.encode("latin-1"))
    message = error_of(path)
    assert str(path) in message and "cannot read" in message


def test_toml_syntax_error_names_file_and_line(tmp_path):
    path = write(tmp_path, "[rules]\nswitching_cost = 0.2\n[population\n")
    message = error_of(path)
    assert str(path) in message and "TOML syntax error" in message and "line 3" in message


def test_unknown_section_lists_the_allowed_ones(tmp_path):
    path = write(tmp_path, "[regulation]\nswitching_cost = 0.2\n")
    message = error_of(path)
    assert str(path) in message and "regulation" in message and "unknown section" in message
    for section in (*SECTIONS, *FIRM_LISTS):
        assert section in message


def test_unknown_key_lists_the_allowed_ones(tmp_path):
    path = write(tmp_path, "[rules]\nswitching_costs = 0.2\n")
    message = error_of(path)
    assert str(path) in message and "rules.switching_costs: unknown parameter" in message
    assert "switching_cost," in message and "egress_fee" in message


def test_unknown_key_in_a_firm(tmp_path):
    path = write(tmp_path, '[[labs]]\nname = "L"\nbudget = 3\n')
    message = error_of(path)
    assert "labs[0].budget: unknown parameter" in message and "quality" in message


def test_section_that_is_not_a_table(tmp_path):
    message = error_of(write(tmp_path, "rules = 3\n"))
    assert "rules: expected a table" in message


@pytest.mark.parametrize(
    ("line", "path", "allowed"),
    [
        (
            '[rules]\nswitching_cost = "high"',
            "rules.switching_cost",
            "expected a number, got 'high'",
        ),
        ("[population]\nlabs = 2.5", "population.labs", "expected an integer, got 2.5"),
        ('[population]\nlabs = "20"', "population.labs", "expected an integer"),
        ("[rules]\nexclusivity = 1", "rules.exclusivity", "expected true or false, got 1"),
        ('[rules]\nexclusivity = "no"', "rules.exclusivity", "expected true or false"),
        ("[rules]\nswitching_cost = true", "rules.switching_cost", "expected a number, got True"),
        ("[[labs]]\nname = 7", "labs[0].name", "expected a string, got 7"),
        ("description = 3", "description", "expected a string"),
    ],
)
def test_wrong_type_names_the_field_and_the_expected_type(tmp_path, line, path, allowed):
    file = write(tmp_path, line + "\n")
    message = error_of(file)
    assert str(file) in message and f"{path}:" in message and allowed in message


@pytest.mark.parametrize(
    ("line", "path", "allowed"),
    [
        ("[rules]\nswitching_cost = 9.0", "rules.switching_cost", "[0, 5]"),
        ("[rules]\nswitching_cost = -0.1", "rules.switching_cost", "[0, 5]"),
        ("[population]\nlabs = 0", "population.labs", "[1, 100000]"),
        ("[market]\nstart_quarter = 5", "market.start_quarter", "[1, 4]"),
    ],
)
def test_out_of_range_names_the_field_range_and_unit(tmp_path, line, path, allowed):
    file = write(tmp_path, line + "\n")
    message = error_of(file)
    assert str(file) in message and f"{path}:" in message and "out of range" in message
    assert allowed in message


@pytest.mark.parametrize("literal", ["inf", "-inf", "nan", "+inf"])
def test_non_finite_float_in_a_file(tmp_path, literal):
    file = write(tmp_path, f"[rules]\nswitching_cost = {literal}\n")
    message = error_of(file)
    assert "rules.switching_cost: must be a finite number" in message


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_overrides(value):
    assert "rules.switching_cost: must be a finite number" in error_of(
        "baseline", overrides={"rules.switching_cost": value}
    )
    assert "population.labs: expected an integer" in error_of(
        "baseline", overrides={"population.labs": value}
    )


def test_non_finite_override_from_the_command_line():
    key, value = parse_override("rules.egress_fee=nan")
    assert "rules.egress_fee: must be a finite number" in error_of(
        "baseline", overrides={key: value}
    )


@pytest.mark.parametrize("section", ["hyperscalers", "labs"])
def test_duplicate_firm_names(tmp_path, section):
    file = write(tmp_path, f'[[{section}]]\nname = "Same"\n[[{section}]]\nname = "Same"\n')
    message = error_of(file)
    assert f"{section}[1].name: duplicate name 'Same'" in message


def test_firm_without_a_name(tmp_path):
    message = error_of(write(tmp_path, "[[hyperscalers]]\ncash = 3.0\n"))
    assert "hyperscalers[0].name" in message and "non-empty name" in message


def test_population_fewer_than_listed_firms(tmp_path):
    labs = "".join(f'[[labs]]\nname = "L{i}"\n' for i in range(3))
    file = write(tmp_path, f"[population]\nlabs = 2\nin_house_labs = 0\n{labs}")
    message = error_of(file)
    assert "population.labs: 2 is fewer than the 3 listed" in message


def test_population_fewer_than_listed_hyperscalers(firms_file):
    message = error_of(firms_file, overrides={"population.hyperscalers": 1})
    assert "population.hyperscalers: 1 is fewer than the 2 listed" in message


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"population.neoclouds": 6}, "population.neoclouds"),
        ({"population.in_house_labs": 21}, "population.in_house_labs"),
        ({"hyperscaler.min_markup": 3.0}, "hyperscaler.min_markup"),
    ],
)
def test_inconsistent_counts_and_bounds(overrides, field):
    assert f"{field}:" in error_of("baseline", overrides=overrides)


@pytest.mark.parametrize("key", ["owner", "provider"])
def test_unknown_owner_or_provider(firms_file, key):
    message = error_of(firms_file, overrides={f"labs.0.{key}": "Nobody"})
    assert f"labs[0].{key}: unknown hyperscaler 'Nobody'" in message
    assert "Acme Cloud" in message and "Beta" in message


def test_owner_when_no_hyperscaler_is_listed(tmp_path):
    message = error_of(write(tmp_path, '[[labs]]\nname = "L"\nowner = "Acme"\n'))
    assert "labs[0].owner: unknown hyperscaler 'Acme' (listed: none listed)" in message


@pytest.mark.parametrize("text", ["x", "=1", "rules.switching_cost=", "", "   =  "])
def test_malformed_override(text):
    with pytest.raises(ScenarioError) as caught:
        parse_override(text)
    message = str(caught.value)
    assert "\n" not in message and "expected KEY=VALUE" in message and repr(text) in message


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("nope.x", "nope.x: unknown parameter path"),
        ("rules", "rules: unknown parameter path"),
        ("rules.switching_cost.x", "unknown parameter path"),
        ("rules.switching_costs", "rules.switching_costs: unknown parameter (allowed in rules:"),
        (
            "hyperscalers.0.cash",
            "hyperscalers.0.cash: no firm '0' in [[hyperscalers]] (listed: none)",
        ),
        ("labs.Nobody.cash", "labs.Nobody.cash: no firm 'Nobody' in [[labs]]"),
    ],
)
def test_unknown_override_path(path, expected):
    message = error_of("baseline", overrides={path: 1.0})
    assert message.startswith("--set") and expected in message


def test_unknown_firm_override_path_lists_the_firms(firms_file):
    message = error_of(firms_file, overrides={"hyperscalers.7.cash": 1.0})
    assert "no firm '7'" in message and "Acme Cloud, Beta" in message
    message = error_of(firms_file, overrides={"hyperscalers.Beta.budget": 1.0})
    assert "hyperscalers.Beta.budget: unknown parameter" in message and "capacity_gw" in message


def test_override_key_must_be_a_string():
    assert "expected a dotted string" in error_of("baseline", overrides={3: 1.0})


def test_wrong_type_override_names_the_path():
    message = error_of("baseline", overrides={"deals.tranches": "four"})
    assert message.startswith("--set: deals.tranches: expected an integer")


# ---------------------------------------------------------------------- every numeric parameter
# Cross-field rules (neoclouds <= generated providers, in-house labs <= generated labs,
# min_markup <= max_markup) would reject some in-range values, so the bases leave them room.
SECTION_BASE = load_scenario(
    "baseline",
    overrides={
        "population.hyperscalers": 100,
        "population.neoclouds": 0,
        "population.labs": 100,
        "population.in_house_labs": 0,
        "hyperscaler.max_markup": 20.0,
    },
)
FIRM_BASE = load_scenario(
    Scenario(
        market=MarketParams(ai_revenue=1e5),  # room for any listed lab revenue
        hyperscalers=(HyperscalerSpec(name="Acme"),),
        labs=(LabSpec(name="Lab A"),),
        agreements=(
            AgreementSpec(investor="Acme", lab="Lab A", amount=1e5),
        ),  # room for any upfront
    )
)
NUMERIC = [row for row in parameter_table() if row["type"] in ("int", "float")]


def target(row: dict) -> tuple[Scenario, str, str]:
    """The base scenario, the override path and the path errors name, for one schema row."""
    if "[]" in row["path"]:
        section, field = row["path"].split("[].")
        return FIRM_BASE, f"{section}.0.{field}", f"{section}[0].{field}"
    return SECTION_BASE, row["path"], row["path"]


def value_at(scenario: Scenario, path: str) -> object:
    if "[]" in path:
        section, field = path.split("[].")
        return getattr(getattr(scenario, section)[0], field)
    section, field = path.split(".")
    return getattr(getattr(scenario, section), field)


def inside(row: dict) -> st.SearchStrategy:
    if row["type"] == "int":
        return st.integers(int(row["low"]), int(row["high"]))
    return st.floats(row["low"], row["high"], allow_nan=False)


def outside(row: dict) -> st.SearchStrategy:
    if row["type"] == "int":
        return st.integers(max_value=int(row["low"]) - 1) | st.integers(
            min_value=int(row["high"]) + 1
        )
    finite = {"allow_nan": False, "allow_infinity": False}
    # The filters drop -0.0, which Hypothesis orders below 0.0 but Python does not.
    below = st.floats(max_value=row["low"], exclude_max=True, **finite).filter(
        lambda v: v < row["low"]
    )
    above = st.floats(min_value=row["high"], exclude_min=True, **finite).filter(
        lambda v: v > row["high"]
    )
    return below | above


@pytest.mark.parametrize("row", NUMERIC, ids=[row["path"] for row in NUMERIC])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_values_inside_the_range_load_and_outside_are_rejected(row, data):
    base, override_path, error_path = target(row)
    good = data.draw(inside(row), label="inside")
    scenario = load_scenario(base, overrides={override_path: good})
    assert value_at(scenario, row["path"]) == good
    assert type(value_at(scenario, row["path"])).__name__ == row["type"]

    bad = data.draw(outside(row), label="outside")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(base, overrides={override_path: bad})
    message = str(caught.value)
    assert "\n" not in message
    assert f"{error_path}: " in message and "out of range" in message
