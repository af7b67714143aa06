"""A clock that jumps is no unit's silence, and does not hide one (helper-166 F17).

Scans read real journal files (systemd-journal-remote) written in the order journald writes them: a host whose
clock ran two hours ahead until chronyd stepped it back. The service's own clock jumps (a suspend, a step) come
from ClockWatch, whose clock readings are replaced here: this machine's clock is not ours to move.
"""

from __future__ import annotations

import subprocess
from typing import Any

import pytest
from conftest import BASE_USEC, entry, json_events, of_type, run_cli

from logsentry.engine import clock_jumps
from logsentry.engine.absence import SilenceTracker
from logsentry.engine.clock_jumps import MAX_STEPS_BACK, ClockJumps, ClockWatch
from logsentry.engine.rolling import BUCKETS, Rolling
from logsentry.model import Entry, Incident, Severity
from logsentry.rules.loader import load_rules, shipped_rules_dir

SEC = 1_000_000
HOURS = 26
STEP_S = 20
AHEAD_S = 7200
SILENCE = tuple(rule for rule in load_rules([shipped_rules_dir()]).rules if rule.id == "unit-went-silent")


STOPPED = (("Stopping {}...", "de5b426a63be47a7b6ac3eaac82e2f6f"), ("{}: Deactivated successfully.",
                                                                      "7ad2d189f7e94e70a38c781354912448"),
           ("Stopped {}.", "9d1aaa27d60140bd96365438aad20286"))


