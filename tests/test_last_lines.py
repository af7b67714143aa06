"""A failure only systemd told (its rules all systemd's) shows its program's last lines before it: the program's
own account of why, which matched no rule (sources/last_lines.py). helper-125's trial of docker/for-linux#584:
dockerd wrote `failed to start daemon: ... context deadline exceeded` on stderr (priority 6, no level word) and the
card quoted PID 1's "Failed with result 'exit-code'." alone. Real journal files (systemd-journal-remote), where the
lines no rule can match come summarised and are read back from the journal, and journalctl's text."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import BASE_USEC, entry, json_events, of_type, run_cli

from logsentry.sources.last_lines import UnitLines

UNIT = "docker.service"
RUN = "7" * 32
# (a cause no signature names: dockerd-containerd-start-failed names the containerd socket's, and leads its card)
WHY = "failed to start daemon: Error initializing network controller: list bridge addresses failed: no network"


def pid1(message: str, at: float, priority: int = 4) -> dict[str, Any]:
    return entry(message, unit=None, at=at, priority=priority, _PID="1", _UID="0", _SYSTEMD_UNIT="init.scope",
                 SYSLOG_IDENTIFIER="systemd", UNIT=UNIT, INVOCATION_ID=RUN)


def dockerd(message: str, at: float) -> dict[str, Any]:
    return entry(message, unit=UNIT, at=at, priority=6, _PID="4120", SYSLOG_IDENTIFIER="dockerd",
                 _SYSTEMD_INVOCATION_ID=RUN)


def failed_start(chatter: int = 0) -> list[dict[str, Any]]:
    """dockerd starts, another unit chatters meanwhile, dockerd gives up after 20 s; PID 1 reports it."""
    return [pid1("Starting docker.service - Docker Application Container Engine...", 1, 6),
            dockerd('time="2019-07-02T10:11:01.112Z" level=info msg="Starting up"', 1.1),
            *(entry(f"GET /health 200 {n}", unit="web.service", at=2 + n / 10) for n in range(chatter)),
            dockerd(WHY, 21),
            pid1(f"{UNIT}: Main process exited, code=exited, status=1/FAILURE", 21.01, 5),
            pid1(f"{UNIT}: Failed with result 'exit-code'.", 21.02),
            pid1("Failed to start docker.service - Docker Application Container Engine.", 21.03, 3),
            dockerd("this line came after the failure", 40)]


def test_a_journal_failure_told_by_systemd_shows_its_programs_last_lines(make_journal: Any) -> None:
    done = run_cli("scan", "--file", str(make_journal(failed_start(chatter=300))), "-o", "json")
    assert done.exit_code == 0, done.output
    [end] = of_type(json_events(done), "incident_end")
    assert end["rule"] == "systemd-unit-failed", end
    said = [(line["realtime_usec"], line["message"]) for line in end["last_lines"]]
    assert said == [(BASE_USEC + 1_100_000, 'time="2019-07-02T10:11:01.112Z" level=info msg="Starting up"'),
                    (BASE_USEC + 21_000_000, WHY)], said  # its own program's, none of PID 1's, nothing after


def test_the_card_shows_them_and_not_when_a_rule_quoted_the_programs_words(make_journal: Any) -> None:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(make_journal(failed_start()))],
                            capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    words = " ".join(line.strip("│ ") for line in report.splitlines())
    assert "its program's last lines before it:" in words and WHY in words, report
    # A failure whose chain has a program's line (a rule matched it) tells it already: not among its last lines,
    # which show the rest (each line on its own: rough edge 65's 3).
    panic = "panic: runtime error: invalid memory address or nil pointer dereference"
    done = run_cli("scan", "--file", str(make_journal([*failed_start(), dockerd(panic, 20.9)])), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert panic in [link["message"] for link in end["chain"]], end
    assert [line["message"] for line in end["last_lines"]] == [
        'time="2019-07-02T10:11:01.112Z" level=info msg="Starting up"', WHY], end


def test_a_pasted_journalctl_text_names_the_program_not_the_service(tmp_path: Path) -> None:
    """In text, dockerd's lines are "(dockerd)" and PID 1's about it "(docker.service)": the program whose name and
    the service's begin alike stands in, on the same host."""
    lines = []
    for item in failed_start(chatter=3):
        at = (int(item["__REALTIME_TIMESTAMP"]) - BASE_USEC) / 1e6
        who = {"1": "systemd[1]", "4120": "dockerd[4120]"}.get(str(item.get("_PID")), "gunicorn[77]")
        lines.append(f"Jul 02 10:11:{at:06.3f} host1 {who}: {item['MESSAGE']}")
    paste = tmp_path / "docker.txt"
    paste.write_text("\n".join(lines) + "\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert [line["message"] for line in end["last_lines"]][-1] == WHY, end
    assert not any("GET /health" in line["message"] for line in end["last_lines"]), end


def test_the_html_card_shows_them_in_chromium(make_journal: Any, tmp_path: Path) -> None:
    """scan --html's card has them too, as headless Chromium renders the page (text, escaped)."""
    from test_html_report import CHROMIUM, _open  # (the page as a real browser reads it)

    if CHROMIUM is None:
        raise AssertionError("chromium is needed (scripts/setup installs it)")
    page = tmp_path / "report.html"
    done = run_cli("scan", "--file", str(make_journal(failed_start())), "--html", str(page))
    assert done.exit_code == 0, done.output
    dom, _ = _open(page, tmp_path / "page")
    assert "its program's last lines before it:" in dom
    assert WHY.replace('"', "&quot;") in dom or WHY in dom, dom[-3000:]


def test_a_last_line_of_several_lines_is_shown_on_one(make_journal: Any) -> None:
    """A MESSAGE with a newline (a program's multi-line stderr write) is one card line, as the card's other lines
    are (views/fit.wrapped: the line made visible on one line), not a row broken across the panel."""
    lines = failed_start()
    lines[3] = dockerd(WHY + "\nhint: is containerd running?", 21)
    env = {**os.environ, "COLUMNS": "200", "TERM": "dumb", "NO_COLOR": "1"}
    report = subprocess.run([sys.executable, "-m", "logsentry", "scan", "--file", str(make_journal(lines))],
                            capture_output=True, text=True, env=env, timeout=60, check=True).stdout
    assert f"{WHY} ⏎ hint: is containerd running?" in report, report


SAME_SECOND = ["zebra: first line", "mango: second line", "apple: third line, could not open key: permission denied"]


def test_a_pastes_lines_of_one_second_keep_their_order(tmp_path: Path) -> None:
    """A paste's lines of one second are shown as they were read, not sorted by their text: the program's last
    word (here "apple: ...") last. Its lines are "(myapp)", the failure's "(myapp.service)" (the program stands in)."""
    paste = tmp_path / "order.txt"
    paste.write_text("Jul 02 09:00:00 web01 systemd[1]: Starting myapp.service - My App...\n"
                     + "".join(f"Jul 02 09:00:01 web01 myapp[1234]: {line}\n" for line in SAME_SECOND)
                     + "Jul 02 09:00:01 web01 systemd[1]: myapp.service: Main process exited, code=exited, "
                     "status=1/FAILURE\nJul 02 09:00:01 web01 systemd[1]: myapp.service: Failed with result "
                     "'exit-code'.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert [line["message"] for line in end["last_lines"]] == SAME_SECOND, end


def test_a_journals_lines_of_one_time_keep_their_order(make_journal: Any) -> None:
    """The same from a journal file (read back in the journal's order; a guard: it never sorted)."""
    lines = failed_start()
    lines[1:2] = [dockerd(line, 21) for line in SAME_SECOND]
    done = run_cli("scan", "--file", str(make_journal(lines)), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert [line["message"] for line in end["last_lines"]] == [*SAME_SECOND, WHY], end


def test_a_pastes_other_program_named_alike_is_not_the_services(tmp_path: Path) -> None:
    """nginx.service failed (PID 1's lines): its program is "(nginx)", not "(nginx-exporter)", a program of its own
    whose name begins alike; the card quoted the exporter's lines, the last of them as nginx's last word."""
    paste = tmp_path / "nginx.txt"
    paste.write_text("Dec  4 10:00:00 web1 nginx[100]: starting up\n"
                     "Dec  4 10:00:01 web1 nginx[100]: giving up: config reload refused\n"
                     "Dec  4 10:00:01 web1 nginx-exporter[300]: level=info msg=\"scrape ok\"\n"
                     "Dec  4 10:00:02 web1 nginx-exporter[300]: level=info msg=\"client said: all is fine\"\n"
                     "Dec  4 10:00:02 web1 systemd[1]: nginx.service: Main process exited, code=exited, "
                     "status=1/FAILURE\n"
                     "Dec  4 10:00:02 web1 systemd[1]: nginx.service: Failed with result 'exit-code'.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert [line["message"] for line in end["last_lines"]] == ["starting up", "giving up: config reload refused"], end


def test_programs_alike_a_service() -> None:
    from logsentry.engine.failure_model import named_alike as _alike

    assert all(_alike(stem, program) for stem, program in (
        ("docker", "dockerd"), ("mysql", "mysqld"), ("postgresql", "postgres"), ("ceph-osd@8", "ceph-osd"),
        ("api", "api"), ("ssh", "sshd"), ("ntp", "ntpd")))
    assert not any(_alike(stem, program) for stem, program in (
        ("nginx", "nginx-exporter"), ("nginx-exporter", "nginx"), ("containerd", "containerd-shim"), ("app", "apps"),
        ("api", "apid2"), ("ab", "abd"), ("ssh", "sshx"), ("api", "web")))


def test_add_line_keeps_what_add_keeps() -> None:
    """UnitLines.add_line (the service's per entry in full) against add of one line: the same lines per unit, the
    same units in the same order, past `keep` lines a unit and `max_units` units (the first kept going first)."""
    rng = random.Random(7)
    one, many = UnitLines(), UnitLines()
    for at in range(3000):
        key = f"m{rng.randrange(3)}/u{rng.randrange(10)}.service"
        line = (at, f"line {at}")
        one.add_line(key, line, 4, 25)
        many.add(((key, [line]),), 4, 25)
        assert list(one) == list(many)
    assert {key: list(lines) for key, lines in one.items()} == {key: list(lines) for key, lines in many.items()}
    assert len(one) == 25 and max(len(lines) for lines in one.values()) == 4


def test_a_restarted_runs_first_line_in_the_seconds_of_its_restart_is_not_the_failed_runs(tmp_path: Path) -> None:
    """A paste's whole seconds tie: mariadbd's restarted run wrote its first line in the second of systemd's
    "Scheduled restart job", the failure's latest line, but after it. It is not the killed run's last word (a new
    user's card showed "Starting MariaDB ... as process 9120" under the OOM kill of process 2211); a line of that
    second read before systemd's line is. (No line of the killed PID 2211 here: the kernel's OOM line would join it
    and lead, and a failure a rule names shows no last lines.)"""
    paste = tmp_path / "mariadb.txt"
    paste.write_text(
        "Dec 04 11:14:02 db01 kernel: Out of memory: Killed process 2211 (mariadbd) total-vm:9834520kB, "
        "anon-rss:7612344kB, file-rss:0kB, shmem-rss:0kB, UID:106 pgtables:15360kB oom_score_adj:0\n"
        "Dec 04 11:14:02 db01 systemd[1]: mariadb.service: A process of this unit has been killed by the OOM "
        "killer.\n"
        "Dec 04 11:14:02 db01 systemd[1]: mariadb.service: Main process exited, code=killed, status=9/KILL\n"
        "Dec 04 11:14:02 db01 systemd[1]: mariadb.service: Failed with result 'oom-kill'.\n"
        "Dec 04 11:14:07 db01 mariadbd[2300]: helper process: shutting down\n"
        "Dec 04 11:14:07 db01 systemd[1]: mariadb.service: Scheduled restart job, restart counter is at 1.\n"
        "Dec 04 11:14:07 db01 systemd[1]: Starting mariadb.service - MariaDB 10.11.4 database server...\n"
        "Dec 04 11:14:07 db01 mariadbd[9120]: 2026-12-04 11:14:07 0 [Note] Starting MariaDB 10.11.4 as process "
        "9120\n"
        "Dec 04 11:14:12 db01 mariadbd[9120]: 2026-12-04 11:14:12 0 [Note] /usr/sbin/mariadbd: ready for "
        "connections.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    said = [line["message"] for line in end.get("last_lines", [])]
    assert said[-1] == "helper process: shutting down", end
    assert not any("as process 9120" in line for line in said), end
