from __future__ import annotations

import pytest

from computemarket.experiments import ExperimentError, list_experiments, load_experiment
from computemarket.experiments.spec import parse_experiment
from computemarket.simulation.scenario import list_rule_presets

SHIPPED = [
    "commitment-vs-switching",
    "deal-decomposition",
    "deal-robustness",
    "demand-shock",
    "regimes",
    "seed-deal",
    "sensitivity",
]


def test_shipped_experiments_are_listed_and_valid():
    assert list(list_experiments()) == SHIPPED
    for name in SHIPPED:
        spec = load_experiment(name)
        assert spec.name == name and spec.description
        assert spec.to_document()["description"] == spec.description


def test_regimes_cover_every_rules_preset():
    spec = load_experiment("regimes")
    (factor,) = spec.factors
    assert factor.path == "rules" and list(factor.values) == list(list_rule_presets())


def test_document_round_trip_gives_the_same_spec():
    spec = load_experiment("sensitivity")
    again = parse_experiment(spec.to_document(), name=spec.name)
    assert again == spec


def test_replace_years_and_seeds_is_validated():
    spec = load_experiment("commitment-vs-switching").replace(years=3, seeds=2)
    assert (spec.years, spec.seeds) == (3, 2)
    with pytest.raises(ExperimentError, match=r"years: 0 is out of range"):
        spec.replace(years=0)


BASE = 'description = "d"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("colour = 1\n", r"colour: unknown key \(allowed: description, scenario"),
        (
            '[factors]\n"deals.nope" = [1.0]\n',
            r"factors\.deals\.nope: unknown parameter \(allowed in deals: commitment_multiple",
        ),
        ('[factors]\n"bogus.x" = [1.0]\n', r"factors\.bogus\.x: unknown parameter path"),
        (
            '[factors]\n"deals.commitment_multiple" = [1.0, 500.0]\n',
            r"factors\.deals\.commitment_multiple\[1\]: 500\.0 is out of range \[0, 100\]",
        ),
        (
            '[factors]\n"deals.commitment_multiple" = { low = 0.0, high = 5.0 }\n',
            r"steps: a range in a grid design needs steps",
        ),
        (
            '[factors]\n"deals.commitment_multiple" = { low = 5.0, high = 1.0, steps = 3 }\n',
            r"low 5\.0 must be below high 1\.0",
        ),
        (
            '[factors]\n"rules.exclusivity" = { low = 0, high = 1 }\n',
            r"a range needs a numeric parameter",
        ),
        ('[factors]\n"rules.exclusivity" = [true, true]\n', r"duplicate value True"),
        (
            '[design]\nsampler = "lhs"\n[factors]\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
            r"design\.samples: the lhs sampler needs samples",
        ),
        (
            '[design]\nsampler = "sobol"\nsamples = 100\n[factors]\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
            r"100 is not a power of 2",
        ),
        (
            '[design]\nsampler = "magic"\n',
            r"design\.sampler: 'magic' is not one of grid, lhs, sobol, saltelli, morris",
        ),
        (
            '[design]\nsampler = "saltelli"\nsamples = 8\n[factors]\n"deals.discount" = [0.1]\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
            r"factors\.deals\.discount: the saltelli design needs ranges .*only scenario and rules may be lists",
        ),
        (
            '[design]\nsampler = "morris"\nsamples = 4\n[factors]\n"deals.tranches" = { low = 0, high = 8 }\n"rules.switching_cost" = { low = 0.0, high = 1.0 }\n',
            r"morris design's grid has 4 levels, so an integer factor needs exactly 4 integers "
            r"\(here 9, 0 to 8\): set high = 3 or design\.levels = 9",
        ),
        (
            '[overrides]\n"rules.switching_cost" = 0.2\n[factors]\n"rules.switching_cost" = [0.1]\n',
            r"overrides\.rules\.switching_cost: also a factor",
        ),
        (
            '[overrides]\n"rules.switching_cost" = 9.0\n',
            r"rules\.switching_cost: 9\.0 is out of range",
        ),
        (
            '[factors]\nrules = ["no-such-preset"]\n',
            r"design point 0 \(rules='no-such-preset'\): unknown rules preset",
        ),
        (
            '[keep]\nmetrics = ["cloud_hhi", "happiness"]\n',
            r"keep\.metrics\[1\]: unknown metric 'happiness' \(known: cloud_hhi",
        ),
        ('[keep]\nevery = "month"\n', r"keep\.every: 'month' is not one of quarter, year, final"),
        ("seeds = 0\n", r"seeds: 0 is out of range \(allowed: in \[1, 100000\]\)"),
        ("years = 2.5\n", r"years: expected an integer, got 2\.5"),
    ],
)
def test_errors_name_file_field_and_what_is_allowed(write_spec, body, message):
    from computemarket.experiments.design import build_design, validate_points

    path = write_spec(BASE + body, name="bad")
    with pytest.raises(ExperimentError, match=message) as caught:
        validate_points(build_design(load_experiment(path)))
    text = str(caught.value)
    assert str(path) in text and "\n" not in text


def test_missing_file_bad_toml_and_unknown_name(tmp_path):
    with pytest.raises(ExperimentError, match=r"nope\.toml: file not found"):
        load_experiment(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("description = \n", encoding="utf-8")
    with pytest.raises(ExperimentError, match=r"broken\.toml: TOML syntax error"):
        load_experiment(broken)
    with pytest.raises(
        ExperimentError, match=r"unknown experiment 'nope' \(shipped: commitment-vs-switching"
    ):
        load_experiment("nope")


def test_nested_factor_tables_equal_dotted_keys(write_spec):
    dotted = load_experiment(
        write_spec(BASE + '[factors]\n"deals.discount" = [0.0, 0.2]\n', name="a")
    )
    nested = load_experiment(
        write_spec(BASE + "[factors.deals]\ndiscount = [0.0, 0.2]\n", name="b")
    )
    assert dotted.factors == nested.factors