def stepped_back(hang_after: int | None) -> list[dict[str, Any]]:
    """api and worker log every 20 s for a day and more; PID 1 stops both and the host reboots with its clock two
    hours ahead (a real-time clock kept in local time): api's first three lines are stamped ahead, then chronyd
    steps the clock back and both log on for 30 min, api only `hang_after` lines (None: all of them)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S):
        t = i * STEP_S
        out += [entry(f"api tick {i}", unit="api.service", at=t + 1),
                entry(f"worker tick {i}", unit="worker.service", at=t + 3)]
    end = HOURS * 3600
    for unit in ("api.service", "worker.service"):
        out += [entry(text.format(unit), unit="init.scope", at=end + 5, _PID="1", UNIT=unit, MESSAGE_ID=message_id)
                for text, message_id in STOPPED]
    boot = end + 60

    def line(unit: str, text: str, at: float, priority: int = 6) -> dict[str, Any]:  # boot B: its own clock
        return entry(text, unit=unit, at=at, priority=priority, _BOOT_ID="b0" * 16,
                     __MONOTONIC_TIMESTAMP=int((at - boot) % AHEAD_S * SEC) + 1)

    out += [line("api.service", f"api starting {k}", boot + AHEAD_S + k * 10) for k in range(3)]
    out.append(line("chrony.service", "System clock wrong by -7200.000000 seconds", boot + AHEAD_S + 30, 4))
    out.append(line("chrony.service", "System clock was stepped by -7200.000000 seconds", boot + 30.5, 4))
    for i in range(90):
        t = boot + 40 + i * STEP_S
        if hang_after is None or i < hang_after:
            out.append(line("api.service", f"api tick b{i}", t + 1))
        out.append(line("worker.service", f"worker tick b{i}", t + 3))
    return out


def scan(journal: Any, *extra: str) -> list[dict[str, Any]]:
    return json_events(run_cli("scan", "--file", str(journal), "-o", "json", *extra))


def test_a_hang_after_the_clock_stepped_back_is_silent_from_its_real_last_line(make_journal):
    journal = make_journal(stepped_back(hang_after=28))
    for extra in ((), ("-u", "api")):
        incidents = of_type(scan(journal, *extra), "incident")
        assert [(i["rule"], i["unit"]) for i in incidents] == [("unit-went-silent", "api.service")], (extra, incidents)
        last_real = BASE_USEC + (HOURS * 3600 + 60 + 40 + 27 * STEP_S + 1) * SEC
        assert incidents[0]["first_usec"] == last_real, extra  # api's line b27, not its lines stamped ahead


def test_a_clock_stepped_back_alone_pages_nothing(make_journal):
    """No silence, and no rate spike: the lines stamped ahead are no longer in the window as it now is."""
    events = scan(make_journal(stepped_back(hang_after=None)))
    assert of_type(events, "incident") == []
    assert of_type(events, "summary")[0]["incidents"] == 0


def watched(unit: str = "api.service") -> tuple[SilenceTracker, Entry]:
    tracker = SilenceTracker(SILENCE, overrides=lambda name: 60 * SEC if name == unit else None)
    first = Entry(BASE_USEC, "tick", unit, 6, "c0")
    tracker.observe(first)
    return tracker, first


def test_time_our_clock_jumped_ahead_is_no_silence():
    """A laptop that slept 8 h (or a clock put forward): the unit's silence counts without those hours, and an
    entry stamped before the jump but read after it counts from its own time."""
    tracker, _ = watched()
    tracker.observe(Entry(BASE_USEC + 10 * SEC, "tick", "api.service", 6, "c1"))
    jump = 8 * 3600 * SEC
    tracker.clock_jumped(BASE_USEC + 20 * SEC, jump)
    assert tracker.expire(BASE_USEC + jump + 30 * SEC) == []  # 20 s after the jump: 40 s of silence, not 8 h
    tracker.observe(Entry(BASE_USEC + 15 * SEC, "tick", "api.service", 6, "c2"))  # read late, stamped before it
    assert tracker.expire(BASE_USEC + jump + 60 * SEC) == []
    fired = tracker.expire(BASE_USEC + jump + 90 * SEC)  # 75 s of the unit's own time: past its 60 s
    assert [i.unit for i in fired] == ["api.service"]
    assert fired[0].first_usec == BASE_USEC + 15 * SEC
    assert fired[0].why.startswith("no entry for 8h 1m (8h of it a clock's jump (a suspend, a step) or the journal "
                                   "standing still: not counted)"), fired[0].why


def test_time_our_clock_jumped_back_brings_a_silence_due_sooner():
    tracker, _ = watched()
    tracker.clock_jumped(BASE_USEC + 5 * SEC, -3600 * SEC)
    assert [i.unit for i in tracker.expire(BASE_USEC - 3600 * SEC + 62 * SEC)] == ["api.service"]


def test_clock_watch_tells_a_jump_of_the_wall_clock_against_the_monotonic_one(monkeypatch):
    now = {clock_jumps.time.CLOCK_REALTIME: 1_800_000_000 * 10**9, clock_jumps.time.CLOCK_MONOTONIC: 5 * 10**9}
    monkeypatch.setattr(clock_jumps.time, "clock_gettime_ns", lambda which: now[which])
    watch = ClockWatch()

    def run(seconds: float, wall_extra: float = 0.0) -> None:
        now[clock_jumps.time.CLOCK_MONOTONIC] += int(seconds * 10**9)
        now[clock_jumps.time.CLOCK_REALTIME] += int((seconds + wall_extra) * 10**9)

    run(5, wall_extra=0.0004)  # a slew
    assert watch.jumped() is None
    run(1, wall_extra=8 * 3600)  # a suspend: the monotonic clock stood still
    at, delta = watch.jumped() or (0, 0)
    assert delta == 8 * 3600 * SEC
    assert at == 1_800_000_006 * SEC + 400  # the old clock's time: the new one less the jump
    assert watch.jumped() is None
    run(1, wall_extra=-7200)
    assert (watch.jumped() or (0, 0))[1] == -7200 * SEC


@pytest.mark.parametrize("back", [BUCKETS, BUCKETS + 5])
def test_a_rolling_count_stepped_back_a_window_starts_again(back):
    rolling = Rolling(width=6 * SEC)
    for k in range(30):
        rolling.add(BASE_USEC + k * SEC)
    rolling.add(BASE_USEC + 29 * SEC - back * 6 * SEC)
    assert rolling.total == 1


def test_a_rolling_count_stepped_back_less_than_a_window_keeps_its_lines():
    rolling = Rolling(width=6 * SEC)
    for k in range(30):
        rolling.add(BASE_USEC + k * SEC)
    rolling.add(BASE_USEC + 20 * SEC)
    assert rolling.total == 31


class FakeClocks:
    """CLOCK_REALTIME and CLOCK_MONOTONIC as ClockWatch reads them (ns), moved by the test."""

    def __init__(self, wall_usec: int):
        self.now = {clock_jumps.time.CLOCK_REALTIME: wall_usec * 1000, clock_jumps.time.CLOCK_MONOTONIC: 10**12}

    def __call__(self, which: int) -> int:
        return self.now[which]

    def wall_usec(self) -> int:
        return self.now[clock_jumps.time.CLOCK_REALTIME] // 1000

    def run(self, seconds: float, asleep: float = 0.0) -> None:
        """`seconds` pass; `asleep` more on the wall clock only (a suspend: the monotonic clock stands still)."""
        self.now[clock_jumps.time.CLOCK_MONOTONIC] += int(seconds * 10**9)
        self.now[clock_jumps.time.CLOCK_REALTIME] += int((seconds + asleep) * 10**9)


@pytest.mark.parametrize("asleep", [True, False])
def test_the_service_pages_no_unit_for_the_hours_its_host_slept(tmp_path, monkeypatch, asleep):
    """The service over a laptop's night: api, watched with `silence = "1m"`, logs every 20 s; the host sleeps 8 h;
    at resume, before api's next line, the service's round finds no silence (the control, where the 8 h pass
    awake, finds api silent)."""
    import logsentry.service
    import logsentry.service_journal
    from logsentry.config_parse import load_config
    from logsentry.service import Service

    clocks = FakeClocks(BASE_USEC)
    monkeypatch.setattr(clock_jumps.time, "clock_gettime_ns", clocks)
    for module in (logsentry.service, logsentry.service_journal):
        monkeypatch.setattr(module, "wall_usec", clocks.wall_usec)
    (tmp_path / "journal").mkdir()
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{tmp_path / "journal"}"\n'
                      'dry_run = true\n[[watch]]\nunits = ["api.service"]\nactions = ["alert"]\nsilence = "1m"\n')
    config.chmod(0o600)
    service = Service(load_config(config), notify=lambda message: None)
    try:
        machine = service.local_machine
        for k in range(10):
            service._entry(Entry(clocks.wall_usec(), f"tick {k}", "api.service", 6, f"c{k}",
                                 {"_MACHINE_ID": machine, "_PID": "600"}))
            clocks.run(20)
        service._caught_up()
        assert service.pipeline.silence.open_incidents() == []
        clocks.run(10, asleep=8 * 3600 if asleep else 0)
        if not asleep:
            clocks.run(8 * 3600)
        service._caught_up()
        silent = [incident.unit for incident in service.pipeline.silence.open_incidents()]
        assert silent == ([] if asleep else ["api.service"])
    finally:
        service.state.close()
        service.lock.close()


class Seen:
    """The tail view's part this test reads: the events it was given."""

    def __init__(self) -> None:
        self.given: list[Any] = []

    def entry(self, entry: Entry, events: Any) -> None:
        self.given += events

    def events(self, events: Any) -> None:
        self.given += events

    def flush(self, now_usec: int, caught_up: bool) -> None:
        pass


