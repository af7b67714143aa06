"""`logsentry scan --html FILE`: one self-contained HTML page for a postmortem.

A chart (plotly, the `report` extra) with three panels on one time axis: the incidents per host and unit as
bars, and the match rate per rule and per unit, so the outage's shape shows at a glance; then the actions that
were (or, in a scan, would have been) taken, and one card per incident with its evidence lines and the
`journalctl` command that shows them.

Everything is inline (plotly's JS included), so the file opens with no network and can be mailed.
Log text is attacker-controlled: every string from the input (units, hosts, rule ids, keys, lines) is first
made `visible` (control and bidi characters escaped) and then HTML-escaped, both where it goes into the page
and where it goes into the chart's data (which plotly puts in a <script> and renders as HTML-ish labels):
after html.escape no `<`, `>`, `&`, `"` or `'` from the input is left to close a script or open a tag.
"""

from __future__ import annotations

import html
import math
import os
import tempfile
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..actions.alert import CHANGED_LABEL, journalctl_command
from ..model import Incident, Severity, said_usec
from ..pipeline import Event, GapEvent, MatchEvent, Progress
from ..sources.status_paste import told_by_header
from ..timespec import format_duration, format_usec, since_boot, zone_label, zoned
from ..wording import plural
from .chain import AFTER, BEFORE_START
from .counts import chain_heading, chain_rules, count_story, hits_said, link_lines, raised_by, repeated_rules
from .escape import visible
from .incident_tally import tally_html
from .own_stamp import without_own_stamp
from .scan_summary import ScanSummary
from .unit_label import told_key

EXTRA = "report"
EVIDENCE_KEPT = 200
"""Match lines kept per (rule, unit, key) for the incident cards (the first ones: where it started)."""
EVIDENCE_SHOWN = 6
MAX_BINS = 240

SEVERITY_COLOR = {Severity.INFO: "#3b82c4", Severity.WARNING: "#d69e2e", Severity.ERROR: "#d64545",
                  Severity.CRITICAL: "#8b1a1a"}


class ReportExtraMissing(RuntimeError):
    """plotly is not installed."""


def require_extra() -> None:
    """Fail early (before the scan) when the charting library is missing, naming the extra to install."""
    try:
        import plotly  # noqa: F401
    except ImportError:
        raise ReportExtraMissing(
            "--html needs the charting library of the report extra (plotly): in logsentry's source checkout, "
            "pip install '.[report]' into the environment logsentry runs from (scripts/setup does)") from None


def esc(text: str) -> str:
    """Input text made safe for HTML text, attributes and plotly labels alike."""
    return html.escape(visible(text), quote=True)


@dataclass
class _Line:
    usec: int
    message: str
    from_text: bool
    header: bool = False
    """Told by a pasted systemctl status header, no line of the paste (sources/status_paste.py)."""


