"""docs/parameters.md is generated from the schema and documents every parameter."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from computemarket.simulation.parameters import FIRM_LISTS, SECTIONS, parameter_table
from computemarket.simulation.parameters_doc import format_value, render_parameters_markdown
from computemarket.simulation.scenario import list_rule_presets, list_scenarios

DOCS = Path(__file__).resolve().parents[2] / "docs" / "parameters.md"
ROWS = parameter_table()


@pytest.fixture(scope="module")
def rendered() -> str:
    return render_parameters_markdown()


def test_committed_docs_match_the_schema(rendered):
    # A schema change without `make docs` fails here.
    assert DOCS.read_text(encoding="utf-8") == rendered, (
        "docs/parameters.md is stale: run `make docs`"
    )


def test_module_prints_the_same_text_to_stdout(rendered):
    out = subprocess.run(
        [sys.executable, "-m", "computemarket.simulation.parameters_doc"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=True,
    ).stdout
    assert out == rendered


def test_intro_names_the_command_and_the_override_syntax(rendered):
    assert "make docs" in rendered
    assert "python -m computemarket.simulation.parameters_doc > docs/parameters.md" in rendered
    assert "--set section.name=value" in rendered
    assert "hyperscalers.<name or index>.field" in rendered


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_every_parameter_has_a_row_with_its_default_unit_and_range(rendered, row):
    lines = [line for line in rendered.splitlines() if line.startswith(f"| `{row['path']}` |")]
    assert len(lines) == 1
    cells = [cell.strip() for cell in lines[0].strip("|").split(" | ")]
    assert cells[1] == row["type"]
    assert cells[2] == f"`{format_value(row['default'])}`"
    assert cells[3] == row["unit"]
    if row["type"] in ("int", "float"):
        assert cells[4] == f"[{format_value(row['low'])}, {format_value(row['high'])}]"
    assert cells[5] == row["doc"]
    assert cells[6] == (row["source"] or "")


@pytest.mark.parametrize("row", ROWS, ids=[row["path"] for row in ROWS])
def test_every_field_has_a_doc_and_a_unit(row):
    assert row["doc"].strip(), f"{row['path']}: empty doc"
    assert row["unit"].strip(), f"{row['path']}: empty unit"
    if row["type"] in ("int", "float"):
        assert row["low"] is not None and row["high"] is not None, f"{row['path']}: no range"
        assert row["low"] <= row["default"] <= row["high"], f"{row['path']}: default out of range"


# Numbers that need neither a source nor an ASSUMPTION: the calendar and horizon, and the population
# counts (how many firms a scenario has). Switches (bool) and strings (names, choices) need neither.
CALENDAR = {"market.start_year", "market.start_quarter", "market.years"}
COUNTS = "population."
ASSUMPTION = re.compile(r"\bASSUMPTION: *\S")


def needs_source(row) -> bool:
    """Whether a parameter of the table must carry a source or an ASSUMPTION with its reason."""
    numeric = row["type"] in ("int", "float")
    return numeric and row["path"] not in CALENDAR and not row["path"].startswith(COUNTS)


def is_sourced(row) -> bool:
    """A non-empty source, or an 'ASSUMPTION: <reason>' in the doc."""
    return bool((row["source"] or "").strip()) or bool(ASSUMPTION.search(row["doc"]))


def test_every_number_has_a_source_or_an_assumption():
    # The project standard: every parameter with unit, range and source, or marked as an
    # assumption with the reason. A new numeric parameter without either fails here.
    missing = [row["path"] for row in ROWS if needs_source(row) and not is_sourced(row)]
    assert not missing, (
        "numeric parameters with neither a source= nor an 'ASSUMPTION: <reason>' in their doc: "
        + ", ".join(missing)
    )


def test_the_exempt_numbers_are_the_calendar_and_the_population_counts():
    numeric = {row["path"] for row in ROWS if row["type"] in ("int", "float")}
    assert numeric >= CALENDAR, "an exempt calendar parameter no longer exists"
    counts = {row["path"]: row["unit"] for row in ROWS if row["path"].startswith(COUNTS)}
    assert counts and set(counts.values()) == {"firms"}, "population.* must hold only firm counts"


@pytest.mark.parametrize(
    ("source", "doc", "sourced"),
    [
        (None, "Share of debt repaid each quarter.", False),
        ("", "Share of debt repaid each quarter.", False),
        ("   ", "Share of debt repaid each quarter.", False),
        (None, "Share of debt repaid. ASSUMPTION:", False),
        ("CoreWeave 8-K [csv: gpu_backed_loan_margin]", "Share of debt repaid.", True),
        (None, "Share of debt repaid. ASSUMPTION: no data on voluntary repayment.", True),
    ],
)
def test_a_parameter_without_source_or_reason_is_caught(source, doc, sourced):
    row = {"path": "hyperscaler.new_knob", "type": "float", "source": source, "doc": doc}
    assert needs_source(row)
    assert is_sourced(row) is sourced


def test_parameter_table_covers_every_field_once():
    classes = {**SECTIONS, **FIRM_LISTS}.values()
    n_fields = sum(len(dataclasses.fields(cls)) for cls in classes)
    paths = [row["path"] for row in ROWS]
    assert len(paths) == n_fields == len(set(paths))


def test_every_section_has_a_docstring_and_a_table(rendered):
    for section, cls in {**SECTIONS, **FIRM_LISTS}.items():
        assert (cls.__doc__ or "").strip(), f"{cls.__name__}: no docstring"
        assert f"### `[{section}]`" in rendered or f"### `[[{section}]]`" in rendered


def test_shipped_scenarios_and_presets_are_listed_with_what_they_set(rendered):
    for name, description in {**list_scenarios(), **list_rule_presets()}.items():
        assert description
        assert f"| `{name}` | {description} |" in rendered
    no_exclusivity = next(
        line for line in rendered.splitlines() if line.startswith("| `no-exclusivity`")
    )
    assert "`rules.exclusivity = false` (default `true`)" in no_exclusivity
    classroom = next(line for line in rendered.splitlines() if line.startswith("| `classroom`"))
    assert "`population.labs = 6` (default `20`)" in classroom


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "true"), (False, "false"), ("", '""'), (3, "3"), (0.25, "0.25"), (1e5, "100000.0")],
)
def test_values_are_written_in_toml_syntax(value, text):
    assert format_value(value) == text
