"""The scan report's tally of its incidents by host, unit and rule, under the cards: a long scan's report is
thousands of lines of cards (a 1M-entry journal gave 292, 220 of them one unit's one rule, a new user's trial),
and without it the operator scrolls them all to learn which unit fails how often."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table
from rich.text import Text

from ..model import Incident, Severity
from ..timespec import format_usec, since_boot, zone_label
from ..wording import plural
from .escape import visible

TALLY_FROM = 6
"""Incidents a report has at least before it tallies them (a paste's one to five cards read at a glance)."""
MAX_TALLY_ROWS = 20
"""Rows shown, the most incidents first; the rest counted in a line under the table."""


@dataclass(frozen=True)
class TallyRow:
    """Incidents of one rule on one unit of one machine: how many, the worst severity, the first's and the last's
    first hit (µs of journal time)."""

    machine: str
    unit: str
    rule_id: str
    incidents: int
    severity: Severity
    first_usec: int
    last_usec: int


def tally(incidents: list[Incident]) -> list[TallyRow]:
    """Per (machine, unit, rule), most incidents first (then the most severe, then the earliest)."""
    groups: dict[tuple[str, str, str], list[Incident]] = {}
    for incident in incidents:
        groups.setdefault((incident.machine_id, incident.unit, incident.rule_id), []).append(incident)
    rows = [TallyRow(machine, unit, rule, len(group), max(i.severity for i in group),
                     min(i.first_usec for i in group), max(i.first_usec for i in group))
            for (machine, unit, rule), group in groups.items()]
    return sorted(rows, key=lambda row: (-row.incidents, -row.severity, row.first_usec, row.unit, row.rule_id))


def due(incidents: list[Incident]) -> list[TallyRow] | None:
    """tally's rows when a report shows them: TALLY_FROM incidents or more, some of one rule on one unit (else the
    cards are the tally)."""
    rows = tally(incidents)
    return rows if len(incidents) >= TALLY_FROM and len(rows) < len(incidents) else None


def tally_html(incidents: list[Incident], host_of: Callable[[str], str], several: bool,
               escape: Callable[[str], str]) -> str:
    """The same table for the HTML report (views/html.py), "" when not due; times as format_usec gives them."""
    rows = due(incidents)
    if rows is None:
        return ""
    head = "".join(f"<th>{name}</th>" for name in (*(("host",) if several else ()), "unit", "rule", "severity",
                                                    "count", "first", "last"))
    out = [f"<h2>Incidents by {'host, ' if several else ''}unit and rule</h2><table><tr>{head}</tr>"]
    for row in rows:
        host = f"<td>{escape(host_of(row.machine))}</td>" if several else ""
        last = format_usec(row.last_usec) if row.incidents > 1 else ""
        out.append(f"<tr>{host}<td>{escape(row.unit)}</td><td>{escape(row.rule_id)}</td><td>{row.severity.label}</td>"
                   f"<td>{row.incidents:,}</td><td>{format_usec(row.first_usec)}</td><td>{last}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def tally_table(incidents: list[Incident], host_of: Callable[[str], str], several: bool,
                styles: dict[Severity, str]) -> tuple[Table, str] | None:
    """The table (at most MAX_TALLY_ROWS rows) and a line on the rows left out ("" when none), or None when not
    `due`."""
    rows = due(incidents)
    if rows is None:
        return None
    low, high = min(row.first_usec for row in rows), max(row.last_usec for row in rows)
    day = format_usec(low)[:10]
    one_day = format_usec(high)[:10] == day  # then times of day, the date in the title (to the second)
    # (the month and day, to the minute, when they span days: full dates squeezed the names to 3 characters at 80
    # columns; a new user's overnight outage)
    boot = since_boot(low) and since_boot(high)  # (seconds after boot: no day)
    when = "first hits in seconds after boot" if boot else f"first hits on {day}, {zone_label(low, high)}" \
        if one_day else f"first hits from {day} on, {zone_label(low, high)}"

    def at(usec: int) -> str:
        if boot:
            return format_usec(usec, with_date=False)
        return format_usec(usec)[11:19] if one_day else format_usec(usec)[5:16]

    table = Table(title=f"Incidents by {'host, ' if several else ''}unit and rule "
                        f"({plural(len(incidents), 'incident')}; {when})", title_justify="left", expand=True)
    if several:
        table.add_column("host", overflow="fold")
    table.add_column("unit", overflow="fold", ratio=1)
    table.add_column("rule", overflow="fold", ratio=1)
    table.add_column("severity", no_wrap=True)
    table.add_column("count", justify="right", no_wrap=True)
    table.add_column("first", no_wrap=True)
    table.add_column("last", no_wrap=True)
    for row in rows[:MAX_TALLY_ROWS]:
        host = [Text(visible(host_of(row.machine)))] if several else []
        table.add_row(*host, Text(visible(row.unit)), Text(visible(row.rule_id)),
                      Text(row.severity.label, style=styles[row.severity]), f"{row.incidents:,}",
                      at(row.first_usec), at(row.last_usec) if row.incidents > 1 else "")
    rest = rows[MAX_TALLY_ROWS:]
    more = f"... and {plural(len(rest), 'more row')} ({plural(sum(r.incidents for r in rest), 'incident')})" \
        if rest else ""
    return table, more
