"""What a collector operator gets from alerts and `tail`: every alert's `journalctl` command reads where
logsentry read (a `journal_directory`, tail's -D), and run as printed (shlex.split, no shell) it shows the
incident's line; counts read "1 hit", not "1 hits"; `tail --plain` names the host of another machine's lines.

Real parts: journal files written by systemd-journal-remote (live, through a FIFO, for the service and
tail --act), the real `logsentry run` and `logsentry tail` processes, a webhook receiver on 127.0.0.1."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import LOCAL_MACHINE, entry, run_cli, simple_rule
from receivers import HttpReceiver
from test_host_stale import HostFeed, alerts, wait_until
from test_service import RunningService
from test_tail import TIMEOUT, records, start_tail, tail_rules  # noqa: F401  (fixtures)

WEB7 = "f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7"

BOOM = '''id = "boom"
title = "boom"
severity = "error"
action = "alert"
[match]
message = '^BOOM'
[trigger]
count = 1
within = "3s"
'''


def shown_by(command: str) -> str:
    """What the printed command shows, run as a user would paste it (split as a shell would, no shell)."""
    argv = shlex.split(command)
    assert argv[0] == "journalctl"
    return subprocess.run([*argv, "-o", "cat", "--no-pager"], capture_output=True, text=True, check=True).stdout


def see_command(message: str) -> str:
    [command] = [line.removeprefix("see: ") for line in message.splitlines() if line.startswith("see: ")]
    return command


class Collected:
    """One collector run: a host (web-7, not this machine) logs one BOOM into its journal-remote file; the
    service alerts (firing), reminds after `realert` (1 s) and resolves once the 3 s window passed."""

    def __init__(self, root: Path):
        self.directory = root / "remote"
        self.directory.mkdir()
        rules = root / "rules"
        rules.mkdir()
        (rules / "boom.toml").write_text(BOOM)
        self.hook = HttpReceiver()
        self.feed = HostFeed(self.directory, "web-7", WEB7)
        self.service = RunningService(root, f'''
state_dir = "{root / 'state'}"
journal_directory = "{self.directory}"
rules = ["{rules}"]
hostname = "collector"

[hosts]
silent_after = "off"

[[watch]]
units = ["*"]
actions = ["alert"]

[alerts]
backoff = "100ms"
realert = "1s"

[[channel]]
name = "hook"
type = "apprise"
url = "json://{self.hook.url}/hook"
''')

    def run(self) -> None:
        self.feed.write("api starting", "api.service")
        time.sleep(0.5)  # journal-remote has made the file: the service follows it from its start
        self.service.start()
        self.feed.write("BOOM on web-7", "api.service")
        self.alerts = wait_until(lambda: self._boom() if any("RESOLVED" in a["title"] for a in self._boom())
                                 else None, 30, "the BOOM incident's firing, reminder and resolved alerts")
        self.log = self.service.wait_log("ended after")

    def _boom(self) -> list[dict[str, Any]]:
        return [a for a in alerts(self.hook) if "boom" in a["title"]]

    def close(self) -> None:
        if self.service.proc is not None:
            self.service.stop()
        self.feed.close()
        self.hook.close()


@pytest.fixture(scope="module")
def collected() -> Iterator[Collected]:
    with tempfile.TemporaryDirectory(prefix="alert-source-") as root:
        run = Collected(Path(root))
        try:
            run.run()
            yield run
        finally:
            run.close()


def test_a_collectors_alerts_name_its_directory_and_their_command_shows_the_line(collected: Collected) -> None:
    firing, *rest = collected.alerts
    assert "on web-7" in firing["message"] and any("still firing" in a["message"] for a in rest)
    for alert in collected.alerts:  # firing, reminder(s), resolved: each reads the collector's directory
        assert see_command(alert["message"]).startswith(f"journalctl -D {collected.directory} _MACHINE_ID={WEB7} "
                                                        "-u api.service --since @"), alert
    assert shown_by(see_command(firing["message"])).splitlines() == ["BOOM on web-7"]


def test_a_collectors_alerts_and_log_count_one_hit_as_one(collected: Collected) -> None:
    firing = collected.alerts[0]["message"]
    assert re.search(r"^1 hit from .* on web-7$", firing, re.M), firing
    reminders = [a["message"] for a in collected.alerts if "still firing" in a["message"]]
    assert reminders and all("still firing: 1 hit so far" in text for text in reminders), reminders
    assert "incident boom on api.service of host web-7 ended after 1 hit\n" in collected.log
    assert re.search(r"incident boom on api.service of host web-7: 1 hit since ", collected.log), collected.log
    assert not any("1 hits" in a["message"] for a in collected.alerts)


def test_tail_act_alerts_name_the_directory_tail_follows(live_journal, tail_rules, start_tail,  # noqa: F811
                                                         tmp_path: Path) -> None:
    """tail --act -D DIR: the alert's command reads DIR (this machine's lines, not in the local journal)."""
    sent = tmp_path / "alerts.jsonl"
    receiver = tmp_path / "receive.py"
    receiver.write_text(f"import sys\nopen({str(sent)!r}, 'a').write(sys.stdin.read() + '\\n')\n")
    config = tmp_path / "site.toml"
    config.write_text(f'[[watch]]\nunits = ["app"]\nactions = ["alert"]\n[[channel]]\ntype = "command"\n'
                      f'argv = ["{sys.executable}", "{receiver}"]\n')
    tail = start_tail("-D", str(live_journal.directory), "-o", "json", "--act", "-c", str(config),
                      *tail_rules(count=1))
    tail.ready(live_journal)
    live_journal.write("BOOM act here")
    tail.read_until(lambda line: json.loads(line)["type"] == "action")
    wait_until(lambda: sent.exists() and sent.read_text().strip(), TIMEOUT, "the alert on the command channel")
    payload = json.loads(sent.read_text().splitlines()[0])
    assert payload["journalctl"].startswith(f"journalctl -D {live_journal.directory} _MACHINE_ID={LOCAL_MACHINE} "
                                            "-u app.service --since @")
    assert "BOOM act here" in shown_by(payload["journalctl"]).splitlines()
    code, _, stderr = tail.stop()
    assert code == 0 and "Traceback" not in stderr


def test_tail_plain_names_other_hosts_and_counts_one_hit(make_journal: Callable[..., Path], write_rule,
                                                         rules_dir: Path, start_tail,  # noqa: F811
                                                         tmp_path: Path) -> None:
    """A collector's directory: web-7's lines carry its name after the time; this machine's lines stay as
    they were (time, unit, rule, ...); an incident of one hit says "1 hit"."""
    directory = tmp_path / "remote"
    directory.mkdir()
    make_journal([entry("BOOM here", unit="app.service", at=0)], name=str(directory / "local.journal"))
    make_journal([entry("BOOM there", unit="api.service", at=1, _MACHINE_ID=WEB7, _HOSTNAME="web-7")],
                 name=str(directory / "remote-web-7.journal"))
    write_rule("boom", simple_rule(regex="^BOOM", count=1))
    tail = start_tail("-D", str(directory), "-n", "10", "--plain", "--rules", str(rules_dir), "--no-shipped-rules")
    # this machine: match, incident, action, end (the clock passes the 60 s window at once); web-7, whose lines came
    # long after their time (a backlog), has its window ended by its own time, or 5 min after its last lines came
    # if it sends no more (README: a late host): match, incident, action within the test
    lines = tail.read(7)
    code, _, stderr = tail.stop()
    assert code == 0 and "Traceback" not in stderr
    there = [line for line in lines if "api.service" in line]
    here = [line for line in lines if "app.service" in line]
    assert (len(there), len(here)) == (3, 4), lines
    stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? "
    assert all(re.match(stamp + "web-7 api.service boom ", line) for line in there), there
    assert all(re.match(stamp + "app.service boom ", line) for line in here), here  # unchanged for this host
    assert any("INCIDENT 1 hit since" in line for line in there), there
    assert any("ENDED 1 hit; its lines: journalctl " in line for line in here), here  # (then its command)
    assert not any("1 hits" in line for line in lines)


def test_the_html_reports_hover_counts_one_hit_as_one(make_journal: Callable[..., Path], write_rule,
                                                      rules_dir: Path, tmp_path: Path) -> None:
    """The timeline bar's hover text (plotly's customdata) and the card both say "1 hit"; the heading "1 rule"."""
    journal = make_journal([entry("BOOM once", priority=3)])
    write_rule("boom", simple_rule(regex="^BOOM", count=1))
    page = tmp_path / "r.html"
    done = run_cli("scan", "--file", str(journal), "--rules", str(rules_dir), "--no-shipped-rules", "--html", str(page))
    assert done.exit_code == 0, done.output
    html = page.read_text()
    assert '"1 hit"' in html and ": 1 matching line in all</div>" in html
    assert "; 1 rule; 1 match; 1 incident; written" in html
    assert "hits<br>" not in html and "1 hits" not in html


def test_an_incident_whose_lines_had_no_hostname_is_named_after_its_machine(tmp_path: Path) -> None:
    """An anomaly hit on a screened run's entry carries the machine id but no `_HOSTNAME` (the scanner's
    summary keeps only the id): a collector's alert for it must name that host (from its full entries), or
    its machine id, never the collector itself (incident_payload falls back to the observer's name)."""
    from dataclasses import replace as replaced

    from logsentry.config_parse import load_config
    from logsentry.host_silence import HostSilence
    from logsentry.model import Entry, Incident, Severity
    from logsentry.service_alerts import ServiceAlerts

    (tmp_path / "remote").mkdir()
    config_path = tmp_path / "c.toml"
    config_path.write_text(f'journal_directory = "{tmp_path / "remote"}"\n')
    hosts = HostSilence(load_config(config_path))
    web7, web8 = "7" * 32, "8" * 32
    hosts.saw(Entry(1_000_000, "GET / 200", "api.service", 6, "c1", {"_MACHINE_ID": web7, "_HOSTNAME": "web-7"}))
    alerts = object.__new__(ServiceAlerts)
    alerts.local_machine, alerts.hosts = "0" * 32, hosts
    incident = Incident(rule_id="new-error-template", unit="api.service", key="", severity=Severity.ERROR,
                        first_usec=2_000_000, fired_usec=2_000_000, last_usec=2_000_000, count=3, threshold=3,
                        within_usec=600_000_000, samples=("boom",), machine_id=web7, cursor="", action="alert")
    assert alerts._named(incident).host == "web-7"
    assert alerts._named(replaced(incident, machine_id=web8)).host == web8  # no full entry of it yet
    assert alerts._named(replaced(incident, machine_id="0" * 32)).host == ""  # this machine's: unchanged
    assert alerts._named(replaced(incident, host="db-1")).host == "db-1"
