"""A broken rule file at start-up (a typo in /etc/logsentry/rules.d, then a restart or a reboot): the service starts
with the rules it could read, logs each error, pages "started without the rule files it refused" once and says so
in STATUS; it used to refuse to start (exit 2) and, under the shipped unit's Restart=always, loop every 2.7 s with
every rule off and nothing to say so (a new operator's trial in a real systemd). Real `logsentry run`, journal fed
through journal-remote's FIFO, alerts to an HTTP receiver on 127.0.0.1. A config's own errors still refuse."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import run_cli
from test_held_resolve import alerting_to
from test_service import boom_rules, config_text, receiver, service  # noqa: F401  (fixtures)

from logsentry.running_unit import said_where

BROKEN = ('id = "myapp-fatal"\ntitle = "myapp"\nseverity = "error"\naction = "alert"\n[match]\n'
          "message = '^FATAL (oops'\n[trigger]\nwithin = \"60 secs\"\n")


def test_the_service_starts_without_a_broken_rule_file_and_pages_it(  # type: ignore[no-untyped-def]
        live_journal, boom_rules, service, receiver) -> None:  # noqa: F811
    rules: Path = boom_rules(action="alert", within="1s")
    (rules / "myapp-fatal.toml").write_text(BROKEN)
    hook = receiver()
    running = alerting_to(service, live_journal, rules, hook)
    [(_, refused)] = hook.wait_for(1)
    assert "started without a rule file it refused" in refused["title"], refused
    assert f"started without 1 rule file it refused for errors in them ({rules / 'myapp-fatal.toml'}; " in \
        refused["message"], refused
    # run from a shell (here: stderr to a file), its errors are on stderr and `kill -HUP PID` reloads, as the ready
    # line says: it said "each error is in the journal", "`systemctl reload logsentry`" and "N rules watch"
    assert running.proc is not None
    message = refused["message"]
    assert "; each error was logged on its standard error (it runs outside systemd)): " in message, refused
    assert f" rules are still watching; fix it and reload (`kill -HUP {running.proc.pid}`)" in message, refused
    assert "rule file error (rule skipped)" in running.log()
    running.wait_log("ready: watching")
    # the ready line says so too (`logsentry run` from a shell: its errors scrolled by, then "ready: watching ...")
    [ready] = [line for line in running.log().splitlines() if "ready: watching" in line]
    assert ready.endswith(f"; 1 rule file refused: {rules / 'myapp-fatal.toml'} (see the errors above)"), ready
    live_journal.write("BOOM watched")  # the rules it could read are on
    bodies: list[Any] = [body for _, body in hook.wait_for(2)]
    assert any("boom" in body["title"] for body in bodies[1:]), bodies


def test_under_systemd_the_alert_says_the_journal_and_systemctl_reload(  # type: ignore[no-untyped-def]
        live_journal, boom_rules, service, receiver) -> None:  # noqa: F811
    """systemd connects stderr to the journal and names that stream in JOURNAL_STREAM (its device:inode): then the
    errors are in the journal. (A variable inherited without the stream, as a child of a service has it, is not.)"""
    rules: Path = boom_rules(action="alert", within="1s")
    (rules / "myapp-fatal.toml").write_text(BROKEN)
    hook = receiver()
    channels = f'[[channel]]\nname = "hook"\ntype = "apprise"\nurl = "json://{hook.url}/hook"\n'
    running = service(config_text(live_journal, rules, channels))
    running.log_path.touch()
    stream = running.log_path.stat()  # the stream the service's stderr goes to: here the log file
    running.env = {**os.environ, "JOURNAL_STREAM": f"{stream.st_dev}:{stream.st_ino}"}
    running.start()
    [(_, refused)] = hook.wait_for(1)
    assert running.proc is not None
    assert "; each error was logged in the journal): " in refused["message"], refused
    assert (" rules are still watching; fix it and reload "
            f"(`kill -HUP {running.proc.pid}`)") in refused["message"], refused  # (in no .service unit here)


def test_said_where_names_the_unit_to_reload_under_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    stderr = os.fstat(2)
    monkeypatch.setenv("JOURNAL_STREAM", f"{stderr.st_dev}:{stderr.st_ino}")
    assert said_where("logsentry.service", 42) == ("in the journal (`journalctl -u logsentry.service`)",
                                                   "`systemctl reload logsentry.service`")
    assert said_where("session-3.scope", 42) == ("in the journal", "`kill -HUP 42`")
    monkeypatch.setenv("JOURNAL_STREAM", f"{stderr.st_dev}:{stderr.st_ino + 1}")  # inherited, another stream
    assert said_where("logsentry.service", 42) == ("on its standard error (it runs outside systemd)",
                                                   "`kill -HUP 42`")


def test_a_config_error_still_refuses_to_start(tmp_path: Path, boom_rules) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{boom_rules()}"]\n[restart]\nbudget = -1\n')
    done = run_cli("run", "-c", str(config))
    assert done.exit_code == 2 and "refusing to start" in done.stderr, done.stderr
