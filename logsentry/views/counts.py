"""An incident's counts told the same way in every view, with the names `-o json` gives them: the rule's
trigger (`threshold` hits within `within_usec`), the hits when it fired (its `threshold`: a trigger fires at
that hit), when it was reported (the `incident` record's `count`: a failure waits 2 s of journal time for its
chain, so more may have come) and at its end (`incident_end`'s `count`)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from ..model import Incident, Link
from ..timespec import format_duration, format_usec, year_guessed, zoned
from ..wording import plural


def trigger_text(incident: Incident) -> str:
    """The rule's trigger in an operator's words (`threshold` hits within `within_usec`): "one line is enough for this
    rule", "this rule fires at 10 matching lines within 10m" (it said "trigger: 10 hits within 10m": a new user's
    trial read it as internal jargon)."""
    if incident.threshold == 1:
        return "one line is enough for this rule"
    return (f"this rule fires at {plural(incident.threshold, 'matching line')} within "
            f"{format_duration(incident.within_usec)}")


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 1,002nd."""
    suffix = "th" if number % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"


def fired_at(incident: Incident) -> str:
    """"on its first matching line", "at its 10th matching line": a trigger fires at its `threshold`-th hit (it said
    "at its first hit", "at hit 10")."""
    return "on its first matching line" if incident.threshold == 1 else \
        f"at its {ordinal(incident.threshold)} matching line"


_RUN = re.compile(r"logged for (?P<length>[^()]+?) without a pause over [^()]+? \((?P<lines>\d+) lines since "
                  r"(?P<since>[^()]+?)\); (?:its longest run in [^()]+? of history was (?P<longest>[^()]+?), on "
                  r"[^()]+? \(bar (?P<bar>[^();]+?); its runs took [^()]+? of the [^()]+? since it was first seen\)"
                  r"|its first run, new after [^()]+? of history \(bar (?P<first_bar>[^();]+?)\))"
                  r'(?:, saying "[^"]*")?')
"""The `why` of a persistence rule's incident (engine/episodes.py, Persisting.why): what the rule judged (with the
word a rule with `words` found, engine/anomaly.py SAYING); a first run's (`first_run`) has no longest learnt."""


def _bar_and_longest(run: re.Match[str]) -> tuple[str, str]:
    """A persistence why's bar, and what it says of the runs learnt ("its longest run learnt: 1m 29s", or a first
    run's "its first run")."""
    if run["first_bar"] is not None:
        return run["first_bar"], "its first run"
    return run["bar"], f"its longest run learnt: {run['longest']}"


def run_story(incident: Incident, clock: Callable[[int], str] = format_usec) -> str | None:
    """A persistence incident's counts as its rule judged them: "run began T; fired T at line 24 of the run, 3m 6s
    in, past its bar of 3m (its longest run learnt: 1m 29s); last line T: 427 lines since it fired". Its hits are
    the run's lines past the bar, so its trigger (1 hit) and first hit (the firing line) say nothing of the run.
    None for another incident."""
    run = _RUN.fullmatch(incident.why)
    if run is None:
        return None
    bar, learnt = _bar_and_longest(run)
    return (f"run began {run['since']}; fired {clock(incident.fired_usec)} at line {int(run['lines']):,} of the "
            f"run, {run['length']} in, past its bar of {bar} ({learnt}); " + _since_fired(incident, clock))


def _since_fired(incident: Incident, clock: Callable[[int], str]) -> str:
    """ "last line T: N lines since it fired, over D": an incident whose hits are the lines after its firing one."""
    lower = "at least " if incident.dropped else ""
    span = incident.last_usec - incident.fired_usec
    return (f"last line {clock(incident.last_usec)}: {lower}{plural(incident.count, 'line')} since it fired"
            + (f", over {format_duration(span)}" if span else ""))


_FLOOD = re.compile(r"(?P<seen>\d+) lines within (?P<within>[^;]+?) of a template this unit never logged in [^;]+?, "
                    r"first seen (?P<first>[^;]+?); the unit logs (?P<usual>[^ ]+) lines of all its templates in "
                    r"[^;]+? as usual \([^()]+? of history\), its busiest template at most (?P<busiest>\d+) in two "
                    r"minutes (?:before|usually) \(Poisson P=[^()]+\)")
