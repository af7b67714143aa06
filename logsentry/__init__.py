"""logsentry: read the systemd journal, match rule files, count bursts, restart units and alert."""

__version__ = "0.1.0"
