"""The app's controls: which parameters a class can change, and how the settings build a model.

Every slider takes its range, unit and explanation from the scenario schema
(:mod:`computemarket.simulation.parameters`) and its starting value from the chosen scenario and
rules preset; nothing is copied here. The one thing the app adds is a cap (``app_max``) where the
schema allows more than a live chart can show, e.g. 100,000 labs.

:class:`Settings` is an immutable value: every change returns new settings, and
:func:`build_model` turns them into a :class:`~computemarket.simulation.model.ComputeMarket`.
Nothing here imports Solara, so the logic is tested without a browser.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from computemarket.classroom.lessons import Lesson
from computemarket.results.plots import FIRM_COLOURS
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.parameters import Parameter, find_parameter
from computemarket.simulation.scenario import DEFAULT_SEED, Scenario, load_scenario

DEFAULT_SCENARIO = "classroom"
"""The scenario the app opens with: three identical clouds and six labs, made to be watched."""


@dataclass(frozen=True)
class Control:
    """A slider for one scenario parameter.

    Attributes:
        path: Dotted path of the parameter, e.g. ``"rules.switching_cost"``.
        label: Label of the slider.
        step: Step of the slider.
        app_max: Largest value the app offers, where the schema allows more than the charts can
            show; ``None`` keeps the schema's maximum.
    """

    path: str
    label: str
    step: float
    app_max: float | None = None

    @property
    def parameter(self) -> Parameter:
        """The schema's parameter that the control sets."""
        return find_parameter(self.path)

    @property
    def is_integer(self) -> bool:
        """Whether the parameter is a whole number (an integer slider)."""
        return self.parameter.kind == "int"

    @property
    def low(self) -> float:
        """Smallest value, from the schema."""
        return self.parameter.low

    @property
    def high(self) -> float:
        """Largest value: the schema's, or the app's cap if that is lower."""
        high = self.parameter.high
        return high if self.app_max is None else min(high, self.app_max)

    @property
    def unit(self) -> str:
        """Unit, from the schema."""
        return self.parameter.unit

    @property
    def doc(self) -> str:
        """What the parameter means, from the schema."""
        return self.parameter.doc

    def clean(self, value: float) -> int | float:
        """A slider's value as the parameter's type, on the slider's grid and in range.

        Sliders return floats such as ``0.15000000000000002``; this gives ``0.15``.
        """
        value = min(max(float(value), self.low), self.high)
        if self.is_integer:
            return self.parameter.check(round(value))
        return self.parameter.check(round(round(value / self.step) * self.step, 10))

    def read(self, scenario: Scenario) -> int | float:
        """The parameter's value in a resolved scenario, brought into the slider's range."""
        value = min(max(self.parameter.read(scenario), self.low), self.high)
        return round(value) if self.is_integer else float(value)


CONTROLS: tuple[Control, ...] = (
    # The largest real deal is about 18x (Microsoft-OpenAI, see the schema's source).
    Control("deals.commitment_multiple", "Commitment multiple (x investment)", 0.1, app_max=20),
    Control("deals.exclusivity_quarters", "Exclusivity (quarters)", 1),
    Control("rules.switching_cost", "Switching cost (share of moved spend)", 0.05),
    # One colour per cloud: the palette of computemarket.results.plots.
    Control("population.hyperscalers", "Clouds", 1, app_max=len(FIRM_COLOURS)),
    # Beyond a few dozen labs the network and the bar chart are unreadable.
    Control("population.labs", "Labs", 1, app_max=40),
)
"""The sliders of the app, in the order shown."""

CONTROL_PATHS = tuple(control.path for control in CONTROLS)


def find_control(path: str) -> Control:
    """The control of a dotted parameter path.

    Raises:
        KeyError: If no control sets that parameter.
    """
    for control in CONTROLS:
        if control.path == path:
            return control
    raise KeyError(f"no control for {path!r} (controls: {', '.join(CONTROL_PATHS)})")


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Settings:
    """Everything the app's controls hold; enough to build the model again.

    Attributes:
        scenario: Shipped scenario name.
        rules: Rules preset laid over it, or ``None`` for the scenario's own rules.
        values: Value of each control, by dotted path (every path of :data:`CONTROLS`).
        extra: Overrides set by a lesson that no control shows.
        seed: Seed of the model's random numbers.
        lesson: Slug of the lesson whose preset these settings started from, or ``None``.
    """

    scenario: str = DEFAULT_SCENARIO
    rules: str | None = None
    values: Mapping[str, int | float] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)
    seed: int = DEFAULT_SEED
    lesson: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))
        object.__setattr__(self, "extra", _frozen(self.extra))


