"""The screening scanner (sources/_journalscan.c through sources/screening.py) against the reference reader.

The contract: reading a journal through the scanner (entries no rule can match come as ScreenedRun summaries)
must give exactly the pipeline events that reading every entry in full (JournalSource, screen=None) gives. The
one documented difference: a unit-went-silent incident whose last sign of life was a screened entry has no
cursor (and no invocation). Every journal here is a real .journal file written by systemd-journal-remote.
Absence rules here trust a rhythm after 10 s of gaps (`learn_for`, a day as shipped): these journals cover
seconds to hours, and what they test is the fold's equivalence, not that rule (tests/test_silence_bursts.py does).
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import random
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, run_cli

from logsentry.actions.alert import journal_source
from logsentry.cli.common import selection_from
from logsentry.cli.scan import open_now
from logsentry.engine.absence import SilenceTracker
from logsentry.engine.detector import Detector
from logsentry.model import Entry, ScreenedRun, host_unit
from logsentry.pipeline import EndedEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.rules.rule import Rule
from logsentry.sources import JournalOpenError, Selection, open_entries
from logsentry.sources.journal import JournalLocation
from logsentry.sources.journal_files import FieldValue, build_journal, export_entry, export_field
from logsentry.sources.screening import ScreeningJournalSource
from logsentry.views.jsonl import event_record, summary_record

DATA = Path(__file__).parent / "data"
SILENT = "unit-went-silent"
EVERYTHING = Selection()
STOP_ID = "9d1aaa27d60140bd96365438aad20286"  # systemd: "Stopped x.service." (job done)

Record = Mapping[str, FieldValue] | bytes
"""One journal entry: export-format fields, or an entry already in export format (for repeated fields)."""


# ---- building journals ------------------------------------------------------------------------------------

def raw_entry(*pairs: tuple[str, FieldValue]) -> bytes:
    """An entry in export format with fields in this order, a field possibly given more than once."""
    return b"".join(export_field(name, value) for name, value in pairs) + b"\n"


def raw_from(record: Mapping[str, FieldValue], *extra: tuple[str, FieldValue], drop: Sequence[str] = ()) -> bytes:
    return raw_entry(*[(name, value) for name, value in record.items() if name not in drop], *extra)


def write_journal(folder: Path, name: str, records: Iterable[Record]) -> Path:
    export = b"".join(record if isinstance(record, bytes) else export_entry(record) for record in records)
    return build_journal(export, folder / f"{name}.journal")


def read_tsv(path: Path) -> list[tuple[str, dict[str, str]]]:
    """tests/data/*.tsv (see test_rule_corpus.py): `expected_rule<TAB>{json fields}`, '#' comments."""
    lines = []
    for text in path.read_text(encoding="utf-8").splitlines():
        if text.strip() and not text.startswith("#"):
            expected, _, payload = text.partition("\t")
            lines.append((expected.strip(), json.loads(payload)))
    return lines


def corpus_record(fields: Mapping[str, str], at: float) -> dict[str, FieldValue]:
    """A corpus line as an entry, with exactly its own fields (its PRIORITY, unit, transport, ...)."""
    record = entry(fields["MESSAGE"], unit=None, at=at, priority=None)
    record.update({name: value for name, value in fields.items() if name != "MESSAGE"})
    return record


def sample_record(line: FieldValue, at: float, unit: str, priority: int | None,
                  fields: Mapping[str, str]) -> dict[str, FieldValue]:
    """A rule sample as journald would store it: systemd's own lines come from PID 1 about UNIT=,
    kernel lines have no unit."""
    if fields.get("_PID") == "1":
        return entry(line, unit="init.scope", at=at, priority=priority, UNIT=unit, **fields)
    if fields.get("_TRANSPORT") == "kernel":
        return entry(line, unit=None, at=at, priority=priority, SYSLOG_IDENTIFIER="kernel", **fields)
    return entry(line, unit=unit, at=at, priority=priority, **fields)


LEARN_FOR_USEC = 10_000_000
SHIPPED: tuple[Rule, ...] = tuple(
    replace(rule, absence=replace(rule.absence, learn_for_usec=LEARN_FOR_USEC)) if rule.absence else rule
    for rule in load_rules([shipped_rules_dir()]).rules)
SIGNATURES = tuple(rule for rule in SHIPPED if rule.anomaly is None)
"""The shipped rules without the anomaly rules, which see every entry (so no run is folded)."""
REAL_WORLD = read_tsv(DATA / "real_world.tsv")
BENIGN = read_tsv(DATA / "benign.tsv")
MATCHING_SAMPLES = [(rule, sample) for rule in SHIPPED for sample in rule.samples
                    if sample.match and rule.absence is None]
LITERALS = sorted(literal for literal, _ in Detector(SHIPPED).screen().literals)

UNITS = [f"{name}.service" for name in (
    "nginx", "postgresql", "redis", "api", "worker", "billing", "auth", "cron-report", "mailer", "search",
    "gateway", "cache", "queue", "ingest", "export", "thumbnailer", "scheduler", "metrics", "backup", "ldap",
    "ssh", "docker", "containerd", "kubelet", "grafana", "prometheus", "node-exporter", "haproxy", "mysql",
    "rabbitmq")]
BENIGN_TEXTS = (
    "GET /api/v1/items/{n} HTTP/1.1 200 {ms}ms", "POST /login 302 {ms}ms", "job {n} done in 0.{ms}s",
    "checkpoint complete: wrote {n} buffers", "Accepted publickey for deploy from 192.0.2.{ms} port 22 ssh2",
    "cache hit ratio 0.9{n}", "session {n} opened for user root", "level=info msg=\"request served\" id={n}",
)
CONTEXTS = (  # a rule literal inside text that is no failure (mostly: the regexes decide)
    "GET /docs/{lit}/faq HTTP/1.1 200", "user searched for \"{lit}\"", "{lit}", "test case: {lit} (expected)",
    "config: message_on_error = '{lit}'", "x{lit}x",
)
PRIORITIES = (0, 1, 2, 3, 4, 5, 5, 6, 6, 6, 6, 6, 6, 7, 7, None)


def benign_text(rng: random.Random, n: int) -> str:
    return rng.choice(BENIGN_TEXTS).format(n=n, ms=rng.randrange(1000))


def mixed_records(seed: int, count: int) -> list[dict[str, FieldValue]]:
    """Benign lines, benign lines holding rule literals, real failures (rule samples and real_world.tsv),
    bursts that fire, priorities 0-7 and missing, over 30 units; some units stop for a while, one for good."""
    rng = random.Random(seed)
    weights = [rng.choice((1, 2, 4, 8)) for _ in UNITS]
    paused = {UNITS[3]: (1500.0, 2700.0), UNITS[7]: (2000.0, 4000.0), UNITS[11]: (600.0, 1500.0)}
    records: list[dict[str, FieldValue]] = []
    t = 0.0
    while len(records) < count:
        t += rng.expovariate(1.0)
        unit = rng.choices(UNITS, weights)[0]
        if unit in paused and paused[unit][0] <= t <= paused[unit][1]:
            unit = UNITS[0]
        kind = rng.random()
        priority = rng.choice(PRIORITIES)
        if kind < 0.62:
            records.append(entry(benign_text(rng, len(records)), unit=unit, at=t, priority=priority))
        elif kind < 0.72:
            _, fields = rng.choice(BENIGN)
            records.append(corpus_record(fields, t))
        elif kind < 0.90:
            text = rng.choice(CONTEXTS).format(lit=rng.choice(LITERALS))
            records.append(entry(text, unit=unit, at=t, priority=rng.choice((4, 5, 6, 6, 7, 3, None))))
        elif kind < 0.95:
            _, sample = rng.choice(MATCHING_SAMPLES)
            records.append(sample_record(sample.line, t, unit, sample.priority or priority, sample.fields))
        elif kind < 0.985:
            _, fields = rng.choice(REAL_WORLD)
            records.append(corpus_record(fields, t))
        else:  # a burst: enough hits of one rule within its window to fire it
            rule, sample = rng.choice([(r, s) for r, s in MATCHING_SAMPLES if r.trigger.count > 1])
            step = rule.trigger.within_usec / 1e6 / (rule.trigger.count + 2)
            for _ in range(rule.trigger.count + 1):
                t += step
                records.append(sample_record(sample.line, t, unit, sample.priority or 3, sample.fields))
    # a steady unit that stops on purpose, and one that just stops (a silence that never ends)
    records += [entry(f"beat {i}", unit="beat.service", at=10.0 * i) for i in range(90)]  # 60 gaps make a rhythm
    records.append(entry("Stopped beat.service.", unit="init.scope", at=901, _PID=1, UNIT="beat.service",
                         MESSAGE_ID=STOP_ID))
    records += [entry(f"pulse {i}", unit="pulse.service", at=5.0 + 10 * i) for i in range(90)]
    return sorted(records, key=lambda r: r["__REALTIME_TIMESTAMP"])


def silence_records() -> list[Record]:
    """Silences in every shape the fold must get right, with long candidate-free stretches in between."""
    out: list[dict[str, FieldValue]] = []
    for i in range(400):  # steady, silent for 20 minutes, back
        at = 5.0 * i if i < 360 else 3000 + 5.0 * (i - 360)
        out.append(entry(f"steady tick {i}", unit="steady.service", at=at))
    for i in range(200):  # stopped deliberately, two ways
        out.append(entry(f"stopped tick {i}", unit="stopped.service", at=2.0 + 5 * i))
        out.append(entry(f"deact tick {i}", unit="deact.service", at=3.0 + 5 * i))
    out.append(entry("Stopped stopped.service.", unit="init.scope", at=1001, _PID=1, UNIT="stopped.service",
                     MESSAGE_ID=STOP_ID))
    out.append(entry("deact.service: Deactivated successfully.", unit="init.scope", at=1002, _PID=1,
                     UNIT="deact.service"))
    for i in range(70):  # eligible (30th entry) in the middle of a run, then silent
        out.append(entry(f"late tick {i}", unit="late.service", at=500.0 + 10 * i))
    for i in range(40):  # an irregular job (gaps of 1 to 13 minutes): on-demand, never watched
        out.append(entry(f"job step {i}", unit="job.service", at=1.0 + 60 * i + (300 if i >= 35 else 0)
                         + (700 if i >= 36 else 0)))
    for i in range(1980):  # every 3 s; a pause of a minute inside a run; gone for good just before a burst starts
        out.append(entry(f"pause tick {i}", unit="pause.service", at=1.0 + 3 * i + (60 if i > 1566 else 0)))
    for i in range(500):  # hours of nothing but one chatty unit: long runs with no candidate at all
        out.append(entry(f"noise {i}", unit="noise.service", at=3700.0 + 30 * i))
    # a few candidates that cut the runs (and hits whose bursts end inside runs)
    for at in (50.5, 1200.5, 2500.5, 3300.5, 4300.5, 5300.5, 6000.5, 7000.5, *range(8000, 14000, 300)):
        out.append(entry("cp: error writing '/srv/x': No space left on device", unit="disk.service", at=at))
    out.append(entry("kernel: eth0 link up", unit=None, at=1800.5, _TRANSPORT="kernel"))
    written = [(int(record["__REALTIME_TIMESTAMP"]), record) for record in out]
    for i in range(100):  # a unit whose clock steps back: from its 75th entry on, 250 s earlier than written
        at = 100.0 + 7 * i
        written.append((BASE_USEC + int(at * 1e6), entry(f"clock {i}", unit="clock.service",
                                                         at=at - (250 if i >= 75 else 0))))
    written.sort(key=lambda pair: pair[0])  # the order the entries are written in
    return [record for _, record in written]


def big_records() -> list[Record]:
    """More than two batches (16384 entries), runs of more than 256 units, a stretch of more than 4096
    candidates in a row and more than 16 MiB of message text."""
    rng = random.Random(7)
    units = [f"w{n:03d}.service" for n in range(300)]
    out: list[Record] = []
    t = 0.0
    for i in range(30_000):
        t += 0.1
        unit = units[i % len(units)] if i < 27_000 or i % len(units) >= 20 else "w000.service"
        out.append(entry(f"w tick {i} " + "y" * rng.randrange(80), unit=unit, at=t, priority=rng.choice((5, 6, 7))))
        if i % 5000 == 4999:
            out.append(entry("OSError: [Errno 28] No space left on device: '/x'", unit=unit, at=t + 0.01))
    for i in range(5000):  # error-priority lines: all candidates (error-burst has no literal)
        t += 0.01
        out.append(entry(f"failed request {i}", unit=units[i % 5], at=t, priority=3))
    blob = "z" * 60_000
    for i in range(300):  # about 18 MB of screened message text
        t += 0.1
        out.append(entry(f"dump {i} {blob}", unit=units[i % 3], at=t, priority=6))
    for i in range(400):  # w001..w019 stopped at 2700 s: silent
        t += 3
        out.append(entry(f"after {i}", unit=units[20 + i % 280], at=t))
    return out


def odd_records() -> list[Record]:
    """Entries that speak for other units or that the scanner must not summarise (or must, carefully)."""
    out: list[Record] = []
    for i in range(80):  # a rhythm of 79 gaps each
        out.append(entry(f"app tick {i}", unit="app.service", at=i / 2))
        out.append(entry(f"other tick {i}", unit="other.service", at=i / 2 + 0.25))
    out += [
        entry(b"caf\xff\xfe not utf-8 \xc3", unit="app.service", at=41),
        entry(b"write: No space left on device \xff", unit="app.service", at=42),
        entry(b"OSError: [Errno 28] No space left on device \xe2\x82", unit="app.service", at=42.5),
        entry(b"\xff\xfe\xfd plain junk", unit="other.service", at=43),
        entry("with replacement char \ufffd inside", unit="other.service", at=43.5),
        raw_from(entry("", unit="app.service", at=44), ("MESSAGE", "first line"),
                 ("MESSAGE", "cp: error writing 'x': No space left on device"), drop=("MESSAGE",)),
        raw_from(entry("", unit="app.service", at=44.5), ("MESSAGE", "tick one"), ("MESSAGE", "tick two"),
                 drop=("MESSAGE",)),
        entry("empty unit", unit=None, at=45, _SYSTEMD_UNIT="", SYSLOG_IDENTIFIER="emp"),
        raw_from(entry("two units", unit=None, at=45.5, SYSLOG_IDENTIFIER="two"), ("_SYSTEMD_UNIT", "a.service"),
                 ("_SYSTEMD_UNIT", "b.service")),
        entry("Out of memory: Killed process 7 (java) total-vm:1kB", unit=None, at=46, _TRANSPORT="kernel",
              priority=3),
        entry("eth0: link up", unit=None, at=46.5, _TRANSPORT="kernel"),
        entry("(root) CMD (run-parts /etc/cron.hourly)", unit=None, at=47, SYSLOG_IDENTIFIER="CRON"),
        entry("Removed session 4.", unit="systemd-logind.service", at=48, _UID=0, OBJECT_SYSTEMD_UNIT="app.service"),
        entry("Watching system buttons", unit="systemd-logind.service", at=48.5, _UID=1000,
              OBJECT_SYSTEMD_UNIT="app.service"),
        entry("Process 9 (x) of user 0 dumped core.", unit="systemd-coredump@0.service", at=49, _UID=0,
              COREDUMP_UNIT="other.service", priority=2, MESSAGE_ID="fc2e22bc6ee647b6b90729ab34a250b1"),
        entry("Process 11 (x) of user 0 dumped core.", unit="session-3.scope", at=49.2, _UID=65534,
              COREDUMP_UNIT="other.service", priority=2, MESSAGE_ID="fc2e22bc6ee647b6b90729ab34a250b1"),
        entry("Process 10 (x) of user 0 dumped core.", unit="systemd-coredump@0.service", at=49.5,
              COREDUMP_UNIT="", priority=2),
        entry("priority ten", unit="app.service", at=50, priority=10),
        entry("priority x", unit="app.service", at=50.5, priority="x"),
        entry("priority empty", unit="app.service", at=51, priority=""),
        entry("priority 300", unit="app.service", at=51.5, priority=300),
        entry("priority minus", unit="app.service", at=52, priority="-1"),
        entry("", unit="app.service", at=52.5),
        raw_from(entry("", unit="app.service", at=53), drop=("MESSAGE",)),
        entry("ab", unit="other.service", at=53.5),
        entry("Started app.service.", unit="init.scope", at=54, _PID=1, UNIT="app.service"),
        entry("pid one, no UNIT", unit="init.scope", at=54.5, _PID=1),
        entry("Stopped other.service.", unit="init.scope", at=55, _PID=1, UNIT="other.service", MESSAGE_ID=STOP_ID),
        entry("line one\nNo space left on device\nline three", unit="app.service", at=56),
        entry(f"long {'q' * 70_000} No space left on device", unit="app.service", at=57),
        entry("tick with N_DROPPED-like text: Suppressed 3 messages from app.service", unit="app.service", at=58),
    ]
    for i in range(60):  # error-priority lines from a kernel and a unit without PRIORITY at all
        out.append(entry(f"kernel err {i}", unit=None, at=60 + i, priority=3, _TRANSPORT="kernel"))
        out.append(entry(f"no priority {i}", unit="app.service", at=60.5 + i, priority=None))
    out.append(entry("much later", unit="late.service", at=5000))
    return out


def level_records() -> list[Record]:
    """Lines with the program's own level in the text (test_levels.py's corpus, real formats and look-alikes)
    at PRIORITY 6, without PRIORITY and at other priorities; bursts of stdout errors that only the text
    calls errors; and entries the scanner hands to Python unread (systemd's, N_DROPPED, MESSAGE or PRIORITY
    twice), whose level Python must find."""
    from test_levels import CORPUS

    rng = random.Random(11)
    out: list[Record] = []
    t = 0.0
    for _ in range(6):
        for _, line, _ in CORPUS:
            t += rng.expovariate(2.0)
            unit = rng.choice(UNITS[:8])
            priority = rng.choice((6, 6, 6, None, 3, 4, 7))
            text = rng.choice((line, line, f"{line} BOOM disk", f"{line} No space left on device"))
            out.append(entry(text, unit=unit, at=t, priority=priority))
    for burst in range(3):  # 60 stdout lines a burst that only their text calls errors: error-burst, any-error
        for i in range(60):
            t += 0.3
            out.append(entry(f"2026-01-01 00:00:{i:02d},000 ERROR [worker-{burst}] c.e.Job - job {i} failed",
                             unit="jobs.service", at=t))
        t += 120
    for i in range(40):
        t += 1
        out.append(entry(f"FATAL:  systemd says {i}", unit="init.scope", at=t, _PID=1, UNIT="db.service"))
        out.append(entry("[ERROR] lines were lost", unit="db.service", at=t + 0.1, N_DROPPED=3))
        out.append(raw_from(entry("", unit="db.service", at=t + 0.2), ("MESSAGE", "ERROR: first"),
                            ("MESSAGE", "second"), drop=("MESSAGE",)))
        out.append(raw_from(entry("ERROR [x] priority twice", unit="db.service", at=t + 0.3, priority=None),
                            ("PRIORITY", "6"), ("PRIORITY", "3")))
        out.append(entry("<2>no priority, sd-daemon prefix", unit="db.service", at=t + 0.4, priority=None))
        out.append(entry("tick", unit="db.service", at=t + 0.5))
    return out


# ---- reading through both paths -----------------------------------------------------------------------------

class FoldCounter:
    """Counts how runs went through the pipeline (folded from their summary, or replayed entry by entry) by
    wrapping SilenceTracker.fold without changing what it does."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.folded = self.replayed = 0
        original = SilenceTracker.fold

        def fold(tracker: SilenceTracker, run: ScreenedRun) -> bool:
            done = original(tracker, run)
            if done:
                self.folded += 1
            else:
                self.replayed += 1
            return done

        monkeypatch.setattr(SilenceTracker, "fold", fold)


def pipeline_events(rules: Sequence[Rule], screened: bool, selection: Selection = EVERYTHING,
                    journal: Sequence[str] | None = None, scan_open: bool = False,
                    **where: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Event records of a fresh pipeline over the journal, read in full or through the scanner, and the
    final progress summary; `journal`: journalctl's arguments for it, for the incidents' commands (jsonl).
    `scan_open`: an incident the input ended within is open as scan says it (cli/scan.open_now: still so now)."""
    detector = Detector(rules)
    source = open_entries(selection, extra_fields=detector.needed_fields,
                          screen=detector.screen() if screened else None, **where)
    pipeline = Pipeline(Detector(rules))
    records = []
    for event in pipeline.run(source):
        records.append(record := event_record(event, journal))
        if scan_open and isinstance(event, EndedEvent) and event.open_at_end:
            record["open"] = open_now(event.incident, int(time.time() * 1_000_000))
    return records, summary_record(pipeline.progress)


def describe_difference(full: list[dict[str, Any]], screened: list[dict[str, Any]]) -> str:
    pairs = enumerate(zip(full, screened, strict=False))
    at = next((n for n, (a, b) in pairs if a != b), min(len(full), len(screened)))

    def show(events: list[dict[str, Any]]) -> str:
        return "\n".join(f"  [{n}] {json.dumps(event)[:300]}" for n, event in enumerate(events[at:at + 4], at))

    return (f"{len(full)} events read in full, {len(screened)} through the scanner; first difference at "
            f"[{at}]\nfull:\n{show(full)}\nscreened:\n{show(screened)}")


def uncursored(rules: Sequence[Rule]) -> set[str]:
    """Rules whose events may name an entry of a screened run, which has no cursor: absence and anomaly rules."""
    return {rule.id for rule in rules if rule.absence is not None or rule.anomaly is not None}


def normalised(events: list[dict[str, Any]], rules: Sequence[Rule] = SHIPPED) -> list[dict[str, Any]]:
    """The documented differences: a silence's last sign of life may have been screened (no cursor then; its
    host name is its span's), and so may a line an anomaly rule matched (entries from runs carry no cursor,
    engine/runstep.py). A failure's `last_lines` are scan's, read back from the journal after the pipeline told
    it (sources/last_lines.py), and so are its `changes_before*` (views/scan_summary.py, from the pipeline's
    engine/unit_changes.py; test_unit_changes.py checks them): no pipeline event has them."""
    silences = uncursored(rules)
    out = []
    for event in events:
        if event.get("rule") in silences and "cursor" in event:
            event = {**event, "cursor": ""}
        for key in ("last_lines", "changes_before", "changes_before_more", "changes_before_lost"):
            event.pop(key, None)
        out.append(event)
    return out


def assert_same_events(rules: Sequence[Rule], selection: Selection = EVERYTHING,
                       **where: Any) -> list[dict[str, Any]]:
    full, full_summary = pipeline_events(rules, False, selection, **where)
    screened, screened_summary = pipeline_events(rules, True, selection, **where)
    assert normalised(screened, rules) == normalised(full, rules), \
        "the scanner changed the pipeline's events:\n" + describe_difference(full, screened)
    silences = uncursored(rules)
    for mine, theirs in zip(screened, full, strict=True):
        if mine.get("rule") in silences and "cursor" in mine:
            assert mine["cursor"] in ("", theirs["cursor"]), (mine, theirs)
    assert screened_summary == full_summary, "the scanner changed the progress counters"
    return full


def screened_items(journal: Path, rules: Sequence[Rule] = SHIPPED,
                   selection: Selection = EVERYTHING) -> list[Entry | ScreenedRun]:
    detector = Detector(rules)
    return list(open_entries(selection, files=[journal], extra_fields=detector.needed_fields,
                             screen=detector.screen()))


def flatten(items: Iterable[Entry | ScreenedRun]) -> Iterator[tuple[bool, Entry]]:
    """(was it a candidate, the entry) for every entry, in journal order."""
    for item in items:
        if isinstance(item, ScreenedRun):
            yield from ((False, screened) for screened in item.entries())
        else:
            yield True, item


def run_count(items: Iterable[Entry | ScreenedRun]) -> int:
    return sum(isinstance(item, ScreenedRun) for item in items)


def incident_rules(events: list[dict[str, Any]]) -> set[str]:
    """The rules that fired, whether their incident led a failure or joined one (engine/failures.py)."""
    return {event["rule"] for event in events if event["type"] == "incident"} | {
        link["rule"] for event in events if event["type"] == "incident_end" for link in event["chain"] if link["fired"]}


# ---- fixtures --------------------------------------------------------------------------------------------------

CUSTOM_RULES = {
    "boom": '''title = "boom"
severity = "error"
action = "alert"
[match]
message = 'BOOM (?P<what>\\w+)'
[trigger]
count = 3
within = "30s"
group_by = "what"
''',
    "any-error": '''title = "errors"
severity = "warning"
action = "alert"
[match]
message = '^'
priority = "err"
[trigger]
count = 5
within = "1m"
''',
    "space": '''title = "space"
severity = "error"
action = "alert"
[match]
message = 'No space left on device'
[trigger]
count = 1
within = "2m"
''',
    "quiet": '''title = "quiet"
severity = "warning"
action = "alert"
[absence]
silent_for = "2m"
min_entries = 5
learn_for = "10s"
''',
    "quiet-long": '''title = "quiet for long"
severity = "error"
action = "alert"
[absence]
silent_for = "30m"
min_entries = 50
learn_for = "10s"
''',
}


def rules_in(folder: Path, texts: Mapping[str, str]) -> tuple[Rule, ...]:
    folder.mkdir(parents=True, exist_ok=True)
    for rule_id, body in texts.items():
        (folder / f"{rule_id}.toml").write_text(f'id = "{rule_id}"\n{body}')
    loaded = load_rules([folder])
    assert not loaded.errors, loaded.errors
    return loaded.rules


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("screening")


@pytest.fixture(scope="module")
def custom_rules(folder: Path) -> tuple[Rule, ...]:
    return rules_in(folder / "custom-rules", CUSTOM_RULES)


@pytest.fixture(scope="module")
def mixed(folder: Path) -> Path:
    records = mixed_records(seed=20260101, count=4000)
    rng = random.Random(5)
    for n in range(300):  # custom-rule food: BOOM bursts by key
        at = rng.uniform(0, 4000)
        key = rng.choice(("disk", "net", "db"))
        records += [entry(f"BOOM {key}", unit=rng.choice(UNITS[:5]), at=at + k) for k in range(3 if n % 4 else 1)]
    # error-burst's food, stated rather than left to the draws above (which shift with every shipped rule's samples
    # and literals: three new rules left this seed without a burst of 50 err lines in a minute)
    records += [entry(f"export batch {k} failed: upstream closed the connection", unit="export.service",
                      at=3100 + k / 2, priority=3) for k in range(60)]
    records.sort(key=lambda r: r["__REALTIME_TIMESTAMP"])
    return write_journal(folder, "mixed", records)


@pytest.fixture(scope="module")
def silence(folder: Path) -> Path:
    return write_journal(folder, "silence", silence_records())


@pytest.fixture(scope="module")
def big(folder: Path) -> Path:
    return write_journal(folder, "big", big_records())


@pytest.fixture(scope="module")
def odd(folder: Path) -> Path:
    return write_journal(folder, "odd", odd_records())


@pytest.fixture(scope="module")
def levels(folder: Path) -> Path:
    return write_journal(folder, "levels", level_records())


# ---- 1. the scanner changes no event ---------------------------------------------------------------------------

def test_mixed_journal_gives_the_same_events_with_shipped_rules(mixed: Path, monkeypatch: pytest.MonkeyPatch):
    items = screened_items(mixed)
    assert run_count(items) > 50, "the fast path was not exercised"
    assert sum(not isinstance(item, ScreenedRun) for item in items) > 300
    runs = FoldCounter(monkeypatch)
    events = assert_same_events(SIGNATURES, files=[mixed])
    assert runs.folded > 5 and runs.replayed > 5, (runs.folded, runs.replayed)
    assert_same_events(SHIPPED, files=[mixed])
    kinds = incident_rules(events)
    assert SILENT in kinds and "error-burst" in kinds and "disk-full" in kinds, kinds
    assert len(kinds) >= 15, kinds
    assert {e["type"] for e in events} >= {"match", "incident", "action", "incident_end"}
    silent_units = {e["unit"] for e in events if e["type"] == "incident" and e["rule"] == SILENT}
    assert "pulse.service" in silent_units and "beat.service" not in silent_units, silent_units


def test_mixed_journal_gives_the_same_events_with_custom_rules(mixed: Path, custom_rules: tuple[Rule, ...]):
    assert run_count(screened_items(mixed, custom_rules)) > 50
    events = assert_same_events(custom_rules, files=[mixed])
    assert incident_rules(events) == {"boom", "any-error", "space", "quiet", "quiet-long"}
    assert len({e["key"] for e in events if e["type"] == "incident" and e["rule"] == "boom"}) == 3


def test_silences_give_the_same_events(silence: Path, custom_rules: tuple[Rule, ...], monkeypatch: pytest.MonkeyPatch):
    items = screened_items(silence)
    assert run_count(items) >= 5
    assert max(item.count for item in items if isinstance(item, ScreenedRun)) > 300, "no long quiet run"
    assert max(item.last_usec - item.first_usec for item in items if isinstance(item, ScreenedRun)) \
        > 3600 * 1_000_000, "no run spanning an hour"
    runs = FoldCounter(monkeypatch)
    events = assert_same_events(SIGNATURES, files=[silence])
    assert runs.folded > 5 and runs.replayed > 5, (runs.folded, runs.replayed)
    silent = [e for e in events if e["type"] == "incident" and e["rule"] == SILENT]
    silent_units = {e["unit"] for e in silent}
    assert {"steady.service", "late.service", "clock.service", "pause.service"} <= silent_units, silent_units
    assert not {"stopped.service", "deact.service", "noise.service", "job.service"} & silent_units, silent_units
    gaps = [(e["from_usec"], e["to_usec"]) for e in events if e["type"] == "gap" and e["unit"] == "steady.service"]
    assert gaps[0] == (BASE_USEC + 1795 * 1_000_000, BASE_USEC + 3000 * 1_000_000), "its real gap, to its return"
    # a silence that begins and ends inside one run of screened entries, and one that fires inside a run in which
    # a burst (disk-full at 6000.5 s) ends later: both must come out where entry by entry puts them
    pauses = [(e["from_usec"], e["to_usec"], e["open"]) for e in events if e["type"] == "gap"
              and e["unit"] == "pause.service"]
    assert pauses[0] == (BASE_USEC + 4699 * 1_000_000, BASE_USEC + 4762 * 1_000_000, False), pauses
    assert pauses[1][0] == BASE_USEC + 5998 * 1_000_000 and pauses[1][2], pauses
    assert [e for e in events if e["type"] == "incident_end" and e["rule"] == SILENT and not e["open"]
            and e["unit"] == "steady.service"], "steady.service came back: its silence ends"
    assert_same_events(custom_rules, files=[silence])


MACHINE_A, MACHINE_B = "a" * 32, "b" * 32


def test_several_machines_same_units_give_the_same_events_and_stay_apart(folder: Path):
    """A collector's directory (journal-remote): two machines with the same unit names. The scanner's spans
    are per (machine, unit), so silences are per host, as when every entry is read in full."""
    records: list[Record] = []
    for machine, host, shift in ((MACHINE_A, "alpha", 0), (MACHINE_B, "beta", 500_000)):
        for record in silence_records():
            assert isinstance(record, dict)
            if machine == MACHINE_B and record.get("_SYSTEMD_UNIT") == "steady.service":
                continue  # beta's steady.service never goes quiet: only alpha's is silent
            usec = int(str(record["__REALTIME_TIMESTAMP"])) + shift
            records.append({**record, "__REALTIME_TIMESTAMP": usec, "_MACHINE_ID": machine, "_HOSTNAME": host})
    records += [entry(f"beta steady {i}", unit="steady.service", at=5.0 * i + 0.5, _MACHINE_ID=MACHINE_B,
                      _HOSTNAME="beta") for i in range(2900)]  # to the end (14000 s)
    records.sort(key=lambda r: int(str(r["__REALTIME_TIMESTAMP"])) if isinstance(r, Mapping) else 0)
    journal = write_journal(folder, "fleet", records)
    runs = [item for item in screened_items(journal) if isinstance(item, ScreenedRun)]
    machines = {span[6] for run in runs for span in run.spans}
    assert machines == {MACHINE_A, MACHINE_B}
    assert any(f"{MACHINE_A}/steady.service" in run.units and f"{MACHINE_B}/steady.service" in run.units
               for run in runs), "one run holds both hosts' steady.service as two spans"
    events = assert_same_events(SHIPPED, files=[journal])
    silent = {(e["machine_id"], e["unit"], (e["first_usec"] - BASE_USEC) // 1_000_000) for e in events
              if e["type"] == "incident" and e["rule"] == SILENT}
    assert (MACHINE_A, "steady.service", 1795) in silent  # alpha's quiet 20 minutes
    assert not [s for s in silent if s[:2] == (MACHINE_B, "steady.service") and s[2] < 14495]  # beta's went on
    assert {s[0] for s in silent if s[1] == "pause.service"} == {MACHINE_A, MACHINE_B}  # each host's own


def test_clock_stepping_back_gives_the_same_events(silence: Path):
    times = [entry.realtime_usec for _, entry in flatten(screened_items(silence))]
    assert any(later < earlier for earlier, later in itertools.pairwise(times)), "the journal has no backward step"
    # the same journal read again from the middle, so that the step falls early in the first run
    since = BASE_USEC + 250 * 1_000_000
    assert_same_events(SHIPPED, Selection(since_usec=since), files=[silence])


def test_batches_and_runs_of_many_units_give_the_same_events(big: Path, custom_rules: tuple[Rule, ...],
                                                             monkeypatch: pytest.MonkeyPatch):
    items = screened_items(big)
    runs = [item for item in items if isinstance(item, ScreenedRun)]
    assert sum(run.count for run in runs) + len(items) - len(runs) > 2 * 16384
    assert max(len(run.spans) for run in runs) == 256, "a run holds at most 256 units"
    assert any(len(run.spans) == 256 for run in runs)
    for run in runs:  # the summary agrees with the entries it stands for
        entries = list(run.entries())
        assert len(entries) == run.count == sum(span[1] for span in run.spans)
        assert entries[0].realtime_usec == run.first_usec and entries[-1].realtime_usec == run.last_usec
        assert max(e.realtime_usec for e in entries) == run.peak_usec
        assert run.units == tuple(host_unit(span[6], span[0]) for span in run.spans)
        assert {host_unit(e.machine_id, e.unit) for e in entries} == set(run.units)
    runs = FoldCounter(monkeypatch)
    events = assert_same_events(SIGNATURES, files=[big])
    assert runs.folded > 5 and runs.replayed > 5, (runs.folded, runs.replayed)
    assert {"error-burst", "disk-full", SILENT} <= incident_rules(events)
    assert_same_events(custom_rules, files=[big])


def pid_records() -> list[Record]:
    """PIDs reused across units and machines: 600 PIDs of worker.service (more than one run's table holds, so a run
    ends for them), some taken over by other.service, on two machines whose PIDs are the same numbers; one PID in a
    line read in full first (an ERROR), then the kernel kills PIDs on each machine (sources/_journalscan.c PidNote)."""
    records: list[Record] = []
    for machine, shift in ((MACHINE_A, 0.0), (MACHINE_B, 0.25)):
        records.append(entry("ERROR: cache rebuild failed", unit="early.service", at=shift, priority=3,
                             _PID="5000", _MACHINE_ID=machine))
        for i in range(600):
            records.append(entry(f"worker {i} up", unit="worker.service", at=1 + i * 0.01 + shift, _PID=str(5000 + i),
                                 _SYSTEMD_INVOCATION_ID="c" * 32, _MACHINE_ID=machine))
        taken = (5000, 5001, 5599) if machine == MACHINE_A else (5002,)
        for n, pid in enumerate(taken):
            records.append(entry(f"other {pid} up", unit="other.service", at=20 + n + shift, _PID=str(pid),
                                 _SYSTEMD_INVOCATION_ID="d" * 32, _MACHINE_ID=machine))
    at = 40.0
    for machine, pids in ((MACHINE_A, (5000, 5003, 5599)), (MACHINE_B, (5000, 5002))):
        for pid in pids:
            at += 400  # past each kill's window: one incident each
            records.append(entry(f"Out of memory: Killed process {pid} (x) total-vm:1kB, anon-rss:1kB, file-rss:0kB",
                                 unit=None, at=at, priority=3, _TRANSPORT="kernel", SYSLOG_IDENTIFIER="kernel",
                                 _MACHINE_ID=machine))
    return sorted(records, key=lambda r: int(str(r["__REALTIME_TIMESTAMP"])) if isinstance(r, Mapping) else 0)


def test_reused_pids_name_the_same_units(folder: Path):
    """A kernel kill joins the unit that last logged with its PID on its machine, whether that unit's lines came in
    full or screened out (ScreenedRun.pids), and a run's PID table filling up starts a new run."""
    journal = write_journal(folder, "pids", pid_records())
    runs = [item for item in screened_items(journal) if isinstance(item, ScreenedRun)]
    assert max(len(run.pids) for run in runs) == 512, "a run notes at most 512 PIDs"
    assert sum(len(run.pids) for run in runs) >= 1200
    events = assert_same_events(SHIPPED, files=[journal])
    kills = [(e["machine_id"], e["unit"]) for e in events if e["type"] == "incident" and e["rule"] == "kernel-oom-kill"]
    assert kills == [(MACHINE_A, "other.service"), (MACHINE_A, "worker.service"), (MACHINE_A, "other.service"),
                     (MACHINE_B, "worker.service"), (MACHINE_B, "other.service")], kills


def test_odd_entries_give_the_same_events(odd: Path, custom_rules: tuple[Rule, ...]):
    items = screened_items(odd)
    assert run_count(items) >= 2
    candidates = {item.message for item in items if isinstance(item, Entry)}
    for must in ("first line\ncp: error writing 'x': No space left on device", "tick one\ntick two", "empty unit",
                 "two units", "eth0: link up", "(root) CMD (run-parts /etc/cron.hourly)", "Removed session 4.",
                 "Watching system buttons", "Process 9 (x) of user 0 dumped core.",
                 "Process 10 (x) of user 0 dumped core.", "Started app.service.", "pid one, no UNIT", "",
                 "no priority 0"):
        assert must in candidates, f"{must!r} must reach Python in full"
    events = assert_same_events(SHIPPED, files=[odd])
    assert {"disk-full", "kernel-oom-kill", "systemd-coredump", "error-burst", SILENT} <= incident_rules(events)
    assert_same_events(custom_rules, files=[odd])
    # -u follows systemd's, logind's and coredump's lines about a unit; -p drops PRIORITY=x, 10, ...
    for selection in (selection_from(("app", "other"), None, None, None), selection_from((), "err", None, None),
                      selection_from(("other",), "crit", None, None)):
        assert_same_events(SHIPPED, selection, files=[odd])


def capped(priority: int | None) -> int | None:
    """PRIORITY values past 253 are all "too unimportant for any limit" (limits are 0-7): the scanner caps them."""
    return priority if priority is None else min(priority, 253)


def test_scanner_entries_equal_the_reference_entries(odd: Path, mixed: Path, levels: Path):
    """Entry by entry (replayed runs included): time, unit, message, priority and effective priority (with
    its source) as the reference reads them."""
    for journal in (odd, mixed, levels):
        mine = [(e.realtime_usec, e.unit, e.message, e.priority, e.effective_priority, e.level_source)
                for _, e in flatten(screened_items(journal))]
        theirs = [(e.realtime_usec, e.unit, e.message, capped(e.priority), capped(e.effective_priority),
                   e.level_source) for e in open_entries(Selection(), files=[journal])]
        assert len(mine) == len(theirs)
        different = [(n, a, b) for n, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
        assert not different, f"{journal.name}: {len(different)} entries differ, first: {different[:3]}"


@pytest.mark.parametrize("units, priority, since_min, until_min", [
    (("api", "worker"), None, None, None),
    (("beat",), None, None, None),
    ((), "err", None, None),
    ((), "warning..info", None, None),
    ((), None, 20, 45),
    (("nginx", "postgresql", "pulse"), "6", 5, None),
], ids=["units", "unit-stopped-by-pid1", "priority", "priority-range", "since-until", "all"])
def test_selections_give_the_same_events(mixed: Path, units: tuple[str, ...], priority: str | None,
                                         since_min: int | None, until_min: int | None):
    selection = selection_from(units, priority,
                               None if since_min is None else f"@{BASE_USEC // 1_000_000 + 60 * since_min}",
                               None if until_min is None else f"@{BASE_USEC // 1_000_000 + 60 * until_min}")
    items = screened_items(mixed, selection=selection)
    full = list(open_entries(selection, files=[mixed]))
    assert sum(item.count if isinstance(item, ScreenedRun) else 1 for item in items) == len(full) > 0
    assert_same_events(SHIPPED, selection, files=[mixed])


def test_text_levels_give_the_same_events(levels: Path, custom_rules: tuple[Rule, ...]):
    """Screening by effective priority: a PRIORITY-6 line whose text says ERROR reaches priority-limited rules
    (error-burst, any-error) through the scanner as it does read in full."""
    items = screened_items(levels)
    assert run_count(items) > 10
    entries = [e for _, e in flatten(items)]
    assert sum(e.level_source == "text" for e in entries) > 300
    assert sum(e.level_source == "text" and e.priority is None for e in entries) > 50
    events = assert_same_events(SHIPPED, files=[levels])
    bursts = [e for e in events if e["type"] == "incident" and e["rule"] == "error-burst"]
    assert {e["unit"] for e in bursts} >= {"jobs.service"}, bursts
    assert {(m["level_source"], m["effective_priority"]) for m in events if m["type"] == "match"} >= \
        {("text", 3), ("text", 2), ("journal", 3)}
    events = assert_same_events(custom_rules, files=[levels])
    assert "any-error" in incident_rules(events)


@pytest.mark.parametrize("units, priority", [
    ((), "err"), ((), "warning..err"), ((), "6"), ((), "debug"), (("db",), "crit"), (("jobs", "api"), "err"),
])
def test_priority_selection_by_effective_priority_gives_the_same_events(levels: Path, units: tuple[str, ...],
                                                                        priority: str):
    """-p selects by effective priority: the scanner applies it in C to what it understands, Python to the
    candidates it hands on unread; the reference reader applies it to every entry."""
    selection = selection_from(units, priority, None, None)
    items = screened_items(levels, selection=selection)
    full = list(open_entries(selection, files=[levels]))
    assert full and all(selection.admits(e) for e in full)
    assert any(e.level_source == "text" for e in full) or priority in ("6", "debug")
    assert sum(item.count if isinstance(item, ScreenedRun) else 1 for item in items) == len(full)
    assert_same_events(SHIPPED, selection, files=[levels])


def test_selection_on_the_silence_journal(silence: Path):
    for selection in (selection_from(("steady", "stopped", "noise"), None, None, None),
                      selection_from((), None, f"@{BASE_USEC // 1_000_000 + 1000}",
                                     f"@{BASE_USEC // 1_000_000 + 8000}")):
        events = assert_same_events(SHIPPED, selection, files=[silence])
        assert SILENT in incident_rules(events)


def test_directory_of_several_journals(folder: Path):
    directory = folder / "several"
    directory.mkdir()
    rng = random.Random(3)
    for part in range(3):
        write_journal(directory, f"part{part}", [
            entry(rng.choice([benign_text(rng, i), "OSError: [Errno 28] No space left on device: '/x'"]) if part
                  else benign_text(rng, i), unit=f"p{part}.service", at=part * 0.3 + i * 2.0,
                  priority=rng.choice(PRIORITIES) if part else 6)
            for i in range(800 if part else 400)])  # p0.service stops half way, after no error: silent
    assert run_count(open_entries(Selection(), directory=directory, screen=Detector(SHIPPED).screen())) > 10
    events = assert_same_events(SHIPPED, directory=directory)
    assert {"disk-full", SILENT} <= incident_rules(events)


# ---- bugs isolated: each test states what the scanner gets wrong ------------------------------------------------

def test_burst_endings_inside_a_folded_run_keep_their_order(folder: Path, custom_rules: tuple[Rule, ...]):
    """Ending bursts once at a folded run's last time must end them in the same order as entry by entry,
    also when a window was extended after its first hit (its heap deadline is then stale)."""
    space = [rule for rule in custom_rules if rule.id == "space"]
    journal = write_journal(folder, "burst-order", [
        entry("cp: No space left on device", unit="a.service", at=0),
        entry("cp: No space left on device", unit="b.service", at=60),
        entry("cp: No space left on device", unit="a.service", at=80),
        *[entry(f"tick {i}", unit="c.service", at=81 + i) for i in range(200)],
    ])
    assert run_count(screened_items(journal, space)) == 1
    full, _ = pipeline_events(space, False, files=[journal])
    screened, _ = pipeline_events(space, True, files=[journal])
    ends = [(e["unit"]) for e in full if e["type"] == "incident_end"]
    assert ends == ["b.service", "a.service"]  # b's window (60s + 2m) ends before a's (80s + 2m)
    assert screened == full, (
        "regression: a folded ScreenedRun ends bursts in stale-deadline order; read in full, b.service's "
        "incident ends before a.service's, through the scanner after it\n" + describe_difference(full, screened))


def test_burst_endings_inside_a_folded_run_keep_their_order_with_shipped_rules(folder: Path):
    """The same with the shipped rules: disk-full (one hit, 10 minute window) on two units while a steady
    unit (watched, with a long usual gap) logs on; its run is folded."""
    cut = "cp: error writing '/srv/db': No space left on device"
    zero = 6000  # c.service: 20 entries, a 3000 s gap (its threshold becomes 9000 s), then steady again
    steady = [10 * k for k in range(20)] + [3190 + 10 * k for k in range(281)]
    journal = write_journal(folder, "burst-order-shipped", [
        *[entry(f"tick {i}", unit="c.service", at=at) for i, at in enumerate(steady)],
        entry(cut, unit="a.service", at=zero + 0.5), entry(cut, unit="b.service", at=zero + 300.5),
        entry(cut, unit="a.service", at=zero + 400.5),
        *[entry(f"tick late {i}", unit="c.service", at=zero + 401 + 10 * i) for i in range(70)],
    ])
    full, _ = pipeline_events(SHIPPED, False, files=[journal])
    screened, _ = pipeline_events(SHIPPED, True, files=[journal])
    ends = [e["unit"] for e in full if e["type"] == "incident_end"]
    assert ends == ["b.service", "a.service"]  # b's window (300 s + 10 min) ends before a's (400 s + 10 min)
    assert run_count(screened_items(journal)) == 2
    assert screened == full, (
        "regression: a folded ScreenedRun ends bursts in stale-deadline order; read in full, b.service's "
        "disk-full incident ends before a.service's, through the scanner after it\n"
        + describe_difference(full, screened))


def test_priority_with_leading_zeros_is_not_screened_out(folder: Path):
    """PRIORITY=0000000003 is priority 3 for the reference reader (int of ASCII digits, any number of them);
    the scanner must read it the same, or error-burst would never see these entries."""
    journal = write_journal(folder, "priority-digits", [
        *[entry(f"request failed {i}", unit="p.service", at=i, priority="0000000003") for i in range(60)],
        entry("end", unit="q.service", at=100)])
    full, _ = pipeline_events(SHIPPED, False, files=[journal])
    assert "error-burst" in incident_rules(full)
    screened, _ = pipeline_events(SHIPPED, True, files=[journal])
    assert screened == full, (
        "regression: PRIORITY=0000000003 (10 digits) is read as priority 3 in full but as no priority by "
        "_journalscan.c parse_priority (len > 9 -> NO_PRIORITY), so the screen hides 60 error-burst matches\n"
        + describe_difference(full, screened))


BOOM_RULE = """title = "boom"
severity = "error"
action = "alert"
[match]
message = 'BOOM'
"""


def test_absence_rule_with_fields_sees_screened_entries(folder: Path):
    """An absence rule may gate on journal fields ([match] fields): the entries that pass its gate must reach
    it through the scanner too (screened entries carry no fields, so the screen must let them through)."""
    rules = rules_in(folder / "fielded-absence", {"quiet-stdout": '''title = "quiet stdout"
severity = "warning"
action = "alert"
[match]
fields = { _TRANSPORT = "stdout" }
[absence]
silent_for = "10m"
min_entries = 5
learn_for = "10s"
''', "boom": BOOM_RULE})
    journal = write_journal(folder, "fielded-absence", [
        *[entry(f"tick {i}", unit="a.service", at=i, _TRANSPORT="stdout") for i in range(20)],
        entry("later", unit="z.service", at=3000)])
    full, _ = pipeline_events(rules, False, files=[journal])
    assert incident_rules(full) == {"quiet-stdout"}
    screened, _ = pipeline_events(rules, True, files=[journal])
    assert normalised(screened, rules) == normalised(full, rules), (
        "regression: an absence rule with [match] fields never fires through the scanner: ScreenedRun.entries() "
        "replays entries with empty fields, so _TRANSPORT=stdout never matches\n" + describe_difference(full, screened))


def test_absence_rule_with_priority_and_repeated_priority_field(folder: Path):
    """PRIORITY given twice: the reference reads no priority (a list of values is no number), and so must the
    scanner, or an absence rule with a priority limit would count entries only through it."""
    rules = rules_in(folder / "priority-absence", {"quiet-errors": '''title = "quiet errors"
severity = "warning"
action = "alert"
[match]
priority = "err"
[absence]
silent_for = "10m"
min_entries = 5
learn_for = "10s"
''', "boom": BOOM_RULE})
    journal = write_journal(folder, "priority-absence", [
        *[raw_from(entry(f"tick {i}", unit="a.service", at=i, priority=None), ("PRIORITY", "3"), ("PRIORITY", "2"))
          for i in range(20)],
        entry("later", unit="z.service", at=3000)])
    full, _ = pipeline_events(rules, False, files=[journal])
    assert not incident_rules(full)
    screened, _ = pipeline_events(rules, True, files=[journal])
    assert normalised(screened, rules) == normalised(full, rules), (
        "regression: an entry with PRIORITY given twice has no priority when read in full but keeps the last "
        "PRIORITY value in a ScreenedRun, so an absence rule with a priority limit counts it only through the "
        "scanner\n" + describe_difference(full, screened))


def test_suppression_note_on_a_screened_entry_counts(folder: Path):
    """N_DROPPED on an entry no rule's screen lets through: the suppression must be noted for the unit (its
    incident counts become lower bounds) through the scanner too."""
    journal = write_journal(folder, "n-dropped", [
        entry("cp: error writing 'x': No space left on device", unit="app.service", at=0),
        entry("some lines were lost", unit="app.service", at=1, N_DROPPED=7),
        entry("end", unit="z.service", at=2)])
    full, _ = pipeline_events(SHIPPED, False, files=[journal])
    assert [e["dropped"] for e in full if e["type"] == "incident_end"] == [7]
    screened, _ = pipeline_events(SHIPPED, True, files=[journal])
    assert screened == full, (
        "regression: an entry with N_DROPPED but no literal, _PID=1 or OBJECT_SYSTEMD_UNIT is screened out, so "
        "Pipeline.suppressions never sees it (incident_end dropped=0 instead of 7)\n"
        + describe_difference(full, screened))


def test_units_that_differ_only_in_invalid_utf8_fold_as_one(folder: Path):
    """Two _SYSTEMD_UNIT values that decode to the same text are one unit for the pipeline: the scanner must
    not fold them as two (spans are keyed by raw bytes), or the unit's last time could step back."""
    def bad(name: bytes, message: str, at: float) -> dict[str, FieldValue]:
        return entry(message, unit=None, at=at, _SYSTEMD_UNIT=name, SYSLOG_IDENTIFIER="bad")

    cut = "cp: error writing 'x': No space left on device"
    journal = write_journal(folder, "invalid-unit", [
        *[bad(b"bad\xff.service", f"a {i}", 10.0 * i) for i in range(40)],
        entry(cut, unit="c.service", at=401),
        bad(b"bad\xff.service", "x1", 402), bad(b"bad\xfe.service", "x2", 403), bad(b"bad\xff.service", "x3", 700),
        entry(cut, unit="c.service", at=701), entry("late", unit="z.service", at=1000),
        entry(cut, unit="c.service", at=1001), entry("late", unit="z.service", at=1350),
        entry(cut, unit="c.service", at=1351)])
    full, _ = pipeline_events(SHIPPED, False, files=[journal])
    screened, _ = pipeline_events(SHIPPED, True, files=[journal])
    assert normalised(screened) == normalised(full), (
        "regression: spans of 'bad\\xff.service' and 'bad\\xfe.service' (both 'bad\\ufffd.service' in Python) "
        "are folded one after the other, so the unit's last time steps back from 700 s to 403 s and a silence "
        "fires only through the scanner\n" + describe_difference(full, screened))


# ---- 2. the screen never hides a match ---------------------------------------------------------------------------

def corpus_journal_records() -> list[Record]:
    """Every matching sample of every shipped rule at its own priority, at each priority 0-7, without one and
    behind an invalid UTF-8 byte; every real_world.tsv line; benign lines in between."""
    out: list[Record] = []
    t = 0.0
    units = iter(UNITS * 1000)
    for _, sample in MATCHING_SAMPLES:
        fields = dict(sample.fields)
        for priority in (sample.priority, *range(8), None):
            t += 1
            out.append(sample_record(sample.line, t, next(units), priority, fields))
        t += 1
        out.append(sample_record(b"\xff" + sample.line.encode(), t, next(units), sample.priority, fields))
        t += 1
        out.append(sample_record(sample.line + "\n", t, next(units), sample.priority, fields))
    for n, (_, fields) in enumerate(REAL_WORLD + BENIGN):
        t += 1
        out.append(corpus_record(fields, t))
        for i in range(3):
            t += 1
            out.append(entry(benign_text(random.Random(n), i), unit=next(units), at=t, priority=6))
    return out


def test_screen_never_hides_a_match(folder: Path):
    journal = write_journal(folder, "corpus", corpus_journal_records())
    reference_detector = Detector(SHIPPED)
    reference = list(open_entries(Selection(), files=[journal], extra_fields=reference_detector.needed_fields))
    detector = Detector(SHIPPED)
    items = list(open_entries(Selection(), files=[journal], extra_fields=detector.needed_fields,
                              screen=detector.screen()))
    assert run_count(items) > 100, "the fast path was not exercised"
    flat = list(flatten(items))
    assert len(flat) == len(reference)
    hidden = []
    expected_hits: set[tuple[str, str]] = set()
    for (candidate, mine), theirs in zip(flat, reference, strict=True):
        assert (mine.realtime_usec, mine.message) == (theirs.realtime_usec, theirs.message)
        hits = reference_detector.detect(theirs)
        expected_hits.update((hit.rule_id, theirs.cursor) for hit in hits)
        if hits and not candidate:
            hidden.append((sorted(hit.rule_id for hit in hits), theirs.message[:100], theirs.priority))
        if candidate:
            assert mine.cursor == theirs.cursor
    assert not hidden, f"{len(hidden)} matching entries were screened out, first: {hidden[:5]}"
    hits = {(hit.rule_id, entry.cursor) for entry in items if isinstance(entry, Entry)
            for hit in detector.detect(entry)}
    assert hits == expected_hits
    matched_rules = {rule_id for rule_id, _ in hits}
    assert matched_rules == {rule.id for rule, _ in MATCHING_SAMPLES}, "every rule matched something"


# ---- 3. robustness -----------------------------------------------------------------------------------------------

def test_missing_directory_and_non_journal_files_are_open_errors(folder: Path):
    screen = Detector(SHIPPED).screen()
    missing = folder / "no-such-directory"
    with pytest.raises(JournalOpenError, match="no-such-directory"):
        list(open_entries(Selection(), directory=missing, screen=screen))
    garbage = folder / "garbage.journal"
    garbage.write_bytes(b"LPKSHHRH" + bytes(random.Random(1).randrange(256) for _ in range(4096)))
    with pytest.raises(JournalOpenError, match=r"garbage\.journal"):
        list(open_entries(Selection(), files=[garbage], screen=screen))
    text = folder / "text.journal"
    text.write_text("this is not a journal\n" * 50)
    for location in (JournalLocation(files=(text,)), JournalLocation(directory=text),
                     JournalLocation(files=(folder / "gone.journal",))):
        with pytest.raises(JournalOpenError, match=re.escape(str(location.directory or location.files[0]))):
            list(ScreeningJournalSource(location, Selection(), screen))
    empty = folder / "empty-directory"
    empty.mkdir()
    with pytest.raises(JournalOpenError, match="empty-directory: cannot read a journal: no journal files in it"):
        list(open_entries(Selection(), directory=empty, screen=screen))  # never "0 entries, nothing found"


READ_SCRIPT = """
import sys
from pathlib import Path
from logsentry.engine.absence import SilenceTracker
from logsentry.engine.detector import Detector
from logsentry.model import ScreenedRun
from logsentry.rules.loader import load_rules, shipped_rules_dir
from logsentry.sources import Selection, open_entries
detector = Detector(load_rules([shipped_rules_dir()]).rules)
count = 0
try:
    for item in open_entries(Selection(), files=[Path(sys.argv[1])], extra_fields=detector.needed_fields,
                             screen=detector.screen() if sys.argv[2] == "screened" else None):
        count += item.count if isinstance(item, ScreenedRun) else 1
except OSError as error:
    print("OSError", count, error)
else:
    print("OK", count)
"""


def read_in_subprocess(journal: Path, mode: str) -> str:
    done = subprocess.run([sys.executable, "-c", READ_SCRIPT, str(journal), mode], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, f"{journal.name} ({mode}): exit {done.returncode}\n{done.stderr[-2000:]}"
    assert done.stdout.startswith(("OK ", "OSError ")), done.stdout + done.stderr
    return done.stdout.strip()


def test_damaged_journals_do_not_crash_the_process(folder: Path, mixed: Path):
    data = mixed.read_bytes()
    end = len(data.rstrip(b"\0"))  # journal files are preallocated: the rest is zeros
    cut = folder / "cut.journal"
    cut.write_bytes(data[: end // 2])
    outcome = read_in_subprocess(cut, "screened")
    assert outcome.startswith("OK") or (outcome.startswith("OSError") and "cut.journal" in outcome), outcome
    lost = folder / "lost-tail.journal"  # the same size, its last part never written
    keep = int(end * 0.95)
    lost.write_bytes(data[:keep] + bytes(len(data) - keep))
    assert read_in_subprocess(lost, "screened") == read_in_subprocess(lost, "full")
    rng = random.Random(11)
    for n in range(4):  # bytes flipped inside entries: read what can be read, or fail cleanly
        damaged = bytearray(data)
        start = rng.randrange(4096, end - 4096)
        for _ in range(64):
            damaged[start + rng.randrange(4096)] = rng.randrange(256)
        path = folder / f"flipped-{n}.journal"
        path.write_bytes(bytes(damaged))
        read_in_subprocess(path, "screened")


def threads() -> int:
    return len(os.listdir("/proc/self/task"))


@pytest.mark.alone
def test_closing_early_stops_the_reader_promptly(big: Path):
    detector = Detector(SHIPPED)
    expected = sum(item.count if isinstance(item, ScreenedRun) else 1 for item in screened_items(big))
    before = threads()
    for _ in range(3):
        iterator = open_entries(Selection(), files=[big], extra_fields=detector.needed_fields,
                                screen=detector.screen())
        taken = [item for _, item in zip(range(3), iterator, strict=False)]
        assert len(taken) == 3
        assert threads() == before + 1, "the scanner reads in a thread of its own"
        started = time.monotonic()
        del iterator, taken
        gc.collect()
        assert time.monotonic() - started < 2.0
        assert threads() == before, "the reader thread was not stopped"
    again = sum(item.count if isinstance(item, ScreenedRun) else 1 for item in screened_items(big))
    assert again == expected


def test_reading_twice_in_one_process_gives_the_same_result(odd: Path, silence: Path):
    for journal in (odd, silence):
        first = [(candidate, entry) for candidate, entry in flatten(screened_items(journal))]
        second = [(candidate, entry) for candidate, entry in flatten(screened_items(journal))]
        assert first == second
        assert pipeline_events(SHIPPED, True, files=[journal]) == pipeline_events(SHIPPED, True, files=[journal])


# ---- 4. the CLI --------------------------------------------------------------------------------------------------

def test_scan_json_gives_the_reference_events(silence: Path, odd: Path, tmp_path: Path):
    shipped = (shipped_rules_dir() / "generic" / f"{SILENT}.toml").read_text()
    (tmp_path / f"{SILENT}.toml").write_text(shipped.replace('learn_for = "1d"', 'learn_for = "10s"'))  # as SHIPPED
    for journal in (silence, odd):
        result = run_cli("scan", "--file", str(journal), "--rules", str(shipped_rules_dir()), "--rules", str(tmp_path),
                         "--no-shipped-rules", "-o", "json")
        assert result.exit_code == 0, result.output
        records = json_events(result)
        full, summary = pipeline_events(SHIPPED, False, journal=journal_source(files=[journal]), scan_open=True,
                                        files=[journal])
        note = records[-1].pop("anomaly", None)  # scan's own note on its anomaly rules (cold units), not a count
        assert note is None or set(note) == {"units", "cold_units", "warm_after_usec", "warm_entries"}, note
        learning = records[-1].pop("silence")  # and on the units not watched for silence yet
        assert learning["rule"] == SILENT and learning["learn_for_usec"] == 10_000_000, learning
        assert records[-1] == summary
        assert normalised(records[:-1]) == normalised(full), describe_difference(full, records[:-1])
        assert SILENT in incident_rules(full)
