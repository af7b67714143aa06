"""The scan report's one line on the anomaly rules a short or narrowed scan left without a history to judge by.

It was a paragraph of four lines at the end of every short scan ("Anomaly rules that compare with a history judged
no line of ... read: they need at least 10m and 200 entries of a unit, more than was read. (The 8 that need none
judged them.) A log holds only its own lines: ..."), the same each time, and it named a text's programs
`(/USR/SBIN/CRON), (syslogd) or kernel`, one name bare beside two in parentheses (a new user's trial, nu230). Said
so that a short scan's silence is not read as an all-clear; the verdict ("Nothing found by the signature rules.")
comes after it, last."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from rich.text import Text

from .escape import visible

COLD_NAMED = 3
"""The units anomaly rules never judged that the report names, at most (more are counted)."""


def cold_note(never: int, units: int, needed: str, cold_judges: Collection[str], names: Sequence[str],
              fired_rules: Collection[str], journal: bool, narrowing: Sequence[str]) -> Text:
    """The line: `never` of `units` units were judged by no rule that needs history (`needed`: each rule's, in words,
    cli/scan._cold); `names` those units' names, one per host's unit (when few names); `cold_judges` the rules that
    need none, named when one fired (among `fired_rules`: the card said it judged, the note must not say "no line"
    of it unqualified: helper-118); `narrowing`: the options given that left lines out (-p, --since, --until)."""
    # (named, each as its lines name it: a text's `(cron)` is `cron`, as `kernel` is; "any of the 3 units" left the
    # reader to guess which: rough edge 65's 8); a unit of several hosts once, with their count (a collector's
    # cron.service on 4 hosts was "5 of the 11 units", unnamed: newuser78's finding 7)
    counts = Counter(names)
    named = _or_list([visible(_bare(name)) + (f" on {count} hosts" if count > 1 else "")
                      for name, count in sorted(counts.items())]) if names else ""
    if never == units:
        which = f"no line of {named}" if named and units > 1 else "nothing here"
    else:
        which = f"no line of {named} ({never} of the {units} units)" if named else \
            f"no line of {never} of the {units} units"
    fired = sorted(set(fired_rules).intersection(cold_judges))
    besides = f"; {', '.join(fired)} need{'s' if len(fired) == 1 else ''} none" if fired else ""
    return Text(f"Anomaly rules needing history ({needed}{besides}) judged {which}: "
                f"{_more_history(journal, narrowing)}", style="yellow" if never == units else "dim")


def _bare(unit: str) -> str:
    """A text's program without the parentheses that tell it from a systemd unit (`(cron)`: `cron`)."""
    inner = unit[1:-1]
    return inner if unit.startswith("(") and unit.endswith(")") and not {"(", ")"} & set(inner) else unit


def _or_list(names: list[str]) -> str:
    """`a`, `a or b`, `a, b or c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _more_history(journal: bool, narrowing: Sequence[str]) -> str:
    """How to give them the history they lacked: a longer range of a journal; for a log or a paste, which holds only
    its own lines, a longer log or the host's journal (weeks of history on disk). Only the options given are
    blamed (a plain `scan -D` was told "-p, -u and --since narrowed what was read": newuser78's finding 7); -u and
    -H leave a selected unit's own lines whole."""
    given = _and_list(list(narrowing)) if narrowing else ""
    if journal:
        return f"{given} narrowed what was read; scan a longer range." if given else \
            "the journal holds less of them than that."
    narrowed = f"{given} narrowed it; " if given else ""
    return f"{narrowed}scan a longer log or the host's journal."


def _and_list(names: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
