"""A user's own units (`user@1000.service/pipewire.service`) in the commands around a scan: config check and silences
naming the subject a bare name meant, 'did you mean' suggesting only subjects an entry holds, and the tables that
show the subject whole at 80 columns (helper-165's trial). Journal files written by systemd-journal-remote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import entry, run_cli
from test_screening import write_journal
from test_user_units import user


def test_config_check_names_the_user_unit_a_watch_of_its_bare_name_meant(tmp_path: Path) -> None:
    """`units = ["pipewire"]` is pipewire.service, which no entry names: the journal holds a user's own
    `user@1000.service/pipewire.service`. config check says so, as `scan -u pipewire` does; a name it holds is
    not noted, nor a glob."""
    journal = tmp_path / "journal"
    journal.mkdir()
    write_journal(journal, "user", [user("spa.alsa: xrun", 1.0, "pipewire.service"),
                                    entry("GET / 200", unit="nginx.service", at=2.0)])
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{journal}"\n'
                      '[[watch]]\nunits = ["pipewire", "nginx", "web-*"]\n')
    config.chmod(0o600)
    done = subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stdout.splitlines() if line.startswith("note:")]
    assert notes == ["note: watch #1 (line 3): units: no entry of pipewire.service in this journal (did you mean "
                     "user@1000.service/pipewire.service?): the watch covers it once it logs"], done.stdout


def test_a_silence_of_a_bare_name_says_the_user_unit_it_may_have_meant(tmp_path: Path) -> None:
    """`silence add -u pipewire` silences pipewire.service, which nothing is: it says so, with the user's own unit
    the journal names (a new user's trial: a silence that silenced nothing, silently)."""
    journal = tmp_path / "journal"
    journal.mkdir()
    write_journal(journal, "user", [user("spa.alsa: xrun", 1.0, "pipewire.service")])
    (tmp_path / "state").mkdir()
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\njournal_directory = "{journal}"\n')
    config.chmod(0o600)
    made = run_cli("silence", "add", "-c", str(config), "-u", "pipewire", "--for", "1h", "--comment", "test")
    assert made.exit_code == 0, made.output
    assert "note: no entry of pipewire.service in this journal (did you mean user@1000.service/pipewire.service?): " \
           "the silence covers it once it logs" in made.stderr, made.stderr


def test_did_you_mean_suggests_only_subjects_an_entry_holds(tmp_path: Path) -> None:
    """A user manager's unit and dockerd's container are pairs the journal holds apart: `user@1000.service/web`
    (docker.service's web) and `docker.service/pipewire.service` (a user's unit) were suggested though no entry
    is either (helper-165's trial, F29)."""
    write_journal(tmp_path, "mixed", [
        user("spa.alsa: xrun", 1.0, "pipewire.service"),
        entry("GET / 200", unit="docker.service", at=2.0, _COMM="dockerd", CONTAINER_NAME="web")])
    for asked, meant in (("user@1000.service/pipewire", "user@1000.service/pipewire.service"),
                         ("docker.service/webb", "docker.service/web, docker.service")):
        result = run_cli("scan", "-D", str(tmp_path), "-u", asked, "--no-anomalies")
        assert f"no entry of {asked} in this journal (did you mean {meant}?)" in result.stderr, result.stderr


def test_baseline_show_at_80_columns_keeps_unit_names_and_headers_whole(tmp_path: Path) -> None:
    """The name is what `-u` takes: `user@1000.service/pipewire.servi…` and headers cut to `entr…` at 80 columns
    (a new user's trial, F9)."""
    journal = tmp_path / "journal"
    journal.mkdir()
    write_journal(journal, "user", [user(f"spa.alsa: xrun {n}", n * 60.0, "pipewire.service") for n in range(30)])
    state = tmp_path / "state"
    learnt = run_cli("baseline", "learn", "--state-dir", str(state), "-D", str(journal), "--since", "@0")
    assert learnt.exit_code == 0, learnt.output
    shown = subprocess.run([sys.executable, "-m", "logsentry", "baseline", "show", "--state-dir", str(state)],
                           capture_output=True, text=True, timeout=60, check=True,
                           env={**os.environ, "COLUMNS": "80"})
    [header] = [row for row in shown.stdout.splitlines() if row.startswith("unit ")]
    assert header.split() == ["unit", "host", "entries", "errors", "history", "templates"], shown.stdout
    [row] = [row for row in shown.stdout.splitlines() if row.startswith("user@")]
    assert row.split() == ["user@1000.service/pipewire.service", "-", "30", "0", "29m", "1"], row
    assert max(map(len, shown.stdout.splitlines())) <= 80, shown.stdout


def test_the_below_threshold_table_breaks_a_subject_after_its_unit(tmp_path: Path) -> None:
    """At 80 columns `user@1000.service/pipewire.service` was folded mid-word over three lines (`user@1000.servic`,
    `e/pipewire.servi`, `ce`): it breaks after its unit now, each half whole."""
    write_journal(tmp_path, "few", [user(f"spa.alsa: hw:0: xrun recovery failed {n}: Broken pipe", n * 1.0,
                                         "pipewire.service", priority=3) for n in range(3)])
    shown = subprocess.run([sys.executable, "-m", "logsentry", "scan", "-D", str(tmp_path), "--no-anomalies"],
                           capture_output=True, text=True, timeout=60, check=True,
                           env={**os.environ, "COLUMNS": "80"})
    table = shown.stdout.partition("Matches below their trigger threshold")[2]
    cells = [row.split("│")[1].strip() for row in table.splitlines() if row.startswith("│")]
    assert cells[:2] == ["user@1000.service/", "pipewire.service"], shown.stdout
