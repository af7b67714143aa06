"""A runtime's stock lines about a failure, which a card quotes only when it has no other line to quote.

An anomaly rule that counts a unit's new templates together (new-error-, new-failure-, excerpt-failure-template)
counts every line of one failure, the runtime's own notes about it too. Node (before 15) prints a rejection's error,
then two notes of its own that say nothing about it (lib/internal/process/promises.js: "Unhandled promise
rejection. This error originated either by throwing inside of an async function without a catch block, or by
rejecting a promise which was not handled with .catch(). ... (rejection id: N)", and the deprecation warning DEP0018
"Unhandled promise rejections are deprecated. In the future, promise rejections that are not handled will terminate
the Node.js process with a non-zero exit code."; lib/internal/process/warning.js: "(Use `node --trace-warnings ...`
to show where the warning was created)"). The rule fired at the third line, DEP0018, and its card quoted the notice
while `UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED 127.0.0.1:5432` was on no card (trial 78's 04).
Python's traceback module writes the same kind of line: "Traceback (most recent call last):", "During handling of
the above exception, another exception occurred:", "The above exception was the direct cause of the following
exception:". They still count (a runtime that says a failure happened), but when such a line reaches the count the
incident quotes the latest line of its count that is none (engine/window.py), then the one that reached it.
"""

from __future__ import annotations

import re

from ..rules.rule import Rule

STOCK = re.compile(
    r"(?:^|: )(?:Unhandled promise rejection\. This error originated either by throwing inside of an async function "
    r"without a catch block|Unhandled promise rejections are deprecated\. In the future, promise rejections that are "
    r"not handled will terminate the Node\.js process)"
    r"|^\(Use `[\w.-]{1,40} --trace-warnings \.\.\.` to show where the warning was created\)$"
    r"|(?:^|: )(?:Traceback \(most recent call last\):|During handling of the above exception, another exception "
    r"occurred:|The above exception was the direct cause of the following exception:)$")
"""Node's and Python's notes (above), after the program's prefix (`(node:PID) [DEP0018] DeprecationWarning: `,
`(node:PID) UnhandledPromiseRejectionWarning: `, a logger's `ERROR: `) or at the line's start."""

Said = tuple[str, str, str, str]
"""A counted hit's line as its incident would quote it: (message, cursor, why, template)."""


def stock(message: str) -> bool:
    """Is the line (its first) one of a runtime's stock notes about a failure?"""
    end = message.find("\n")
    return STOCK.search(message if end < 0 else message[:end]) is not None


def counts_templates(rule: Rule) -> bool:
    """Does the rule count a unit's new templates together (an anomaly new-template rule firing at more than one
    line, no flood rule)? Its incident quotes no stock line when another counted line says more. Not a rule that
    quotes the failure a retry announced (AnomalySpec.retries: engine/retry_causes.py), nor a signature's: its
    lines are one kind."""
    spec = rule.anomaly
    return spec is not None and spec.kind == "new-template" and not spec.flood and not spec.retries \
        and rule.trigger.count > 1


def telling(said: list[Said | None], stamps: list[int], first: int) -> int | None:
    """When the line that reached the count (the last of `said`) is a stock line: how far back from the end the
    latest counted line since `first` (µs) that is none is (2: the one before it); else None. `said` and `stamps`
    end alike (said may be the shorter)."""
    last = said[-1] if said else None
    if last is None or not stock(last[0]):
        return None
    for back in range(2, min(len(said), len(stamps)) + 1):
        if stamps[-back] < first:
            break
        line = said[-back]
        if line is not None and not stock(line[0]):
            return back
    return None
