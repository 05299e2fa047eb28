"""Scenario files: load TOML, overlay a rules preset and overrides, validate into a typed object.

A scenario is a TOML file with a ``description`` and the sections of
:mod:`computemarket.simulation.parameters`. A rules preset is a TOML file of the same shape (usually
only a ``[rules]`` table) laid over any scenario. Every error is a :class:`ScenarioError` whose
message names the file, the field and what is allowed, on one line.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from computemarket.errors import UserError
from computemarket.simulation.parameters import (
    FIRM_LISTS,
    INDEPENDENT_INVESTOR,
    SECTIONS,
    AgreementSpec,
    CapitalParams,
    ContractTerms,
    CreditParams,
    DealTerms,
    DemandParams,
    EntryParams,
    HyperscalerParams,
    HyperscalerSpec,
    LabParams,
    LabSpec,
    MarketParams,
    OfferParams,
    ParameterError,
    PopulationParams,
    RulesParams,
    SupplyParams,
    ValuationParams,
    check_value,
    find_parameter,
    firm_index,
)

SCENARIO_PACKAGE = "computemarket.simulation.scenarios"
RULES_PACKAGE = "computemarket.simulation.rules"
DEFAULT_SCENARIO = "baseline"
DEFAULT_RULES = "laissez-faire"
DEFAULT_SEED = 1
"""Seed of a run when none is given (command line, app), so that a bare run is reproducible."""


class ScenarioError(UserError):
    """A scenario, rules preset or override is invalid. The message is one line for the user."""


@dataclass(frozen=True)
class Scenario:
    """A fully resolved, validated scenario: everything a model needs to start.

    Attributes:
        name: Scenario name (file stem).
        description: One-line description.
        rules_preset: Name of the rules preset laid over it, or ``""``.
        overrides: The dotted-path overrides applied last, as given.
    """

    name: str = DEFAULT_SCENARIO
    description: str = ""
    rules_preset: str = ""
    market: MarketParams = field(default_factory=MarketParams)
    hyperscaler: HyperscalerParams = field(default_factory=HyperscalerParams)
    lab: LabParams = field(default_factory=LabParams)
    deals: DealTerms = field(default_factory=DealTerms)
    offers: OfferParams = field(default_factory=OfferParams)
    contracts: ContractTerms = field(default_factory=ContractTerms)
    rules: RulesParams = field(default_factory=RulesParams)
    capital: CapitalParams = field(default_factory=CapitalParams)
    entry: EntryParams = field(default_factory=EntryParams)
    population: PopulationParams = field(default_factory=PopulationParams)
    supply: SupplyParams = field(default_factory=SupplyParams)
    demand: DemandParams = field(default_factory=DemandParams)
    credit: CreditParams = field(default_factory=CreditParams)
    valuation: ValuationParams = field(default_factory=ValuationParams)
    hyperscalers: tuple[HyperscalerSpec, ...] = ()
    labs: tuple[LabSpec, ...] = ()
    agreements: tuple[AgreementSpec, ...] = ()
    overrides: tuple[tuple[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain data (JSON- and TOML-friendly)."""
        data = dataclasses.asdict(self)
        data["overrides"] = dict(self.overrides)
        return data


# --------------------------------------------------------------------------------------- discovery
def _package_files(package: str) -> dict[str, Any]:
    files = (p for p in resources.files(package).iterdir() if p.name.endswith(".toml"))
    return {p.name.removesuffix(".toml"): p for p in sorted(files, key=lambda p: p.name)}


def _description(path: Any) -> str:
    try:
        return str(tomllib.loads(path.read_text(encoding="utf-8")).get("description", ""))
    except (OSError, tomllib.TOMLDecodeError):  # pragma: no cover - shipped files are tested
        return ""


def list_scenarios() -> dict[str, str]:
    """Shipped scenarios, name to one-line description, sorted by name."""
    return {name: _description(p) for name, p in sorted(_package_files(SCENARIO_PACKAGE).items())}


