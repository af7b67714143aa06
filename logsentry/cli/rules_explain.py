"""`rules check` on anomaly rules: a line alone never fires one (each compares a unit with its own learnt
past), so it says which rules the line would count for, one line each (brief, brief_lines); with --explain, what
each rule watches (its kind, level, thresholds and window, in words) and whether the line given would count for
it, and why not (its effective level, the rule's words against its template). The full text was the default: 16
rules' two lines each buried the one-line answer above them (a new user's finding)."""

from __future__ import annotations

from ..engine.info_lines import told_info
from ..engine.levels import effective_priority
from ..engine.minutes import MINUTE_USEC, PEAK_DAYS
from ..engine.templates.tokens import MAX_TEMPLATE_CHARS, tokenize
from ..rules.anomaly import AnomalySpec
from ..rules.rule import Rule
from ..sources.selection import PRIORITY_NAMES
from ..timespec import format_duration
from ..views.escape import visible
from ..wording import plural


def _level(spec: AnomalySpec) -> str:
    return "at any level" if spec.level is None else f"at {PRIORITY_NAMES[spec.level]} or worse"


def watches(rule: Rule) -> str:
    """What the rule watches and when it fires, in words (µs shown as durations)."""
    spec = rule.anomaly
    assert spec is not None
    within = format_duration(rule.trigger.within_usec)
    warm = (f"once {format_duration(spec.warm_after_usec)} and {spec.warm_entries} entries of the unit's history "
            "are learnt") + (" (a line read from text: from the unit's first line)" if spec.excerpts else "")
    if spec.excerpts_only:
        warm = (f"in lines read from text only, from the unit's first line until "
                f"{format_duration(spec.warm_after_usec)} and {spec.warm_entries} entries of its history are learnt")
    p_value = f"{spec.p_value:g}".replace("e-0", "e-")
    tails = f"a {{}} tail below {p_value}, and more than {spec.peak_margin:g}x " + _bar(rule)
    if spec.kind == "new-template" and spec.flood:  # engine/flood.py
        scale = rule.trigger.within_usec / (2 * MINUTE_USEC)
        return (f"how fast the lines {_level(spec)} of each message template the unit never logged come (new for "
                f"{format_duration(spec.novel_for_usec)} after its first sighting), {warm}: fires at {spec.min_count} "
                f"or more within {within}, {spec.factor:g}x the unit's learnt rate of lines of all its templates or "
                f"more, a Poisson tail below {p_value}, and more than {spec.peak_margin:g}x the busiest two minutes of "
                f"any template of the unit in the last {PEAK_DAYS} days (not the new ones)"
                + (f", times {scale:g} for the {within} window" if scale > 1 else "")
                + (f", once its lines span {format_duration(spec.lasting_usec)}" if spec.lasting_usec else ""))
    if spec.kind == "new-template":
        said = f" whose text says one of its {plural(len(spec.words), 'word')}" if spec.words else ""
        said += " in a unit that never logged an error-level line" if spec.clean else ""
        said += " (not a line its program wrote at info or debug)" if spec.words and not spec.info_lines else ""
        return (f"lines {_level(spec)} of a message template the unit never logged{said} (new for "
                f"{format_duration(spec.novel_for_usec)} after its first sighting), {warm}; "
                f"{plural(rule.trigger.count, 'such line')} within {within} fire"
                + ("s" if rule.trigger.count == 1 else ""))
    if spec.kind == "persistence":  # engine/episodes.py
        said = f" whose text says one of its {plural(len(spec.words), 'word')}" if spec.words else ""
        said += " (but the templates its ignore finds)" if spec.words_re is not None and spec.words_re.ignore else ""
        said += " (not a line its program wrote at info or debug)" if spec.words and not spec.info_lines else ""
        if spec.first_run:
            return (f"how long the first run of a template first logged once {warm.removeprefix('once ')}, its lines "
                    f"{_level(spec)} and below err{said}, goes on with no pause over "
                    f"{format_duration(spec.gap_usec)}: fires once it has lasted longer than "
                    f"{format_duration(spec.floor_usec)} in at least {spec.min_count} lines (its later runs are "
                    "not judged)")
        return (f"how long each known template's lines {_level(spec)}{said} go on with no pause over "
                f"{format_duration(spec.gap_usec)}, {warm}: fires once a run of at least {spec.min_count} lines has "
                f"lasted longer than {format_duration(spec.floor_usec)} and {spec.margin:g}x the template's longest "
                "run learnt (a run it fired on is not learnt; a template whose first run has not ended is new)")
    if spec.kind == "rate-spike":
        what = f"the unit's lines {_level(spec)}, all together" if spec.errors else "each known template's lines"
        return (f"the rate of {what}, {warm}: fires at {spec.min_count} or more within {within}, "
                f"{spec.factor:g}x the learnt rate or more, " + tails.format("Poisson"))
    return (f"the share of the unit's lines {_level(spec)}, {warm}: fires at {spec.min_count} or more such lines "
            f"within {within}, {spec.factor:g}x the learnt share or more, " + tails.format("binomial"))


