"""Nothing of a secret-bearing value (alert channel URLs, the heartbeat URL, command arguments) is ever
printed, logged or stored: `config check`, type errors in the config, the running service's "alert
delivery failed" lines, outbox.last_error and a rejected reload, for the apprise schemes people use.

Every secret below contains MARK; no test name or path does, so finding MARK anywhere is a leak."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from test_service import BOOM_RULE, RunningService, config_text

from logsentry.redaction import Secrets, redact_url

MARK = "xyzzy"

APPRISE = {  # scheme: URL whose every part (user, password, host, path, query) carries MARK
    "pagerduty": "pagerduty://XyzzyApiKey@XyzzyRoutingKey/?region=eu",
    "slack": "slack://XyzzyTokenA/XyzzyTokenB/XyzzyTokenC/#xyzzy-channel",
    "tgram": "tgram://123456789:XyzzyBotToken/-100Xyzzy",  # urlsplit().port raised on this
    "json": "json://xyzzyuser:XyzzyPass@127.0.0.1:9/xyzzy/hook?token=XyzzyQuery",
    "ntfy": "ntfy://xyzzyuser:XyzzyNtfyPass@127.0.0.1:9/xyzzytopic",
    "mailto": "mailto://xyzzyuser:XyzzyMailPass@127.0.0.1:9?to=xyzzy@example.com",
    "matrix": "matrix://xyzzyuser:XyzzyMatrixPass@127.0.0.1:9/#xyzzyroom",
    "discord": "discord://9876543210Xyzzy/XyzzyWebhookToken",
    "opsgenie": "opsgenie://XyzzyOpsgenieKey",
    "msteams": "msteams://XyzzyTeam/XyzzyTokenA/XyzzyTokenB/XyzzyTokenC",
    "gotify": "gotify://127.0.0.1:9/XyzzyGotifyToken",
    "pushover": "pover://XyzzyUserKey@XyzzyAppToken",
}


def channels_toml() -> str:
    tables = [f'[[channel]]\nname = "{scheme}-channel"\ntype = "apprise"\nurl = "{url}"\nretries = 1\n'
              for scheme, url in APPRISE.items()]
    tables.append('[[channel]]\nname = "am-login"\ntype = "alertmanager"\n'
                  'url = "http://xyzzyam:XyzzyAmPass@127.0.0.1:9/"\nretries = 1\n')
    # http.client's InvalidURL quotes the path it refuses: the error text must be scrubbed.
    tables.append('[[channel]]\nname = "am-path"\ntype = "alertmanager"\n'
                  'url = "http://127.0.0.1:9/XyzzyTenant/XyzzyPath Xyzzy"\nretries = 1\n')
    tables.append('[[channel]]\nname = "cmd"\ntype = "command"\nargv = ["/bin/false", "--token=XyzzyArg", '
                  '"XyzzyArg2"]\nretries = 1\n')
    return "\n".join(tables)


HEARTBEAT = '[heartbeat]\nurl = "http://127.0.0.1:9/ping/XyzzyHeartbeat"\ninterval = "1s"\n'


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    directory = tmp_path / "boom-rules"
    directory.mkdir()
    (directory / "boom.toml").write_text(BOOM_RULE.format(action="alert", within="60s", group=""))
    return directory


def refused() -> list[str]:
    """The schemes of APPRISE whose made-up URL the installed apprise refuses (config check says so, placeholder
    text in it or not)."""
    from logsentry.actions.channels import apprise_accepts

    return [scheme for scheme, url in APPRISE.items() if not apprise_accepts(url)]


def refused_code() -> int:
    return 2 if refused() else 0


def logsentry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", *args], capture_output=True, text=True, timeout=60,
                          check=False)


def test_config_check_shows_scheme_and_channel_name_only(tmp_path, rules):
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n{HEARTBEAT}{channels_toml()}')
    done = logsentry("config", "check", "-c", str(config))
    assert done.returncode == refused_code() and "Traceback" not in done.stderr, done.stderr
    shown = done.stdout + done.stderr
    assert MARK not in shown.lower()
    for scheme in refused():  # said, redacted (a made-up URL apprise's plugin refuses: the check's own path)
        expected = "pover://***" if scheme == "pushover" else f"{scheme}://***"
        place = f"channel #{list(APPRISE).index(scheme) + 1} (line "
        assert re.search(rf"{re.escape(place)}\d+\): url: apprise does not accept this URL "
                         rf"\(apprise {re.escape(expected)}\)", shown), shown
    for scheme in APPRISE:  # a refused one's only line is its error (no summary line reading as fine above it)
        expected = "pover://***" if scheme == "pushover" else f"{scheme}://***"
        assert (f"{scheme}-channel (apprise {expected}, 1 try)" in shown) is (scheme not in refused()), scheme
    assert "am-login (alertmanager http://***, 1 try)" in shown
    assert "cmd (command false (+2 args), 1 try)" in shown
    assert "heartbeat: every 1s to http://***" in shown


@pytest.mark.parametrize("body, key", [
    ('channel = "pagerduty://XyzzyKey@XyzzyRouting"\n', "channel (line 1): expected [[channel]] tables (got a string"),
    ('channel = {type = "apprise", url = "slack://XyzzyA/XyzzyB/XyzzyC"}\n',
     "channel (line 1): expected [[channel]] tables"),
    ('[[channel]]\ntype = "command"\nargv = ["/bin/true", 7, "--password=XyzzyArg"]\n',
     "channel #1 (line 1): argv: expected a list of strings (got a list, value not shown)"),
    ('[[channel]]\ntype = "tgram://123:XyzzyToken/xyzzychat"\n', "channel #1 (line 1): type: expected one of"),
    ('[[channel]]\ntype = "apprise"\nurl = ["json://XyzzyHost/XyzzyPath"]\n',
     "channel #1 (line 1): url: expected a URL"),
    ('heartbeat = "https://hc.example/ping/XyzzyUuid"\n', "heartbeat (line 1): expected a table (got a string"),
    ('[heartbeat]\nurl = ["https://hc.example/ping/XyzzyUuid"]\n', "heartbeat.url (line 2): expected an http(s) URL"),
])
def test_config_type_errors_never_quote_a_secret_bearing_value(tmp_path, body, key):
    config = tmp_path / "logsentry.toml"
    config.write_text(body)
    done = logsentry("config", "check", "-c", str(config))
    assert done.returncode == 2 and key in done.stderr, done.stderr
    assert MARK not in (done.stdout + done.stderr).lower() and "Traceback" not in done.stderr


@pytest.fixture
def running(tmp_path: Path, live_journal, rules, monkeypatch):
    """The real service with every channel failing: a proxy that refuses keeps apprise off the internet
    (the channels on 127.0.0.1 bypass it and find nothing listening on port 9)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    service = RunningService(tmp_path, config_text(live_journal, rules, channels_toml(), extra=HEARTBEAT))
    yield service, live_journal
    if service.proc is not None:
        service.stop(signal.SIGKILL)


