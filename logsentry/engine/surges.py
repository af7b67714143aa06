"""Why a window's count is a surge: the rate-spike and error-share rules' tests (engine/anomaly.py keeps the
rolling counts and calls them; rules/anomaly.py says what the kinds mean). Expected values come from the
baseline before the window (its own lines taken out: `Rolling.learnt`), so a surge cannot raise its own bar;
tails from engine/tails.py (Poisson for a rate, binomial for a share)."""

from __future__ import annotations

from ..rules.rule import Rule
from ..timespec import format_duration
from .baseline import TemplateStats, UnitStats
from .minutes import MINUTE_USEC
from .rolling import Rolling
from .tails import binomial_sf, p_text, poisson_sf

__all__ = ["share_why", "spike_why"]


def spike_why(rule: Rule, unit: UnitStats, stats: TemplateStats, usec: int, rolling: Rolling) -> str | None:
    """A rate-spike rule's test of the line at `usec` (µs of journal time): why the window's count (`rolling`:
    the unit's error lines with `errors = true`, else the template's) is a spike, or None."""
    spec = rule.anomaly
    assert spec is not None
    window = rule.trigger.within_usec
    if spec.errors:
        total, what, peak = unit.errors, "error-level lines", unit.error_minutes.peak
    else:
        total, what, peak = stats.count, "lines of this template", stats.minutes.peak
    seen = rolling.total
    history = max(1, usec - window - unit.first_usec)
    expected = max(0, total - rolling.learnt()) * window / history  # the window's own lines taken out
    busiest = peak * max(1.0, window / (2 * MINUTE_USEC))
    if seen < spec.min_count or seen < spec.factor * expected or seen <= spec.peak_margin * busiest:
        return None
    tail = poisson_sf(seen, max(expected, 1e-9))
    if tail >= spec.p_value:
        return None
    return (f"{seen} {what} within {format_duration(window)}, {expected:.2g} expected from "
            f"{format_duration(history)} of history, at most {peak} in two minutes usually "
            f"(Poisson P={p_text(tail)})")


def share_why(rule: Rule, unit: UnitStats, in_errors: Rolling, in_lines: Rolling) -> str | None:
    """An error-share rule's test: why the unit's error lines (`in_errors`) among its lines (`in_lines`) in the
    window are a jump of its share, or None."""
    spec = rule.anomaly
    assert spec is not None
    errors, lines = in_errors.total, in_lines.total
    peak = unit.error_minutes.peak
    # The busiest two minutes bound what one burst can put in any window: not scaled to a longer one
    # (error-share-sustained's 30 minutes), where a burst is short and a failure that goes on is not.
    if errors < spec.min_count or errors <= spec.peak_margin * peak:
        return None
    # the window's own lines taken out of the baseline (those it holds)
    base_entries, base_errors = max(0, unit.entries - in_lines.learnt()), max(0, unit.errors - in_errors.learnt())
    share = (base_errors + 1) / (base_entries + 2)  # Laplace: a unit with no error yet is not at 0 exactly
    if errors / lines < spec.factor * share:
        return None
    tail = binomial_sf(errors, lines, share)
    if tail >= spec.p_value:
        return None
    return (f"{errors} of {lines} lines at error level within {format_duration(rule.trigger.within_usec)} "
            f"({errors / lines:.0%}), {share:.2%} usual over {base_entries} entries, at most {peak} in two minutes "
            f"usually (binomial P={p_text(tail)})")
