"""`logsentry demo`: the built-in default that needs no configuration."""

from __future__ import annotations

import math

import click

from ..demo import DemoResult, run_demo
from .common import console

MAX_PAUSE_S = 60.0


def _pause(ctx: click.Context, param: click.Parameter, value: float) -> float:
    """--pause: seconds between the steps of the story; a finite number, 0 to a minute."""
    if not math.isfinite(value) or not 0 <= value <= MAX_PAUSE_S:
        raise click.BadParameter(f"expected seconds from 0 to {MAX_PAUSE_S:g} (got {value!r})")
    return value


@click.command()
@click.option("--pause", "--speed", "pause", type=float, default=0.0, callback=_pause, metavar="SECONDS",
              help="Pause between the steps of the story, in seconds (0, the default: print at once). "
                   "--speed is the old name of this option.")
@click.option("--no-signatures", is_flag=True,
              help="Turn every signature rule off: only the anomaly rules (learned baselines) may catch it.")
def demo(pause: float, no_signatures: bool) -> DemoResult:
    """Replay the 20 Dec 2020 Cachix outage and show when logsentry would have caught it."""
    return run_demo(console(), pause, signatures=not no_signatures)  # (click's return_value, for the tests)
