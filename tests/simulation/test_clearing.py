"""Market clearing on small cases worked out by hand."""

import numpy as np
import pytest

from computemarket.simulation.clearing import ClearingInput, clear_market, ration


def market(
    need,
    capacity,
    cost=None,
    contract=None,
    commit=None,
    tied=None,
    affiliated=None,
    prefer=False,
    sensitivity=50.0,
):
    need = np.asarray(need, float)
    capacity = np.asarray(capacity, float)
    shape = (need.size, capacity.size)
    return ClearingInput(
        need=need,
        capacity=capacity,
        cost=np.ones(shape) if cost is None else np.asarray(cost, float),
        contract_gw=np.zeros(shape) if contract is None else np.asarray(contract, float),
        commit_gw=np.zeros(shape) if commit is None else np.asarray(commit, float),
        tied_to=np.full(need.size, -1) if tied is None else np.asarray(tied),
        affiliated=np.zeros(shape, bool) if affiliated is None else np.asarray(affiliated, bool),
        self_preferencing=prefer,
        price_sensitivity=sensitivity,
    )


def test_ration_pro_rata():
    served = ration(np.array([[3.0], [1.0]]), np.array([2.0]), np.zeros((2, 1), bool), False)
    np.testing.assert_allclose(served, [[1.5], [0.5]])


def test_ration_self_preferencing_serves_affiliates_first():
    affiliated = np.array([[True], [False]])
    served = ration(np.array([[1.5], [1.0]]), np.array([2.0]), affiliated, True)
    np.testing.assert_allclose(served, [[1.5], [0.5]])


def test_contracts_are_served_before_open_demand():
    # Provider 0 has 2 GW. Lab 0 holds a 2 GW contract there; lab 1 wants 2 GW, all of it cheapest at 0.
    inp = market(
        need=[2.0, 2.0],
        capacity=[2.0, 5.0],
        cost=[[1.0, 2.0], [1.0, 2.0]],
        contract=[[2.0, 0.0], [0.0, 0.0]],
    )
    result = clear_market(inp)
    np.testing.assert_allclose(result.contract, [[2.0, 0.0], [0.0, 0.0]])
    # Lab 1 spills to provider 1 once provider 0 is full.
    np.testing.assert_allclose(result.served, [[2.0, 0.0], [0.0, 2.0]], atol=1e-9)
    np.testing.assert_allclose(result.unmet, [0.0, 0.0], atol=1e-9)


def test_contract_is_used_only_up_to_need():
    result = clear_market(market(need=[1.0], capacity=[5.0], contract=[[3.0]]))
    np.testing.assert_allclose(result.served, [[1.0]])


def test_commitment_then_exclusivity_then_open():
    # Lab 0: commits 1 GW at provider 1 and is exclusive to provider 1; needs 3 GW.
    # Lab 1: no ties, cheaper at provider 0.
    inp = market(
        need=[3.0, 1.0],
        capacity=[10.0, 10.0],
        cost=[[1.0, 1.0], [1.0, 1.5]],
        commit=[[0.0, 1.0], [0.0, 0.0]],
        tied=[1, -1],
    )
    result = clear_market(inp)
    np.testing.assert_allclose(result.committed, [[0.0, 1.0], [0.0, 0.0]])
    np.testing.assert_allclose(result.tied, [[0.0, 2.0], [0.0, 0.0]])
    assert result.open[1, 0] > 0.99  # sensitivity 50: almost all at the cheaper provider
    np.testing.assert_allclose(result.served.sum(axis=1), [3.0, 1.0])


def test_unmet_when_capacity_runs_out():
    result = clear_market(market(need=[2.0, 2.0], capacity=[1.0, 1.0]))
    assert result.served.sum() == pytest.approx(2.0)
    assert result.unmet.sum() == pytest.approx(2.0)
    assert (result.served.sum(axis=0) <= np.array([1.0, 1.0]) + 1e-12).all()


