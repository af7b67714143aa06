"""`logsentry demo`: the built-in default that needs no configuration."""

from __future__ import annotations

import click
from rich.console import Console

from ..demo import run_demo


@click.command()
@click.option("--speed", type=click.FloatRange(min=0), default=0.0,
              help="Pause between steps of the story, in seconds (0: print at once).")
@click.option("--no-signatures", is_flag=True,
              help="Turn every signature rule off: only the anomaly rules (learned baselines) may catch it.")
def demo(speed: float, no_signatures: bool) -> None:
    """Replay the 20 Dec 2020 Cachix outage and show when logsentry would have caught it."""
    run_demo(Console(highlight=False), speed, signatures=not no_signatures)


