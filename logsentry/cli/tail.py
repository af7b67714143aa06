"""`logsentry tail`: follow the journal live, like `journalctl -f`, and show what the detector sees.

Shows what the service would do (dry run); with `--act` it does it, through the service's own policy and outbox.
"""

from __future__ import annotations

import logging
import os
import select
import stat
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click
from rich.console import Console

from ..actions.alert import journal_source
from ..actions.runner import ActionRunner
from ..config import DEFAULT_CONFIG, SiteConfig
from ..engine.clock_jumps import ClockWatch
from ..engine.detector import Detector
from ..engine.policy import Policy
from ..host_clocks import HOLD_USEC, HostClocks, HostWindows
from ..hosts import local_machine_id
from ..model import ScreenedRun
from ..pipeline import Pipeline, dry_run_executor
from ..sources import JournalOpenError, Selection
from ..sources.dump import JOURNAL_MAGIC
from ..sources.fanin import FanInFollower
from ..sources.fanin_files import list_directory, tail_positions, vouched
from ..sources.follow import FollowItem, ReadUpTo, ScanningFollower
from ..sources.journal import (
    LOCAL_JOURNAL_DIRS,
    JournalGap,
    JournalLocation,
    StartAt,
    unreadable_reason,
    with_host_globs,
)
from ..sources.unit_names import apart, said_apart, said_unseen, unseen_hosts, unseen_units
from ..state_open import lock_held
from ..timespec import wall_usec
from ..views.tail import LiveView
from ..views.tail_lines import TailView, json_view, plain_view
from ..views.tail_state import TailState
from .common import fail, load_rule_set, priority_option, rules_option, selection_from, shipped_option, unit_option
from .hosts import host_options, with_hosts
from .input_files import check_input_files
from .journal_access import check_journal_access
from .run import load_site_config, refuse_untrusted, setup_logging
from .stop_signals import StopSignals

TICK_S = {"live": 0.25, "plain": 1.0, "json": 1.0}
"""How long to sleep on a quiet journal before expiring incidents by the clock (and redrawing)."""
FLUSH_S = 0.1
"""During a long batch (a burst, or -n/--since history), flush or redraw at least this often."""



@contextmanager
def acting_pipeline(detector: Detector, config: SiteConfig | None,
                    source: tuple[str, ...] = ()) -> Iterator[Pipeline]:
    """A dry-run pipeline, or with --act (the site `config` given) the service's own safeguards and executors:
    the config's watches, restart budget and cooldown, and its alert channels through a private outbox
    (`source`: where tail reads, for the alerts' journalctl commands)."""
    if config is None:
        yield Pipeline(detector, Policy(dry_run=True), execute=dry_run_executor)
        return
    refuse_untrusted(config)
    setup_logging(logging.WARNING, service=False)  # what Python shows by default, with control characters escaped
    with tempfile.TemporaryDirectory(prefix="logsentry-tail-") as scratch:
        titles = {rule_id: rule.title for rule_id, rule in detector.rules.items()}
        runner = ActionRunner(config, Path(scratch) / "state.db", source, titles)
        try:
            yield Pipeline(detector, runner.policy, execute=runner.execute, silence_overrides=config.silence_for)
        finally:
            runner.close()


def follow(items: Iterable[FollowItem], pipeline: Pipeline, view: TailView,
           wait: Callable[[], None], clock: Callable[[], int] = wall_usec,
           stopped: Callable[[], bool] = lambda: False, clocks: HostClocks | None = None) -> None:
    """Feed followed entries through the pipeline into the view, until `stopped()` says so (looked at between
    items).

    At each CAUGHT_UP (None) the pipeline's clock is moved to max(newest entry, wall clock), so a burst
    incident ends when its window passes and a silence fires even if nothing more is logged; scan only
    advances time by entries. `clocks`: each host's clock, sampled there as the service does (host_clocks.py,
    attached to the pipeline's windows by `windows_by_host_clock`): a host's windows end by its clock, and while
    its entries come late (a backlog appended in chunks) by its own journal time, not at each catch-up.
    """
    newest = 0
    flush_due = time.monotonic() + FLUSH_S
    watch = ClockWatch()  # a suspend or a step of our clock is no unit's silence (engine/clock_jumps.py)
    for item in items:
        if stopped():
            return
        if (jumped := watch.jumped()) is not None:
            if pipeline.silence:
                pipeline.silence.clock_jumped(*jumped)
            if jumped[1] < 0:  # stamped on the clock as it was
                newest = min(newest, jumped[0] + jumped[1])
        if item is None:
            if clocks is not None:
                clocks.tick(clock())
            now = max(newest, clock())
            view.events(list(pipeline.tick(now)))
            view.flush(now, caught_up=True)
            wait()
            flush_due = time.monotonic() + FLUSH_S
        elif isinstance(item, JournalGap):
            view.gap(item)
        elif isinstance(item, (ReadUpTo, ScreenedRun)):
            continue  # no screen here: every entry comes in full (the stream shows each)
        else:
            newest = max(newest, item.realtime_usec)
            if clocks is not None:
                clocks.saw(item.machine_id, item.realtime_usec)
            view.entry(item, list(pipeline.process(item)))
            if time.monotonic() >= flush_due:
                view.flush(newest, caught_up=False)
                flush_due = time.monotonic() + FLUSH_S


