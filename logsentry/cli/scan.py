"""`logsentry scan`: one pass over the journal (or copied journals and dumps), then a report."""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path

import click

from ..actions.alert import journal_source
from ..engine.absence_hosts import HostsSeen
from ..engine.detector import Detector
from ..engine.unit_causes import with_causes
from ..engine.unit_changes import MAX_RECORDED, UnitChanges
from ..model import SEVERITY_NAMES, Hit, Incident, Severity, split_host_unit
from ..pipeline import EndedEvent, Event, MatchEvent, Pipeline
from ..sources import InputFormatError, JournalOpenError, kind_of, open_entries
from ..sources.journal import JournalLocation, journal_end_usec, with_container_scopes, with_host_globs
from ..sources.journal_tail import tail_boots, tail_jumps
from ..sources.last_lines import LastLines, Said, journal_lines, told_by_systemd, untold
from ..sources.text import TEXT_KINDS
from ..sources.unit_names import apart, said_apart, said_unseen, unseen_hosts, unseen_units
from ..timespec import format_duration
from ..views import html as html_report
from ..views import jsonl
from ..views.cold_note import COLD_NAMED
from ..views.hit_spans import HitSpans
from ..views.no_command import no_command_note
from ..views.report import render_scan
from ..views.scan_summary import ScanSummary
from . import EXIT_OUTPUT, stdout_to_devnull
from .common import (
    EXIT_FOUND,
    EXIT_USAGE,
    FileHintCommand,
    console,
    fail,
    load_rule_set,
    priority_option,
    rules_option,
    selection_from,
    shipped_option,
    unit_option,
)
from .hosts import host_options, with_hosts
from .input_files import check_input_files
from .journal_access import check_journal_access
from .scan_narrowed import Narrowed, clock_elsewhere, few_kept, outside_window
from .scan_unchecked import unchecked


class _OutputChoice(click.Choice):  # type: ignore[type-arg]
    """-o's choices; `-o html` (a report's other form, as a new user tried) is told where the HTML report is."""

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> object:
        if isinstance(value, str) and value.lower() == "html":
            self.fail("the HTML report is written with --html FILE (beside -o report or -o json), not -o html",
                      param, ctx)
        return super().convert(value, param, ctx)


SEVERITY_ALIASES = {"warn": "warning", "err": "error", "crit": "critical"}
"""syslog's short names, as -p spells them on the same command line."""