@dataclass
class Timeline:
    """What the page needs beyond ScanSummary, gathered while the events pass: match times per rule and
    unit (per second), each machine's host name, and the first lines of each (rule, machine, unit, key): two hosts'
    lines of one unit and rule are two incidents' evidence, never pooled."""

    per_second: dict[tuple[str, str, str], Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    """Matches per second by (rule, machine, unit)."""
    hosts: dict[str, str] = field(default_factory=dict)
    """`_HOSTNAME` by `_MACHINE_ID`, as first seen."""
    evidence: dict[tuple[str, str, str, str], deque[_Line]] = field(default_factory=dict)
    from_text: bool = False

    def watch(self, events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            if isinstance(event, MatchEvent):
                self._match(event)
            elif isinstance(event, GapEvent) and event.gap.host:
                self.hosts.setdefault(event.gap.machine_id, event.gap.host)
            yield event

    def _match(self, event: MatchEvent) -> None:
        hit = event.hit
        entry = hit.entry
        self.per_second[(hit.rule_id, entry.machine_id, entry.unit)][entry.realtime_usec // 1_000_000] += 1
        host = entry.host
        if host:
            self.hosts.setdefault(entry.machine_id, host)
        self.from_text = self.from_text or entry.from_text
        where = (hit.rule_id, entry.machine_id, entry.unit, hit.key)
        lines = self.evidence.get(where)
        if lines is None:
            lines = self.evidence[where] = deque(maxlen=EVIDENCE_KEPT)
        if len(lines) < EVIDENCE_KEPT:
            header = told_by_header(entry.cursor)
            lines.append(_Line(entry.realtime_usec, entry.message[:2000], entry.from_text, header))

    def lines_of(self, incident: Incident) -> list[_Line]:
        lines = self.evidence.get((incident.rule_id, incident.machine_id, incident.unit, incident.key), deque())
        within = [line for line in lines if incident.first_usec <= line.usec <= incident.last_usec]
        return within[:EVIDENCE_SHOWN]


def _iso(usec: int) -> str:
    """Local time for the chart's axis, as the terminal report and journalctl show it."""
    return datetime.fromtimestamp(usec / 1_000_000).isoformat(timespec="milliseconds")


def _seconds(usec: int) -> float:
    """Seconds after boot for the chart's axis, where the input's times are (timespec.since_boot): not dates of
    1970-01-01."""
    return usec / 1_000_000


def _bins(first: int, last: int) -> tuple[int, int]:
    """(bin width in seconds, bin count): a round width giving at most MAX_BINS bins."""
    span = max(1, last - first + 1)
    for width in (1, 5, 10, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400):
        if span / width <= MAX_BINS:
            return width, math.ceil(span / width)
    width = 86400 * math.ceil(span / MAX_BINS / 86400)
    return width, math.ceil(span / width)


def _rate_traces(counts: dict[str, Counter[int]], first: int, width: int, bins: int) -> list[tuple[str, list[float]]]:
    """Per name, its matches in each bin: per minute for bins of a minute or more, else the bin's own count (one
    match in a 1 s bin is not 60 a minute)."""
    scale = 60 / width if width >= 60 else 1.0
    series = []
    for name, per_second in sorted(counts.items()):
        values = [0.0] * bins
        for second, count in per_second.items():
            index = min(bins - 1, max(0, (second - first) // width))
            values[index] += count
        series.append((name, [value * scale for value in values]))
    return series


def _row(timeline: Timeline, incident: Incident) -> str:
    """The timeline's row of an incident: host and unit, then the rule (escaped; <br> is plotly's line break)."""
    return f"{esc(_host(timeline, incident) or '?')} · {esc(incident.unit)}<br>{esc(incident.rule_id)}"


def _host(timeline: Timeline, incident: Incident) -> str:
    """The incident's host name: its own, else its machine's as seen in the input, else its machine id (hosts that
    send no `_HOSTNAME` are still told apart, as the terminal report does)."""
    return incident.host or timeline.hosts.get(incident.machine_id, "") or incident.machine_id


def _counted(incident: Incident, summary: ScanSummary) -> str:
    """An incident's size for its bar: its hits (a rate or share rule's as the lines past its bar), or for a
    silence (whose count is the unit's entries before the gap, not hits) how long the unit said nothing."""
    gap = summary.gap_of(incident)
    return f"silent for {gap.length_said()}" if gap is not None else \
        hits_said(incident.why, incident.count)


def _figure(summary: ScanSummary, timeline: Timeline, progress: Progress) -> Any:
    from plotly.subplots import make_subplots  # the report extra

    incidents = sorted(summary.incidents, key=lambda i: (_host(timeline, i), i.machine_id, i.unit, i.first_usec))
    seconds = [s for counter in timeline.per_second.values() for s in counter]
    starts = [i.first_usec // 1_000_000 for i in incidents] + seconds
    ends = [max(i.last_usec, i.fired_usec) // 1_000_000 for i in incidents] + seconds
    if progress.first_usec is not None and progress.last_usec is not None:
        starts.append(progress.first_usec // 1_000_000)  # the earliest and the latest read (events.Progress)
        ends.append(progress.last_usec // 1_000_000)
    first, last = (min(starts), max(ends)) if starts else (0, 1)
    boot = since_boot(first * 1_000_000) and since_boot(last * 1_000_000)
    at: Callable[[int], str | float] = _seconds if boot else _iso
    scale = 1_000_000 if boot else 1000  # (a bar's length: seconds on a linear axis, ms on a date axis)
    width, bins = _bins(first, last)
    per = "minute" if width >= 60 else f"{width} s"  # the rates' unit (_rate_traces)
    rows = sorted({_row(timeline, i) for i in incidents})
    figure = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.07,
                           row_heights=[max(0.2, min(0.5, 0.07 * len(rows))), 0.3, 0.3],
                           subplot_titles=("incidents per host and unit",
                                           f"matches per {per} by rule ({format_duration(width * 1_000_000)} bins)",
                                           f"matches per {per} by unit"))
    min_bar = max(1.0, (last - first) * 0.004) * 1_000_000 / scale  # a one-hit incident still shows
    for severity in Severity:
        chosen = [i for i in incidents if i.severity == severity]
        if not chosen:
            continue
        figure.add_bar(
            row=1, col=1, orientation="h", name=severity.label, legendgroup="severity",
            legendgrouptitle_text="incidents", marker_color=SEVERITY_COLOR[severity],
            base=[at(i.first_usec) for i in chosen],
            x=[max(min_bar, (max(i.last_usec, i.fired_usec) - i.first_usec) / scale) for i in chosen],
            y=[_row(timeline, i) for i in chosen],
            customdata=[[esc(i.rule_id), esc(i.key), _counted(i, summary), format_usec(i.first_usec),
                         format_usec(max(i.last_usec, i.fired_usec))] for i in chosen],
            hovertemplate="%{customdata[0]} %{customdata[1]}<br>%{customdata[2]}<br>"
                          "%{customdata[3]} to %{customdata[4]}<extra></extra>",
        )
    fired = [a for actions in summary.actions.values() for a in actions]
    if fired:
        figure.add_scatter(
            row=1, col=1, mode="markers", name="actions (dry run)" if all(a.dry_run for a in fired) else "actions",
            legendgroup="severity", marker={"symbol": "x", "size": 9, "color": "#111"},
            x=[at(a.incident.fired_usec) for a in fired],
            y=[_row(timeline, a.incident) for a in fired],
            text=[esc(f"{a.kind}{' (dry run)' if a.dry_run else ''}: {a.reason}") for a in fired],
            hovertemplate="%{text}<extra></extra>",
        )
    axis = [at((first + width * index) * 1_000_000) for index in range(bins)]
    by_rule: dict[str, Counter[int]] = defaultdict(Counter)
    by_unit: dict[str, Counter[int]] = defaultdict(Counter)
    several = len({machine for _, machine, _ in timeline.per_second}) > 1  # a unit's trace per host, named so
    for (rule, machine, unit), counter in timeline.per_second.items():
        by_rule[rule].update(counter)
        by_unit[f"{timeline.hosts.get(machine) or machine or '?'} · {unit}" if several else unit].update(counter)
    for row, group, counts in ((2, "rule", by_rule), (3, "unit", by_unit)):
        for name, values in _rate_traces(counts, first, width, bins):
            figure.add_scatter(row=row, col=1, x=axis, y=values, mode="lines", line_shape="hv", name=esc(name),
                               legendgroup=group, legendgrouptitle_text=f"by {group}",
                               hovertemplate=f"{esc(name)}: %{{y:.1f}}/min<extra></extra>" if width >= 60
                               else f"{esc(name)}: %{{y}} in {per}<extra></extra>")
    figure.update_yaxes(row=1, col=1, autorange="reversed", automargin=True, categoryorder="array",
                        categoryarray=rows)
    figure.update_yaxes(row=2, col=1, title_text="/min" if width >= 60 else f"per {per}", rangemode="tozero")
    figure.update_yaxes(row=3, col=1, title_text="/min" if width >= 60 else f"per {per}", rangemode="tozero")
    if boot:
        figure.update_xaxes(type="linear")
        figure.update_xaxes(row=3, col=1, title_text="seconds after boot")
    else:
        figure.update_xaxes(type="date")
    figure.update_layout(height=560 + 40 * len(rows), margin={"l": 10, "r": 10, "t": 40, "b": 30},
                         barmode="overlay", template="plotly_white", legend={"groupclick": "toggleitem"},
                         font={"family": "system-ui, sans-serif", "size": 12})
    return figure


_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#1a1a1a}
h1{font-size:1.4em;margin:.2em 0} h2{font-size:1.15em;margin:1.2em 0 .4em}
.meta{color:#555} table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{text-align:left;padding:3px 8px;border-bottom:1px solid #e4e4e4;vertical-align:top}
.card{border:1px solid #ddd;border-left:6px solid var(--c);border-radius:4px;padding:8px 12px;margin:10px 0}
.card h3{margin:0 0 4px;font-size:1em} .sev{color:#fff;background:var(--c);padding:1px 6px;border-radius:3px}
pre{background:#f6f6f6;padding:6px;overflow-x:auto;white-space:pre-wrap;word-break:break-all;margin:4px 0}
code{background:#f0f0f0;padding:1px 4px} .why{font-style:italic} .text{color:#a15c00}
"""


def _card(incident: Incident, summary: ScanSummary, timeline: Timeline, source: Sequence[str] | None) -> str:
    color = SEVERITY_COLOR[incident.severity]
    actions = summary.actions_for(incident)
    done = " + ".join(f"{a.kind}{' (dry run)' if a.dry_run else ''}" for a in actions) or \
        f"none (suggested: {incident.action})"
    host = _host(timeline, incident)
    gap = summary.gap_of(incident)
    key = f" [{esc(keyed)}]" if (keyed := told_key(incident.unit, incident.key)) else ""
    parts = [f'<div class="card" style="--c:{color}">',
             f'<h3><span class="sev">{incident.severity.label}</span> {esc(incident.unit)}{key} '
             f'· <code>{esc(incident.rule_id)}</code>{" on " + esc(host) if host else ""}'
             f'{f" <small>({esc(raised)})</small>" if (raised := raised_by(incident)) else ""}</h3>']
    if gap is not None:
        parts.append(f"<div>silence: no entry for {esc(gap.length_said())}, from "
                     f"{format_usec(gap.from_usec)} to {format_usec(gap.to_usec)}</div>")
    else:
        told = count_story(incident, summary.reported_count(incident), seen_last=summary.last_hit(incident))
        parts.append(f"<div>{esc(told)}</div>")
    if incident.why:
        parts.append(f'<div class="why">{esc(incident.why)}</div>')
    if incident.template:
        parts.append(f"<div>template: <code>{esc(incident.template)}</code></div>")
    if exited := summary.exited(incident):  # as the terminal card says it (engine/main_exits.py)
        parts.append(f"<div>{esc(exited)}</div>")
    parts.extend(f"<div>systemd said: {esc(cause)}</div>" for cause in summary.causes_of(incident))
    if changed := summary.changes_said(incident):  # as the terminal card says it (engine/unit_changes.py)
        parts.append(f"<div>{esc(CHANGED_LABEL)}</div><pre>" + "\n".join(esc(line) for line in changed) + "</pre>")
    parts.append(f"<div>action: <b>{esc(done)}</b></div>")
    if incident.chain:  # one failure, described by several rules (engine/failures.py)
        rows = []
        for link in incident.chain:
            counted = link_lines(link)
            rows.append(f"{format_usec(said_usec(link))}  {esc(link.rule_id)} ({link.severity.label}"
                        f"{f', {counted}' if counted else ''})  {esc(link.message)}")
        heading = chain_heading(chain_rules(incident.chain), len(incident.chain), repeated_rules(incident.chain))
        parts.append(f"<div>{esc(heading)}</div><pre>" + "\n".join(rows) + "</pre>")
    said = summary.last_lines_of(incident)  # a failure systemd told (sources/last_lines.py)
    if said.lines:
        shown = (without_own_stamp(at, line) for at, line in said.lines)  # (a line's own time once)
        parts.append("<div>its program's last lines before it:</div><pre>" + "\n".join(
            f"{format_usec(at)}  {esc(line)}" for at, line in shown) + "</pre>")
    if said.before_start is not None:
        at, line = without_own_stamp(*said.before_start)
        parts.append(f"<div>{BEFORE_START}</div><pre>{format_usec(at)}  {esc(line)}</pre>")
    if said.after:
        parts.append(f"<div>{AFTER}</div><pre>" + "\n".join(
            f"{format_usec(at)}  {esc(line)}" for at, line in (without_own_stamp(*line) for line in said.after))
            + "</pre>")
    lines = timeline.lines_of(incident)
    if lines:
        parts.append("<div>evidence:</div><pre>" + "\n".join(
            f"{format_usec(line.usec)}  {esc(line.message)}" + (
                ' <span class="text">(from the systemctl status header, no line of the paste)</span>' if line.header
                else ' <span class="text">(from text)</span>' if line.from_text else "")
            for line in lines) + "</pre>")
    elif incident.samples and incident.samples[0]:
        parts.append("<div>last line before it:</div><pre>" + esc(incident.samples[0]) + "</pre>")
    text = bool(lines) and all(line.from_text for line in lines)
    command = "" if source is None or text else journalctl_command(incident, source)
    if command:  # (a dump's lines, a text log's, are in no journal)
        parts.append(f"<div>all its lines: <code>{esc(command)}</code></div>")
    parts.append("</div>")
    return "\n".join(parts)


def _actions_table(summary: ScanSummary, timeline: Timeline) -> str:
    rows = sorted((a for actions in summary.actions.values() for a in actions),
                  key=lambda a: a.incident.fired_usec)
    if not rows:
        return "<p>No action was taken or suggested.</p>"
    out = ["<table><tr><th>time</th><th>host</th><th>unit</th><th>action</th><th>rule</th><th>reason</th></tr>"]
    for action in rows:
        inc = action.incident
        out.append(f"<tr><td>{format_usec(inc.fired_usec)}</td><td>{esc(_host(timeline, inc))}</td>"
                   f"<td>{esc(action.unit)}</td><td>{esc(action.kind)}{' (dry run)' if action.dry_run else ''}"
                   f"</td><td>{esc(inc.rule_id)}</td><td>{esc(action.reason)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def _quiet_table(summary: ScanSummary) -> str:
    """The matches below their rules' trigger thresholds, the busiest first, as the terminal report lists them."""
    shown, rest, fired_keys = summary.below_threshold()
    if not shown:
        return ""
    several = summary.several_machines()
    out = ["<h2>Matches below their trigger threshold</h2><table><tr>" + ("<th>host</th>" if several else "") +
           "<th>unit</th><th>rule</th><th>matches</th><th>example</th></tr>"]
    for where, count in shown:
        machine, unit, rule, key = where
        others = fired_keys.get((machine, unit, rule), 0)
        host = f"<td>{esc(summary.host_of(machine))}</td>" if several else ""
        fired = f" (fired for {plural(others, 'other key')})" if others else ""
        out.append(f"<tr>{host}<td>{esc(unit)}</td><td>{esc(rule + (f' [{key}]' if key else '') + fired)}</td>"
                   f"<td>{count:,}</td><td>{esc(summary.examples.get(where, ''))}</td></tr>")
    out.append("</table>")
    if rest:
        out.append(f"<p class='meta'>... and {len(rest):,} more below threshold "
                   f"({plural(sum(n for _, n in rest), 'match', 'matches')}), the busiest shown; -o json lists every "
                   "match</p>")
    return "\n".join(out)


def render_html(summary: ScanSummary, timeline: Timeline, progress: Progress, rule_count: int,
                title: str = "logsentry scan", source: Sequence[str] | None = (), no_command: str = "") -> str:
    """The page; `source` is journalctl's arguments for where the scan read (-D DIR, --file F), for the
    cards' "all its lines" commands; None when it read a dump, which journalctl cannot (no command then: the
    note `no_command` says why, above the cards, as the text report does)."""
    import plotly.io  # the report extra

    figure = _figure(summary, timeline, progress)
    chart = plotly.io.to_html(figure, full_html=False, include_plotlyjs=True,
                              config={"displaylogo": False, "responsive": True})
    span = ""
    if progress.first_usec is not None and progress.last_usec is not None:
        span = " " + zoned(f"from {format_usec(progress.first_usec)} to {format_usec(progress.last_usec)}",
                           progress.first_usec, progress.last_usec)
    n = len(summary.incidents)
    text_note = ("<p class='text'>Read from text logs: identifiers, PIDs (<code>systemd[1]</code>), "
                 "<code>kernel:</code> and hosts are what the text claims; nothing is acted on.</p>"
                 if timeline.from_text else "")
    ordered = sorted(summary.incidents, key=lambda i: (i.first_usec, -i.severity, i.unit, i.rule_id))
    now = int(datetime.now().timestamp() * 1_000_000)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="meta">{plural(progress.entries, "entry", "entries")}{span}; {plural(rule_count, "rule")}; '
        f'{plural(progress.matches, "match", "matches")}; {plural(n, "incident")}; '
        f'written {format_usec(now)} {zone_label(now, as_read=False)}</p>',
        text_note, chart,
        tally_html(summary.incidents, summary.host_of, summary.several_machines(), esc),
        "<h2>Actions</h2>", _actions_table(summary, timeline),
        "<h2>Incidents</h2>", f'<p class="meta">{esc(no_command)}</p>' if source is None and no_command and n else "",
        *(_card(incident, summary, timeline, source) for incident in ordered),
        "" if n else "<p>No incident: no rule's trigger was reached.</p>",
        _quiet_table(summary),
        "</body></html>"])


def write_html(path: Path, summary: ScanSummary, timeline: Timeline, progress: Progress, rule_count: int,
               title: str = "logsentry scan", source: Sequence[str] | None = (), no_command: str = "") -> int:
    """Write the page; its size in bytes (for the scan's line saying where it went). A regular file (or a new one)
    is written beside itself and renamed over it once whole, so a write that fails (a full disk, a file size limit)
    leaves what was there as it was, the last report included (it removed the file it cut off, and with it the
    report before: a new user's trial); a special file (/dev/stdout, a pipe) is written as it is."""
    page = render_html(summary, timeline, progress, rule_count, title, source, no_command).encode()
    if path.exists() and (not path.is_file() or path.is_symlink()):
        with path.open("wb") as out:
            out.write(page)
        return len(page)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(page)
        os.chmod(name, 0o644)  # (mkstemp's 0600: a report is read by others, as open() would have made it)
        os.replace(name, path)
    except OSError:
        Path(name).unlink(missing_ok=True)
        raise
    return len(page)
