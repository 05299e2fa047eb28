"""Reserved-capacity contracts: how long they run and what is still owed under them."""

import numpy as np

from computemarket.simulation.contracts import (
    backlog_gws,
    contract_matrix,
    contracted_revenues,
    in_force,
    quarters_left,
)
from computemarket.simulation.model import ComputeMarket


def test_a_contract_runs_its_term_and_is_valued_at_what_is_still_to_pay():
    """A 4-quarter contract signed in quarter 0 for 2 GW at $0.5B per GW-quarter runs in quarters
    0-3 and not in 4; after quarter 0's payment $3B (3 quarters x 2 x 0.5) is still owed."""
    model = ComputeMarket(market_scenario="classroom", rng=1)
    state, labs = model.state, model.labs
    labs.contract_provider[:] = -1
    labs.contract_end[:] = -1
    labs.contract_provider[0], labs.contract_gw[0], labs.contract_price[0] = 1, 2.0, 0.5
    labs.contract_end[0] = 0 + 4
    assert [bool(in_force(labs, q)[0]) for q in range(6)] == [True] * 4 + [False] * 2
    assert [int(quarters_left(labs, q)[0]) for q in range(6)] == [3, 2, 1, 0, 0, 0]
    assert [float(contract_matrix(labs, q)[0, 1]) for q in range(6)] == [2.0] * 4 + [0.0] * 2
    labs.commit_remaining[:] = 0.0
    state.providers.outside_backlog[:] = 0.0
    np.testing.assert_allclose(contracted_revenues(state), [0.0, 3.0, 0.0])
    state.market.quarter = 3
    np.testing.assert_allclose(contracted_revenues(state), 0.0)
    # A provider building for quarter 3 counts the contract; for quarter 4 it does not.
    labs.need[:] = 0.0
    assert backlog_gws(state, 3)[1] == 2.0 and backlog_gws(state, 4)[1] == 0.0
