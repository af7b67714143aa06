"""Learning history is idempotent per (host, unit): `logsentry baseline learn` over days already learnt (by an
earlier `learn`, or by the service live) counts nothing twice, and says what it skipped. A doubled baseline
would make rate-spike and error-share blind."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path

from conftest import LiveJournal, entry, run_cli
from test_baseline_service import alerts_of, config, write_history
from test_restart_systemd import wait_until
from test_service import RunningService


def shown(state: Path, unit: str) -> tuple[dict, dict[str, dict]]:
    """`baseline show -u UNIT -o json`: the unit's record and its templates by text."""
    result = run_cli("baseline", "show", "--state-dir", str(state), "-u", unit, "-o", "json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    [stats] = [r for r in records if r["type"] == "unit"]
    return stats, {r["template"]: r for r in records if r["type"] == "template"}


def learn(state: Path, directory: Path, *args: str) -> str:
    result = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(directory), "--since", "@0", *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_learning_the_same_history_again_counts_nothing_twice(make_journal, tmp_path: Path):
    api = [entry(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", at=n * 10.0) for n in range(300)]
    db = [entry(f"checkpoint complete: wrote {n} buffers", unit="db.service", at=n * 30.0 + 1) for n in range(100)]
    first = make_journal(sorted(api + db, key=lambda e: int(e["__REALTIME_TIMESTAMP"])), name="first.journal")
    directory, state = first.parent, tmp_path / "state"

    said = learn(state, directory, "-u", "api")
    assert said.startswith("learnt 300 entries of 1 unit (of 300 read from "), said
    assert "skipped" not in said
    said = learn(state, directory)  # db is new; api's 300 are in its baseline already
    assert said.startswith("learnt 100 entries of 1 unit (of 400 read from "), said
    assert "; skipped 300 entries of 1 unit up to " in said and said.endswith(f"already learnt; 2 units, 2 templates "
                                                                               f"saved in {state / 'state.db'}"), said
    said = learn(state, directory)
    assert said.startswith("learnt 0 entries of 0 units (of 400 read"), said
    assert "; skipped 400 entries of 2 units up to " in said, said
    unit, templates = shown(state, "api")
    assert unit["entries"] == 300 and templates["GET <PATH> <NUM> <DUR>"]["count"] == 300
    assert shown(state, "db")[0]["entries"] == 100

    # Later history (a newer file beside the first): only its entries are learnt.
    later = [entry(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", at=3000.0 + n * 10.0)
             for n in range(50)]
    error = entry("payment backend refused order 7: circuit open", unit="api.service", at=3600.0, priority=3)
    make_journal([*later, error], name="second.journal")
    said = learn(state, directory)
    assert said.startswith("learnt 51 entries of 1 unit (of 451 read"), said
    assert "; skipped 400 entries of 2 units up to " in said, said
    unit, templates = shown(state, "api")
    assert (unit["entries"], unit["errors"]) == (351, 1)
    assert templates["GET <PATH> <NUM> <DUR>"]["count"] == 350
    assert templates["payment backend refused order <NUM>: circuit open"]["count"] == 1


def test_baseline_learn_while_the_service_runs_counts_nothing_twice(live_journal: LiveJournal, tmp_path: Path):
    """The service learnt the history at its first start and counts live lines (the anomaly step holds some
    unlearnt for a while); `baseline learn` then reads the same journal, learns only what the saved baselines
    lack, and the service, adopting the result, does not learn what it holds again."""
    history, live, after = 1200, 30, 20
    write_history(live_journal, history)
    live_journal.wait_written()
    state = tmp_path / "state"
    running = RunningService(tmp_path, config(live_journal, tmp_path / "alerts.jsonl", tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up, saved at the next commit
        for n in range(live):
            live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service")
        live_journal.wait_written()
        time.sleep(1.5)
        said = learn(state, live_journal.directory, "--since", "-1d")
        assert "; skipped " in said and "already learnt" in said, said
        assert int(said.split()[1]) <= live, said  # the live lines the service had not saved yet, at most
        running.wait_log("baselines reloaded from")
        for n in range(after):
            live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service")
        for n in range(4):  # read after the api lines: the service has taken them in once this alert comes
            live_journal.write(f"replica {n} lost: connection reset by peer", unit="db.service", priority=3)
        wait_until(lambda: any(a["rule"] == "new-error-template" for a in alerts_of(tmp_path / "alerts.jsonl")), 15,
                   "the anomaly alert")
        running.stop()
        unit, templates = shown(state, "api")
        assert templates["GET <PATH> <NUM> <DUR>"]["count"] == history + live + after
        assert unit["entries"] == history + live + after
        assert shown(state, "db")[0]["entries"] == history + 1  # the others came while db was anomalous
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)



def test_an_entry_stamped_in_the_future_does_not_stop_learning(live_journal: LiveJournal, tmp_path: Path):
    """A wrong clock stamped one line a year ahead: after a restart the service still learns its live lines
    (what the baselines hold counts only up to the wall clock, not up to that line)."""
    history, live = 1200, 25
    write_history(live_journal, history)
    live_journal.write("GET /api/items/x 200 5ms", unit="api.service",
                       __REALTIME_TIMESTAMP=time.time_ns() // 1000 + 365 * 86_400_000_000)
    live_journal.wait_written()
    state, alerts = tmp_path / "state", tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        running.stop()
        assert shown(state, "api")[0]["entries"] == history + 1
        running.start()
        for n in range(live):
            live_journal.write(f"GET /api/items/{n} 200 5ms", unit="api.service")
        for n in range(4):  # read after the api lines: the service has taken them in once this alert comes
            live_journal.write(f"replica {n} lost: connection reset by peer", unit="db.service", priority=3)
        wait_until(lambda: any(a["rule"] == "new-error-template" for a in alerts_of(alerts)), 15, "the anomaly alert")
        running.stop()
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)
    assert shown(state, "api")[0]["entries"] == history + 1 + live


def test_learning_a_unit_the_journal_does_not_hold_says_so(make_journal, tmp_path: Path):
    """`baseline learn -u nosuch` read nothing: a warning names the unit and where to look, not a silent
    "learnt 0 entries" (helper I's fresh-user trial); a unit it holds gets no warning."""
    journal = make_journal([entry(f"GET /api/items/{n} 200", unit="api.service", at=n * 10.0) for n in range(5)])
    result = run_cli("baseline", "learn", "--state-dir", str(tmp_path / "state"), "-D", str(journal.parent),
                     "--since", "@0", "-u", "nosuch")
    assert result.exit_code == 0, result.output
    assert "warning: no entry of nosuch.service in the journal since " in result.stderr, result.stderr
    result = run_cli("baseline", "learn", "--state-dir", str(tmp_path / "state"), "-D", str(journal.parent),
                     "--since", "@0", "-u", "api")
    assert result.exit_code == 0 and "warning" not in result.stderr, result.output


def test_baseline_show_takes_unit_globs_as_learn_does(make_journal, tmp_path: Path):
    """`baseline show -u 'hs-*'` shows the units `learn -u 'hs-*'` learnt (it said "no baselines saved")."""
    rows = [entry(f"tick {n}", unit=unit, at=n * 10.0 + k) for n in range(5) for k, unit in
            enumerate(("hs-app.service", "hs-worker.service", "db.service"))]
    journal = make_journal(rows)
    learn(tmp_path / "state", journal.parent, "-u", "hs-*")
    result = run_cli("baseline", "show", "--state-dir", str(tmp_path / "state"), "-u", "hs-*", "-o", "json")
    assert result.exit_code == 0, result.output
    units = {json.loads(line)["unit"] for line in result.stdout.splitlines()}
    assert units == {"hs-app.service", "hs-worker.service"}, result.stdout


def test_a_failure_loop_in_the_history_is_not_learnt_as_normal(make_journal, tmp_path: Path):
    """`baseline learn` (and the service's first start) runs the anomaly rules over the history: a warm unit's
    failure loop there (an hour of one new error line) stays out of its baselines as it does live, so the
    next such outage is still new; before, all 360 lines were learnt (helper I's fresh-user trial)."""
    normal = [entry(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", at=n * 10.0) for n in range(720)]
    loop = [entry(f"payment backend refused order {n}: circuit open", unit="api.service", at=7200.0 + n * 10.0,
                  priority=3) for n in range(360)]
    journal = make_journal(normal + loop)
    learn(tmp_path / "state", journal.parent)
    _unit, templates = shown(tmp_path / "state", "api")
    failing = templates["payment backend refused order <NUM>: circuit open"]
    assert failing["count"] <= 3, failing  # the lines before new-error-template fired (at the third)
    assert templates["GET <PATH> <NUM> <DUR>"]["count"] == 720


def test_what_learn_read_adds_up_with_the_lines_it_held_out(make_journal, tmp_path: Path) -> None:
    """A day of a unit's normal lines, then a failure in new words: the anomaly rules keep the failure's lines out
    of the baselines, and `learn` says so, so that learnt + skipped + held out is what it read (helper U3: "learnt
    1429 entries (of 1482 read)" left 53 unexplained)."""
    import random

    rng, machine, at = random.Random(1), "e" * 31 + "5", 0.0
    lines = []
    while at < 86_400:
        lines.append(entry(f"INFO GET /api/orders/{rng.randint(1000, 9999)} 200 {rng.randint(3, 80)}ms",
                           unit="orders.service", at=at, _MACHINE_ID=machine))
        at += rng.randint(30, 90)
    lines += [entry(f"ERROR payment gateway handshake aborted: peer 10.2.3.{n % 7}:8443 sent no certificate "
                    f"(attempt {n + 1})", unit="orders.service", at=at + 5 * n, _MACHINE_ID=machine)
              for n in range(40)]
    make_journal(lines, name="history.journal")
    said = run_cli("baseline", "learn", "--state-dir", str(tmp_path / "state"), "-D", str(tmp_path),
                   "--since", "@0").output
    found = re.match(r"learnt (\d+) entries of 1 unit \(of (\d+) read from .*?\); (\d+) entries not learnt "
                     r"\(lines the anomaly rules found anomalous", said)
    assert found, said
    learnt, read, held = map(int, found.groups())
    assert read == len(lines) and learnt + held == read and held >= 30, said