class JournalWaiter:
    """Sleeps until the journal changes, the tick passes, or the reader of our stdout pipe has gone.

    The follower runs with wait_s=0 and this polls the descriptor its scanner makes readable when entries
    are ready, along with stdout's, where Python lets a signal through at once. No timer of its own
    besides the tick.
    """

    def __init__(self, follower: ScanningFollower | None, tick_s: float, out_fd: int | None,
                 signal_fd: int | None = None):
        """`follower`: None for one that waits itself (the fan-in): then this only looks, without waiting.
        `signal_fd`: readable when a signal came (StopSignals.read_fd): the wait ends at once."""
        self.follower = follower
        self.tick_ms = round(tick_s * 1000)
        self.out_fd = out_fd
        self.signal_fd = signal_fd
        self._poller: select.poll | None = None

    def __call__(self) -> None:
        if self._poller is None:
            self._poller = select.poll()
            if self.follower is not None:  # (its scanner is open once it was iterated)
                self._poller.register(self.follower.fileno(), select.POLLIN)
            if self.out_fd is not None:
                self._poller.register(self.out_fd, 0)  # POLLERR still reported: the pipe's reader closed
            if self.signal_fd is not None:
                self._poller.register(self.signal_fd, select.POLLIN)
        for fd, _ in self._poller.poll(self.tick_ms if self.follower is not None else 0):
            if fd == self.out_fd:
                raise BrokenPipeError("the reader of stdout went away")
            if fd == self.signal_fd:
                while len(os.read(fd, 512)) == 512:  # drained: the next signal makes it readable again
                    pass


