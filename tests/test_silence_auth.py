"""`logsentry silence add/expire` with an Alertmanager channel whose URL carries `user:password@`: the
silence is mirrored with HTTP Basic authentication, as alerts are (urllib had taken the user part for the
host name: every such silence stayed local with "not mirrored ... (URLError)"), and the password appears in
no output, whatever the outcome. A real Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 that
requires basic authentication (its --web.config.file), the real CLI in a subprocess."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_metrics import free_port

ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
USER, PASSWORD = "pager", "s3cr3t-Horse-Battery"
AM_CONFIG = """
route:
  receiver: none
receivers:
  - name: none
"""


def bcrypt(password: str) -> str:
    """The bcrypt hash Alertmanager's web config wants (glibc's crypt does $2b$; Python 3.11's crypt module)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1 << 4))


class GuardedAlertmanager:
    """A real Alertmanager that answers only requests with USER:PASSWORD (HTTP Basic)."""

    def __init__(self, root: Path):
        assert ALERTMANAGER, "prometheus-alertmanager is required (scripts/setup installs it)"
        root.mkdir()
        (root / "alertmanager.yml").write_text(AM_CONFIG)
        (root / "web.yml").write_text(f"basic_auth_users:\n  {USER}: '{bcrypt(PASSWORD)}'\n")
        self.port = free_port()
        self.log = root / "alertmanager.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [ALERTMANAGER, f"--config.file={root / 'alertmanager.yml'}", f"--storage.path={root / 'data'}",
                 f"--web.config.file={root / 'web.yml'}", f"--web.listen-address=127.0.0.1:{self.port}",
                 "--cluster.listen-address="], stdout=out, stderr=out)
        deadline = time.monotonic() + 20
        while self.get("/-/ready") is None:
            assert self.proc.poll() is None and time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.1)

    def get(self, path: str) -> Any:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}",
                                         headers={"Authorization": f"Basic {token}"})
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                raw = response.read()
        except OSError:
            return None
        return json.loads(raw) if path.startswith("/api/") else raw

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def manager(tmp_path: Path) -> Iterator[GuardedAlertmanager]:
    running = GuardedAlertmanager(tmp_path / "am")
    try:
        yield running
    finally:
        running.close()


def config(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "logsentry.toml"
    path.write_text(f'state_dir = "{tmp_path / "state"}"\n\n[[watch]]\nunits = ["*"]\nactions = ["alert"]\n\n'
                    f'[[channel]]\nname = "am"\ntype = "alertmanager"\nurl = "{url}"\n')
    path.chmod(0o600)
    return path


def logsentry(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", *args], capture_output=True, text=True,
                          check=False, timeout=60)


def test_a_silence_is_mirrored_to_an_alertmanager_behind_basic_auth_and_expired_there(
        manager: GuardedAlertmanager, tmp_path: Path) -> None:
    path = config(tmp_path, f"http://{USER}:{PASSWORD}@127.0.0.1:{manager.port}")
    added = logsentry("silence", "add", "-c", str(path), "-u", "api", "-H", "web-7", "--for", "2h",
                      "--comment", "maintenance")
    assert added.returncode == 0 and added.stderr == "", added.stderr
    assert added.stdout.rstrip().endswith("; in Alertmanager: am"), added.stdout
    there = manager.get("/api/v2/silences")
    assert [(s["status"]["state"], s["comment"].split(" (")[0]) for s in there] == [("active", "maintenance")]
    assert {(m["name"], m["value"]) for m in there[0]["matchers"]} == {("unit", r"api\.service(?:/.+)?"),
                                                                       ("host", "web-7")}
    local = json.loads(logsentry("silence", "list", "-c", str(path), "-o", "json").stdout)
    assert local["alertmanager"] == {"am": there[0]["id"]}
    expired = logsentry("silence", "expire", "-c", str(path), local["id"])
    assert (expired.returncode, expired.stderr) == (0, ""), expired.stderr
    assert [s["status"]["state"] for s in manager.get("/api/v2/silences")] == ["expired"]
    for done in (added, expired):
        assert PASSWORD not in done.stdout + done.stderr


def test_a_wrong_password_is_said_without_it(manager: GuardedAlertmanager, tmp_path: Path) -> None:
    wrong = "not-the-Password-42"
    path = config(tmp_path, f"http://{USER}:{wrong}@127.0.0.1:{manager.port}/")
    added = logsentry("silence", "add", "-c", str(path), "-u", "api", "--for", "1h", "--comment", "deploy")
    assert added.returncode == 0  # kept locally all the same
    assert added.stderr == ("logsentry: warning: not mirrored: am: Alertmanager refused POST silences: HTTP 401 "
                            "Unauthorized\n")
    assert wrong not in added.stdout + added.stderr and manager.get("/api/v2/silences") == []
    assert json.loads(logsentry("silence", "list", "-c", str(path), "-o", "json").stdout)["alertmanager"] == {}


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="runs the command as another user (setpriv as root)")
def test_a_silence_that_cannot_be_saved_here_is_not_made_in_alertmanager(manager: GuardedAlertmanager,
                                                                         tmp_path: Path) -> None:
    """Saved here first (it was mirrored, then the save crashed with a PermissionError traceback: a silence in
    Alertmanager that `silence list` and `expire` never knew)."""
    place = Path(tempfile.mkdtemp(prefix="logsentry-silence-"))  # pytest's tmp_path is root's alone
    try:
        place.chmod(0o755)
        (place / "state").mkdir(mode=0o755)  # the service's, this user may not write it
        path = config(place, f"http://{USER}:{PASSWORD}@127.0.0.1:{manager.port}")
        path.chmod(0o644)
        added = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m",
                                "logsentry", "silence", "add", "-c", str(path), "-u", "api", "--for", "1h",
                                "--comment", "deploy"], capture_output=True, text=True, check=False, timeout=60,
                               cwd="/")
        assert (added.returncode, added.stdout) == (2, "")
        assert added.stderr == (f"logsentry: cannot save the silences in {place / 'state' / 'silences.json'}: "
                                f"permission denied ({place / 'state'} is mode 0755, owner root): run this as root\n")
        assert manager.get("/api/v2/silences") == [] and list((place / "state").iterdir()) == []
    finally:
        shutil.rmtree(place)


def test_an_alertmanager_that_cannot_be_reached_is_said_so(tmp_path: Path) -> None:
    path = config(tmp_path, f"http://{USER}:{PASSWORD}@127.0.0.1:{free_port()}")  # nothing listens there
    added = logsentry("silence", "add", "-c", str(path), "-u", "api", "--for", "1h", "--comment", "deploy")
    assert added.returncode == 0
    assert added.stderr == ("logsentry: warning: not mirrored: am: cannot reach Alertmanager for POST silences "
                            "(ConnectionRefusedError: Connection refused)\n")  # it said "refused ... (URLError)"
    assert PASSWORD not in added.stdout + added.stderr
