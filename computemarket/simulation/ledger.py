"""The ledger: every transfer of money, booked, tagged by kind and origin, and checked each quarter.

Agents' cash lives in one array owned by the ledger, and only :meth:`Ledger.book` changes it. At
the end of each quarter :meth:`Ledger.close_quarter` recomputes every account's net flow from the
booked rows alone and compares it with the change in the cash array; any difference above the
tolerance (code that touched cash behind the ledger's back, a NaN) raises
:class:`LedgerImbalanceError`, so a run whose books do not balance is an error, not a number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

EXTERNAL = -1
"""Account number of the outside world (end users, suppliers, lenders, independent investors)."""
NO_ORIGIN = -1
"""Origin of money that is nobody's tied investment."""
MIN_TRANSFER = 1e-9
"""$B: a transfer of at most a dollar is rounding (a payment computed as the difference of two
equal amounts), not money, and is not booked. Booking it or not must not depend on the last bits of
a float, which differ between CPUs."""

KINDS = (
    "opening_balance",
    "end_user_revenue",
    "compute_payment",
    "take_or_pay",
    "revenue_share",
    "egress_fee",
    "switching_cost",
    "lab_opex",
    "investment",
    "independent_investment",
    "seed_capital",
    "internal_funding",
    "acquisition",
    "bad_debt",
    "unpaid_bills",
    "non_ai_revenue",
    "non_ai_cost",
    "other_business",
    "ai_operating_cost",
    "interest",
    "debt_draw",
    "debt_repayment",
    "capex",
    "debt_default",
    "restructuring",
)
"""Every kind of transfer the model books (see docs/model.md, Money)."""
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}


class LedgerImbalanceError(RuntimeError):
    """The books do not balance: cash changed by something other than a booked transfer."""


