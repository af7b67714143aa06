"""Apache's error-log lines about one client's request (`[client ADDR:PORT]` in the field Apache writes itself) are
one request's outcome, as an access log's lines are: no rule that judges new templates pages on a web scanner's
403 and 404 probes (trial 74: 62's one `AH01630: client denied by server configuration` was first-error-template
at ERROR, 64's fourteen `AH01264: script not found or unable to stat` new-error-template). A failure of the server
still is one: a line without the field, a line that only says `[client ...]` in its message (the client's words),
a line at crit. And a program's debug lines, turned on at once, are no new-template storm. Real files through
`scan --file` with the shipped rules (engine/client_lines.py, engine/anomaly.py DEBUG_LEVEL)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from conftest import json_events, of_type, run_cli

START = 1596080000.0  # 2020-07-30 03:33:20 UTC
HOUR = 3600.0


def stamp(at: float) -> str:
    """Apache 2.4's `%{u}t`: `Sun Aug 16 03:26:29.985769 2020`."""
    return time.strftime("%a %b %d %H:%M:%S", time.gmtime(at)) + f".{int(at * 1e6) % 1_000_000:06d}" \
        + time.strftime(" %Y", time.gmtime(at))


def restarts(days: int) -> list[tuple[float, str]]:
    """A healthy server's graceful restarts every 6 hours and a PHP warning of a request now and then."""
    lines = []
    for n in range(days * 4):
        at = START + n * 6 * HOUR
        lines += [(at, "[mpm_event:notice] [pid 28980:tid 139737438513280] AH00492: caught SIGWINCH, shutting down "
                       "gracefully"),
                  (at + 5, "[ssl:warn] [pid 3520:tid 140416515348608] AH01909: RSA certificate configured for "
                           "default:443 does NOT include an ID which matches the server name"),
                  (at + 6, "[mpm_event:notice] [pid 3520:tid 140416515348608] AH00489: Apache/2.4.6 (CentOS) "
                           "OpenSSL/1.0.2k-fips configured -- resuming normal operations"),
                  (at + 7, "[core:notice] [pid 3520:tid 140416515348608] AH00094: Command line: '/usr/sbin/httpd -D "
                           "FOREGROUND'"),
                  (at + 3 * HOUR, f"[php7:warn] [pid {4000 + n}] [client 192.168.178.201:{50000 + n}] PHP Warning:  "
                                  f"Undefined array key \"hw\" in /var/www/app/view.php on line 235")]
    return lines


def scan(tmp_path: Path, lines: list[tuple[float, str]], name: str = "error_log") -> list[dict[str, Any]]:
    path = tmp_path / name
    path.write_text("".join(f"[{stamp(at)}] {text}\n" for at, text in sorted(lines)))
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    return of_type(json_events(result), "incident")


def probes(at: float, message: str, client: bool = True) -> list[tuple[float, str]]:
    """Fourteen lines in two minutes, as one scanner's requests make them (or the server's own, without client)."""
    return [(at + n * 9, f"[cgid:error] [pid {5748 + n % 3}:tid 13973689509248{n % 10}] "
                         + (f"[client 147.139.129.213:{46050 + 2 * n}] " if client else "") + message)
            for n in range(14)]


def test_a_scanners_probes_in_the_error_log_are_no_incident(tmp_path: Path) -> None:
    """Two days of restarts, then one scanner's 14 requests for a CGI script that is not there (trial 74's 64)."""
    scanner = probes(START + 40 * HOUR, "AH01264: script not found or unable to stat: /var/www/cgi-binkerbynet")
    assert scan(tmp_path, restarts(2) + scanner) == []
    errors = json_events(run_cli("scan", "--file", str(tmp_path / "error_log"), "-p", "err", "-o", "json"))
    assert of_type(errors, "summary")[0]["entries"] == 14  # (their level stays: `-p err`, the error share)


def test_the_same_lines_without_apaches_client_field_are_an_incident(tmp_path: Path) -> None:
    """The server's own error (no request: ap_log_error) is judged as before; so is one whose client field is only
    in the message, where a client's own text is (a request URI of `/[client 1.2.3.4:80] `)."""
    server = probes(START + 40 * HOUR, "AH01264: script not found or unable to stat: /var/www/cgi-binkerbynet",
                    client=False)
    assert [incident["rule"] for incident in scan(tmp_path, restarts(2) + server)] == ["new-error-template"]
    forged = probes(START + 40 * HOUR, "AH01264: script not found or unable to stat: /var/www/cgi-bin/[client "
                                       "1.2.3.4:80] x", client=False)
    assert [incident["rule"] for incident in scan(tmp_path, restarts(2) + forged)] == ["new-error-template"]


