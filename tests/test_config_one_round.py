"""Every problem of a config in one run (config_check.py): `config check`, `logsentry run` and a reload went on
to the channels' URLs, the rule files, the trust check and the rule names only once the config itself parsed,
so an operator fixed one thing, ran it again and met the next. Now one run names them all, each with where and
what, counted once; no secret shows in any of them; and a setting refused at parse has no summary line (it would
read as its default)."""

from __future__ import annotations

import signal
from pathlib import Path

from conftest import run_cli
from test_durations_systemd import config_check

MARK = "xyzzy"  # in every secret below; the output must hold it in no form (raw, encoded, decoded, any case)

CONFIG = '''state_dir = "{root}/state"
disabled_rules = ["error-brust"]
bogus_key = 1

[[watch]]
units = ["nginx"]
rules = ["nginx-emreg"]
actions = ["restart"]

[[watch]]
units = ["api"]
rules = ["error-burst", "zzz-*"]

[restart]
cooldown = 0

[[channel]]
name = "slack"
type = "apprise"
url = "hooks.slack.com/services/T0/B0/XyzzyWebhook"

[[channel]]
name = "typo"
type = "apprise"
url = "jsno://xyzzyuser:Xyzzy%40Pass@hooks.mycorp.net/XyzzyPath?token=XyzzyTok"

[[channel]]
name = "am"
type = "alertmanager"
url = "http://xyzzyam:XyzzyAmPass@alertmanager:notaport/"

[[channel]]
name = "good"
type = "apprise"
url = "json://xyzzyuser:XyzzyGood@127.0.0.1:9/hook"

[heartbeat]
url = "https://u:XyzzyPw@hc.mycorp.net:port/ping/XyzzyUuid"
'''
APPRISE_DOCS = "check its scheme and parts against https://github.com/caronc/apprise/wiki"
HOST_OR_PORT = "its host or port cannot be read: expected http(s)://[user:password@]host[:port][/path]"


def line_of(text: str, line: str, after: str = "") -> int:
    """The line number (from 1) of the first `line` after the line `after`."""
    lines = text.splitlines()
    return lines.index(line, lines.index(after) if after else 0) + 1


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_config_check_names_every_problem_of_every_stage_in_one_run(tmp_path: Path) -> None:
    text = CONFIG.format(root=tmp_path)
    config = write(tmp_path / "c.toml", text)
    done = config_check(config)
    assert done.returncode == 2
    assert MARK not in (done.stdout + done.stderr).lower()
    watch = [line_of(text, 'units = ["nginx"]') - 1, line_of(text, 'units = ["api"]') - 1]
    channel = [line_of(text, f'name = "{name}"') - 1 for name in ("slack", "typo", "am", "good")]
    assert done.stderr.splitlines() == [
        f"{config}: warning: disabled_rules: no rule has the id 'error-brust' (did you mean 'error-burst'?): nothing "
        "is disabled by it",
        f"{config}: warning: watch #2 (line {watch[1]}): rules: 'zzz-*' matches no rule: the watch covers nothing by "
        "it",
        f"{config}: bogus_key (line {line_of(text, 'bogus_key = 1')}): unknown key, expected one of alerts, canary, "
        "channel, commit_every, disabled_rules, dry_run, heartbeat, hostname, hosts, journal_directory, metrics, "
        "own_unit, restart, rules, state_dir, watch",
        f"{config}: restart.cooldown (line {line_of(text, 'cooldown = 0')}): a number, expected a string: write "
        'cooldown = "0" for no cooldown (or a duration like "5min") (got 0)',
        f'{config}: channel #1 (line {channel[0]}): url: expected a URL like "json://host/path" (value not shown)',
        f"{config}: channel #2 (line {channel[1]}): url: apprise does not accept this URL (apprise jsno://***): "
        + APPRISE_DOCS,
        f"{config}: channel #3 (line {channel[2]}): url: {HOST_OR_PORT} (alertmanager http://***)",
        f"{config}: heartbeat.url: {HOST_OR_PORT} (https://***)",
        f"{config}: watch #1 (line {watch[0]}): rules: no rule matches 'nginx-emreg' (did you mean 'nginx-emerg'?): "
        "the watch covers no rule, so it can never act",
        f"logsentry: 7 errors in {config}, its rules or the files it names (2 warnings above them)"], done.stderr
    out = done.stdout.splitlines()
    assert f"state directory: {tmp_path / 'state'}" in out
    assert f"watch #2 (line {watch[1]}) api.service: rules error-burst, zzz-*; actions alert, restart" in out
    assert f"alert channel #4 (line {channel[3]}): good (apprise json://***, 3 tries)" in out
    # refused settings (their defaults) and refused tables have no line that reads as fine above their error
    assert not [line for line in out if line.startswith(("restart:", "heartbeat:", "watch #1", "alert channel #1",
                                                         "alert channel #2", "alert channel #3"))], out


def test_a_refused_setting_skips_the_checks_that_would_be_about_its_default(tmp_path: Path) -> None:
    """A refused `rules` leaves the operator's rules unloaded: their names are not warned about as unknown; the
    other stages still run."""
    config = write(tmp_path / "c.toml", 'rules = 5\nstate_dir = 7\n[[watch]]\nunits = ["api"]\nrules = ["my-rule"]\n'
                   '[[channel]]\ntype = "apprise"\nurl = "jsno://127.0.0.1:9/hook"\n')
    done = config_check(config)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"{config}: rules (line 1): expected a list of strings (got 5)",
        f"{config}: state_dir (line 2): expected a non-empty string (got 7)",
        f"{config}: channel #1 (line 6): url: apprise does not accept this URL (apprise jsno://***): " + APPRISE_DOCS,
        f"logsentry: 3 errors in {config}, its rules or the files it names"], done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith(("state directory", "rule directories"))]


