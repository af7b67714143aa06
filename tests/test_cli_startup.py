"""`logsentry --help` imports no command's module (it cost 0.7 s of CPU, and the suite launches the CLI hundreds
of times), yet lists every command with the same short help as click would from the commands themselves."""

from __future__ import annotations

import json
import subprocess
import sys

import click

from logsentry.cli import COMMANDS, main

MODULES = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
from logsentry.cli import main
main()
"""


def test_help_imports_no_command_and_none_of_the_heavy_libraries() -> None:
    done = subprocess.run([sys.executable, "-c", MODULES, "--help"], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stderr.splitlines()[-1]))
    commands = {f"logsentry.cli.{lazy.module}" for lazy in COMMANDS.values()}
    heavy = {"logsentry.pipeline", "logsentry.views.html", "logsentry.service", "apprise", "rich", "regex",
             "prometheus_client"}
    assert not loaded & (commands | heavy), sorted(loaded & (commands | heavy))
    listed = [line.split()[0] for line in done.stdout.split("Commands:\n")[1].splitlines() if line.strip()]
    assert listed == list(COMMANDS)


def test_help_lists_each_command_as_its_own_help_would() -> None:
    """The summaries kept in cli/__init__.py against click's listing, which imports each command (a command's
    first sentence changed there and not here fails this): narrow, usual and wide terminals, and uncut."""
    for width in (50, 80, 120, 1000):
        ctx = click.Context(main)
        lazy, eager = click.HelpFormatter(width=width), click.HelpFormatter(width=width)
        main.format_commands(ctx, lazy)
        click.Group.format_commands(main, ctx, eager)
        assert lazy.getvalue() == eager.getvalue(), f"update the summary in logsentry/cli/__init__.py (width {width})"
