"""The rich console the commands print reports through, in a module of its own: importing it costs about 60 ms
of CPU at each start (measured), and `logsentry run`, `config check`, `hosts`, `incidents` and `silence` never
print through it."""

from __future__ import annotations

import errno

from rich.console import Console


class PipeConsole(Console):
    def on_broken_pipe(self) -> None:
        """rich exits 1 on a closed pipe; the CLI group ends it as a normal end (exit 0), as for click.echo."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")
