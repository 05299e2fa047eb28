"""The schema of the store's Parquet files: one type per column, strings as categories, units.

Every table the store writes (a run's metrics, agents, ledger and deals; a sweep's task files and
design) goes through :func:`to_arrow`, so that a column has the same type in every file and
carries its unit:

- floats are float64 (a sweep may ask for float32 with ``keep.dtype``); ``quarter`` is int32,
  as are the integer metrics; other integers (ids, seeds, counts) are int64;
- text is categorical: an Arrow dictionary of strings with int32 indices (pandas reads it as
  ``category``, polars as ``Categorical``, DuckDB as ``VARCHAR``);
- each column's unit is in its field metadata (``unit``), and all of them in the file's key-value
  metadata as JSON (``computemarket.units``), which DuckDB (``parquet_kv_metadata``) and polars
  (``read_parquet_metadata``) read.

A metric's unit comes from :data:`computemarket.simulation.recording.METRIC_UNITS`, a parameter's
from the scenario schema; the units of the other columns of a run are defined here.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from computemarket.simulation.parameters import ParameterError, find_parameter
from computemarket.simulation.recording import (
    FIRM_METRIC_UNITS,
    INTEGER_METRICS,
    METRIC_UNITS,
)

if TYPE_CHECKING:
    from computemarket.simulation.scenario import Scenario

UNIT_KEY = b"unit"
"""Field metadata key of a column's unit."""
UNITS_KEY = b"computemarket.units"
"""File metadata key of every column's unit, as a JSON object."""

TEXT = pa.dictionary(pa.int32(), pa.string())
"""The type of every text column: categorical, with indices wide enough for any file."""
INTEGER_TYPES: dict[str, pa.DataType] = dict.fromkeys(INTEGER_METRICS, pa.int32())
"""Integer columns that are not int64: ``quarter`` and the counts among the metrics."""

NO_UNIT = "-"
"""The unit of an identifier, a name, a flag or a pure number."""

RUN_KEY_UNITS = {
    "run_id": NO_UNIT,
    "row": NO_UNIT,
    "point": NO_UNIT,
    "replicate": NO_UNIT,
    "seed": NO_UNIT,
}
"""Columns that say which run a row belongs to (``row``, ``point``, ``replicate``: sweeps only)."""

RUN_TABLE_UNITS: dict[str, dict[str, str]] = {
    "agents": {
        "agent_id": NO_UNIT,
        "name": NO_UNIT,
        "kind": NO_UNIT,
        "cash": "$B",
        "debt": "$B",
        "interest_rate": "per year",
        "capacity_gw": "GW",
        "non_ai_revenue": "$B per quarter",
        "cloud_market_share": "fraction",
        "price": "$B per eGW-quarter",
        "utilization": "fraction",
        "quality": "log of training-compute stock",
        "revenue": "$B per quarter",
        "share": "fraction",
        "compute_spend": "$B per quarter",
        "locked_share": "fraction",
        "valuation": "$B",
        "stake_value": "$B",
        "invested": "$B, cumulative",
        "losses": "$B, cumulative",
        "capex": "$B per quarter",
        "circular_revenue": "$B, cumulative",
        "roundtrip_ratio": "fraction",
        "owner": NO_UNIT,
        "alive": NO_UNIT,
    },
    "ledger": {
        "payer": NO_UNIT,
        "payee": NO_UNIT,
        "amount": "$B",
        "kind": NO_UNIT,
        "origin": NO_UNIT,
    },
    "deals": {
        "kind": NO_UNIT,
        "investor": NO_UNIT,
        "lab": NO_UNIT,
        "amount": "$B",
        "upfront": "$B",
        "stake": "fraction",
        "commitment": "$B",
        "commitment_quarters": "quarters",
        "exclusivity_quarters": "quarters",
        "discount": "fraction",
        "revenue_share": "fraction",
        "tranches": "tranches",
        "origin": NO_UNIT,
    },
}
"""Units of the columns of a run's agents, ledger and deals tables (``quarter`` is a metric's)."""


def metric_unit(column: str) -> str | None:
    """The unit of a metric column (``cloud_hhi``, ``cloud_share[AWS]``), or ``None`` if unknown."""
    if column in METRIC_UNITS:
        return METRIC_UNITS[column]
    name, bracket, _firm = column.partition("[")
    return FIRM_METRIC_UNITS.get(name) if bracket and column.endswith("]") else None


def parameter_unit(path: str) -> str:
    """The unit of a factor: a scenario parameter's from the schema; ``-`` for ``scenario``, ``rules``."""
    try:
        return str(find_parameter(path).field.metadata["unit"])
    except ParameterError:
        return NO_UNIT  # the categorical factors: a scenario or a rules preset by name