def test_equal_costs_split_evenly():
    result = clear_market(market(need=[4.0], capacity=[10.0, 10.0]))
    np.testing.assert_allclose(result.open, [[2.0, 2.0]])


def test_self_preferencing_forecloses_the_rival_lab():
    # One provider with 1 GW; the affiliated lab and a rival each want 1 GW; no other provider.
    base = {"need": [1.0, 1.0], "capacity": [1.0], "affiliated": [[True], [False]]}
    neutral = clear_market(market(**base, prefer=False))
    foreclosed = clear_market(market(**base, prefer=True))
    np.testing.assert_allclose(neutral.served, [[0.5], [0.5]])
    np.testing.assert_allclose(foreclosed.served, [[1.0], [0.0]])


def test_unmet_demand_is_counted_once_however_often_it_was_turned_away():
    # 12 GW at three providers of 1, 1 and 8 GW: round 1 asks 4 of each, two turn away 3 each;
    # round 2 asks the third for the 6 left, it turns away 2; 2 GW stay unmet.
    result = clear_market(market(need=[12.0], capacity=[1.0, 1.0, 8.0], sensitivity=0.0))
    assert result.unmet.sum() == pytest.approx(2.0)
    np.testing.assert_allclose(result.rationed, [0.75, 0.75, 0.5])  # 2 GW split 3:3:2
    assert result.rationed.sum() == pytest.approx(result.unmet.sum())


def test_nothing_is_rationed_when_all_demand_is_served():
    result = clear_market(market(need=[3.0, 2.0], capacity=[2.0, 4.0], sensitivity=0.0))
    assert result.unmet.sum() == pytest.approx(0.0)
    np.testing.assert_allclose(result.rationed, 0.0)


@pytest.mark.parametrize("sensitivity", [0.0, 50.0])
def test_a_provider_a_lab_cannot_buy_from_gets_none_of_its_demand(sensitivity):
    # Lab 0 cannot buy at provider 1 (another firm's captive: infinite cost); lab 1 can buy at
    # both. At any sensitivity, lab 0 is served in full at provider 0, lab 1 splits the rest.
    cost = [[1.0, np.inf], [1.0, 1.0]]
    result = clear_market(
        market(need=[2.0, 2.0], capacity=[10.0, 10.0], cost=cost, sensitivity=sensitivity)
    )
    np.testing.assert_allclose(result.open, [[2.0, 0.0], [1.0, 1.0]])
    assert result.unmet.sum() == pytest.approx(0.0)


def test_in_house_labs_are_affiliated_with_their_owner_and_served_first():
    """Under laissez-faire (self-preferencing allowed) the clearing treats each in-house lab as
    affiliated with its owner, as it does a lab the provider holds a stake in; so, with one
    owner's 1 GW wanted by its in-house lab and by an independent lab, the in-house lab gets it."""
    from computemarket.simulation.clearing import clearing_input
    from computemarket.simulation.model import ComputeMarket

    model = ComputeMarket(rules="laissez-faire", rng=1)
    labs, state = model.labs, model.state
    owned = np.flatnonzero(labs.owner >= 0)
    assert owned.size == 2  # the baseline's two in-house labs
    independent = int(np.flatnonzero(labs.owner < 0)[0])
    labs.stake[:] = 0.0
    labs.stake[independent, 2] = 0.1
    shape = labs.stake.shape
    inp = clearing_input(state, np.ones(shape), np.ones(shape), np.zeros(shape))
    expected = np.zeros(shape, bool)
    expected[owned, labs.owner[owned]] = True
    expected[independent, 2] = True
    np.testing.assert_array_equal(inp.affiliated, expected)
    assert inp.self_preferencing
    lab, owner = int(owned[0]), int(labs.owner[owned[0]])
    rival = int(np.flatnonzero(labs.owner < 0)[1])
    rows = inp.affiliated[[lab, rival]][:, [owner]]
    result = clear_market(market([1.0, 1.0], [1.0], affiliated=rows, prefer=True))
    np.testing.assert_allclose(result.served, [[1.0], [0.0]])