def list_rule_presets() -> dict[str, str]:
    """Shipped rules presets, name to one-line description, sorted by name."""
    return {name: _description(p) for name, p in sorted(_package_files(RULES_PACKAGE).items())}


# ------------------------------------------------------------------------------------------ reading
def read_toml_source(
    source: str | Path,
    shipped: Mapping[str, Any],
    kind: str,
    error: type[ValueError] = ScenarioError,
) -> tuple[str, str, str, dict[str, Any]]:
    """Find and parse a shipped file by name, or a TOML file by path.

    Shared by scenarios, rules presets and experiments, so that every file gets the same errors.

    Args:
        source: A shipped name or a path.
        shipped: Shipped files by name (``importlib.resources`` traversables).
        kind: What the file is, for messages ("scenario", "rules preset", "experiment").
        error: The exception type to raise.

    Returns:
        ``(name, label for errors, origin, data)``; origin is ``"shipped"`` or the path.

    Raises:
        ValueError: Of type ``error``, one line naming the file and what is wrong.
    """
    text_source = str(source)
    if text_source in shipped:
        label, name, origin = f"{kind} '{text_source}'", text_source, "shipped"
        text = shipped[text_source].read_text(encoding="utf-8")
    else:
        path = Path(text_source)
        looks_like_file = path.suffix == ".toml" or path.parent != Path(".") or path.exists()
        if not looks_like_file or not text_source.strip():
            allowed = ", ".join(sorted(shipped))
            raise error(
                f"unknown {kind} '{text_source}' (shipped: {allowed}; or give a path to a .toml file)"
            )
        label, name, origin = str(path), path.stem, str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise error(f"{path}: file not found") from None
        except IsADirectoryError:
            raise error(f"{path}: is a directory, not a .toml file") from None
        except (OSError, UnicodeDecodeError) as err:
            raise error(f"{path}: cannot read file ({err.__class__.__name__}: {err})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise error(f"{label}: TOML syntax error: {err}") from None
    return name, label, origin, data


def _read_toml(source: str | Path, package: str, kind: str) -> tuple[str, str, dict[str, Any]]:
    """A shipped scenario or preset by name, or a file: (name, label for errors, data)."""
    name, label, _, data = read_toml_source(source, _package_files(package), kind)
    return name, label, data


# ---------------------------------------------------------------------------------------- validating
def _check_value(label: str, path: str, f: dataclasses.Field, value: Any) -> Any:
    """Validate one value against its field; return it converted to the field's type."""
    try:
        return check_value(f, value)
    except ParameterError as err:
        raise ScenarioError(f"{label}: {path}: {err}") from None


def _build(cls: type, table: Any, label: str, prefix: str) -> Any:
    if not isinstance(table, Mapping):
        raise ScenarioError(f"{label}: {prefix}: expected a table of parameters, got {table!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in fields:
            raise ScenarioError(
                f"{label}: {prefix}.{key}: unknown parameter (allowed: {', '.join(fields)})"
            )
        values[key] = _check_value(label, f"{prefix}.{key}", fields[key], value)
    return cls(**values)


def _build_firms(cls: type, items: Any, label: str, section: str) -> tuple[Any, ...]:
    if not isinstance(items, list | tuple):
        raise ScenarioError(
            f"{label}: {section}: expected an array of tables ([[{section}]]), got {items!r}"
        )
    firms = tuple(_build(cls, item, label, f"{section}[{i}]") for i, item in enumerate(items))
    if not any(f.name == "name" for f in dataclasses.fields(cls)):
        return firms
    names = [firm.name for firm in firms]
    for i, name in enumerate(names):
        if not name:
            raise ScenarioError(
                f"{label}: {section}[{i}].name: every listed firm needs a non-empty name"
            )
        if names.index(name) != i:
            raise ScenarioError(f"{label}: {section}[{i}].name: duplicate name {name!r}")
    return firms


def _merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """Overlay tables key by key; firm lists and plain values are replaced whole."""
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


MAX_BASE_DEPTH = 5
"""How many ``base`` scenarios may stand on each other."""


def _resolve_base(
    data: dict[str, Any], label: str, source: str | Path, depth: int
) -> dict[str, Any]:
    """Lay a scenario over its ``base``: tables merge key by key, arrays of tables are appended.

    ``base`` names a shipped scenario or a TOML file (a relative path is read from the folder of
    the file that names it).
    """
    if "base" not in data:
        return data
    base = data["base"]
    if not isinstance(base, str) or not base:
        raise ScenarioError(f"{label}: base: expected the name or path of a scenario, got {base!r}")
    if depth >= MAX_BASE_DEPTH:
        raise ScenarioError(
            f"{label}: base: more than {MAX_BASE_DEPTH} scenarios stacked (a cycle?)"
        )
    folder = Path(str(source)).parent
    relative = folder / base
    target = base if base in _package_files(SCENARIO_PACKAGE) or not relative.exists() else relative
    _, base_label, base_data = _read_toml(target, SCENARIO_PACKAGE, "scenario")
    base_data = _resolve_base(base_data, base_label, target, depth + 1)
    merged = dict(base_data)
    for key, value in data.items():
        if key == "base":
            continue
        if key in FIRM_LISTS and isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *value]
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged


def _validate(data: Mapping[str, Any], label: str) -> dict[str, Any]:
    """Check top-level keys and build every section. Returns constructor kwargs for Scenario."""
    allowed = ["description", "base", *SECTIONS, *FIRM_LISTS]
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        if key == "description":
            if not isinstance(value, str):
                raise ScenarioError(f"{label}: description: expected a string, got {value!r}")
            kwargs["description"] = value
        elif key in SECTIONS:
            kwargs[key] = _build(SECTIONS[key], value, label, key)
        elif key in FIRM_LISTS:
            kwargs[key] = _build_firms(FIRM_LISTS[key], value, label, key)
        else:
            raise ScenarioError(f"{label}: {key}: unknown section (allowed: {', '.join(allowed)})")
    return kwargs


def _check_consistency(s: Scenario, label: str) -> None:
    """Cross-field rules that no single field can check."""
    pop = s.population
    if len(s.hyperscalers) > pop.hyperscalers:
        raise ScenarioError(
            f"{label}: population.hyperscalers: {pop.hyperscalers} is fewer than the "
            f"{len(s.hyperscalers)} listed in [[hyperscalers]]"
        )
    if len(s.labs) > pop.labs:
        raise ScenarioError(
            f"{label}: population.labs: {pop.labs} is fewer than the {len(s.labs)} listed in [[labs]]"
        )
    generated = pop.hyperscalers - len(s.hyperscalers)
    if pop.neoclouds > generated:
        raise ScenarioError(
            f"{label}: population.neoclouds: {pop.neoclouds} exceeds the {generated} generated hyperscalers"
        )
    if pop.in_house_labs > pop.labs - len(s.labs):
        raise ScenarioError(
            f"{label}: population.in_house_labs: {pop.in_house_labs} exceeds the "
            f"{pop.labs - len(s.labs)} generated labs"
        )
    if s.hyperscaler.min_markup > s.hyperscaler.max_markup:
        raise ScenarioError(
            f"{label}: hyperscaler.min_markup: {s.hyperscaler.min_markup} exceeds max_markup {s.hyperscaler.max_markup}"
        )
    names = {h.name for h in s.hyperscalers}
    for i, lab in enumerate(s.labs):
        for key in ("owner", "provider"):
            ref = getattr(lab, key)
            if ref and ref not in names:
                allowed = ", ".join(sorted(names)) or "none listed"
                raise ScenarioError(
                    f"{label}: labs[{i}].{key}: unknown hyperscaler {ref!r} (listed: {allowed})"
                )
    listed_revenue = sum(lab.revenue for lab in s.labs)
    if listed_revenue >= s.market.ai_revenue:
        raise ScenarioError(
            f"{label}: labs[].revenue: listed labs' revenue {listed_revenue:g} must be below "
            f"market.ai_revenue {s.market.ai_revenue:g} ($B per quarter)"
        )
    if INDEPENDENT_INVESTOR in names:
        raise ScenarioError(
            f"{label}: hyperscalers[].name: {INDEPENDENT_INVESTOR!r} is reserved for independent "
            "capital in [[agreements]]; choose another name"
        )
    lab_names = {lab.name for lab in s.labs}
    for i, deal in enumerate(s.agreements):
        if deal.investor == INDEPENDENT_INVESTOR:
            _check_independent(deal, f"{label}: agreements[{i}]")
        elif deal.investor not in names:
            allowed = ", ".join([*sorted(names), INDEPENDENT_INVESTOR])
            raise ScenarioError(
                f"{label}: agreements[{i}].investor: unknown hyperscaler {deal.investor!r} (listed: {allowed})"
            )
        if deal.lab not in lab_names:
            allowed = ", ".join(sorted(lab_names)) or "none listed"
            raise ScenarioError(
                f"{label}: agreements[{i}].lab: unknown lab {deal.lab!r} (listed: {allowed})"
            )
        if deal.upfront > deal.amount:
            raise ScenarioError(
                f"{label}: agreements[{i}].upfront: {deal.upfront:g} exceeds the amount {deal.amount:g}"
            )


PRESET_SECTIONS = ("description", "rules")
"""What a rules preset may hold: the rules, not the market (that is the scenario's)."""


def _check_preset_sections(data: Mapping[str, Any], label: str) -> None:
    for key in data:
        if key not in PRESET_SECTIONS:
            where = f"[[{key}]]" if key in FIRM_LISTS else f"[{key}]"
            raise ScenarioError(
                f"{label}: {key}: a rules preset holds only [rules] (and a description); put {where} "
                "in a scenario file or set it with --set"
            )


STRINGS = ("commitment", "exclusivity_quarters", "discount", "revenue_share")
"""Terms of an agreement that tie the lab to its investor (independent capital carries none)."""


def _check_independent(deal: AgreementSpec, where: str) -> None:
    """Independent capital brings money and takes a stake; it attaches no strings."""
    for term in STRINGS:
        if getattr(deal, term):
            raise ScenarioError(
                f"{where}.{term}: investor {INDEPENDENT_INVESTOR!r} carries no strings: "
                f"{term} must be 0, got {getattr(deal, term)!r}"
            )
    if deal.exclusivity_barred:
        raise ScenarioError(
            f"{where}.exclusivity_barred: investor {INDEPENDENT_INVESTOR!r} sells no compute: "
            "it must be false"
        )


# ----------------------------------------------------------------------------------------- overrides
def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``KEY=VALUE`` from the command line; VALUE is read as a TOML value, else as a string.

    Raises:
        ScenarioError: If there is no ``=`` or no key.
    """
    key, sep, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not sep or not key or not raw:
        raise ScenarioError(f"--set {text!r}: expected KEY=VALUE, e.g. rules.switching_cost=0.3")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value


def _apply_override(data: dict[str, Any], path: str, value: Any, label: str) -> dict[str, Any]:
    try:
        parameter = find_parameter(path)
        if parameter.firm is None:
            return _merge(data, {parameter.section: {parameter.name: value}})
        firms = [dict(item) for item in data.get(parameter.section, [])]
        firms[firm_index(firms, parameter.section, parameter.firm)][parameter.name] = value
    except ParameterError as err:
        raise ScenarioError(f"{label}: {path}: {err}") from None
    return {**data, parameter.section: firms}


def _override_key(data: Mapping[str, Any], path: str) -> str:
    """The parameter an override sets, whatever it calls the firm.

    ``labs.OpenAI.revenue`` and ``labs.0.revenue`` are one parameter when OpenAI is the first lab.
    """
    parts = path.split(".")
    firms = data.get(parts[0]) if len(parts) == 3 and parts[0] in FIRM_LISTS else None
    if not isinstance(firms, list):
        return path
    try:
        index = firm_index(firms, parts[0], parts[1])
    except ParameterError:
        return path  # applying it will say what is wrong
    return f"{parts[0]}.{index}.{parts[2]}"


# -------------------------------------------------------------------------------------------- public
def load_scenario(
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
    *,
    rules: str | Path | None = None,
    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
) -> Scenario:
    """Load and validate a scenario, then lay a rules preset and overrides over it.

    Args:
        scenario: A shipped scenario name (see :func:`list_scenarios`), a path to a TOML file, or an
            already built :class:`Scenario` (then only ``rules`` and ``overrides`` are applied).
        rules: A shipped rules preset name (see :func:`list_rule_presets`) or a path to a TOML file.
        overrides: Dotted paths to values, e.g. ``{"rules.switching_cost": 0.3}``; applied last.

    Returns:
        The validated scenario.

    Raises:
        ScenarioError: On any invalid input; the message names the file, the field and what is allowed.
    """
    if isinstance(scenario, Scenario):
        name, label = scenario.name, f"scenario '{scenario.name}'"
        data = {
            k: v
            for k, v in scenario.to_dict().items()
            if k in ("description", *SECTIONS, *FIRM_LISTS)
        }
        preset = scenario.rules_preset
        previous = scenario.overrides
    else:
        name, label, data = _read_toml(scenario, SCENARIO_PACKAGE, "scenario")
        data = _resolve_base(data, label, scenario, depth=0)
        _validate(data, label)
        preset, previous = "", ()
    if rules is not None:
        preset_name, preset_label, preset_data = _read_toml(rules, RULES_PACKAGE, "rules preset")
        _check_preset_sections(preset_data, preset_label)
        _validate(preset_data, preset_label)
        data = _merge(data, {k: v for k, v in preset_data.items() if k != "description"})
        preset, label = preset_name, f"{label} with rules '{preset_name}'"
    items = list(overrides.items() if isinstance(overrides, Mapping) else overrides or [])
    seen: dict[str, tuple[str, Any]] = {}
    for path, value in items:
        if not isinstance(path, str):
            raise ScenarioError(
                f"override key {path!r}: expected a dotted string such as rules.switching_cost"
            )
        key = _override_key(data, path)
        if key in seen:
            first, earlier = seen[key]
            also = "" if first == path else f" (as {first})"
            raise ScenarioError(
                f"--set {path}: given twice{also} ({earlier!r} and {value!r}); give each parameter "
                "once"
            )
        seen[key] = (path, value)
        data = _apply_override(data, path, value, "--set")
        _validate(data, "--set")
    kwargs = _validate(data, label)
    result = Scenario(
        name=name, rules_preset=preset, overrides=tuple(previous) + tuple(items), **kwargs
    )
    _check_consistency(result, label)
    return result


def merge_overrides(
    overrides: Mapping[str, Any] | Iterable[tuple[str, Any]] | None, parameters: Mapping[str, Any]
) -> list[tuple[str, Any]]:
    """Dotted-path overrides from ``overrides`` and from keyword parameters, in that order.

    Raises:
        ScenarioError: If a parameter is given both ways.
    """
    items = list(overrides.items() if isinstance(overrides, Mapping) else overrides or [])
    given = {key for key, _ in items}
    twice = sorted(given & set(parameters))
    if twice:
        raise ScenarioError(f"{twice[0]}: given both as a keyword and in overrides (give it once)")
    return items + list(parameters.items())