@pytest.mark.parametrize("asleep", [True, False])
def test_tail_shows_no_silence_for_the_hours_its_host_slept(monkeypatch, asleep):
    from logsentry.cli.tail import follow
    from logsentry.engine.detector import Detector
    from logsentry.pipeline import IncidentEvent, Pipeline

    clocks = FakeClocks(BASE_USEC)
    monkeypatch.setattr(clock_jumps.time, "clock_gettime_ns", clocks)
    pipeline = Pipeline(Detector(list(SILENCE)), silence_overrides=lambda unit: 60 * SEC if unit == "api.service"
                        else None)

    def items() -> Any:
        for k in range(10):
            yield Entry(clocks.wall_usec(), f"tick {k}", "api.service", 6, f"c{k}")
            clocks.run(20)
        yield None
        clocks.run(10, asleep=8 * 3600 if asleep else 0)
        if not asleep:
            clocks.run(8 * 3600)
        yield None

    view = Seen()
    follow(items(), pipeline, view, wait=lambda: None, clock=clocks.wall_usec)  # type: ignore[arg-type]
    fired = [event.incident.unit for event in view.given if isinstance(event, IncidentEvent)]
    assert fired == ([] if asleep else ["api.service"])


def slept(hours: float, hang_after: int | None = None, forward: bool = False) -> list[dict[str, Any]]:
    """api and worker log every 20 s for a day and more; the host sleeps `hours` (its monotonic clock stands still
    while its wall clock runs on: a laptop's suspend) or, with `forward`, its clock is stepped ahead that much (the
    same to the entries); then both log on for 30 min, api only `hang_after` lines (None: all of them)."""
    out, jump = [], hours * 3600
    for i in range(HOURS * 3600 // STEP_S + 90):
        t = i * STEP_S
        after = t >= HOURS * 3600
        if not after or hang_after is None or i - HOURS * 3600 // STEP_S < hang_after:
            out.append(entry(f"api tick {i}", unit="api.service", at=t + 1 + jump * after,
                             __MONOTONIC_TIMESTAMP=(t + 1) * SEC))
        out.append(entry(f"worker tick {i}", unit="worker.service", at=t + 3 + jump * after,
                         __MONOTONIC_TIMESTAMP=(t + 3) * SEC))
    return out


def test_a_scan_finds_no_silence_in_the_hours_a_host_slept_or_its_clock_was_put_forward(make_journal):
    """The entries' own clocks: the boot's __REALTIME_TIMESTAMP less __MONOTONIC_TIMESTAMP moved by 8 h between two
    lines (the scanner hands the line after the jump over in full, with it: Entry.clock_jump). Before, each steady
    unit was paged as silent at the first line after it."""
    events = scan(make_journal(slept(8)))
    assert of_type(events, "incident") == []
    incidents = of_type(scan(make_journal(slept(8, hang_after=10))), "incident")
    assert [(i["rule"], i["unit"]) for i in incidents] == [("unit-went-silent", "api.service")]
    assert incidents[0]["first_usec"] == BASE_USEC + (HOURS * 3600 + 9 * STEP_S + 1 + 8 * 3600) * SEC
    assert of_type(scan(make_journal(slept(8)), "-u", "api"), "incident") == []  # the jump seen on api's own lines



@pytest.mark.parametrize("after_s", [5, 1800])
def test_a_scan_of_the_hung_unit_alone_takes_the_jump_its_host_logged_after_it(make_journal, after_s):
    """helper-167's F10, helper-168 §4: api hangs half a minute before an 8 h suspend; `scan -u api` reads none of
    the lines after it, where the jump shows, and paged api inside the hours asleep (or at the journal's end 5 s
    after the wake), as if it had been silent then."""
    end = HOURS * 3600
    out = [e for e in slept(8) if not (e["_SYSTEMD_UNIT"] == "api.service" and e["__MONOTONIC_TIMESTAMP"] >
                                      (end - 30) * SEC)]
    out = [e for e in out if e["__MONOTONIC_TIMESTAMP"] <= (end + after_s) * SEC]
    journal = make_journal(out)
    whole = of_type(scan(journal), "incident")
    for extra in (("-u", "api"), ()):
        incidents = of_type(scan(journal, *extra), "incident")
        assert [(i["unit"], i["realtime_usec"]) for i in incidents] == [(i["unit"], i["realtime_usec"]) for i in whole]
    if after_s < 60:
        assert incidents == []  # (not due yet: a minute of its awake silence before the sleep, 40 s after it)
    else:
        assert [i["unit"] for i in incidents] == ["api.service"]
        assert incidents[0]["realtime_usec"] > BASE_USEC + (end + 8 * 3600 - 30) * SEC  # not while it slept
        assert "(8h of it a clock's jump" in incidents[0]["why"]


@pytest.mark.parametrize("form", ["export", "json"])
def test_a_dump_of_that_journal_is_read_alike(make_journal, tmp_path, form):
    """The same journals dumped by journalctl (-o export, -o json): the dump's readers find the jump as the
    scanner does (sources/boot_clocks.py)."""
    for hang_after, want in ((None, []), (10, [("unit-went-silent", "api.service")])):
        journal = make_journal(slept(8, hang_after=hang_after))
        dump = tmp_path / f"dump-{hang_after}.{form}"
        dump.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", form], check=True,
                                        capture_output=True).stdout)
        incidents = of_type(scan(dump), "incident")
        assert [(i["rule"], i["unit"]) for i in incidents] == want, (form, hang_after)