def test_one_denied_request_in_a_clean_server_is_no_first_error(tmp_path: Path) -> None:
    """A week of a clean server's log, then a bot's request for `/.env.bak` (trial 74's 62): a 403. A line of the
    server's own at error in its place is first-error-template's."""
    denied = (START + 150 * HOUR, "[authz_core:error] [pid 968] [client 179.43.191.162:52852] AH01630: client denied "
                                  "by server configuration: /var/www/emoncms/.env.bak")
    assert scan(tmp_path, [*restarts(7), denied]) == []
    own = (START + 150 * HOUR, "[core:error] [pid 968] (13)Permission denied: AH00035: access to /index.php denied "
                               "(filesystem path '/var/www/app') because search permissions are missing")
    assert [incident["rule"] for incident in scan(tmp_path, [*restarts(7), own])] == ["first-error-template"]
    with_status = (own[0], "[core:error] [pid 968] (13)Permission denied: [client 179.43.191.162:52852] AH00035: "
                           "access to /index.php denied (filesystem path '/var/www/app') because search permissions "
                           "are missing")
    assert scan(tmp_path, [*restarts(7), with_status]) == []


def test_a_request_line_at_crit_is_still_judged(tmp_path: Path) -> None:
    """core's AH00529 (an .htaccess the server cannot read: every request under it fails) is logged for a request,
    at crit: Apache's word that the server is broken."""
    crit = (START + 40 * HOUR, "[core:crit] [pid 968] (13)Permission denied: [client 10.0.0.7:52852] AH00529: "
                               "/var/www/app/.htaccess pcfg_openfile: unable to check htaccess file, ensure it is "
                               "readable and that '/var/www/app/' is executable")
    assert [incident["rule"] for incident in scan(tmp_path, [*restarts(2), crit])] == ["new-fatal-template"]


def debug_storm(level: str) -> list[tuple[float, str]]:
    """A day and a half of a quiet server's lines, then 400 lines in 15 minutes of a template it never logged."""
    turned_on = START + 36 * HOUR
    return [*restarts(2), *((turned_on + n * 2.25, f"[watchdog:{level}] [pid 812] AH02981: Watchdog: Created "
                                                   f"mutex for worker {n % 7} in child {812 + n % 3}")
                            for n in range(400))]


def test_debug_lines_turned_on_are_no_template_storm(tmp_path: Path) -> None:
    """LogLevel debug turned on (trial 74's 62 at 20:42): every request's debug lines are new. The same lines at
    notice are a storm."""
    assert scan(tmp_path, debug_storm("debug")) == []
    assert [incident["rule"] for incident in scan(tmp_path, debug_storm("notice"))] == ["new-template-storm"]


def test_apache_22s_layout_is_read_too(tmp_path: Path) -> None:
    """2.2's `[%t] [%l] [client %a] ` (no module, pid nor port; server/log.c log_error_core): core's `File does not
    exist` for a scanner's 14 requests is no incident; the server's own `[error]` lines are."""
    def lines(client: str) -> list[tuple[float, str]]:
        quiet = [line for n in range(8) for line in (
            (START + n * 6 * HOUR, "[notice] Graceful restart requested, doing restart"),
            (START + n * 6 * HOUR + 1, "[notice] Apache/2.2.22 (Ubuntu) PHP/5.4.4 configured -- resuming normal "
                                       "operations"))]
        return quiet + [(START + 40 * HOUR + n * 9, f"[error] {client}File does not exist: /var/www/wp-login{n}.php")
                        for n in range(14)]

    def scan22(name: str, lines: list[tuple[float, str]]) -> list[dict[str, Any]]:
        path = tmp_path / name
        path.write_text("".join(time.strftime("[%a %b %d %H:%M:%S %Y] ", time.gmtime(at)) + text + "\n"
                                for at, text in sorted(lines)))
        return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")

    assert scan22("client.log", lines("[client 147.139.129.213] ")) == []
    assert [incident["rule"] for incident in scan22("server.log", lines(""))] == ["new-error-template"]