def column_units(
    columns: Iterable[str], table: str = "metrics", factors: Iterable[str] = ()
) -> dict[str, str]:
    """The unit of each column of a stored table that has one.

    Args:
        columns: The table's columns.
        table: ``metrics`` (a run's or a sweep's), ``agents``, ``ledger``, ``deals`` or ``design``.
        factors: The columns that are an experiment's factors (their units come from the schema).

    Returns:
        Column to unit; a column of unknown meaning (a metric a custom run function adds) has none.
    """
    own = RUN_TABLE_UNITS.get(table, {})
    factors = set(factors)
    units = {}
    for column in columns:
        if column in factors:
            unit = parameter_unit(column)
        elif column in RUN_KEY_UNITS:
            unit = RUN_KEY_UNITS[column]
        elif column in own:
            unit = own[column]
        else:
            unit = metric_unit(column)
        if unit is not None:
            units[column] = unit
    return units


EMPTY_TYPES = {
    "quarter": "int32",
    "agent_id": "int64",
    "commitment_quarters": "int64",
    "exclusivity_quarters": "int64",
    "tranches": "int64",
}
"""Integer columns of a table that may come without rows and so without a type (no deals yet)."""


def _column_dtype(name: str, values: pd.Series, units: Mapping[str, str]) -> Any:
    """The pandas dtype a column of Python objects is stored as, or ``None`` to keep it."""
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind == "empty":  # no rows (or only nulls): the column's meaning decides
        if name in EMPTY_TYPES:
            return EMPTY_TYPES[name]
        return "category" if units.get(name, NO_UNIT) == NO_UNIT else "float64"
    if kind == "string":
        return "category"
    return None


def _storage_frame(frame: pd.DataFrame, units: Mapping[str, str]) -> pd.DataFrame:
    """Text columns as categories (Arrow writes them as dictionaries), empty columns typed."""
    types = {}
    for column in frame.columns:
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            continue
        if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
            dtype = _column_dtype(column, values, units)
            if dtype is not None:
                types[column] = dtype
    return frame.astype(types) if types else frame


def _storage_type(name: str, current: pa.DataType, float32: Collection[str]) -> pa.DataType:
    if pa.types.is_dictionary(current) or pa.types.is_string(current):
        return TEXT
    if pa.types.is_large_string(current):
        return TEXT
    if pa.types.is_floating(current):
        return pa.float32() if name in float32 else pa.float64()
    if pa.types.is_integer(current):
        return INTEGER_TYPES.get(name, pa.int64())
    return current


def to_arrow(
    frame: pd.DataFrame,
    units: Mapping[str, str],
    *,
    float32: Collection[str] = (),
    metadata: Mapping[bytes, bytes] | None = None,
) -> pa.Table:
    """A table as the store writes it: the storage type of every column and its unit.

    Args:
        frame: The table (its index is dropped).
        units: Unit of each column (:func:`column_units`); columns without one get no unit.
        float32: Float columns to narrow to float32 (a sweep's ``keep.dtype``); others are float64.
        metadata: More file metadata (e.g. a sweep task's record).

    Returns:
        The Arrow table, values unchanged except the floats narrowed to float32 when asked.
    """
    table = pa.Table.from_pandas(_storage_frame(frame, units), preserve_index=False)
    fields = []
    for field in table.schema:
        unit = units.get(field.name)
        fields.append(
            pa.field(
                field.name,
                _storage_type(field.name, field.type, float32),
                nullable=field.nullable,
                metadata={UNIT_KEY: unit.encode()} if unit is not None else None,
            )
        )
    shown = {field.name: units[field.name] for field in table.schema if field.name in units}
    file_metadata = {
        **(table.schema.metadata or {}),
        UNITS_KEY: json.dumps(shown).encode(),
        **(metadata or {}),
    }
    return table.cast(pa.schema(fields, metadata=file_metadata))


def units_of(schema: pa.Schema) -> dict[str, str]:
    """The units a stored file's schema carries, by column."""
    return {
        field.name: field.metadata[UNIT_KEY].decode()
        for field in schema
        if field.metadata and UNIT_KEY in field.metadata
    }


def read_units(path: str | os.PathLike[str]) -> dict[str, str]:
    """The units a stored Parquet file carries, by column (none if it cannot be read)."""
    try:
        return units_of(pq.read_schema(path))
    except (OSError, pa.ArrowException):
        return {}


def run_id(scenario: Scenario, years: int, seed: int | None) -> str:
    """An id of a run's inputs: a digest of its parameters, horizon and seed (16 hex digits).

    Two runs with the same id ran the same model inputs, so (by the project's promise of same seed,
    same numbers) the same version gives them the same numbers. The scenario's name, description
    and the overrides as typed are left out: only the resolved values count. A run without a seed
    cannot be repeated; its id is then drawn at random.
    """
    if seed is None:
        import secrets

        return secrets.token_hex(8)
    values: dict[str, Any] = scenario.to_dict()
    for label in ("name", "description", "rules_preset", "overrides"):
        values.pop(label, None)
    text = json.dumps(
        {"scenario": values, "years": years, "seed": seed}, sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]