"""The `why` of a flood rule's incident (engine/flood.py, Floods.why): what the rule judged."""


def flood_story(incident: Incident, clock: Callable[[int], str] = format_usec) -> str | None:
    """A flood incident's counts as its rule judged them: "new template first seen T; fired T at 601 lines of it
    within 1m, against the unit's usual 60.1 lines of all its templates in 1m and its busiest template's 158 in two
    minutes; last line T: 14,489 lines since it fired, over 4m 47s". Each line of a flood is a hit, so its trigger
    (1 hit within 1m) says nothing of what fired it. None for another incident."""
    flood = _FLOOD.fullmatch(incident.why)
    if flood is None:
        return None
    return (f"new template first seen {flood['first']}; fired {clock(incident.fired_usec)} at {int(flood['seen']):,} "
            f"lines of it within {flood['within']}, against the unit's usual {flood['usual']} lines of all its "
            f"templates in {flood['within']} and its busiest template's {int(flood['busiest']):,} in two minutes; "
            + _since_fired(incident, clock))


def flood_brief(incident: Incident, count: int) -> str | None:
    """flood_story on one line (`tail`): "14,489 lines since 06:00:12.226 (fired at 601 within 1m; usual 60.1 of all
    its lines, its busiest template 158 in two minutes)"; None for another incident."""
    flood = _FLOOD.fullmatch(incident.why)
    if flood is None:
        return None
    return (f"{plural(count, 'line')} since {format_usec(incident.fired_usec, with_date=False)} (fired at "
            f"{int(flood['seen']):,} within {flood['within']}; usual {flood['usual']} of all its lines, its busiest "
            f"template {int(flood['busiest']):,} in two minutes)")


_SINCE_BOOT = re.compile(r"(\d+)\.(\d{3}) s after boot")
"""format_usec's time since boot (timespec.since_boot), as a `why` gives it."""


def _clock_of(said: str) -> str:
    """A time format_usec gave with its date, without it (its time of day; a time since boot as it is)."""
    return said if _SINCE_BOOT.fullmatch(said) else said[11:] or said


def run_brief(incident: Incident, count: int) -> str | None:
    """run_story on one line (`tail`): "427 lines past its bar of 3m since 08:03:06.635 (run began 08:00:00.000,
    its longest learnt 1m 29s)"; None for another incident."""
    run = _RUN.fullmatch(incident.why)
    if run is None:
        return None
    bar, learnt = _bar_and_longest(run)
    return (f"{plural(count, 'line')} past its bar of {bar} since "
            f"{format_usec(incident.fired_usec, with_date=False)} (run began {_clock_of(run['since'])}, "
            f"{learnt.replace(' run learnt:', ' learnt')})")


_RATE = re.compile(r"(?P<seen>\d+) (?P<what>[^,]+?) within (?P<within>[^,]+?), (?P<expected>[^ ]+) expected from "
                   r"[^,]+? of history, at most (?P<peak>\d+) in two minutes (?:before|usually)(?: the last [^()]+?)? "
                   r"\(Poisson P=[^()]+\)")
_SHARE = re.compile(r"(?P<errors>\d+) of (?P<lines>\d+) lines at error level within (?P<within>[^ ]+) "
                    r"\((?P<share>[^()]+)\), (?P<usual>[^ ]+) usual over \d+ entries, at most \d+ in two minutes "
                    r"(?:before|usually) \(binomial P=[^()]+\)")
"""The `why` of a rate-spike and of an error-share rule's incident (engine/anomaly.py, _spike and _share; "usually":
the busiest two minutes the unit's baseline learnt, which a failure's lines are not; "before" and "before the last
15m" as incidents saved by older versions say it)."""


_COUNTER = re.compile(r"(?P<name>\w+) (?P<value>\d+) on its line, at least (?P<bar>\d+)")
"""The `why` of an incident its line's own count fired (engine/window.py counter_why)."""


