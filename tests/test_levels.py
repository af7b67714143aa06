"""Effective severity: the level a program wrote into its line (engine/levels.py and its C twin, sources/levels.h;
the runtime crash headers in engine/crash_levels.py and sources/crash_levels.h).

1. A corpus of lines in the formats real programs write (each with the program it imitates), runtime crash
   headers, and benign look-alikes: client text, URLs, quoted values, a level word in the middle of a line.
2. C and Python give the same answer: on the corpus, and on generated lines (hypothesis) built from the
   pieces the grammar cares about, raw bytes and invalid UTF-8 included.
3. effective_priority: the text counts only when PRIORITY is missing or 6.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logsentry.engine.levels import LEVEL_WORDS, effective_priority, text_level
from logsentry.model import Entry
from logsentry.sources import _journalscan

EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = range(8)

# (expected, line, what writes it)
CORPUS: list[tuple[int | None, str, str]] = [
    # access logs: the status is the level, 5xx err, and nothing else in the line is read (engine/access_levels.py)
    (ERR, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /api HTTP/1.1" 502 157 "-" "curl/8.5.0"', "nginx combined"),
    (ERR, '192.168.58.11 - - [03/Nov/2024:06:09:29 +0000] "GET / HTTP/1.1" 502 559 "-" "Mozilla/5.0 (Windows NT 10.0; '
          'Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36" "-"',
     "ingress-nginx's log-format-upstream (kubernetes/ingress-nginx#12285)"),
    (ERR, '192.0.2.7 - - [02/Jan/2024:10:00:00 +0100] "POST /login HTTP/1.1" 500 -', "Apache httpd common"),
    (ERR, 'www.example.com - alice [02/Jan/2024:10:00:00 -0500] "GET / HTTP/2.0" 503 0 "-" "-"',
     "Apache HostnameLookups, a basic-auth user"),
    (ERR, '2001:db8::1 - - [02/Jan/2024:10:00:00.123 +0000] "GET /x HTTP/1.1" 504 12', "IPv6, a fraction"),
    (ERR, 'shop.example.com:443 203.0.113.9 - - [02/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 500 1432 "-" "curl/8"',
     "Apache's vhost_combined (Debian's other_vhosts_access.log)"),
    (None, 'a b 203.0.113.9 - - [02/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 500 1432', "five tokens: no layout"),
    (ERR, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /?q=ERROR HTTP/1.1" 500 12', "gunicorn access log"),
    (ERR, '[2024-01-02T10:00:00.310Z] "POST /api/v1/locations HTTP/2" 503 UH 154 0 226 100 "10.0.35.28" "-"',
     "Envoy's default format"),
    (None, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "ERROR: 1"', "a 200"),
    (None, '10.0.0.1 - ERROR [02/Jan/2024:10:00:00 +0000] "GET / HTTP/1.1" 401 12', "a user named ERROR"),
    (None, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /\\" 500 1 HTTP/1.1" 200 12', "Apache's escaped quote"),
    (None, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /\\x22 500 1 HTTP/1.1" 302 0', "nginx's escaped quote"),
    (None, '[2024-01-02T10:00:00Z] "GET / HTTP/1.1" 200 - 0 12 3 2 "-"', "Envoy, a 200"),
    (ERR, "10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/<NOSRV> -1/-1/-1/-1/+0 503 212 - - SC-- "
          '1/1/0/0/0 0/0 "GET / HTTP/1.1"', "HAProxy option httplog, no server"),
    (None, "10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- "
           '1/1/1/1/0 0/0 {ERROR: x} {} "GET /index.html HTTP/1.1"', "HAProxy, a 200 and a captured header"),
    # log4j / logback / slf4j / Spring Boot / Hadoop / ZooKeeper / Kafka / Tomcat
    (ERR, "2024-01-02 10:00:00,123 ERROR [main] c.e.Foo - Connection refused", "log4j %d %-5p [%t] %c - %m"),
    (WARNING, "10:00:00.123 [main] WARN  c.e.Foo - slow query", "logback default pattern"),
    (ERR, "ERROR [main] com.example.Api - request failed", "log4j %-5p [%t] %c - %m"),
    (CRIT, "2024-01-02 10:00:00,123 FATAL [main] o.a.h.Server - shutting down", "log4j FATAL"),
    (ERR, "2024-01-02T10:00:00.123+01:00 ERROR 1234 --- [main] c.e.Foo : boom", "Spring Boot 3"),
    (INFO, "2024-01-02 10:00:00.123  INFO 1234 --- [           main] c.e.App : Started App", "Spring Boot 2"),
    (WARNING, "2024-01-02 10:00:00,123 WARN org.apache.hadoop.hdfs.DFSClient: Failed to connect", "Hadoop"),
    (WARNING, "2024-01-02 10:00:00,123 [myid:1] - WARN  [QuorumPeer[myid=1]:Follower@129] - Exception",
     "ZooKeeper"),
    (ERR, "[2024-01-02 10:00:00,123] ERROR Error processing message (kafka.server.KafkaApis)", "Kafka"),
    (ERR, "02-Jan-2024 10:00:00.123 SEVERE [main] org.apache.catalina.startup.Catalina.start Failed",
     "Tomcat JULI OneLineFormatter (JUL's SEVERE: SLF4J's bridge maps it to ERROR)"),
    (ERR, "SEVERE: Servlet.service() for servlet [jsp] threw exception", "java.util.logging SimpleFormatter"),
    (ERR, "ERROR [2024-01-02 10:00:00,123] com.example.App: boom", "Dropwizard"),
    # Python logging, uvicorn, gunicorn, Celery, Django
    (ERR, "ERROR:root:something failed", "Python logging basicConfig %(levelname)s:%(name)s:%(message)s"),
    (WARNING, "WARNING:urllib3.connectionpool:Retrying", "Python logging basicConfig"),
    (ERR, "[ERROR] 2024-01-02T10:00:00.123Z abc-123 Task timed out", "AWS Lambda Python"),
    (ERR, "2024-01-02 10:00:00,123 - myapp.db - ERROR - connection lost", "Python %(asctime)s - %(name)s - ..."),
    (CRIT, "2024-01-02 10:00:00,123 - my-app.worker - CRITICAL - out of memory", "Python logging"),
    (ERR, "myapp - ERROR - connection lost", "Python %(name)s - %(levelname)s - %(message)s"),
    (ERR, "ERROR:    Exception in ASGI application", "uvicorn"),
    (INFO, 'INFO:     127.0.0.1:51234 - "GET /search?q=ERROR HTTP/1.1" 200 OK', "uvicorn access"),
    (CRIT, "[2024-01-02 10:00:00 +0000] [1234] [CRITICAL] WORKER TIMEOUT (pid:5678)", "gunicorn"),
    (ERR, "[2024-01-02 10:00:00,123: ERROR/MainProcess] Task app.tasks.add[abc] raised", "Celery"),
    (ERR, "2024-01-02 10:00:00,123 ERROR django.request Internal Server Error: /api/", "Django"),
    # glog / klog
    (ERR, "E1130 12:00:00.123456 1234 file.cc:12] Check failed", "glog"),
    (INFO, "I0102 10:00:00.123456       1 main.go:12] Starting kubelet", "klog"),
    (WARNING, "W0102 10:00:00.123456    7890 reflector.go:324] watch closed", "klog"),
    (CRIT, "F0102 10:00:00.123456 1 server.go:99] unable to load config", "klog"),
    (ERR, "E20241130 12:00:00.123456 1234 file.cc:12] with the year", "glog 0.7"),
    # logfmt
    (ERR, 'ts=2024-01-02T10:00:00.123Z caller=main.go:42 level=error msg="scrape failed"', "go-kit/Prometheus"),
    (ERR, 'level=error ts=2024-01-02T10:00:00Z caller=ruler.go:1 msg="rule evaluation failed"', "Loki"),
    (ERR, "t=2024-01-02T10:00:00+0000 lvl=eror msg=\"Request error\" logger=context", "log15 / Grafana"),
    (WARNING, 'time="2024-01-02T10:00:00Z" level=warning msg="memory limit reached"', "logrus text"),
    (ERR, 'time=2024-01-02T10:00:00.000Z level=ERROR msg="failed" err="EOF"', "slog TextHandler"),
    (WARNING, 'ts=1 level="warn" msg=x', "logfmt, quoted level"),
    (INFO, 'msg="level=error in the input" level=info', "logfmt: the quoted value is no key"),
    # JSON lines
    (ERR, '{"level":"error","ts":1704189600.123,"caller":"main.go:42","msg":"failed"}', "zap"),
    (ERR, '{"time":"2024-01-02T10:00:00Z","level":"ERROR","msg":"failed"}', "slog JSONHandler"),
    (ERR, '{"level":50,"time":1704189600123,"pid":1,"hostname":"x","msg":"failed"}', "pino"),
    (CRIT, '{"name":"app","hostname":"x","pid":1,"level":60,"msg":"fatal","time":"2024-01-02T10:00:00Z","v":0}',
     "bunyan"),
    (ERR, '{"severity":"ERROR","message":"failed","time":"2024-01-02T10:00:00Z"}', "Google Cloud logging"),
    (ERR, '{"@timestamp":"2024-01-02T10:00:00.123Z","@version":"1","message":"x \\"level\\": info",'
          '"logger_name":"c.e.Foo","thread_name":"main","level":"ERROR","level_value":40000}',
     "logstash-logback-encoder"),
    (ERR, '{"event": "db down", "level": "error", "timestamp": "2024-01-02T10:00:00Z"}', "structlog"),
    (ERR, '{"message":"x","context":{"level":"info"},"level":400,"level_name":"ERROR","channel":"app"}',
     "Monolog (nested level ignored)"),
    (ALERT, '{"version":"1.1","host":"x","short_message":"y","level":1}', "GELF"),
    (ERR, '{"level":3,"host":"x","short_message":"y","version":"1.1"}', "GELF, its required key after the level"),
    (INFO, '{"reqId":"GgVWoEhThpnlrKa84YcP","level":1,"time":"2021-08-04T08:09:12+02:00","remoteAddr":'
           '"87.111.222.222","user":"tech@another.com","app":"admin_audit","method":"PROPFIND","url":'
           '"/remote.php/dav/files/tech@another.com/","message":"Login successful: \\"tech@another.com\\"",'
           '"userAgent":"RaiDrive/2020.11.38.0","version":"21.0.3.1"}',
     "Nextcloud audit.log, INFO (allinurl/goaccess#2159): its 1 is no syslog alert"),
    (WARNING, '{"reqId":"a","level":2,"time":"t","app":"PHP","message":"Undefined index"}', "Nextcloud WARN"),
    (ERR, '{"reqId":"a","level":3,"time":"t","app":"core","message":"x"}', "Nextcloud ERROR"),
    (CRIT, '{"reqId":"a","level":4,"time":"t","app":"core","message":"x"}', "Nextcloud FATAL"),
    (DEBUG, '{"reqId":"a","level":0,"time":"t","app":"core","message":"x"}', "Nextcloud DEBUG"),
    (None, '{"reqId":"a","level":6,"message":"x"}', "no level 6 in Nextcloud's scale"),
    (None, '{"level":3,"message":"x"}', "a small number with no schema: whose scale is unknown"),
    (None, '{"level":2,"data":{"reqId":"a","short_message":"b"}}', "schema keys nested in a value are no schema"),
    (ERR, '{"Timestamp":"2024-01-02T10:00:00Z","Level":"Error","MessageTemplate":"x"}', "Serilog JsonFormatter"),
    (ERR, '{"timestamp":"2024-01-02T10:00:00.123Z","level":"ERROR","fields":{"message":"x"},"target":"app"}',
     "tracing-subscriber json"),
    (WARNING, '{"lvl":"warn","msg":"x"}  ', "log15 JSON, trailing blanks"),
    # sd-daemon, syslog words
    (ERR, "<3>failed to bind socket", "sd-daemon(3) SD_ERR"),
    (DEBUG, "<7>tick", "sd-daemon(3) SD_DEBUG"),
    (ERR, "<err> device unreachable", "syslog-style level word"),
    # Apache, nginx
    (ERR, "[Tue Dec 20 02:55:07.123456 2020] [proxy:error] [pid 1234:tid 5678] [client 10.0.0.1:4242] "
          "AH00898: Error reading from remote server", "Apache 2.4"),
    (CRIT, "[Tue Dec 20 02:55:07.123456 2020] [core:crit] [pid 1] AH00102: shutting down", "Apache 2.4"),
    (ERR, "[Tue Dec 20 02:55:07 2020] [error] [client 10.0.0.1] File does not exist: /var/www/x", "Apache 2.2"),
    (ERR, "[Tue Dec 20 02:55:07.123456 2020] [:error] [pid 1] [client 1.2.3.4:5] PHP Warning: x",
     "Apache 2.4 without module"),
    (DEBUG, "[Tue Dec 20 02:55:07.123456 2020] [authz_core:trace3] [pid 1] x", "Apache trace3"),
    (EMERG, "2024/01/02 10:00:00 [emerg] 1234#0: bind() to 0.0.0.0:80 failed (98: Address in use)", "nginx"),
    (CRIT, "2024/01/02 10:00:00 [crit] 1234#1234: *5 connect() to unix:/run/php.sock failed", "nginx"),
    # PostgreSQL, MySQL, Redis
    (ERR, 'ERROR:  relation "users" does not exist at character 15', "PostgreSQL without prefix"),
    (ERR, "FATAL:  the database system is starting up", "PostgreSQL FATAL: one session ends (syslog LOG_ERR)"),
    (CRIT, "PANIC:  could not write to file", "PostgreSQL PANIC: the server stops (syslog LOG_CRIT)"),
    (ERR, "2024-01-02 10:00:00.123 UTC [123] FATAL:  password authentication failed", "PostgreSQL %m [%p]"),
    (ERR, "2024-01-02 10:00:00.123 UTC [123] app@shop FATAL:  too many connections for role", "PostgreSQL %u@%d"),
    (CRIT, "2024-01-02 10:00:00.123 UTC [77] PANIC:  could not locate a valid checkpoint record", "PostgreSQL, prefix"),
    (CRIT, "2024-01-02 10:00:00,123 FATAL [main] c.e.App - cannot start", "log4j FATAL stays crit"),
    (CRIT, "FATAL: cannot open config", "FATAL: with one space is not PostgreSQL's"),
    (EMERG, "PANIC: kernel said so", "PANIC: with one space is not PostgreSQL's"),
    (ERR, '2024-01-02 10:00:00.123 UTC [123] postgres@mydb ERROR:  syntax error at or near "x"',
     "PostgreSQL Debian default %m [%p] %q%u@%d"),
    (INFO, "2024-01-02 10:00:00.123 UTC [123] LOG:  checkpoint starting: time", "PostgreSQL LOG"),
    (ERR, "2023-05-10 12:00:01 UTC:10.0.1.5(53422):app@appdb:[12345]:ERROR:  deadlock detected",
     "PostgreSQL on Amazon RDS: %t:%r:%u@%d:[%p]:"),
    (ERR, "2023-05-10 12:00:03 UTC::@:[4321]:FATAL:  the database system is shutting down", "RDS, no user"),
    (CRIT, "2023-05-10 12:00:03 UTC:[local]:postgres@appdb:[4321]:PANIC:  could not write to file", "RDS, local"),
    (ERR, "2023-05-10 12:00:02 UTC [12345]: [2-1] user=app,db=appdb,app=psql,client=10.0.1.5 ERROR:  deadlock "
          "detected", "PostgreSQL, pgbadger's %t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h"),
    (WARNING, "2023-05-10 12:00:02 UTC [12345]: [3-1] user=,db=,app=,client= WARNING:  worker took too long",
     "pgbadger's, empty values"),
    (INFO, "2023-05-10 12:00:02 UTC [12345]: [3-1] user=,db=,app=,client= LOG:  checkpoint starting: time",
     "pgbadger's LOG"),
    (ERR, "< 2023-05-10 12:00:02.123 UTC >ERROR:  relation \"x\" does not exist", "PostgreSQL, Red Hat's < %m >"),
    (ERR, "2024-01-02T10:00:00.123456Z 0 [ERROR] [MY-010119] [Server] Aborting", "MySQL 8"),
    (WARNING, "2024-01-02T10:00:00.123456Z 0 [Warning] [MY-010068] [Server] CA certificate is self signed",
     "MySQL 8"),
    (NOTICE, "2024-01-02T10:00:00.123456Z 0 [Note] mysqld: ready for connections.", "MySQL 5.7"),
    (WARNING, "1234:M 02 Jan 2024 10:00:00.123 # WARNING overcommit_memory is set to 0!", "Redis"),
    (NOTICE, "1234:C 02 Jan 2024 10:00:00.123 * Redis is starting", "Redis"),
    # Haskell katip, Go, Rust, Ruby, PHP, Node, zerolog, hclog, Elasticsearch
    (ERR, "[2020-12-20 02:55:07][Cachix][Error][cachix-1][PID 654][ThreadId 12][main:Cachix.Server "
          "src/Cachix/Server.hs:42:5] thread blocked indefinitely in an MVar operation", "katip"),
    (INFO, "[2020-12-20 02:55:07][Cachix][Info][cachix-1][PID 654][ThreadId 12] GET /api/v1/cache ERROR",
     "katip, a level word later"),
    (CRIT, "panic: runtime error: invalid memory address or nil pointer dereference", "Go runtime"),
    (CRIT, "fatal error: all goroutines are asleep - deadlock!", "Go runtime.throw"),
    (ERR, "[2024-01-02T10:00:00Z ERROR my_crate::db] connection refused", "Rust env_logger"),
    (WARNING, "2024-01-02T10:00:00.123456Z  WARN my_crate::http: slow response", "Rust tracing-subscriber"),
    (ERR, "\x1b[2m2024-01-02T10:00:00.123456Z\x1b[0m \x1b[31mERROR\x1b[0m \x1b[2mmy_crate\x1b[0m: failed",
     "tracing-subscriber with ANSI colours"),
    (ERR, "E, [2024-01-02T10:00:00.123456 #1234] ERROR -- app: boom", "Ruby Logger"),
    (WARNING, "W, [2024-01-02T10:00:00.123456 #1234]  WARN -- : slow", "Ruby Logger"),
    (CRIT, "PHP Fatal error:  Uncaught Exception: x in /var/www/index.php:3", "PHP error_log"),
    (WARNING, "[02-Jan-2024 10:00:00 UTC] PHP Warning:  Undefined variable $x in /a.php on line 2", "PHP"),
    (WARNING, "[02-Jan-2024 10:00:00] WARNING: [pool www] child 12 exited on signal 9", "php-fpm"),
    (ERR, "error: connect ECONNREFUSED 127.0.0.1:5432", "winston simple format"),
    (ERR, "Error: ENOENT: no such file or directory, open '/x'", "Node uncaught error"),
    (ERR, "10:00AM ERR failed to connect error=\"dial tcp\"", "zerolog ConsoleWriter"),
    (ERR, "2024-01-02T10:00:00.123Z\tERROR\tserver/main.go:42\tfailed", "zap console encoder"),
    (ERR, "EROR[01-02|10:00:00] Request error                 err=x", "log15 terminal"),
    (ERR, "2024-01-02T10:00:00.123Z [ERROR] agent: failed to sync: error=x", "hclog (Consul, Vault)"),
    (WARNING, "[2024-01-02T10:00:00,123][WARN ][o.e.c.r.a.DiskThresholdMonitor] [node-1] low disk",
     "Elasticsearch"),
    (DEBUG, "DEBUG1:  StartTransaction", "PostgreSQL DEBUG1"),
    # older Redis: no year (2.8 to 4.0), the pid in brackets (2.6), no milliseconds (2.4)
    (WARNING, "1255:M 14 Oct 03:00:46.069 # Can't save in background: fork: Cannot allocate memory",
     "Redis 2.8-4.0"),
    (NOTICE, "41738:C 04 Feb 11:16:39.860 * DB saved on disk", "Redis 2.8-4.0, RDB child"),
    (DEBUG, "7:S 4 Feb 11:16:39.860 . Client closed connection", "Redis 2.8-4.0 debug, one-digit day"),
    (NOTICE, "[41738] 04 Feb 11:16:39.860 * Background saving started by pid 41740", "Redis 2.6"),
    (WARNING, "[1243] 17 Oct 10:22:41 # Server started, Redis version 2.4.17", "Redis 2.4"),
    (DEBUG, "[1243] 17 Oct 10:22:41 - 0 clients connected (0 slaves), 790448 bytes in use", "Redis 2.4 verbose"),
    (WARNING, "1234:M 2024-01-02T10:00:00.123+01:00 # WARNING Memory overcommit must be enabled!",
     "Valkey log-timestamp-format iso8601"),
    (NOTICE, "1234:S 1704186000123 * MASTER <-> REPLICA sync started", "Valkey log-timestamp-format milliseconds"),
    # runtime crash headers: crit when the process dies of it, err when a thread did or it may be caught
    (ERR, "Traceback (most recent call last):", "CPython traceback.c / traceback.py"),
    (ERR, 'Traceback (most recent call last):\n  File "/srv/app/worker.py", line 88, in run\nKeyError: \'x\'',
     "a whole traceback in one entry"),
    (CRIT, "Fatal Python error: Segmentation fault", "CPython faulthandler"),
    (CRIT, "Fatal Python error: _PyMem_DebugMalloc: Python memory allocator called without holding the GIL",
     "CPython Py_FatalError"),
    (CRIT, 'Exception in thread "main" java.lang.IllegalStateException: Failed to load ApplicationContext',
     "JVM ThreadGroup.uncaughtException, main thread"),
    (CRIT, 'Exception in thread "main" java.lang.StackOverflowError', "JVM, a Throwable without message"),
    (ERR, 'Exception in thread "pool-1-thread-3" java.lang.NullPointerException: Cannot invoke "String.length()"',
     "JVM, a worker thread"),
    (ERR, 'Exception in thread "Thread-0" com.example.Worker$RetryException', "JVM, a nested class"),
    (CRIT, "thread 'main' panicked at src/main.rs:10:5:", "Rust 1.73+ std panic hook"),
    (CRIT, "thread 'main' panicked at 'called `Option::unwrap()` on a `None` value', src/main.rs:4:37",
     "Rust before 1.73"),
    (CRIT, "thread 'main' (1234567) panicked at src/main.rs:10:5:", "Rust with the thread id"),
    (ERR, "thread 'tokio-runtime-worker' panicked at src/api.rs:42:9:", "Rust, a worker thread"),
    (ERR, "thread '<unnamed>' panicked at /root/.cargo/registry/src/hyper-0.14.27/src/proto/h1/role.rs:1:2:",
     "Rust, an unnamed thread"),
    (CRIT, "thread 'worker' has overflowed its stack", "Rust stack overflow"),
    (CRIT, "fatal runtime error: stack overflow", "Rust rtabort"),
    (CRIT, "Unhandled exception. System.InvalidOperationException: Unable to resolve service for type 'IClock'",
     ".NET Core 3.0+"),
    (CRIT, "Unhandled Exception: System.IO.FileNotFoundException: Could not load file or assembly 'Shop.Core'",
     ".NET Framework, .NET Core 1-2"),
    (CRIT, "Unhandled exception. Npgsql.NpgsqlException", ".NET, no message"),
    (CRIT, "node:internal/modules/cjs/loader:1080", "Node.js, a throw in its own module"),
    (CRIT, "node:events:495", "Node.js, an unhandled 'error' event"),
    (CRIT, "node:internal/process/promises:288", "Node.js, an unhandled rejection"),
    (CRIT, "/srv/shop-api/server.js:42", "Node.js, a throw in a script"),
    (CRIT, "file:///srv/shop-api/index.mjs:7", "Node.js, an ES module"),
    (CRIT, "Node.js v20.11.1", "Node.js's trailer after a fatal exception"),

    # benign look-alikes: no level where the program writes its level
    (None, "GET /search?q=ERROR HTTP/1.1 200", "a URL"),
    (None, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /ERROR HTTP/1.1" 404 12', "an access log"),
    (None, '10.0.0.1 - - [02/Jan/2024:10:00:00 +0000] "GET /?level=error HTTP/1.1" 200 12', "an access log"),
    (None, 'user said "level=error"', "a quoted value"),
    (None, "request failed with ERROR in upstream", "a level word in the middle"),
    (None, "error count: 0", "error followed by a word"),
    (None, "ERRORS: 0", "no level word"),
    (None, "Errors=0 warnings=3", "no level key"),
    (None, "Processing [ERROR] report", "a bracket after a word"),
    (None, '{"user":{"level":"error"},"msg":"x"}', "a nested key"),
    (None, '{"msg":"\\"level\\":\\"error\\""}', "an escaped key inside a value"),
    (None, '{"level":"error","msg":"x"', "not a whole object"),
    (None, '{"level":true}', "not a level value"),
    (None, '{"level":40000}', "no level number"),
    (None, "q=level=error", "a value"),
    (None, "user=bob said level=error", "not logfmt all the way"),
    (None, "Started Session 42 of User root.", "systemd"),
    (None, "Accepted publickey for deploy from 192.0.2.10 port 52234 ssh2", "sshd"),
    (None, "pam_unix(cron:session): session closed for user root", "cron"),
    (None, "   at com.example.Foo.bar(Foo.java:42)", "a stack frame"),
    (None, "[main] request for /ERROR failed", "bracket, then text"),
    (None, "2024-01-02 10:00:00 GET /api?level=error 200", "timestamp, then a request"),
    (None, "eRRor: mixed case", "mixed case"),
    (None, "errors: 3", "a plural"),
    (None, "ERRONEOUS: input", "a longer word"),
    (None, "client 10.0.0.1 ERROR", "text first"),
    (None, "", "empty"),
    (None, "<8>not a syslog level", "sd-daemon prefixes go to 7"),
    (None, "panicked at src/main.rs:2:5", "a longer word"),
    (None, "E1130 not glog", "no glog header"),
    (None, "2024-01-02 10:00:00 user@host said ERROR", "the user@db slot is PostgreSQL's, once"),
    (None, "2023-05-10 12:00:02 10.0.0.5 GET /x?q=ERROR:  y 200", "PostgreSQL's word after =: a query string"),
    (None, '2023-05-10 12:00:02 client said "x" ERROR:  y', "PostgreSQL's word after a quote: client text"),
    (None, "2023-05-10 12:00:02 job failed: ERROR:  y", "PostgreSQL's word quoted after another's `word: `"),
    (None, "2023-05-10 12:00:02 " + "x" * 190 + " ERROR:  y", "PostgreSQL's word past MAX_PREFIX"),
    (None, "2024-01-02 10:00:00,123 PHP FATAL [main] o.a.h.Server - x", "PHP's prefix with no PHP level: no zone"),
    # crash headers only where the runtime writes them: at the start, whole, in the runtime's case
    (None, '10.0.0.5 - - [01/Mar/2024:10:00:00 +0000] "GET /search?q=Traceback (most recent call last): HTTP/1.1" '
           '200 12', "a URL"),
    (None, "GET /search?q=Traceback%20(most%20recent%20call%20last) HTTP/1.1 200", "a URL"),
    (None, 'user said "Traceback (most recent call last):"', "quoted"),
    (None, "Traceback (most recent call last): see the log above", "more than the header"),
    (None, "traceback (most recent call last):", "the runtime's case"),
    (None, "printing Traceback (most recent call last):", "mid-line"),
    (None, "Fatal Python errors are rare", "not the header"),
    (None, 'Exception in thread "main" was caught and logged', "a sentence, not a class"),
    (None, "Exception in thread main java.lang.IllegalStateException: x", "no quotes"),
    (None, 'GET /?q=Exception in thread "main" java.lang.Error HTTP/1.1', "a URL"),
    (None, "thread 'main' finished in 3 ms", "no panic"),
    (None, "thread 'main' panicked at ", "no location"),
    (None, "client said: thread 'main' panicked at src/main.rs:1:1:", "mid-line"),
    (None, "Unhandled exception. The most likely cause is an issue in the function code.", "a sentence"),
    (None, "unhandled exception. System.Exception: x", "the runtime's case"),
    (None, "Unhandled exception: System.Exception: x", "neither runtime wording"),
    (None, "fatal runtime errors: 0", "not the prefix"),
    (None, "node:events is a core module", "not a header"),
    (None, "node:internal/modules/cjs/loader:1080:15", "a stack position, not the header"),
    (None, "/srv/shop-api/server.js:42 returned 500", "more than the header"),
    (None, "/srv/shop-api/server.py:42", "not a script Node runs"),
    (None, "loading /srv/shop-api/server.js:42", "mid-line"),
    (None, "GET /srv/a.js:42 HTTP/1.1", "a request"),
    (None, "Node.js v20.11.1 detected, starting worker pool", "a banner"),
    (None, "Server listening on port 3000 (Node.js v20.11.1)", "mid-line"),
    (None, "[1243] 17 Oct 10:22:41 Server started", "no Redis level character"),
    (None, "[1243] 17 October 10:22:41 # Server started", "not Redis's date"),
    (None, "1255:Q 14 Oct 03:00:46.069 # x", "not a Redis role"),
    (None, "1255:M 14 Oct 03:00:46.06 # x", "not Redis's milliseconds"),
    (None, "[main] 17 Oct 10:22:41 # x", "not a pid"),
    (None, "1234:M 2024-01-02T10:00:00.123Z # x", "not Valkey's zone"),
    (None, "1234:M 170418600012 # x", "not Valkey's milliseconds"),
    (ERR, "2017-12-05 16:32:37,435 fail2ban.utils          [10775]: ERROR   7f6cb9bb1570 -- returned 1",
     "fail2ban: Python logging's %(name)-24s[%(process)d]: %(levelname)-7s"),
    (NOTICE, "2017-12-05 16:32:37,436 fail2ban.actions        [10775]: NOTICE  [sshd] Ban 203.0.113.7",
     "fail2ban NOTICE"),
    (WARNING, "2017-12-05 16:32:37,436 fail2ban.transmitter.longer.name[10775]: WARNING x", "a name of 24 or more"),
    (None, "2017-12-05 16:32:37,436 fail2ban.x   [10775:3]: ERROR x", "a padded name's [pid:tid]"),
    (None, "2017-12-05 16:32:37,436 fail2ban.x   [10775] ERROR x", "a padded name's [pid] without its colon"),
    (None, "request   [123]: ERROR x", "a padded name first is no prefix"),
    (CRIT, "[1614600499] unbound[541:0] fatal error: Could not setup access control list",
     "unbound's fatal_exit: log_vmsg(LOG_CRIT, \"fatal error\", ...)"),
    (ERR, "[1614600499] unbound[541:0] error: cannot parse access control: .0/24 allow", "unbound's error"),
    (None, "[1614600499] unbound[541:0] fatal errors: 0", "not the phrase"),
    (ERR, "LibClamAV Error: mpool_malloc(): Can't allocate memory (262144 bytes).", "ClamAV's cli_errmsg"),
    (WARNING, "LibClamAV Warning: ***  The virus database is older than 7 days!  ***", "ClamAV's cli_warnmsg"),
    (None, "LibClamAV says: hello", "ClamAV's name and no level"),
    (ERR, "20-sept.-2017 12:05:44.123 GRAVE [main] org.apache.catalina.core.StandardContext.startInternal x",
     "Tomcat in French: JUL's SEVERE as Level.getLocalizedName says it"),
    (ERR, "14-Feb.-2024 08:02:51.117 SCHWERWIEGEND [main] org.apache.catalina.startup.Catalina.start x", "in German"),
    (WARNING, "AVERTISSEMENT: [10.86.86.50]:5701 [] [3.8.5] is merging [multicast]", "JUL's second line, French"),
    (WARNING, "2024-02-14 08:02:51 WARNUNG [main] x", "German WARNING"),
    (INFO, "INFOS: [10.86.86.50]:5701 [] [3.8.5] Accepting socket connection", "French INFO"),
    (None, "grave danger ahead", "a word, not a level"),
    (ERR, "Jan 26 17:19:20 modulemanager\terror\tError initializing module 'x' on 'example.org'",
     "Prosody's file log: source, tab, level, tab"),
    (WARNING, "Jan 26 17:19:20 jitsi.example.com:mod_bosh   warn    Session closed", "Prosody, source_width blanks"),
    (None, "Jan 26 17:19:20 general error x", "one blank apart: words"),
    (None, "general\terror\tx", "no time before"),
    # PostgreSQL's csvlog (csvlog.c write_csvlog: the severity is the 12th field, the SQLSTATE the 13th) and jsonlog
    (ERR, '2023-05-01 10:00:00.123 UTC,"app","shop",123,"10.0.1.5:53422",645a1b2c.7b,3,"SELECT",2023-05-01 '
          '09:59:58 UTC,3/4,0,FATAL,53300,"sorry, too many clients already",,,,,,,,,"psql","client backend"',
     "PostgreSQL csvlog FATAL"),
    (CRIT, '2023-05-01 10:00:00.123 CEST,,,77,,645a1b2c.4d,1,,2023-05-01 09:00:00 CEST,,0,PANIC,XX000,"could not '
           'write to file ""pg_wal/xlogtemp.77"": No space left on device",,,,,,,,,"","checkpointer"',
     "PostgreSQL csvlog PANIC, quotes doubled"),
    (INFO, '2023-05-01 10:00:00.123 +03,"u""x","db,2",123,"[local]",6,1,"idle",2023-05-01 10:00:00 +03,3/4,0,LOG,'
           '00000,"connection authorized: user=u",,,,,,,,,"psql"', "PostgreSQL csvlog LOG, a comma in a field"),
    (WARNING, "2023-05-01 10:00:00 UTC,a,b,c,d,e,f,g,h,i,j,WARNING,01000,x", "PostgreSQL csvlog without ms"),
    (None, "2023-05-01 10:00:00.123 UTC,a,b,c,d,e,f,g,h,i,ERROR,42P01,x", "csvlog: the severity one field early"),
    (None, "2023-05-01 10:00:00.123 UTC,a,b,c,d,e,f,g,h,i,j,ERROR,42P0,x", "csvlog: no SQLSTATE after it"),
    (ERR, '{"timestamp":"2023-05-01 10:00:00.123 UTC","user":"app","pid":123,"error_severity":"FATAL",'
          '"state_code":"53300","message":"sorry, too many clients already"}', "PostgreSQL jsonlog FATAL"),
    (CRIT, '{"timestamp":"2023-05-01 10:00:00.123 UTC","pid":77,"error_severity":"PANIC","message":"x"}',
     "PostgreSQL jsonlog PANIC"),
    (CRIT, "3:04PM FTL cannot open database error=\"permission denied\"", "zerolog console FTL after its time"),
    (EMERG, "2024-01-02T10:00:00Z PNC unexpected state", "zerolog console PNC after an RFC 3339 time"),
    (None, "[2020-03-04 06:48:07.383 9838] FTL branch: master", "Pi-hole's FTL daemon names itself (trial 59 N4)"),
    (None, "FTL has been running for 49 seconds", "Pi-hole's FTL at the line start"),
    (ERR, "[2020-03-04 06:48:07.383 9838] ERR something failed", "zerolog's ERR after a bracket stays a level"),
    (ERR, "2019-02-16 20:53:43 MySQL_HostGroups_Manager.cpp:303:connect_error(): [ERROR] Shunning server "
          "10.22.16.9:4578 with 5 errors/sec. Shunning for 10 seconds", "ProxySQL's proxy_error (trial 59)"),
    (WARNING, "2021-05-03 11:02:01 MySQL_Monitor.cpp:1688:monitor_ping_thread(): [WARNING] Server 10.0.0.5:3306 "
              "missed 3 heartbeats", "ProxySQL's proxy_warning"),
    (ERR, "2021-05-03 11:02:01 ProxySQL_Admin.cpp:5871:Read_Global_Variables_from_configfile(): [ERROR] x",
     "ProxySQL, a C++ place"),
    (None, "2021-05-03 11:02:01 MySQL_Monitor.cpp:1688:monitor(): started [ERROR] later", "a place, then words"),
    (None, "2021-05-03 11:02:01 notes.txt:12:f(): [ERROR] x", "no C or C++ source"),
    (ERR, "2020-07-15 15:42:20: pid 5503: FATAL:  failed to create a backend 1 connection",
     "pgpool-II's default prefix (trial 59)"),
    (WARNING, "2020-07-15 15:42:20: pid 5503: WARNING:  failed to connect to PostgreSQL server", "pgpool-II"),
    (INFO, "2020-07-15 15:42:20: pid 5503: LOG:  child process with pid: 5510 exits with status 256", "pgpool-II"),
    (None, "2020-07-15 15:42:20: pid x: FATAL:  y", "pgpool-II: no pid number"),
    (ERR, "Jicofo 2024-01-13 18:53:26.225 SEVERE: [61] ParticipantInviteRunnable.doRun#219: Can not invite "
          "participant, no bridge available.", "Jitsi's component before its time (trial 59)"),
    (WARNING, "JVB 2024-01-13 18:53:26.225 WARNING: [78] HealthChecker.run#171: Performed a failed health check",
     "Jitsi Videobridge"),
    (None, "Jicofo started at 2024-01-13", "Jitsi's name, no time after it"),
]


def c_text_level(line: str) -> int | None:
    """The C scanner's reading of a line (sources/levels.h), the twin of engine/levels.text_level."""
    return _journalscan.text_level(line.encode())


