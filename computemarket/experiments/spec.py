"""Experiment files: a scenario, factors to vary, seeds, horizon and what to keep, validated up front.

An experiment is a TOML file (shipped ones live in ``computemarket/experiments/specs/``)::

    description = "How the commitment multiple and the switching cost shape concentration"
    scenario = "baseline"          # shipped name or path to a scenario file
    rules = "laissez-faire"        # optional rules preset laid over the scenario
    years = 20                     # horizon; default: the scenario's market.years
    seeds = 10                     # runs per design point
    seed = 20260301                # root of every run's seed (one numpy SeedSequence)
    common_seeds = true            # replicate r uses the same seed at every point

    [overrides]                    # fixed for the whole experiment
    "market.demand_shock" = true

    [design]
    sampler = "grid"               # grid | lhs | sobol | saltelli | morris
    samples = 64                   # points (lhs, sobol), N (saltelli), trajectories (morris)

    [factors]
    "deals.commitment_multiple" = [0.0, 2.8, 6.0]          # explicit values
    "rules.switching_cost" = { low = 0.0, high = 1.0, steps = 5 }  # a range
    rules = ["laissez-faire", "no-exclusivity"]            # presets (or "all")

    [keep]
    metrics = ["cloud_hhi", "locked_share"]   # or "all"
    every = "quarter"                          # quarter | year | final

Every error is an :class:`ExperimentError` naming the file, the field and what is allowed, on one line.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from computemarket.errors import UserError
from computemarket.simulation.parameters import (
    Parameter,
    ParameterError,
    find_parameter,
)
from computemarket.simulation.scenario import (
    DEFAULT_SCENARIO,
    ScenarioError,
    list_rule_presets,
    list_scenarios,
    load_scenario,
    read_toml_source,
)

SPECS_PACKAGE = "computemarket.experiments.specs"

SAMPLERS: dict[str, str] = {
    "grid": "full factorial over value lists and ranges with `steps`",
    "lhs": "Latin hypercube over the ranges (scipy.stats.qmc), crossed with value lists",
    "sobol": "scrambled Sobol' sequence over the ranges (scipy.stats.qmc), crossed with value lists",
    "saltelli": "SALib design for Sobol' sensitivity indices: N*(D+2) points, N*(2D+2) with second order",
    "morris": "SALib Morris trajectories for elementary effects: N*(D+1) points",
}
"""Design samplers, name to one-line description."""

SALIB_SAMPLERS = ("saltelli", "morris")
KEEP_EVERY = ("quarter", "year", "final")
DTYPES = ("float32", "float64")
CATEGORICAL_FACTORS = ("scenario", "rules")
_RANGE_KEYS = ("low", "high", "steps")
_TOP_KEYS = (
    "description",
    "scenario",
    "rules",
    "years",
    "seeds",
    "seed",
    "common_seeds",
    "overrides",
    "design",
    "factors",
    "keep",
)
_DESIGN_KEYS = ("sampler", "samples", "second_order", "levels")
RUNNER_CONTROLLED = ("market.years",)
"""Parameters the sweep runner sets for every run (the horizon is the experiment's ``years``)."""
MAX_RUNS = 1_000_000
"""Most runs in one sweep: its design table is held in memory (about 100 bytes a run and factor)."""
_KEEP_KEYS = ("metrics", "every", "dtype")


class ExperimentError(UserError):
    """An experiment file or sweep option is invalid. The message is one line for the user."""


def design_size(
    sampler: str, factors: tuple[Factor, ...], samples: int | None, second_order: bool
) -> int:
    """How many points a design has, from its factors, without drawing it.

    Args:
        sampler: One of :data:`SAMPLERS`.
        factors: The factors.
        samples: The sampler's size parameter.
        second_order: Saltelli design with second-order indices.

    Returns:
        The number of points (for a grid over a range of integers, an upper bound).
    """
    listed = math.prod(len(f.values) for f in factors if f.values is not None)
    ranges = [f for f in factors if f.is_range]
    if sampler == "grid":
        return listed * math.prod(f.steps or 1 for f in ranges)
    n, d = samples or 0, len(ranges)
    if sampler == "saltelli":
        return listed * n * (2 * d + 2 if second_order else d + 2)
    if sampler == "morris":
        return listed * n * (d + 1)
    return listed * n


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


@dataclass(frozen=True)
class ExperimentSpec:
    """A validated experiment.

    Attributes:
        name: Experiment name (file stem).
        description: One line saying what the experiment asks.
        source: ``"shipped"`` or the path of the file it was read from.
        scenario: Base scenario (shipped name or path).
        rules: Rules preset laid over the scenario, or ``None``.
        overrides: Dotted-path overrides fixed for the whole experiment.
        years: Horizon of every run, in years.
        seeds: Runs (replicates) per design point.
        seed: Root entropy of the experiment's ``numpy.random.SeedSequence``.
        common_seeds: If true, replicate ``r`` has the same seed at every point (common random numbers).
        sampler: One of :data:`SAMPLERS`.
        samples: Size parameter of the sampler (unused by ``grid``).
        second_order: Saltelli design with second-order indices.
        levels: Grid levels of a Morris design.
        factors: The factors, in file order.
        metrics: Metric columns to keep, or ``None`` for all.
        every: Which quarters to keep: ``"quarter"``, ``"year"`` or ``"final"``.
        dtype: Storage type of float metrics: ``"float64"`` (default, as a run stores them) or
            ``"float32"`` (half the bytes, about 7 significant digits).
    """

    name: str
    description: str
    source: str = "shipped"
    scenario: str = DEFAULT_SCENARIO
    rules: str | None = None
    overrides: tuple[tuple[str, Any], ...] = ()
    years: int = 20
    seeds: int = 10
    seed: int = 0
    common_seeds: bool = True
    sampler: str = "grid"
    samples: int | None = None
    second_order: bool = False
    levels: int = 4
    factors: tuple[Factor, ...] = ()
    metrics: tuple[str, ...] | None = None
    every: str = "quarter"
    dtype: str = "float64"

    @property
    def factor_names(self) -> list[str]:
        """Factor paths in file order."""
        return [f.path for f in self.factors]

    @property
    def n_points(self) -> int:
        """Design points the sampler makes (an upper bound for a grid over a range of integers)."""
        return design_size(self.sampler, self.factors, self.samples, self.second_order)

    def to_document(self) -> dict[str, Any]:
        """The experiment as a TOML-shaped dict; :func:`parse_experiment` reads it back unchanged."""
        doc: dict[str, Any] = {"description": self.description}
        if "scenario" not in self.factor_names:  # a scenario factor names the scenarios itself
            doc["scenario"] = self.scenario
        doc |= {
            "years": self.years,
            "seeds": self.seeds,
            "seed": self.seed,
            "common_seeds": self.common_seeds,
        }
        if self.rules is not None:
            doc["rules"] = self.rules
        doc["overrides"] = dict(self.overrides)
        design: dict[str, Any] = {"sampler": self.sampler}
        if self.samples is not None:
            design["samples"] = self.samples
        if self.sampler == "saltelli":
            design["second_order"] = self.second_order
        if self.sampler == "morris":
            design["levels"] = self.levels
        doc["design"] = design
        doc["factors"] = {f.path: f.to_document() for f in self.factors}
        doc["keep"] = {
            "metrics": list(self.metrics) if self.metrics is not None else "all",
            "every": self.every,
            "dtype": self.dtype,
        }
        return doc

    def replace(self, **changes: Any) -> ExperimentSpec:
        """Return a copy with some settings changed (``years``, ``seeds``), validated again.

        Raises:
            ExperimentError: If a changed value is invalid.
        """
        doc = self.to_document()
        for key, value in changes.items():
            if key not in ("years", "seeds", "seed"):
                raise ExperimentError(
                    f"cannot change {key!r} of an experiment (allowed: years, seeds, seed)"
                )
            if value is not None:
                doc[key] = value
        return parse_experiment(
            doc, name=self.name, label=f"--{'/--'.join(changes)}", source=self.source
        )


# --------------------------------------------------------------------------------------- discovery
def _shipped() -> dict[str, Any]:
    return {
        p.name.removesuffix(".toml"): p
        for p in resources.files(SPECS_PACKAGE).iterdir()
        if p.name.endswith(".toml")
    }


def list_experiments() -> dict[str, str]:
    """Shipped experiments, name to one-line description, sorted by name."""
    out = {}
    for name, path in sorted(_shipped().items()):
        try:
            out[name] = str(tomllib.loads(path.read_text(encoding="utf-8")).get("description", ""))
        except tomllib.TOMLDecodeError:  # pragma: no cover - shipped files are tested
            out[name] = ""
    return out


def load_experiment(source: str | Path) -> ExperimentSpec:
    """Read and validate an experiment: a shipped name (see :func:`list_experiments`) or a TOML path.

    Raises:
        ExperimentError: On any invalid input; the message names the file, the field and what is allowed.
    """
    name, label, origin, data = read_toml_source(source, _shipped(), "experiment", ExperimentError)
    return parse_experiment(data, name=name, label=label, source=origin)


# ---------------------------------------------------------------------------------------- validating
def _parameter(path: str, field: str, label: str) -> Parameter:
    """Look up a dotted parameter path (``section.name`` or ``firms.<firm>.name``) in the schema."""
    try:
        return find_parameter(path)
    except ParameterError as err:
        raise ExperimentError(f"{label}: {field}.{path}: {err}") from None


def _flatten(table: Any, label: str, field: str, leaf: Any) -> dict[str, Any]:
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


def _checked(parameter: Parameter, value: Any, label: str, where: str) -> Any:
    """A value checked against the schema (type, finiteness, range, choices) and converted."""
    try:
        return parameter.check(value)
    except ParameterError as err:
        raise ExperimentError(f"{label}: {where}: {err}") from None


def _categorical_values(path: str, value: Any, label: str) -> tuple[str, ...]:
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


def _factor(path: str, value: Any, label: str, sampler: str, levels: int) -> Factor:
    where = f"factors.{path}"
    if path in RUNNER_CONTROLLED:
        raise ExperimentError(
            f"{label}: {where}: the horizon is the experiment's `years`, the same for every run of "
            "a sweep so that runs are compared at the same quarters; run one experiment per horizon"
        )
    if path in CATEGORICAL_FACTORS:
        values = _categorical_values(path, value, label)
        return Factor(path=path, kind="str", values=_unique(values, label, where))
    parameter = _parameter(path, "factors", label)
    kind, unit = parameter.kind, parameter.unit
    if isinstance(value, list):
        if not value:
            raise ExperimentError(f"{label}: {where}: the list of values is empty")
        checked = tuple(
            _checked(parameter, item, label, f"{where}[{i}]") for i, item in enumerate(value)
        )
        return Factor(path=path, kind=kind, values=_unique(checked, label, where), unit=unit)
    if isinstance(value, Mapping):
        if kind not in ("int", "float"):
            raise ExperimentError(
                f"{label}: {where}: a range needs a numeric parameter; {path} is {kind}, give a list such as "
                f"{'[false, true]' if kind == 'bool' else '[...]'}"
            )
        unknown = [k for k in value if k not in _RANGE_KEYS]
        if unknown:
            raise ExperimentError(
                f"{label}: {where}.{unknown[0]}: unknown key (allowed: {', '.join(_RANGE_KEYS)})"
            )
        for key in ("low", "high"):
            if key not in value:
                raise ExperimentError(
                    f"{label}: {where}.{key}: missing (a range is {{ low = ..., high = ... }})"
                )
        low = _checked(parameter, value["low"], label, f"{where}.low")
        high = _checked(parameter, value["high"], label, f"{where}.high")
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


def _unique(values: tuple[Any, ...], label: str, where: str) -> tuple[Any, ...]:
    for i, item in enumerate(values):
        if values.index(item) != i:
            raise ExperimentError(f"{label}: {where}[{i}]: duplicate value {item!r}")
    return values


def _integer(
    data: Mapping[str, Any],
    key: str,
    label: str,
    default: int | None,
    low: int,
    high: int | None,
    where: str = "",
) -> int | None:
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


def _choice(
    data: Mapping[str, Any],
    key: str,
    label: str,
    default: str,
    allowed: tuple[str, ...] | dict[str, str],
    where: str,
) -> str:
    value = data.get(key, default)
    if value not in allowed:
        raise ExperimentError(
            f"{label}: {where}{key}: {value!r} is not one of {', '.join(allowed)}"
        )
    return value


def _check_keys(data: Mapping[str, Any], allowed: tuple[str, ...], label: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise ExperimentError(
                f"{label}: {where}{key}: unknown key (allowed: {', '.join(allowed)})"
            )


def _is_range_table(value: Mapping[str, Any]) -> bool:
    return "low" in value or "high" in value


def parse_experiment(
    data: Mapping[str, Any], *, name: str, label: str | None = None, source: str = "shipped"
) -> ExperimentSpec:
    """Validate an experiment given as a TOML-shaped dict.

    Args:
        data: The parsed TOML document.
        name: The experiment's name.
        label: How errors refer to the document (file path or ``experiment 'NAME'``).
        source: ``"shipped"`` or the file path.

    Returns:
        The validated experiment.

    Raises:
        ExperimentError: On any invalid field.
    """
    label = label or f"experiment '{name}'"
    _check_keys(data, _TOP_KEYS, label, "")
    description = data.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ExperimentError(
            f"{label}: description: expected a one-line string saying what the experiment asks"
        )
    scenario = data.get("scenario", DEFAULT_SCENARIO)
    rules = data.get("rules")
    for key, value in (("scenario", scenario), ("rules", rules)):
        if value is not None and not isinstance(value, str):
            raise ExperimentError(
                f"{label}: {key}: expected a name or a path (string), got {value!r}"
            )

    design = data.get("design", {})
    if not isinstance(design, Mapping):
        raise ExperimentError(f"{label}: design: expected a table ([design]), got {design!r}")
    _check_keys(design, _DESIGN_KEYS, label, "design.")
    sampler = _choice(design, "sampler", label, "grid", SAMPLERS, "design.")
    samples = _integer(design, "samples", label, None, 1, None, "design.")
    if sampler != "grid" and samples is None:
        raise ExperimentError(
            f"{label}: design.samples: the {sampler} sampler needs samples (an integer >= 1)"
        )
    if sampler == "grid" and samples is not None:
        raise ExperimentError(
            f"{label}: design.samples: a grid design takes no samples (its size is the product of the factors)"
        )
    if sampler in ("sobol", "saltelli") and samples is not None and samples & (samples - 1):
        raise ExperimentError(
            f"{label}: design.samples: {samples} is not a power of 2 (Sobol' designs need 2^m, e.g. 32, 64, 128)"
        )
    second_order = design.get("second_order", False)
    if not isinstance(second_order, bool):
        raise ExperimentError(
            f"{label}: design.second_order: expected true or false, got {second_order!r}"
        )
    if second_order and sampler != "saltelli":
        raise ExperimentError(
            f"{label}: design.second_order: only the saltelli sampler computes second-order indices"
        )
    levels = _integer(design, "levels", label, 4, 2, 100, "design.")
    if "levels" in design and sampler != "morris":
        raise ExperimentError(f"{label}: design.levels: only the morris sampler uses levels")

    raw_factors = _flatten(data.get("factors", {}), label, "factors", lambda v: _is_range_table(v))
    factors = tuple(
        _factor(path, value, label, sampler, levels) for path, value in raw_factors.items()
    )
    ranges = [f for f in factors if f.is_range]
    if sampler != "grid" and not ranges:
        raise ExperimentError(
            f"{label}: factors: the {sampler} sampler needs at least one range {{ low, high }}"
        )
    listed_numbers = [f for f in factors if not f.is_range and f.path not in CATEGORICAL_FACTORS]
    if sampler in SALIB_SAMPLERS and listed_numbers:
        raise ExperimentError(
            f"{label}: factors.{listed_numbers[0].path}: the {sampler} design needs ranges "
            "{ low, high } for every parameter (only scenario and rules may be lists, crossed "
            "with the design; run one experiment per value, or use the lhs sampler)"
        )
    if sampler == "morris" and len(ranges) < 2:
        raise ExperimentError(f"{label}: factors: the morris design needs at least 2 factors")

    raw_overrides = _flatten(data.get("overrides", {}), label, "overrides", lambda v: False)
    overrides: list[tuple[str, Any]] = []
    for path, value in raw_overrides.items():
        if path in CATEGORICAL_FACTORS:
            raise ExperimentError(
                f"{label}: overrides.{path}: set the {path} at the top of the file, not in [overrides]"
            )
        _parameter(path, "overrides", label)
        if path in RUNNER_CONTROLLED:
            raise ExperimentError(
                f"{label}: overrides.{path}: the sweep sets the horizon of every run; write "
                "`years = N` at the top of the file instead"
            )
        if path in raw_factors:
            raise ExperimentError(f"{label}: overrides.{path}: also a factor; set it in one place")
        overrides.append((path, value))
    if "rules" in raw_factors and rules is not None:
        raise ExperimentError(f"{label}: rules: also a factor; set the rules preset in one place")
    if "scenario" in raw_factors and "scenario" in data:
        raise ExperimentError(f"{label}: scenario: also a factor; set the scenario in one place")

    # The base scenario, rules and overrides must load: the scenario loader's message says why not.
    try:
        base = load_scenario(scenario, rules=rules, overrides=overrides)
    except ScenarioError as err:
        raise ExperimentError(f"{label}: {err}") from None
    horizon = find_parameter("market.years")
    years = _integer(data, "years", label, base.market.years, int(horizon.low), int(horizon.high))
    seeds = _integer(data, "seeds", label, 10, 1, 100_000)
    seed = _integer(data, "seed", label, 0, 0, None)
    common_seeds = data.get("common_seeds", True)
    if not isinstance(common_seeds, bool):
        raise ExperimentError(
            f"{label}: common_seeds: expected true or false, got {common_seeds!r}"
        )

    keep = data.get("keep", {})
    if not isinstance(keep, Mapping):
        raise ExperimentError(f"{label}: keep: expected a table ([keep]), got {keep!r}")
    _check_keys(keep, _KEEP_KEYS, label, "keep.")
    metrics = keep.get("metrics", "all")
    if metrics == "all":
        kept: tuple[str, ...] | None = None
    elif isinstance(metrics, list) and metrics and all(isinstance(m, str) for m in metrics):
        kept = _unique(tuple(metrics), label, "keep.metrics")
        known = known_metrics()
        if known is not None:
            known = (*known, *_firm_metrics(scenario, factors, label))
        for i, metric in enumerate(kept):
            if known is not None and metric not in known:
                raise ExperimentError(
                    f"{label}: keep.metrics[{i}]: unknown metric {metric!r} (known: {', '.join(known)})"
                )
    else:
        raise ExperimentError(
            f'{label}: keep.metrics: expected "all" or a non-empty list of metric names, got {metrics!r}'
        )
    every = _choice(keep, "every", label, "quarter", KEEP_EVERY, "keep.")
    dtype = _choice(keep, "dtype", label, "float64", DTYPES, "keep.")

    runs = design_size(sampler, factors, samples, second_order) * seeds
    if runs > MAX_RUNS:
        raise ExperimentError(
            f"{label}: design: {runs:,} runs (points x seeds) is more than one sweep holds "
            f"({MAX_RUNS:,}); use fewer values, samples or seeds, or split the experiment"
        )
    return ExperimentSpec(
        name=name,
        description=description.strip(),
        source=source,
        scenario=scenario,
        rules=rules,
        overrides=tuple(overrides),
        years=years,
        seeds=seeds,
        seed=seed,
        common_seeds=common_seeds,
        sampler=sampler,
        samples=samples,
        second_order=second_order,
        levels=levels,
        factors=factors,
        metrics=kept,
        every=every,
        dtype=dtype,
    )


def _firm_metrics(scenario: str, factors: tuple[Factor, ...], label: str) -> tuple[str, ...]:
    """Per-firm metric columns that every scenario of the design records.

    E.g. ``cloud_share[AWS]``, and the derived ones such as ``exited[OpenAI]``
    (:mod:`computemarket.experiments.derived`).
    """
    from computemarket.experiments.derived import derived_columns
    from computemarket.simulation.recording import firm_metric_columns

    names = next((f.values for f in factors if f.path == "scenario" and f.values), None) or (
        scenario,
    )
    if names == ("all",):
        names = tuple(list_scenarios())
    common: list[str] | None = None
    for name in names:
        try:
            columns = firm_metric_columns(load_scenario(name))
        except ScenarioError as err:
            raise ExperimentError(f"{label}: {err}") from None
        columns = (*columns, *derived_columns(columns))
        common = list(columns) if common is None else [c for c in common if c in columns]
    return tuple(common or ())


def known_metrics() -> tuple[str, ...] | None:
    """Metric columns the model records (besides quarter and year), or ``None`` if it cannot say."""
    try:
        from computemarket.simulation.recording import METRIC_COLUMNS
    except ImportError:  # pragma: no cover - the model ships with the package
        return None
    return tuple(name for name in METRIC_COLUMNS if name not in ("quarter", "year"))
