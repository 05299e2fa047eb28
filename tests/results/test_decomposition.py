"""The investor's flows of a decomposition, on a hand-made run and on paired real runs."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from computemarket.results.decomposition import flow_rows, flows_table, investor_flows, run_flows


def ledger_row(quarter, payer, payee, amount, kind):
    return {
        "quarter": quarter,
        "payer": payer,
        "payee": payee,
        "amount": amount,
        "kind": kind,
        "origin": "",
    }


def deal_row(quarter, investor, lab, amount, origin, kind="investment"):
    return {
        "quarter": quarter,
        "investor": investor,
        "lab": lab,
        "amount": amount,
        "origin": origin,
        "kind": kind,
    }


def agent_row(quarter, name, kind, capacity=np.nan, utilization=np.nan):
    return {
        "quarter": quarter,
        "name": name,
        "kind": kind,
        "capacity_gw": capacity,
        "utilization": utilization,
    }


def hand_made_run() -> SimpleNamespace:
    """Two years of a small market: AWS, Azure; OpenAI, Anthropic and two tail labs."""
    ledger = pd.DataFrame(
        [
            ledger_row(0, "world", "AWS", 90.0, "opening_balance"),  # quarter 0: not a flow
            ledger_row(0, "OpenAI", "AWS", 99.0, "compute_payment"),  # quarter 0: not counted
            ledger_row(1, "AWS", "OpenAI", 15.0, "investment"),
            ledger_row(2, "AWS", "OpenAI", 5.0, "investment"),
            ledger_row(2, "AWS", "Lab 7", 1.0, "investment"),  # not OpenAI
            ledger_row(1, "OpenAI", "AWS", 3.0, "compute_payment"),
            ledger_row(5, "OpenAI", "AWS", 2.0, "take_or_pay"),
            ledger_row(5, "OpenAI", "AWS", 0.5, "revenue_share"),
            ledger_row(3, "OpenAI", "Microsoft Azure", 7.0, "compute_payment"),
            ledger_row(4, "Anthropic", "AWS", 4.0, "compute_payment"),
            ledger_row(4, "Anthropic", "AWS", 0.3, "switching_cost"),  # not compute
            ledger_row(6, "Lab 7", "AWS", 1.5, "compute_payment"),
            ledger_row(8, "Lab 8", "AWS", 2.5, "take_or_pay"),
            ledger_row(3, "world", "OpenAI", 4.0, "independent_investment"),
            ledger_row(7, "OpenAI", "Oracle", 1.25, "take_or_pay"),
            ledger_row(9, "Lab 8", "AWS", 100.0, "compute_payment"),  # after the window
        ]
    )
    deals = pd.DataFrame(
        [
            deal_row(0, "AWS", "Anthropic", 0.0, "named"),
            deal_row(1, "AWS", "OpenAI", 50.0, "named"),
            deal_row(3, "AWS", "Lab 7", 2.0, "endogenous"),
            deal_row(6, "AWS", "OpenAI", 10.0, "endogenous"),
            deal_row(7, "Microsoft Azure", "OpenAI", 9.0, "endogenous"),
            deal_row(7, "AWS", "Lab 8", 0.0, "endogenous", kind="acquisition"),
            deal_row(12, "AWS", "Lab 8", 3.0, "endogenous"),  # after the window
        ]
    )
    agents = pd.DataFrame(
        [agent_row(q, "AWS", "hyperscaler", 5.0 + q, 0.8 + 0.01 * q) for q in range(13)]
        + [agent_row(q, "Microsoft Azure", "hyperscaler", 9.0, 0.5) for q in range(13)]
        + [agent_row(q, lab, "lab") for q in range(13) for lab in ("OpenAI", "Anthropic")]
        + [agent_row(q, lab, "lab") for q in range(13) for lab in ("Lab 7", "Lab 8")]
    )
    return SimpleNamespace(ledger=ledger, deals=deals, agents=agents)


def test_investor_flows_by_hand():
    flows = investor_flows(hand_made_run(), years=2)  # quarters 1 to 8
    assert set(flows) == {flow.column for flow in flow_rows("AWS", "OpenAI", "Anthropic")}
    assert flows["invested_in_lab"] == 20.0
    assert flows["revenue_from_lab"] == 5.0  # 3 paid + 2 take-or-pay; quarter 0 left out
    assert flows["revenue_from_rival"] == 4.0  # the switching charge is not compute
    assert flows["revenue_from_others"] == 4.0  # Lab 7 1.5 + Lab 8 2.5; quarter 9 left out
    assert flows["revenue_share"] == 0.5
    assert flows["lab_compute_elsewhere"] == 8.25  # Azure 7 and Oracle's take-or-pay 1.25
    assert flows["lab_money_received"] == 24.0  # AWS 15 + 5, independent 4
    assert flows["lab_take_or_pay"] == 3.25  # at AWS 2, at Oracle 1.25
    assert flows["own_deals"] == 2.0  # the named deal and the acquisition are not its own deals
    assert flows["own_deal_amount"] == 12.0 and flows["own_deal_amount_lab"] == 10.0
    assert flows["capacity_gw"] == 13.0  # at quarter 8
    assert flows["utilization"] == pytest.approx(np.mean([0.8 + 0.01 * q for q in range(1, 9)]))
    one_year = investor_flows(hand_made_run(), years=1)
    assert one_year["revenue_from_lab"] == 3.0 and one_year["own_deals"] == 1.0


def test_flows_table_pairs_the_arms_by_seed():
    flows = pd.DataFrame(
        {
            "scenario": ["a", "a", "b", "b"],
            "seed": [1, 2, 1, 2],
            "years": [5, 5, 5, 5],
            "own_deals": [2.0, 4.0, 1.0, 1.0],
        }
    )
    table = flows_table(flows, "a").set_index("scenario")
    assert table.loc["a", "effect"] == 0.0 and np.isnan(table.loc["a", "low"])
    assert table.loc["b", "mean"] == 1.0 and table.loc["b", "reference_mean"] == 3.0
    assert table.loc["b", "effect"] == -2.0  # differences -1 and -3
    half = 12.706204736174707 * np.std([-1.0, -3.0], ddof=1) / np.sqrt(2)
    assert table.loc["b", "low"] == pytest.approx(-2.0 - half)
    with pytest.raises(ValueError, match="reference arm 'c'"):
        flows_table(flows, "c")


def test_real_runs_of_two_arms_share_their_start_and_part_with_the_deal():
    arms = ["amazon-openai-50b-independent", "amazon-openai-50b-stake"]
    flows = run_flows(arms, [3], windows=(0.25, 1))
    assert len(flows) == 4 and set(flows["years"]) == {0.25, 1}
    by = flows.set_index(["scenario", "years"])
    # AWS pays the $15B upfront in 2026Q1 only when it is the investor.
    assert by.loc[("amazon-openai-50b-independent", 0.25), "invested_in_lab"] == 0.0
    assert by.loc[("amazon-openai-50b-stake", 0.25), "invested_in_lab"] == pytest.approx(15.0)
    assert by.loc[("amazon-openai-50b-stake", 1), "invested_in_lab"] > 15.0  # tranches follow
