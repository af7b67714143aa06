"""Silence that means something (issue 18): learnt rhythms, who is watched, what is not silent, gaps offline.

Journals are real .journal files (systemd-journal-remote) scanned by the CLI; the tracker is driven directly
only where its state is the point (thresholds, snapshot). The sandbox tests with a real systemd are in
test_silence_systemd.py.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from conftest import BASE_USEC, LOCAL_MACHINE, entry, json_events, of_type, run_cli

from logsentry.config_parse import ConfigError, parse_config
from logsentry.engine.absence import Rhythm, SilenceTracker, deliberately_stopped
from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.pipeline import GapEvent, IncidentEvent, Pipeline
from logsentry.rules.loader import load_rules, shipped_rules_dir

SEC = 1_000_000
SILENT = "unit-went-silent"
SHIPPED_SILENCE = tuple(rule for rule in load_rules([shipped_rules_dir()]).rules if rule.id == SILENT)
STOPPED_ID = "9d1aaa27d60140bd96365438aad20286"
SUCCESS_ID = "7ad2d189f7e94e70a38c781354912448"
STARTED_ID = "39f53479d3a045ac8e11786248231fbf"


def day_of_units(seed: int = 5, hours: int = 26) -> list[dict]:
    """`hours` of journal time (a rhythm is trusted once it covers a day): a 1 s heartbeat and a steady request
    log (regular), sshd-like sessions arriving at random with gaps up to hours, a cron-like daemon whose jobs
    run at odd minutes, and an error log that writes bursts of errors when something fails upstream (all
    on-demand)."""
    rng = random.Random(seed)
    out = []
    t = 0.0
    while t < hours * 3600:
        out.append(entry("heartbeat ok", unit="beat.service", at=t))
        t += 1 + rng.uniform(-0.05, 0.05)
    t = 0.0
    while t < hours * 3600:
        out.append(entry(f"GET /api/{rng.randrange(99)} 200", unit="api.service", at=t))
        t += rng.expovariate(1 / 3)
    t = 0.0
    while True:  # sessions: quiet for hours at night, every few minutes by day
        t += rng.expovariate(1 / 900) * (8 if (t % 86_400) < 6 * 3600 else 1)
        if t > hours * 3600:
            break
        for step in range(rng.randint(4, 12)):
            out.append(entry(f"session {int(t)} step {step}", unit="sshd.service", at=t + step * 0.2))
    for job in range(120):
        at = rng.uniform(0, hours * 3600)
        out += [entry(f"(root) CMD (job {job} line {n})", unit="cron.service", at=at + n * 0.01) for n in range(3)]
    t = 0.0
    while True:
        t += rng.expovariate(1 / 5400)
        if t > hours * 3600:
            break
        out += [entry(f"[error] upstream timed out ({n})", unit="errlog.service", at=t + n, priority=3)
                for n in range(rng.randint(1, 6))]
    out.sort(key=lambda record: record["__REALTIME_TIMESTAMP"])
    return out


DAY = 86_400


def steady(unit: str, every: float, until: float = DAY, message: str = "tick") -> list[dict]:
    """`unit` logging every `every` s from 0 s to `until`: the day of history a rhythm needs to be trusted
    (the shipped rule's learn_for: engine/rhythm.py); the tests' own events come after it."""
    return [entry(f"{message} (history {n})", unit=unit, at=n * every) for n in range(int(until / every))]


def scan(journal: Path, *extra: str) -> list[dict]:
    result = run_cli("scan", "--file", str(journal), "-o", "json", *extra)
    assert result.exit_code == 0, result.output
    return json_events(result)


def silences(events: list[dict]) -> list[dict]:
    return [event for event in of_type(events, "incident") if event["rule"] == SILENT]


def test_on_demand_units_never_fire_over_a_day_and_regular_ones_are_watched(make_journal):
    records = day_of_units()
    journal = make_journal(records)
    assert not silences(scan(journal)), "no unit stopped: no silence"
    # the same hours, cut so that the heartbeat and the request log stop for good half an hour before the end
    cut = BASE_USEC + (26 * 3600 - 1800) * SEC
    stopped = [r for r in records if r["__REALTIME_TIMESTAMP"] < cut or r["_SYSTEMD_UNIT"] not in
               ("beat.service", "api.service")]
    events = scan(make_journal(stopped))
    assert {event["unit"] for event in silences(events)} == {"beat.service", "api.service"}
    tracker = SilenceTracker(SHIPPED_SILENCE)
    for record in records:
        tracker.observe(Entry(int(record["__REALTIME_TIMESTAMP"]), str(record["MESSAGE"]),
                              str(record["_SYSTEMD_UNIT"]), 6, ""))
    thresholds = {unit: tracker.rhythm(SILENT, unit)[1] for unit in  # type: ignore[index]
                  ("beat.service", "api.service", "sshd.service", "cron.service", "errlog.service")}
    assert thresholds["sshd.service"] == thresholds["cron.service"] == thresholds["errlog.service"] == 0, thresholds
    assert 5 * SEC <= thresholds["beat.service"] <= 2 * SEC + 10 * SEC, thresholds  # floor, 3 x its 1 s gap
    assert 30 * SEC <= thresholds["api.service"] <= 120 * SEC, thresholds  # random arrivals every 3 s


def test_threshold_follows_the_learnt_distribution_not_the_longest_gap():
    rule = SHIPPED_SILENCE[0]
    absence = rule.absence
    assert absence is not None
    beat = Rhythm()
    for _ in range(5000):
        beat.learn(30 * SEC)
    assert 90 * SEC <= beat.threshold(absence) <= 3 * 1.19 * 30 * SEC  # margin x the 99.9th percentile (19 % bins)
    beat.learn(3600 * SEC)  # one long outage in months of heartbeats does not stretch it (old rule: 3 hours)
    assert beat.threshold(absence) < 2 * 60 * SEC
    rng = random.Random(1)
    poisson = Rhythm()
    for _ in range(20_000):
        poisson.learn(int(rng.expovariate(1 / 2) * SEC))
    threshold = poisson.threshold(absence)
    # P(a gap > T) under the learnt exponential tail, times gaps per day, is about 1e-4 or less
    import math
    assert 86_400 / 2 * math.exp(-threshold / (2 * SEC)) < 2e-4, threshold
    bursty = Rhythm()
    for _ in range(500):
        for _ in range(9):
            bursty.learn(int(rng.uniform(0.001, 0.3) * SEC))
        bursty.learn(int(rng.expovariate(1 / 1800) * SEC))
    assert bursty.threshold(absence) == 0
    restored = Rhythm.restore(poisson.snapshot())
    assert restored == poisson and restored is not None and restored.threshold(absence) == threshold
    assert Rhythm.restore([3, 0, 0, [1, 2]]) is None  # counts that do not add up


def systemd_line(message: str, unit: str, at: float, **fields: str) -> dict:
    return entry(message, unit="init.scope", at=at, _PID="1", UNIT=unit, **fields)


@pytest.mark.parametrize("ending", [
    [("Stopping beat.service - Beat...", {"MESSAGE_ID": "de5b426a63be47a7b6ac3eaac82e2f6f"}),
     ("beat.service: Deactivated successfully.", {"MESSAGE_ID": SUCCESS_ID}),
     ("Stopped beat.service - Beat.", {"MESSAGE_ID": STOPPED_ID})],
    [("Finished beat.service - Beat.", {"MESSAGE_ID": STARTED_ID, "JOB_TYPE": "start", "JOB_RESULT": "done"}),
     ("beat.service: Deactivated successfully.", {"MESSAGE_ID": SUCCESS_ID})],
    [("Stopped Beat.", {})],  # systemd before 240: no MESSAGE_ID
    [("beat.service: Deactivated successfully.", {})],
], ids=["systemctl-stop", "oneshot-finished", "old-systemd-stopped", "old-systemd-deactivated"])
def test_a_unit_stopped_or_finished_by_systemd_is_not_silent(make_journal, ending):
    ticks = [*steady("beat.service", 10), *(entry(f"tick {i}", unit="beat.service", at=DAY + i) for i in range(100))]
    end = [systemd_line(message, "beat.service", DAY + 99.5 + n * 0.1, **fields) for n, (message, fields) in
           enumerate(ending)]
    later = [entry(f"other {i}", unit="other.service", at=DAY + 100 + 600 * i) for i in range(7)]  # an hour goes by
    assert not silences(scan(make_journal([*ticks, *end, *later])))
    assert silences(scan(make_journal([*ticks, *later])))  # without systemd's lines it is a silence
    forged = [entry(message, unit="beat.service", at=DAY + 99.5, **fields) for message, fields in ending]  # not PID 1
    assert silences(scan(make_journal([*ticks, *forged, *later])))


def test_the_stop_wordings_and_ids_are_systemds():
    def line(message: str, **fields: str) -> Entry:
        return Entry(0, message, "x.service", 6, "", {"_PID": "1", **fields})

    assert deliberately_stopped(line("Finished x.service - X.", MESSAGE_ID=STARTED_ID))
    assert not deliberately_stopped(line("Started x.service - X.", MESSAGE_ID=STARTED_ID))
    assert not deliberately_stopped(line("Finished x.service - X.", MESSAGE_ID="d9b373ed55a64feb8242e02dbe79a49c"))
    assert deliberately_stopped(line("Stopped x.service with error.", MESSAGE_ID=STOPPED_ID))
    assert not deliberately_stopped(Entry(0, "Stopped x.service.", "x.service", 6, "", {"_PID": "4242"}))


def test_a_unit_that_stops_right_after_an_error_run_is_covered_by_its_error_incident(make_journal):
    ticks = [*steady("app.service", 10, message="request ok"),
             *(entry(f"request {i} ok", unit="app.service", at=DAY + i) for i in range(200))]
    errors = [entry(f"request {200 + i} failed: database error", unit="app.service", at=DAY + 200 + i * 0.5,
                    priority=3) for i in range(60)]  # error-burst: 50 within a minute
    later = [entry(f"other {i}", unit="other.service", at=DAY + 231 + 60 * i) for i in range(30)]
    covered = scan(make_journal([*ticks, *errors, *later]))
    # no silence, one incident: the error run's (a day of history makes its new template an anomaly that leads it)
    [incident] = of_type(covered, "incident")
    assert "error-burst" in [incident["rule"], *(link["rule"] for link in incident.get("chain", []))], incident
    # back to normal past the error incident's window (new-error-template's 10 minutes), then silent
    quiet_later = [entry(f"request {i} ok", unit="app.service", at=DAY + 230 + i) for i in range(900)]
    late = [entry(f"other {i}", unit="other.service", at=DAY + 1200 + 60 * i) for i in range(30)]
    events = scan(make_journal([*ticks, *errors, *quiet_later, *late]))
    assert [event["unit"] for event in silences(events)] == ["app.service"], "a later silence is its own"


def test_gaps_have_their_real_length_and_incidents_fire_at_the_deadline(make_journal):
    start = BASE_USEC + DAY * SEC  # after a day of history: times below are from here
    ticks = [*steady("beat.service", 2.0), *(entry(f"tick {i}", unit="beat.service", at=DAY + i * 2.0)
                                             for i in range(100))]  # last at 198 s
    back = [entry("tick again", unit="beat.service", at=DAY + 198 + 2520)]  # back after 42 minutes
    others = [entry(f"other {i}", unit="other.service", at=DAY + 300 * i) for i in range(10)]  # up to 2700 s
    events = scan(make_journal(sorted([*ticks, *back, *others], key=lambda r: r["__REALTIME_TIMESTAMP"])))
    [incident] = silences(events)
    [gap] = of_type(events, "gap")
    threshold = incident["within_usec"]
    assert incident["first_usec"] == start + 198 * SEC
    assert incident["realtime_usec"] == start + 198 * SEC + threshold + 1  # when it crossed, not the next entry
    assert incident["why"] == "no entry for 6.3s, usually one every 2.0s"
    assert gap == {"type": "gap", "rule": SILENT, "unit": "beat.service", "host": "",
                   "from_usec": start + 198 * SEC, "to_usec": start + 2718 * SEC,
                   "expected_gap_usec": 2 * SEC, "threshold_usec": threshold, "open": False,
                   "length_usec": 2520 * SEC, "jumped_usec": 0, "stepped_usec": 0, "machine_id": LOCAL_MACHINE}
    [end] = [event for event in of_type(events, "incident_end") if event["rule"] == SILENT]
    assert end["last_usec"] == gap["to_usec"] and not end["open"] and end["why"].startswith("no entry for 42m")
    assert events.index(gap) < events.index(end)
    # a gap that reaches the input's end is open; one still shorter than the threshold there is no incident
    events = scan(make_journal([*ticks, *[r for r in others if r["__REALTIME_TIMESTAMP"] < start + 1000 * SEC]]))
    [gap] = of_type(events, "gap")
    assert gap["open"] and gap["to_usec"] == start + 900 * SEC
    assert not of_type(scan(make_journal([*ticks, entry("last", unit="other.service", at=DAY + 201)])), "gap")


def test_the_report_names_the_silence_and_shows_the_last_line_as_context(make_journal):
    ticks = [*steady("beat.service", 30.0), *(entry(f"tick {i}", unit="beat.service", at=DAY + i * 30.0)
                                              for i in range(100))]  # every 30 s for a day and until 2970 s
    ticks.append(entry("tick: all quiet, last words", unit="beat.service", at=DAY + 3000))
    others = [entry(f"other {i}", unit="other.service", at=DAY + 3001 + 60 * i) for i in range(42)]
    back = entry("tick again", unit="beat.service", at=DAY + 3000 + 42 * 60)
    result = run_cli("scan", "--file", str(make_journal([*ticks, *others, back])))
    text = " ".join(result.output.split())
    assert "silence: no entry for 42m, usually one every 30s" in text, result.output
    assert "last line before it:" in text and "tick: all quiet, last words" in text
    assert "hits over" not in text


def test_site_config_forces_a_threshold_or_turns_silence_off():
    config = parse_config({"watch": [{"units": ["sshd"], "silence": "10m"}, {"units": ["beat*"], "silence": "off"},
                                      {"units": ["*"]}]}, Path("site.toml"))
    assert config.silence_for("sshd.service") == 600 * SEC
    assert config.silence_for("beat.service") == 0
    assert config.silence_for("api.service") is None
    assert "silence after 10min" in "\n".join(config.describe())
    with pytest.raises(ConfigError, match=r"watch #1: silence: expected a duration like \"10m\" or \"off\""):
        parse_config({"watch": [{"units": ["x"], "silence": "sometimes"}]}, Path("site.toml"))

    def run(entries: list[Entry]) -> list[str]:
        pipeline = Pipeline(Detector(SHIPPED_SILENCE), silence_overrides=config.silence_for)
        return [event.incident.unit for event in pipeline.run(entries) if isinstance(event, IncidentEvent)]

    sshd = [Entry(BASE_USEC + int(t * SEC), "Accepted publickey", "sshd.service", 6, "") for t in (0, 0.1, 0.2)]
    beat = [Entry(BASE_USEC + t * SEC, "tick", "beat.service", 6, "") for t in range(100)]
    later = [Entry(BASE_USEC + 3600 * SEC, "other", "other.service", 6, "")]
    assert run([*sshd, *beat, *later]) == ["sshd.service"], "forced from its first entry; the heartbeat turned off"


def test_rhythms_survive_a_snapshot_and_a_stepping_clock_is_no_gap():
    tracker = SilenceTracker(SHIPPED_SILENCE)
    ticks = DAY // 2 + 200  # every 2 s for a day and 400 s
    for t in range(ticks):
        tracker.observe(Entry(BASE_USEC + 2 * t * SEC, "tick", "beat.service", 6, ""))
    tracker.observe(Entry(BASE_USEC + 50 * SEC, "tick from a clock stepped back", "beat.service", 6, ""))
    rhythm, threshold = tracker.rhythm(SILENT, "beat.service")  # type: ignore[misc]
    assert rhythm.gaps == ticks - 1 and rhythm.longest_usec == 2 * SEC and threshold
    copy = SilenceTracker(SHIPPED_SILENCE)
    copy.restore(tracker.snapshot())
    assert copy.rhythm(SILENT, "beat.service") == (rhythm, threshold)
    after = BASE_USEC + (2 * ticks + 1000) * SEC
    copy.observe(Entry(after, "tick after a restart", "beat.service", 6, ""))
    assert [incident.unit for incident in copy.expire(after + threshold + 1)] == ["beat.service"]


def test_gap_events_reach_tail_plain_output():
    from logsentry.views.tail_lines import plain_line

    pipeline = Pipeline(Detector(SHIPPED_SILENCE))
    entries = [Entry(BASE_USEC + t * SEC, "tick", "beat.service", 6, "") for t in range(DAY + 100)]  # a day's rhythm
    entries.append(Entry(BASE_USEC + (DAY + 700) * SEC, "tick", "beat.service", 6, ""))
    [gap] = [event for event in pipeline.run(entries) if isinstance(event, GapEvent)]
    line = plain_line(gap, pipeline.detector.rules)
    assert "beat.service unit-went-silent - GAP no entry for 10m 1s" in line and "usually one every 1.0s" in line


def test_a_watchs_own_threshold_watches_a_oneshot_between_runs_but_not_after_a_stop():
    """`silence = "3m"` on a timer's oneshot (contrib's backup-agent example): its runs end with PID 1's "Finished
    X." and "Deactivated successfully.", which under a learnt threshold say it stopped on purpose; under the watch's
    own one they are life, so the timer stopped (no run for 3 min) is a silence (a new operator's hourly job never
    paged). `systemctl stop` ("Stopping", "Stopped", then "Consumed") is still no silence."""
    config = parse_config({"watch": [{"units": ["tick"], "silence": "3m"}, {"units": ["*"]}]}, Path("site.toml"))

    def pid1(message: str, at: float, message_id: str) -> Entry:
        return Entry(BASE_USEC + int(at * SEC), message, "tick.service", 6, "",
                     {"_PID": "1", "_SYSTEMD_UNIT": "init.scope", "UNIT": "tick.service", "MESSAGE_ID": message_id})

    def run_at(at: float) -> list[Entry]:
        return [Entry(BASE_USEC + int(at * SEC), "backup done", "tick.service", 6, "", {"_PID": str(int(at))}),
                pid1("tick.service: Deactivated successfully.", at + 0.1, SUCCESS_ID),
                pid1("Finished tick.service - Tick.", at + 0.2, STARTED_ID)]

    def units(entries: list[Entry]) -> list[str]:
        pipeline = Pipeline(Detector(SHIPPED_SILENCE), silence_overrides=config.silence_for)
        return [event.incident.unit for event in pipeline.run(entries) if isinstance(event, IncidentEvent)]

    runs = [entry for n in range(5) for entry in run_at(n * 60.0)]
    later = [Entry(BASE_USEC + int((300 + 60 * n) * SEC), "other", "other.service", 6, "") for n in range(10)]
    assert units([*runs, *later]) == ["tick.service"], "the timer stopped: no run for 3 min"
    assert units([*runs, *(entry for n in range(5, 16) for entry in run_at(n * 60.0))]) == [], "runs go on"
    stop = [pid1("Stopping tick.service - Tick...", 250, "de5b426a63be47a7b6ac3eaac82e2f6f"),
            pid1("tick.service: Deactivated successfully.", 250.1, SUCCESS_ID),
            pid1("Stopped tick.service - Tick.", 250.2, STOPPED_ID),
            pid1("tick.service: Consumed 12ms CPU time.", 250.3, "ae8f7b866b0347b9af31fe1c80b127c0")]
    assert units([*runs, *stop, *later]) == [], "stopped by systemctl: not silent"
