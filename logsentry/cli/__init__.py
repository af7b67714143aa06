"""Command line: one click group, one module per command. Exit codes: 0 done, 2 usage or configuration
error (bad rule files included), 3 `--fail-on` threshold met."""

from __future__ import annotations

import click

from .demo import demo
from .rules import rules
from .run import config_group, run
from .scan import scan
from .tail import tail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="logsentry")
def main() -> None:
    """Catch services that log fatal errors, from the systemd journal."""


main.add_command(scan)
main.add_command(demo)
main.add_command(rules)
main.add_command(run)
main.add_command(config_group)
main.add_command(tail)
