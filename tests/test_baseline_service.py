"""Baselines in the service, as a real `logsentry run` on a live journal: learnt from the journal's history at
the first start, saved with every commit, surviving kill -9, corrected by `logsentry baseline` commands."""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

from conftest import LiveJournal, appended_json, run_cli
from test_restart_systemd import wait_until
from test_service import RunningService

ROOT = Path(__file__).resolve().parent.parent


def config(live: LiveJournal, alerts: Path, script: Path, units: tuple[str, ...] = ("api", "db")) -> str:
    """A collector's config with the anomaly rules only, watching `units`, alerting through a command that
    appends each alert's JSON to `alerts`."""
    script.write_text(f"import sys\nopen({str(alerts)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    return f'''
state_dir = "{live.root / 'state'}"
journal_directory = "{live.directory}"
rules = ["{ROOT / 'rules' / 'anomaly'}"]
[[watch]]
units = {json.dumps(list(units))}
actions = ["alert"]
[[channel]]
name = "cmd"
type = "command"
argv = ["{sys.executable}", "{script}"]
'''


def write_history(live: LiveJournal, count: int) -> None:
    """`count` lines each of api.service and db.service, one every 5 s, ending a minute ago."""
    now = time.time_ns() // 1000
    for n in range(count):
        at = now - (count - n) * 5_000_000 - 60_000_000
        live.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service", __REALTIME_TIMESTAMP=at)
        live.write(f"checkpoint complete: wrote {n % 90} buffers", unit="db.service", __REALTIME_TIMESTAMP=at + 1)


def alerts_of(path: Path) -> list[dict]:
    return appended_json(path)


def test_learns_history_at_first_start_and_keeps_it_across_kill_9(live_journal: LiveJournal, tmp_path: Path):
    now = time.time_ns() // 1000
    history = 1800
    write_history(live_journal, history)  # two and a half hours of steady logs, ending a minute ago
    live_journal.write("unrelated history", unit="other.service", __REALTIME_TIMESTAMP=now - 61_000_000)
    live_journal.wait_written()
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        log = running.log()
        assert f"learnt baselines from {2 * history:,} entries" in log, log  # the watched units only
        time.sleep(1.5)  # the service adopts them when it next catches up (within its 1 s wait)
        for n in range(4):
            live_journal.write(f"payment backend refused order {n}: circuit open", unit="api.service", priority=3)
        wait_until(lambda: any(a["rule"] == "new-error-template" for a in alerts_of(alerts)), 15, "the anomaly alert")
        first = next(a for a in alerts_of(alerts) if a["rule"] == "new-error-template")
        assert first["template"] == "payment backend refused order <NUM>: circuit open"
        assert "never logged" in first["why"] and first["journalctl"].startswith(
            f"journalctl -D {live_journal.directory} ") and " -u api.service " in first["journalctl"]

        running.stop(signal.SIGKILL)
        shown = run_cli("baseline", "show", "--state-dir", str(tmp_path / "state"), "-u", "api", "-o", "json")
        rows = [json.loads(line) for line in shown.stdout.splitlines()]
        [unit] = [r for r in rows if r["type"] == "unit"]
        assert unit["unit"] == "api.service" and unit["entries"] >= history
        templates = {r["template"]: r for r in rows if r["type"] == "template"}
        assert templates["GET <PATH> <NUM> <DUR>"]["count"] >= history
        new = templates["payment backend refused order <NUM>: circuit open"]

        # Restarted after kill -9: no learning again, db.service is still warm, a new error there is news.
        running.start()
        for n in range(4):
            live_journal.write(f"index rebuild {n} aborted: checksum mismatch in segment", unit="db.service",
                               priority=3)
        wait_until(lambda: sum(a["rule"] == "new-error-template" for a in alerts_of(alerts)) >= 2, 15,
                 "the anomaly alert after the restart")
        assert running.log().count("no baselines yet") == 1
        assert running.log().count("learnt baselines from") == 1

        # The operator's corrections reach the running service.
        accepted = run_cli("baseline", "accept", "--state-dir", str(tmp_path / "state"), new["id"])
        assert accepted.exit_code == 0, accepted.output
        # what was accepted, said (helper U3: the id alone named no unit or host)
        assert accepted.output.startswith(f"accepted {new['id']} of api.service on "), accepted.output
        assert f"({new['template']}): normal from now on" in accepted.output, accepted.output
        # for the anomaly rules only: a new user accepted the MVar line and expected its signature to stop firing
        assert accepted.output.endswith(" for the anomaly rules (signature rules that match it still fire)\n")
        accepted_line = f"template {new['id']} accepted as normal in"
        [line] = [line for line in running.wait_log(accepted_line).splitlines() if accepted_line in line]
        assert line.endswith("api.service"), line  # the unit (on this host)
        forgot = run_cli("baseline", "forget", "--state-dir", str(tmp_path / "state"), "-u", "api")
        assert forgot.exit_code == 0, forgot.output
        running.wait_log("baseline of api.service forgotten")
        running.stop()
        after = run_cli("baseline", "show", "--state-dir", str(tmp_path / "state"), "-o", "json").stdout
        assert "payment backend" not in after  # forgotten, also in the file
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)


def test_baseline_learn_command(make_journal, tmp_path: Path):
    from conftest import entry

    journal = make_journal([entry(f"Accepted publickey for deploy from 192.0.2.{n % 200} port {40000 + n} ssh2",
                                  unit="sshd.service", at=n * 30.0) for n in range(300)],
                           name="history.journal")
    state = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    assert "learnt 300 entries of 1 unit" in learnt.stdout and "1 unit, 1 template saved" in learnt.stdout
    shown = run_cli("baseline", "show", "--state-dir", str(state), "-u", "sshd", "-o", "json")
    [template] = [json.loads(line) for line in shown.stdout.splitlines() if '"template"' in line]
    assert template["template"] == "Accepted publickey for deploy from <IP> port <NUM> ssh2"
    assert template["count"] == 300 and template["level"] == 6
    table = run_cli("baseline", "show", "--state-dir", str(state), "-u", "sshd").stdout
    assert "sshd.service" in table and template["id"] in table
    unknown = run_cli("baseline", "accept", "--state-dir", str(state), "0123456789abcdef")
    assert unknown.exit_code == 2 and "no template" in unknown.output
    nosuch = run_cli("baseline", "forget", "--state-dir", str(state), "-u", "nosuch")
    assert nosuch.exit_code == 2 and "no baseline of 'nosuch.service'" in nosuch.output
    typo = run_cli("baseline", "forget", "--state-dir", str(state), "-u", "shd")  # (helper-179: no suggestion)
    assert typo.exit_code == 2 and "(did you mean sshd.service?)" in typo.output
    assert "no baselines saved for shdd.service (did you mean sshd.service?)" in run_cli(
        "baseline", "show", "--state-dir", str(state), "-u", "shdd").stdout
    forgot = run_cli("baseline", "forget", "--state-dir", str(state), "-u", "sshd")
    assert forgot.exit_code == 0 and "forgot sshd.service (1 host)" in forgot.stdout
    assert "sshd" not in run_cli("baseline", "show", "--state-dir", str(state), "-o", "json").stdout
    missing = run_cli("baseline", "show", "--state-dir", str(tmp_path / "typo"))
    assert missing.exit_code == 2 and "no saved state" in missing.output and not (tmp_path / "typo").exists()


def test_baseline_show_names_hosts_not_only_machine_ids(make_journal, tmp_path: Path):
    """A collector's baselines are per (machine, unit): `show` names each machine's host, from the service's saved
    hosts (a journal_directory's _HOSTNAME) and, for this machine, its own host name."""
    import socket

    from conftest import LOCAL_MACHINE, entry

    from logsentry.state import State

    remote = "0123456789abcdef0123456789abcdef"
    (tmp_path / "journal" / (LOCAL_MACHINE or "none")).mkdir(parents=True)
    journal = make_journal([entry(f"Accepted publickey for deploy port {40000 + n}", unit="sshd.service", at=n * 30.0,
                                  _MACHINE_ID=machine)
                            for n in range(40) for machine in (remote, LOCAL_MACHINE) if machine],
                           name=f"journal/{LOCAL_MACHINE or 'none'}/fleet.journal")
    state = tmp_path / "state"  # (where this machine's journald keeps it: only there does a file vouch for it)
    assert run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal.parent.parent), "--since", "@0"
                   ).exit_code == 0
    saved = State(state / "state.db")
    saved.commit({"hosts": [[remote, 0, "web-7.example", "sshd.service", "", "", 0, 0, None]]}, [], 0)
    saved.close()
    records = [json.loads(line) for line in run_cli("baseline", "show", "--state-dir", str(state), "-o", "json"
                                                   ).stdout.splitlines()]
    hosts = {r["machine_id"]: r["host"] for r in records if r["type"] == "unit"}
    assert hosts[remote] == "web-7.example"
    table = run_cli("baseline", "show", "--state-dir", str(state)).stdout
    assert "web-7.example" in table and remote[:12] not in table
    if LOCAL_MACHINE:
        assert hosts[LOCAL_MACHINE] == socket.gethostname() and socket.gethostname()[:20] in table
    # one host's baseline forgotten, by its name or its machine id (helper U3: only every host's at once)
    wrong = run_cli("baseline", "forget", "--state-dir", str(state), "-u", "sshd", "-H", "nowhere")
    assert wrong.exit_code == 2 and "no machines named 'nowhere'" in wrong.output, wrong.output
    forgot = run_cli("baseline", "forget", "--state-dir", str(state), "-u", "sshd", "-H", "web-7.example")
    assert forgot.exit_code == 0 and forgot.output.startswith(f"forgot {remote}/sshd.service (1 host)"), forgot.output
    left = [json.loads(line) for line in run_cli("baseline", "show", "--state-dir", str(state), "-o", "json"
                                                 ).stdout.splitlines()]
    assert {r["machine_id"] for r in left if r["type"] == "unit"} == ({LOCAL_MACHINE} if LOCAL_MACHINE else set())
    if LOCAL_MACHINE:
        assert run_cli("baseline", "forget", "--state-dir", str(state), "-u", "sshd", "-M", LOCAL_MACHINE.upper()
                       ).exit_code == 0
        assert "sshd.service" not in run_cli("baseline", "show", "--state-dir", str(state)).stdout


def test_a_stop_saves_the_counts_the_anomaly_step_still_held(live_journal: LiveJournal, tmp_path: Path):
    """The anomaly step counts a warm unit's ordinary lines and learns them in groups later (engine/runstep.py);
    a clean stop learns what it still holds before the final save, so every line is in the saved baseline."""
    history, live = 1200, 20  # fewer than a rate-spike needs: counted, not observed one by one
    write_history(live_journal, history)
    live_journal.wait_written()
    alerts = tmp_path / "alerts.jsonl"
    running = RunningService(tmp_path, config(live_journal, alerts, tmp_path / "receive.py"))
    try:
        running.start()
        running.wait_log("learnt baselines from", timeout=30)
        time.sleep(1.5)  # adopted at the next catch-up
        for n in range(live):
            live_journal.write(f"GET /api/items/{n} 200 {n % 70 + 3}ms", unit="api.service")
        for n in range(4):  # read after the api lines: the service has taken them in once this alert comes
            live_journal.write(f"replica {n} lost: connection reset by peer", unit="db.service", priority=3)
        wait_until(lambda: any(a["rule"] == "new-error-template" for a in alerts_of(alerts)), 15, "the anomaly alert")
        running.stop()
        shown = run_cli("baseline", "show", "--state-dir", str(tmp_path / "state"), "-u", "api", "-o", "json")
        templates = {r["template"]: r for r in map(json.loads, shown.stdout.splitlines()) if r["type"] == "template"}
        assert templates["GET <PATH> <NUM> <DUR>"]["count"] == history + live
    finally:
        if running.proc is not None:
            running.stop(signal.SIGKILL)