def misread(corpus: list[tuple[int | None, str, str]],
            level_of: Callable[[str], int | None]) -> list[tuple[str, str, int | None, int | None]]:
    """(what, line, expected, got) for each (expected, line, what) of a corpus that `level_of` reads otherwise."""
    return [(what, line, want, got) for want, line, what in corpus if (got := level_of(line)) != want]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, "\n".join(f"{what}: {line!r}: expected {want}, got {got}" for what, line, want, got in wrong)


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


def test_the_corpus_covers_every_level_and_both_answers() -> None:
    found = {want for want, _, _ in CORPUS}
    assert found == {*range(8), None}
    assert sum(want is None for want, _, _ in CORPUS) >= 30


def test_level_words_in_three_spellings() -> None:
    for word, level in LEVEL_WORDS.items():
        assert text_level(f"[{word}] x") == level
        assert text_level(f"[{word.capitalize()}] x") == level
        # zerolog's FTL and PNC only after a time (Pi-hole's daemon is FTL)
        assert text_level(f"{word.upper()} x") == (None if word in ("ftl", "pnc") else level), word
        assert text_level(f"10:00:00 {word.upper()} x") == level
        assert text_level(f"{word} x") is None, "a lower-case word followed by text is no level"
        assert text_level(f"{word}: x") == (CRIT if word == "panic" else level)  # Go's "panic: " is crit


