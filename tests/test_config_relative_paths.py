"""A relative path in the site config (journal_directory, state_dir, rules, metrics.textfile) is taken from the
config file's directory, wherever the command runs: helper U's `config check` passed in the config's directory
and failed from `/`, where the service runs (its unit's working directory), so the check and the service
disagreed about which directory the service reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFIG = 'journal_directory = "remote"\nstate_dir = "state"\nrules = ["local-rules"]\n' \
         '[metrics]\ntextfile = "metrics/logsentry.prom"\n'


def _logsentry(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logsentry", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, timeout=60)


def test_relative_paths_are_the_config_files_wherever_the_check_runs(tmp_path: Path) -> None:
    site = tmp_path / "etc"
    site.mkdir()
    (site / "remote").mkdir()
    (site / "local-rules").mkdir()
    config = site / "logsentry.toml"
    config.write_text(CONFIG)
    config.chmod(0o600)
    for cwd in (Path("/"), site, tmp_path):
        done = _logsentry(cwd, "config", "check", "-c", str(config))
        assert done.returncode == 0, (cwd, done.stderr)
        out = done.stdout.splitlines()
        # (an empty directory: "..., none there yet: logsentry run waits for the first")
        assert any(line.startswith(f"journal: {site / 'remote'} (journal_directory: its hosts' journal files")
                   for line in out), (cwd, out)
        assert f"state directory: {site / 'state'}" in out, (cwd, out)
        assert any(line.startswith("rule directories: ") and line.endswith(f", {site / 'local-rules'}")
                   for line in out), (cwd, out)
        assert f"metrics: {site / 'metrics' / 'logsentry.prom'}" in out, (cwd, out)


def test_the_service_reads_the_directory_the_check_names(tmp_path: Path) -> None:
    """`run` from `/` (as under systemd) and `config check` from elsewhere name the same missing directory."""
    site = tmp_path / "etc"
    site.mkdir()
    (site / "local-rules").mkdir()
    config = site / "logsentry.toml"
    config.write_text(CONFIG)
    config.chmod(0o600)
    missing = site / "remote"
    checked = _logsentry(tmp_path, "config", "check", "-c", str(config))
    assert checked.returncode == 2
    assert f"{config}: journal_directory {missing} is not a directory" in checked.stderr, checked.stderr
    ran = _logsentry(Path("/"), "run", "-c", str(config))
    assert ran.returncode == 2
    assert f"cannot start: journal_directory {missing} is not a directory" in ran.stderr, ran.stderr
