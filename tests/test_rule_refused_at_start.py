"""A broken rule file at start-up (a typo in /etc/logsentry/rules.d, then a restart or a reboot): the service starts
with the rules it could read, logs each error, pages "started without the rule files it refused" once and says so
in STATUS; it used to refuse to start (exit 2) and, under the shipped unit's Restart=always, loop every 2.7 s with
every rule off and nothing to say so (a new operator's trial in a real systemd). Real `logsentry run`, journal fed
through journal-remote's FIFO, alerts to an HTTP receiver on 127.0.0.1. A config's own errors still refuse."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import run_cli
from test_held_resolve import alerting_to
from test_service import boom_rules, receiver, service  # noqa: F401  (fixtures)

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
    assert "rule file error (rule skipped)" in running.log()
    running.wait_log("ready: watching")
    # the ready line says so too (`logsentry run` from a shell: its errors scrolled by, then "ready: watching ...")
    [ready] = [line for line in running.log().splitlines() if "ready: watching" in line]
    assert ready.endswith(f"; 1 rule file refused: {rules / 'myapp-fatal.toml'} (see the errors above)"), ready
    live_journal.write("BOOM watched")  # the rules it could read are on
    bodies: list[Any] = [body for _, body in hook.wait_for(2)]
    assert any("boom" in body["title"] for body in bodies[1:]), bodies


def test_a_config_error_still_refuses_to_start(tmp_path: Path, boom_rules) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{boom_rules()}"]\n[restart]\nbudget = -1\n')
    done = run_cli("run", "-c", str(config))
    assert done.exit_code == 2 and "refusing to start" in done.stderr, done.stderr