def test_history_learns_the_gap_over_a_suspend_without_the_hours_asleep(make_journal):
    """The service's first start learns rhythms from the journal (learning.learn, engine/silence_history.py): the
    gap over a suspend is learnt as the 20 s the units were awake, not 8 h (a rhythm with such gaps would make a
    steady unit's threshold hours long, or leave it unwatched)."""
    from logsentry.learning import learn, learner
    from logsentry.sources import Selection
    from logsentry.sources.journal import JournalLocation

    journal = make_journal(slept(8))
    rhythms = SilenceTracker(SILENCE)
    learn(JournalLocation(files=(journal,)), Selection(), learner(), rhythms=rhythms)
    longest = {key.rpartition("/")[2]: rhythm.longest_usec for key, (rhythm, _) in
               ((key, rhythms.rhythm("unit-went-silent", key) or (None, 0)) for key in
                rhythms._seen["unit-went-silent"]) if rhythm is not None}
    assert longest == {"api.service": 20 * SEC, "worker.service": 20 * SEC}, longest


@pytest.mark.parametrize("hung", ["a" * 32, "b" * 32])
def test_two_machines_that_share_a_boot_id_keep_their_own_clocks(make_journal, hung):
    """Clones of one snapshot (or a sender's claim) share a boot id: interleaved, their offsets differ by an hour,
    which is no jump of either (helper-167's F3: host B's hang was never paged, each switch moving its clock)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S + 90):
        t = i * STEP_S
        for machine, ahead in (("a" * 32, 0), ("b" * 32, 3600)):
            for unit, at in (("api.service", t + 1), ("worker.service", t + 3)):
                if machine == hung and unit == "api.service" and i >= HOURS * 3600 // STEP_S + 10:
                    continue  # its api hangs
                out.append(entry(f"{unit} {i}", unit=unit, at=at, _MACHINE_ID=machine, _BOOT_ID="c0" * 16,
                                 __MONOTONIC_TIMESTAMP=(at + ahead) * SEC))
    journal = make_journal(out)
    dump = journal.with_suffix(".export")
    dump.write_bytes(subprocess.run(["journalctl", "--file", str(journal), "-o", "export"], check=True,
                                    capture_output=True).stdout)
    for read in (journal, dump):
        incidents = of_type(scan(read), "incident")
        assert [(i["rule"], i["unit"], i["machine_id"]) for i in incidents] == [
            ("unit-went-silent", "api.service", hung)], read
        assert incidents[0]["first_usec"] == BASE_USEC + (HOURS * 3600 + 9 * STEP_S + 1) * SEC  # its last line


def one_file_two_hosts(back_at: int, hang_at: int, back_again: int | None,
                       after: int = 3 * 3600) -> list[dict[str, Any]]:
    """A collector's one file (written as the entries came): hosts A and B log api and worker every 20 s for a day
    and `after` s more; A's clock is set back 2 h at `back_at` s after the day, its api silent from `hang_at` (until
    `back_again`, None: for good)."""
    out, end = [], HOURS * 3600
    for i in range((end + after) // STEP_S):
        for machine in ("a" * 32, "b" * 32):
            for unit, second in (("api.service", 1), ("worker.service", 3)):
                mono = i * STEP_S + second
                if machine[0] == "a" and unit == "api.service" and end + hang_at <= mono and \
                        (back_again is None or mono < end + back_again):
                    continue
                wall = mono - (AHEAD_S if machine[0] == "a" and mono >= end + back_at else 0)
                out.append(entry(f"{unit} {i}", unit=unit, at=wall, _MACHINE_ID=machine, _HOSTNAME=machine[0],
                                 _BOOT_ID=machine[0] * 32, __MONOTONIC_TIMESTAMP=mono * SEC))
    return out


@pytest.mark.parametrize("back_again", [None, 1200, 7200])
def test_a_host_of_a_collectors_file_whose_clock_falls_behind_has_its_hang_paged_on_time(make_journal, back_again):
    """helper-169's E9, E10: host A's api hangs a minute before A's clock is set back 2 h, B's is not (a collector's
    file of both, one file): measured against B's later stamps, A seemed to lag, and its api was paged only once
    A's clock passed the hung line's stamp again (2 h late; not at all when api came back before), its open silence
    told 2 h longer (to B's last stamp)."""
    end, hang_at = HOURS * 3600, 590  # (its last line 19 s before the step: due after it)
    events = scan(make_journal(one_file_two_hosts(600, hang_at, back_again)))
    incidents = of_type(events, "incident")
    assert [(i["unit"], i["machine_id"]) for i in incidents] == [("api.service", "a" * 32)], incidents
    last = end + (hang_at - 1) // STEP_S * STEP_S + 1  # A's api's last line (monotonic s), before the step
    assert incidents[0]["first_usec"] == BASE_USEC + last * SEC
    assert incidents[0]["realtime_usec"] < BASE_USEC + (last - AHEAD_S + 130) * SEC  # on A's clock as set back
    gap, = of_type(events, "gap")
    real = (end + back_again + 1 if back_again is not None else end + 3 * 3600 - STEP_S + 3) - last
    assert (gap["length_usec"], gap["stepped_usec"]) == (real * SEC, AHEAD_S * SEC), gap
    if back_again is not None:  # the line that ended it: its own stamp, on A's clock as set back
        assert gap["to_usec"] == BASE_USEC + (end + back_again + 1 - AHEAD_S) * SEC


def test_a_silence_ended_after_a_step_back_ends_at_the_stamp_of_the_line_that_ended_it(make_journal):
    """helper-169's E6: the gap said "from 03:23:07 to 03:23:07" (its end clamped to its start), and tail's ENDED
    line "silent for 0.0s", for api silent 50 min over a 2 h step back."""
    from logsentry.views.tail_lines import silence_told
    end = HOURS * 3600
    out = [e for e in one_file_two_hosts(600, 590, 3600, after=2 * 3600) if e["_MACHINE_ID"] == "a" * 32]
    events = scan(make_journal(out))
    gap, = of_type(events, "gap")
    last, back = end + 581, end + 3601  # api's last line and the one that ended its silence (monotonic s)
    assert (gap["from_usec"], gap["to_usec"]) == (BASE_USEC + last * SEC, BASE_USEC + (back - AHEAD_S) * SEC)
    assert (gap["length_usec"], gap["stepped_usec"]) == ((back - last) * SEC, AHEAD_S * SEC)
    ended, = of_type(events, "incident_end")
    assert ended["why"] == "no entry for 50m 20s (the clock was set back 2h after its last line), usually one " \
                           "every 20s"
    assert ended["last_usec"] >= ended["first_usec"]
    assert silence_told(Incident(rule_id="unit-went-silent", severity=Severity.WARNING, unit="api.service", key="",
                                 first_usec=1, fired_usec=2, last_usec=1, count=1, threshold=1, within_usec=1,
                                 cursor="", samples=(), action="alert", why=ended["why"])) == \
        "50m 20s (the clock was set back 2h after its last line)"


def test_a_suspend_loop_after_a_long_sleep_keeps_the_long_sleeps_credit(make_journal):
    """An 8 h suspend, then 80 suspends of 2 s with 0.2 s awake between them (a wake storm): the units' last
    lines predate them all, and the 8 h must still count (helper-167's F2: the 17th jump dropped it)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S):
        t = i * STEP_S
        out += [entry(f"api tick {i}", unit="api.service", at=t + 1, __MONOTONIC_TIMESTAMP=(t + 1) * SEC),
                entry(f"worker tick {i}", unit="worker.service", at=t + 3, __MONOTONIC_TIMESTAMP=(t + 3) * SEC)]
    wall, mono = HOURS * 3600 + 8 * 3600.0, HOURS * 3600.0
    for _ in range(80):
        out.append(entry("System returned from sleep operation 'suspend'.", unit="systemd-suspend.service",
                         at=wall, __MONOTONIC_TIMESTAMP=int(mono * SEC)))
        wall, mono = wall + 2.2, mono + 0.2
    for i in range(90):
        out += [entry(f"api tick b{i}", unit="api.service", at=wall + i * STEP_S,
                      __MONOTONIC_TIMESTAMP=int((mono + i * STEP_S) * SEC)),
                entry(f"worker tick b{i}", unit="worker.service", at=wall + i * STEP_S + 2,
                      __MONOTONIC_TIMESTAMP=int((mono + i * STEP_S + 2) * SEC))]
    assert of_type(scan(make_journal(out)), "incident") == []


def test_a_step_back_after_a_suspend_takes_the_suspends_credit_with_it(make_journal):
    """A laptop whose clock ran 2 h ahead sleeps 1 h; 10 min after it wakes, chronyd steps the clock back 2 h; api
    hangs 20 min after the wake. Paged a minute after its last line (helper-167's F5: an hour late, the credit of
    the suspend given again to the lines after the step, which moved back past it)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S):
        t = i * STEP_S
        out += [entry(f"api tick {i}", unit="api.service", at=t + 1, __MONOTONIC_TIMESTAMP=(t + 1) * SEC),
                entry(f"worker tick {i}", unit="worker.service", at=t + 3, __MONOTONIC_TIMESTAMP=(t + 3) * SEC)]
    end = HOURS * 3600
    for i in range(360):
        for unit, second in (("api.service", 1), ("worker.service", 3)):
            mono = end + i * STEP_S + second
            if unit == "worker.service" or i < 60:
                out.append(entry(f"{unit} b{i}", unit=unit, at=mono + (3600 if mono < end + 600 else -3600),
                                 __MONOTONIC_TIMESTAMP=mono * SEC))
    incidents = of_type(scan(make_journal(out)), "incident")
    assert [(i["unit"], i["why"]) for i in incidents] == [("api.service", "no entry for 1m 2s, usually one every 20s")]
    assert incidents[0]["first_usec"] == BASE_USEC + (end + 59 * STEP_S + 1 - 3600) * SEC


