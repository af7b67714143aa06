"""A second failure paged hours into a first is not paged again when its incident ended between its lines and one
of its later lines is new (helper D12's held-out trial, Grafana Loki: the object store went away, every chunk
flush failed for hours; 2 h in the WAL disk filled, 'Error writing to WAL, disk full' once, then 'error
checkpointing series ... no space left on device' at each 5-min checkpoint). error-share-jump paged the disk; its
1-min window ended between checkpoints; 40 min in, a jump of the error share at a checkpoint was judged against
the only open incident, the flush failure of 2 h before, and paged as a third failure. An anomaly incident that
ended less than 30 min ago still says what its failure is. Real journal files (systemd-journal-remote), the
anomaly rules only; wordings from grafana/loki v2.9 pkg/ingester (flush.go, checkpoint.go, instance.go)."""

from __future__ import annotations

from conftest import entry
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_anomaly_sustained import journal_usec

UNIT = "loki.service"
FAIL = 30 * HOUR
DISK = FAIL + 2 * HOUR


def logfmt(at: float, level: str, caller: str, rest: str) -> dict:
    return entry(f"level={level} ts=2026-11-27T12:00:{at % 60:06.3f}Z caller={caller} {rest}", unit=UNIT, at=at)


def history() -> list[dict]:
    checkpoints = [logfmt(t, "info", "checkpoint.go:615", 'msg="starting checkpoint"')
                   for t in range(300, int(FAIL + 3 * HOUR), 300)]
    done = [logfmt(t + 1, "info", "checkpoint.go:340", f'msg="checkpoint done" time={0.2 + t % 7 / 10:.6f}s')
            for t in range(300, int(FAIL), 300)]
    pushes = steady(UNIT, 0, FAIL + 3 * HOUR, 20, 'level=info ts=2026-11-27T12:00:00Z caller=logging.go:86 '
                    'msg="POST /loki/api/v1/push (204) {ms}.{n}ms"')
    return by_time(checkpoints, done, pushes)


def flush_failures() -> list[dict]:
    """A failed flush every 16 s for 3 h: at most 4 error lines in any minute, one fewer than error-share-jump's
    5, so each disk-full line makes a jump of the error share."""
    return [logfmt(FAIL + 16 * k, "error", "flush.go:143", 'org_id=fake msg="failed to flush" err="failed to '
                   f'flush chunks: store put chunk: RequestError: send request failed caused by: Put '
                   f'\\"http://10.20.0.90:9000/loki/fake/{k:x}\\": dial tcp 10.20.0.90:9000: connect: connection '
                   f'refused, num_chunks: {1 + k % 5}, labels: {{app=\\"api\\", host=\\"web-{k % 4}\\"}}"')
            for k in range(3 * 225)]


def disk_full() -> list[dict]:
    lines = [logfmt(DISK, "error", "instance.go:306", 'msg="Error writing to WAL, disk full, no further messages '
                    'will be logged for this error"')]
    lines += [logfmt(DISK + 300 * k + 0.4, "error", "checkpoint.go:613", 'msg="error checkpointing series" err="write '
                     f'/var/lib/loki/wal/{k:08d}: no space left on device"') for k in range(1, 12)]
    return lines


def test_the_disk_full_is_paged_once_though_its_incident_ended_between_checkpoints(make_journal):
    incidents = [i for i in scan_anomalies(make_journal(by_time(history(), flush_failures(), disk_full())))
                 if i["unit"] == UNIT]
    began = [(i["rule"], round((i["first_usec"] - journal_usec(FAIL)) / 60e6, 1)) for i in incidents]
    assert len(incidents) == 2, began
    assert incidents[0]["first_usec"] < journal_usec(FAIL + 60), began
    assert journal_usec(DISK) <= incidents[1]["first_usec"] < journal_usec(DISK + 60), began