def by_counter(why: str) -> bool:
    """Is `why` a counter's (engine/window.py counter_why), which the card's count story tells already?"""
    return _COUNTER.fullmatch(why) is not None


def judged(incident: Incident) -> str | None:
    """What fired a rate or share rule's incident, in its own counts: "at 30 lines of this template within 1m, 0.065
    expected (at most 1 in two minutes usually)"; each of its hits is a line judged so, so its trigger (1 hit within
    1m) says nothing of what fired it. None for another incident."""
    if (rate := _RATE.fullmatch(incident.why)) is not None:
        return (f"at {rate['seen']} {rate['what']} within {rate['within']}, {rate['expected']} expected (at most "
                f"{rate['peak']} in two minutes usually)")
    if (share := _SHARE.fullmatch(incident.why)) is not None:
        return (f"at {share['errors']} of {share['lines']} lines at error level within {share['within']} "
                f"({share['share']}; {share['usual']} usual)")
    return None


def hits_said(why: str, count: int) -> str:
    """An incident's `count` named as its rule counts: a rate or share rule's hits are the lines it judged past its
    bar, the first of which fired it ("2 lines past the bar (fired at 30 lines of this template within 1m)": else
    the 2 read as contradicting the 30 its `why` gives), a persistence rule's the run's lines past its bar, a
    flood's the lines since it fired; any other incident's "N hits". `why` is the incident's (an alert's, cleaned)."""
    if (rate := _RATE.fullmatch(why)) is not None:
        return f"{plural(count, 'line')} past the bar (fired at {rate['seen']} {rate['what']} within {rate['within']})"
    if (share := _SHARE.fullmatch(why)) is not None:
        return (f"{plural(count, 'error line')} past the bar (fired at {share['errors']} of {share['lines']} lines at "
                f"error level within {share['within']})")
    if (run := _RUN.fullmatch(why)) is not None:
        return (f"{plural(count, 'line')} past its bar of {_bar_and_longest(run)[0]} (fired at line "
                f"{int(run['lines']):,} of the run)")
    if (flood := _FLOOD.fullmatch(why)) is not None:
        return (f"{plural(count, 'line')} since it fired (at {int(flood['seen']):,} lines of it within "
                f"{flood['within']})")
    return plural(count, "hit")


def _judged_hits(incident: Incident, count: int) -> str:
    """A rate or share incident's hits as the lines past its bar (hits_said without the firing count, which
    `judged` gives beside it); "N matching lines" for any other (the card's words: it said "N hits")."""
    if _RATE.fullmatch(incident.why) is not None:
        return f"{plural(count, 'line')} past the bar"
    if _SHARE.fullmatch(incident.why) is not None:
        return f"{plural(count, 'error line')} past the bar"
    return plural(count, "matching line")


def began_usec(incident: Incident) -> int:
    """When what the incident is about began (µs of journal time): a persistence incident's run and a flood's new
    template began before the line that fired them (`first_usec`), at the time their `why` gives (to the ms,
    floored: no line of theirs is before it); a rate or share rule's lines that fired it within its window before
    (its first hit is the line that passed the bar: a command from there showed one line, not the 30 counted); any
    other incident's first hit."""
    if _RATE.fullmatch(incident.why) is not None or _SHARE.fullmatch(incident.why) is not None:
        return incident.first_usec - incident.within_usec
    run, flood = _RUN.fullmatch(incident.why), _FLOOD.fullmatch(incident.why)
    said = run["since"] if run is not None else flood["first"] if flood is not None else None
    if said is not None and (boot := _SINCE_BOOT.fullmatch(said)) is not None:  # (format_usec's since boot)
        return min(int(boot[1]) * 1_000_000 + int(boot[2]) * 1000, incident.first_usec)
    try:
        moment = datetime.strptime(said or "", "%Y-%m-%d %H:%M:%S.%f")  # format_usec's: local time, ms
    except ValueError:
        return incident.first_usec
    began = int(moment.replace(microsecond=0).timestamp()) * 1_000_000 + moment.microsecond
    return min(began, incident.first_usec)