def test_effective_priority() -> None:
    assert effective_priority(6, "ERROR [main] boom") == (ERR, "text")
    assert effective_priority(None, "ERROR [main] boom") == (ERR, "text")
    assert effective_priority(6, "INFO started") == (INFO, "text")
    assert effective_priority(6, "started") == (6, "journal")
    assert effective_priority(None, "started") == (None, "journal")
    for priority in (0, 1, 2, 3, 4, 5, 7):  # a level the program gave journald is never overridden
        assert effective_priority(priority, "DEBUG boom") == (priority, "journal")
        assert effective_priority(priority, "<0>boom") == (priority, "journal")


def test_entry_works_out_its_effective_priority() -> None:
    entry = Entry(realtime_usec=1, message="FATAL:  x", unit="db.service", priority=6, cursor="c")
    assert (entry.effective_priority, entry.level_source) == (ERR, "text")
    entry = Entry(realtime_usec=1, message="FATAL:  x", unit="db.service", priority=4, cursor="c")
    assert (entry.effective_priority, entry.level_source) == (WARNING, "journal")


def test_multi_line_messages_read_the_first_line_only() -> None:
    assert text_level("request failed\nERROR: x") is None
    assert text_level("ERROR: x\nINFO: y") == ERR


# ---- C and Python agree --------------------------------------------------------------------------------