def test_a_refused_state_dir_is_not_trust_checked_at_its_default(tmp_path: Path, monkeypatch) -> None:
    """`state_dir = 7` keeps the default state directory in the partly read config: a trust problem there, or the
    alerts waiting in its outbox, would be about a directory the operator did not name."""
    from logsentry.state import OutboxItem, State

    default = tmp_path / "default-state"
    state = State(default / "state.db")
    state.commit({}, [OutboxItem("alert:1", "alert", {"event": "firing", "rule": "boom", "unit": "api.service"})], 1)
    state.update(state.outbox()[0].id, status="pending", last_error="am: HTTP 503")
    state.close()
    default.chmod(0o777)  # anyone may write there: refused, were it checked
    monkeypatch.setattr("logsentry.config_parse.DEFAULT_STATE_DIR", default)
    config = write(tmp_path / "c.toml", "state_dir = 7\n")
    done = run_cli("config", "check", "-c", str(config))
    assert done.exit_code == 2
    assert done.stderr.splitlines() == [f"{config}: state_dir (line 1): expected a non-empty string (got 7)",
                                        f"logsentry: 1 error in {config}, its rules or the files it names"], done.stderr


BAD_RULE = '''id = "bad"
title = "bad"
severity = "error"
action = "alert"
[match]
message = '^\\d+ (oops'
'''


def broken_rules(root: Path) -> tuple[Path, str]:
    rules = root / "broken-rules"
    rules.mkdir()
    (rules / "bad.toml").write_text(BAD_RULE)
    # (the regex as written in the file, not a repr, which doubled the backslash)
    return rules, ("bad.toml: match.message (line 6): invalid regular expression: missing ) at position 10, "
                   "expected a valid regex (got '^\\d+ (oops')")


def test_run_refuses_with_every_problem_of_config_and_rules_at_once(tmp_path: Path) -> None:
    rules, rule_error = broken_rules(tmp_path)
    config = write(tmp_path / "c.toml", f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\nbogus_key = 1\n'
                   '[restart]\ncooldown = 0\n')
    done = run_cli("run", "-c", str(config))
    assert done.exit_code == 2
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{config}: bogus_key (line 3): unknown key"), lines
    assert lines[1].startswith(f"{config}: restart.cooldown (line 5): a number"), lines
    assert lines[2].endswith(rule_error), lines
    assert lines[3:] == [f"logsentry: refusing to start: 3 errors in {config}, its rules or the files it names "
                         "(`logsentry config check` also checks the channels' URLs)"], lines


def test_a_rejected_reload_names_every_problem_and_counts_them(tmp_path: Path, live_journal) -> None:
    from test_service import BOOM_RULE, RunningService, config_text

    good_rules = tmp_path / "rules"
    good_rules.mkdir()
    (good_rules / "boom.toml").write_text(BOOM_RULE.format(action="alert", within="60s", group=""))
    running = RunningService(tmp_path, config_text(live_journal, good_rules))
    running.config_path.chmod(0o600)
    try:
        running.start()
        rules, rule_error = broken_rules(tmp_path)
        running.config_path.write_text("bogus_key = 1\n" + running.config_path.read_text().replace(str(good_rules),
                                                                                                     str(rules)))
        assert running.proc is not None
        running.proc.send_signal(signal.SIGHUP)
        [line] = [line for line in running.wait_log("reload rejected").splitlines() if "reload rejected" in line]
        assert f"reload rejected, keeping the running config: 2 problems: {running.config_path}: bogus_key (line " \
            "1): unknown key, expected one of" in line, line
        assert line.endswith(rule_error), line
    finally:
        running.stop(signal.SIGKILL)


def test_the_outboxs_warning_is_counted_with_the_others(tmp_path: Path) -> None:
    """The alerts waiting in the state's outbox are a warning printed above the errors like the others, and were left
    out of their count: `1 error in ...` with no "(1 warning above them)" under `warning: 1 alert in ... not
    delivered yet`."""
    from logsentry.state import OutboxItem, State

    state = State(tmp_path / "state" / "state.db")
    state.commit({}, [OutboxItem("alert:1", "alert", {"event": "firing", "rule": "boom", "unit": "api.service"})], 1)
    state.update(state.outbox()[0].id, status="pending", last_error="am: HTTP 503")
    state.close()
    config = write(tmp_path / "c.toml", f'state_dir = "{tmp_path / "state"}"\n[[watch]]\nunits = ["nginx"]\n'
                   'rules = ["nginx-emreg"]\n')
    done = config_check(config)
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert lines[0] == f"warning: 1 alert in {tmp_path / 'state' / 'state.db'} not delivered yet; each one's last try:"
    assert lines[-1] == f"logsentry: 1 error in {config}, its rules or the files it names (1 warning above them)", lines


def test_a_refused_journal_directory_leaves_no_self_check_line_about_its_default(tmp_path: Path) -> None:
    """The self-check line follows journal_directory (off when it is set): with it refused, the line said the canary
    of the local journal runs, which is the default's line, not the collector's the operator wrote."""
    config = write(tmp_path / "c.toml", f'state_dir = "{tmp_path / "state"}"\n'
                   'journal_directory = ["/var/log/journal/remote"]\n')
    done = config_check(config)
    assert done.returncode == 2, done.stderr
    assert not [line for line in done.stdout.splitlines() if line.startswith(("self-check", "journal:"))], done.stdout