def _severity_name(context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    return SEVERITY_ALIASES.get(value, value) if value is not None else None


@click.command(cls=FileHintCommand)
@click.option("-D", "--directory", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Read journal files from this directory instead of the local journal.")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
              help="A journal file, an export-format or JSON-lines dump, or a text log: journalctl or syslog "
                   "output, dmesg, a program's own log, an access log, Docker's logs (gzip ok); repeatable; - for "
                   "stdin (a paste).")
@unit_option
@host_options
@priority_option
@click.option("-S", "--since", help='Start time, as journalctl takes it ("2026-11-02 10:00", "-1h", "today").')
@click.option("-U", "--until", help="End time, same forms as --since.")
@click.option("-o", "--output", type=_OutputChoice(["report", "json"]), default="report", show_default=True,
              help="A report for people, or JSON Lines (one event per line) for programs (HTML: --html FILE).")
@click.option("--html", "html_path", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write a self-contained HTML report (timeline, match rates, incident cards) to this file; "
                   "needs the report extra (scripts/setup installs it; else pip install '.[report]' in the source "
                   "checkout).")
@click.option("--fail-on", type=click.Choice([*SEVERITY_NAMES, *SEVERITY_ALIASES]), callback=_severity_name,
              help="Exit 3 when an incident of this severity or worse was found (syslog's warn, err and crit "
                   "are taken too).")
@click.option("--no-anomalies", is_flag=True,
              help="Leave the anomaly rules out (no baselines learnt): signatures only, several times faster.")
@rules_option
@shipped_option
def scan(directory: Path | None, files: tuple[Path, ...], units: tuple[str, ...], machines: tuple[str, ...],
         hosts: tuple[str, ...], priority: str | None,
         since: str | None, until: str | None, output: str, html_path: Path | None, fail_on: str | None,
         no_anomalies: bool, rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Scan the journal once (or copied journals and dumps) and report what the rules find."""
    if directory is not None and files:
        raise click.UsageError("give either --directory or --file, not both")
    check_input_files(files, dumps=True)
    selection = with_hosts(selection_from(units, priority, since, until), machines, hosts)
    rule_set = load_rule_set(rule_paths, not no_shipped)
    timeline = _html_timeline(html_path)
    rules = [rule for rule in rule_set.rules if not (no_anomalies and rule.anomaly is not None)]
    detector = Detector(rules)
    selection = replace(selection, rule_level=detector.rule_level)  # -p of a line without a level
    pipeline = Pipeline(detector)
    if pipeline.silence and not selection.units:  # (-u reads the selected units' lines: a host's other lines unseen)
        seen = pipeline.silence.hosts_seen = HostsSeen()  # (the service's hold is host_silence.py's)
        pipeline.silence.hold = seen.hold  # a host's journal that ends early: no unit's silence
    # A scan makes millions of short-lived, acyclic objects: at the default gen-0 threshold (700) the cyclic
    # collector would run thousands of times for nothing (about 7% of a scan's time, measured).
    gc.set_threshold(20_000, 20, 100)
    if (warning := check_journal_access(directory, files)) is not None:
        click.echo(f"logsentry: {warning}", err=True)
    try:
        # -u over a journal (journal files too; a text or a dump: its own reader says what -u does there): the
        # names it misses, and the containers' stops as the service sees them (-u docker.service)
        kinds = {path: kind_of(path) for path in files}  # each input's, sniffed once (sources.kind_of)
        journals = tuple(path for path in files if kinds[path] == "journal")
        # with --fail-on, a name that selects nothing is a usage error: a check run by cron or CI with a typo in
        # -u or -H stayed green for ever, with only a warning on stderr (helper-183)
        ends_it = " (with --fail-on, nothing checked is no pass)" if fail_on is not None else ""
        unseen = []
        journal = JournalLocation(directory=directory, files=files)
        if (selection.hosts or selection.units) and len(journals) == len(files):
            # no journal at all is said as such, not as a -u or -H that names nothing "in this journal"
            journal.check_readable()
        if selection.hosts and len(journals) == len(files):
            unseen += said_unseen(unseen_hosts(journal, selection), f"-H selects nothing of it{ends_it}", "host ")
        if selection.units and len(journals) == len(files):
            unseen += said_unseen(unseen_units(journal, selection), f"-u selects nothing of it{ends_it}")
            selection = with_container_scopes(journal, selection)
        named = selection  # (-H globs as given, for the warnings)
        if journals or not files:  # -H globs (`web-*`): the journal's hosts they match, as -u's are expanded
            selection = with_host_globs(JournalLocation(directory=directory, files=journals), selection)
        if not unseen and selection.units and (selection.hosts or selection.machines) and len(journals) == len(files):
            unseen += said_apart(apart(journal, selection), named,
                                 f"-u with {'-H' if selection.hosts else '-M'} selects nothing of it{ends_it}")
        for sentence in unseen:
            click.echo(f"logsentry: {'error' if fail_on is not None else 'warning'}: {sentence}", err=True)
        if unseen and fail_on is not None:
            sys.exit(EXIT_USAGE)
        ends: list[int] = []  # a dump's newest entry, once read (-u: where the input ends)
        entries = open_entries(selection, directory=directory, files=files, extra_fields=detector.needed_fields
                               + (() if timeline is None else ("_HOSTNAME",)),
                               screen=with_causes(detector.screen()), ends=ends)  # (the cards' "systemd said")
        read = _journal_read(directory, files, kinds)
        source, no_command = (None, read) if isinstance(read, str) else (read, "")
        keeper = LastLines()  # a journal's are read back (journal_lines); a text's, export's or JSON's kept now
        if source is None:
            entries = keeper.watch(entries)
        # -u narrowed a journal: the input ends where the host's journal does, not at the units' last line (a
        # unit that went quiet before the end is silent there as it is without -u)
        end = journal_end_usec(JournalLocation(directory=directory, files=journals), selection) \
            if selection.units and (journals or not files) else None
        def ended() -> int | None:
            if end is not None and pipeline.silence:  # the jumps in the host's lines after the units' last ones
                location = JournalLocation(directory=directory, files=journals)
                for at, delta, machine in tail_jumps(location, selection):
                    pipeline.silence.clock_jumped(at, delta, machine)
                for boot in tail_boots(location, selection):  # and a reboot after them (a unit that never came back)
                    pipeline.silence.tail_boot(boot.last, boot.first, boot.shut_down)
            return max((*ends, *(() if end is None else (end,))), default=None)

        events = pipeline.run(entries, ended)
        told = partial(_last_lines, keeper, None if source is None else JournalLocation(directory, tuple(files)))
        summary = _consume(events if timeline is None else timeline.watch(events), output, source,
                           HitSpans(pipeline.tracker.incident_of), told, keeper.matched, pipeline.exits.said,
                           pipeline.failures.joined, pipeline.causes.said, pipeline.changes)
    except (InputFormatError, JournalOpenError) as error:
        fail(str(error) + _no_journal_hint(directory, str(error)) if isinstance(error, JournalOpenError) and not files
             else str(error))
    html_written = True  # (a page that could not be written: exit 1 after the report, which is still owed)
    if html_path is not None and timeline is not None:  # first: stdout may be a pipe its reader closed
        html_written = _write_html(html_path, summary, timeline, pipeline, len(rule_set.rules), source, no_command)
    cold = _cold(pipeline, any(kinds[path] in (*TEXT_KINDS, "stream") for path in files))
    learning = pipeline.silence.learning() if pipeline.silence else None
    try:
        # why nothing was read, when the selection is to blame (said after the report, which says "nothing was
        # checked"; else the report says the selection was quiet, which passes)
        reasons = unchecked(selection, directory, files, kinds) if pipeline.progress.entries == 0 else []
        selected = bool(units or machines or hosts or priority or since or until)
        if pipeline.progress.entries == 0 and not selected and fail_on is not None:
            # an empty file or pipe (`journalctl ... | logsentry scan --file - --fail-on error` whose journalctl
            # failed) checked nothing: no pass, as README says (a quiet window of a log with lines is one)
            reasons.append("the input holds no entry")
        # a -u or a relative --since that left out most or all of a text unseen: said, and no all-clear
        narrowed: Narrowed | None = None
        if pipeline.progress.entries == 0 and not reasons:
            narrowed = outside_window(selection, since, until, files, kinds,
                                      not (units or machines or hosts or priority))
        elif units and pipeline.progress.entries:
            narrowed = few_kept(selection, files, kinds)
        if pipeline.progress.entries and (elsewhere := clock_elsewhere(selection, since, until, files, kinds)):
            click.echo(f"logsentry: warning: {elsewhere}", err=True)
        if output == "json":
            click.echo(jsonl.dumps(jsonl.summary_record(pipeline.progress, None if cold is None else {
                "units": cold[1], "cold_units": cold[0], "warm_after_usec": cold[3], "warm_entries": cold[4]},
                None if learning is None else {
                    "rule": learning.rule_id, "units": learning.units, "watched_units": learning.watched,
                    "learning_units": learning.learning,
                    "most_learnt_usec": learning.most_usec, "learn_for_usec": learning.learn_for_usec})))
        else:
            said = None if cold is None else (*cold[:3], cold[5], cold[6])
            # (a -u or -H the journal has no entry of was warned about before the scan: no quiet pass either)
            render_scan(console(), summary, pipeline.progress, len(rules), said, source=source, no_command=no_command,
                        selected=selected, learning=learning, quiet=selected and not reasons and not unseen,
                        verdict="" if narrowed is None else narrowed.verdict,
                        narrowing=tuple(option for option, value in (("-p", priority), ("--since", since),
                                                                     ("--until", until)) if value))
        sys.stdout.flush()
    except BrokenPipeError:  # `scan --fail-on error | head -1`: the exit status is still owed (it was 0)
        stdout_to_devnull()
    if narrowed is not None:  # (the exit status as before: a window of an old log is no usage error)
        click.echo(f"logsentry: warning: {narrowed.warning}", err=True)
    if reasons:
        for reason in reasons:  # (after the report: its "nothing was checked" comes with why)
            click.echo(f"logsentry: {'error' if fail_on is not None else 'warning'}: {reason}"
                       + (" (with --fail-on, nothing checked is no pass)" if fail_on is not None else ""), err=True)
        if fail_on is not None:
            sys.exit(EXIT_USAGE)
    if not html_written:
        sys.exit(EXIT_OUTPUT)
    if fail_on is not None and summary.worst is not None and summary.worst >= Severity.parse(fail_on):
        sys.exit(EXIT_FOUND)


def _cold(pipeline: Pipeline, text: bool) -> tuple[int, int, str, int, int, tuple[str, ...], tuple[str, ...]] | None:
    """(units no anomaly rule ever judged, units learnt, the history the rules need, in words (the least, with its
    rules, and the others'), then the least in µs of journal time and entries, then the rules that judge cold
    units too, by id) after a scan: a unit is judged once warm for one of the rules (`warm_after` and
    `warm_entries`); the rules that judge cold units too
    (AnomalySpec.needs_history: error-template-persists; new-fatal-template when `text`, the input holds lines read
    from text, stdin's included) are left out of the count, and named (the report said "anomaly rules judged no
    line" under one of theirs that fired). None without anomaly rules. The text report says it; `-o json` gives it
    in the summary's `anomaly`. Last, the names of the units never judged, when few (views/cold_note.COLD_NAMED), else
    ()."""
    anomaly = pipeline.anomaly
    specs = [rule.anomaly for rule in anomaly.rules if rule.anomaly is not None
             and rule.anomaly.needs_history(text) and not rule.anomaly.excerpts_only] if anomaly else []
    if anomaly is None or not specs:
        return None
    units = anomaly.baselines.units
    cold = [key for key, stats in units.items()
            if not any(stats.warm(spec.warm_after_usec, spec.warm_entries) for spec in specs)]
    never = len(cold)
    names = tuple(sorted(split_host_unit(key)[1] for key in cold))  # (one per host's unit: cold_note counts them)
    names = names if len(set(names)) <= COLD_NAMED else ()
    least = min(specs, key=lambda spec: (spec.warm_after_usec, spec.warm_entries))
    # each rule has its own warm-up (rules/anomaly/*.toml, the same in scan and the service): the least is said with
    # the rules that have it, the rest as "or more" (a footer's "10m" beside `rules show`'s "1h": newuser76's 4)
    firsts = sorted(rule.id for rule in anomaly.rules if rule.anomaly is not None and rule.anomaly in specs and (
        rule.anomaly.warm_after_usec, rule.anomaly.warm_entries) == (least.warm_after_usec, least.warm_entries))
    rest = [spec for spec in specs if (spec.warm_after_usec, spec.warm_entries) != (least.warm_after_usec,
                                                                                      least.warm_entries)]
    needed = f"{format_duration(least.warm_after_usec)}, {least.warm_entries} entries of a unit for {', '.join(firsts)}"
    if rest:
        low, high = min(spec.warm_after_usec for spec in rest), max(spec.warm_after_usec for spec in rest)
        needed += f", {format_duration(low)}{' or more' if high > low else ''} for the other {len(rest)}"
    cold_judges = tuple(sorted(rule.id for rule in anomaly.rules
                               if rule.anomaly is not None and not rule.anomaly.needs_history(text)))
    return (never, len(units), needed, least.warm_after_usec, least.warm_entries, cold_judges,
            names)


def open_now(incident: Incident, now_usec: int) -> bool:
    """Whether an incident the input ended within (EndedEvent.open_at_end) may still be going on when the scan read
    it: its window runs on past now. A paste, a saved log, a copied journal end in the past: what came after is in
    no input, and its window has passed since, so it is no open incident (`"open": true` on a paste of yesterday's
    failure read as one still going on: rough edge 65's 9). A journal read as it is written, or a paste of the last
    minutes, may go on: open."""
    return incident.last_usec + incident.within_usec > now_usec


def _no_journal_hint(directory: Path | None, said: str) -> str:
    """What to check when the journal a scan was to read holds no journal file, as `config check` and `tail` say
    it, and how a log is read instead (a new user's container had no journald: newuser76's 18); "" when `said`
    is another reason (files this user may not read: the error names who may)."""
    if "no journal files" not in said and "no readable journal file" not in said:
        return ""
    if directory is not None:
        return " (a log file, or a journal file copied on its own, is read with --file PATH)"
    return (" (is systemd-journald running, is this user in the systemd-journal group? a log file or a copied "
            "journal is read with --file PATH, a directory of journal files with -D DIR)")


def _journal_read(directory: Path | None, files: tuple[Path, ...], kinds: dict[Path, str]) -> tuple[str, ...] | str:
    """journalctl's arguments for the journal the scan read (alert.journal_source: `-D DIR`, `--file F`, () for
    the local journal), for the incidents' journalctl commands, the same as their alerts'; when some input is no
    journal file (export, JSON, text, stdin), the report's note that names it (views/no_command.py) instead:
    journalctl reads journal files only, and a command over the journal files alone would show none of its lines."""
    for path in files:  # (`kinds`: sources.kind_of's; a pipe, --file <(...), is read once: by the reader)
        if (kind := kinds[path]) != "journal":
            return no_command_note(str(path), None if kind == "stream" else kind)
    return journal_source(directory, files)


def _last_lines(keeper: LastLines, journal: JournalLocation | None, incident: Incident) -> Said:
    """A failure systemd told: its program's last lines before it (sources/last_lines.py), read back from the
    journal when the input is one (its lines no rule can match came summarised), else as kept while reading. Of
    another rule's, a text's (an export's, JSON's) unit's lines before it (LastLines.leading): no journalctl
    command shows them."""
    if not told_by_systemd(incident.rule_id):
        return Said() if journal is not None else keeper.leading(incident)
    return untold(incident, journal_lines(journal, incident) if journal is not None else keeper.before(incident))


def _consume(events: Iterator[Event], output: str, source: tuple[str, ...] | None, spans: HitSpans,
             told: Callable[[Incident], Said], pin: Callable[[Hit, bool], None],
             exit_of: Callable[[Incident], str], joined: Callable[[str, str], str],
             cause_of: Callable[[Incident], tuple[str, ...]] | None = None,
             changes: UnitChanges | None = None) -> ScanSummary:
    summary = ScanSummary(spans=spans, exit_of=exit_of, joined=joined, cause_of=cause_of, unit_changes=changes)
    events = iter(events)
    out = sys.stdout.buffer if output == "json" else None
    sys.stdout.flush()
    try:
        for event in events:
            summary.add(event)
            if isinstance(event, MatchEvent):
                pin(event.hit, event.fires)  # (a text's, dump's: the lines before it are told once its incident ends)
            said = summary.told(event.incident, told(event.incident)) if isinstance(event, EndedEvent) else Said()
            if out is None:
                continue
            record = jsonl.event_record(event, source)
            if isinstance(event, EndedEvent) and event.open_at_end:
                record["open"] = open_now(event.incident, int(time.time() * 1_000_000))
            if isinstance(event, EndedEvent) and (causes := summary.causes_of(event.incident)):
                record["systemd_said"] = list(causes)  # (engine/unit_causes.py: the card's "systemd said")
            if isinstance(event, EndedEvent) and (changed := summary.changes_before(event.incident)):
                record["changes_before"] = [change.record() for change in changed[:MAX_RECORDED]]  # (unit_changes)
                if len(changed) > MAX_RECORDED:
                    record["changes_before_more"] = len(changed) - MAX_RECORDED
            if isinstance(event, EndedEvent) and summary.changes_were_lost(event.incident):
                record["changes_before_lost"] = True
            if said.lines:
                record["last_lines"] = [{"realtime_usec": at, "message": line} for at, line in said.lines]
            if said.before_start is not None:
                at, line = said.before_start
                record["last_line_before_start"] = {"realtime_usec": at, "message": line}
            if said.after:
                record["lines_after"] = [{"realtime_usec": at, "message": line} for at, line in said.after]
            out.write(jsonl.line(record))
        if out is not None:
            out.flush()
    except BrokenPipeError:  # `scan -o json --html r.html | head`: the report is still owed, so read on
        stdout_to_devnull()
        for event in events:
            summary.add(event)
            if isinstance(event, MatchEvent):
                pin(event.hit, event.fires)
            if isinstance(event, EndedEvent):
                summary.told(event.incident, told(event.incident))
    return summary


def _html_timeline(path: Path | None) -> html_report.Timeline | None:
    """The HTML report's collector, after checking (before a scan that may take minutes) that the file can
    be written where it is asked for."""
    if path is None:
        return None
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        fail(f"{path}: cannot write the HTML report: no directory {folder}")
    if not os.access(path if path.exists() else folder, os.W_OK):
        fail(f"{path}: cannot write the HTML report: permission denied")
    if not path.exists():
        # a file made and removed again: /proc, a read-only mount or a full inode table say no only to an open
        # (os.access said yes on /proc: the scan ran for nothing, then exit 1; a new user's trial)
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
            path.unlink()
        except OSError as error:
            fail(f"{path}: cannot write the HTML report: {error.strerror or error}")
    try:
        html_report.require_extra()
    except html_report.ReportExtraMissing as error:
        fail(str(error))
    return html_report.Timeline()


def _write_html(path: Path, summary: ScanSummary, timeline: html_report.Timeline, pipeline: Pipeline,
                rule_count: int, source: tuple[str, ...] | None, no_command: str) -> bool:
    """Write the page and say where on stderr (a scan prints no other word of it); False when it could not be
    written (a full disk, /dev/full): an output error, exit 1 as for stdout's, said here; the report still follows.
    What is wrong before the scan (no such directory) is refused up front instead (_html_timeline, exit 2)."""
    try:
        size = html_report.write_html(path, summary, timeline, pipeline.progress, rule_count, source=source,
                                      no_command=no_command)
    except OSError as error:
        click.echo(f"logsentry: {path}: cannot write the HTML report: {error.strerror or error}", err=True)
        return False
    click.echo(f"logsentry: wrote the HTML report to {path} ({max(1, round(size / 1024)):,} KiB)", err=True)
    return True
