"""`config check`'s placeholder warning says which part of the URL still holds the example's text, quoting only the
example's own domain where it is the host's, never the text of the URL beside it (a new user's trial: the warning
named no part of it)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

from logsentry.config import placeholder_where

SECRETS = ("sk_live_TOPSECRET123", "Hunter2Password", "alice", "SECRETUUID01", "notify", "oncall")


def test_the_warning_names_the_host_and_never_a_secret(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[[channel]]\nname = "hook"\ntype = "apprise"\n'
                      'url = "jsons://hooks.example.com/notify?token=sk_live_TOPSECRET123"\n'
                      '[[channel]]\nname = "mail"\ntype = "apprise"\n'
                      'url = "mailtos://alice:Hunter2Password@smtp.example.com?to=oncall@example.com"\n'
                      '[heartbeat]\nurl = "https://hc-ping.com/YOUR-UUID/SECRETUUID01"\n')
    config.chmod(0o600)
    done = run_cli("config", "check", "-c", str(config))
    warned = [line for line in done.stderr.splitlines() if "placeholder" in line]
    assert warned == [
        f"{config}: warning: channel #1 (line 1): url: the URL still holds the example config's placeholder text in "
        "its host (example.com) (the rest is not shown: it may sit beside a secret): put a real one in (alerts cannot "
        "be delivered to it)",
        f"{config}: warning: channel #2 (line 5): url: the URL still holds the example config's placeholder text in "
        "its host (example.com) and its query (the rest is not shown: it may sit beside a secret): put a real one in "
        "(alerts cannot be delivered to it)",
        f"{config}: warning: heartbeat.url: the URL still holds the example config's placeholder text in its path "
        "(the rest is not shown: it may sit beside a secret): put a real one in (alerts cannot be delivered to it)",
    ], done.stderr
    assert not [secret for secret in SECRETS if secret in done.output], done.output


def test_a_secrets_stand_in_is_named_by_its_part_alone() -> None:
    """INTEGRATION_KEY and user:password stand for secrets: the text beside them may be real, so only their part is
    named; a URL that does not split is "the URL"."""
    assert placeholder_where("pagerduty://INTEGRATION_KEY@ROUTING_KEY") == "its part before @ and its host"
    assert placeholder_where("mailtos://user:password@smtp.corp.internal") == "its part before @"
    assert placeholder_where("json://[::1/example.com") == "the URL"
    assert placeholder_where("json://hooks.corp.internal/x") == ""