PIECES = ["ERROR", "error", "Error", "eRRor", "WARN", "warning", "Info", "DEBUG1", "trace9", "FATAL", "PANIC",
          "panic: ", "fatal error: ", "PHP ", "Fatal error", "Warning", ":", ": ", " - ", "-", "---", "|", " ", "  ",
          "\t", "\n", "[", "]", "[ERROR]", "[error ]", "[proxy:error]", "[main]", "[2024-01-02T10:00:00Z ", "{", "}",
          '"', '\\', ",", "=", '"level"', '"level":', '"lvl":"eror"', "50", "400", "7", "level=", "lvl=",
          "severity=", "ts=1 ", "msg=\"a b\" ", "<3>", "<err>", "<", ">", "\x1b[31m", "\x1b[0m", "\x1b[", "2024-01-02",
          "10:00:00,123", "2024/01/02", "UTC", "PM", "@", "postgres@db", "E, [", "E1130 ", "I0102 10:00:00.123456 1 ",
          "file.cc:12] ", "1234:M 02 Jan 2024 10:00:00.123 # ", "name", "my.app", "x", "GET /search?q=", "é",
          "\ufffd", "\u00a0", "ǅ", "Ⅻ", "٣", "/", "#", "*", ".",
          "Traceback (most recent call last):", 'Exception in thread "', "main", '" ', "java.lang.Error", "thread '",
          "'", " (12)", " panicked at ", " has overflowed its stack", "fatal runtime error: ", "Fatal Python error: ",
          "Unhandled exception. ", "Unhandled Exception: ", "System.X`1+Y", "node:", "internal/x", ":12", "Node.js v",
          "20.1.0", "-rc.1", "file://", "/srv/a", ".js", ".mjs", ".cjs", "js:", "[1234] ", "1:M ", "14 Oct ",
          "2024 ", "03:00:46", ".069", " # ", " - ", " * ", "2024-01-02T10:00:00.123", "+01:00", "-03:30",
          "1704186000123"]