class Ledger:
    """Accounts of all agents plus the outside world, with a row for every transfer.

    Args:
        tolerance: Largest allowed absolute imbalance per account and quarter, in $B.
        keep_rows: Keep every closed quarter's rows for :meth:`to_frame`. Without them the books
            are still checked each quarter (a sweep that needs only metrics saves the memory).

    Attributes:
        quarter: The quarter rows are booked in; the model sets it at the start of each step.
    """

    def __init__(self, tolerance: float = 1e-6, keep_rows: bool = True) -> None:
        self.tolerance = tolerance
        self.keep_rows = keep_rows
        self.cash = np.zeros(0)
        self._open = np.zeros(0)
        self._rows: list[tuple[np.ndarray, ...]] = []
        self._quarter_rows: list[tuple[np.ndarray, ...]] = []
        self._scalar_rows: list[tuple[int, int, float, int, int]] = []
        self.quarter = 0
        self.last_imbalance = 0.0

    def open_account(self) -> int:
        """Add an account with zero cash and return its number."""
        self.cash = np.append(self.cash, 0.0)
        self._open = np.append(self._open, 0.0)
        return self.cash.size - 1

    def book(
        self, payer: int, payee: int, amount: float, kind: str, origin: int = NO_ORIGIN
    ) -> None:
        """Book one transfer; an amount of at most :data:`MIN_TRANSFER` is skipped.

        Args:
            payer: Account paying, or :data:`EXTERNAL`.
            payee: Account receiving, or :data:`EXTERNAL`.
            amount: Amount in $B.
            kind: One of :data:`KINDS`.
            origin: Account of the investor whose tied money this is, or :data:`NO_ORIGIN`.
        """
        amount = float(amount)
        if not amount > MIN_TRANSFER:
            if amount != amount:
                raise LedgerImbalanceError(f"quarter {self.quarter}: a {kind} transfer of NaN $B")
            return
        payer, payee = int(payer), int(payee)
        if payer >= 0:
            self.cash[payer] -= amount
        if payee >= 0:
            self.cash[payee] += amount
        self._scalar_rows.append((payer, payee, amount, KIND_CODE[kind], int(origin)))

    def book_many(
        self,
        payer: np.ndarray | int,
        payee: np.ndarray | int,
        amount: np.ndarray,
        kind: str,
        origin: np.ndarray | int = NO_ORIGIN,
    ) -> None:
        """Book many transfers at once (arrays of equal length, or scalars broadcast to them).

        Args:
            payer: Accounts paying, or :data:`EXTERNAL`.
            payee: Accounts receiving, or :data:`EXTERNAL`.
            amount: Amounts in $B; those of at most :data:`MIN_TRANSFER` are skipped.
            kind: One of :data:`KINDS`.
            origin: Accounts of the investors whose tied money this is, or :data:`NO_ORIGIN`.
        """
        amount = np.asarray(amount, dtype=float).ravel()
        n = amount.size
        keep = amount > MIN_TRANSFER
        if not keep.all() and np.isnan(amount).any():
            raise LedgerImbalanceError(f"quarter {self.quarter}: a {kind} transfer of NaN $B")
        amount = amount[keep]
        if amount.size == 0:
            return
        self.book_rows(
            _accounts(payer, n, keep),
            _accounts(payee, n, keep),
            amount,
            np.full(amount.size, KIND_CODE[kind], dtype=np.int16),
            _accounts(origin, n, keep),
        )

    def book_rows(
        self,
        payer: np.ndarray,
        payee: np.ndarray,
        amount: np.ndarray,
        code: np.ndarray,
        origin: np.ndarray,
    ) -> None:
        """Book transfers given as ledger rows: :meth:`book_many` without its checks.

        Rows are kept in the order given, and cash moves in that order: first every payer pays,
        then every payee receives. The arrays become the ledger's (pass copies, not model state).

        Args:
            payer: Accounts paying, or :data:`EXTERNAL` (int64).
            payee: Accounts receiving, or :data:`EXTERNAL` (int64).
            amount: Amounts in $B, all above :data:`MIN_TRANSFER`.
            code: :data:`KIND_CODE` of each transfer (int16).
            origin: Accounts of the investors whose tied money this is, or :data:`NO_ORIGIN` (int64).
        """
        # ufunc.at applies repeated accounts one after the other, in row order.
        out, into = payer >= 0, payee >= 0
        if out.all():
            np.subtract.at(self.cash, payer, amount)
        elif out.any():
            np.subtract.at(self.cash, payer[out], amount[out])
        if into.all():
            np.add.at(self.cash, payee, amount)
        elif into.any():
            np.add.at(self.cash, payee[into], amount[into])
        self._quarter_rows.append((payer, payee, amount, code, origin))

    def _gather_quarter(self) -> list[tuple[np.ndarray, ...]]:
        rows = list(self._quarter_rows)
        if self._scalar_rows:
            payer, payee, amount, code, origin = zip(*self._scalar_rows, strict=True)
            rows.append(
                (
                    np.array(payer, dtype=np.int64),
                    np.array(payee, dtype=np.int64),
                    np.array(amount, dtype=float),
                    np.array(code, dtype=np.int16),
                    np.array(origin, dtype=np.int64),
                )
            )
        return rows

    def close_quarter(self) -> float:
        """Check the quarter's books and start the next quarter.

        Returns:
            The largest absolute imbalance of any account ($B).

        Raises:
            LedgerImbalanceError: If the imbalance exceeds the tolerance or cash is not finite.
        """
        n = self.cash.size
        rows = self._gather_quarter()
        net = np.zeros(n)
        if rows:
            payer, payee, amount, code, origin = (
                np.concatenate(column) for column in zip(*rows, strict=True)
            )
            out, into = payer >= 0, payee >= 0
            net -= np.bincount(payer[out], weights=amount[out], minlength=n)
            net += np.bincount(payee[into], weights=amount[into], minlength=n)
        change = self.cash - self._open
        imbalance = float(np.max(np.abs(change - net))) if n else 0.0
        if not (np.isfinite(self.cash).all() and imbalance <= self.tolerance):
            raise LedgerImbalanceError(
                f"quarter {self.quarter}: books do not balance (largest imbalance {imbalance:.3g} $B, "
                f"tolerance {self.tolerance:g})"
            )
        if rows and self.keep_rows:
            quarter = np.full(amount.size, self.quarter, dtype=np.int32)
            self._rows.append((quarter, payer, payee, amount, code, origin))
        self._quarter_rows, self._scalar_rows = [], []
        self._open = self.cash.copy()
        self.last_imbalance = imbalance
        return imbalance

    def flows(self, kind: str) -> float:
        """Total booked so far this quarter (not yet closed) of one kind ($B)."""
        code = KIND_CODE[kind]
        return float(sum(a[c == code].sum() for _, _, a, c, _ in self._gather_quarter()))

    def to_frame(self, names: list[str]) -> pd.DataFrame:
        """All closed quarters' transfers as a table with account names.

        Args:
            names: Name of each account, by account number.

        Returns:
            Columns ``quarter, payer, payee, amount, kind, origin``; the outside world is ``"world"``
            and money without a tied origin has origin ``""``.
        """
        labels = np.array(["world", *names], dtype=object)
        origins = np.array(["", *names], dtype=object)
        if not self._rows:
            cols = {"quarter": [], "payer": [], "payee": [], "amount": [], "kind": [], "origin": []}
            return pd.DataFrame(cols).astype({"amount": float, "quarter": "int32"})
        quarter, payer, payee, amount, code, origin = (
            np.concatenate(c) for c in zip(*self._rows, strict=True)
        )
        return pd.DataFrame(
            {
                "quarter": quarter,
                "payer": labels[payer + 1],
                "payee": labels[payee + 1],
                "amount": amount,
                "kind": pd.Categorical.from_codes(code, categories=list(KINDS)),
                "origin": origins[origin + 1],
            }
        )


def _accounts(accounts: np.ndarray | int, n: int, keep: np.ndarray) -> np.ndarray:
    """Account numbers of the kept rows of an ``n``-row booking (``accounts`` may be a scalar)."""
    if isinstance(accounts, int | np.integer):
        return np.full(np.count_nonzero(keep), accounts, dtype=np.int64)
    accounts = np.asarray(accounts, dtype=np.int64)
    if accounts.shape != (n,):
        accounts = np.broadcast_to(accounts, n)
    return accounts[keep]
