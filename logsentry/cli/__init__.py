"""Command line: one click group, one module per command. Exit codes: 0 done, 2 usage or configuration
error (bad rule files included), 3 `--fail-on` threshold met.

Each command's module is imported only when that command runs: `scan` of a small journal should not pay
for the demo, the live view and the service (about a third of the start-up time, measured)."""

from __future__ import annotations

import importlib

import click

COMMANDS = {
    "scan": ("scan", "scan"),
    "demo": ("demo", "demo"),
    "rules": ("rules", "rules"),
    "run": ("run", "run"),
    "config": ("run", "config_group"),
    "tail": ("tail", "tail"),
    "baseline": ("baseline", "baseline"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported by name when needed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f".{module}", __name__), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logsentry")
def main() -> None:
    """Catch services that log fatal errors, from the systemd journal."""