def test_failed_deliveries_log_and_store_nothing_of_a_secret(running):
    service, journal = running
    service.start()
    journal.write("BOOM now")
    count = len(APPRISE) + 3  # one failed try on each channel, in escalation order
    log = service.wait_log("alert delivery failed", timeout=90, count=count)
    service.wait_log("heartbeat ping failed", timeout=10)
    assert service.stop() == 0
    log = service.log()
    assert MARK not in log.lower(), [line for line in log.splitlines() if MARK in line.lower()]
    assert "pagerduty-channel: delivery failed (apprise pagerduty://***)" in log
    assert "tgram-channel: delivery failed (apprise tgram://***)" in log
    assert ("am-path: the Alertmanager URL cannot be used (InvalidURL: URL can't contain control characters. "
            "'/***/*** ***/api/v2/alerts' (found at least ' '))") in log
    errors = [row.last_error for row in service.state().outbox()]
    assert errors and all(error and MARK not in error.lower() for error in errors), errors
    stored = b"".join(path.read_bytes() for path in (service.root / "state").iterdir())
    assert MARK.encode() not in stored.lower()


def test_rejected_reload_logs_no_secret(running):
    service, _ = running
    service.start()
    good = service.config_path.read_text()
    service.config_path.write_text('restart = "XyzzyRestart"\n' + good + '[[channel]]\ntype = "command"\n'
                                   'argv = ["/bin/true", 7, "XyzzyArg"]\n')
    service.proc.send_signal(signal.SIGHUP)  # type: ignore[union-attr]
    log = service.wait_log("reload rejected")
    assert "argv: expected a list of strings (got a list, value not shown)" in log
    assert "restart (line 1): expected a table (got a string, value not shown)" in log
    assert MARK not in log.lower()