def _bar(rule: Rule) -> str:
    """The busiest two minutes a rate or share rule must pass, as engine/anomaly.py's _spike and _share take
    them (minutes.Minutes: the last PEAK_DAYS days of journal time). A rate rule's bar is scaled up to a
    window longer than two minutes; a share rule's is not (a burst is short, a failure that goes on is not)."""
    spec = rule.anomaly
    assert spec is not None
    within = rule.trigger.within_usec
    what = "the unit's error-level lines" if spec.kind == "error-share" or spec.errors else "the template's lines"
    said = f"the busiest two minutes of {what} in the last {PEAK_DAYS} days"
    if spec.kind == "error-share":
        return said + ("" if within <= 2 * MINUTE_USEC else
                       f", not scaled up to the {format_duration(within)} window")
    scale = within / (2 * MINUTE_USEC)
    return said + (f", times {scale:g} for the {format_duration(within)} window" if scale > 1 else "")


def verdict(rule: Rule, line: str, priority: int | None) -> str:
    """Would the line count for the rule (as a line of a warm unit), and why (not)."""
    spec = rule.anomaly
    assert spec is not None
    level, source = effective_priority(priority, line)
    named = "no level" if level is None else \
        f"{PRIORITY_NAMES[level]} ({'PRIORITY' if source == 'journal' else 'the level it writes'})"
    if spec.level is not None and (level is None or level > spec.level):
        counted = " (it counts only among all of the unit's lines)" if spec.kind == "error-share" else ""
        return f"does not count: it is at {named}, the rule needs {PRIORITY_NAMES[spec.level]} or worse{counted}"
    text = " ".join(tokenize(line.split("\n", 1)[0][:MAX_TEMPLATE_CHARS]))
    if spec.kind in ("new-template", "persistence") and spec.words_re is not None and spec.words_re.pattern is None \
            and spec.words_re.ignores(text):
        return f"does not count: the rule ignores its template (at {named}; template: {visible(text)})"
    if spec.kind == "new-template" and spec.words_re is not None and not spec.info_lines and level is not None \
            and told_info(level, source, line):
        return (f"does not count: its program wrote it at {PRIORITY_NAMES[level]}, which says no failure to this rule "
                f"(info_lines = false; template: {visible(text)})")
    if spec.kind in ("new-template", "persistence") and spec.words_re is not None and spec.words_re.pattern is not None:
        found = spec.words_re.search(text) if spec.kind == "persistence" else spec.words_re.said(text, line)
        if found is None:
            return (f"does not count: its template says none of the rule's words (at {named}; template: "
                    f"{visible(text)})")
        if spec.kind == "persistence":
            return (f"counts toward its template's current run: it says {visible(found.group(0))!r} (at {named}; "
                    f"template: {visible(text)})")
        return (f"counts if its template is new to a warm unit: it says {visible(found.group(0))!r} (at "
                f"{named}; template: {visible(text)})")
    if spec.kind == "new-template":
        return f"counts if its template is new to a warm unit (at {named}; template: {visible(text)})"
    if spec.kind == "rate-spike" and not spec.errors:
        return f"counts toward its template's rate (template: {visible(text)})"
    if spec.kind == "persistence":
        return f"counts toward its template's current run (at {named}; template: {visible(text)})"
    return f"counts (at {named})"


def explain(rules: list[Rule], line: str, priority: int | None) -> list[str]:
    """The lines `rules check` prints for the anomaly rules: each one's watch and this line's verdict."""
    if not rules:
        return []
    out = _heading()
    for rule in rules:
        out.append(_watch(rule))
        out.append(f"    this line {verdict(rule, line, priority)}")
    return out


