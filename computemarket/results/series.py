"""Tables the run figures draw over time: the time axis and each firm's market share.

Pure functions of a run's metrics and agents tables (see :mod:`computemarket.store.runs`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from computemarket.results.style import (
    FIRM_COLOURS,
    IN_HOUSE_HATCH,
    LAB_COLOURS,
    OTHER_FIRMS_COLOUR,
    OTHER_LABS_COLOUR,
    firm_colours,
)

OTHER_CLOUDS = "other clouds"
OTHER_LABS = "other labs"
IN_HOUSE_SUFFIX = " (in-house labs)"


@dataclasses.dataclass
class ShareStack:
    """Market shares to stack, one column per firm, with the colour and hatch of each.

    Attributes:
        shares: Shares in [0, 1], indexed by quarter, one column per firm (stacking order).
        colours: Fill colour of each column.
        hatches: Hatch of each column (``None`` for a plain fill).
    """

    shares: pd.DataFrame
    colours: list[str]
    hatches: list[str | None]


def time_axis(metrics: pd.DataFrame) -> pd.Series:
    """Calendar time in years of each quarter of a metrics table, indexed by quarter.

    The ``year`` column may hold fractional years (one value per quarter) or the calendar year of
    each quarter (repeated four times); both give a strictly increasing axis here.

    Args:
        metrics: Table with a ``quarter`` column and, optionally, a ``year`` column.

    Returns:
        Time in years (calendar years if ``year`` is present, else years from the start).
    """
    quarter = metrics["quarter"].to_numpy(dtype=float)
    if "year" in metrics:
        year = metrics["year"].to_numpy(dtype=float)
        if len(year) < 2 or np.all(np.diff(year) > 0):
            return pd.Series(year, index=metrics["quarter"].to_numpy())
        start = year[0]
    else:
        start = 0.0
    return pd.Series(start + (quarter - quarter[0]) / 4.0, index=metrics["quarter"].to_numpy())


def hyperscaler_shares(agents: pd.DataFrame, max_firms: int = len(FIRM_COLOURS)) -> pd.DataFrame:
    """AI compute revenue share of each hyperscaler, one column per firm, one row per quarter.

    Firms beyond ``max_firms`` (in agent-id order) are summed into one ``"other clouds"`` column so
    that every named firm keeps a distinct colour. Quarters where a firm does not exist count as 0.

    Args:
        agents: Agents table with ``quarter``, ``agent_id``, ``name``, ``kind`` and ``share``.
        max_firms: Number of firms shown by name.

    Returns:
        Shares in [0, 1], indexed by quarter, columns in agent-id order.
    """
    clouds = agents.loc[agents["kind"] == "hyperscaler", ["quarter", "agent_id", "name", "share"]]
    order = clouds.drop_duplicates("agent_id").sort_values("agent_id")
    names = dict(zip(order["agent_id"], order["name"].astype(str), strict=True))
    shares = clouds.pivot_table(index="quarter", columns="agent_id", values="share", aggfunc="sum")
    shares = shares.reindex(columns=list(names)).fillna(0.0)
    shares.columns = [names[agent_id] for agent_id in shares.columns]
    if shares.shape[1] > max_firms:
        named, rest = shares.iloc[:, :max_firms], shares.iloc[:, max_firms:]
        shares = named.assign(**{OTHER_CLOUDS: rest.sum(axis=1)})
    return shares


def cloud_share_stack(agents: pd.DataFrame) -> ShareStack:
    """The cloud market's shares (AI compute revenue) with each hyperscaler's colour."""
    shares = hyperscaler_shares(agents)
    colours = firm_colours(agents)
    return ShareStack(
        shares=shares,
        colours=[colours.get(firm, OTHER_FIRMS_COLOUR) for firm in shares.columns],
        hatches=[None] * shares.shape[1],
    )


def model_share_stack(agents: pd.DataFrame, max_labs: int = len(LAB_COLOURS)) -> ShareStack:
    """The AI model market's shares (labs' end-user revenue), firms as the model-market HHI counts them.

    Labs of one owner are one firm, as in ``model_hhi``: in-house labs are summed per owner and
    drawn in the owner's colour, hatched. The ``max_labs`` independent labs with the largest mean
    share are named (in agent-id order, each with a colour of its own); the rest are summed into
    ``"other labs"``. A lab acquired mid-run moves from its own column to its new owner's.

    Args:
        agents: Agents table with ``quarter``, ``agent_id``, ``name``, ``kind``, ``share`` and
            ``owner`` ("" for an independent lab).
        max_labs: Independent labs shown by name.

    Returns:
        Shares in [0, 1] of the labs' end-user revenue (the outside option excluded).
    """
    labs = agents.loc[agents["kind"] == "lab", ["quarter", "agent_id", "name", "share", "owner"]]
    owner = labs["owner"].fillna("").astype(str)
    quarters = pd.Index(sorted(agents["quarter"].unique()), name="quarter")
    owners = firm_colours(agents)
    owned = labs[owner != ""].assign(firm=owner[owner != ""] + IN_HOUSE_SUFFIX)
    independent = labs[owner == ""]
    mean_share = independent.groupby("agent_id")["share"].sum() / len(quarters)
    named_ids = sorted(mean_share.sort_values(ascending=False, kind="stable").index[:max_labs])
    names = independent.drop_duplicates("agent_id").set_index("agent_id")["name"].astype(str)
    is_named = independent["agent_id"].isin(named_ids)
    independent = independent.assign(
        firm=np.where(is_named, independent["agent_id"].map(names), OTHER_LABS)
    )
    firms = pd.concat([owned, independent])
    shares = firms.pivot_table(index="quarter", columns="firm", values="share", aggfunc="sum")
    shares = shares.reindex(index=quarters).fillna(0.0)
    owner_columns = [f"{name}{IN_HOUSE_SUFFIX}" for name in owners]
    order = [
        *[c for c in owner_columns if c in shares],
        *[names[i] for i in named_ids],
        *([OTHER_LABS] if OTHER_LABS in shares else []),
    ]
    shares = shares.reindex(columns=order, fill_value=0.0)
    colours, hatches = [], []
    lab_colour = dict(zip([names[i] for i in named_ids], LAB_COLOURS, strict=False))
    for column in order:
        if column.endswith(IN_HOUSE_SUFFIX):
            colours.append(owners.get(column.removesuffix(IN_HOUSE_SUFFIX), OTHER_FIRMS_COLOUR))
            hatches.append(IN_HOUSE_HATCH)
        else:
            colours.append(lab_colour.get(column, OTHER_LABS_COLOUR))
            hatches.append(None)
    return ShareStack(shares=shares, colours=colours, hatches=hatches)
