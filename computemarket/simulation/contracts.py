"""Contracts and commitments (docs/model.md §7.4): reserved capacity, take-or-pay due, backlog.

A reserved-capacity contract locks a lab's GW at one provider for ``contracts.term_quarters`` at a
discounted price; a deal's compute commitment obliges the lab to spend at the investor. Both are
take-or-pay and both are the backlog that drives the providers' capex.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from computemarket.agents.lab import contract_providers
from computemarket.simulation.state import LabState, State


def sign_contracts(state: State, cost: np.ndarray) -> None:
    """Independent labs whose contract has expired reserve capacity at their cheapest provider.

    A lab reserves ``contracts.reserved_fraction`` of its need, at most ``contracts.growth_cap``
    times what it used last quarter, at the spot price less the reserved discount and any deal
    discount, for ``contracts.term_quarters``.

    Args:
        state: The market state; writes the labs' contract fields.
        cost: Effective cost of open demand, labs x providers
            (:func:`computemarket.agents.lab.effective_cost`).
    """
    labs, p, terms, quarter = (
        state.labs,
        state.providers,
        state.params.contracts,
        state.market.quarter,
    )
    signing = labs.alive & (labs.owner < 0) & (labs.contract_end <= quarter) & (labs.need > 0)
    if not signing.any():
        return
    rows = np.flatnonzero(signing)
    choice, ok = contract_providers(
        cost[rows] * (1.0 - terms.reserved_discount),
        p.alive & (p.capacity > 0),
        labs.exclusive_end[rows] > quarter,
    )
    rows, choice = rows[ok], choice[ok]
    labs.contract_provider[rows] = choice
    # Reserve a share of the compute the lab has been using, not of a one-quarter spike in need.
    used = labs.served[rows]
    basis = np.where(
        used > 0, np.minimum(labs.need[rows], terms.growth_cap * used), labs.need[rows]
    )
    labs.contract_gw[rows] = terms.reserved_fraction * basis
    labs.contract_price[rows] = (
        p.price[choice] * (1.0 - terms.reserved_discount) * (1.0 - labs.discount[rows, choice])
    )
    labs.contract_end[rows] = quarter + terms.term_quarters


def in_force(labs: LabState, quarter: int) -> np.ndarray:
    """Whether each lab's reserved-capacity contract is in force in ``quarter``.

    A contract signed in quarter ``q`` ends at ``contract_end = q + contracts.term_quarters``: it
    runs ``term_quarters`` quarters, ``q`` to ``contract_end - 1``; in ``contract_end`` the lab
    signs again (:func:`sign_contracts`).
    """
    return labs.contract_end > quarter


def quarters_left(labs: LabState, quarter: int) -> np.ndarray:
    """Quarters each lab's contract still runs after ``quarter`` (0 once it has ended)."""
    return np.maximum(labs.contract_end - quarter - 1, 0)


def commitment_due(labs: LabState, quarter: int) -> np.ndarray:
    """$B each lab must spend at each investor this quarter (take-or-pay), labs x providers.

    The remaining commitment spread evenly over the quarters left of its term, once its obligation
    has started.
    """
    left = labs.commit_end - quarter
    active = (left > 0) & (labs.commit_start <= quarter) & (labs.commit_remaining > 0)
    return np.where(active, labs.commit_remaining / np.maximum(left, 1), 0.0)


def scheduled_commitment_due(labs: LabState, now: int, quarter: int) -> np.ndarray:
    """$B each lab will owe each investor in a later ``quarter`` (take-or-pay), labs x providers.

    The remaining commitment spread evenly from its start (or now, once it has started) to its
    end: what :func:`commitment_due` will ask in ``quarter`` if the lab pays as scheduled. A
    commitment that starts later counts from its start, so providers build for it in time.
    """
    begins = np.maximum(labs.commit_start, now)
    active = (
        (labs.commit_start <= quarter) & (quarter < labs.commit_end) & (labs.commit_remaining > 0)
    )
    left = np.maximum(labs.commit_end - begins, 1)
    return np.where(active, labs.commit_remaining / left, 0.0)


def contract_matrix(labs: LabState, quarter: int) -> np.ndarray:
    """GW reserved under contracts in force, labs x providers."""
    matrix = np.zeros_like(labs.allocation)
    active = labs.alive & (labs.contract_provider >= 0) & in_force(labs, quarter)
    rows = np.flatnonzero(active)
    matrix[rows, labs.contract_provider[rows]] = labs.contract_gw[rows]
    return matrix


def contracted_revenues(state: State, providers: Iterable[int] | None = None) -> np.ndarray:
    """$B each provider is still owed under reserved contracts and take-or-pay commitments.

    Contracts with customers outside the model (``outside_backlog``) count too.

    Args:
        state: The market state.
        providers: Providers to compute it for (all by default); the others get 0.
    """
    labs, p, quarter = state.labs, state.providers, state.market.quarter
    active = in_force(labs, quarter) & labs.alive
    value = labs.contract_gw * labs.contract_price * quarters_left(labs, quarter)
    committed = labs.commit_remaining[labs.alive]
    owed = np.zeros(p.alive.size)
    for i in range(p.alive.size) if providers is None else providers:
        contracts = float(value[active & (labs.contract_provider == i)].sum())
        owed[i] = contracts + float(committed[:, i].sum()) + float(p.outside_backlog[i])
    return owed


def backlog_gws(state: State, quarter: int, providers: Iterable[int] | None = None) -> np.ndarray:
    """GW each provider is contracted or committed to supply in ``quarter``, plus in-house need.

    Args:
        state: The market state.
        quarter: The quarter the backlog is for (an order placed now arrives after the build lag).
        providers: Providers to compute it for (all by default); the others get 0.
    """
    labs, p = state.labs, state.providers
    running = in_force(labs, quarter)
    due = scheduled_commitment_due(labs, state.market.quarter, quarter)
    backlog = np.zeros(p.alive.size)
    for i in range(p.alive.size) if providers is None else providers:
        contracted = labs.contract_gw[running & (labs.contract_provider == i)].sum()
        committed = due[:, i].sum()
        in_house = labs.need[labs.owner == i].sum()
        backlog[i] = contracted + committed / max(p.price[i], 1e-12) + in_house
    return backlog
