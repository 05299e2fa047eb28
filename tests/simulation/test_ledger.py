"""The ledger books every transfer and refuses books that do not balance."""

import numpy as np
import pytest

from computemarket.simulation.ledger import EXTERNAL, KINDS, Ledger, LedgerImbalanceError


def make_ledger(n=3):
    ledger = Ledger()
    for _ in range(n):
        ledger.open_account()
    return ledger


def test_transfers_move_cash_and_conserve_money():
    ledger = make_ledger()
    ledger.book(EXTERNAL, 0, 10.0, "end_user_revenue")
    ledger.book(0, 1, 4.0, "compute_payment", origin=1)
    ledger.book_many(np.array([1, 1]), np.array([2, EXTERNAL]), np.array([1.5, 0.5]), "capex")
    np.testing.assert_allclose(ledger.cash, [6.0, 2.0, 1.5])
    assert ledger.close_quarter() == pytest.approx(0.0)
    # Money is conserved: the change in all cash equals net external flows (10 in, 0.5 out).
    assert ledger.cash.sum() == pytest.approx(9.5)


def test_non_positive_amounts_are_not_booked():
    ledger = make_ledger()
    ledger.book(0, 1, 0.0, "compute_payment")
    ledger.book_many(0, np.array([1, 2]), np.array([-1.0, 0.0]), "compute_payment")
    ledger.close_quarter()
    assert len(ledger.to_frame(["a", "b", "c"])) == 0


def test_cash_changed_behind_the_ledgers_back_is_an_error():
    ledger = make_ledger()
    ledger.book(EXTERNAL, 0, 5.0, "end_user_revenue")
    ledger.cash[1] += 1e-3  # a bug elsewhere
    with pytest.raises(LedgerImbalanceError, match="do not balance"):
        ledger.close_quarter()


def test_nan_transfer_is_an_error():
    ledger = make_ledger()
    with pytest.raises(LedgerImbalanceError, match="NaN"):
        ledger.book(0, 1, float("nan"), "compute_payment")
    with pytest.raises(LedgerImbalanceError, match="NaN"):
        ledger.book_many(0, np.array([1]), np.array([np.nan]), "compute_payment")


def test_table_names_accounts_kinds_and_origins():
    ledger = make_ledger(2)
    ledger.book(EXTERNAL, 0, 3.0, "investment")
    ledger.book(0, 1, 2.0, "compute_payment", origin=1)
    ledger.close_quarter()
    ledger.quarter = 1
    ledger.book(1, EXTERNAL, 1.0, "capex")
    ledger.close_quarter()
    table = ledger.to_frame(["Lab", "Cloud"])
    assert table["quarter"].tolist() == [0, 0, 1]
    assert table["payer"].tolist() == ["world", "Lab", "Cloud"]
    assert table["payee"].tolist() == ["Lab", "Cloud", "world"]
    assert table["origin"].tolist() == ["", "Cloud", ""]
    assert table["kind"].tolist() == ["investment", "compute_payment", "capex"]
    assert set(table["kind"].cat.categories) == set(KINDS)


def test_book_rows_moves_cash_in_row_order_and_keeps_the_rows():
    ledger = make_ledger()
    ledger.book_rows(
        np.array([0, 0, EXTERNAL]),
        np.array([1, 2, 0]),
        np.array([1.0, 2.0, 5.0]),
        np.array([KINDS.index("compute_payment")] * 2 + [KINDS.index("investment")], np.int16),
        np.array([1, -1, -1]),
    )
    np.testing.assert_allclose(ledger.cash, [2.0, 1.0, 2.0])
    assert ledger.close_quarter() == pytest.approx(0.0)
    table = ledger.to_frame(["a", "b", "c"])
    assert table["kind"].tolist() == ["compute_payment", "compute_payment", "investment"]
    assert table["origin"].tolist() == ["b", "", ""]
