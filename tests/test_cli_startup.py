"""`logsentry --help` imports no command's module (it cost 0.7 s of CPU, and the suite launches the CLI hundreds
of times), yet lists every command with the same short help as click would from the commands themselves; and
`config check` and `run` import no rich (only the commands that print reports through it do), and an alert's
delivery child (one a delivery) neither the site config's reader nor the rules' regex engine."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click

from logsentry.cli import COMMANDS, main

MODULES = """
import atexit, json, sys
atexit.register(lambda: print(json.dumps(sorted(sys.modules)), file=sys.stderr))
from logsentry.cli import main
main()
"""


def _loaded(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """The command's run, and the modules it had imported when it ended (printed last on stderr)."""
    done = subprocess.run([sys.executable, "-c", MODULES, *args], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done, set(json.loads(done.stderr.splitlines()[-1]))


def test_help_imports_no_command_and_none_of_the_heavy_libraries() -> None:
    done, loaded = _loaded("--help")
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


def test_config_check_and_run_import_no_rich(tmp_path: Path) -> None:
    """Neither prints through rich (apprise: only for a config with an apprise channel to check; `run`'s module
    imports the service when it starts)."""
    config = tmp_path / "logsentry.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\n')
    config.chmod(0o600)
    done, loaded = _loaded("config", "check", "-c", str(config))
    assert "rules: " in done.stdout
    heavy = {"rich", "apprise", "logsentry.pipeline", "logsentry.views.html", "logsentry.views.report"}
    assert not loaded & heavy, sorted(loaded & heavy)
    _, loaded = _loaded("run", "--help")
    assert "logsentry.cli.run" in loaded and "rich" not in loaded


def test_a_delivery_child_imports_neither_the_config_reader_nor_regex() -> None:
    code = "import json, sys, logsentry.actions.deliver; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    loaded = set(json.loads(done.stdout))
    assert not loaded & {"logsentry.config", "logsentry.rules.loader", "regex"}, sorted(loaded)


def test_a_mistyped_command_is_offered_the_closest() -> None:
    """helper-179's new user: `logsentry scna` said no such command with no suggestion, though subcommands of a
    group (`baseline shwo`) had one (click offers the group's `commands`, which the lazy top level has not)."""
    from click.testing import CliRunner

    typo = CliRunner().invoke(main, ["scna"])
    assert typo.exit_code == 2 and "No such command 'scna'. Did you mean 'scan'?" in typo.output
    far = CliRunner().invoke(main, ["zzz"])
    assert far.exit_code == 2 and "No such command 'zzz'." in far.output and "Did you mean" not in far.output
