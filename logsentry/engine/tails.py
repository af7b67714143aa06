"""Tail probabilities for the anomaly tests: how surprising is a count, given the learned rate or share?

Poisson for "k lines of this template in the window when λ were expected", binomial for "k of n lines at
error level when the learned share is p". Both are summed in log space from k upward (terms fall once k is
past the mean), so they stay exact for the tiny probabilities the rules ask for (1e-9) without scipy.
"""

from __future__ import annotations

import math

_MAX_TERMS = 2_000


def p_text(tail: float) -> str:
    """A tail probability as the incidents' `why` gives it: "3.8e-40", or "<1e-300" where it underflowed to 0 (a
    count no rate could explain; "0.0e+00" read as a bug)."""
    return f"{tail:.1e}" if tail > 0 else "<1e-300"


def poisson_sf(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    if k <= mean:
        return 1.0 - sum(math.exp(i * math.log(mean) - mean - math.lgamma(i + 1)) for i in range(k))
    log_mean = math.log(mean)
    total = 0.0
    for i in range(k, k + _MAX_TERMS):
        term = math.exp(i * log_mean - mean - math.lgamma(i + 1))
        total += term
        if term <= total * 1e-12:  # also when the terms underflow to 0
            break
    return min(1.0, total)


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(K >= k) for K ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(n + 1)
    start = max(k, 0)
    if start <= n * p:  # below the mean: the complement is the short sum
        below = sum(math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
                    for i in range(start))
        return max(0.0, 1.0 - below)
    total = 0.0
    for i in range(start, min(n, start + _MAX_TERMS) + 1):
        term = math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
        total += term
        if term <= total * 1e-12:
            break
    return min(1.0, total)