@pytest.mark.parametrize("url", ["tgram://123:abc/x", "json://[::1", "http://h:99999999/", "://", "no scheme",
                                 "a b://x", "json://user:pw@[bad/"])
def test_redaction_never_fails_and_shows_only_a_scheme(url):
    shown = redact_url(url)
    assert shown in ("***", url.split("://")[0] + "://***")


def test_scrub_finds_secrets_however_a_library_quotes_them():
    secrets = Secrets.of(["json://user:Pass%2Fword@Hooks.Example:8080/path/XyzzyTok?key=Xyzzy%20Q"])
    text = ("POST http://hooks.example:8080/path/XyzzyTok?key=Xyzzy%20Q failed for user 'user' "
            "password Pass/word; key Xyzzy Q; Pass%2Fword")
    scrubbed = secrets.scrub(text)
    assert all(part not in scrubbed.lower() for part in ("xyzzy", "pass", "hooks.example")), scrubbed
    assert scrubbed.startswith("POST http://***")


def test_a_config_with_secrets_that_every_user_can_read_is_warned_about(tmp_path, rules):
    """The URLs and tokens of alert channels are secrets: `config check` says when every local user can
    read them (without quoting them), and is quiet once the file is 0600 or holds no secret."""
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n{HEARTBEAT}{channels_toml()}')
    config.chmod(0o644)
    done = logsentry("config", "check", "-c", str(config))
    assert done.returncode == refused_code(), done.stderr
    assert "readable by every user (mode 0644) but it holds secrets" in done.stderr
    assert MARK not in (done.stdout + done.stderr).lower()
    config.chmod(0o600)
    assert "readable by every user" not in logsentry("config", "check", "-c", str(config)).stderr
    plain = tmp_path / "plain.toml"
    plain.write_text(f'state_dir = "{tmp_path / "state"}"\nrules = ["{rules}"]\n')
    plain.chmod(0o644)
    assert "readable by every user" not in logsentry("config", "check", "-c", str(plain)).stderr


def test_scrub_leaves_words_the_secrets_only_share_a_part_of():
    """Every piece of every command argument and URL was scrubbed wherever it stood: "exit" of a channel's script
    made logsentry's own "command exited with 1" read "command ***ed with 1", the URL path's "page" made the channel
    "slowpager" read "slow***r", and the script's own words ("failed", "token") vanished from the program's
    message (a new operator's trial). A plain lower-case word is scrubbed as a whole word only, and a script's
    shell words not at all; the secrets themselves still are."""
    script = Secrets.of(["-c", 'echo "delivery failed, token=$1 rejected" >&2; exit 1', "sh", "CMDSECRET77"])
    said = script.scrub("failing: command exited with 1: delivery failed, token=CMDSECRET77 rejected")
    assert said == "failing: command exited with 1: delivery failed, token=*** rejected", said
    url = Secrets.of(["json://127.0.0.1:8766/page/Hk7Tok?token=BHSECRET"])
    said = url.scrub("slowpager: timed out posting to 127.0.0.1:8766/page/Hk7Tok?token=BHSECRET; page Hk7Tok")
    assert said.startswith("slowpager: timed out posting to ***") and "BHSECRET" not in said and "Hk7Tok" not in said
    assert said.endswith("; *** ***"), said
