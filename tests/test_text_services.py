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


def test_a_program_of_its_own_named_alike_is_not_the_service(tmp_path: Path) -> None:
    """`mariadb-exporter` goes on after a separator: a program of its own (named_alike), its failure its own."""
    paste = tmp_path / "exporter.txt"
    paste.write_text(FAILED.replace("mariadbd[2211]", "mariadb-exporter[2211]"))
    assert sorted(str(i["unit"]) for i in incidents(paste)) == ["(mariadb-exporter)", "(mariadb.service)"]


def test_two_programs_named_alike_join_neither(tmp_path: Path) -> None:
    """Which of two programs named alike is the service's the text does not say: neither is joined."""
    paste = tmp_path / "two.txt"
    paste.write_text(FAILED.replace("Dec 05 10:00:02 db02 mariadbd[2211]",
                                    "Dec 05 10:00:02 db02 mariadbd[2211]: started\n"
                                    "Dec 05 10:00:02 db02 mariadbdump[77]: 2026-12-05 10:00:02 0 [ERROR] x\n"
                                    "Dec 05 10:00:02 db02 mariadbd[2211]"))
    assert sorted(str(i["unit"]) for i in incidents(paste)) == ["(mariadb.service)", "(mariadbd)"]