def chain_rules(chain: Sequence[Link]) -> int:
    """How many rules a failure's chain holds (a new-template rule is a link per new line)."""
    return len({link.rule_id for link in chain})


JOINED = "taken by its open incident"
"""What a chain's row says of a rule whose lines the failure's open incident took (Link.joined), instead of "below
its trigger"."""


def link_lines(link: Link, word: str = "line") -> str:
    """How many lines a chain's row stands for, "" for one: a rule that fired, all of its lines; one that did not
    (evidence: its row's line is the newest before the failure began, engine/failure_lead.py), all of its lines in
    the failure, those after that line too (Failure.tallies), "below its trigger". The card said "09:00:27
    error-burst (4 lines)" of four lines from 09:00:00, above a table of its 6 matches below their trigger
    (helper-187), then "(4 lines before it fired)" read as the rule's firing, beside `"fired": false` (helper-190),
    then "(2 lines up to this one, ...)" above a table of its 12 (new-user trial 230): now the count is the table's,
    which leaves out the lines a chain counts. A rule whose lines the failure's open incident took (Link.joined) was
    never below its trigger: it was not counted against it."""
    if link.count <= 1:
        return "" if link.fired else JOINED if link.joined else "below its trigger"
    return plural(link.count, word) + ("" if link.fired else f" in this failure, {JOINED}" if link.joined
                                       else " in this failure, below its trigger")


def chain_heading(rules: int, links: int, repeated: Mapping[str, int] | None = None) -> str:
    """"one failure, 9 rules matched it (new-error-template on 3 new lines, new-failure-template on 2):" above a
    failure's chain (engine/failures.py): a new-template rule is a row per new line, so the rows outnumber the rules
    (helper F9 read "13 rules" for 9). `repeated`: the rules of several rows, each with its rows (repeated_rules);
    None where it is not known (an alert saved before it was kept). It said "9 rules in its chain (13 links)", then
    "(13 rows: a new line each)": rows and links are a layout's words, and the rules that made them unnamed (rough
    edge 65's 8)."""
    heading = f"one failure, {plural(rules, 'rule')} matched it"
    if links <= rules:
        return heading + ":"
    if not repeated:
        return f"{heading} ({links} rows: some rules on several new lines):"
    named = [f"{rule} on {count} new lines" if at == 0 else f"{rule} on {count}"
             for at, (rule, count) in enumerate(list(repeated.items())[:MAX_NAMED])]
    if len(repeated) > MAX_NAMED:
        named.append(f"{len(repeated) - MAX_NAMED} more on several")
    return f"{heading} ({', '.join(named)}):"


MAX_NAMED = 3
"""The rules of several rows a chain's heading names (chain_heading), at most."""


def repeated_rules(chain: Sequence[Link]) -> dict[str, int]:
    """The rules of a failure's chain with more than one link (a new-template rule's new lines), each with its
    links, in their first link's order."""
    counts = Counter(link.rule_id for link in chain)
    return {rule: counts[rule] for rule in dict.fromkeys(link.rule_id for link in chain) if counts[rule] > 1}


def own_last_hit(incident: Incident, seen: int | None = None) -> int | None:
    """The rule's own last hit (µs). A failure's incident (engine/failures.py) carries its failure's last line as
    `last_usec`, often another rule's (PID 1's "Failed with result" that joined its chain): helper U read it as
    the rule's "last hit". `seen`: the latest hit a reader saw go to it (hit_spans.HitSpans). Else `last_usec`
    when no other rule joined it, its first hit when it had one; None when the incident does not tell."""
    if seen is not None:
        return max(seen, incident.fired_usec)
    if not incident.chain:
        return incident.last_usec
    return incident.first_usec if incident.count == 1 else None


def failure_last(incident: Incident, own: int | None, clock: Callable[[int], str] = format_usec) -> str:
    """"the failure's last line T" when a failure's chain goes on past the rule's own last hit; "" otherwise."""
    if not incident.chain or (own is not None and incident.last_usec <= own):
        return ""
    return f"the failure's last line {clock(incident.last_usec)}"