def ahead_then_back(hang_at: int, ahead_at: int = 600, back_at: int = 1200, after: int = 5400) -> list[dict[str, Any]]:
    """One boot: api and worker log every 20 s for a day, then the clock is put forward 2 h, `back_at - ahead_at` s
    later stepped back 2 h (NTP's first sync, then chronyd's), and both log on for `after` s; api's last line is the
    one before `hang_at` s (of monotonic time after the day)."""
    out = []
    end = HOURS * 3600
    for i in range((end + back_at + after) // STEP_S):
        for unit, second in (("api.service", 1), ("worker.service", 3)):
            mono = i * STEP_S + second
            if unit == "api.service" and mono >= end + hang_at:
                continue
            ahead = AHEAD_S if end + ahead_at <= mono < end + back_at else 0
            out.append(entry(f"{unit} {i}", unit=unit, at=mono + ahead, __MONOTONIC_TIMESTAMP=mono * SEC))
    return out


@pytest.mark.parametrize("hang_at", [900, 300, 1190])
def test_a_silence_over_a_step_back_is_told_at_its_real_length_from_its_lines_stamp(make_journal, hang_at):
    """helper-168: api hangs while the clock is 2 h ahead (900; 1190: paged after the step back) or before it was
    put forward (300); the step back came after its last line. The card gave "no entry for 1h 34m from 04:57", 2 h
    short of the real silence, or the moved-back time instead of the line's own stamp (beside that line), with
    nothing said of the step; a silence begun before the jump ahead was told 2 h longer, 2 h of it "a jump"."""
    end, back_at, after = HOURS * 3600, 1200, 5400
    events = scan(make_journal(ahead_then_back(hang_at, back_at=back_at, after=after)))
    incidents = of_type(events, "incident")
    assert [i["unit"] for i in incidents] == ["api.service"], incidents
    last = max(mono for mono in range(end + 1 - 20 * STEP_S, end + hang_at, STEP_S))  # api's last line, monotonic
    stamp = last + (AHEAD_S if last >= end + 600 else 0)
    assert incidents[0]["first_usec"] == BASE_USEC + stamp * SEC
    assert incidents[0]["realtime_usec"] - (BASE_USEC + last * SEC) < 130 * SEC + (AHEAD_S * SEC if stamp != last
                                                                                  else 0)
    real = (end + back_at + after - STEP_S + 3) - last  # worker's last line, less api's, in monotonic time
    gap, = of_type(events, "gap")
    assert (gap["from_usec"], gap["length_usec"], gap["jumped_usec"]) == (BASE_USEC + stamp * SEC, real * SEC, 0)
    assert gap["stepped_usec"] == (stamp - last) * SEC
    ended, = of_type(events, "incident_end")
    card = run_cli("scan", "--file", str(make_journal(ahead_then_back(hang_at)))).output
    if stamp != last:
        assert ended["why"].startswith(f"no entry for {real // 3600}h {real % 3600 // 60}m ")
        assert "(the clock was set back 2h after its last line)" in ended["why"]
        assert "the clock was set back 2h" in " ".join(card.split())
        # paged after the step (1190): its time, earlier than the line's stamp, is said to be on the clock as set back
        assert ("the clock as set back)" in " ".join(card.split())) == (hang_at == 1190)
    else:  # its line came before the jump ahead, which the step back undid: nothing of the clock's to tell
        assert ended["why"] == f"no entry for {real // 3600}h {real % 3600 // 60}m {real % 60}s, usually one every 20s"


def test_a_machines_steps_back_are_taken_64_times():
    """Each step back walks every unit; a stream whose every line is one (helper-167's F6: a scan 7x slower) is
    left to observe after 64 small ones; a step of a minute or more has a budget of its own."""
    jumps = ClockJumps()
    jumps.add(5 * SEC, 3 * SEC, "m")
    assert all(jumps.stepped_back(-SEC, "m") is not None for _ in range(MAX_STEPS_BACK))
    assert "m" not in jumps.jumps  # the first three undid its jump ahead
    assert not jumps.stepped_back(-SEC, "m") and jumps.stepped_back(-SEC, "other")
    assert jumps.stepped_back(-3600 * SEC, "m")  # a big one still is (helper-167's F11: its hang was missed)


def test_a_step_back_undoes_the_jumps_ahead_newest_first():
    """What each unit moves back by: the jumps the step undoes that came before its line, and the rest of the step."""
    jumps = ClockJumps()
    jumps.add(10 * SEC, 7 * SEC, "m")
    jumps.add(100 * SEC, 5 * SEC, "m")
    assert jumps.stepped_back(-3 * SEC, "m") == ([(100 * SEC, 3 * SEC)], 0)
    assert jumps.jumps["m"] == [(10 * SEC, 7 * SEC), (100 * SEC, 2 * SEC)]
    assert jumps.stepped_back(-20 * SEC, "m") == ([(100 * SEC, 2 * SEC), (10 * SEC, 7 * SEC)], 11 * SEC)
    assert jumps.credit(0, "m") == 0 and not jumps


def test_a_stamp_no_clock_can_have_moves_nothing(tmp_path):
    """A damaged export: one entry's __MONOTONIC_TIMESTAMP is 2^64-1 (helper-167's F7: every unit was paged silent
    since 1970)."""
    from conftest import export_bytes

    out = slept(0, hang_after=30)
    out.insert(HOURS * 3600 // STEP_S * 2, entry("glitch", unit="glitch.service", at=HOURS * 3600 - 1,
                                                  __MONOTONIC_TIMESTAMP=2**64 - 1))
    dump = tmp_path / "damaged.export"
    dump.write_bytes(export_bytes(out))
    incidents = of_type(scan(dump), "incident")
    assert [(i["unit"], i["first_usec"] > BASE_USEC) for i in incidents] == [("api.service", True)]


