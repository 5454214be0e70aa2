"""50-digit reference values computed with mpmath straight from the definitions.

Independent of torch_mi's code paths: no windows, no grouping tricks beyond summing equal
(row sum, column sum) pairs once, the full support of every hypergeometric pmf.
"""

from __future__ import annotations

from collections import Counter

import mpmath
import numpy as np

mpmath.mp.dps = 50


def contingency(target, preds):
    target = np.asarray(target).tolist()
    preds = np.asarray(preds).tolist()
    return Counter(zip(target, preds))


def marginals(cells):
    rows, cols = Counter(), Counter()
    for (t, p), c in cells.items():
        rows[t] += c
        cols[p] += c
    return list(rows.values()), list(cols.values())


def entropy(sums):
    n = mpmath.mpf(sum(sums))
    if n == 0:
        return mpmath.mpf(0)
    return -sum((mpmath.mpf(a) / n) * mpmath.log(mpmath.mpf(a) / n) for a in sums)


def mutual_info(target, preds):
    cells = contingency(target, preds)
    rows, cols = Counter(), Counter()
    for (t, p), c in cells.items():
        rows[t] += c
        cols[p] += c
    n = mpmath.mpf(sum(cells.values()))
    return sum(
        (mpmath.mpf(c) / n) * mpmath.log(n * c / (mpmath.mpf(rows[t]) * cols[p])) for (t, p), c in cells.items()
    ) if n else mpmath.mpf(0)


def expected_mutual_info(row_sums, col_sums):
    n = sum(row_sums)
    total = mpmath.mpf(0)
    for u, cu in Counter(row_sums).items():
        for v, cv in Counter(col_sums).items():
            total += cu * cv * _pair_expectation(u, v, n)
    return total


def _pair_expectation(u, v, n):
    k = max(0, u + v - n)
    log_p = (
        mpmath.loggamma(v + 1) - mpmath.loggamma(k + 1) - mpmath.loggamma(v - k + 1)
        + mpmath.loggamma(n - v + 1) - mpmath.loggamma(u - k + 1) - mpmath.loggamma(n - v - u + k + 1)
        - mpmath.loggamma(n + 1) + mpmath.loggamma(u + 1) + mpmath.loggamma(n - u + 1)
    )
    p = mpmath.exp(log_p)
    total = mpmath.mpf(0)
    nn = mpmath.mpf(n)
    while k <= min(u, v):
        if k > 0 and p > mpmath.mpf(10) ** -70:
            total += (k / nn) * mpmath.log(nn * k / (mpmath.mpf(u) * v)) * p
        p = p * (u - k) * (v - k) / ((k + 1) * mpmath.mpf(n - u - v + k + 1)) if k < min(u, v) else p
        k += 1
    return total


def _mean(h1, h2, method):
    return {
        "min": min(h1, h2),
        "max": max(h1, h2),
        "arithmetic": (h1 + h2) / 2,
        "geometric": mpmath.sqrt(h1 * h2),
    }[method]


def ami_is_zero_over_zero(target, preds, average_method="arithmetic"):
    """Whether AMI's numerator and denominator are both 0 (MI = E[MI] = the mean entropy), for
    partitions other than identical ones: the limit case scikit-learn's eps guard decides."""
    cells = contingency(target, preds)
    rows, cols = marginals(cells)
    if not cells or len(cells) == len(rows) == len(cols):
        return False
    emi = expected_mutual_info(rows, cols)
    normalizer = _mean(entropy(rows), entropy(cols), average_method)
    # 0 to the reference's 50 digits (its sums round in the last few)
    return abs(normalizer - emi) < mpmath.mpf("1e-40") and abs(mutual_info(target, preds) - emi) < mpmath.mpf("1e-40")


def scores(target, preds, average_method="arithmetic"):
    """(MI, NMI, AMI, E[MI]) as mpf, with scikit-learn's limit cases; identical partitions give 1."""
    cells = contingency(target, preds)
    rows, cols = marginals(cells)
    mi = mutual_info(target, preds)
    emi = expected_mutual_info(rows, cols) if cells else mpmath.mpf(0)
    identical = len(cells) == len(rows) == len(cols)
    if identical:
        return mi, mpmath.mpf(1), mpmath.mpf(1), emi
    normalizer = _mean(entropy(rows), entropy(cols), average_method)
    nmi = mpmath.mpf(0) if mi == 0 else mi / normalizer
    # 0 / 0 (a one-cluster or an all-singletons side with the "min" mean) gives 0, torch_mi's limit
    # case. "Equal" is to the reference's 50 digits: its sums round in the last few, and an exact
    # comparison once turned H(preds) - E[MI] = 1e-50 into AMI = 1.
    ami = mpmath.mpf(0) if abs(normalizer - emi) < mpmath.mpf("1e-40") else (mi - emi) / (normalizer - emi)
    return mi, nmi, ami, emi
