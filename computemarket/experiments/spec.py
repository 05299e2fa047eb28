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

from computemarket.experiments.factors import (
    CATEGORICAL_FACTORS,
    RUNNER_CONTROLLED,
    ExperimentError,
    Factor,
    check_keys,
    choice_field,
    flatten,
    integer_field,
    is_range_table,
    parameter_of,
    parse_factor,
    unique_values,
)
from computemarket.options import MAX_SEEDS
from computemarket.simulation.parameters import (
    find_parameter,
)
from computemarket.simulation.scenario import (
    DEFAULT_SCENARIO,
    ScenarioError,
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
MAX_RUNS = 1_000_000
"""Most runs in one sweep: its design table is held in memory (about 100 bytes a run and factor)."""
_KEEP_KEYS = ("metrics", "every", "dtype")


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
    check_keys(data, _TOP_KEYS, label, "")
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
    check_keys(design, _DESIGN_KEYS, label, "design.")
    sampler = choice_field(design, "sampler", label, "grid", SAMPLERS, "design.")
    samples = integer_field(design, "samples", label, None, 1, None, "design.")
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
    levels = integer_field(design, "levels", label, 4, 2, 100, "design.")
    if "levels" in design and sampler != "morris":
        raise ExperimentError(f"{label}: design.levels: only the morris sampler uses levels")

    raw_factors = flatten(data.get("factors", {}), label, "factors", lambda v: is_range_table(v))
    factors = tuple(
        parse_factor(path, value, label, sampler, levels) for path, value in raw_factors.items()
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

    raw_overrides = flatten(data.get("overrides", {}), label, "overrides", lambda v: False)
    overrides: list[tuple[str, Any]] = []
    for path, value in raw_overrides.items():
        if path in CATEGORICAL_FACTORS:
            raise ExperimentError(
                f"{label}: overrides.{path}: set the {path} at the top of the file, not in [overrides]"
            )
        parameter_of(path, "overrides", label)
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
    years = integer_field(
        data, "years", label, base.market.years, int(horizon.low), int(horizon.high)
    )
    seeds = integer_field(data, "seeds", label, 10, 1, MAX_SEEDS)
    seed = integer_field(data, "seed", label, 0, 0, None)
    common_seeds = data.get("common_seeds", True)
    if not isinstance(common_seeds, bool):
        raise ExperimentError(
            f"{label}: common_seeds: expected true or false, got {common_seeds!r}"
        )

    keep = data.get("keep", {})
    if not isinstance(keep, Mapping):
        raise ExperimentError(f"{label}: keep: expected a table ([keep]), got {keep!r}")
    check_keys(keep, _KEEP_KEYS, label, "keep.")
    metrics = keep.get("metrics", "all")
    if metrics == "all":
        kept: tuple[str, ...] | None = None
    elif isinstance(metrics, list) and metrics and all(isinstance(m, str) for m in metrics):
        kept = unique_values(tuple(metrics), label, "keep.metrics")
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
    every = choice_field(keep, "every", label, "quarter", KEEP_EVERY, "keep.")
    dtype = choice_field(keep, "dtype", label, "float64", DTYPES, "keep.")

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
