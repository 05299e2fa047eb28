"""The life of a lab-provider relationship: how it starts, grows with follow-ons and ends."""

import numpy as np
import pandas as pd
import pytest

from computemarket.agents.hyperscaler import Offer
from computemarket.simulation.deals import end_relationships, sign_deal
from computemarket.simulation.distress import exit_lab, fail_provider, try_acquisition
from computemarket.simulation.ledger import EXTERNAL
from computemarket.simulation.model import ComputeMarket
from computemarket.simulation.runner import run
from computemarket.simulation.state import CONTRACT_FIELDS, RELATIONSHIP_TERMS


def payments_after_failure(result) -> pd.DataFrame:
    """Ledger rows paying a provider in a quarter after the one it failed in."""
    providers = result.agents[result.agents.kind == "hyperscaler"]
    failed = providers[~providers.alive].groupby("name").quarter.min()
    ledger = result.ledger
    late = ledger.payee.map(failed).lt(ledger.quarter)
    return ledger[late]


@pytest.mark.parametrize("scenario", ["baseline", "calibrated-2025"])
def test_a_failed_provider_receives_nothing_after_it_fails(scenario):
    failures = 0
    for seed in range(1, 6):
        result = run(scenario, years=10, seed=seed)
        failures += int(result.metrics.hyperscaler_failures.sum())
        late = payments_after_failure(result)
        assert late.empty, late.groupby(["payee", "kind"], observed=True).amount.sum()
    assert failures > 0  # the check is not vacuous: providers do fail in these runs


def deal(model, lab=0, investor=0):
    offer = Offer(
        investor=investor,
        amount=2.0,
        stake=0.1,
        commitment_multiple=3.0,
        exclusivity_quarters=4,
        discount=0.1,
        revenue_share=0.05,
    )
    sign_deal(model.state, lab, offer)


def terms_of(labs, lab, provider):
    return {name: float(getattr(labs, name)[lab, provider]) for name in RELATIONSHIP_TERMS}


def test_ending_a_relationship_resets_every_term_and_the_contract_there():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    labs = model.labs
    deal(model, lab=0, investor=1)
    labs.contract_provider[0] = 1
    assert any(terms_of(labs, 0, 1).values())
    end_relationships(labs, [0], [1])
    assert not any(terms_of(labs, 0, 1).values())
    assert {name: getattr(labs, name)[0] for name in CONTRACT_FIELDS} == CONTRACT_FIELDS
    assert labs.invested_in[0, 1] > 0  # the book value stays, for write-offs


def test_every_ending_covers_every_term():
    """Exit, acquisition and failure end all the terms, whatever terms there are."""
    for ending in ("exit", "acquisition", "failure"):
        model = ComputeMarket(
            market_scenario="classroom", rng=1, overrides={"hyperscaler.initial_cash": 5000.0}
        )
        labs, state = model.labs, model.state
        deal(model, lab=0, investor=1)
        labs.stock[:] = labs.stock.max()  # worth buying
        if ending == "exit":
            model.ledger.book(model.lab_list[0].account, EXTERNAL, 1e3, "lab_opex")
            exit_lab(state, 0)
        elif ending == "acquisition":
            model.ledger.book(model.lab_list[0].account, EXTERNAL, 1e3, "lab_opex")
            assert try_acquisition(state, 0)
        else:
            model.ledger.book(model.hyperscaler_list[1].account, EXTERNAL, 1e5, "capex")
            fail_provider(state, 1)
        assert not any(terms_of(labs, 0, 1).values()), ending


def test_a_failed_providers_workloads_are_released_not_switched_away():
    model = ComputeMarket(market_scenario="classroom", rng=1)
    model.step()
    at_failed = model.labs.allocation[:, 1].copy()
    assert at_failed.sum() > 0
    model.ledger.book(model.hyperscaler_list[1].account, EXTERNAL, 1e5, "capex")
    fail_provider(model.state, 1)
    assert np.all(model.labs.allocation[:, 1] == 0.0)