def _heading() -> list[str]:
    return ["anomaly rules (a line alone never fires one: each compares a unit with its learnt past, "
            "`logsentry baseline show -u UNIT`):"]


def _watch(rule: Rule) -> str:
    assert rule.anomaly is not None
    return f"{visible(rule.id)} ({rule.severity.label}, {rule.action}, {rule.anomaly.kind}): watches {watches(rule)}"


def verdict_records(rules: list[Rule], lines: list[str], priority: int | None) -> list[dict[str, object]]:
    """`rules check -o json`: the text output's verdicts as records, one per (line, anomaly rule) of the first
    MAX_EXPLAINED_LINES lines: `counts` (false when the line cannot count for the rule), the verdict and what the
    rule watches, in the text's words. Lines past the limit get none (the text output says how many)."""
    out: list[dict[str, object]] = []
    for line in lines[:MAX_EXPLAINED_LINES]:
        for rule in rules:
            assert rule.anomaly is not None
            said = verdict(rule, line, priority)
            out.append({"type": "anomaly", "rule": rule.id, "severity": rule.severity.label, "action": rule.action,
                        "kind": rule.anomaly.kind, "line": line, "counts": not said.startswith("does not count"),
                        "verdict": said, "watches": watches(rule)})
    return out


MAX_EXPLAINED_LINES = 200
"""Lines of `rules check --file` given the anomaly rules' verdicts (each rule's watch is said once)."""


def explain_lines(rules: list[Rule], lines: list[str], priority: int | None) -> list[str]:
    """`rules check --file`: each anomaly rule's watch once, then each line's verdict for each rule (the first
    MAX_EXPLAINED_LINES lines; how many more were not explained is said)."""
    if not rules or not lines:
        return []
    out = _heading() + [_watch(rule) for rule in rules]
    for number, line in enumerate(lines[:MAX_EXPLAINED_LINES], 1):
        out.append(f"line {number}: {visible(line)}")
        out.extend(f"    {visible(rule.id)}: {verdict(rule, line, priority)}" for rule in rules)
    if len(lines) > MAX_EXPLAINED_LINES:
        out.append(f"(the anomaly rules' verdicts are given for the first {MAX_EXPLAINED_LINES} lines: "
                   f"{plural(len(lines) - MAX_EXPLAINED_LINES, 'more line')} not explained)")
    return out


_EXPLAIN_HINT = "--explain: what each anomaly rule watches, and why a line counts for it or not"


def brief(rules: list[Rule], line: str, priority: int | None) -> list[str]:
    """`rules check LINE`'s anomaly section by default: after a blank line (the match answer above stays the first
    thing read), a heading with how many rules the line counts for, then one line for each of those."""
    if not rules:
        return []
    counted = [(rule, said) for rule in rules if not (said := verdict(rule, line, priority)).startswith("does not")]
    out = ["", f"anomaly rules (a line alone never fires one: each compares a unit with its learnt past): this line "
           f"counts for {len(counted)} of {len(rules)} ({_EXPLAIN_HINT})"]
    out.extend(f"    {visible(rule.id)} ({rule.severity.label}): {said}" for rule, said in counted)
    return out


def brief_lines(rules: list[Rule], lines: list[str], priority: int | None) -> list[str]:
    """`rules check --file`'s anomaly section by default: each line (the first MAX_EXPLAINED_LINES) with the rules
    it counts for, by id, on the line below it."""
    if not rules or not lines:
        return []
    out = ["", f"anomaly rules (a line alone never fires one: each compares a unit with its learnt past): which of the "
           f"{len(rules)} each line counts for ({_EXPLAIN_HINT})"]
    for number, line in enumerate(lines[:MAX_EXPLAINED_LINES], 1):
        ids = [visible(rule.id) for rule in rules if not verdict(rule, line, priority).startswith("does not")]
        out += [f"line {number}: {visible(line)}", f"    counts for {', '.join(ids) if ids else 'none'}"]
    if len(lines) > MAX_EXPLAINED_LINES:
        out.append(f"(the anomaly rules' verdicts are given for the first {MAX_EXPLAINED_LINES} lines: "
                   f"{plural(len(lines) - MAX_EXPLAINED_LINES, 'more line')} not explained)")
    return out