def count_story(incident: Incident, reported: int | None = None,
                clock: Callable[[int], str] = format_usec, seen_last: int | None = None) -> str:
    """"first matching line T; fired T at the 10th (this rule fires at 10 matching lines within 10m), reported at 12
    matching lines; last one T: 14 matching lines in all over 6.5s": `incident` is the incident at its end,
    `reported` the count of its `incident` record (a persistence incident: run_story; a flood: flood_story; a rate
    or share rule's fired as `judged` says). The last hit is the rule's own (own_last_hit; `seen_last`: the latest
    seen); a failure's later lines are said apart ("; the failure's last line T") and listed in its chain. (It said
    "first hit T; fired T at its first hit (trigger: 1 hit within 10m); last hit T: 6 hits in all": a new user's
    trial read "hit" and "trigger" as jargon.)"""
    if (story := run_story(incident, clock) or flood_story(incident, clock)) is not None:
        return story
    if incident.rule_id == "host-rebooted-uncleanly":  # (engine/host_boots.RULE_ID: no matching lines, a downtime)
        return (f"its last line {zoned(format_usec(incident.first_usec), incident.first_usec)}, its next "
                "boot's first line "
                f"{clock(incident.fired_usec)}: down {format_duration(incident.within_usec)}, no shutdown between")
    told = (f", reported at {_judged_hits(incident, reported)}"
            if reported is not None and reported != incident.threshold else "")
    lower = "at least " if incident.dropped else ""
    which = "on it" if incident.threshold == 1 else f"at the {ordinal(incident.threshold)}"
    if (counter := _COUNTER.fullmatch(incident.why)) is not None:  # fired by the count its line gives
        told = ""
        how = (f"on the line saying {counter['name']} {int(counter['value']):,} (this rule fires at a "
               f"{counter['name']} of {int(counter['bar']):,}, or at"
               f"{trigger_text(incident).removeprefix('this rule fires at')})")
    else:
        how = judged(incident) or f"{which} ({trigger_text(incident)})"
    # (the zone: a card's times sat beside its quoted line's own, an hour apart for a CET paste: helper-187)
    guessed = " (year guessed)" if year_guessed(incident.first_usec) else ""  # (as stderr says: timespec.YEAR_GUESSED)
    start = (f"first matching line {zoned(format_usec(incident.first_usec), incident.first_usec)}{guessed}; fired "
             f"{clock(incident.fired_usec)} {how}{told}; ")
    hits = f"{lower}{_judged_hits(incident, incident.count)} in all"
    if incident.going_on:  # lines of its failure going on (engine/owners.py going_on) move its last line on
        span = incident.last_usec - incident.first_usec
        return (f"{start}last line {clock(incident.last_usec)}: {hits} and {incident.going_on:,} more lines of its "
                f"failure" + (f" over {format_duration(span)}" if span else ""))
    own = own_last_hit(incident, seen_last)
    later = failure_last(incident, own, clock)
    if own is None:
        return f"{start}{hits}; {later}"
    span = own - incident.first_usec
    return (f"{start}last one {clock(own)}: {hits}" + (f" over {format_duration(span)}" if span else "")
            + (f"; {later}" if later else ""))


def raised_by(incident: Incident) -> str:
    """Why a failure's severity is above its lead rule's own ("" when it is not): a failure is as severe as its
    most severe member (engine/failures.py), so "CRITICAL go-nil-pointer-panic" read as that rule's level when it
    was new-fatal-template's in its chain (helper-118's trial). Says "raised from error to critical by RULE": it said
    "critical by RULE; LEAD is error", which a new user's trial found hard to parse."""
    own = next((link.severity for link in incident.chain if link.rule_id == incident.rule_id), None)
    by = next((link.rule_id for link in incident.chain if link.severity == incident.severity), None)
    if own is None or by is None or own >= incident.severity:
        return ""
    return f"raised from {own.label} to {incident.severity.label} by {by}"
