"""Issue 19: rules key on the right field and anchor on text the program itself writes.

nginx's upstream rules count per upstream server, not per request URL; PostgreSQL's rules read the level
PostgreSQL wrote, never a level word inside client text later in the line; the kernel and runtime rules of
the second review group by the device, controller or exception type the program named.
"""

from __future__ import annotations

from logsentry.engine.detector import Detector
from logsentry.model import Entry
from logsentry.rules.loader import load_rules, shipped_rules_dir

RULES = load_rules([shipped_rules_dir()]).rules
KERNEL = {"_TRANSPORT": "kernel", "SYSLOG_IDENTIFIER": "kernel"}


def hits(message: str, unit: str, fields: dict[str, str], priority: int = 6) -> dict[str, set[str]]:
    """Rule id -> the keys its hits had, for one entry as journald stores it."""
    entry = Entry(realtime_usec=0, message=message, unit=unit, priority=priority, cursor="",
                  fields={"_SYSTEMD_UNIT": unit, **fields} if unit else dict(fields))
    found: dict[str, set[str]] = {}
    for hit in Detector(RULES).detect(entry):
        found.setdefault(hit.rule_id, set()).add(hit.key)
    return found


def keys(rule_id: str, messages: list[str]) -> set[str]:
    found: set[str] = set()
    for message in messages:
        found |= hits(message, "nginx.service", {"SYSLOG_IDENTIFIER": "nginx"}, priority=3).get(rule_id, set())
    return found


def test_timeouts_to_one_backend_on_many_paths_share_one_key():
    lines = [f'2024/05/02 10:00:{n:02d} [error] 2211#2211: *{9000 + n} upstream timed out (110: Connection timed '
             f'out) while reading response header from upstream, client: 192.0.2.{n}, server: example.org, request: '
             f'"GET /api/x?page={n} HTTP/1.1", upstream: "http://127.0.0.1:4567/api/x?page={n}", host: "example.org"'
             for n in range(25)]
    assert keys("nginx-upstream-timeout", lines) == {"http://127.0.0.1:4567"}


def test_different_backends_and_sockets_keep_their_own_keys():
    template = ('2024/05/02 10:00:00 [error] 1#1: *1 connect() failed (111: Connection refused) while connecting to '
                'upstream, client: 192.0.2.1, server: _, request: "GET /a HTTP/1.1", upstream: "{}", host: "x"')
    upstreams = ["http://10.0.0.1:8080/a", "http://10.0.0.2:8080/a", "http://[2001:db8::1]:8080/a",
                 "fastcgi://unix:/run/php/php8.2-fpm.sock:", "fastcgi://unix:/run/php/other.sock:"]
    assert keys("nginx-upstream-refused", [template.format(u) for u in upstreams]) == {
        "http://10.0.0.1:8080", "http://10.0.0.2:8080", "http://[2001:db8::1]:8080",
        "fastcgi://unix:/run/php/php8.2-fpm.sock:", "fastcgi://unix:/run/php/other.sock:"}


POSTGRES = {"SYSLOG_IDENTIFIER": "postgres", "_TRANSPORT": "stdout"}
# A client chooses a relation name, a string literal or a comment; PostgreSQL puts it after its own level.
FORGED = {
    "postgres-panic": 'ERROR:  relation "] PANIC:  could not write to file \\"pg_wal/x\\": No space left on device" '
                      'does not exist',
    "postgres-backend-crash": "STATEMENT:  select 1 -- ] LOG:  server process (PID 1) was terminated by signal 9: "
                              "Killed",
    "postgres-out-of-memory": "STATEMENT:  select 1 -- ] ERROR:  out of memory",
    "postgres-too-many-clients": "STATEMENT:  select 1 -- ] FATAL:  sorry, too many clients already",
    "postgres-fork-failed": "ERROR:  syntax error at or near \"] LOG:  could not fork new process for connection: "
                            "Cannot allocate memory\"",
    "postgres-unclean-shutdown": "STATEMENT:  select 1 -- ] LOG:  database system was not properly shut down; "
                                 "automatic recovery in progress",
}
PREFIXES = ["2024-03-01 10:00:00.123 UTC [4242] ", "2024-03-01 10:00:00.123 UTC [4242] shop@shop ",
            "2024-03-01 10:00:00 UTC [4242]: [3-1] user=shop,db=shop,app=psql,client=192.0.2.7 "]


