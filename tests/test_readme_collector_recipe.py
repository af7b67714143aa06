"""README's "A collector, step by step", with real parts: systemd-journal-remote runs as the recipe's drop-in says
(its ExecStart, on a listening socket passed as fd 3 the way systemd's socket unit passes it, here by
systemd-socket-activate), two hosts send to it: web-7 by systemd-journal-upload following its journal (a file
journal-remote writes live from a FIFO, test_host_stale.HostFeed), alpha by POSTs as journal-upload sends them
(/upload, application/vnd.fdo.journal) from an address of its own, and `logsentry run` on the README's
collector config follows the directory journal-remote writes: one file per sending address, an alert naming the
failing host (not the other, not the collector) and a journalctl command that shows its line, `logsentry hosts`
listing both. A recipe whose journal-remote invocation or config stops working fails here."""

from __future__ import annotations

import http.client
import shlex
import socket
import subprocess
import time
from pathlib import Path

from conftest import entry, run_cli
from receivers import HttpReceiver
from test_alert_source import WEB7, shown_by
from test_fleet_follow import MVAR
from test_host_stale import ALPHA, HostFeed, wait_until
from test_readme_collector import README, collector_config
from test_service import RunningService

from logsentry.sources.journal_files import FieldValue, export_entry

SOCKET_UNIT = Path("/lib/systemd/system/systemd-journal-remote.socket")


def recipe() -> str:
    """The ```sh block after "A collector, step by step" in the README."""
    after = README.read_text().split("**A collector, step by step**", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def drop_in_exec_start() -> list[str]:
    """The argv of the drop-in's non-empty ExecStart= line, as the shell quoting in the recipe gives it."""
    words = shlex.split(recipe().replace("\\\n", " "), comments=True)
    [line] = [word for word in words if word.startswith("ExecStart=/")]
    return shlex.split(line.removeprefix("ExecStart="))


def upload_port() -> int:
    words = shlex.split(recipe().replace("\\\n", " "), comments=True)
    [url] = [word for word in words if word.startswith("URL=")]
    return int(url.rsplit(":", 1)[1].split("/", 1)[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def upload(port: int, address: str, *records: dict[str, FieldValue]) -> None:
    """One host's upload, as systemd-journal-upload sends it, from `address` (journal-remote names its file)."""
    body = b"".join(export_entry(record) for record in records)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10, source_address=(address, 0))
    try:
        connection.request("POST", "/upload", body=body, headers={"Content-Type": "application/vnd.fdo.journal"})
        answer = connection.getresponse()
        assert answer.status == 202, (answer.status, answer.read())
        answer.read()
    finally:
        connection.close()


def line(message: str, host: str, machine: str) -> dict[str, FieldValue]:
    now = time.time_ns() // 1000
    record = dict(entry(message, unit="api.service", _MACHINE_ID=machine, _HOSTNAME=host,
                                           __REALTIME_TIMESTAMP=now))
    record["__MONOTONIC_TIMESTAMP"] = now
    return record


def test_the_recipe_uploads_port_is_the_socket_units() -> None:
    if SOCKET_UNIT.exists():  # Debian's systemd-journal-remote package
        assert f"ListenStream={upload_port()}" in SOCKET_UNIT.read_text()
    assert upload_port() == 19532


def test_the_collector_recipe_receives_two_hosts_and_alerts_name_the_failing_one(tmp_path: Path) -> None:
    argv = drop_in_exec_start()
    assert "--output=/var/log/journal/remote/" in argv and "--listen-http=-3" in argv
    directory = tmp_path / "remote"
    directory.mkdir()
    argv = [f"--output={directory}/" if word == "--output=/var/log/journal/remote/" else word for word in argv]
    port = free_port()
    receiver = subprocess.Popen(["systemd-socket-activate", "-l", f"127.0.0.1:{port}", *argv],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    manager = HttpReceiver()
    text = collector_config().replace('"/var/log/journal/remote"', f'"{directory}"').replace(
        "http://127.0.0.1:9093", f"http://{manager.url}")
    assert str(directory) in text and manager.url in text
    service = RunningService(tmp_path, f'state_dir = "{tmp_path / "state"}"\n{text}')
    (tmp_path / "web-7").mkdir()
    web7 = HostFeed(tmp_path / "web-7", "web-7", WEB7)  # web-7's own journal, as its journald writes it
    sender = None
    try:
        wait_until(lambda: receiver.poll() is not None or _listening(port), 10, "systemd-socket-activate listening")
        assert receiver.poll() is None, receiver.stderr.read() if receiver.stderr else b""
        web7.write("api starting", "api.service")
        time.sleep(0.5)  # journal-remote has made web-7's own file
        sender = subprocess.Popen(["/lib/systemd/systemd-journal-upload", f"--url=http://127.0.0.1:{port}",
                                   f"--file={tmp_path / 'web-7' / 'remote-web-7.journal'}"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # follows it (--follow)
        upload(port, "127.0.0.3", line("api starting", "alpha", ALPHA))
        files = wait_until(lambda: len(names := sorted(path.name for path in directory.iterdir())) == 2 and names,
                           10, "both hosts' files")
        assert files == ["remote-127.0.0.1.journal", "remote-127.0.0.3.journal"], files  # one file per address
        service.start()
        upload(port, "127.0.0.3", line("GET /health 200", "alpha", ALPHA))
        web7.write(MVAR, "api.service")
        [alert] = wait_until(lambda: [a for path, body in manager.requests if path == "/api/v2/alerts"
                                      for a in body], 20, "the MVar alert in the Alertmanager API")
        assert alert["labels"]["host"] == "web-7" and alert["labels"]["unit"] == "api.service"
        assert alert["labels"]["rule"] == "ghc-mvar-deadlock"
        notes = alert["annotations"]
        assert notes["observer"] == "collector"
        assert notes["summary"].startswith("[logsentry web-7] CRITICAL api.service: ")
        assert notes["journalctl"].startswith(f"journalctl -D {directory} _MACHINE_ID={WEB7} -u api.service")
        assert shown_by(notes["journalctl"]).splitlines() == [MVAR]
        hosts = wait_until(lambda: (done := run_cli("hosts", "-c", str(service.config_path))).stdout.count(
            "newest entry") == 2 and done.stdout, 10, "both hosts in `logsentry hosts`")
        assert f"web-7 (machine {WEB7})" in hosts and f"alpha (machine {ALPHA})" in hosts
        assert service.stop() == 0
    finally:
        if service.proc is not None:
            service.stop()
        if sender is not None:
            sender.terminate()
            sender.wait(timeout=10)
        web7.close()
        receiver.terminate()
        receiver.wait(timeout=10)
        manager.close()


def _listening(port: int) -> bool:
    """Whether the port is bound, without connecting (a connection would start journal-remote early)."""
    done = subprocess.run(["ss", "-Htln", f"sport = :{port}"], capture_output=True, text=True, check=False)
    return bool(done.stdout.strip())
