"""The terminal report of `logsentry scan`: incidents by unit and rule, times, counts and sample lines.

Log-derived text (units, rule ids, keys, lines) goes in as rich `Text` through `escape.visible`, never as markup."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Sequence
from functools import partial

from rich.cells import cell_len
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from ..actions.alert import CHANGED_LABEL, journalctl_command
from ..engine.absence import Gap
from ..engine.absence_seen import Learning
from ..engine.host_boots import RULE_ID as REBOOT_RULE
from ..model import Action, Incident, Link, Severity, said_usec
from ..pipeline import Progress
from ..sources.last_lines import NOTHING, Said
from ..sources.status_paste import told_by_header
from ..timespec import format_duration, format_usec, since_boot, zoned
from ..wording import plural
from .card_groups import card_groups, said_words
from .chain import ChainView, last_lines_view
from .cold_note import cold_note
from .counts import JOINED, by_counter, chain_heading, chain_rules, count_story, link_lines, raised_by, repeated_rules
from .escape import visible
from .fit import leading_widths, name_lines, wrapped
from .gist import Gist
from .incident_tally import tally_table
from .scan_summary import ScanSummary
from .tail_state import other_host
from .unit_label import told_key

HEADER_TOLD = "from the systemctl status header, in PID 1's words (no line of the paste says it):"
"""Above a card's first line when a `systemctl status` header stated it (sources/status_paste.py): quoted under the
bar as a log line, it read as one the paste holds (trial 72's 13)."""
HEADER_WIDTH = 120
"""The header wraps at this width on wider terminals (a line too long to read at a glance)."""

SEVERITY_STYLE = {
    Severity.INFO: "cyan",
    Severity.WARNING: "yellow",
    Severity.ERROR: "red",
    Severity.CRITICAL: "bold white on red",
}


def _severity_text(severity: Severity) -> Text:
    return Text(severity.label, style=SEVERITY_STYLE[severity])


class DayClock:
    """Times as text: the date only on the first time shown and on times that fall on another day than it."""

    def __init__(self, first_usec: int | None):
        self.day = format_usec(first_usec)[:10] if first_usec is not None else ""

    def __call__(self, usec: int) -> str:
        if since_boot(usec):
            return format_usec(usec, with_date=False)  # (`1843.202 s`: its first, with `after boot`, says since when)
        full = format_usec(usec)
        return full[11:] if full[:10] == self.day else full


def _silence_block(incident: Incident, gap: Gap, action: Text, head: Text, clock: DayClock) -> Panel:
    """A silence: how long the unit said nothing against its usual rhythm, and its last line before the gap
    (context, not an error), whole and wrapped as an incident's own lines are (cut to a guessed width, it lost
    what the unit said last)."""
    length = gap.length_said()
    usual = f", usually one every {format_duration(gap.expected_gap_usec)}" if gap.expected_gap_usec else ""
    until = "the end of the input (still silent)" if gap.open else clock(gap.to_usec)
    what = Text(f"silence: no entry for {length}{usual}", style="bold")
    set_back = ", the clock as set back" if incident.fired_usec < gap.from_usec else ""  # (helper-169's E8)
    times = Text(f"from {format_usec(gap.from_usec)} to {until}; counted as silent after "
                 f"{format_duration(gap.threshold_usec)} ({clock(incident.fired_usec)}{set_back})")
    lines: list[Text | Table] = [Text("last line before it:", style="dim")]
    lines += [wrapped(Text("│", style="dim"), sample, "dim")
              for sample in incident.samples[:1] if sample]
    return Panel(Group(head, what, times, action, *lines), border_style=SEVERITY_STYLE[incident.severity],
                 expand=True)


def matches_said(progress: Progress) -> str:
    """"38 matches on 12 lines" where a line matched several rules (a PostgreSQL FATAL line its signature,
    error-burst and new-error-template): "38 matches" of 24 entries read as a miscount (new-user trial 230)."""
    said = plural(progress.matches, "match", "matches")
    lines = progress.matched_lines
    return f"{said} on {plural(lines, 'line')}" if 0 < lines < progress.matches else said


def _incident_block(incident: Incident, actions: list[Action], gap: Gap | None = None,
                    clock: DayClock | None = None, reported: int | None = None,
                    seen_last: int | None = None, last_lines: Said = NOTHING, exited: str = "",
                    same_on: Text | None = None, causes: Sequence[str] = (),
                    from_header: Callable[[str], bool] | None = None, changed: Sequence[str] = ()) -> Panel:
    """One incident: what, where, when, how many, what was done (how its main process ended, where PID 1 said:
    `exited`; what systemd said was wrong: `causes`, engine/unit_causes.py; what PID 1 changed on any host just
    before it: `changed`, engine/unit_changes.py), its first lines, and the units it stands for too (`same_on`)."""
    dry = " (dry run)" if actions and all(a.dry_run for a in actions) else ""
    done = " + ".join(a.kind for a in actions) or incident.action
    key = f" [{shown}]" if (shown := told_key(incident.unit, incident.key)) else ""  # (not the unit again)
    head = Text.assemble((f"{incident.severity.label.upper()} ", SEVERITY_STYLE[incident.severity]),
                         other_host(incident.machine_id, incident.host),  # another machine's: its name first
                         (visible(incident.unit + key), "bold"), "  ", visible(incident.rule_id))
    if raised := raised_by(incident):
        head.append(f" ({raised})", style="dim")
    clock = clock or DayClock(incident.first_usec)
    if gap is not None:
        return _silence_block(incident, gap, Text.assemble("action: ", (done + dry, "bold")), head, clock)
    times = Text(count_story(incident, reported, clock, seen_last)
                 + (f" (journald suppressed {plural(incident.dropped, 'message')} of this unit meanwhile)"
                    if incident.dropped else ""))
    action = Text.assemble("action: ", (done + dry, "bold"))
    # why the restart its rule asks was not done (a container, a user's unit, another host): JSON and alerts said
    # it, the card did not (helper-163's trial)
    if incident.action == "restart" and not any(a.kind == "restart" for a in actions) and \
            (reason := next((a.reason for a in actions if a.reason), "")):
        action.append(f": {visible(reason)}", style="dim")
    for cause in reversed(causes):  # (above the action, under the exit: what hung, what could not be set up)
        action = Text.assemble(Text.assemble(("systemd said: ", "bold"), visible(cause)), "\n", action)
    if exited:
        who, _, how = exited.partition(": ")  # ("main process", or a control process's: engine/main_exits.py)
        action = Text.assemble(Text.assemble((f"{who}: ", "bold"), visible(how)), "\n", action)
    explained: list[Text | Table] = [Text.assemble(("why: ", "bold"), visible(incident.why))] \
        if incident.why and not by_counter(incident.why) else []  # (a counter's: its count story says it)
    if changed:  # (the likely cause on another host: under what was done, before the unit's own story)
        explained[:0] = [Text(CHANGED_LABEL, style="bold"), *(_hanging(line) for line in changed)]
    if incident.template:
        explained.append(wrapped(Text("template:", style="bold"), incident.template, "italic"))
    # the hit's own lines whole, wrapped under their bar: cut to the terminal's width, an OOM kill's line kept
    # neither the process's name nor its size (helper-124: `Killed process 30198 (p…4936kB, file-rss:0kB…`)
    # (distinct ones: a crash loop's hits are one line again and again, and its card said "Failed with result
    # 'exit-code'." twice; the next other line it kept, if any, says more)
    # Its first line and its latest, past the first (a traceback's ten ERROR lines fired at the third, a frame, and
    # the second shown was the next frame: the exception that says why, its last line, was nowhere on the card)
    # Two are labelled as the count story names them (a Redis outage's two lines read alike, JSON lines shown as
    # `caller: message`, and which was which was not said: a new user's trial).
    distinct = list(dict.fromkeys(incident.samples))
    quoted = distinct[:1] + distinct[1:][-1:]
    # (host-rebooted-uncleanly's two lines tell its downtime and the units silent over it: no line it fired on)
    labels = (TELLING_LABELS if incident.said_usec >= 0 else SAMPLE_LABELS) \
        if len(quoted) == 2 and incident.rule_id != REBOOT_RULE else ("│", "│")
    samples: list[Text | Table] = []
    for at, sample in enumerate(quoted):  # (a status header's: said, no paste's line)
        if (told_by_header(incident.cursor) if at == 0 else False) or (from_header is not None and from_header(sample)):
            samples.append(Text(HEADER_TOLD, style="dim"))
        samples.append(wrapped(Text(labels[at], style="dim"), sample, "dim"))
    chain = [*_chain_lines(incident, clock), *last_lines_view(last_lines, clock)]
    return Panel(Group(head, times, action, *explained, *samples, *chain, *([same_on] if same_on else [])),
                 border_style=SEVERITY_STYLE[incident.severity], expand=True)


def _hanging(line: str) -> Table:
    """A line indented by two, wrapped under its own start (a change's "started again" on the next line)."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_row(Text(" "), Text(visible(line)))
    return grid


def _same_on(incident: Incident, others: Sequence[Incident], clock: DayClock) -> Text | None:
    """One cause on many units (views/card_groups.py): the others named in the first's card, in reading order;
    printed after its box, the list read as a note apart (nu230)."""
    if not others:
        return None
    last = max(other.first_usec for other in others)
    when = f"at {clock(last)}" if last == incident.first_usec else f"from {clock(incident.first_usec)} to {clock(last)}"
    return Text.assemble((f"The same on {plural(len(others), 'more unit')} {when}", "bold"),
                         f" (an incident each in -o json): {', '.join(visible(other.unit) for other in others)}")


SAMPLE_LABELS = ("│ fired on:", "│ later:   ")
"""The bars of a card's two quoted lines: the one its rule fired on (its incident's first sample: its Nth hit's
line, or the failure a retry announced, engine/retry_causes.py) and a later hit's: the latest its samples kept, not
always its last line (hits the counted step took, engine/runstep.py, add no sample: a card labelled it `last:` under
"last one 13:59:11" quoting a 13:41 line, a second new user's try)."""


TELLING_LABELS = ("│ failure: ", SAMPLE_LABELS[1])
"""The same for an incident whose first quoted line is a counted line before the one it fired on, a runtime's stock
note (Incident.said_usec: engine/stock_lines.py)."""


def _again(incident: Incident, again: Sequence[Incident], clock: DayClock) -> Text | None:
    """One rule firing again and again on one unit (views/card_groups.py): the later incidents' times in the first's
    card, and the last one's first line when it says something else."""
    if not again:
        return None
    times = ", ".join(clock(other.first_usec) for other in again)
    text = Text.assemble((f"Again {plural(len(again), 'time')} on this unit", "bold"),
                         f" (an incident each in -o json): {times}")
    last = again[-1]
    if last.samples and incident.samples and last.samples[0] != incident.samples[0]:
        text.append(f"; the last: {visible(last.samples[0])}")
    return text


def _chain_lines(incident: Incident, clock: DayClock) -> list[Text | ChainView]:
    """A failure's chain (engine/failures.py): each rule that described it, at its first line, in time order
    (views/chain.py lays it out: a line each, or each line whole under its rule when one does not fit)."""
    if not incident.chain:
        return []
    # One line several rules matched below their triggers is one row: a paste's traceback header was a row each
    # for new-error-template, new-failure-template, error-burst and python-traceback-burst. Each names its lines in
    # the failure when more than that one (error-burst's go on past it: Failure.tallies).
    groups: list[list[Link]] = []
    for link in incident.chain:
        last = groups[-1][-1] if groups else None
        if last is not None and not link.fired and not last.fired and link.joined == last.joined \
                and (said_usec(link), link.message) == (said_usec(last), last.message):
            groups[-1].append(link)
        else:
            groups.append([link])
    rows: list[tuple[Text, Text, str]] = []
    row_of: tuple[int, str] | None = None  # (time, line) of the last row
    for group in groups:
        rule = Text()
        for at, link in enumerate(group):
            rule.append(", " if at else "")
            rule.append(visible(link.rule_id), style=SEVERITY_STYLE[link.severity])
            if len(group) > 1 and link.count > 1:
                rule.append(f" on {plural(link.count, 'line')} in this failure")
        if said := link_lines(group[0]):
            rule.append(f" ({said if len(group) == 1 else JOINED if group[0].joined else 'below their triggers'})")
        if told_by_header(group[0].cursor):
            rule.append(" (from the status header)", style="dim")
        # The rules that fired on a line and those its incident took there are one row: a new user's card had
        # "new-error-template (6,204 lines)" and "new-failure-template, new-warning-template (taken by its open
        # incident)" as two rows quoting the same line at the same time.
        if rows and row_of == (said_usec(group[0]), group[0].message):
            rows[-1][1].append("; ").append(rule)
            continue
        row_of = (said_usec(group[0]), group[0].message)
        rows.append((Text(" " + clock(said_usec(group[0]))), rule, group[0].message))
    heading = chain_heading(chain_rules(incident.chain), len(rows), repeated_rules(incident.chain))
    return [Text(heading, style="bold"), ChainView(rows)]


def command_lines(command: str, width: int, label: str = "its lines: ") -> list[str]:
    """A shell command as lines of at most `width` characters, broken between arguments with ` \\` (an option
    kept with its value): copied from the terminal or a saved report whole, it runs as one command. A piece
    longer than a line (a long path) is kept whole: a word broken in two would name no file."""
    words = [shlex.quote(word) for word in shlex.split(command)]
    pieces: list[str] = []
    for word in words:
        if pieces and pieces[-1] in _TAKES_VALUE:
            pieces[-1] += " " + word
        else:
            pieces.append(word)
    lines, line = [], label + pieces[0]
    for piece in pieces[1:]:
        if len(line) + 1 + len(piece) + 2 > width:
            lines.append(line + " \\")
            line = "    " + piece
        else:
            line += " " + piece
    return [*lines, line]


_TAKES_VALUE = frozenset({"-D", "--file", "-u", "-t", "--since", "--until"})
"""The options of alert.journalctl_command that take a value."""


def render_scan(console: Console, summary: ScanSummary, progress: Progress, rule_count: int,
                cold: tuple[int, int, str, tuple[str, ...], tuple[str, ...]] | None = None,
                source: Sequence[str] | None = None,
                no_command: str = "", selected: bool = True, learning: Learning | None = None,
                quiet: bool = False, verdict: str = "", narrowing: Sequence[str] = ()) -> None:
    """The scan's report; `cold`: (units the anomaly rules that need a history never judged, units learnt, the
    least history they need, the anomaly rules that need none), said so that a short or filtered scan's silence is
    not read as an all-clear. `source`: journalctl's arguments for the journal read (alert.journal_source), for each
    incident's command under its panel (the one its alert gives); None for a dump, which journalctl cannot read:
    `no_command` says so once, naming it (views/no_command.py). `selected`: -u, -M, -H, -p, --since or --until was
    given (with none, no entry read means an empty input, not a selection that matched nothing). `learning`: the
    units a silence rule had not learnt yet (engine/absence_seen.Learning), said as `cold` is. `quiet`: no entry
    was selected but not for the selection's fault (cli/scan_unchecked.py found none): a unit quiet in a window
    the input has lines in, which passes (a cron check of the last ten minutes). `verdict`: the words instead of an
    all-clear when the selection left out most or all of the input unseen (cli/scan_narrowed.py). `narrowing`: the
    options given that leave a unit's lines out (-p, --since, --until), which `cold`'s note blames."""
    span, clock = "", DayClock(None)
    if progress.first_usec is not None and progress.last_usec is not None:
        # the real range: Progress has the earliest and latest read, but counts a screened run at its first
        # entry's time, and an incident's hit may come earlier (input out of order: several files, a dump by unit)
        low = min(progress.first_usec, summary.earliest or progress.first_usec)
        high = max(progress.last_usec, summary.latest or progress.last_usec)
        clock = DayClock(low)
        span = " " + zoned(f"from {format_usec(low)} to {clock(high)}", low, high)
    header = Text.assemble(("logsentry scan", "bold"), f": {plural(progress.entries, 'entry', 'entries')}{span}, "
                           f"{plural(rule_count, 'rule')}, {matches_said(progress)}, ",
                           (plural(len(summary.incidents), "incident"), "bold"))
    if unmatched := summary.unmatched():  # (counted apart: "0 matches, 1 incident" read oddly)
        rules = list(dict.fromkeys(visible(incident.rule_id) for incident in unmatched))
        some = "" if len(unmatched) == len(summary.incidents) else f"{len(unmatched)} of them "
        header.append(f" ({some}{', '.join(rules)}, whose rule{'s need' if len(rules) > 1 else ' needs'} no matching "
                      "line)")
    console.print(header, width=min(console.width, HEADER_WIDTH))
    # in time order, as the HTML cards: a failure that spread from one unit to another reads as it happened
    ordered = sorted(summary.incidents, key=lambda i: (summary.order_of(i), i.unit, i.rule_id))
    for card in card_groups(ordered, summary.actions_for, lambda incident: summary.gap_of(incident) is not None,
                            lambda incident: (summary.exited(incident), said_words(summary.last_lines_of(incident)))):
        incident = card.lead
        console.print(_incident_block(incident, summary.actions_for(incident), summary.gap_of(incident),
                                      clock,
                                      summary.reported_count(incident), summary.last_hit(incident),
                                      summary.last_lines_of(incident), summary.exited(incident),
                                      _same_on(incident, card.others, clock) or _again(incident, card.again, clock),
                                      summary.causes_of(incident), partial(summary.from_header, incident),
                                      summary.changes_said(incident)))
        if source is not None and (command := journalctl_command(incident, source)):
            for line in command_lines(command, console.width):
                # a long path runs on rather than breaking the command; an identifier (-t) is log text
                console.print(Text(visible(line)), soft_wrap=True)
    if source is None and summary.incidents:
        console.print(Text(no_command or "No journalctl command for the incidents: journalctl reads journal files "
                           "only.", style="dim"))
    if summary.incidents:  # (a new user found what a rule means only by going through `rules --help`: nu240)
        rule = visible(ordered[0].rule_id)
        console.print(Text(f"What a card's rule means and what to check: logsentry rules show RULE (logsentry rules "
                           f"show {rule})", style="dim"))
    if (tallied := tally_table(summary.incidents, summary.host_of, summary.several_machines(),
                               SEVERITY_STYLE)) is not None:
        console.print(tallied[0])
        if tallied[1]:
            console.print(Text(tallied[1], style="dim"))
    shown, rest, fired_keys = summary.below_threshold()
    if shown:
        several = summary.several_machines()
        table = Table(title="Matches below their trigger threshold", title_justify="left", expand=True)
        # host, unit and rule as wide as they are, up to a cap (a rule id whole on its line: `python-traceback-bu`
        # over `rst` read badly), the example line takes the rest (fitted to it: Fitted), at least its share
        cap = max(12, min(28, console.width // 5))
        longest = max(len(where[2]) for where, _ in shown)  # the rule id whole, its key and note may wrap
        # (at least its heading's width: a host column of `?`s printed `host` a letter a row, trial 72's 16, 17, 21)
        wanted = [min(cap, max(len(name), *(cell_len(visible(text)) for text in texts))) for name, texts in (
            ("host", [summary.host_of(where[0]) for where, _ in shown] if several else None),
            ("unit", [where[1] for where, _ in shown])) if texts is not None]
        # a part's subject breaks after its unit (`user@1000.service/` over `pipewire.service`), each half whole
        halves = [cell_len(visible(half)) for where, _ in shown for half in _halves(where[1])]
        wanted[-1] = max(wanted[-1], min(28, max(halves)))
        wanted.append(max(min(32, longest), min(48, console.width // 4)))
        counts = max(len("matches"), *(len(f"{count:,}") for _, count in shown))
        *firsts, rule_width = leading_widths(console.width, wanted, 3 * (len(wanted) + 2) + 1 + counts)
        for name, width in zip(("host", "unit") if several else ("unit",), firsts, strict=True):
            table.add_column(name, overflow="fold", max_width=width)
        table.add_column("rule", overflow="fold", max_width=rule_width)
        table.add_column("matches", justify="right", no_wrap=True)
        table.add_column("example", ratio=1)  # (what it says, on as many rows as its unit's name: views/gist.py)
        for where, count in shown:
            machine, unit, rule, key = where
            others = fired_keys.get((machine, unit, rule), 0)
            # names too long for their column break after a separator (fit.name_lines), not anywhere
            rule_text = Text("\n".join(name_lines(visible(rule), rule_width)) + (f" [{visible(key)}]" if key else ""))
            if others:
                rule_text.append(f" (fired for {plural(others, 'other key')})", style="yellow")
            host = [Text("\n".join(name_lines(visible(summary.host_of(machine)), firsts[0])))] if several else []
            unit_text = "\n".join(name_lines(visible(unit), firsts[-1]))
            table.add_row(*host, Text(unit_text), rule_text, f"{count:,}",
                          Gist(summary.examples.get(where, ""), "dim"))
        console.print(table)
        if rest:
            console.print(Text(f"... and {len(rest):,} more below threshold "
                               f"({plural(sum(n for _, n in rest), 'match', 'matches')}), "
                               "the busiest shown; -o json lists every match", style="dim"))
    for quarantine in summary.quarantines:
        console.print(Text.assemble((f"rule {visible(quarantine.rule_id)} quarantined", "bold red"),
                                    visible(f": {quarantine.reason} on entry {quarantine.cursor}")))
    if cold is not None and cold[0]:
        never, units, needed, cold_judges, names = cold
        console.print(cold_note(never, units, needed, cold_judges, names,
                                {incident.rule_id for incident in summary.incidents}, source is not None, narrowing))
    if learning is not None and learning.learning and (learning.watched or learning.most_usec * (
            MOMENT_SHARE if source is not None else TEXT_SHARE) >= learning.learn_for_usec):
        console.print(Text(_learning_said(learning), style="dim" if learning.watched else "yellow"))
    if learning is not None and source is None and progress.last_usec is not None and learning.shortest_usec \
            and learning.shortest_usec < (ago := int(time.time() * 1e6) - progress.last_usec) < RECENT_USEC:
        # (a pipe of one unit's lines, `journalctl -u myapp | logsentry scan --file -`, ends at its last line: a
        # unit hung since showed nothing, and "Nothing found." read as an all-clear: helper-170's trial)
        console.print(Text(f"The input ends at {format_usec(progress.last_usec)}, {format_duration(ago)} ago: a "
                           f"silence after its last lines, longer than the {format_duration(learning.shortest_usec)}"
                           " that pages a watched unit, is not in it. To judge one, scan the journal itself "
                           "(`logsentry scan -u UNIT`).", style="yellow"))
    if not summary.incidents and not shown:
        if verdict:
            console.print(Text(verdict, style="yellow"))
        elif progress.entries == 0 and not selected:  # an empty file, an empty pipe: no all-clear either
            console.print(Text("No entry was read (the input holds none): nothing was checked.", style="yellow"))
        elif progress.entries == 0 and quiet:  # ("nothing was checked" beside exit 0 read as README's no pass)
            console.print(Text("No entry matched the selection (-u, -M, -H, -p, --since/--until): it was quiet, "
                               "which passes.", style="green"))
        elif progress.entries == 0:  # a typo in -u/-M/-H or an empty time range is no all-clear
            console.print(Text("No entry matched the selection (-u, -M, -H, -p, --since/--until): nothing was "
                               "checked.", style="yellow"))
        elif cold is not None and cold[0] == cold[1]:
            console.print(Text("Nothing found by the signature rules.", style="green"))
        else:
            console.print(Text("Nothing found.", style="green"))


RECENT_USEC = 7 * 86_400_000_000
"""An input that ends longer ago than this (µs) is history: no word on the silences after it."""


MOMENT_SHARE = 24
"""Lines that cover less than this share of a silence rule's `learn_for` (an hour of a day) are a moment of their
units' rhythm: no one reads silence into a paste of a few minutes, and a note that its units were not watched yet,
"its lines cover 1m 10s, less than the 1d a unit is watched after", was the longest line under its one card (rough
edge 65's 7). Said where a longer stretch might have been read as watched (helper-168's 20 h), or beside watched
units."""


TEXT_SHARE = 2
"""Of a log or dump (no journal: `source` None), the note waits for lines that cover half of `learn_for` (12 h of a
day), where they might be read as watched: a pasted or saved log of 4 hours is read for its failures, and "the unit
was not watched yet: its lines cover 3h 55m, less than the 1d ..." under every such scan was noise (newuser76's 15).
A journal says it from an hour on (MOMENT_SHARE): its silences are what `scan` of a host is asked about. `-o json`'s
summary gives `silence` either way."""


def _learning_said(learning: Learning) -> str:
    """The units a silence rule had not learnt yet, and what it needs (helper-168 §13: "Nothing found." alone)."""
    after = f"less than the {format_duration(learning.learn_for_usec)} a unit is watched after"
    besides = "time asleep or a clock's jump does not count"
    most = format_duration(learning.most_usec)
    if not learning.watched and learning.learning == 1:
        told = f"the unit was not watched yet: its lines cover {most}, {after} ({besides}), so its silence was"
    elif not learning.watched:
        told = (f"no unit was watched yet: the lines of each of the {learning.learning} units with lines enough cover "
                f"{after} (the most {most}; {besides}), so their silences were")
    else:
        told = (f"{learning.learning} of {plural(learning.watched + learning.learning, 'unit')} were not watched yet: "
                f"their lines cover {after} (the most {most}; {besides}), so their silences were")
    return f"Silence ({learning.rule_id}): {told} not looked for."


def _halves(subject: str) -> list[str]:
    """A container's or user unit's subject as its unit with the separator, then its part; a unit alone whole."""
    unit, separator, part = subject.partition("/")
    return [unit + separator, part] if separator and part else [subject]
