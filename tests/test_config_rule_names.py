"""The config's rule names against the rules there are (config_rules.py): a typo in `disabled_rules` or in a
watch's `rules` is said, with the id it probably meant, by `config check` (a warning: exit 0)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def check(tmp_path: Path, text: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "c.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n' + text)
    config.chmod(0o600)
    return subprocess.run([sys.executable, "-m", "logsentry", "config", "check", "-c", str(config)],
                          capture_output=True, text=True, timeout=60, check=False)


def test_typos_in_rule_names_are_said_with_what_they_probably_meant(tmp_path):
    done = check(tmp_path, 'disabled_rules = ["error-brust", "kernel-oom-kill"]\n[[watch]]\nunits = ["nginx"]\n'
                           'rules = ["nginx-emreg", "kernel-*", "zzz-*", "host-went-silent"]\n')
    assert done.returncode == 0, done.stderr
    config = tmp_path / "c.toml"
    lines = [line for line in done.stderr.splitlines() if "rule" in line]
    assert lines == [
        f"{config}: warning: disabled_rules: no rule has the id 'error-brust' (did you mean 'error-burst'?): "
        "nothing is disabled by it",
        f"{config}: warning: watch #1 (line 3): rules: 'nginx-emreg' matches no rule (did you mean 'nginx-emerg'?): "
        "the watch covers nothing by it",
        f"{config}: warning: watch #1 (line 3): rules: 'zzz-*' matches no rule: the watch covers nothing by it"], \
        done.stderr


def test_right_names_and_a_disabled_rule_in_a_watch_are_no_warning(tmp_path):
    done = check(tmp_path, 'disabled_rules = ["error-burst"]\n[[watch]]\nunits = ["*"]\n'
                           'rules = ["error-burst", "ghc-*"]\n')
    assert done.returncode == 0 and "warning" not in done.stderr, done.stderr