@st.composite
def lines(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=14))
    return "".join(parts)


def agree(text: str) -> None:
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines())
def test_c_and_python_agree_on_generated_lines(text: str) -> None:
    agree(text)


ACCESS_PIECES = ["10.0.0.1", "2001:db8::1", "www.example.com", " ", "- ", "-", "alice ", "ERROR ", "[", "]",
                 "[02/Jan/2024:10:00:00 +0000]", "[02/Jan/2024:10:00:00", ".123", ",5", " +0000", "-0500", "] ", '] "',
                 '"', '" ', '\\"', "\\", "\\x22", "GET / HTTP/1.1", "GET /?q=ERROR HTTP/1.1", "500", "502 ", "200",
                 "5000", " 12", "\n", "ERROR: x", "[2024-01-02T10:00:00.310Z]", "[2024-01-02T10:00:00+01:00]", "Z", "é",
                 "x" * 250, "y" * 300]


_REQUEST_SLOTS = [
    ["GET / HTTP/1.1", 'GET /a\\" 500 1 HTTP/1.1', "GET /a\\", "GET /\\x22 500", "", "GET /é", "a\nb"],
    ['" ', '"', " ", '"\n', ""],
    ["500", "502", "200", "5000", "50", "x00", ""],
    ["", " ", " 12", "\n", "x", " ERROR: x"],
]
ACCESS_SLOTS = [  # an access line's parts in order, the first of each valid, then look-alikes (access_levels.py)
    ["10.0.0.1 ", "www.example.com ", "x" * 255 + " ", "x" * 256 + " ", "", "é ", "[", "example.com:443 10.0.0.1 ",
     "a b 10.0.0.1 "],
    ["- ", "-", "a b ", ""],
    ["- ", "ERROR ", "alice ", "", "-  "],
    ["[02/Jan/2024:10:00:00", "[2/Jan/2024:10:00:00", "[02/jan/2024:10:00:00", "[02/Jan/2024 10:00:00", ""],
    ["", ".123", ",5", ".1234567890", ","],
    [" +0000", " -0500", " +000", "+0000", " 0000", ""],
    ['] "', "]", '"', "] ", ""],
    *_REQUEST_SLOTS,
]
HAPROXY_SLOTS = [
    ["10.0.1.2:33317 ", "::ffff:10.0.1.2:33317 ", "10.0.1.2 ", "10.0.1.2:333170 ", "x:1 ", "1:1 ", ":" * 45 + ":1 ",
     "a" * 46 + ":1 ", "g.0.0.1:80 "],
    ["[06/Feb/2009:12:14:14.655] ", "[06/Feb/2009:12:14:14] ", "[06/Feb/2009:12:14:14.65] ",
     '[06/Feb/2009:12:14:14.655] "'],
    ["http-in ", "", "a b ", "x" * 256 + " "],
    ["static/srv1 ", "static ", "/srv ", "static/ ", "a/b/c ", "x" * 255 + "/" + "y" * 255 + " ",
     "x" * 256 + "/y "],
    ["10/0/30/69/109 ", "-1/-1/-1/-1/+0 ", "0/0/1/2 ", "0/0/1/2/3/4 ", "12345678901/0/0/0/0 ", "0/0/0/0/+-1 "],
    ["503", "200", "5000", "50", ""],
    ["", " 212", "\n", " - - SC-- {] \"x} \"GET / HTTP/1.1\"", "x"],
]
ENVOY_SLOTS = [
    ["[2024-01-02T10:00:00", "[2024-01-02 10:00:00", "[24-01-02T10:00:00", "2024-01-02T10:00:00", "[2024-01-02T10:00"],
    ["", ".310", ",310", ".1234567890", "."],
    ["Z", "+01:00", "+0100", "-0130:", "+1", "+01:00:00", "", "z"],
    ['] "', "]", '"', "] "],
    *_REQUEST_SLOTS,
]