def _read_controls(
    scenario: str, rules: str | None, extra: Mapping[str, Any]
) -> dict[str, int | float]:
    resolved = load_scenario(scenario, rules=rules, overrides=extra)
    return {control.path: control.read(resolved) for control in CONTROLS}


def initial_settings(
    scenario: str = DEFAULT_SCENARIO, rules: str | None = None, seed: int = DEFAULT_SEED
) -> Settings:
    """Settings with every control at the scenario's (and rules preset's) value.

    Raises:
        ScenarioError: If the scenario or rules preset is unknown.
    """
    return Settings(scenario, rules, _read_controls(scenario, rules, {}), {}, seed)


def lesson_settings(lesson: Lesson) -> Settings:
    """The settings of a lesson's preset: its scenario, rules, overrides and seed."""
    shown = {k: v for k, v in lesson.overrides.items() if k in CONTROL_PATHS}
    extra = {k: v for k, v in lesson.overrides.items() if k not in CONTROL_PATHS}
    values = _read_controls(lesson.scenario, lesson.rules, lesson.overrides)
    values.update({path: find_control(path).clean(value) for path, value in shown.items()})
    return Settings(lesson.scenario, lesson.rules, values, extra, lesson.seed, lesson.slug)


def with_scenario(settings: Settings, scenario: str) -> Settings:
    """Another scenario: every control moves to that scenario's value.

    Raises:
        ScenarioError: If the scenario is unknown.
    """
    values = _read_controls(scenario, settings.rules, settings.extra)
    return dataclasses.replace(settings, scenario=scenario, values=values)


def with_rules(settings: Settings, rules: str | None) -> Settings:
    """Another rules preset: controls of parameters that the preset changes take its values.

    The other controls keep what the class set, so that a comparison of presets changes only the
    rules.

    Raises:
        ScenarioError: If the preset is unknown.
    """
    before = _read_controls(settings.scenario, settings.rules, settings.extra)
    after = _read_controls(settings.scenario, rules, settings.extra)
    values = {
        path: after[path] if after[path] != before[path] else value
        for path, value in settings.values.items()
    }
    return dataclasses.replace(settings, rules=rules, values=values)


def with_value(settings: Settings, path: str, value: float) -> Settings:
    """One control moved (the value is cleaned to the control's type and range)."""
    values = {**settings.values, path: find_control(path).clean(value)}
    return dataclasses.replace(settings, values=values)


def with_seed(settings: Settings, seed: int) -> Settings:
    """Another seed.

    Raises:
        ValueError: If the seed is not a non-negative integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: expected a non-negative integer, got {seed!r}")
    return dataclasses.replace(settings, seed=seed)


def free_play(settings: Settings) -> Settings:
    """Leave the lesson: its hidden overrides are dropped, the controls keep their values."""
    return dataclasses.replace(settings, extra={}, lesson=None)


def model_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments of :class:`ComputeMarket` for these settings.

    Control values are applied as overrides after the rules preset, and after the lesson's hidden
    overrides.
    """
    return {
        "market_scenario": settings.scenario,
        "rules": settings.rules,
        "overrides": {**settings.extra, **settings.values},
        "rng": settings.seed,
    }


def build_model(settings: Settings) -> ComputeMarket:
    """A new model at quarter 0 with these settings.

    Raises:
        ScenarioError: If the settings make an invalid scenario, e.g. more in-house labs than labs.
    """
    return ComputeMarket(**model_kwargs(settings))


def describe(settings: Settings) -> str:
    """A short label of the settings, e.g. ``"classroom, laissez-faire, switching cost 0.5, seed 1"``.

    Only the controls that differ from the scenario and rules preset are named.
    """
    defaults = _read_controls(settings.scenario, settings.rules, settings.extra)
    changed = [
        f"{find_control(path).label.split(' (')[0].lower()} {value:g}"
        for path, value in settings.values.items()
        if value != defaults.get(path)
    ]
    parts = [settings.scenario, settings.rules or "own rules", *changed, f"seed {settings.seed}"]
    return ", ".join(parts)