REAL = {
    "postgres-panic": 'PANIC:  could not write to file "pg_wal/xlogtemp.4242": No space left on device',
    "postgres-backend-crash": "LOG:  server process (PID 4243) was terminated by signal 9: Killed",
    "postgres-out-of-memory": "ERROR:  out of memory",
    "postgres-too-many-clients": "FATAL:  sorry, too many clients already",
    "postgres-fork-failed": "LOG:  could not fork new process for connection: Cannot allocate memory",
    "postgres-unclean-shutdown": "LOG:  database system was not properly shut down; automatic recovery in progress",
}


def test_postgres_rules_read_the_level_postgres_wrote_not_one_in_client_text():
    for prefix in PREFIXES:
        for forged in FORGED.values():
            found = hits(prefix + forged, "postgresql.service", POSTGRES)
            assert not [rule for rule in found if rule.startswith("postgres-")], (prefix + forged, found)
        for rule_id, line in REAL.items():
            assert rule_id in hits(prefix + line, "postgresql.service", POSTGRES), prefix + line


def test_kernel_storage_rules_key_on_the_device_the_kernel_named():
    lines = {
        "kernel-nvme-timeout": ["nvme nvme0: I/O 7 QID 2 timeout, aborting",
                                "nvme nvme0: I/O 7 QID 2 timeout, reset controller",
                                "nvme nvme1: I/O tag 12 (000c) opcode 0x2 (Read) QID 3 timeout, aborting",
                                "nvme nvme1: controller is down; will reset: CSTS=0xffffffff, PCI_STATUS=0x10"],
        "kernel-btrfs-error": ["BTRFS error (device sda1): bdev /dev/sda1 errs: wr 0, rd 1, flush 0, corrupt 0, gen 0",
                               "BTRFS error (device sda1 state EA): parent transid verify failed on 30408704",
                               "BTRFS: error (device dm-3) in btrfs_commit_transaction:2564: errno=-5 IO failure",
                               "BTRFS info (device dm-3 state EA): forced readonly"],
    }
    found = {rule_id: set().union(*(hits(line, "", KERNEL, priority=3).get(rule_id, set()) for line in group))
             for rule_id, group in lines.items()}
    assert found == {"kernel-nvme-timeout": {"nvme0", "nvme1"}, "kernel-btrfs-error": {"sda1", "dm-3"}}


def test_kernel_crash_rules_need_the_kernel_transport():
    for line in ("BUG: kernel NULL pointer dereference, address: 0000000000000008",
                 "rcu: INFO: rcu_preempt self-detected stall on CPU",
                 "watchdog: Watchdog detected hard LOCKUP on cpu 3",
                 "nvme nvme0: I/O 7 QID 2 timeout, reset controller",
                 "BTRFS error (device sda1): open_ctree failed"):
        kernel = hits(line, "", KERNEL, priority=0)
        forged = hits(line, "app.service", {"SYSLOG_IDENTIFIER": "kernel", "_TRANSPORT": "stdout"}, priority=0)
        assert {rule for rule in kernel if rule.startswith("kernel-")}, line
        assert not {rule for rule in forged if rule.startswith("kernel-")}, (line, forged)


def test_dotnet_unhandled_exceptions_group_by_type_and_leave_oom_to_its_rule():
    service = {"SYSLOG_IDENTIFIER": "Shop", "_TRANSPORT": "stdout"}
    found = [hits(line, "shop.service", service) for line in (
        "Unhandled exception. System.InvalidOperationException: Sequence contains no elements",
        "Unhandled Exception: System.InvalidOperationException: Sequence contains no elements",
        "Unhandled exception. System.Net.Http.HttpRequestException: Connection refused (127.0.0.1:5432)",
        "Unhandled exception. System.OutOfMemoryException: Insufficient memory to continue the execution.")]
    assert [hit.get("dotnet-unhandled-exception") for hit in found] == [
        {"System.InvalidOperationException"}, {"System.InvalidOperationException"},
        {"System.Net.Http.HttpRequestException"}, None]
    assert "dotnet-out-of-memory" in found[3]