@st.composite
def access_lines(draw: st.DrawFn) -> str:
    slots = draw(st.sampled_from([ENVOY_SLOTS, ACCESS_SLOTS, HAPROXY_SLOTS]))
    changed = draw(st.lists(st.integers(0, len(slots) - 1), max_size=3))  # a valid line, up to 3 parts changed
    parts = [draw(st.sampled_from(slot[1:])) if n in changed else slot[0] for n, slot in enumerate(slots)]
    if draw(st.booleans()):  # and a piece anywhere
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(ACCESS_PIECES)))
    return "".join(parts)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(access_lines())
def test_c_and_python_agree_on_access_log_like_lines(text: str) -> None:
    agree(text)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from([line for _, line, _ in CORPUS]), st.integers(0, 200), st.integers(0, 3),
       st.sampled_from(PIECES))
def test_c_and_python_agree_on_mutated_corpus_lines(line: str, at: int, cut: int, piece: str) -> None:
    at = min(at, len(line))
    agree(line[:at] + piece + line[at + cut:])
    agree(line[:at])


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=60), st.sampled_from([line.encode() for _, line, _ in CORPUS]))
def test_c_on_bytes_equals_python_on_decoded_text(raw: bytes, line: bytes) -> None:
    """The scanner reads raw bytes (invalid UTF-8 too); Python reads them decoded with replacement."""
    for data in (raw, line[:20] + raw, line + raw, raw + line):
        assert _journalscan.text_level(data) == text_level(data.decode("utf-8", "replace")), data


