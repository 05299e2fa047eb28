"""Rounding guards: decisions must not hang on the last bits of a float.

Transcendental functions (``exp``, ``log``, ``**``) may differ in the last bit between CPUs (numpy
picks AVX-512, AVX2 or baseline kernels at run time). The model promises the same numbers to 1e-9
on another CPU, so no branch may turn on a difference of that size: a quantity left over after
subtracting its own parts (capacity after serving, a tranche schedule after its last tranche) is
rounding when it is below :data:`ROUNDING` of its reference amount, and counts as zero; ties are
broken by index among values within :data:`ROUNDING` of each other.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

ROUNDING = 1e-9
"""Relative size below which a leftover is rounding (well above float error, far below any GW
or $B that matters)."""


def snap_to_zero(values: np.ndarray, reference: ArrayLike) -> np.ndarray:
    """Set to zero, in place, the entries of ``values`` within :data:`ROUNDING` of zero.

    Args:
        values: Leftover amounts (changed in place).
        reference: The amounts they are left over from (same shape, or broadcastable).

    Returns:
        ``values``.
    """
    values[np.abs(values) <= ROUNDING * np.abs(reference)] = 0.0
    return values


def first_minimum(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Index of the minimum along ``axis``, the first among values within :data:`ROUNDING` of it.

    ``np.argmin`` picks the first exact minimum; two values equal in exact arithmetic but computed
    along different paths may differ in the last bit, and then which one is smaller depends on the
    CPU. Here they count as tied, and the lower index wins.

    Args:
        values: Values (``inf`` allowed).
        axis: Axis to search along.
    """
    best = np.min(values, axis=axis, keepdims=True)
    tolerance = ROUNDING * np.where(np.isfinite(best), np.abs(best), 0.0)
    return np.argmax(values <= best + tolerance, axis=axis)


def rank_with_ties(values: ArrayLike, descending: bool = False) -> np.ndarray:
    """Order of ``values`` (ascending, or descending), ties broken by position.

    Values within :data:`ROUNDING` of their neighbour in sorted order are tied, so two values that
    are equal in exact arithmetic keep their positional order on every CPU.

    Args:
        values: The values to order.
        descending: Largest first.

    Returns:
        Indices that order ``values``.
    """
    v = -np.asarray(values, dtype=float) if descending else np.asarray(values, dtype=float)
    order = np.argsort(v, kind="stable")
    if order.size < 2:
        return order
    ranked = v[order]
    gaps = np.diff(ranked)
    tied = gaps <= ROUNDING * np.maximum(np.abs(ranked[:-1]), np.abs(ranked[1:]))
    group = np.concatenate([[0], np.cumsum(~tied)])
    # Within a group of ties, the original position decides.
    return order[np.lexsort((order, group))]
