"""Trial 72's `systemctl status` pastes (sources/status_paste.py, sources/systemctl_status.py): a header pasted
alone states a failure, a 219 `entered failed state` line does not tell its result, and a start limit in systemd
229's words or a socket's is a start limit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_cli

from logsentry.sources import Selection, open_entries

DOCKER = """\
{glyph}docker.service - Docker Application Container Engine
   Loaded: loaded (/lib/systemd/system/docker.service; enabled; vendor preset: enabled)
   Active: {active} since Tue 2017-04-25 17:35:04 EDT; 2h 20min ago
     Docs: https://docs.docker.com
 Main PID: 182574 (code=exited, status=2)
    Tasks: 539
   CGroup: /system.slice/docker.service
           \u251c\u2500 12596 docker-containerd-shim a258256e42f0 /var/run/docker/libcontainerd/a258256e42f0 docker-runc
"""
"""Trial 72's 12 (moby/moby, 2017): the header alone, no journal line under it; its glyph lost in the copy."""


def _read(path: Path) -> list[tuple[int, str, str]]:
    return [(entry.realtime_usec, entry.unit, entry.message) for entry in open_entries(Selection(), files=[path])]


def _incidents(path: Path) -> list[tuple[str, str]]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    return [(record["rule"], record["unit"]) for record in map(json.loads, done.stdout.splitlines())
            if record["type"] == "incident"]


@pytest.mark.parametrize("glyph", ["\u25cf ", ""], ids=["dot", "glyph-lost"])
def test_a_failed_header_alone_reports_its_failure(tmp_path: Path, glyph: str) -> None:
    """No line has a time, so the file is plain text, where the header was never read: 0 incidents."""
    path = tmp_path / "status.txt"
    path.write_text(DOCKER.format(glyph=glyph, active="failed (Result: exit-code)"))
    told = [(usec, message) for usec, unit, message in _read(path) if unit == "(docker.service)"]
    assert told == [(1493156104000000, "docker.service: Main process exited, code=exited, status=2"),
                    (1493156104000000, "docker.service: Failed with result 'exit-code'.")], told
    assert _incidents(path) == [("systemd-unit-failed", "(docker.service)")]  # (21:35:04 UTC: the header's EDT)