def test_past_64_jumps_the_smallest_is_joined_not_a_long_sleep():
    """A long sleep, a hang's last line, then 70 steps of 1 s (helper-167's F9: the two oldest joined dated the
    8 h after the hang's last line, which was credited 8 h and never paged)."""
    jumps = ClockJumps()
    jumps.add(100 * SEC, 8 * 3600 * SEC, "m")
    for k in range(70):
        jumps.add((200 + k) * SEC, SEC, "m")
    assert len(jumps.jumps["m"]) == 64
    assert jumps.credit(150 * SEC, "m") <= 70 * SEC  # the hang's line, after the sleep: the small steps only
    assert jumps.credit(50 * SEC, "m") == 8 * 3600 * SEC + 70 * SEC  # before it: every jump, none lost


def test_a_scan_narrowed_by_priority_still_takes_the_jump(make_journal):
    """`-p err` over units that log at error level: the first line after the resume is PID 1's (at notice), which -p
    leaves out; its jump still reaches the silence tracker (helper-167's F13: every unit was paged)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S + 90):
        t = i * STEP_S
        after = t >= HOURS * 3600
        if t == HOURS * 3600:
            out.append(entry("Finished System Suspend.", unit="init.scope", at=t + 8 * 3600, priority=5, _PID="1",
                             UNIT="systemd-suspend.service", __MONOTONIC_TIMESTAMP=t * SEC))
        for unit, second in (("api.service", 1), ("worker.service", 3)):
            out.append(entry(f"ERROR {unit} tick {i}", unit=unit, at=t + second + 8 * 3600 * after, priority=3,
                             __MONOTONIC_TIMESTAMP=(t + second) * SEC))
    assert of_type(scan(make_journal(out), "-p", "err"), "incident") == []


def test_one_host_of_a_collectors_file_stepping_back_pages_nothing(make_journal):
    """One file of two hosts' lines in the order they came (journal-remote --split-mode=none): host A's clock steps
    back an hour, B's does not, nobody hangs (helper-167's F4: each of A's lines ended a silence of A's units and B's
    next began one, as A's newest line seen stayed on the clock as it was)."""
    out = []
    for i in range(HOURS * 3600 // STEP_S + 250):
        t = i * STEP_S
        for machine in ("a" * 32, "b" * 32):
            back = 3600 if machine[0] == "a" and t >= HOURS * 3600 else 0
            for unit, second in (("api.service", 1), ("worker.service", 3)):
                out.append(entry(f"{unit} {i}", unit=unit, at=t + second - back, _MACHINE_ID=machine,
                                 _BOOT_ID=machine[:16] * 2, __MONOTONIC_TIMESTAMP=(t + second) * SEC))
    assert of_type(scan(make_journal(out)), "incident") == []


def test_our_own_hosts_jumps_come_from_our_clock_once_it_is_watched():
    """The service (and tail) take the local machine's jumps from ClockWatch; a jump in the backlog a start reads,
    before the watch began, is only in the entries, and is taken from them."""
    tracker, _ = watched()
    tracker.own_machine, tracker.own_since = "m", BASE_USEC + 100 * SEC
    tracker.clock_jumped(BASE_USEC + 50 * SEC, 3600 * SEC, "m")  # in the backlog: taken
    tracker.clock_jumped(BASE_USEC + 150 * SEC, 7200 * SEC, "m")  # ClockWatch's to tell: left
    assert tracker.jumps.credit(BASE_USEC, "m") == 3600 * SEC


def test_a_unit_not_watched_yet_learns_its_gap_over_a_suspend_without_it(make_journal):
    """Ten hours of ticks (not watched yet: a rhythm needs a day), a night's suspend, more ticks, read by the
    pipeline as scan reads it: the gap over the suspend is learnt as 20 s, not 8 h (a steady unit of a laptop would
    otherwise never look steady; test_fold_gaps.py holds fold_plan to leaving such units' runs to observe)."""
    from logsentry.engine.detector import Detector
    from logsentry.pipeline import Pipeline
    from logsentry.sources import Selection, open_entries

    out = [entry for entry in slept(8) if entry["__REALTIME_TIMESTAMP"] >= BASE_USEC + 16 * 3600 * SEC]
    journal = make_journal(out)
    detector = Detector(list(SILENCE))
    pipeline = Pipeline(detector)
    list(pipeline.run(open_entries(Selection(), files=(journal,), extra_fields=detector.needed_fields,
                                   screen=detector.screen())))
    tracker = pipeline.silence
    longest = {key.rpartition("/")[2]: found[0].longest_usec for key in tracker._seen["unit-went-silent"]
               if (found := tracker.rhythm("unit-went-silent", key)) is not None}
    assert longest == {"api.service": 20 * SEC, "worker.service": 20 * SEC}, longest


def test_a_laptops_short_sleeps_past_64_keep_each_units_credit_exact():
    """180 sleeps of 20 min with 10 min awake between them (helper-168: the smallest joined with the next, at the
    next's time, compounded, and a hang 5 s before a sleep was credited 1h 20m for 20 min asleep: paged late, or
    missed). A unit whose last line came before the last eleven sleeps is credited those eleven, no more."""
    jumps = ClockJumps()
    for k in range(180):
        jumps.add((k * 1800 + 600) * SEC, 1200 * SEC, "m")
    assert len(jumps.jumps["m"]) == 64
    last = (169 * 1800 + 595) * SEC  # 5 s before the 170th sleep
    assert jumps.credit(last, "m") == 11 * 1200 * SEC
    assert jumps.credit(0, "m") == 180 * 1200 * SEC  # before them all: every one
