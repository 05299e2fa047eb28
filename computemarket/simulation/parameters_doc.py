"""Render ``docs/parameters.md`` from the scenario schema, so the docs never drift from the defaults.

Run ``make docs`` (which runs ``python -m computemarket.simulation.parameters_doc > docs/parameters.md``)
after changing :mod:`computemarket.simulation.parameters`, a shipped scenario or a rules preset.
``tests/simulation/test_parameters_doc.py`` fails while the committed file is stale.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

from computemarket.simulation.parameters import FIRM_LISTS, SECTIONS, parameter_table
from computemarket.simulation.scenario import (
    DEFAULT_SCENARIO,
    RULES_PACKAGE,
    SCENARIO_PACKAGE,
    list_rule_presets,
    list_scenarios,
)

GENERATE_COMMAND = "python -m computemarket.simulation.parameters_doc > docs/parameters.md"
"""The command behind ``make docs``, quoted in the generated file."""

TABLE_HEADER = (
    "| parameter | type | default | unit | range | meaning | source |\n"
    "|---|---|---|---|---|---|---|"
)


def format_value(value: Any) -> str:
    """Write a parameter value as it would appear in a scenario file (TOML syntax).

    Args:
        value: A bool, int, float or str default, or a bound of a range.

    Returns:
        ``true``/``false`` for booleans, a quoted string for strings, the shortest exact
        representation for numbers.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def _cell(text: str) -> str:
    """Make text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _markdown(docstring: str | None) -> str:
    """First paragraph of a docstring on one line, with reST double backticks as Markdown code."""
    first = (docstring or "").strip().split("\n\n")[0]
    return " ".join(first.split()).replace("``", "`")


def _allowed(row: Mapping[str, Any]) -> str:
    """The range column: the inclusive interval for numbers, the choices for strings."""
    if row["type"] == "bool":
        return "true, false"
    if row["choices"]:
        return ", ".join(format_value(c) for c in row["choices"])
    if row["type"] == "str":
        return "any string"
    if row["low"] is None and row["high"] is None:
        return "any number"
    low = "-inf" if row["low"] is None else format_value(row["low"])
    high = "inf" if row["high"] is None else format_value(row["high"])
    return f"[{low}, {high}]"


def _flatten(data: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted paths of the values a scenario or preset file sets (its description excluded)."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "description":
            continue
        if key in FIRM_LISTS and isinstance(value, list):
            flat[key] = f"{len(value)} firms listed in [[{key}]]"
        elif isinstance(value, Mapping):
            flat.update({f"{key}.{name}": item for name, item in value.items()})
        else:
            flat[key] = value
    return flat


def _shipped_settings(package: str, name: str) -> list[str]:
    """What a shipped TOML file sets, one ``path = value`` per entry, noting schema defaults."""
    text = (resources.files(package) / f"{name}.toml").read_text(encoding="utf-8")
    defaults = {row["path"]: row["default"] for row in parameter_table()}
    settings = []
    for path, value in _flatten(tomllib.loads(text)).items():
        if path in FIRM_LISTS:
            settings.append(value)
            continue
        entry = f"`{path} = {format_value(value)}`"
        if path in defaults and type(defaults[path]) is type(value) and defaults[path] == value:
            entry += " (the default)"
        elif path in defaults:
            entry += f" (default `{format_value(defaults[path])}`)"
        settings.append(entry)
    return settings or ["nothing: every parameter takes its default"]


def _shipped_table(package: str, descriptions: Mapping[str, str], kind: str) -> list[str]:
    """A Markdown table of the shipped scenarios or presets: name, description, what it sets."""
    lines = [f"| {kind} | description | sets |", "|---|---|---|"]
    for name, description in descriptions.items():
        settings = "<br>".join(_shipped_settings(package, name))
        lines.append(f"| `{name}` | {_cell(description)} | {_cell(settings)} |")
    return lines


def _intro() -> list[str]:
    return [
        "# Parameters",
        "",
        "<!-- Generated from computemarket/simulation/parameters.py: do not edit by hand. -->",
        "",
        "This file is generated from the scenario schema (`computemarket/simulation/parameters.py`),",
        "the shipped scenarios and the rules presets. Do not edit it by hand: change the schema or the",
        f"TOML files, then run `make docs`, which runs `{GENERATE_COMMAND}`.",
        "The test suite fails while this file differs from what the command prints.",
        "",
        "## How a scenario is resolved",
        "",
        "Every parameter takes, in increasing order of precedence:",
        "",
        "1. its default in the schema (the tables below);",
        "2. the value set by the scenario, a shipped name or a path to a TOML file "
        f"(default `{DEFAULT_SCENARIO}`);",
        "3. the value set by the rules preset laid over it with `--rules PRESET` (a shipped name or a",
        "   path to a TOML file of the same shape); without `--rules` the scenario's own rules apply;",
        "4. the overrides, in the order given.",
        "",
        "Everything is validated before a run starts: an unknown key, a wrong type, a value outside its",
        "range or a non-finite number stops the run with a one-line error naming the file, the field and",
        "what is allowed.",
        "",
        "## Overrides",
        "",
        "Any parameter below can be set by its dotted path, on the command line or from Python:",
        "",
        "```sh",
        "computemarket run baseline --rules no-exclusivity --set rules.switching_cost=0.3 "
        "--set population.labs=100",
        "```",
        "",
        "```python",
        "from computemarket.simulation.runner import run",
        'run("baseline", overrides={"rules.switching_cost": 0.3, "population.labs": 100})',
        "```",
        "",
        "- `--set section.name=value` sets a parameter of a section table, e.g. `deals.discount=0.2`.",
        "- `--set hyperscalers.<name or index>.field=value` and `--set labs.<name or index>.field=value`",
        "  set a field of a firm listed in the scenario's `[[hyperscalers]]` or `[[labs]]` (by its `name`,",
        "  or by its position counted from 0), e.g. `hyperscalers.0.cash=60`. Firms that the population",
        "  adds beyond the listed ones take the section defaults (`hyperscaler.*`, `lab.*`).",
        '- The value is read as a TOML value (`true`, `false`, `3`, `0.25`, `"text"`); anything else is',
        "  taken as a string. An integer is accepted where a float is expected and a whole float (`20.0`)",
        "  where an integer is, but `2.5` is not an integer and `1` is not a boolean.",
        "",
    ]


def _shipped() -> list[str]:
    return [
        "## Shipped scenarios",
        "",
        "Run one with `computemarket run NAME`; `computemarket scenarios` lists them.",
        "",
        *_shipped_table(SCENARIO_PACKAGE, list_scenarios(), "scenario"),
        "",
        "## Rules presets",
        "",
        "A preset overlays only what it sets, on any scenario: `computemarket run baseline --rules PRESET`.",
        "",
        *_shipped_table(RULES_PACKAGE, list_rule_presets(), "preset"),
        "",
    ]


def _section_tables() -> list[str]:
    lines = ["## Parameters by section", ""]
    rows = parameter_table()
    for section, cls in {**SECTIONS, **FIRM_LISTS}.items():
        if section in FIRM_LISTS:
            heading = f"### `[[{section}]]`"
            where = (
                f"Each listed firm is one `[[{section}]]` table; override a field with "
                f"`--set {section}.<name or index>.field=value`."
            )
        else:
            heading = f"### `[{section}]`"
            where = f"Override with `--set {section}.name=value`."
        prefix = f"{section}[]." if section in FIRM_LISTS else f"{section}."
        lines += [heading, "", f"{_markdown(cls.__doc__)} {where}", "", TABLE_HEADER]
        for row in rows:
            if not row["path"].startswith(prefix):
                continue
            cells = [
                f"`{row['path']}`",
                row["type"],
                f"`{format_value(row['default'])}`",
                row["unit"],
                _allowed(row),
                row["doc"],
                row["source"] or "",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        lines.append("")
    return lines


def render_parameters_markdown() -> str:
    """Render the parameter reference, ``docs/parameters.md``.

    Returns:
        Markdown text ending with a newline: an introduction (generated file, how scenarios, presets
        and overrides combine), the shipped scenarios and rules presets with what each sets, and one
        table per schema section (parameter, type, default, unit, range, meaning, source).
    """
    n_params = sum(len(dataclasses.fields(cls)) for cls in {**SECTIONS, **FIRM_LISTS}.values())
    lines = _intro() + _shipped() + _section_tables()
    lines.append(f"_{n_params} parameters in {len(SECTIONS) + len(FIRM_LISTS)} sections._")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render_parameters_markdown(), end="")
