"""A pasted service whose program goes by another name is one unit, as in its journal (engine/failure_model.py
TextServices): mariadb.service's program writes as `mariadbd[2211]:`, postgresql@15-main's as `postgres`. A new
user's paste of `journalctl -u mariadb` gave two cards for one failure, `(mariadbd) ...` and `(mariadb.service)
systemd-unit-failed`."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

FAILED = ("Dec 05 10:00:00 db02 systemd[1]: Starting mariadb.service - MariaDB 10.11 database server...\n"
          "Dec 05 10:00:01 db02 mariadbd[2211]: 2026-12-05 10:00:01 0 [ERROR] mariadbd: Disk full "
          "(/var/lib/mysql/#sql_1_1.MAI); waiting for someone to free some space... (errno: 28 \"No space left on "
          "device\")\n"
          "Dec 05 10:00:02 db02 mariadbd[2211]: 2026-12-05 10:00:02 0 [ERROR] Aborting\n"
          "Dec 05 10:00:03 db02 systemd[1]: mariadb.service: Main process exited, code=exited, status=1/FAILURE\n"
          "Dec 05 10:00:03 db02 systemd[1]: mariadb.service: Failed with result 'exit-code'.\n"
          "Dec 05 10:00:03 db02 systemd[1]: Failed to start mariadb.service - MariaDB 10.11 database server.\n")


def incidents(path: Path) -> list[dict[str, object]]:
    done = run_cli("scan", "--file", str(path), "-o", "json")
    return of_type(json_events(done), "incident")


def test_a_service_and_its_program_named_alike_are_one_failure(tmp_path: Path) -> None:
    paste = tmp_path / "mariadb.txt"
    paste.write_text(FAILED)
    [incident] = incidents(paste)
    assert incident["unit"] == "(mariadb.service)", incident
    assert {"disk-full", "systemd-unit-failed"} <= {str(link["rule"]) for link in incident["chain"]}, incident


def test_a_program_named_alike_to_its_service_joins_it_whichever_comes_first(tmp_path: Path) -> None:
    """Debian's pg_ctlcluster logs under the unit's own name (`postgresql@15-main[6095]: pg_ctl: could not start
    server`), the server as `postgres`: one failure of postgresql@15-main.service, not postgres-startup-failed on
    `(postgres)` and systemd-unit-failed apart (a new user's paste)."""
    paste = tmp_path / "pg.txt"
    paste.write_text(
        "Dec 05 18:10:00 db3 systemd[1]: Starting postgresql@15-main.service - PostgreSQL Cluster 15-main...\n"
        "Dec 05 18:10:01 db3 postgres[6100]: 2026-12-05 18:10:01.200 UTC [6100] FATAL:  could not map anonymous "
        "shared memory: Cannot allocate memory\n"
        "Dec 05 18:10:01 db3 postgresql@15-main[6095]: pg_ctl: could not start server\n"
        "Dec 05 18:10:01 db3 systemd[1]: postgresql@15-main.service: Failed with result 'protocol'.\n")
    assert [str(i["unit"]) for i in incidents(paste)] == ["(postgresql@15-main.service)"]


def test_a_program_of_its_own_named_alike_is_not_the_service(tmp_path: Path) -> None:
    """`mariadb-exporter` goes on after a separator: a program of its own (named_alike), its failure its own (with
    another program beside it: the host's one program would be the service's)."""
    paste = tmp_path / "exporter.txt"
    paste.write_text("Dec 05 09:59:00 db02 cron[77]: (root) CMD (true)\n"
                     + FAILED.replace("mariadbd[2211]", "mariadb-exporter[2211]"))
    assert sorted(str(i["unit"]) for i in incidents(paste)) == ["(mariadb-exporter)", "(mariadb.service)"]


def test_two_programs_named_alike_join_neither(tmp_path: Path) -> None:
    """Which of two programs named alike is the service's the text does not say: neither is joined (each program's
    join is fixed when its first line of a rule comes: both are read before it here)."""
    paste = tmp_path / "two.txt"
    paste.write_text(FAILED.replace("Dec 05 10:00:01 db02 mariadbd[2211]",
                                    "Dec 05 10:00:00 db02 mariadbdump[77]: started\n"
                                    "Dec 05 10:00:01 db02 mariadbd[2211]"))
    assert sorted(str(i["unit"]) for i in incidents(paste)) == ["(mariadb.service)", "(mariadbd)"]


BILLING = ("Dec 05 14:02:15 app3 java[4341]: 2026-12-05T14:02:15.512Z ERROR 4341 --- [exec-7] o.a.c.C : Servlet threw\n"
           "Dec 05 14:02:15 app3 java[4341]: java.lang.OutOfMemoryError: Java heap space\n"
           "Dec 05 14:02:16 app3 java[4341]: Terminating due to java.lang.OutOfMemoryError: Java heap space\n"
           "Dec 05 14:02:16 app3 systemd[1]: billing.service: Main process exited, code=exited, status=3/NOTIMPL\n"
           "Dec 05 14:02:16 app3 systemd[1]: billing.service: Failed with result 'exit-code'.\n")


def test_one_program_and_one_service_of_a_host_are_one_failure(tmp_path: Path) -> None:
    """`journalctl -u billing` of a service whose program is `java`: its lines and PID 1's about billing alone (a new
    user's trial: `(java) jvm-out-of-memory` and `(billing.service) systemd-unit-failed`, two cards)."""
    paste = tmp_path / "billing.txt"
    paste.write_text(BILLING)
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [incident] = of_type(json_events(done), "incident")
    # under its service's name, as from a journal: a text's name is never restarted, so the failure settles for
    # PID 1's line a second on, not given out at once as "(java)" for the restart its rule suggests
    assert incident["unit"] == "(billing.service)", incident
    [end] = of_type(json_events(done), "incident_end")  # (its chain as it ended: systemd's line came after it fired)
    assert {"jvm-out-of-memory", "systemd-unit-failed"} <= {str(link["rule"]) for link in end["chain"]}, end
    # and its card tells how the program ended, from PID 1's line about billing (main_exits joins as failures do)
    report = " ".join(run_cli("scan", "--file", str(paste)).stdout.split())
    assert "main process: exited with status 3/NOTIMPL" in report, report


def test_two_programs_and_one_service_are_not_guessed_at(tmp_path: Path) -> None:
    """With another program beside it, which one is billing's the text does not say."""
    paste = tmp_path / "syslog"
    paste.write_text("Dec 05 14:02:14 app3 cron[77]: (root) CMD (run-parts /etc/cron.hourly)\n" + BILLING)
    assert sorted(str(i["unit"]) for i in incidents(paste)) == ["(billing.service)", "(java)"]


def test_a_short_name_is_its_services_program(tmp_path: Path) -> None:
    """api.service's `api[1234]:` lines are its program's last lines (named_alike asked 4 characters of equal names
    too: the card had none), and sshd is ssh.service's program (one card for its failure, not two)."""
    paste = tmp_path / "api.txt"
    paste.write_text("Dec 04 09:00:00 web01 systemd[1]: Starting api.service - API...\n"
                     "Dec 04 09:00:01 web01 api[1234]: could not open /etc/api/key.pem: permission denied\n"
                     "Dec 04 09:00:01 web01 systemd[1]: api.service: Main process exited, code=exited, "
                     "status=1/FAILURE\n"
                     "Dec 04 09:00:01 web01 systemd[1]: api.service: Failed with result 'exit-code'.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    [end] = of_type(json_events(done), "incident_end")
    assert [line["message"] for line in end["last_lines"]] == ["could not open /etc/api/key.pem: permission denied"]
    ssh = tmp_path / "ssh.txt"
    ssh.write_text("Dec 04 09:00:00 gw1 sshd[812]: error: Bind to port 22 on 0.0.0.0 failed: Address already in use.\n"
                   "Dec 04 09:00:00 gw1 sshd[812]: fatal: Cannot bind any address.\n"
                   "Dec 04 09:00:00 gw1 systemd[1]: ssh.service: Main process exited, code=exited, status=255/EXC\n"
                   "Dec 04 09:00:00 gw1 systemd[1]: ssh.service: Failed with result 'exit-code'.\n"
                   "Dec 04 09:00:00 gw1 nginx[90]: started\n")
    assert [str(i["unit"]) for i in incidents(ssh)] == ["(ssh.service)"]


def test_a_texts_segfault_and_core_dump_join_the_program_that_logged_with_that_pid(tmp_path: Path) -> None:
    """A pasted `journalctl -xe` of one segfault: the kernel's line, systemd-coredump's and PID 1's were three cards
    (in a journal, one: the kernel's PID and COREDUMP_UNIT name the unit). In text the PID joins them to the program
    that logged with it (text's own names: never a real unit, nothing acted on)."""
    paste = tmp_path / "xe.txt"
    paste.write_text(
        "Dec 06 08:41:10 app2 imgproc[7781]: processing batch 4411 (312 files)\n"
        "Dec 06 08:41:12 app2 kernel: imgproc[7781]: segfault at 18 ip 000055d0c1a2b3c4 sp 00007ffd4e1f2a10 error 4 "
        "in imgproc[55d0c1a00000+2c000]\n"
        "Dec 06 08:41:13 app2 systemd-coredump[7791]: Process 7781 (imgproc) of user 998 dumped core.\n"
        "Dec 06 08:41:13 app2 systemd[1]: imgproc.service: Main process exited, code=dumped, status=11/SEGV\n"
        "Dec 06 08:41:13 app2 systemd[1]: imgproc.service: Failed with result 'core-dump'.\n")
    done = run_cli("scan", "--file", str(paste), "-o", "json")
    assert len(of_type(json_events(done), "incident")) == 1, done.stdout
    [end] = of_type(json_events(done), "incident_end")
    assert end["unit"] == "(imgproc.service)", end
    assert {"kernel-segfault", "systemd-coredump", "systemd-unit-failed"} <= {str(link["rule"]) for link in
                                                                                end["chain"]}, end
    other = tmp_path / "other.txt"  # a PID no program of the text logged with: the kernel's line stays its own
    other.write_text(paste.read_text().replace("imgproc[7781]: processing", "imgproc[7000]: processing"))
    assert len(of_type(json_events(run_cli("scan", "--file", str(other), "-o", "json")), "incident")) >= 2
