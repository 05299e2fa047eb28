"""The factors of an experiment, and the checks of an experiment file's fields.

:mod:`computemarket.experiments.spec` reads an experiment file with these: each field is checked
against the scenario schema (type, range, choices) and every error is an :class:`ExperimentError`
naming the file, the field and what is allowed, on one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from computemarket.errors import UserError
from computemarket.simulation.parameters import Parameter, ParameterError, find_parameter
from computemarket.simulation.scenario import list_rule_presets, list_scenarios

CATEGORICAL_FACTORS = ("scenario", "rules")
"""Factors that take names (rules presets, scenarios) rather than parameter values."""
RUNNER_CONTROLLED = ("market.years",)
"""Parameters the sweep runner sets for every run (the horizon is the experiment's ``years``)."""
RANGE_KEYS = ("low", "high", "steps")
"""Keys of a range table, ``{ low = ..., high = ..., steps = ... }``."""


class ExperimentError(UserError):
    """An experiment file or sweep option is invalid. The message is one line for the user."""


@dataclass(frozen=True)
class Factor:
    """One factor of an experiment: a parameter path and its values or range.

    Attributes:
        path: Dotted scenario parameter (``"deals.commitment_multiple"``), or ``"rules"`` (presets)
            or ``"scenario"`` (scenario names).
        kind: ``"float"``, ``"int"``, ``"bool"`` or ``"str"``.
        values: Explicit values, or ``None`` for a range.
        low: Lower end of a range.
        high: Upper end of a range.
        steps: Number of evenly spaced grid values of a range (grid sampler only).
        unit: The parameter's unit, from the schema.
    """

    path: str
    kind: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None
    steps: int | None = None
    unit: str = "-"

    @property
    def is_range(self) -> bool:
        """Whether the factor is a range to sample rather than a list of values."""
        return self.values is None

    def to_document(self) -> Any:
        """The factor as it would be written in a TOML file."""
        if self.values is not None:
            return list(self.values)
        table: dict[str, Any] = {"low": self.low, "high": self.high}
        if self.steps is not None:
            table["steps"] = self.steps
        return table


def parameter_of(path: str, field: str, label: str) -> Parameter:
    """Look up a dotted parameter path (``section.name`` or ``firms.<firm>.name``) in the schema."""
    try:
        return find_parameter(path)
    except ParameterError as err:
        raise ExperimentError(f"{label}: {field}.{path}: {err}") from None


def flatten(table: Any, label: str, field: str, leaf: Any) -> dict[str, Any]:
    """Flatten nested TOML tables into dotted keys; ``leaf(value)`` says where to stop descending."""
    if not isinstance(table, Mapping):
        raise ExperimentError(f"{label}: {field}: expected a table, got {table!r}")
    flat: dict[str, Any] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and not leaf(value):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        else:
            flat[prefix] = value

    walk("", table)
    return flat


def checked_value(parameter: Parameter, value: Any, label: str, where: str) -> Any:
    """A value checked against the schema (type, finiteness, range, choices) and converted."""
    try:
        return parameter.check(value)
    except ParameterError as err:
        raise ExperimentError(f"{label}: {where}: {err}") from None


def categorical_values(path: str, value: Any, label: str) -> tuple[str, ...]:
    """The names of a ``rules`` or ``scenario`` factor: a list of names, or ``"all"`` shipped."""
    shipped = list_rule_presets() if path == "rules" else list_scenarios()
    if value == "all":
        return tuple(shipped)
    if not isinstance(value, list) or not value:
        raise ExperimentError(
            f'{label}: factors.{path}: expected a non-empty list of names or "all" (shipped: {", ".join(shipped)})'
        )
    for item in value:
        if not isinstance(item, str):
            raise ExperimentError(
                f"{label}: factors.{path}: expected names (strings), got {item!r}"
            )
    return tuple(value)


def parse_factor(path: str, value: Any, label: str, sampler: str, levels: int) -> Factor:
    """One ``[factors]`` entry, checked: a list of values or a range, valid for the sampler."""
    where = f"factors.{path}"
    if path in RUNNER_CONTROLLED:
        raise ExperimentError(
            f"{label}: {where}: the horizon is the experiment's `years`, the same for every run of "
            "a sweep so that runs are compared at the same quarters; run one experiment per horizon"
        )
    if path in CATEGORICAL_FACTORS:
        values = categorical_values(path, value, label)
        return Factor(path=path, kind="str", values=unique_values(values, label, where))
    parameter = parameter_of(path, "factors", label)
    kind, unit = parameter.kind, parameter.unit
    if isinstance(value, list):
        if not value:
            raise ExperimentError(f"{label}: {where}: the list of values is empty")
        checked = tuple(
            checked_value(parameter, item, label, f"{where}[{i}]") for i, item in enumerate(value)
        )
        return Factor(path=path, kind=kind, values=unique_values(checked, label, where), unit=unit)
    if isinstance(value, Mapping):
        if kind not in ("int", "float"):
            raise ExperimentError(
                f"{label}: {where}: a range needs a numeric parameter; {path} is {kind}, give a list such as "
                f"{'[false, true]' if kind == 'bool' else '[...]'}"
            )
        unknown = [k for k in value if k not in RANGE_KEYS]
        if unknown:
            raise ExperimentError(
                f"{label}: {where}.{unknown[0]}: unknown key (allowed: {', '.join(RANGE_KEYS)})"
            )
        for key in ("low", "high"):
            if key not in value:
                raise ExperimentError(
                    f"{label}: {where}.{key}: missing (a range is {{ low = ..., high = ... }})"
                )
        low = checked_value(parameter, value["low"], label, f"{where}.low")
        high = checked_value(parameter, value["high"], label, f"{where}.high")
        if not low < high:
            raise ExperimentError(f"{label}: {where}: low {low!r} must be below high {high!r}")
        steps = value.get("steps")
        if sampler == "grid":
            if steps is None:
                raise ExperimentError(
                    f"{label}: {where}.steps: a range in a grid design needs steps (an integer >= 2), or give a list of values"
                )
            if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
                raise ExperimentError(
                    f"{label}: {where}.steps: expected an integer >= 2, got {steps!r}"
                )
        elif steps is not None:
            raise ExperimentError(
                f"{label}: {where}.steps: only a grid design uses steps; the {sampler} sampler draws the values"
            )
        if sampler == "morris" and kind == "int" and high - low + 1 != levels:
            # Morris steps along a grid of `levels` equally spaced values; an integer range is
            # such a grid, equally weighted, only when it holds exactly that many integers.
            raise ExperimentError(
                f"{label}: {where}: the morris design's grid has {levels} levels, so an integer "
                f"factor needs exactly {levels} integers (here {high - low + 1}, {low} to {high}): "
                f"set high = {low + levels - 1} or design.levels = {high - low + 1}"
            )
        return Factor(
            path=path, kind=kind, low=float(low), high=float(high), steps=steps, unit=unit
        )
    raise ExperimentError(
        f"{label}: {where}: expected a list of values or a range {{ low = ..., high = ... }}, got {value!r}"
    )


def unique_values(values: tuple[Any, ...], label: str, where: str) -> tuple[Any, ...]:
    """The values, refused if one repeats."""
    for i, item in enumerate(values):
        if values.index(item) != i:
            raise ExperimentError(f"{label}: {where}[{i}]: duplicate value {item!r}")
    return values


def integer_field(
    data: Mapping[str, Any],
    key: str,
    label: str,
    default: int | None,
    low: int,
    high: int | None,
    where: str = "",
) -> int | None:
    """An integer field, within ``[low, high]``, or its default."""
    value = data.get(key, default)
    if value is None:
        return None
    field = f"{where}{key}"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ExperimentError(f"{label}: {field}: expected an integer, got {value!r}")
    if value < low or (high is not None and value > high):
        allowed = f">= {low}" if high is None else f"in [{low}, {high}]"
        raise ExperimentError(f"{label}: {field}: {value} is out of range (allowed: {allowed})")
    return value


def choice_field(
    data: Mapping[str, Any],
    key: str,
    label: str,
    default: str,
    allowed: tuple[str, ...] | dict[str, str],
    where: str,
) -> str:
    """A field that takes one of the allowed names, or its default."""
    value = data.get(key, default)
    if not isinstance(value, str):
        # An array or a table is not hashable: say what is expected before looking it up.
        raise ExperimentError(
            f"{label}: {where}{key}: expected a string, one of {', '.join(allowed)}; got {value!r}"
        )
    if value not in allowed:
        raise ExperimentError(
            f"{label}: {where}{key}: {value!r} is not one of {', '.join(allowed)}"
        )
    return value


def check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], label: str, where: str) -> None:
    """Refuse a key that is not allowed in this table."""
    for key in data:
        if key not in allowed:
            raise ExperimentError(
                f"{label}: {where}{key}: unknown key (allowed: {', '.join(allowed)})"
            )


def is_range_table(value: Mapping[str, Any]) -> bool:
    """Whether a TOML table is a range (``low``/``high``) rather than a nested section."""
    return "low" in value or "high" in value
