"""An Alertmanager or heartbeat URL that cannot be sent to (a port that is no number, a broken IPv6 address, a
scheme urllib does not speak) is refused by `config check`, in words that quote none of it, as an apprise URL
apprise refuses is; `silence add` with one says so instead of a traceback (http.client.InvalidURL escaped it),
and an alert through one fails with a reason. The real CLI; a real delivery attempt."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_delivery_reasons import payload

from logsentry.actions.channels import DeliveryError, send_alertmanager
from logsentry.config import Channel

PASSWORD = "Hunter2-Secret"
BROKEN = [f"http://admin:{PASSWORD}@alertmanager:notaport", f"http://admin:{PASSWORD}@[::1:9093",
          f"http://admin:{PASSWORD}@127.0.0.1:99999", f"ftp://admin:{PASSWORD}@alertmanager/"]


def logsentry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", *args], capture_output=True, text=True, check=False,
                          timeout=60)


def config(tmp_path: Path, url: str, heartbeat: str = "") -> Path:
    path = tmp_path / "logsentry.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n[[watch]]\nunits = ["*"]\nactions = ["alert"]\n'
                    f'[[channel]]\nname = "am"\ntype = "alertmanager"\nurl = "{url}"\n'
                    + (f'[heartbeat]\nurl = "{heartbeat}"\n' if heartbeat else ""))
    path.chmod(0o600)
    return path


@pytest.mark.parametrize("url", BROKEN)
def test_config_check_refuses_an_alertmanager_url_that_cannot_be_sent_to(url: str, tmp_path: Path) -> None:
    done = logsentry("config", "check", "-c", str(config(tmp_path, url)))
    assert done.returncode == 2
    scheme = url.split("://")[0]
    assert "channel #1 (line 5): url: " in done.stderr and f"(alertmanager {scheme}://***)" in done.stderr, done.stderr
    assert PASSWORD not in done.stdout + done.stderr and "notaport" not in done.stderr


def test_config_check_refuses_a_heartbeat_url_that_cannot_be_pinged(tmp_path: Path) -> None:
    path = config(tmp_path, "http://127.0.0.1:9093", heartbeat=f"https://u:{PASSWORD}@hc.example:port/ping")
    done = logsentry("config", "check", "-c", str(path))
    assert done.returncode == 2
    assert (f"{path}: heartbeat.url: its host or port cannot be read: expected http(s)://[user:password@]host[:port]"
            "[/path] (https://***)") in done.stderr.splitlines()
    assert PASSWORD not in done.stdout + done.stderr


def test_silence_add_and_an_alert_through_a_broken_url_say_why(tmp_path: Path) -> None:
    url = BROKEN[0]
    added = logsentry("silence", "add", "-c", str(config(tmp_path, url)), "-u", "api", "--for", "1h", "--comment", "x")
    assert added.returncode == 0 and "Traceback" not in added.stderr, added.stderr
    assert added.stderr == ("logsentry: warning: not mirrored: am: the Alertmanager URL cannot be used (InvalidURL: "
                            "nonnumeric port: '***')\n")
    with pytest.raises(DeliveryError, match=r"^am: the Alertmanager URL cannot be used \(InvalidURL: ") as caught:
        send_alertmanager(Channel("am", "alertmanager", (url,), timeout_s=5), payload())
    assert PASSWORD not in str(caught.value)
