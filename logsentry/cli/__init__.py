"""Command line: one click group, one module per command. Exit codes: 0 done, 1 output not written, 2 usage or
configuration error (bad rule files included), 3 `--fail-on` threshold met.

Each command's module is imported only when that command runs: `scan` of a small journal should not pay
for the demo, the live view and the service (about a third of the start-up time, measured). `logsentry --help`
imports none of them: it lists each command with the summary kept here (0.7 s of CPU down to 0.1 s, measured;
the tests launch the CLI hundreds of times). tests/test_cli_startup.py holds each summary equal to its
command's own help."""

from __future__ import annotations

import difflib
import errno
import importlib
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from ..timespec import BOOT_RELATIVE, TAKEN_AS_LOCAL, YEAR_GUESSED


@dataclass(frozen=True)
class Lazy:
    """Where a command is (module of this package, attribute) and the first sentence of its help."""

    module: str
    attribute: str
    summary: str


COMMANDS = {
    "scan": Lazy("scan", "scan", "Scan the journal once (or copied journals and dumps) and report what the rules "
                 "find."),
    "demo": Lazy("demo", "demo", "Replay the 20 Dec 2020 Cachix outage and show when logsentry would have caught "
                 "it."),
    "rules": Lazy("rules", "rules", "List rule files, test them, check a line against them."),
    "run": Lazy("run", "run", "Follow the journal as a service: restart units and send alerts as the config says."),
    "config": Lazy("run", "config_group", "Check the site config."),
    "tail": Lazy("tail", "tail", "Follow the journal live and show matches, burst counters and incidents (actions "
                 "are a dry run unless --act)."),
    "baseline": Lazy("baseline", "baseline", "Learned baselines: per unit, its message templates, their counts and "
                     "levels."),
    "silence": Lazy("silence", "silence", "Silences: suppress the notifications of a unit (on a host, for a rule) "
                    "for a while; incidents are still detected and recorded."),
    "hosts": Lazy("hosts", "hosts_command", "The hosts of a collector's journal_directory as the service last saved "
                  "them: each one's newest entry, its silence threshold (learnt from the gaps between its entries, "
                  "or [hosts] silent_after) and whether it is silent."),
    "incidents": Lazy("incidents", "incidents_command", "The incidents the service has open, one per failure, "
                      "oldest first, as it last saved them: rule, severity, unit and host, first and latest hit, "
                      "why, the first line, what became of its alert, restart or command hook, and the journalctl "
                      "command that shows its lines; a collector's hosts whose journal stopped arriving too."),
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
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as error:  # a typo: click offers its `commands`, which a lazy group has not
            close = difflib.get_close_matches(args[0], COMMANDS) if args and args[0] not in COMMANDS \
                and not args[0].startswith("-") and "Did you mean" not in error.message else []
            if close:
                raise click.UsageError(f"{error.message} Did you mean {close[0]!r}?", ctx) from None
            raise

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        lazy = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f".{lazy.module}", __name__), lazy.attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from the summaries above: click's own would import every command."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)  # as click.Group.format_commands
        rows = [(name, click.Command(name, help=lazy.summary).get_short_help_str(limit))
                for name, lazy in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logsentry")
def main() -> None:
    """Catch services that log fatal errors, from the systemd journal."""
    TAKEN_AS_LOCAL.clear()  # (each command's own: tests run many in one process)
    BOOT_RELATIVE.clear()
    YEAR_GUESSED.clear()
