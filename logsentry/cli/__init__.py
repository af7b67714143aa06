"""Command line: one click group, one module per command. Exit codes: 0 done, 2 usage or configuration
error (bad rule files included), 3 `--fail-on` threshold met.

Each command's module is imported only when that command runs: `scan` of a small journal should not pay
for the demo, the live view and the service (about a third of the start-up time, measured)."""

from __future__ import annotations

import errno
import importlib
import os
import sys
from typing import Any

import click

COMMANDS = {
    "scan": ("scan", "scan"),
    "demo": ("demo", "demo"),
    "rules": ("rules", "rules"),
    "run": ("run", "run"),
    "config": ("run", "config_group"),
    "tail": ("tail", "tail"),
    "baseline": ("baseline", "baseline"),
    "silence": ("silence", "silence"),
    "hosts": ("hosts", "hosts_command"),
    "incidents": ("incidents", "incidents_command"),
}


OUTPUT_ERRNOS = {errno.ENOSPC, errno.EIO, errno.EDQUOT, errno.EFBIG, errno.EBADF}
EXIT_OUTPUT = 1


def stdout_to_devnull() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush of what is still buffered cannot
    fail again (and print "Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
    except OSError:
        pass


class LazyGroup(click.Group):
    """A group whose commands are imported by name when needed.

    Output ends as shell tools end it: a closed pipe (`logsentry scan | head`) is a normal end, exit 0 and
    nothing on stderr; a stdout that cannot take the output (/dev/full, a closed descriptor) is one line on
    stderr and exit 1, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            if sys.stdout is None:  # started with stdout closed (>&-)
                raise OSError(errno.EBADF, "standard output is closed")
            return super().invoke(ctx)
        except BrokenPipeError:
            stdout_to_devnull()
            sys.exit(0)
        except OSError as error:
            if error.errno not in OUTPUT_ERRNOS:
                raise
            stdout_to_devnull()
            click.echo(f"logsentry: cannot write the output: {error.strerror or error}", err=True)
            sys.exit(EXIT_OUTPUT)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                            list[str]]:
        """Before a command's module is imported: tail notes its stop signals from here (stop_signals.py), so a
        stop during its start-up still ends it cleanly, with its summary."""
        if args[:1] == ["tail"]:
            from .stop_signals import note_early
            note_early()
        return super().resolve_command(ctx, args)

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
