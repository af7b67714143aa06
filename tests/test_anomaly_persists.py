"""error-template-persists (engine/episodes.py), the mission case in minutes: a known error template whose current
run (no pause over 5 min) goes on far longer than its longest run learnt. Real journal files written by
systemd-journal-remote, scanned with the anomaly rules only, and a real `logsentry run` killed with SIGKILL."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

from conftest import LiveJournal, entry, run_cli
from test_anomaly import HOUR, by_time, scan_anomalies
from test_anomaly_held_restart import saved
from test_anomaly_sustained import FAIL, FATAL, UNIT, errors, history, journal_usec, requests
from test_baseline_service import alerts_of, config
from test_restart_systemd import wait_until
from test_service import RunningService

from logsentry.baseline_keeper import BaselineKeeper
from logsentry.engine.episodes import ACCEPTED, EPISODES_KEY, JUDGED, Bar, Episodes
from logsentry.rules.loader import load_rules
from logsentry.state import State

ROOT = Path(__file__).resolve().parent.parent
SEC = 1_000_000
MINUTE = 60 * SEC
RULE = "error-template-persists"


def test_a_hang_repeating_a_known_blip_is_caught_in_minutes_saying_why(make_journal):
    """Eight hours of requests with a 90-s blip of the failure line at 2 h, then the line every ~8 s for an hour
    (no request succeeds): caught about 3 min in (error-share-sustained took 26 min in helper T's trial). Without
    the blip the line is new, and this rule leaves it to the new-*-template rules."""
    journal = make_journal(by_time(history(), errors(FAIL, FAIL + HOUR, 1 / 8, 3)))
    found = [i for i in scan_anomalies(journal) if i["first_usec"] >= journal_usec(FAIL)]
    assert [i["rule"] for i in found] == [RULE], found
    assert 180 * SEC < found[0]["first_usec"] - journal_usec(FAIL) <= 240 * SEC
    why = found[0]["why"]
    assert "without a pause over 5m" in why and "its longest run in 8h" in why, why
    assert "was 1m 2" in why and "on 2026-01-01 02:00:0" in why, why  # the blip: 90 s, at 2 h
    assert found[0]["template"].endswith("libpq: failed (another command is already in progress)")
    # With no blip before, the line is new: its first run is left to the new-*-template rules (no longest to pass).
    new = make_journal(by_time(requests(0, FAIL, 0.3, 1), errors(FAIL, FAIL + HOUR, 1 / 8, 3)))
    assert [i["rule"] for i in scan_anomalies(new) if i["rule"] == RULE] == []


def batch(day_hours: int, seed: int, last_run: float = 600) -> list[dict]:
    """An hourly batch that logs the same error every ~20 s while it runs, 10 minutes each hour, for
    `day_hours` hours; its last run lasts `last_run` seconds. Requests go on all along."""
    runs = [errors(h * HOUR, h * HOUR + 600, 1 / 20, seed + h) for h in range(day_hours - 1)]
    last = (day_hours - 1) * HOUR
    return by_time(requests(0, day_hours * HOUR, 0.05, seed), *runs, errors(last, last + last_run, 1 / 20, seed))


def test_a_chronic_batch_error_is_quiet_until_a_run_lasts_twice_its_longest(make_journal):
    """Ten minutes of the error every hour for 30 hours: no incident. A run of 40 minutes fires after 20 (twice
    the longest run learnt), not before."""
    quiet = make_journal(batch(30, 7))
    assert [i for i in scan_anomalies(quiet) if i["rule"] == RULE] == []
    longer = make_journal(batch(30, 7, last_run=2400))
    found = [i for i in scan_anomalies(longer) if i["rule"] == RULE]
    assert len(found) == 1, found
    into_run = found[0]["first_usec"] - journal_usec(29 * HOUR)
    assert 20 * MINUTE < into_run <= 22 * MINUTE, into_run / SEC


def test_episodes_pure_logic():
    """A fired run is not learnt; an accepted one is, at its end, and is not judged meanwhile. A chronic template
    (its runs take more than MAX_BUSY of its life) is not judged."""
    bar = Bar(gap_usec=300 * SEC, floor_usec=180 * SEC, margin=2.0, min_count=3)
    episodes = Episodes(bar)
    for at in range(0, 91, 10):  # a 90-s run
        record = episodes.see("u", "t", at * SEC, 0)
    assert episodes.judge(record, bar, 0) is None  # its first run: new
    for at in range(1000, 1400, 10):  # 400 s, past max(180, 2 x 90)
        record = episodes.see("u", "t", at * SEC, 0)
        found = episodes.judge(record, bar, 0)
    assert found is not None and found.longest_usec == 90 * SEC and found.bar_usec == 180 * SEC
    record = episodes.see("u", "t", 2000 * SEC, 0)  # after a pause: the fired run was not learnt
    assert record.longest == 90 * SEC
    episodes.accept("t")
    assert record.standing == ACCEPTED
    for at in range(2000, 2600, 10):
        record = episodes.see("u", "t", at * SEC, 0)
        assert episodes.judge(record, bar, 0) is None
    record = episodes.see("u", "t", 4000 * SEC, 0)
    assert record.longest == 590 * SEC  # the accepted run is the longest now
    assert not episodes.restore({"gap": 300 * SEC, "records": [["u", "t", 1, 2]]})
    chronic = Episodes(bar)  # runs of 200 s with pauses of 310 s: runs take 39 % of its life, over MAX_BUSY
    for run in range(10):
        for at in range(run * 510, run * 510 + 201, 20):
            record = chronic.see("u", "c", at * SEC, 0)
    for at in range(5100, 6100, 20):  # 1000 s, five times its longest
        record = chronic.see("u", "c", at * SEC, 0)
        assert chronic.judge(record, bar, 0) is None


def test_a_template_accepted_before_its_run_is_not_judged():
    """`baseline accept` makes a template normal for good, as for the other anomaly rules: a run after it is
    not judged (helper's fresh-user trial: accepted before the run, it still fired), and is learnt."""
    from logsentry.engine.baseline import UnitStats

    bar = Bar(gap_usec=300 * SEC, floor_usec=180 * SEC, margin=2.0, min_count=3)
    warm = UnitStats(first_usec=0, last_usec=10**12, entries=10**6)
    for accepted, expected in ((False, True), (True, False)):
        episodes = Episodes(bar)
        for at in range(0, 91, 10):  # a 90-s run, learnt
            episodes.observe("u", "t", at * SEC, 0, warm, accepted)
        said = [episodes.observe("u", "t", at * SEC, 0, warm, accepted) for at in range(1000, 1400, 10)]
        assert any(said) is expected, said
        assert episodes.see("u", "t", 3000 * SEC, 0).longest == (90 if expected else 390) * SEC


def test_baseline_learn_saves_the_runs_and_accept_reaches_them(make_journal, tmp_path: Path):
    """`baseline learn` learns the blip's run from the history and saves it; the service's keeper restores it
    from the state, and an operator's `baseline accept` of the template makes its current run normal."""
    journal = make_journal(history())
    state_dir = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    state = State(state_dir / "state.db")
    try:
        rows = state.get(EPISODES_KEY)[RULE]["records"]
        assert [(row[0].endswith(UNIT), 85 * SEC < row[4] - row[3] < 90 * SEC) for row in rows] == [(True, True)]
        keeper = BaselineKeeper(state)
        detector = keeper.build(load_rules([ROOT / "rules" / "anomaly"]).rules)
        assert detector is not None
        (unit, template_id), record = next(iter(detector.episodes[RULE].records.items()))
        assert record.start == rows[0][3] and record.standing == JUDGED
        accepted = run_cli("baseline", "accept", "--state-dir", str(state_dir), template_id)
        assert accepted.exit_code == 0, accepted.output
        keeper.for_commit({})  # the service applies the operator's requests (learn's reload, the accept)
        assert detector.episodes[RULE].records[(unit, template_id)].standing == ACCEPTED
    finally:
        state.close()


def blip_run(live: LiveJournal) -> int:
    """The longest run of the failure line the service saved (µs), -1 when none."""
    value = saved(live, EPISODES_KEY)
    rows = value.get(RULE, {}).get("records", []) if isinstance(value, dict) else []
    return max((row[4] - row[3] for row in rows if row[0].endswith(UNIT)), default=-1)


def write_history(live_journal: LiveJournal) -> None:
    """Seven hours of billing-api's history, written: a request every 19 s, ending 10 min ago, and 5 h ago a blip of
    the failure line (60 lines over 89 s)."""
    now = time.time_ns() // 1000
    start = now - 7 * 3600 * SEC
    blip = now - 5 * 3600 * SEC
    for n in range(1300):
        at = start + n * 19 * SEC
        live_journal.write(f"[t][billing][Info][host1][PID 654] POST /invoices/{n} 200 {n % 80 + 3}ms", unit=UNIT,
                           __REALTIME_TIMESTAMP=at)
        for k in range(60) if blip <= at < blip + 19 * SEC else ():
            live_journal.write(FATAL.format(t=k), unit=UNIT, __REALTIME_TIMESTAMP=blip + k * 1_500_000)
    live_journal.wait_written(timeout=30)


def test_the_learnt_runs_survive_a_kill_9(live_journal: LiveJournal, tmp_path: Path):
    """Seven hours of history with a 90-s blip of the failure line, learnt at the first start; the service is
    killed with SIGKILL and started again; then the hang: its alert names the blip's run, which only the saved
    episodes still know (the history is not learnt again)."""
    write_history(live_journal)
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py", ("billing-api",)))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        live_journal.write("[t][billing][Info][host1][PID 654] POST /invoices/x 200 4ms", unit=UNIT)  # a commit
        wait_until(lambda: blip_run(live_journal) == 59 * 1_500_000, 15, "the blip's run committed")
        running.stop(signal.SIGKILL)
        running.start()
        hang = time.time_ns() // 1000 - 4 * MINUTE
        for k in range(31):  # the hang: a line every 8 s for 4 min, up to now
            live_journal.write(FATAL.format(t=k), unit=UNIT, __REALTIME_TIMESTAMP=hang + k * 8 * SEC)
        wait_until(lambda: any(a["rule"] == RULE for a in alerts_of(alerts)), 20, "the persistence alert")
        alert = next(a for a in alerts_of(alerts) if a["rule"] == RULE)
        assert "its longest run in 6h 5" in alert["why"] and "was 1m 28s" in alert["why"], alert
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)


def test_rules_check_says_what_the_rule_watches(tmp_path: Path):
    line = tmp_path / "line.txt"
    line.write_text(FATAL.format(t=1) + "\n")
    result = run_cli("rules", "check", "--explain", "--file", str(line))
    assert result.exit_code == 0, result.output
    assert ("fires once a run of at least 10 lines has lasted longer than 3m and 2x the template's longest run "
            "learnt") in result.output, result.output
    assert f"{RULE}: counts toward its template's current run (at err" in result.output, result.output


def test_the_episodes_are_saved_at_most_once_a_minute_but_at_once_when_accepted(tmp_path: Path, monkeypatch):
    """Any error line changes the episodes, and a collector's 10,000 records are 1.4 MB of JSON: saved with every
    commit (each second), that was a megabyte written a second. Now once a minute at most, and at once after an
    operator's accept, and at the stop."""
    import logsentry.baseline_keeper as keeper_module
    monkeypatch.setattr(keeper_module, "REQUESTS_EVERY_S", 0.0)
    state = State(tmp_path / "state.db")
    try:
        keeper = BaselineKeeper(state)
        detector = keeper.build(load_rules([ROOT / "rules" / "anomaly"]).rules)
        assert detector is not None
        tracker = detector.episodes[RULE]
        saved = []
        for n in range(5):  # an error line before each commit
            tracker.see("m/app.service", "t1", 1_000 * SEC + n * SEC, 1_000 * SEC)
            values: dict = {}
            keeper.for_commit(values)
            saved.append(EPISODES_KEY in values)
        assert saved == [True, False, False, False, False]
        state.request("accept", "t1")
        values = {}
        keeper.for_commit(values)
        assert EPISODES_KEY in values  # the accept is saved now
        tracker.see("m/app.service", "t1", 1_010 * SEC, 1_000 * SEC)
        values = {}
        keeper.for_commit(values, final=True)
        assert EPISODES_KEY in values
    finally:
        state.close()


def test_baseline_learn_says_the_saved_episodes_are_malformed(make_journal, tmp_path: Path):
    """A malformed saved value is said, naming where, as the service says it; it was ignored without a word."""
    journal = make_journal(history())
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    state = State(state_dir / "state.db")
    try:
        state.commit({EPISODES_KEY: {RULE: {"gap": 300 * SEC, "records": [["m/u", "t", 1, 2]]}}}, [], 0)
    finally:
        state.close()
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    assert (f"logsentry: warning: the templates' saved episodes in {state_dir / 'state.db'} ({EPISODES_KEY}) are "
            "malformed: ignored, they are learnt again from this history") in learnt.stderr, learnt.stderr


def test_a_record_made_again_after_an_eviction_follows_its_template_a_day_before_it_is_judged():
    """A template's record evicted (MAX_EPISODE_TEMPLATES, 2 here) forgets its runs; made again at one line, that
    line's run (0 s) was its longest, and its routine 5-min run 23 h later fired ("its longest run in 4d 5m of
    history was 0.0s"). It is followed a day first; then judged against the runs learnt since."""
    from logsentry.engine.baseline import UnitStats

    hour = 60 * MINUTE
    episodes = Episodes(Bar(5 * MINUTE, 3 * MINUTE, 2.0, 10, 6 * hour, 1000), max_templates=2)
    unit = UnitStats(first_usec=0, last_usec=10 * 24 * hour)
    unit.entries = 10**6

    def run(tid: str, start: int, minutes: float) -> str | None:
        found = None
        for k in range(int(minutes * 6) + 1):  # a line every 10 s
            found = episodes.observe("m/app", tid, start + k * 10 * SEC, 0, unit) or found
        return found

    for day in range(3):  # a 5-min run a day: its normal
        assert run("A", day * 24 * hour, 5) is None
    run("B", 3 * 24 * hour, 0)
    run("C", 3 * 24 * hour + SEC, 0)  # A's record evicted
    assert ("m/app", "A") not in episodes.records
    run("A", 3 * 24 * hour + hour, 0)  # made again
    assert run("A", 4 * 24 * hour, 5) is None  # routine, 23 h after: not judged yet
    assert run("A", 5 * 24 * hour, 5) is None  # judged against the run of the day before
    why = run("A", 6 * 24 * hour, 12)  # twice that and more: fires
    assert why is not None and "longest run in 6d" in why and "was 5m" in why, why


def test_accept_on_every_host_takes_the_same_template_of_the_fleet(make_journal, tmp_path: Path):
    """A fleet's one normal message has an id per host (its host is hashed in): `--every-host` accepts the same
    words of the same unit on the other hosts too, not another unit's."""
    hosts = {"web-1": "a1" * 16, "web-2": "b2" * 16}
    lines = [entry(f"session token expired for user {n}", unit=unit, at=60.0 * n, _MACHINE_ID=machine,
                   _HOSTNAME=host)
             for host, machine in hosts.items() for unit in ("api.service", "auth.service") for n in range(5)]
    journal = make_journal(sorted(lines, key=lambda e: int(e["__REALTIME_TIMESTAMP"])))
    state_dir = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state_dir), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output

    def templates() -> dict[tuple[str, str], dict]:
        shown = run_cli("baseline", "show", "--state-dir", str(state_dir), "-u", "api", "-u", "auth", "-o", "json")
        return {(r["machine_id"], r["unit"]): r for r in map(json.loads, shown.stdout.splitlines())
                if r["type"] == "template" and "expired" in r["template"]}
    before = templates()
    assert len(before) == 4 and len({r["id"] for r in before.values()}) == 4, before
    first = before[(hosts["web-1"], "api.service")]["id"]
    said = run_cli("baseline", "accept", "--state-dir", str(state_dir), "--every-host", first)
    assert said.exit_code == 0 and f"accepted {first} and 1 more of api.service on web-1, web-2" in said.output, \
        said.output
    after = {key: r["accepted"] for key, r in templates().items()}
    assert after == {(hosts["web-1"], "api.service"): True, (hosts["web-2"], "api.service"): True,
                     (hosts["web-1"], "auth.service"): False, (hosts["web-2"], "auth.service"): False}, after