def pipe_fd(stream: object) -> int | None:
    """stdout's descriptor when it is a pipe or socket (whose reader can go away), else None."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        mode = os.fstat(fd).st_mode
    except (AttributeError, OSError, ValueError):
        return None
    return fd if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else None


def check_journal_files(files: tuple[Path, ...]) -> None:
    """Only journal files can be followed, whole and uncompressed (input_files.py); dumps are read once, by scan."""
    check_input_files(files, dumps=False)
    for path in files:
        with open(path, "rb") as stream:
            if stream.read(len(JOURNAL_MAGIC)) != JOURNAL_MAGIC:
                fail(f"{path}: not a journal file; tail follows journal files (read dumps with logsentry scan --file)")


def remote_stems(directory: Path) -> list[str]:
    """The stems of the directory's systemd-journal-remote files (`remote-HOST.journal`, one per sending host or
    address: its --split-mode=host); [] when it cannot be listed (the journal's own error is said when it opens)."""
    try:
        listing = list_directory(directory)
    except OSError:
        return []
    return sorted(stem for stem in {*listing.active, *listing.archives} if stem.startswith("remote-"))


def choose_output(output: str | None, plain: bool) -> str:
    if plain and output not in (None, "plain"):
        raise click.UsageError("--plain and -o/--output conflict")
    if plain:
        return "plain"
    if output is not None:
        return output
    return "live" if sys.stdout.isatty() else "plain"


def describe_scope(selection: Selection, location: JournalLocation) -> str:
    units = ", ".join(selection.units) or "all units"
    where = (f" in {location.directory}" if location.directory
             else f" in {len(location.files)} file(s)" if location.files else "")
    return f"following {units}{where}"


def make_view(output: str, pipeline: Pipeline, scope: str, source: tuple[str, ...]) -> TailView:
    if output == "json":
        return json_view(source)
    if output == "plain":
        return plain_view(pipeline.detector.rules, pipeline.tracker.incident_of, source)
    state = TailState(pipeline.detector.rules, pipeline.progress, scope)
    return LiveView(Console(highlight=False), state)


def windows_by_host_clock(pipeline: Pipeline, local_machine: str, hold_usec: int = HOLD_USEC,
                          clock: Callable[[], int] = wall_usec) -> HostClocks:
    """Each host's clock for the pipeline's windows, as the service's (service_reload.py): to be sampled by
    `follow`; the local machine's entries are stamped by our clock."""
    clocks = HostClocks(local_machine, hold_usec)
    HostWindows(clocks, lambda machine: machine in ("", local_machine) or clocks.settled(machine, clock())).attach(
        pipeline.tracker)
    return clocks


def follow_until_stopped(follower: ScanningFollower | FanInFollower, pipeline: Pipeline, view: TailView,
                         tick_s: float, clocks: HostClocks | None = None) -> None:
    """Follow until Ctrl-C/SIGTERM/SIGHUP, restoring the terminal, then report what is still open. The handlers are
    set before the view takes the terminal: a signal in between is noted too, and the view given back. A stop that
    came during start-up (noted by stop_signals.note_early) follows nothing; the report is made inside the block,
    so a second signal while it is made cannot cut it short."""
    try:
        with StopSignals() as stop:
            if not stop():
                try:
                    view.start()
                    waits = follower if isinstance(follower, ScanningFollower) else None
                    follow(follower, pipeline, view,
                           JournalWaiter(waits, tick_s, pipe_fd(sys.stdout), stop.read_fd), stopped=stop,
                           clocks=clocks)
                finally:
                    view.stop()
            view.events(list(pipeline.finish()))  # as scan's end of input: a failure still settling is given out first
            view.summary(pipeline.progress)
    except KeyboardInterrupt:
        pass  # Ctrl-C before the handlers were set (tail's function called without the CLI's note_early)


def quiet_broken_pipe() -> None:
    """The reader of our output left (`| head`): stop without a traceback, like journalctl."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@click.command()
@click.option("-D", "--directory", type=click.Path(path_type=Path, file_okay=False, exists=True),
              help="Follow the journal files in this directory instead of the local journal.")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Follow this journal file (repeatable).")
@unit_option
@host_options
@priority_option
@click.option("-S", "--since", help='Start at this time instead of now ("-10min", "today", "10:00").')
@click.option("-n", "--lines", type=click.IntRange(min=0), default=0, show_default=True,
              help="Start this many entries back instead of now. On a directory of journal-remote files "
                   "(several hosts) this reads one merged reader, which never shows a host whose clock runs behind "
                   "the others' (stderr says so); --since reads host by host.")
@click.option("-o", "--output", type=click.Choice(["live", "plain", "json"]),
              help="live: dashboard (default on a terminal); plain: matches only, one per line (default "
                   "otherwise); json: the JSON Lines of scan -o json.")
@click.option("--plain", is_flag=True, help="Same as -o plain.")
@click.option("--act", is_flag=True, help="Take the actions (restart, alert) as the service would, with its "
              "safeguards and channels from --config; without it they are only shown.")
@click.option("-c", "--config", "config_path", type=click.Path(path_type=Path), default=DEFAULT_CONFIG,
              show_default=True, help="Site config for --act (watches, restart limits, alert channels).")
@rules_option
@shipped_option
def tail(directory: Path | None, files: tuple[Path, ...], units: tuple[str, ...], machines: tuple[str, ...],
         hosts: tuple[str, ...], priority: str | None,
         since: str | None, lines: int, output: str | None, plain: bool, act: bool, config_path: Path,
         rule_paths: tuple[Path, ...], no_shipped: bool) -> None:
    """Follow the journal live and show matches, burst counters and incidents (actions are a dry run
    unless --act).

    Signature rules judge every line from the first. Anomaly and silence rules learn only from what this tail
    reads (not the service's baselines): they judge a unit once it has had its warm-up here (an hour and 200
    entries for most anomaly rules, a day for silence), so a tail started now finds an outage by its signatures
    and burst counters alone; start earlier with --since or -n to give them the history. In the live view's
    journal pane, "x6" before a line: 6 alike lines (same unit, host and matches, numbers aside) folded into the
    newest."""
    if directory is not None and files:
        raise click.UsageError("give either --directory or --file, not both")
    if since is not None and lines:
        raise click.UsageError("give either --since or -n/--lines, not both")
    mode = choose_output(output, plain)
    selection = with_hosts(selection_from(units, priority, since, None), machines, hosts)
    check_journal_files(files)
    if (warning := check_journal_access(directory, files)) is not None:
        click.echo(f"logsentry: {warning}", err=True)
    if not files and (reason := unreadable_reason((directory,) if directory else LOCAL_JOURNAL_DIRS)) is not None:
        # (journalctl -f says "No journal files were found." and waits too: journald may not have written one yet)
        where = directory or " or ".join(map(str, LOCAL_JOURNAL_DIRS))
        click.echo(f"logsentry: warning: {where}: {reason}: following anyway; nothing is shown until a journal file "
                   "appears (is journald, or systemd-journal-remote, running?)", err=True)
    stems = remote_stems(directory) if directory is not None else []
    host_by_host = bool(stems) and not lines
    if lines and len(stems) > 1:
        click.echo(f"logsentry: with -n, tail follows the {len(stems)} journal-remote files of {directory} through one "
                   "merged reader, as journalctl -f -D does: a host's entries stamped before those already shown (its "
                   "clock behind, its upload late) are passed by, never shown (systemd#359); without -n (or with "
                   "--since) tail reads them host by host, as `logsentry run` does", err=True)
    detector = Detector(load_rule_set(rule_paths, not no_shipped).rules)
    location = JournalLocation(directory=directory, files=files)
    # --act restarts this machine's units: its own journald's files alone vouch for it; from any other file
    # (journal-remote's), a claim to be it is disowned as the service does (sources/fanin_files.vouched), asked
    # again before each batch that claims it: a file that appears in the directory is read at once.
    # restart.machine_id names a machine whose journal comes from elsewhere: taken as claimed (README).
    config = load_site_config(config_path) if act else None
    if config is not None and lock_held(config.state_dir):
        # Each would take the other's restart for an operator's (a fresh start, not "came back after restart"): a
        # new operator's deadlock was restarted three times in 5 s, its loop protection defeated.
        fail(f"--act: a logsentry service runs on {config.state_dir} (its lock is held) and acts on these units "
             "already; a tail acting beside it would restart them again, each taking the other's restart for an "
             "operator's. Follow without --act to see what it decides, or stop the service first")
    machine = config.restart.vouch_for(local_machine_id()) if config is not None else ""
    # No screen: the stream shows every entry, each read in full by the scanner's thread.
    # -u: PID 1's lines about a container's scope too (its stop), as the service reads them (Selection.accepts)
    # -H globs (`web-*`): the hosts the journal names now, as -u globs are expanded when the follow starts
    hosts_read = with_host_globs(location, selection).hosts if selection.hosts else ()
    reading = Selection(selection.units, selection.priorities, machines=selection.machines, hosts=hosts_read,
                        container_scopes=bool(selection.units), rule_level=detector.rule_level)
    follower: ScanningFollower | FanInFollower
    if host_by_host and directory is not None:
        # A collector's directory: each host's file from its own position (sources/fanin.py), so a host whose
        # entries are stamped behind those shown (a late clock, a late upload) is still shown. From now, or from
        # each host's newest entry before --since; a host with none then is read from its head.
        since_usec = selection.since_usec
        positions = tail_positions(directory, until_usec=since_usec - 1 if since_usec is not None else None)
        follower = FanInFollower(directory, reading, None, detector.needed_fields, positions, wait_s=TICK_S[mode],
                                 local_machine=machine, resuming=True)
    else:
        follower = ScanningFollower(location, reading, None, detector.needed_fields,
                                    StartAt(since_usec=selection.since_usec, lines_back=lines), wait_s=0,
                                    disowned=(machine,) if machine else (),
                                    vouched=lambda: vouched(machine, directory, files))
    try:
        location.open().close()  # fail now (exit 2), not after the screen was taken over
        if isinstance(follower, ScanningFollower):
            follower.open()  # at the tail now: a line logged once the warning below is read is shown
        unseen = said_unseen(unseen_units(location, selection), "following it anyway; its lines show once it "
                             "logs") + said_unseen(unseen_hosts(location, selection), "following it anyway; its "
                                                   "lines show once it logs", "host ")
        # (a unit and a host each seen, never together: newuser78's finding 5)
        together = said_apart(apart(location, replace(selection, hosts=hosts_read)), selection,
                              "following it anyway; its lines show once it logs there") if not unseen else []
        for said in unseen + together:
            click.echo(f"logsentry: warning: {said}", err=True)
        source = journal_source(directory, files)
        with acting_pipeline(detector, config, source) as pipeline:
            pipeline.silence.own_machine = local_machine_id()  # our clock's jumps are follow()'s ClockWatch's,
            pipeline.silence.own_since = wall_usec()  # from now on (a backlog's are its entries')
            clocks = windows_by_host_clock(pipeline, local_machine_id(), config.host_clock_hold_usec
                                           if config is not None else HOLD_USEC)
            follow_until_stopped(follower, pipeline,
                                 make_view(mode, pipeline, describe_scope(selection, location), source), TICK_S[mode],
                                 clocks)
    except JournalOpenError as error:
        fail(str(error))
    except BrokenPipeError:
        quiet_broken_pipe()