@pytest.mark.parametrize("length", [127, 128, 129, 200])
def test_bracket_length_limit_is_the_same(length: int) -> None:
    for line in (f"[{'a' * length}] ERROR x", f"[{'1' * (length - 6)} ERROR] x"):
        agree(line)
    assert text_level(f"[{'a' * 128}] ERROR x") == ERR
    assert text_level(f"[{'a' * 129}] ERROR x") is None


def test_long_lines_agree() -> None:
    for line in ('{"msg":"' + "x" * 70_000 + '","level":"error"}', "level=info " * 5000 + "level=error",
                 "1 " * 20 + "ERROR x", "[a]" * 66 + "[ERROR]", "[a]" * 67 + "[ERROR]", "1 " * 99 + "ERROR",
                 "1 " * 100 + "ERROR", "1 " * 99 + "é ERROR", "ab - " + "1 " * 98 + "ERROR"):
        agree(line)
    assert text_level("[a]" * 66 + "[ERROR]") == ERR
    assert text_level("[a]" * 67 + "[ERROR]") is None, "the level starts within 200 characters"
    assert text_level("1 " * 99 + "ERROR") == ERR
    assert text_level("1 " * 100 + "ERROR") is None


SHORTCUT_PIECES = ["2024-01-02", "10:00:00,123", "2024/01/02", "10:00:00", "123", "0", "UTC", "PM", "ERROR", "INFO",
                   "LOG", "FATAL:", "[1845]", "[2024-01-02 10:00:00 +0000]", "[error]", "[ Warn ]", "[main]", "app@db",
                   "@", "GET", "-", "\t", "  ", "x" * 190, "DEBUG1", "[ERROR]", "WARN:", "E", "é", "PHP"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(SHORTCUT_PIECES), min_size=1, max_size=9), st.sampled_from([" ", "\t", ""]))
def test_the_timestamp_shortcut_agrees_with_the_token_loop(parts: list[str], glue: str) -> None:
    """prefix_levels.timestamp_level answers only when the general token loop gives the same answer."""
    from logsentry.engine.prefix_levels import prefix_level, timestamp_level

    line = "1 " + glue.join(parts)
    shortcut = timestamp_level(line)
    assert shortcut is None or shortcut == prefix_level(line), line
    agree(line)
