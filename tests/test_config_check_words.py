"""`logsentry config check` writes durations as systemd does ("1h 30min", "5min"), as the config takes them,
not as raw seconds ("5400s"), and every one it writes reads back, in `systemd-analyze timespan`, as the
value the config gave; it also says what [alerts] makes of an incident (reminders, resolve, retries)."""

from __future__ import annotations

import random
import re
from pathlib import Path

from test_durations_systemd import config_check, systemd_reads

from logsentry.timespec import parse_sec, timespan

CONFIG = '''state_dir = "{root}/state"
journal_directory = "{root}"

[[watch]]
units = ["api"]
silence = "2h 30min"
actions = ["alert"]

[restart]
period = "1.5h"
cooldown = "90s"

[alerts]
realert = "45min"
backoff = "500ms"
max_backoff = "1d 12h"

[[channel]]
name = "hook"
type = "command"
argv = ["/bin/true"]

[hosts]
silent_after = "10min"

[heartbeat]
url = "http://127.0.0.1:9/ping"
interval = "1w"

[[watch]]
units = ["worker"]
actions = ["restart"]
'''


def test_config_check_writes_the_configs_durations_as_systemd_does(tmp_path: Path) -> None:
    path = tmp_path / "logsentry.toml"
    path.write_text(CONFIG.format(root=tmp_path))
    path.chmod(0o600)
    done = config_check(path)
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert "watch #1 (line 4) api.service: rules *; actions alert; silence after 2h 30min" in out
    assert "restart: at most 3 per unit per 1h 30min, cooldown 1min 30s, on return: alert, via systemctl" in out
    assert ("alerts: reminders after 45min, 1h 30min, 3h, ... while an incident lasts, a resolve message when it "
            "ends; a failing channel is retried after 500ms, doubling up to 1d 12h") in out
    assert "hosts: silent when no entry came for 10min" in out
    assert "heartbeat: every 1w to http://***" in out
    # (not inside a word or path: a checkout at /var/tmp/ci7d read "7d" in the rule directories' line)
    shown = re.findall(r"(?<![\w/.-])\d+(?:y|month|w|d|h|min|s|ms|us)(?: \d+(?:y|month|w|d|h|min|s|ms|us))*\b",
                       done.stdout)
    given = ["2h 30min", "1.5h", "90s", "45min", "1.5h", "3h", "500ms", "1d 12h", "1w", "10min"]
    assert [systemd_reads(text) for text in shown] == [parse_sec(text) for text in given]


def test_timespan_reads_back_in_systemd_as_the_same_microseconds() -> None:
    generator = random.Random(17)
    values = [1, 999, 1_000, 1_500_000, 59_000_000, 60_000_000, 5_400_000_000, 86_400_000_000, 2_629_800_000_000,
              31_557_600_000_000 + 7]
    values += [generator.randrange(1, 10**14) for _ in range(40)]
    for usec in values:
        assert systemd_reads(timespan(usec)) == usec, timespan(usec)


def test_config_check_says_no_restart_when_no_watch_restarts(tmp_path: Path) -> None:
    """Restart limits printed for a config whose watches only alert read as if units were restarted
    (newuser78's finding 12): config check says none are."""
    path = tmp_path / "logsentry.toml"
    path.write_text(CONFIG.format(root=tmp_path).replace('actions = ["restart"]', 'actions = ["alert"]'))
    path.chmod(0o600)
    done = config_check(path)
    assert done.returncode == 0, done.stderr
    restart = [line for line in done.stdout.splitlines() if line.startswith("restart:")]
    assert restart == ['restart: none (no watch has "restart" in its actions; [restart] would allow at most 3 per '
                       'unit per 1h 30min, cooldown 1min 30s, on return: alert, via systemctl)'], done.stdout
