"""Generate a reproducible, realistic journal for the performance benchmark.

    .venv/bin/python bench/make_journal.py                  # 1,000,000 entries, seed 1
    .venv/bin/python bench/make_journal.py --entries 100000 --seed 7

Writes, under /var/tmp/logsentry-bench/data/s<SEED>-n<N>-g<VERSION>/:

    journal/        real journal files (systemd-journal-remote output; it rotates, so read it with -D)
    syslog.log      the same entries as syslog-like text (`Mon DD HH:MM:SS host ident[pid]: message`,
                    continuation lines of multi-line messages indented as `journalctl -o short` does)
    meta.json       counts: entries, text lines, per-unit and per-kind tallies, expected shipped-rule hits

Outputs are cached by (seed, entries, generator version): a second run with the same arguments returns at
once. The stream is sequential from one seeded RNG and nothing depends on N, so the N-entry journal is the
first N entries of any longer one with the same seed (used to check that cost is linear in entries).

About 26 units (web servers, databases, GHC/JVM/Go/Python/Node/Rust/.NET/Ruby/Erlang services, systemd's
init.scope lines with UNIT=, kernel lines with _TRANSPORT=kernel), mixed priorities, a few percent error
lines worded as the real programs word them (so shipped rules match them), and benign lines that mention
error/panic/deadlock/"No space left on device" in URLs, queries and counters (which rules must not match).
Every 100k entries one incident plays out (MVar deadlock burst, disk full, Go crash loop, OOM kill, Go
handler panics), so short runs see incidents too.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from logsentry.sources.journal_files import FieldValue, export_entry, journal_remote

GENERATOR_VERSION = 2  # bump when the generated stream changes, so cached outputs are rebuilt
DEFAULT_ROOT = Path("/var/tmp/logsentry-bench")
DEFAULT_ENTRIES = 1_000_000
DEFAULT_SEED = 1

START_USEC = 1_732_579_200_000_000  # 2024-11-26 00:00:00 UTC
BOOT_MONOTONIC_USEC = 86_400_000_000  # the machine booted a day before the first entry
MEAN_GAP_USEC = 40_000  # ~25 entries/s on average: 1M entries cover ~11 hours
HOST = "web01"
BOOT_ID = "3f1c9a0e6b7d4e2a9c5b8d7e6f5a4b3c"
MACHINE_ID = "b1e2c3d4a5f6478899aabbccddeeff00"
INCIDENT_EVERY = 100_000

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# kind tag -> shipped rule id expected to match every entry of that kind (a sanity check for the benchmark:
# a faster engine must still find exactly these).
EXPECTED_RULE = {
    "ghc-mvar": "ghc-mvar-deadlock",
    "ghc-stm": "ghc-stm-deadlock",
    "ghc-heap": "ghc-heap-overflow",
    "ghc-autoupdate": "ghc-autoupdate-worker-died",
    "go-nil-panic": "go-nil-pointer-panic",
    "go-http-panic": "go-http-panic-serving",
    "go-concurrent-map": "go-concurrent-map-access",
    "go-deadlock": "go-deadlock",
    "go-oom": "go-out-of-memory",
    "kernel-oom-kill": "kernel-oom-kill",
    "disk-full": "disk-full",
}


# --------------------------------------------------------------------------------------------- messages

@dataclass
class Msg:
    """One entry to write: priority, message (may contain newlines), a kind tag, extra fields."""

    priority: int
    message: str
    kind: str = "normal"  # "normal", "benign" (mentions error words but is fine), or an error kind
    extra: dict[str, FieldValue] = field(default_factory=dict)
    unit: Unit | None = None  # another unit's process wrote it (e.g. systemd about a service)
    after: Callable[[], None] | None = None  # run once the entry is written (a restart: new PID, invocation)


class Clock:
    """Event time of the entry being generated, with cached renderings used inside messages."""

    def __init__(self) -> None:
        self.usec = START_USEC
        self._second = -1
        self._tm: time.struct_time = time.gmtime(0)

    def tm(self) -> time.struct_time:
        second = self.usec // 1_000_000
        if second != self._second:
            self._second = second
            self._tm = time.gmtime(second)
        return self._tm

    def frac(self, digits: int = 3) -> str:
        return f"{self.usec % 1_000_000:06d}"[:digits]

    def iso(self, digits: int = 3) -> str:  # 2024-11-26T10:00:00.123Z
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.tm()) + "." + self.frac(digits) + "Z"

    def clf(self) -> str:  # 26/Nov/2024:10:00:00 +0000
        t = self.tm()
        return f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"

    def slash(self) -> str:  # 2024/11/26 10:00:00 (nginx error log, Go's log package)
        return time.strftime("%Y/%m/%d %H:%M:%S", self.tm())

    def dash(self) -> str:  # 2024-11-26 10:00:00
        return time.strftime("%Y-%m-%d %H:%M:%S", self.tm())

    def syslog(self) -> str:  # Nov 26 10:00:00
        t = self.tm()
        return f"{MONTHS[t.tm_mon - 1]} {t.tm_mday:2d} {t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"

    def redis(self) -> str:  # 26 Nov 2024 10:00:00.123
        t = self.tm()
        return (f"{t.tm_mday} {MONTHS[t.tm_mon - 1]} {t.tm_year} "
                f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}.{self.frac()}")


R = random.Random  # the one RNG is passed around; every choice comes from it


def ip(rng: R) -> str:
    if rng.random() < 0.6:
        return f"10.0.{rng.randrange(0, 8)}.{rng.randrange(2, 250)}"
    first = rng.choice((203, 198, 192, 45, 81, 91))
    return f"{first}.{rng.randrange(0, 256)}.{rng.randrange(0, 256)}.{rng.randrange(1, 255)}"


def hexid(rng: R, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


WORDS = ("alpha", "bravo", "orders", "users", "invoices", "cart", "search", "items", "reports", "session",
         "billing", "export", "upload", "profile", "settings", "metrics", "health", "login", "logout", "feed")
AGENTS = ('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0',
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36',
          'curl/7.88.1', 'python-requests/2.31.0', 'Go-http-client/1.1', 'kube-probe/1.28', 'Nix/2.18.1',
          'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)')
# Paths that put error words where a client controls them: rules anchored on program text must not match.
BENIGN_PATHS = ("/search?q=panic+serving", "/docs/errors/deadlock-detected", "/api/v1/errors?since=1h",
                "/blog/thread%20blocked%20indefinitely%20in%20an%20MVar%20operation",
                "/search?q=thread blocked indefinitely in an MVar operation",
                "/docs/how-to-fix-No-space-left-on-device", "/kb/out-of-memory-killed-process",
                "/debug?msg=http: panic serving x: y", "/search?q=fatal+error%3A+concurrent+map+writes")


def http_path(rng: R) -> tuple[str, bool]:
    if rng.random() < 0.004:
        return rng.choice(BENIGN_PATHS), True
    word = rng.choice(WORDS)
    roll = rng.random()
    if roll < 0.3:
        return f"/api/v1/{word}/{rng.randrange(1, 100000)}", False
    if roll < 0.5:
        return f"/api/v1/{word}?page={rng.randrange(1, 50)}", False
    if roll < 0.6:
        return "/health", False
    if roll < 0.75:
        return f"/static/{word}.{rng.choice(('js', 'css', 'png', 'svg'))}", False
    return f"/{word}", False


def http_status(rng: R) -> int:
    roll = rng.random()
    if roll < 0.88:
        return 200
    if roll < 0.93:
        return rng.choice((301, 302, 304))
    if roll < 0.985:
        return rng.choice((400, 401, 403, 404, 404, 404))
    return rng.choice((500, 502, 503, 504))


def access_line(rng: R, clock: Clock) -> tuple[str, bool]:
    path, benign = http_path(rng)
    method = "POST" if rng.random() < 0.15 else "GET"
    return (f'{ip(rng)} - - [{clock.clf()}] "{method} {path} HTTP/1.1" {http_status(rng)} {rng.randrange(0, 60000)} '
            f'"-" "{rng.choice(AGENTS)}"', benign)


# ---------------------------------------------------------------------------------------------- units

@dataclass
class Unit:
    """A systemd unit and the process writing its lines."""

    name: str  # _SYSTEMD_UNIT
    ident: str  # SYSLOG_IDENTIFIER / _COMM
    exe: str
    cmdline: str
    pid: int
    uid: int
    transport: str  # stdout | syslog | journal | kernel
    weight: float
    lines: Callable[[R, Clock, Unit], list[Msg]]
    invocation: str = ""
    stream: str = ""
    slice: str = "system.slice"


def one(priority: int, message: str, kind: str = "normal", **extra: FieldValue) -> list[Msg]:
    return [Msg(priority, message, kind, dict(extra))]


def nginx(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.95:
        line, benign = access_line(rng, clock)
        return one(6, line, "benign" if benign else "normal")
    pid = unit.pid + rng.randrange(1, 5)
    head = f"{clock.slash()} [%s] {pid}#{pid}: *{rng.randrange(1, 10**7)} "
    client = f'client: {ip(rng)}, server: example.com, request: "GET /api/v1/{rng.choice(WORDS)} HTTP/1.1"'
    if roll < 0.975:
        return one(3, head % "error" + "upstream timed out (110: Connection timed out) while reading response "
                   f'header from upstream, {client}, upstream: "http://127.0.0.1:8000/api", host: "example.com"',
                   "nginx-upstream-timeout")
    if roll < 0.985:
        return one(3, head % "error" + "connect() failed (111: Connection refused) while connecting to upstream, "
                   f'{client}, upstream: "http://127.0.0.1:8000/api", host: "example.com"', "nginx-upstream-refused")
    if roll < 0.995:
        return one(4, head % "warn" + f"an upstream response is buffered to a temporary file "
                   f"/var/cache/nginx/proxy_temp/{rng.randrange(1, 9)}/{rng.randrange(10, 99)}/{rng.randrange(10**9)} "
                   f"while reading upstream, {client}")
    return one(3, head % "error" + f'open() "/var/www/html/{rng.choice(WORDS)}.ico" failed (2: No such file or '
               f"directory), {client}", "nginx-enoent")


def postgres(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    pid = unit.pid + rng.randrange(1, 400)
    head = f"{clock.dash()}.{clock.frac()} UTC [{pid}] "
    roll = rng.random()
    if roll < 0.45:
        return one(6, head + f"app@appdb LOG:  duration: {rng.uniform(0.1, 3000):.3f} ms  statement: SELECT id, "
                   f"status FROM {rng.choice(WORDS)} WHERE id = {rng.randrange(1, 10**6)}")
    if roll < 0.50:
        return one(6, head + "app@appdb LOG:  duration: 12.345 ms  statement: SELECT count(*) FROM job_errors WHERE "
                   "kind = 'deadlock' AND message LIKE '%panic%'", "benign")
    if roll < 0.75:
        return one(6, head + f'LOG:  automatic vacuum of table "appdb.public.{rng.choice(WORDS)}": index scans: 1')
    if roll < 0.96:
        return one(6, head + f"LOG:  checkpoint complete: wrote {rng.randrange(10, 5000)} buffers "
                   f"({rng.uniform(0, 30):.1f}%); 0 WAL file(s) added, 0 removed, 1 recycled; "
                   f"write={rng.uniform(0, 300):.3f} s, sync=0.002 s, total={rng.uniform(0, 300):.3f} s")
    if roll < 0.975:
        return [Msg(3, head + 'app@appdb ERROR:  duplicate key value violates unique constraint "users_email_key"',
                    "pg-unique"),
                Msg(3, head + f"app@appdb DETAIL:  Key (email)=(user{rng.randrange(10**5)}@example.com) already "
                    "exists.", "pg-detail")]
    if roll < 0.985:
        return [Msg(3, head + "app@appdb ERROR:  deadlock detected", "pg-deadlock"),
                Msg(3, head + f"app@appdb DETAIL:  Process {pid} waits for ShareLock on transaction "
                    f"{rng.randrange(10**6)}; blocked by process {pid + 7}.", "pg-detail")]
    if roll < 0.995:
        return one(3, head + 'app@appdb FATAL:  password authentication failed for user "app"', "pg-auth")
    return one(3, head + "app@appdb FATAL:  remaining connection slots are reserved for non-replication superuser "
               "connections", "pg-slots")


def sshd(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    port = rng.randrange(1024, 65535)
    who = ip(rng)
    if roll < 0.25:
        return one(6, f"Accepted publickey for deploy from {who} port {port} ssh2: ED25519 SHA256:{hexid(rng, 43)}")
    if roll < 0.45:
        return one(6, f"pam_unix(sshd:session): session {rng.choice(('opened', 'closed'))} for user deploy"
                   + ("(uid=1000) by (uid=0)" if rng.random() < 0.5 else ""))
    if roll < 0.53:
        user = rng.choice(("admin", "test", "oracle", "ubuntu", "git", "postgres"))
        return [Msg(6, f"Invalid user {user} from {who} port {port}", "ssh-invalid"),
                Msg(6, f"Failed password for invalid user {user} from {who} port {port} ssh2", "ssh-failed")]
    if roll < 0.8:
        return one(6, f"Connection closed by authenticating user root {who} port {port} [preauth]")
    if roll < 0.9:
        return one(6, f"Received disconnect from {who} port {port}:11: Bye Bye [preauth]")
    if roll < 0.97:
        return one(3, "error: kex_exchange_identification: Connection closed by remote host", "benign")
    return one(3, f"error: maximum authentication attempts exceeded for root from {who} port {port} ssh2 [preauth]",
               "ssh-maxauth")


def cachix(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.85:
        status = http_status(rng)
        return one(6, f'{ip(rng)} - - [{clock.clf()}] "GET /api/v1/cache/nixpkgs/{hexid(rng, 32)}.narinfo HTTP/1.1" '
                   f'{status} - "" "Nix/2.18.1"')
    if roll < 0.97:
        return one(6, f"[Info] Uploaded store path /nix/store/{hexid(rng, 32)}-{rng.choice(WORDS)}-1.0 "
                   f"({rng.randrange(1, 10**6)} bytes)")
    if roll < 0.995:
        line, benign = access_line(rng, clock)
        return one(6, line, "benign" if benign else "normal")
    return one(3, "Control.AutoUpdate.mkAutoUpdate: worker thread exited with exception: thread killed",
               "ghc-autoupdate")


JVM_CLASSES = ("c.e.billing.web.InvoiceController", "c.e.billing.service.PaymentService",
               "o.s.web.servlet.DispatcherServlet", "c.zaxxer.hikari.pool.HikariPool",
               "o.a.kafka.clients.NetworkClient")
JVM_FRAMES = ("com.example.billing.service.PaymentService", "org.springframework.web.servlet.FrameworkServlet",
              "java.base/java.util.concurrent.ThreadPoolExecutor", "org.apache.catalina.core.StandardWrapper")


def jvm_trace(exception: str, frames: int, rng: R) -> list[str]:
    lines = [exception]
    for index in range(frames):
        cls = rng.choice(JVM_FRAMES)
        lines.append(f"\tat {cls}.method{index}({cls.rsplit('.', 1)[-1]}.java:{rng.randrange(20, 900)})")
    lines.append(f"\t... {rng.randrange(10, 90)} common frames omitted")
    return lines


def jvm(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    thread = f"nio-8080-exec-{rng.randrange(1, 200)}"

    def log(level: str, cls: str, text: str) -> str:
        return f"{clock.iso()}  {level:>5} {unit.pid} --- [{thread:>15}] {cls:<40} : {text}"

    if roll < 0.70:
        return one(6, log("INFO", rng.choice(JVM_CLASSES[:2]), f"Created invoice {rng.randrange(10**6)} for customer "
                          f"{rng.randrange(10**5)}"))
    if roll < 0.88:
        return one(6, f"[{rng.uniform(0, 40000):.3f}s][info][gc] GC({rng.randrange(10**5)}) Pause Young (Normal) "
                   f"(G1 Evacuation Pause) {rng.randrange(200, 900)}M->{rng.randrange(50, 200)}M(1024M) "
                   f"{rng.uniform(1, 40):.3f}ms")
    if roll < 0.90:
        return one(4, log("WARN", JVM_CLASSES[3], "HikariPool-1 - Connection is not available, request timed out "
                          "after 30000ms."), "jvm-hikari")
    if roll < 0.994:
        return one(6, log("INFO", JVM_CLASSES[1], f"Retried payment {rng.randrange(10**6)}: 0 errors, "
                          "error_rate=0.00"), "benign")
    trace = jvm_trace("java.lang.IllegalStateException: Payment provider returned HTTP 502", rng.randrange(3, 9), rng)
    return ([Msg(3, log("ERROR", JVM_CLASSES[2], 'Servlet.service() for servlet [dispatcherServlet] threw exception'),
                 "jvm-exception")]
            + [Msg(3, line, "jvm-trace") for line in trace])


def go_stack(rng: R, goroutine: int = 1) -> list[str]:
    lines = [f"goroutine {goroutine} [running]:"]
    for func in rng.sample(("main.(*Server).handle", "main.(*Batch).Flush", "net/http.HandlerFunc.ServeHTTP",
                            "net/http.serverHandler.ServeHTTP", "main.(*Writer).Append"), 3):
        lines += [f"{func}(0xc000{hexid(rng, 6)}, 0x{hexid(rng, 6)})",
                  f"\t/src/ingest/{func.split('.')[-1].lower()}.go:{rng.randrange(20, 400)} +0x{hexid(rng, 3)}"]
    return lines


def ingest_go(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.80:
        return one(6, f'time={clock.iso()} level=INFO msg="batch flushed" records={rng.randrange(1, 2048)} '
                   f"duration={rng.uniform(0.1, 80):.1f}ms shard={rng.randrange(16)}")
    if roll < 0.90:
        return one(6, f'time={clock.iso()} level=DEBUG msg="compaction done" segments={rng.randrange(1, 40)} '
                   "errors=0 panics=0", "benign")
    if roll < 0.97:
        return one(4, f'time={clock.iso()} level=WARN msg="slow write" duration={rng.uniform(200, 5000):.0f}ms '
                   f"shard={rng.randrange(16)}")
    if roll < 0.998:
        return one(3, f'time={clock.iso()} level=ERROR msg="upstream request failed" err="Post '
                   f'\\"http://10.0.3.7:9000/v1/write\\": dial tcp 10.0.3.7:9000: connect: connection refused"',
                   "go-upstream")
    return go_http_panic(rng, clock, unit)


def go_http_panic(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    msgs = [Msg(3, f"{clock.slash()} http: panic serving {ip(rng)}:{rng.randrange(1024, 65535)}: runtime error: "
                "invalid memory address or nil pointer dereference", "go-http-panic")]
    return msgs + [Msg(3, line, "go-stack") for line in go_stack(rng, rng.randrange(10, 9999))]


def go_crash(rng: R, clock: Clock, unit: Unit, kind: str = "go-nil-panic") -> list[Msg]:
    if kind == "go-nil-panic":
        head = ["panic: runtime error: invalid memory address or nil pointer dereference",
                f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x{hexid(rng, 6)}]", ""]
    elif kind == "go-concurrent-map":
        head = ["fatal error: concurrent map writes", ""]
    elif kind == "go-oom":
        head = ["fatal error: runtime: out of memory", ""]
    else:
        head = ["fatal error: all goroutines are asleep - deadlock!", ""]
    msgs = [Msg(2 if i == 0 else 3, line, kind if i == 0 else "go-stack") for i, line in enumerate(head)]
    msgs += [Msg(3, line, "go-stack") for line in go_stack(rng)]
    return msgs + service_failed(rng, unit, 2, "INVALIDARGUMENT")


TRACEBACK_ENDINGS = (
    ("OSError: [Errno 28] No space left on device: '/var/lib/webapp/uploads/tmp{id}'", "disk-full"),
    ("KeyError: 'user_id'", "py-traceback"),
    ("redis.exceptions.ConnectionError: Error 111 connecting to localhost:6379. Connection refused.", "py-traceback"),
    ('psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed: FATAL:  remaining connection '
     "slots are reserved for non-replication superuser connections", "py-traceback"),
    ("ValueError: invalid literal for int() with base 10: 'abc'", "py-traceback"),
)


def traceback(rng: R, ending: str) -> str:
    lines = [f"Exception on /api/v1/{rng.choice(WORDS)} [POST]", "Traceback (most recent call last):"]
    for path, line, func, code in rng.sample((
            ("/srv/webapp/venv/lib/python3.11/site-packages/flask/app.py", 1455, "wsgi_app",
             "response = self.full_dispatch_request()"),
            ("/srv/webapp/venv/lib/python3.11/site-packages/flask/app.py", 869, "full_dispatch_request",
             "rv = self.handle_user_exception(e)"),
            ("/srv/webapp/webapp/views.py", 212, "upload", "store.save(request.files['file'])"),
            ("/srv/webapp/webapp/store.py", 88, "save", "with open(tmp, 'wb') as handle:"),
            ("/srv/webapp/webapp/db.py", 41, "connect", "return psycopg2.connect(self.dsn)")), 4):
        lines += [f'  File "{path}", line {line}, in {func}', f"    {code}"]
    return "\n".join([*lines, ending])


def webapp(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    pid = unit.pid + rng.randrange(1, 5)
    gunicorn_head = f"[{clock.dash()} +0000] [{pid}] "
    if roll < 0.55:
        line, benign = access_line(rng, clock)
        return one(6, line, "benign" if benign else "normal")
    if roll < 0.85:
        code = {"CODE_FILE": "/srv/webapp/webapp/views.py", "CODE_LINE": rng.randrange(50, 400),
                "CODE_FUNC": rng.choice(("upload", "orders", "checkout")), "LOGGER": "webapp.views",
                "_TRANSPORT": "journal"}
        return one(6, f"Order {rng.randrange(10**6)} processed in {rng.randrange(1, 900)} ms", **code)
    if roll < 0.90:
        return one(6, "task error_report_digest finished: 0 errors, 0 panics, 0 deadlocks", "benign",
                   _TRANSPORT="journal", LOGGER="webapp.tasks")
    if roll < 0.95:
        return one(6, gunicorn_head + f"[INFO] Booting worker with pid: {pid + rng.randrange(1, 100)}")
    if roll < 0.97:
        return one(2, gunicorn_head + f"[CRITICAL] WORKER TIMEOUT (pid:{pid})", "gunicorn-timeout")
    if roll < 0.975:
        return one(3, gunicorn_head + f"[ERROR] Worker (pid:{pid}) was sent SIGKILL! Perhaps out of memory?",
                   "gunicorn-sigkill")
    ending, kind = rng.choice(TRACEBACK_ENDINGS[1:])
    return one(3, traceback(rng, ending), kind, _TRANSPORT="journal", LOGGER="webapp.app",
               CODE_FILE="/srv/webapp/venv/lib/python3.11/site-packages/flask/app.py", CODE_LINE=1414,
               CODE_FUNC="log_exception")


def node(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.6:
        path, benign = http_path(rng)
        return one(6, f"GET {path} {http_status(rng)} {rng.uniform(0.5, 900):.3f} ms - {rng.randrange(0, 9000)}",
                   "benign" if benign else "normal")
    if roll < 0.95:
        return one(6, json.dumps({"level": 30, "time": clock.usec // 1000, "pid": unit.pid, "hostname": HOST,
                                  "msg": "request completed", "responseTime": rng.randrange(1, 500)},
                                 separators=(",", ":")))
    if roll < 0.96:
        return one(6, f"{unit.pid}: heap used {rng.randrange(50, 900)} MB, 0 uncaught errors")
    if roll < 0.995:
        return [Msg(3, "Error: connect ECONNREFUSED 127.0.0.1:6379", "node-econnrefused"),
                Msg(3, "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)", "node-stack")]
    return one(4, f"(node:{unit.pid}) UnhandledPromiseRejectionWarning: Error: Request failed with status code 503",
               "node-unhandled")


def redis(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    child = unit.pid + rng.randrange(100, 9000)
    if roll < 0.3:
        return one(6, f"{unit.pid}:M {clock.redis()} * 100 changes in 300 seconds. Saving...")
    if roll < 0.6:
        return one(6, f"{unit.pid}:M {clock.redis()} * Background saving started by pid {child}")
    if roll < 0.8:
        return one(6, f"{child}:C {clock.redis()} * DB saved on disk")
    if roll < 0.98:
        return one(6, f"{unit.pid}:M {clock.redis()} * Background saving terminated with success")
    return one(4, f"{unit.pid}:M {clock.redis()} # WARNING: 0 errors on replica link, error_count=0", "benign")


def mariadb(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    conn = rng.randrange(1, 10**6)
    if roll < 0.6:
        return one(4, f"{clock.dash()} {conn} [Warning] Aborted connection {conn} to db: 'app' user: 'app' host: "
                   "'localhost' (Got an error reading communication packets)", "benign")
    if roll < 0.9:
        return one(5, f"{clock.dash()} 0 [Note] InnoDB: Buffer pool(s) load completed at {clock.dash()}")
    if roll < 0.97:
        return one(4, f"{clock.dash()} {conn} [Warning] Deadlock found when trying to get lock; try restarting "
                   "transaction", "benign")
    return one(3, f"{clock.dash()} {conn} [ERROR] mariadbd: Table './app/sessions' is marked as crashed and should "
               "be repaired", "mysql-crashed-table")


def cron(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.4:
        return one(6, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)")
    if roll < 0.7:
        return one(6, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")
    return one(6, "pam_unix(cron:session): session closed for user root")


def kernel(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.7:
        return one(4, f"[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:fe:ff:ff:ff:ff:ff:08:00 SRC={ip(rng)} "
                   f"DST=10.0.0.10 LEN=40 TOS=0x00 PREC=0x00 TTL={rng.randrange(30, 250)} ID={rng.randrange(65535)} "
                   f"PROTO=TCP SPT={rng.randrange(1024, 65535)} DPT={rng.choice((22, 23, 3389, 445, 8080))} "
                   "WINDOW=1024 RES=0x00 SYN URGP=0")
    if roll < 0.85:
        return one(5, f'audit: type=1400 audit({clock.usec // 1_000_000}.{clock.frac()}:{rng.randrange(10**4)}): '
                   'apparmor="DENIED" operation="open" class="file" profile="/usr/sbin/cupsd" '
                   'name="/etc/ssl/openssl.cnf" pid=1234 comm="cupsd" requested_mask="r" denied_mask="r" '
                   "fsuid=0 ouid=0")
    if roll < 0.95:
        return one(6, "TCP: request_sock_TCP: Possible SYN flooding on port 443. Sending cookies.  Check SNMP "
                   "counters.")
    return one(3, f"EXT4-fs error (device vda1): ext4_lookup:1855: inode #{rng.randrange(10**6)}: comm rsync: deleted "
               "inode referenced: 12", "kernel-ext4")


def oom_kill(rng: R, victim: Unit) -> list[Msg]:
    pid, comm, service = victim.pid, victim.ident, victim.name
    return [
        Msg(4, f"{comm} invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, "
            "oom_score_adj=0", "kernel-oom"),
        Msg(6, f"oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,"
            f"task_memcg=/system.slice/{service},task={comm},pid={pid},uid={victim.uid}", "kernel-oom"),
        Msg(3, f"Out of memory: Killed process {pid} ({comm}) total-vm:{rng.randrange(10**6, 10**7)}kB, "
            f"anon-rss:{rng.randrange(10**6, 8 * 10**6)}kB, file-rss:0kB, shmem-rss:0kB, UID:{victim.uid} "
            f"pgtables:{rng.randrange(1000, 20000)}kB oom_score_adj:0", "kernel-oom-kill"),
        Msg(6, f"oom_reaper: reaped process {pid} ({comm}), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
            "kernel-oom"),
    ]


def logrus(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    stamp = clock.iso(6)
    if roll < 0.94:
        return one(6, f'time="{stamp}" level=info msg="ignoring event" container={hexid(rng, 64)} '
                   'module=libcontainerd namespace=moby topic=/tasks/delete type="*events.TaskDelete"')
    if roll < 0.97:
        return one(4, f'time="{stamp}" level=warning msg="Error getting v2 registry: Get '
                   '\\"https://registry.example.com/v2/\\": net/http: request canceled"', "docker-registry")
    return one(3, f'time="{stamp}" level=error msg="Handler for POST /v1.43/containers/{hexid(rng, 12)}/start '
               'returned error: driver failed programming external connectivity: Bind for 0.0.0.0:8080 failed: '
               'port is already allocated"', "docker-error")


def node_exporter(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    if rng.random() < 0.9:
        return one(6, f"ts={clock.iso()} caller=node_exporter.go:{rng.randrange(100, 200)} level=info "
                   f"collector={rng.choice(('cpu', 'diskstats', 'filesystem', 'netdev'))} msg=\"collected\" "
                   f"duration_seconds={rng.uniform(0, 0.2):.4f}")
    return one(3, f"ts={clock.iso()} caller=collector.go:169 level=error collector=textfile msg=\"collector failed\" "
               'err="failed to read textfile collector directory: open /var/lib/node_exporter: no such file or '
               'directory"', "exporter-error")


def haproxy(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    if rng.random() < 0.995:
        path, benign = http_path(rng)
        t = clock.tm()
        stamp = f"{t.tm_mday:02d}/{MONTHS[t.tm_mon - 1]}/{t.tm_year}:{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d}"
        return one(6, f"{ip(rng)}:{rng.randrange(1024, 65535)} [{stamp}.{clock.frac()}] fe_https~ "
                   f"be_app/app{rng.randrange(1, 4)} 0/0/1/{rng.randrange(1, 900)}/{rng.randrange(1, 900)} "
                   f"{http_status(rng)} {rng.randrange(100, 9000)} - - ---- 10/10/2/1/0 0/0 \"GET {path} HTTP/1.1\"",
                   "benign" if benign else "normal")
    return one(1, 'Server be_app/app2 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check '
               "duration: 0ms. 1 active and 0 backup servers left. 2 sessions active, 0 requeued, 0 remaining in "
               "queue.", "haproxy-down")


def postfix(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    queue = hexid(rng, 10).upper()
    if rng.random() < 0.5:
        return one(6, f"connect from unknown[{ip(rng)}]", SYSLOG_IDENTIFIER="postfix/smtpd", _COMM="smtpd")
    return one(6, f"{queue}: to=<ops@example.com>, relay=mx.example.com[198.51.100.25]:25, delay=0.52, "
               "delays=0.01/0/0.2/0.31, dsn=2.0.0, status=sent (250 2.0.0 OK)",
               SYSLOG_IDENTIFIER="postfix/smtp", _COMM="smtp")


def vector(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    roll = rng.random()
    if roll < 0.97:
        return one(6, f"{clock.iso(6)}  INFO vector::topology::builder: Healthcheck passed. "
                   f"component_id={rng.choice(('journald', 'http_sink', 'loki'))}")
    return one(4, f"{clock.iso(6)}  WARN sink{{component_kind=\"sink\" component_id=loki}}: "
               "vector::sinks::util::retries: Retrying after error. error=Server responded with an error: 503 "
               "Service Unavailable", "rust-retry")


def rabbitmq(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    proc = f"<0.{rng.randrange(100, 99999)}.0>"
    stamp = clock.dash() + "." + clock.frac(6) + "+00:00"
    if rng.random() < 0.95:
        return one(6, f"{stamp} [info] {proc} accepting AMQP connection {proc} ({ip(rng)}:{rng.randrange(1024, 65535)} "
                   "-> 10.0.0.10:5672)")
    return one(3, f"{stamp} [error] {proc} closing AMQP connection {proc} ({ip(rng)}:{rng.randrange(1024, 65535)} -> "
               "10.0.0.10:5672):\nmissed heartbeats from client, timeout: 60s", "erlang-heartbeat")


def dotnet(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    if rng.random() < 0.97:
        return [Msg(6, "info: Microsoft.AspNetCore.Hosting.Diagnostics[2]"),
                Msg(6, f"      Request finished HTTP/1.1 GET http://localhost:5000/api/{rng.choice(WORDS)} - 200 "
                    f"- application/json {rng.uniform(0.5, 90):.4f}ms")]
    return [Msg(3, "fail: Microsoft.AspNetCore.Server.Kestrel[13]", "dotnet-unhandled"),
            Msg(3, f'      Connection id "0HMV{hexid(rng, 9).upper()}", Request id '
                f'"0HMV{hexid(rng, 9).upper()}:00000002": An unhandled exception was thrown by the application.',
                "dotnet-unhandled"),
            Msg(3, "      System.InvalidOperationException: Sequence contains no elements", "dotnet-unhandled")]


def sidekiq(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    jid = hexid(rng, 24)
    tid = hexid(rng, 4)
    if rng.random() < 0.97:
        return one(6, f"pid={unit.pid} tid={tid} class=HardWorker jid={jid} elapsed={rng.uniform(0, 9):.3f} INFO: done")
    return one(3, f"pid={unit.pid} tid={tid} ERROR: Error fetching job: Error connecting to Redis on 127.0.0.1:6379 "
               "(Errno::ECONNREFUSED)", "ruby-redis")


def logind(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    session = rng.randrange(1, 9000)
    return one(6, rng.choice((f"New session {session} of user deploy.", f"Removed session {session}.",
                              f"Session {session} logged out. Waiting for processes to exit.")))


def journald(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    if rng.random() < 0.7:
        return one(4, f"Suppressed {rng.randrange(100, 9000)} messages from ingest.service",
                   N_DROPPED=rng.randrange(100, 9000))
    return one(6, f"Data hash table of /var/log/journal/{MACHINE_ID}/system.journal has a fill level at 75.0 "
               "(174763 of 233016 items, 134217728 file size, 767 bytes per hash table item), suggesting rotation.")


def small(*lines: str) -> Callable[[R, Clock, Unit], list[Msg]]:
    def make(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
        return one(6, rng.choice(lines))
    return make


TIMERS = (("logrotate.service", "Rotate log files"), ("apt-daily.service", "Daily apt download activities"),
          ("man-db.service", "Daily man-db regeneration"),
          ("sysstat-collect.service", "system activity accounting tool"),
          ("certbot.service", "Certbot"), ("fstrim.service", "Discard unused blocks on filesystems"))


def init_scope(rng: R, clock: Clock, unit: Unit) -> list[Msg]:
    """systemd (PID 1) about other units: UNIT= names the unit, as in a real journal."""
    name, description = rng.choice(TIMERS)
    if rng.random() < 0.3:
        session = f"session-{rng.randrange(1, 9000)}.scope"
        return [Msg(6, f"Started {session} - Session {session[8:-6]} of User deploy.", extra={"UNIT": session})]
    invocation = hexid(rng, 32)
    return [Msg(6, f"Starting {name} - {description}...", extra={"UNIT": name, "INVOCATION_ID": invocation}),
            Msg(6, f"{name}: Deactivated successfully.", extra={"UNIT": name, "INVOCATION_ID": invocation,
                                                               "MESSAGE_ID": "7ad2d189f7e94e70a38c781354912448"}),
            Msg(6, f"Finished {name} - {description}.", extra={"UNIT": name, "INVOCATION_ID": invocation,
                                                              "MESSAGE_ID": "39f53479d3a045ac8e11786248231fbf"})]


def service_failed(rng: R, unit: Unit, status: int, status_name: str) -> list[Msg]:
    """systemd's lines when a service's main process dies and is restarted (catalog MESSAGE_IDs)."""
    pid1 = UNITS_BY_NAME["init.scope"]
    old = unit.invocation
    new_invocation = hexid(rng, 32)
    new_pid = unit.pid + rng.randrange(10, 400)

    def restart() -> None:
        unit.invocation = new_invocation
        unit.pid = new_pid

    about: dict[str, FieldValue] = {"UNIT": unit.name, "INVOCATION_ID": old}
    return [
        Msg(5, f"{unit.name}: Main process exited, code=exited, status={status}/{status_name}", "systemd-exit",
            {**about, "MESSAGE_ID": "98e322203f7a4ed290d09fe03c09fe15", "EXIT_CODE": "exited", "EXIT_STATUS": status},
            pid1),
        Msg(4, f"{unit.name}: Failed with result 'exit-code'.", "systemd-failed",
            {**about, "MESSAGE_ID": "d9b373ed55a64feb8242e02dbe79a49c", "UNIT_RESULT": "exit-code"}, pid1),
        Msg(6, f"{unit.name}: Scheduled restart job, restart counter is at {rng.randrange(1, 6)}.", "systemd-restart",
            {**about, "MESSAGE_ID": "5eb03494b6584870a536b337290809b3"}, pid1),
        Msg(6, f"Started {unit.name} - {unit.ident} service.", "normal",
            {"UNIT": unit.name, "INVOCATION_ID": new_invocation, "MESSAGE_ID": "39f53479d3a045ac8e11786248231fbf"},
            pid1, restart),
    ]


def make_units() -> list[Unit]:
    return [
        Unit("nginx.service", "nginx", "/usr/sbin/nginx", "nginx: worker process", 1210, 33, "syslog", 150, nginx),
        Unit("postgresql@15-main.service", "postgres", "/usr/lib/postgresql/15/bin/postgres",
             "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main", 1650, 114, "stdout", 60, postgres),
        Unit("ssh.service", "sshd", "/usr/sbin/sshd", "sshd: /usr/sbin/sshd -D", 980, 0, "syslog", 40, sshd),
        Unit("cachix-server.service", "cachix-server", "/nix/store/0000-cachix-server/bin/cachix-server",
             "cachix-server +RTS -N -RTS", 2400, 997, "stdout", 80, cachix),
        Unit("billing.service", "java", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java",
             "java -Xmx1g -jar /srv/billing/billing.jar", 2800, 998, "stdout", 70, jvm),
        Unit("ingest.service", "ingest", "/usr/local/bin/ingest", "/usr/local/bin/ingest -config /etc/ingest.yaml",
             3100, 996, "stdout", 60, ingest_go),
        Unit("webapp.service", "gunicorn", "/srv/webapp/venv/bin/python3.11",
             "/srv/webapp/venv/bin/python3.11 /srv/webapp/venv/bin/gunicorn webapp.wsgi -w 4", 3300, 995, "stdout",
             80, webapp),
        Unit("frontend.service", "node", "/usr/bin/node", "node /srv/frontend/server.js", 3500, 994, "stdout", 50,
             node),
        Unit("redis-server.service", "redis-server", "/usr/bin/redis-server", "/usr/bin/redis-server 127.0.0.1:6379",
             1100, 105, "stdout", 25, redis),
        Unit("mariadb.service", "mariadbd", "/usr/sbin/mariadbd", "/usr/sbin/mariadbd", 1300, 106, "stdout", 20,
             mariadb),
        Unit("cron.service", "CRON", "/usr/sbin/cron", "/usr/sbin/CRON -f", 700, 0, "syslog", 15, cron),
        Unit("init.scope", "systemd", "/usr/lib/systemd/systemd", "/sbin/init", 1, 0, "journal", 20, init_scope,
             slice="-.slice"),
        Unit("", "kernel", "", "", 0, 0, "kernel", 12, kernel),
        Unit("systemd-journald.service", "systemd-journald", "/usr/lib/systemd/systemd-journald",
             "/lib/systemd/systemd-journald", 300, 0, "driver", 2, journald),
        Unit("systemd-logind.service", "systemd-logind", "/usr/lib/systemd/systemd-logind",
             "/lib/systemd/systemd-logind", 640, 0, "journal", 8, logind),
        Unit("docker.service", "dockerd", "/usr/bin/dockerd", "/usr/bin/dockerd -H fd://", 1500, 0, "stdout", 25,
             logrus),
        Unit("containerd.service", "containerd", "/usr/bin/containerd", "/usr/bin/containerd", 1450, 0, "stdout", 10,
             logrus),
        Unit("prometheus-node-exporter.service", "prometheus-node-exporter", "/usr/bin/prometheus-node-exporter",
             "/usr/bin/prometheus-node-exporter", 1020, 65534, "stdout", 10, node_exporter),
        Unit("haproxy.service", "haproxy", "/usr/sbin/haproxy", "/usr/sbin/haproxy -Ws -f /etc/haproxy/haproxy.cfg",
             1180, 0, "syslog", 40, haproxy),
        Unit("postfix@-.service", "postfix/smtpd", "/usr/lib/postfix/sbin/smtpd", "smtpd -n smtp -t inet", 1900, 0,
             "syslog", 8, postfix),
        Unit("vector.service", "vector", "/usr/bin/vector", "/usr/bin/vector", 2100, 993, "stdout", 15, vector),
        Unit("rabbitmq-server.service", "rabbitmq-server", "/usr/lib/erlang/erts-13.2/bin/beam.smp",
             "/usr/lib/erlang/erts-13.2/bin/beam.smp -W w -MBas ageffcbf", 2200, 992, "stdout", 15, rabbitmq),
        Unit("orders-api.service", "OrdersApi", "/srv/orders/OrdersApi", "/srv/orders/OrdersApi", 2600, 991, "stdout",
             10, dotnet),
        Unit("sidekiq.service", "sidekiq", "/usr/bin/ruby3.1", "sidekiq 7.2.0 app [0 of 10 busy]", 2700, 990, "stdout",
             10, sidekiq),
        Unit("chrony.service", "chronyd", "/usr/sbin/chronyd", "/usr/sbin/chronyd -F 1", 620, 0, "syslog", 3,
             small("Selected source 10.0.0.3 (ntp1.example.com)", "Source 10.0.0.4 replaced with 10.0.0.5",
                   "System clock wrong by 0.004128 seconds")),
        Unit("systemd-resolved.service", "systemd-resolved", "/usr/lib/systemd/systemd-resolved",
             "/lib/systemd/systemd-resolved", 540, 101, "journal", 3,
             small("Using degraded feature set UDP instead of UDP+EDNS0 for DNS server 10.0.0.2.",
                   "Clock change detected. Flushing caches.")),
    ]


UNITS_BY_NAME: dict[str, Unit] = {}


# ------------------------------------------------------------------------------------------- incidents

class Incident:
    """One scripted incident inside a 100k-entry block: while active, it writes a share of the entries."""

    def __init__(self, kind: str, start: int, length: int, share: float):
        self.kind, self.start, self.end, self.share = kind, start, start + length, share

    def active(self, index: int) -> bool:
        return self.start <= index < self.end


INCIDENT_KINDS = ("mvar-burst", "disk-full", "go-crash-loop", "oom-kill", "go-http-panics")


def plan_incident(block: int, seed: int) -> Incident:
    rng = random.Random(seed * 1_000_003 + block)
    kind = INCIDENT_KINDS[block % len(INCIDENT_KINDS)]
    start = block * INCIDENT_EVERY + rng.randrange(5_000, 60_000)
    length, share = {"mvar-burst": (20_000, 0.15), "disk-full": (6_000, 0.05), "go-crash-loop": (8_000, 0.004),
                     "oom-kill": (4_000, 0.002), "go-http-panics": (10_000, 0.004)}[kind]
    return Incident(kind, start, length, share)


def incident_lines(incident: Incident, rng: R, clock: Clock, units: dict[str, Unit]) -> tuple[Unit, list[Msg]]:
    kind = incident.kind
    if kind == "mvar-burst":  # the Cachix outage: every request fails the same way
        unit = units["cachix-server.service"]
        return unit, [Msg(3, "cachix-server: thread blocked indefinitely in an MVar operation", "ghc-mvar")]
    if kind == "disk-full":
        roll = rng.random()
        if roll < 0.3:
            unit = units["postgresql@15-main.service"]
            return unit, [Msg(0, f"{clock.dash()}.{clock.frac()} UTC [{unit.pid + 3}] PANIC:  could not write to file "
                              f'"pg_wal/xlogtemp.{unit.pid + 3}": No space left on device', "disk-full")]
        if roll < 0.5:
            unit = units["redis-server.service"]
            return unit, [Msg(4, f"{unit.pid}:M {clock.redis()} # Failed opening the temp RDB file temp-{unit.pid + 9}"
                              ".rdb (in server root dir /var/lib/redis) for saving: No space left on device",
                              "disk-full")]
        if roll < 0.7:
            unit = units["nginx.service"]
            return unit, [Msg(2, f"{clock.slash()} [crit] {unit.pid + 1}#{unit.pid + 1}: *{rng.randrange(10**6)} "
                              f'pwrite() "/var/cache/nginx/client_temp/{rng.randrange(10**9):010d}" failed (28: No '
                              f"space left on device), client: {ip(rng)}, server: example.com", "disk-full")]
        if roll < 0.85:
            unit = units["webapp.service"]
            ending = TRACEBACK_ENDINGS[0][0].format(id=hexid(rng, 8))
            extra: dict[str, FieldValue] = {"_TRANSPORT": "journal", "LOGGER": "webapp.app"}
            return unit, [Msg(3, traceback(rng, ending), "disk-full", extra)]
        if roll < 0.95:
            unit = units["ingest.service"]  # Go's own wording is lower case: no shipped rule should claim it
            return unit, [Msg(3, f'time={clock.iso()} level=ERROR msg="append failed" err="write '
                              f'/var/lib/ingest/wal/{rng.randrange(10**6):08d}: no space left on device"', "go-enospc")]
        unit = units["vector.service"]
        return unit, [Msg(3, "thread 'tokio-runtime-worker' panicked at src/sinks/file.rs:123:45: write failed: No "
                          "space left on device (os error 28)", "disk-full")]
    if kind == "go-crash-loop":
        unit = units["ingest.service"]
        crash = rng.choice(("go-nil-panic", "go-nil-panic", "go-concurrent-map", "go-oom", "go-deadlock"))
        return unit, go_crash(rng, clock, unit, crash)
    if kind == "oom-kill":
        victim = units[rng.choice(("billing.service", "webapp.service", "frontend.service"))]
        msgs = oom_kill(rng, victim)
        if victim.name == "billing.service":
            msgs = [Msg(3, 'Exception in thread "kafka-producer-network-thread" java.lang.OutOfMemoryError: Java heap '
                        "space", "jvm-oom", unit=victim), *msgs]
        return units["kernel"], msgs + service_failed(rng, victim, 9, "KILL")
    unit = units["ingest.service"]
    return unit, go_http_panic(rng, clock, unit)


# ----------------------------------------------------------------------------------------------- writer

STATIC_FIELDS = ("_BOOT_ID", "_MACHINE_ID", "_HOSTNAME")


def journal_fields(unit: Unit, msg: Msg, clock: Clock, mono: int) -> dict[str, FieldValue]:
    """Fields journald would store for this entry (about 18-24, like a real system journal)."""
    fields: dict[str, FieldValue] = {
        "__REALTIME_TIMESTAMP": clock.usec,
        "__MONOTONIC_TIMESTAMP": mono,
        "_BOOT_ID": BOOT_ID,
        "_MACHINE_ID": MACHINE_ID,
        "_HOSTNAME": HOST,
        "PRIORITY": msg.priority,
    }
    transport = msg.extra.get("_TRANSPORT", unit.transport)
    if transport == "kernel":
        fields.update({"_TRANSPORT": "kernel", "SYSLOG_FACILITY": 0, "SYSLOG_IDENTIFIER": "kernel",
                       "_SOURCE_MONOTONIC_TIMESTAMP": mono - 1200})
    else:
        fields.update({
            "SYSLOG_FACILITY": 3 if transport != "syslog" else (2 if unit.ident == "postfix/smtpd" else 4),
            "SYSLOG_IDENTIFIER": unit.ident,
            "_PID": unit.pid, "_UID": unit.uid, "_GID": unit.uid, "_COMM": unit.ident[:15], "_EXE": unit.exe,
            "_CMDLINE": unit.cmdline, "_CAP_EFFECTIVE": "0" if unit.uid else "1ffffffffff",
            "_SYSTEMD_CGROUP": f"/{unit.slice}/{unit.name}" if unit.name != "init.scope" else "/init.scope",
            "_SYSTEMD_UNIT": unit.name, "_SYSTEMD_SLICE": unit.slice, "_SYSTEMD_INVOCATION_ID": unit.invocation,
            "_TRANSPORT": transport,
        })
        if transport == "stdout":
            fields["_STREAM_ID"] = unit.stream
        elif transport == "syslog":
            fields["SYSLOG_PID"] = unit.pid
            fields["SYSLOG_TIMESTAMP"] = clock.syslog() + " "
        elif transport == "journal":
            fields["_SOURCE_REALTIME_TIMESTAMP"] = clock.usec - 37
            if unit.name == "init.scope":
                fields["CODE_FILE"] = "src/core/unit.c"
                fields["CODE_LINE"] = 5558
                fields["CODE_FUNC"] = "unit_log_success"
                del fields["_SYSTEMD_INVOCATION_ID"]
    fields.update(msg.extra)
    fields["MESSAGE"] = msg.message
    return fields


def syslog_text(unit: Unit, msg: Msg, clock: Clock) -> str:
    ident = str(msg.extra.get("SYSLOG_IDENTIFIER", unit.ident))
    head = f"{clock.syslog()} {HOST} {ident}: " if unit.transport == "kernel" else \
        f"{clock.syslog()} {HOST} {ident}[{unit.pid}]: "
    if "\n" not in msg.message:
        return head + msg.message + "\n"
    indent = "\n" + " " * len(head)  # journalctl -o short's continuation lines
    return head + indent.join(msg.message.split("\n")) + "\n"


def generate(seed: int, count: int) -> Iterator[tuple[Unit, Msg, Clock, int]]:
    """The entry stream: (writing unit, message, clock at the entry, monotonic usec)."""
    rng = random.Random(seed)
    units = make_units()
    UNITS_BY_NAME.clear()
    UNITS_BY_NAME.update({unit.name or "kernel": unit for unit in units})
    for unit in units:
        unit.invocation = hexid(rng, 32)
        unit.stream = hexid(rng, 32)
    picks = list(units)
    cum: list[float] = []
    total = 0.0
    for unit in picks:
        total += unit.weight
        cum.append(total)
    clock = Clock()
    mono = BOOT_MONOTONIC_USEC
    block = 0
    incident = plan_incident(block, seed)  # each incident lies inside its own 100k-entry block
    index = 0
    while index < count:
        if index // INCIDENT_EVERY != block:
            block = index // INCIDENT_EVERY
            incident = plan_incident(block, seed)
        gap = int(rng.expovariate(1 / MEAN_GAP_USEC)) + 1
        clock.usec += gap
        mono += gap
        if incident.active(index) and rng.random() < incident.share:
            unit, msgs = incident_lines(incident, rng, clock, UNITS_BY_NAME)
        else:
            unit = rng.choices(picks, cum_weights=cum)[0]
            msgs = unit.lines(rng, clock, unit)
        for position, msg in enumerate(msgs):
            if index >= count:
                return
            if position:  # the following lines of one event come microseconds apart
                step = rng.randrange(5, 400)
                clock.usec += step
                mono += step
            yield (msg.unit or unit), msg, clock, mono
            index += 1
            if msg.after is not None:
                msg.after()


class Cache:
    """Where the outputs for (seed, entries) live; meta.json is written last and marks them complete."""

    def __init__(self, root: Path, seed: int, entries: int):
        self.dir = root / "data" / f"s{seed}-n{entries}-g{GENERATOR_VERSION}"
        self.journal_dir = self.dir / "journal"
        self.text = self.dir / "syslog.log"
        self.meta_path = self.dir / "meta.json"

    def meta(self) -> dict[str, object] | None:
        try:
            meta: dict[str, object] = json.loads(self.meta_path.read_text())
        except (OSError, ValueError):
            return None
        return meta if any(self.journal_dir.glob("*.journal")) and self.text.exists() else None


def build(seed: int, entries: int, root: Path = DEFAULT_ROOT, *, force: bool = False, quiet: bool = False) -> Cache:
    """Generate (or reuse) the journal directory and text file for (seed, entries)."""
    cache = Cache(root, seed, entries)
    if not force and cache.meta() is not None:
        return cache
    tool = journal_remote()
    if tool is None:
        sys.exit("systemd-journal-remote is not installed (apt-get install systemd-journal-remote)")
    if cache.dir.exists():
        shutil.rmtree(cache.dir)
    cache.journal_dir.mkdir(parents=True)
    started = time.perf_counter()
    # Streamed through a pipe (the export of 1M entries is ~1 GB): build_journal() takes the whole export as
    # one bytes object, so the same tool is driven here with the same export_entry() encoding.
    remote = subprocess.Popen([tool, "-o", str((cache.journal_dir / "bench.journal").resolve()), "-"],
                              stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert remote.stdin is not None
    kinds: Counter[str] = Counter()
    per_unit: Counter[str] = Counter()
    priorities: Counter[int] = Counter()
    text_lines = 0
    multiline = 0
    first = last = 0
    with open(cache.text, "w", encoding="utf-8") as text:
        batch: list[bytes] = []
        write = remote.stdin.write
        for unit, msg, clock, mono in generate(seed, entries):
            fields = journal_fields(unit, msg, clock, mono)
            batch.append(export_entry(fields))
            line = syslog_text(unit, msg, clock)
            text.write(line)
            text_lines += line.count("\n")
            multiline += "\n" in msg.message
            kinds[msg.kind] += 1
            about = str(fields.get("UNIT") or unit.name or "kernel")
            per_unit["session-N.scope" if about.startswith("session-") else about] += 1
            priorities[msg.priority] += 1
            first = first or clock.usec
            last = clock.usec
            if len(batch) >= 2000:
                write(b"".join(batch))
                batch.clear()
        write(b"".join(batch))
    remote.stdin.close()
    stderr = remote.stderr.read().decode(errors="replace") if remote.stderr else ""
    if remote.wait() != 0:
        sys.exit(f"systemd-journal-remote failed: {stderr.strip()}")
    error_kinds = {k: v for k, v in kinds.items() if k not in ("normal", "benign")}
    meta = {
        "seed": seed, "entries": entries, "generator_version": GENERATOR_VERSION,
        "text_lines": text_lines, "multiline_entries": multiline,
        "first_usec": first, "last_usec": last,
        "error_entries": sum(error_kinds.values()), "benign_mentions": kinds.get("benign", 0),
        "kinds": dict(sorted(kinds.items())), "units": dict(per_unit.most_common()),
        "priorities": {str(k): v for k, v in sorted(priorities.items())},
        "expected_shipped_hits": {rule: kinds.get(kind, 0) for kind, rule in EXPECTED_RULE.items()},
        "journal_files": sorted(p.name for p in cache.journal_dir.glob("*.journal")),
        "journal_bytes": sum(p.stat().st_size for p in cache.journal_dir.glob("*.journal")),
        "text_bytes": cache.text.stat().st_size,
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    tmp = cache.meta_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n")
    os.replace(tmp, cache.meta_path)
    if not quiet:
        print(f"built {cache.dir} in {meta['build_seconds']} s", file=sys.stderr)
    return cache


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=DEFAULT_ENTRIES, help="number of journal entries")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="where generated data goes")
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args()
    cache = build(args.seed, args.entries, args.root, force=args.force)
    meta = cache.meta()
    print(json.dumps({"dir": str(cache.dir), **(meta or {})}, indent=2))


if __name__ == "__main__":
    main()