def test_a_running_header_alone_stays_quiet(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(DOCKER.replace(" Main PID: 182574 (code=exited, status=2)", " Main PID: 182574 (dockerd)")
                    .format(glyph="\u25cf ", active="active (running)"))
    assert not any("systemd" in unit or "docker.service" in unit for _, unit, _ in _read(path))
    assert _incidents(path) == []


def test_an_auto_restart_header_after_a_systemctl_cat(tmp_path: Path) -> None:
    """Trial 72's 26: `systemctl cat` and a restart's client lines above the header, a Czech weekday (`Út`)."""
    path = tmp_path / "sshd.txt"
    path.write_text("[root@notas ~]# systemctl cat sshd.service\n"
                    "[Service]\nType=forking\nExecStart=/usr/sbin/sshd $OPTIONS\n\n"
                    "[root@notas ~]# systemctl restart sshd\n"
                    "Job for sshd.service failed because the control process exited with error code.\n"
                    "[root@notas ~]# systemctl status sshd.service\n"
                    "\u25cf sshd.service - OpenSSH server daemon\n"
                    "   Loaded: loaded (/usr/lib/systemd/system/sshd.service; disabled; vendor preset: disabled)\n"
                    "   Active: activating (auto-restart) (Result: exit-code) since \u00dat 2016-08-02 15:43:28 CEST; "
                    "29s ago\n"
                    "  Process: 19610 ExecStart=/usr/sbin/sshd $OPTIONS (code=exited, status=255)\n")
    assert ("systemd-unit-failed", "(sshd.service)") in _incidents(path)
    assert [usec for usec, _, message in _read(path) if message.startswith("sshd.service: Failed")] == [
        1470145408000000]


USER_ONESHOT = """\
\u25cb qnq-test-user-service-failure.service - Simulates a user service failure
     Loaded: loaded (/etc/systemd/user/qnq-test-user-service-failure.service; enabled; preset: disabled)
     Active: inactive (dead) since Fri 2025-10-17 01:08:08 CEST; 4min 3s ago
 Invocation: 528514dc419d4cfbbc6d42c328a45f51
    Process: 1411 ExecStart=/nonexistent (code=exited, status={status})
"""
"""Trial 72's 34 (systemd/systemd#39349): a user oneshot whose command could not be executed, shown inactive."""


def test_an_inactive_unit_whose_command_never_ran_is_its_managers_failure(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(USER_ONESHOT.format(status="203/EXEC"))
    incidents = _incidents(path)
    assert incidents == [("systemd-user-unit-failure", "(qnq-test-user-service-failure.service)")], incidents
    done = run_cli("scan", "--file", str(path))
    assert "main process: exited with status 203/EXEC" in done.stdout, done.stdout
    path.write_text(USER_ONESHOT.format(status="0/SUCCESS"))  # (a oneshot that ran: dead, as it should be)
    assert _incidents(path) == []
    path.write_text(USER_ONESHOT.format(status="1/FAILURE"))  # (its program's own status: `-` may have let it go)
    assert _incidents(path) == []


KUBELET = """\
\u25cf kubelet.service - kubelet: The Kubernetes Node Agent
   Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; vendor preset: disabled)
   Active: {active} since Wed 2020-07-29 08:46:32 EDT; 5s ago
 Main PID: 9982 (code=exited, status=255)

Jul 29 08:46:32 node1 systemd[1]: Unit kubelet.service entered failed state.
Jul 29 08:46:32 node1 systemd[1]: kubelet.service failed.
"""
"""Trial 72's 02 and 05 (CentOS 7's systemd 219): its lines tell the unit failed, not how nor why."""


def test_entered_failed_state_leaves_the_headers_exit_and_result_told(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(KUBELET.format(active="failed (Result: timeout)"))
    messages = [message for _, _, message in _read(path)]
    assert messages[-2:] == ["kubelet.service: Main process exited, code=exited, status=255",
                             "kubelet.service: Failed with result 'timeout'."], messages
    assert _incidents(path) == [("systemd-unit-failed", "(kubelet.service)")]  # (one card: one failure)


def test_a_start_limit_in_systemd_229s_words_pages(tmp_path: Path) -> None:
    path = tmp_path / "status.txt"
    path.write_text(KUBELET.format(active="failed (Result: start-limit)"))
    messages = [message for _, _, message in _read(path)]
    assert messages[-2:] == ["kubelet.service: Start request repeated too quickly.",
                             "kubelet.service: Failed with result 'start-limit'."], messages
    assert ("systemd-start-limit-hit", "(kubelet.service)") in _incidents(path)


def test_a_sockets_service_start_limit_is_a_start_limit(tmp_path: Path) -> None:
    """Trial 72's 13: socket.c's SOCKET_FAILURE_SERVICE_START_LIMIT_HIT was a plain unit failure of its own, then a
    critical card of the socket's beside the card of the service the header says failed: it is that service's."""
    path = tmp_path / "journal.txt"
    path.write_text("May 23 19:20:50 pi systemd[1]: docker.socket: Failed with result 'service-start-limit-hit'.\n")
    assert _incidents(path) == [("systemd-start-limit-hit", "(docker.service)")]
    path.write_text(DOCKER.format(glyph="\u25cf ", active="failed (Result: exit-code)").replace("EDT", "UTC")
                    + "\nsudo journalctl -xe\n"
                    "Apr 25 17:37:44 pi systemd[1]: docker.socket: Failed with result 'service-start-limit-hit'.\n")
    assert _incidents(path) == [("systemd-start-limit-hit", "(docker.service)")]  # (one card, 2 min 40 s on)


def test_a_header_alone_is_said_to_be_dated_by_its_since(tmp_path: Path) -> None:
    """stderr said only "no line carries a time ... each line is read as logged at the file's time" of a status
    paste whose failure was told at its header's `since` (a new user found the two at odds: nu240)."""
    path = tmp_path / "status.txt"
    path.write_text(DOCKER.format(glyph="\u25cf ", active="failed (Result: exit-code)"))
    assert "a systemctl status header's failure is told at its Active: line's since" in \
        run_cli("scan", "--file", str(path)).stderr
    plain = tmp_path / "plain.txt"
    plain.write_text("starting worker\nworker ready\n")
    assert "systemctl status" not in run_cli("scan", "--file", str(plain)).stderr


def _card_text(path: Path) -> str:
    """The terminal report's words, the card's borders, its lines' bars and its wrapping taken out."""
    text = run_cli("scan", "--file", str(path)).stdout
    return " ".join(line.strip("│ ╭╰─╮╯") for line in text.splitlines())


def test_a_line_the_header_states_is_not_quoted_as_the_pastes(tmp_path: Path) -> None:
    """Trial 72's 13: the card quoted `docker.service: Failed with result 'exit-code'.` under its bar, a line the
    paste does not hold (its header states it); a card of the paste's own line says nothing of a header."""
    path = tmp_path / "status.txt"
    path.write_text(DOCKER.format(glyph="\u25cf ", active="failed (Result: exit-code)"))
    card = _card_text(path)
    assert "from the systemctl status header, in PID 1's words (no line of the paste says it): " \
           "docker.service: Failed with result 'exit-code'." in card, card
    path.write_text(KUBELET.format(active="failed (Result: start-limit-hit)"))  # (the chain's rows too)
    card = _card_text(path)
    assert "(from the status header) kubelet.service: Start request repeated too quickly." in card, card
    assert "systemd-unit-failed (2 lines) Unit kubelet.service entered failed state." in card, card  # (its own)
    path.write_text(KUBELET.format(active="failed (Result: exit-code)"))  # (the paste's own line first: 02)
    card = _card_text(path)
    assert "fired on: Unit kubelet.service entered failed state. from the systemctl status header, in PID 1's words " \
           "(no line of the paste says it): later:    kubelet.service: Failed with result 'exit-code'." in card, card
    page = tmp_path / "report.html"  # (the --html page's evidence too)
    assert run_cli("scan", "--file", str(path), "--html", str(page)).exit_code == 0
    assert "Failed with result &#x27;exit-code&#x27;. <span class=\"text\">(from the systemctl status header, " \
           "no line of the paste)</span>" in page.read_text()
    told = tmp_path / "journal.txt"
    told.write_text("Jul 29 08:46:32 node1 systemd[1]: kubelet.service: Failed with result 'exit-code'.\n")
    card = _card_text(told)
    assert "kubelet.service: Failed with result 'exit-code'." in card and "status header" not in card, card


NGINX = """\
\u00d7 nginx.service - A high performance web server and a reverse proxy server
     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; preset: enabled)
     Active: failed (Result: exit-code) since Mon 2026-12-07 15:31:12 UTC; 5min ago
   Duration: 2d 3h 14min 7.442s
       Docs: man:nginx(8)
    Process: 48211 ExecStartPre=/usr/sbin/nginx -t -q -g daemon on; master_process on; (code=exited, status=1/FAILURE)
        CPU: 21ms
"""
"""A new user's `systemctl status nginx` pasted alone (nu240's 2), systemd 256's multiplication sign for failed."""


def test_a_header_alone_is_no_line_of_the_file(tmp_path: Path) -> None:
    """nu240's 6: the header's lines were read as the file's, and `Active: failed (Result: exit-code) since ...` was a
    row of excerpt-failure-template under `(status-nginx)` below the card of the failure it states. A line of the
    paste's own after the header is still the file's."""
    path = tmp_path / "status-nginx.txt"
    path.write_text(NGINX)
    done = run_cli("scan", "--file", str(path), "-o", "json")
    matches = [(record["rule"], record["unit"]) for record in map(json.loads, done.stdout.splitlines())
               if record["type"] == "match"]
    assert matches == [("systemd-unit-failed", "(nginx.service)")], matches
    assert "a systemctl status header alone" in done.stderr, done.stderr
    path.write_text(NGINX + "nginx: [emerg] unknown directive \"sever_name\" in /etc/nginx/sites-enabled/shop:3\n")
    assert [message for _, unit, message in _read(path) if unit == "(status-nginx)"] == [
        "nginx: [emerg] unknown directive \"sever_name\" in /etc/nginx/sites-enabled/shop:3"]
    assert "a systemctl status header alone" not in run_cli("scan", "--file", str(path)).stderr
