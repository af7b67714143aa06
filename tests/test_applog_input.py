"""A program's own log file (sources/applog.py): what bug reports attach and public log collections hold.

Each layout's lines are in the program's own format (the source that writes it named beside it). Before
applog.py every one of these files was refused ("not a journal file ... nor journalctl/syslog text").
"""

from __future__ import annotations

import calendar
import gzip
import json
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import json_events, of_type, run_cli

from logsentry.sources import Selection, open_entries


def _local(*when: int) -> int:
    return int(time.mktime((*when, 0, 0, -1))) * 1_000_000


def _utc(*when: int) -> int:
    return calendar.timegm((*when, 0, 0, 0)) * 1_000_000


# name: (file name, lines, index of the error line, its time in µs)
LAYOUTS: dict[str, tuple[str, list[str], int, int]] = {
    # ZooKeeper's log4j.properties: %d{ISO8601} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n
    "log4j": ("zookeeper.log", [
        "2026-11-28 10:14:28,100 [myid:1] - INFO  [main:QuorumPeerMain@127] - Starting quorum peer",
        "2026-11-28 10:14:29,301 [myid:1] - ERROR [QuorumPeer[myid=1]:QuorumCnxManager@382] - Cannot open channel "
        "to 2 at election address zk2/10.0.0.2:3888",
        "java.net.ConnectException: Connection refused (Connection refused)",
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # PostgreSQL's default log_line_prefix '%m [%p] ' (src/backend/utils/misc/postgresql.conf.sample)
    "postgres": ("postgresql-15-main.log", [
        "2026-11-28 10:14:28.100 UTC [812] LOG:  database system is ready to accept connections",
        "2026-11-28 10:14:29.301 UTC [1152] FATAL:  sorry, too many clients already",
    ], 1, _utc(2026, 11, 28, 10, 14, 29) + 301_000),
    # MySQL 8 error log (log_sink_trad: timestamp thread [label] [err_code] [subsystem])
    "mysql": ("error.log", [
        "2026-11-28T10:14:28.100000Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections.",
        "2026-11-28T10:14:29.301234Z 0 [ERROR] [MY-012592] [InnoDB] Operating system error number 28 in a file "
        "operation.",
    ], 1, _utc(2026, 11, 28, 10, 14, 29) + 301_234),
    # nginx's error log (ngx_log_error_core: "%4d/%02d/%02d %02d:%02d:%02d [%V] %P#%TID: ")
    # MySQL up to 5.6 and MariaDB up to 10.1 (sql/log.cc, InnoDB's ut_print_timestamp: `%02d%02d%02d %2d:%02d:%02d`):
    # read as lines without a time before (helper-172: geerlingguy/ansible-role-mysql#216)
    "mysql-5": ("mysqld.log", [
        "180921  9:59:58 [Note] InnoDB: Using mutexes to ref count buffer pool pages",
        "180921 10:00:21 [ERROR] InnoDB: Error number 28 means 'No space left on device'.",
    ], 1, _local(2018, 9, 21, 10, 0, 21)),
    # Erlang/OTP's error_logger (RabbitMQ up to 3.7, OTP before 21): a report's header holds its time and level, its
    # lines follow (helper-172: rabbitmq/rabbitmq-server#2003 was lines of no time)
    "erlang": ("rabbit@ctl001.log", [
        "=INFO REPORT==== 6-May-2019::03:56:30 ===",
        "=ERROR REPORT==== 6-May-2019::03:56:36 ===",
        "** Generic server rabbit_disk_monitor terminating",
    ], 1, _local(2019, 5, 6, 3, 56, 36)),
    # Cassandra's logback (conf/logback.xml: %-5level [%thread] %date{ISO8601} %F:%L - %msg%n): the level first
    # (helper-173: docker-library/cassandra#246, riptano/cassandra-dtest-deprecated#290 were lines of no time)
    "cassandra": ("system.log", [
        "INFO  [main] 2015-05-21 14:05:22,588 CassandraDaemon.java:122 - JMX is enabled to receive remote connections",
        "ERROR [COMMIT-LOG-ALLOCATOR] 2015-05-21 14:05:30,100 CommitLog.java:397 - Failed managing commit log "
        "segments. Commit disk failure policy is stop; terminating thread",
    ], 1, _local(2015, 5, 21, 14, 5, 30) + 100_000),
    # a log4j2 pattern of `[%-5p] %d ...` (helper-173: anthonyraymond/joal-desktop#102)
    "log4j2-level-first": ("joal.log", [
        "[INFO ] 2023-10-26 19:57:29.101 [           main] o.a.joal.Application: Starting Application",
        "[ERROR] 2023-10-26 19:57:30.940 [           main] o.s.b.d.LoggingFailureAnalysisReporter: Application "
        "failed to start",
    ], 1, _local(2023, 10, 26, 19, 57, 30) + 940_000),
    "nginx": ("nginx-error.log", [
        "2026/11/28 10:14:28 [notice] 812#812: signal process started",
        "2026/11/28 10:14:29 [error] 813#813: *41 connect() failed (111: Connection refused) while connecting to "
        "upstream, client: 10.0.0.7, server: shop, request: \"GET / HTTP/1.1\", upstream: \"http://127.0.0.1:8080/\"",
    ], 1, _local(2026, 11, 28, 10, 14, 29)),
    # Apache httpd 2.4's error log (ErrorLogFormat's default: [%{u}t] [%-m:%l] [pid %P:tid %T] ...)
    "apache": ("error_log", [
        "[Sat Nov 28 10:14:28.100000 2026] [mpm_event:notice] [pid 812:tid 140] AH00489: Apache/2.4.57 configured",
        "[Sat Nov 28 10:14:29.301234 2026] [proxy:error] [pid 813:tid 141] (111)Connection refused: AH00957: "
        "http: attempt to connect to 127.0.0.1:8080 (127.0.0.1:8080) failed",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_234),
    # Redis (serverLogRaw: "%d:%c %s %c %s" pid, role, "%d %b %Y %H:%M:%S.%03d", level mark)
    "redis": ("redis-server.log", [
        "812:M 28 Nov 2026 10:14:28.100 * Ready to accept connections tcp",
        "812:M 28 Nov 2026 10:14:29.301 # Background saving error",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # Redis 3.0 to 4.0 (serverLogRaw: "%d %b %H:%M:%S.%03d", no year: the latest not after the file's time)
    "redis-3": ("redis-server.log", [
        "812:M 28 Nov 10:14:28.100 * The server is now ready to accept connections on port 6379",
        "812:M 28 Nov 10:14:29.301 # Background saving error",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # Redis 2.6 and 2.8 (redis.c, redisLogRaw: "[%d] %s %c %s" pid, "%d %b %H:%M:%S.%03d", level mark),
    # the save loop of a Redis 2.x paste in a bug report (helper trial t10)
    "redis-2": ("redis-server.log", [
        "[812] 28 Nov 10:14:28.100 * 10000 changes in 60 seconds. Saving...",
        "[812] 28 Nov 10:14:29.301 # Background saving error",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # Redis up to 2.4 (redisLog: "%d %b %H:%M:%S", no milliseconds)
    "redis-2.4": ("redis.log", [
        "[812] 28 Nov 10:14:28 * Background saving started by pid 813",
        "[812] 28 Nov 10:14:29 # Background saving error",
    ], 1, _local(2026, 11, 28, 10, 14, 29)),
    # glog (LogMessage::Init: "%c%02d%02d %02d:%02d:%02d.%06d %5d %s:%d] ")
    "glog": ("kube-apiserver.log", [
        "I1128 10:14:28.100000     812 server.go:150] Version: v1.29.0",
        "E1128 10:14:29.301234     812 controller.go:42] Unable to remove endpoints from kubernetes service",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_234),
    # Kafka's log4j.properties: [%d] %p %m (%c)%n
    "kafka": ("server.log", [
        "[2026-11-28 10:14:28,100] INFO [KafkaServer id=1] started (kafka.server.KafkaServer)",
        "[2026-11-28 10:14:29,301] ERROR [ReplicaFetcher replicaId=1, leaderId=2, fetcherId=0] Error for partition "
        "orders-0 at offset 42 (kafka.server.ReplicaFetcherThread)",
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # Spark's conf/log4j2.properties.template: %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n
    "spark": ("spark-worker.log", [
        "26/11/28 10:14:28 INFO Worker: Successfully registered with master spark://master:7077",
        "26/11/28 10:14:29 ERROR Worker: Failed to connect to master master:7077",
    ], 1, _local(2026, 11, 28, 10, 14, 29)),
    # Go: zap's console encoder in production (time, level, caller, message, tab-separated)
    "zap-console": ("api.log", [
        "2026-11-28T10:14:28.100Z\tINFO\tserver/main.go:42\tlistening\t{\"addr\": \":8080\"}",
        "2026-11-28T10:14:29.301Z\tERROR\tdb/conn.go:12\tconnection refused\t{\"host\": \"10.0.0.5\"}",
    ], 1, _utc(2026, 11, 28, 10, 14, 29) + 301_000),
    # zap's JSON encoder: ts in Unix seconds (zapcore.EpochTimeEncoder)
    "zap-json": ("api.log", [
        '{"level":"info","ts":1795860868.1,"caller":"server/main.go:42","msg":"listening","addr":":8080"}',
        '{"level":"error","ts":1795860869.301,"caller":"db/conn.go:12","msg":"connection refused"}',
    ], 1, 1795860869_301000),
    # pino: time in Unix milliseconds, level 50 = error
    "pino": ("web.log", [
        '{"level":30,"time":1795860868100,"pid":812,"hostname":"web1","msg":"server listening"}',
        '{"level":50,"time":1795860869301,"pid":812,"hostname":"web1","msg":"request failed","err":{}}',
    ], 1, 1795860869_301000),
    # logstash-logback-encoder: @timestamp ISO 8601 with an offset
    "logstash": ("shop.log", [
        '{"@timestamp":"2026-11-28T11:14:28.100+01:00","@version":"1","message":"Started","level":"INFO"}',
        '{"@timestamp":"2026-11-28T11:14:29.301+01:00","@version":"1","message":"Payment failed","level":"ERROR"}',
    ], 1, _utc(2026, 11, 28, 10, 14, 29) + 301_000),
    # python-json-logger with asctime (logging's "%Y-%m-%d %H:%M:%S,mmm", no zone: local time)
    "python-json": ("worker.log", [
        '{"asctime": "2026-11-28 10:14:28,100", "levelname": "INFO", "name": "worker", "message": "started"}',
        '{"asctime": "2026-11-28 10:14:29,301", "levelname": "ERROR", "name": "worker", "message": "job failed"}',
    ], 1, _local(2026, 11, 28, 10, 14, 29) + 301_000),
    # logrus's text formatter, no terminal: time="..." level=... msg=...
    "logrus": ("agent.log", [
        'time="2026-11-28T10:14:28Z" level=info msg="agent started"',
        'time="2026-11-28T10:14:29Z" level=error msg="upload failed" error="connection refused"',
    ], 1, _utc(2026, 11, 28, 10, 14, 29)),
    # logrus's text formatter on a terminal with FullTimestamp, as `dockerd --debug` run by hand prints it and
    # bug reports paste it (moby/moby#34091): the level cut to four capitals, the time in brackets
    "logrus-tty": ("dockerd-debug.txt", [
        "INFO[2021-04-12T16:04:16.055946913+08:00] libcontainerd: started new containerd process  pid=1514",
        'ERRO[2021-04-12T16:04:16.068413882+08:00] containerd did not exit successfully          '
        'error="signal: segmentation fault" module=libcontainerd',
    ], 1, _utc(2021, 4, 12, 8, 4, 16) + 68_413),
    # Sidekiq 3 to 5 (lib/sidekiq/logging.rb, Logging::Pretty: TIME PID TID-tid SEVERITY: msg), sidekiq/sidekiq#1941:
    # its pid and `TID-x ERROR` fit syslog's `host ident: ` and the paste was read as journalctl text, no level
    "sidekiq-5": ("sidekiq.log", [
        "2014-09-10T15:43:43Z 60056 TID-oxwbvr7zk INFO: Booting Sidekiq 3.2.1 with redis options {}",
        "2014-09-10T15:43:49Z 60056 TID-oxwbvr7zk ERROR: heartbeat: Waited 1 sec",
        "2014-09-10T15:43:55Z 60056 TID-oxwbvr7zk ERROR: heartbeat: Waited 1 sec",
    ], 1, _utc(2014, 9, 10, 15, 43, 49)),
    # Node-RED's console (@node-red/util/lib/log.js: Node's util.log time `D Mon HH:MM:SS - `, no year, then
    # `[level]`), hassio-addons/app-node-red#1656: no time was read, and no level (trial 5)
    "node-red": ("node-red.log", [
        "2 Aug 21:00:50 - [info] Starting flows",
        "2 Aug 21:00:51 - [error] Error: connect ECONNREFUSED 0.0.0.0:443",
        "    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1495:16)",
    ], 1, _local(2026, 8, 2, 21, 0, 51)),
    # Zigbee2MQTT 1.x's console (lib/util/logger.ts: `Zigbee2MQTT:LEVEL TIME: msg`, the level padded to five),
    # Koenkk/zigbee2mqtt#15175: the time behind the name and level was not read, nor the level (trial 5)
    "zigbee2mqtt-1": ("zigbee2mqtt.txt", [
        "Zigbee2MQTT:info  2022-11-24 23:16:18: Starting zigbee-herdsman (0.14.68)",
        "Zigbee2MQTT:error 2022-11-24 23:16:38: Failed to start zigbee",
    ], 1, _local(2022, 11, 24, 23, 16, 38)),
    # ... and its log file's `LEVEL TIME: msg` (Koenkk/zigbee2mqtt#3238)
    "zigbee2mqtt-1-file": ("log.txt", [
        "debug 2020-04-09 15:48:10: Saving state to file /opt/zigbee2mqtt/data/state.json",
        "error 2020-04-09 15:49:51: Adapter disconnected, stopping",
    ], 1, _local(2020, 4, 9, 15, 49, 51)),
    # Icinga 2's log (lib/base/streamlogger.cpp: `[time] severity/Facility: msg`), Icinga/icinga2#8475: its time was
    # read, its `critical` not (trial 5); crit, as Icinga tells syslog
    "icinga2": ("icinga2.log", [
        "[2020-11-12 14:07:42 +0100] information/ApiListener: Reconnecting to endpoint 'a2' via host '127.0.0.1'",
        "[2020-11-12 14:07:42 +0100] critical/ApiListener: Cannot connect to host '127.0.0.1' on port '5662': "
        "Connection refused",
    ], 1, _utc(2020, 11, 12, 13, 7, 42)),
    # Tomcat's catalina.out (juli's OneLineFormatter: `dd-MMM-yyyy HH:mm:ss.SSS LEVEL [thread] class.method msg`): its
    # level was read, its time not (every line at the file's time, one instant)
    "tomcat": ("catalina.log", [
        "04-Dec-2026 09:15:01.512 INFO [main] org.apache.catalina.startup.Catalina.load Server initialized in [812] "
        "milliseconds",
        "04-Dec-2026 09:15:02.124 SEVERE [main] org.apache.catalina.core.StandardContext.startInternal Context [/app] "
        "startup failed due to previous errors",
    ], 1, _local(2026, 12, 4, 9, 15, 2) + 124_000),
    # java.util.logging's SimpleFormatter by default (the JDK's `%1$tb %1$td, %1$tY %1$tl:%1$tM:%1$tS %1$Tp %2$s%n
    # %4$s: %5$s%6$s%n`): a 12-hour clock, the level and message on the next line, which takes that time
    "jul": ("catalina.2026-12-04.log", [
        "Dec 04, 2026 12:15:01 AM org.apache.catalina.startup.Catalina load",
        "INFO: Server initialized in [812] milliseconds",
        "Dec 04, 2026 9:15:02 PM org.apache.catalina.core.StandardContext startInternal",
        "SEVERE: Context [/app] startup failed due to previous errors",
    ], 3, _local(2026, 12, 4, 21, 15, 2)),
    # MongoDB 4.4+'s log, structured JSON with its time as Extended JSON: refused before ("__REALTIME_TIMESTAMP:
    # expected microseconds since the epoch", read as journalctl -o json)
    "mongodb": ("mongod.log", [
        '{"t":{"$date":"2023-02-08T08:46:01.382+00:00"},"s":"I",  "c":"CONTROL",  "id":20698,   "ctx":"-",'
        '"msg":"***** SERVER RESTARTED *****"}',
        '{"t":{"$date":"2023-02-08T08:46:02.382+00:00"},"s":"E",  "c":"CONTROL",  "id":20557,   "ctx":"initandlisten",'
        '"msg":"DBException in initAndListen, terminating",'
        '"attr":{"error":"FileStreamFailed: Unable to write string 1\\n to file: /data/db/mongod.lock '
        'No space left on device"}}',
    ], 1, _utc(2023, 2, 8, 8, 46, 2) + 382_000),
    # logback's default pattern (%d{HH:mm:ss.SSS} [%thread] %-5level %logger{36} - %msg%n): a time of day alone,
    # read as lines without a time before (every line at the file's time); the date is the latest that puts the
    # first line no later than the file's time (2026-11-30 00:00 UTC)
    "logback": ("app.log", [
        "10:00:00.123 [main] INFO  c.e.demo.DemoApplication - Starting DemoApplication",
        "10:00:05.456 [main] ERROR o.s.boot.SpringApplication - Application run failed",
    ], 1, _local(2026, 11, 29, 10, 0, 5) + 456_000),
    # Elixir's Logger ($time $metadata[$level] $message)
    "elixir": ("my_app.log", [
        "10:00:00.123 [info] Running MyAppWeb.Endpoint with cowboy 2.9.0 at 0.0.0.0:4000 (http)",
        "10:00:05.456 [error] GenServer MyApp.Worker terminating",
    ], 1, _local(2026, 11, 29, 10, 0, 5) + 456_000),
    # PHP-FPM's log (sapi/fpm/fpm/zlog.c: `[%d-%b-%Y %H:%M:%S] LEVEL: `): no time was read before
    "php-fpm": ("php-fpm.log", [
        "[05-Dec-2026 10:00:00] NOTICE: ready to handle connections",
        "[05-Dec-2026 10:05:41] ERROR: unable to bind listening socket for address '/run/php/php8.2-fpm.sock': "
        "Address already in use (98)",
    ], 1, _local(2026, 12, 5, 10, 5, 41)),
    # ... at log_level = debug, with µs
    "php-fpm-debug": ("php-fpm.log", [
        "[05-Dec-2026 10:00:00.000123] DEBUG: pid 812, fpm_event_loop(), line 412: event module is epoll",
        "[05-Dec-2026 10:05:41.250001] ERROR: FPM initialization failed",
    ], 1, _local(2026, 12, 5, 10, 5, 41) + 250_001),
    # PHP's error_log (main.c php_log_err: `[d-M-Y H:i:s e] `, the zone's name)
    "php-error-log": ("php_errors.log", [
        "[05-Dec-2026 10:00:00 UTC] PHP Notice:  Undefined index: q in /var/www/html/search.php on line 12",
        "[05-Dec-2026 10:05:41 UTC] PHP Fatal error:  Uncaught PDOException: SQLSTATE[HY000] [2002] Connection "
        "refused in /var/www/html/db.php:8",
    ], 1, _utc(2026, 12, 5, 10, 5, 41)),
    # HAProxy's own line without a syslog header (`log stdout format raw`): the accept date after the client
    "haproxy-raw": ("haproxy.log", [
        '10.0.1.2:33317 [05/Dec/2026:10:00:00.531] http-in static/srv1 0/0/1/47/48 200 1543 - - ---- 1/1/0/0/0 0/0 '
        '"GET /index.html HTTP/1.1"',
        '10.0.1.2:33318 [05/Dec/2026:10:05:41.250] http-in api/api1 0/0/1/-1/60001 504 194 - - sH-- 1/1/0/0/0 0/0 '
        '"POST /api/cart HTTP/1.1"',
    ], 1, _local(2026, 12, 5, 10, 5, 41) + 250_000),
    # NATS (server/log.go: `[pid] ` before Go's log date; helper-178's nats-io/nats-server paste)
    "nats": ("nats-server.log", [
        "[8] 2021/12/08 13:47:06.804923 [INF] 10.244.34.156:57724 - rid:107 - Route connection created",
        "[8] 2021/12/08 13:47:09.120001 [ERR] 10.244.34.156:6222 - rid:108 - Slow Consumer Detected: WriteDeadline of "
        "10s exceeded with 1 chunks of 4096 total bytes.",
    ], 1, _local(2021, 12, 8, 13, 47, 9) + 120_001),
    # CouchDB (couch_log_formatter: `[level] time node pid msgid msg`; helper-178's apache/couchdb paste)
    "couchdb": ("couch.log", [
        "[notice] 2023-11-30T07:45:30.101000Z couchdb@localhost <0.1.0> -------- chttpd_auth_cache changes listener "
        "died",
        "[error] 2023-11-30T07:45:35.454996Z couchdb@localhost <0.16834.16> -------- CRASH REPORT Process  "
        "(<0.16834.16>) with 0 neighbors exited with reason: killed",
    ], 1, _utc(2023, 11, 30, 7, 45, 35) + 454_996),
    # log4j's `%-5p %d` (ScyllaDB's old log; helper-178's scylladb/scylladb paste)
    "level-first": ("scylla.log", [
        "INFO  2018-12-18 20:53:49,100 [shard 0] compaction - Compacting [/var/lib/scylla/data/ks/t-1/mc-1-Data.db]",
        "ERROR 2018-12-18 20:53:50,371 [shard 0] commitlog - Failed to persist commits to disk for "
        "CommitLog-1-152780838.log: storage_io_error (Storage I/O error: 5: Input/output error)",
    ], 1, _local(2018, 12, 18, 20, 53, 50) + 371_000),
    # WildFly/JBoss console (`%d{HH:mm:ss,SSS} %-5p [%c]`: the date the latest not after the file's time)
    "wildfly": ("server.log", [
        "12:32:18,001 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: WildFly Full 26.1.1.Final starting",
        "12:32:19,454 ERROR [org.jboss.msc.service.fail] (ServerService Thread Pool -- 90) MSC000001: Failed to start "
        "service org.wildfly.clustering.jgroups.channel.ee",
    ], 1, _local(2026, 11, 29, 12, 32, 19) + 454_000),
    # Asterisk (main/logger.c: `[%b %e %T] LEVEL[lwp]: file:line func: msg`; helper-176's asterisk/asterisk paste)
    "asterisk": ("full", [
        "[Sep  7 10:04:40] NOTICE[144380]: chan_pjsip.c:2803 request: Request 'INVITE' from '<sip:1000@pbx>'",
        "[Sep  7 10:04:46] ERROR[144389]: res_rtp_asterisk.c:8804 ast_rtp_stop: FRACK!, Failed assertion bad magic "
        "number 0x0 for object 0x7fd0980ba220 (0)",
    ], 1, _local(2026, 9, 7, 10, 4, 46)),
    # GlusterFS (libglusterfs/src/logging.c: `[%F %T.%06ld %z] L [MSGID: n] [file:line:func] graph-domain: `)
    "glusterfs": ("mnt-gv0.log", [
        "[2026-12-05 10:00:00.000123 +0000] I [MSGID: 100030] [glusterfsd.c:2866:main] 0-/usr/sbin/glusterfs: Started "
        "running /usr/sbin/glusterfs version 11.1",
        "[2026-12-05 10:05:41.250001 +0000] E [MSGID: 108006] [afr-common.c:6123:afr_notify] 0-gv0-replicate-0: All "
        "subvolumes are down. Going offline until atleast one of them comes back up.",
    ], 1, _utc(2026, 12, 5, 10, 5, 41) + 250_001),
    # libvirt (virlog.c virLogOutputToFd: virTimeStringThenRaw's `%4d-%02d-%02d %02d:%02d:%02d.%03d+0000`, then
    # virLogFormatString's `%llu: %s : %s:%d : `): its `+0000` before the colon was no zone (and no time) before
    "libvirt": ("libvirtd.log", [
        "2026-12-05 10:00:00.004+0000: 812: info : libvirt version: 10.0.0, package: 10.0.0-6ubuntu17 (Ubuntu)",
        "2026-12-05 10:05:41.250+0000: 1234: error : qemuProcessReportLogError:2051 : internal error: qemu "
        "unexpectedly closed the monitor",
    ], 1, _utc(2026, 12, 5, 10, 5, 41) + 250_000),
    # certbot (certbot/_internal/log.py FILE_FMT `%(asctime)s:%(levelname)s:%(name)s:%(message)s`)
    "certbot": ("letsencrypt.log", [
        "2026-12-05 10:00:00,004:DEBUG:certbot._internal.main:certbot version: 2.11.0",
        "2026-12-05 10:05:41,250:ERROR:certbot._internal.renewal:Failed to renew certificate example.org with "
        "error: Some challenges have failed.",
    ], 1, _local(2026, 12, 5, 10, 5, 41) + 250_000),
    # Xorg from 2023 (os/log.c LogSWrite: `[%Y-%m-%d %H:%M:%S] `, local time, then the marker)
    "xorg": ("Xorg.log", [
        "[2026-12-05 10:00:00] (II) Loader magic: 0x55d1a2c0",
        '[2026-12-05 10:05:41] (EE) Failed to load module "nvidia" (module does not exist, 0)',
    ], 1, _local(2026, 12, 5, 10, 5, 41)),
    # Ceph's cluster log (/var/log/ceph/ceph.log: LogEntry.h's `stamp name (rank) seq : channel [PRIO] msg`)
    "ceph-cluster": ("ceph.log", [
        "2026-12-05T10:00:00.000123+0000 mgr.x (mgr.14150) 87 : cluster [DBG] pgmap v46: 129 pgs: 129 active+clean",
        "2026-12-05T10:05:41.250001+0000 osd.3 (osd.3) 12 : cluster [ERR] 2.1f shard 3 soid 2:f8b5a3f1:::rbd_data.1:"
        "head : candidate had a read error",
    ], 1, _utc(2026, 12, 5, 10, 5, 41) + 250_001),
}


def _write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    stamp = _utc(2026, 11, 30, 0, 0, 0) // 1_000_000  # the file's time: glog's year-less times take 2026
    import os

    os.utime(path, (stamp, stamp))
    return path


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_programs_own_log_is_read_with_its_times_and_levels(tmp_path: Path, layout: str) -> None:
    name, lines, error, usec = LAYOUTS[layout]
    path = _write(tmp_path, name, lines)
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message for e in entries] == lines  # a line each, as journald stores a service's stdout
    failing = entries[error]
    assert failing.realtime_usec == usec
    # Redis's highest mark, `#`, is a warning (engine/format_levels.py); Icinga's critical and PHP's Fatal error crit
    worst = 4 if layout.startswith("redis") else 2 if layout in ("icinga2", "php-error-log") else 3
    assert failing.effective_priority == worst
    assert failing.level_source == "text" and failing.from_text
    assert entries[0].effective_priority is None or entries[0].effective_priority >= 5
    # the file's name, never "kernel"
    # (Tomcat's catalina.2026-12-04.log: the date is no part of whose log it is)
    stem = name.removesuffix(".log").removesuffix(".txt").removesuffix(".2026-12-04")
    assert {e.unit for e in entries} == {f"({stem})"}
    if layout == "log4j":  # a stack trace's lines take the time of the record they follow
        assert [e.realtime_usec for e in entries[1:]] == [usec] * 3
    if layout == "jul":  # 12 AM is midnight; the level's line takes its time line's time
        assert [e.realtime_usec for e in entries] == [_local(2026, 12, 4, 0, 15, 1)] * 2 + [usec] * 2


@pytest.mark.parametrize("name", ["zookeeper.log.1", "zookeeper.json", "zookeeper.log.2.gz", "zookeeper",
                                  "zookeeper-2026-12-04_000000.log", "zookeeper.2026-12-04.log",
                                  "zookeeper.log-20261204"])
def test_the_identifier_is_the_files_name_without_its_suffixes(tmp_path: Path, name: str) -> None:
    text = "\n".join(LAYOUTS["log4j"][1]) + "\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    assert {e.unit for e in open_entries(Selection(), files=[path])} == {"(zookeeper)"}


def test_journalctl_json_is_still_the_journals(tmp_path: Path) -> None:
    """A JSON line with journald's fields is journalctl -o json's (sources/json_lines.py), never a program's log."""
    path = tmp_path / "dump.json"
    path.write_text('{"__REALTIME_TIMESTAMP":"1795860869301000","MESSAGE":"boom","_SYSTEMD_UNIT":"shop.service",'
                    '"PRIORITY":"3","time":"x"}\n')
    assert [(e.unit, e.message, e.from_text) for e in open_entries(Selection(), files=[path])] == \
        [("shop.service", "boom", False)]


def test_signature_rules_fire_on_a_programs_log(tmp_path: Path) -> None:
    """postgres-too-many-clients (5 within a minute), written against the journal's MESSAGE, which holds the same
    line when PostgreSQL logs to stderr under systemd."""
    lines = ["2026-11-28 10:14:28.100 UTC [812] LOG:  database system is ready to accept connections",
             *(f"2026-11-28 10:14:{30 + i}.000 UTC [{1152 + i}] FATAL:  sorry, too many clients already"
               for i in range(6))]
    path = _write(tmp_path, "postgresql-15-main.log", lines)
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    incidents: list[dict[str, Any]] = of_type(json_events(result), "incident")
    assert [i["rule"] for i in incidents] == ["postgres-too-many-clients"]
    assert incidents[0]["unit"] == "(postgresql-15-main)"
    assert "local time" not in result.stderr  # its times say UTC


def test_a_stack_traces_out_of_memory_line_is_matched_as_in_the_journal(tmp_path: Path) -> None:
    """jvm-out-of-memory is anchored on the line's start, as journald stores each line of a JVM's stdout."""
    path = _write(tmp_path, "app.log", [
        "2026-11-28 10:14:29,301 ERROR [main] c.e.Worker - job 42 failed",
        "java.lang.OutOfMemoryError: Java heap space",
        "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3512)",
    ])
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    matches = [m for m in of_type(json_events(result), "match") if m["rule"] == "jvm-out-of-memory"]
    assert [m["message"] for m in matches] == ["java.lang.OutOfMemoryError: Java heap space"]


def test_a_zone_less_time_is_said_to_be_local(tmp_path: Path) -> None:
    path = _write(tmp_path, "zookeeper.log", LAYOUTS["log4j"][1])
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    assert "times without a zone are read as this machine's local time" in result.stderr


def test_apaches_error_log_is_not_dmesg(tmp_path: Path) -> None:
    """`[Sun Dec 04 04:47:44 2005] [error] ...` (Apache 2.2, as in loghub's Apache log) looks like `dmesg -T`; its
    lines are Apache's, not the kernel's (the kernel rules are gated on _TRANSPORT=kernel)."""
    path = _write(tmp_path, "error_log", [
        "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
        "[Sun Dec 14 04:47:44 2005] [error] mod_jk child workerEnv in error state 6",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.unit for e in entries] == ["(error_log)", "(error_log)"]
    assert entries[1].effective_priority == 3


def test_a_line_in_another_layout_does_not_move_the_time(tmp_path: Path) -> None:
    """The first line's layout holds: a continuation line that starts with ten digits (`2999999999 rows`) is no
    Unix time of 2065 (helper B: it re-timed the stream and made a burst of 60 errors 10 min apart)."""
    lines = [f"2026-11-28 10:{k:02d}:00,000 ERROR db: connection refused" for k in range(0, 60, 10)]
    lines.insert(3, "2999999999 ERROR rows were scanned")
    entries = list(open_entries(Selection(), files=[_write(tmp_path, "db.log", lines)]))
    assert [e.realtime_usec for e in entries][3] == entries[2].realtime_usec
    assert max(e.realtime_usec for e in entries) == _local(2026, 11, 28, 10, 50, 0)


@pytest.mark.parametrize("line", ['{"time":1e400,"msg":"x"}', '{"time":"2026-19-01T00:00:00Z","msg":"x"}',
                                  '{"time":"0000-01-01T00:00:00Z","msg":"x"}', '{"ts":1' + "0" * 400 + '}',
                                  '{"ts":-5,"msg":"x"}'])
def test_a_json_line_with_no_usable_time_is_a_clear_error(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(line + "\n")
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert "Traceback" not in result.output + result.stderr
    assert result.exit_code == 2 and "bad.json" in result.stderr


def test_a_programs_lowercase_level_is_no_syslog_host(tmp_path: Path) -> None:
    """winston's `timestamp level: message`: read as syslog, `info:` was the host and `kernel:` its identifier, a
    kernel line forged from the program's text (helper B)."""
    path = _write(tmp_path, "web.log", [
        "2026-11-28T10:14:29.301Z info: kernel: Out of memory: Killed process 1 (sshd) total-vm:1kB, anon-rss:1kB, "
        "file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:1kB oom_score_adj:0",
        "2026-11-28T10:14:30.301Z error: Server failed: port 80",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert {e.unit for e in entries} == {"(web)"} and not any(e.fields.get("_TRANSPORT") for e in entries)
    assert entries[1].effective_priority == 3


def test_a_utc_offset_of_hours_and_a_byte_order_mark(tmp_path: Path) -> None:
    """PostgreSQL's log_timezone can print `+03`; a file saved with a BOM keeps its first line."""
    path = tmp_path / "pg.log"
    path.write_text("\ufeff2026-11-28 13:14:29.301 +03 [812] LOG:  database system is ready\n"
                    "2026-11-28 13:14:30.000 +03 [813] FATAL:  password authentication failed for user \"app\"\n")
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_utc(2026, 11, 28, 10, 14, 29) + 301_000,
                                                  _utc(2026, 11, 28, 10, 14, 30)]


def test_a_containers_cri_log(tmp_path: Path) -> None:
    """/var/log/containers/*.log (containerd, CRI-O): the container's text is the message, stderr priority 3; read
    as syslog before, `stderr` was a host and `F panic` an identifier (helper B)."""
    path = _write(tmp_path, "api-7d9f_default_api-0123.log", [
        "2026-11-28T10:14:28.100000000Z stdout F listening on :8080",
        "2026-11-28T10:14:29.301234567Z stderr F panic: runtime error: invalid memory address or nil pointer "
        "dereference",
        "2026-11-28T10:14:29.301300000Z stderr F [signal SIGSEGV: segmentation violation code=0x1 addr=0x0 "
        "pc=0x4a1b2c]",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.message[:16] for e in entries] == ["listening on :80", "panic: runtime e", "[signal SIGSEGV:"]
    assert [e.priority for e in entries] == [6, 3, 3]
    assert entries[1].realtime_usec == _utc(2026, 11, 28, 10, 14, 29) + 301_234
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert "go-nil-pointer-panic" in {m["rule"] for m in of_type(json_events(result), "match")}



def test_kubectl_logs_timestamps_before_a_klog_or_json_line(tmp_path: Path) -> None:
    """`kubectl logs --timestamps` (and `docker logs -t`) put an RFC 3339 time before the container's line: a klog
    line behind it was read as syslog (its `E1201` mark the host, `10` the identifier, each line its own unit, no
    level), and a JSON record's level went unread (helper U4). The line behind the time is the message now."""
    path = _write(tmp_path, "controller.log", [
        "2026-11-28T10:14:28.100000000Z I1128 10:14:28.100000       1 controller.go:40] Starting controller",
        "2026-11-28T10:14:29.301234567Z E1128 10:14:29.301200       1 controller.go:42] failed to sync pod "
        "default/web-1: connection refused",
        '2026-11-28T10:14:30.5+01:00 {"level":"error","ts":1795864470.5,"msg":"lease lost"}',
        "2026-11-28T10:14:31Z plain text after the time stays whole",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert {e.unit for e in entries} == {"(controller)"}
    assert [e.message[:6] for e in entries] == ["I1128 ", "E1128 ", '{"leve', "2026-1"]
    assert [e.effective_priority for e in entries] == [6, 3, 3, None]
    assert entries[1].realtime_usec == _utc(2026, 11, 28, 10, 14, 29) + 301_234


def test_docker_logs_t_before_any_line_leaves_the_line_whole(tmp_path: Path) -> None:
    """`docker logs -t` of an nginx container that cannot start: Docker's nanosecond time, then what nginx wrote
    to stderr before its error log was open (`nginx: [emerg] ...`, ngx_log_stderr). Read as syslog text, `nginx:`
    became an identifier and nginx-emerg, anchored on it, matched nothing (helper D17: openSUSE/supportutils#196)."""
    path = _write(tmp_path, "web.log", [
        "2024-04-09T17:33:12.123456789Z /docker-entrypoint.sh: Configuration complete; ready for start up",
        '2024-04-09T17:33:12.23898602Z nginx: [emerg] host not found in upstream "backend:8080" in '
        "/etc/nginx/conf.d/default.conf:12",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.unit, e.message[:20]) for e in entries] == [("(web)", "/docker-entrypoint.s"),
                                                         ("(web)", "nginx: [emerg] host ")]
    assert entries[1].realtime_usec == _utc(2024, 4, 9, 17, 33, 12) + 238_986
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    assert [i["rule"] for i in of_type(json_events(result), "incident")] == ["nginx-emerg"]


def test_a_line_with_its_own_time_behind_another_time_is_no_syslog_line(tmp_path: Path) -> None:
    """A viewer's millisecond time before a program's line that starts with its own (Dokploy's `docker logs` of
    Traefik 3: `2025-12-16T04:06:35.485Z 2025-12-16T04:06:35Z ERR ...`) fits syslog's `time host ident:` layout: the
    date was the host, `10` the identifier, one unit per hour and no level (helper-173: Dokploy/dokploy#2330). So
    did a logfmt line's `time="...`."""
    path = _write(tmp_path, "traefik.log", [
        '2025-12-16T04:06:35.485Z 2025-12-16T04:06:35Z ERR Cannot retrieve the ACME challenge for a-sync.dev '
        '(token "admin.php") providerName=acme',
        '2025-12-16T04:06:40.060Z 2025-12-16T04:06:40Z ERR Cannot retrieve the ACME challenge for a-sync.dev '
        '(token "about.php") providerName=acme',
        '2025-12-16T04:06:41.000Z time="2025-12-16T04:06:41Z" level=error msg="x"',
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert {e.unit for e in entries} == {"(traefik)"}
    assert all("_HOSTNAME" not in e.fields for e in entries)
    assert [e.effective_priority for e in entries[:2]] == [3, 3]
    assert entries[1].realtime_usec == _utc(2025, 12, 16, 4, 6, 40) + 60_000


def test_a_container_log_mixing_timed_and_untimed_lines_keeps_the_times(tmp_path: Path) -> None:
    """`docker logs` of a PostgreSQL container whose entrypoint writes lines without a time among the server's own:
    fewer than half had a time, so the file was read as lines without one, all at the file's time (helper D17:
    nextcloud/all-in-one#1638, the same for a Redis crash report's banner and sections). Each line keeps the time
    of the timed line before it, and the lines before the first time take that one; none is lost."""
    path = _write(tmp_path, "nextcloud-aio-database.log", [
        "PostgreSQL Database directory appears to contain a database; Skipping initialization",
        "",
        '2022-12-31 03:38:12.319 GMT [12] FATAL:  could not write lock file "postmaster.pid": No space left on device',
        'pg_ctl: PID file "/var/lib/postgresql/data/postmaster.pid" does not exist',
        "Is server running?",
        "Database dump unsuccessful!",
        "sed: write error",
        '2022-12-31 03:38:20.100 GMT [13] PANIC:  could not write to file "pg_wal/xlogtemp.13": No space left on '
        "device",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    first, panic = _utc(2022, 12, 31, 3, 38, 12) + 319_000, _utc(2022, 12, 31, 3, 38, 20) + 100_000
    assert [(e.message[:16], e.realtime_usec) for e in entries] == [
        ("PostgreSQL Datab", first), ("2022-12-31 03:38", first), ("pg_ctl: PID file", first),
        ("Is server runnin", first), ("Database dump un", first), ("sed: write error", first),
        ("2022-12-31 03:38", panic)]
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output
    assert "without a time" not in result.stderr and "skipped" not in result.stderr, result.stderr
    assert "postgres-panic" in [i["rule"] for i in of_type(json_events(result), "incident")]


def test_a_json_log_whose_first_line_is_longer_than_the_sniffed_head(tmp_path: Path) -> None:
    """zap's first record with a 5 KB field: cut at the 4 KB head, it was taken for journalctl -o json and the file
    refused ("__REALTIME_TIMESTAMP: expected microseconds", helper B). journalctl's own long line still is its."""
    path = _write(tmp_path, "api.json", [
        '{"level":"info","ts":1795864468.1,"msg":"config loaded","config":"' + "x" * 5000 + '"}',
        '{"level":"error","ts":1795864469.5,"msg":"upstream refused"}',
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [(e.unit, e.effective_priority) for e in entries] == [("(api)", 6), ("(api)", 3)]
    journal_json = tmp_path / "export.json"
    journal_json.write_text(json.dumps({"__CURSOR": "s=1;i=1", "__REALTIME_TIMESTAMP": "1795864468100000",
                                        "MESSAGE": "y" * 5000, "_SYSTEMD_UNIT": "api.service"}) + "\n")
    (entry,) = open_entries(Selection(), files=[journal_json])
    assert entry.unit == "api.service"


def test_logfmt_whose_time_pair_is_not_first_is_a_programs_log(tmp_path: Path) -> None:
    """go-kit's `level=... caller=... ts=...` (Loki, promtail, fluent-bit's Go plugins) and Grafana's `logger=...
    t=... level=...`: their first pair looked like a journal export field and the files were refused with journald's
    limits (helper D17: fluent-bit#4492, grafana#96253). Journal field names are uppercase; the time is read where
    the line has it."""
    path = _write(tmp_path, "grafana.log", [
        'logger=settings t=2024-11-11T02:47:30.100000000Z level=info msg="Starting Grafana" version=11.3.0',
        'logger=dashboard-service t=2024-11-11T02:47:38.312666713Z level=error msg="Could not set default '
        'permissions" error="database is locked"',
        'level=warn caller=out_loki.go:113 ts=2024-11-11T02:47:39Z msg="retrying"',
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_utc(2024, 11, 11, 2, 47, 30) + 100_000,
                                                  _utc(2024, 11, 11, 2, 47, 38) + 312_666,
                                                  _utc(2024, 11, 11, 2, 47, 39)]
    assert [e.effective_priority for e in entries] == [6, 3, 4] and {e.unit for e in entries} == {"(grafana)"}


def test_php_error_logs_utc_is_utc_in_another_zone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PHP's error_log writes the zone's name behind the time (`[05-Dec-2026 10:05:41 UTC]`): UTC is UTC wherever
    the paste is read; a zone-less PHP-FPM time is this machine's local time."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        path = _write(tmp_path, "php_errors.log", ["[05-Dec-2026 10:05:41 UTC] PHP Fatal error:  Uncaught Error: x",
                                                  "[05-Dec-2026 10:05:41] ERROR: FPM initialization failed"])
        entries = list(open_entries(Selection(), files=[path]))
        assert [e.realtime_usec for e in entries] == [_utc(2026, 12, 5, 10, 5, 41), _utc(2026, 12, 5, 15, 5, 41)]
    finally:
        monkeypatch.undo()  # TZ as it was, then read again
        time.tzset()


def test_a_monolog_json_log_keeps_its_times(tmp_path: Path) -> None:
    """Monolog's JsonFormatter (Laravel, Symfony) names its time `datetime`: read as journalctl -o json before and
    refused ("__REALTIME_TIMESTAMP: expected microseconds since the epoch")."""
    path = _write(tmp_path, "laravel.json", [
        '{"message":"SQLSTATE[HY000] [2002] Connection refused","context":{},"level":400,"level_name":"ERROR",'
        '"channel":"production","datetime":"2024-02-04T19:22:11.123456+00:00","extra":{}}'])
    [entry] = list(open_entries(Selection(), files=[path]))
    assert entry.realtime_usec == _utc(2024, 2, 4, 19, 22, 11) + 123_456
    assert (entry.effective_priority, entry.level_source) == (3, "text")


def test_a_json_log_without_a_time_is_read_as_lines_without_one(tmp_path: Path) -> None:
    """A program's JSON log with no time key (nor any of journalctl's keys) is lines without a time, each at the
    file's time as said on stderr, its levels read: it was refused as journalctl -o json without a time."""
    path = _write(tmp_path, "worker.json", ['{"level":"info","msg":"started"}',
                                            '{"level":"error","msg":"db connection refused"}'])
    result = run_cli("scan", "--file", str(path), "-o", "json")
    assert result.exit_code == 0, result.output + result.stderr
    assert "no line carries a time" in result.stderr
    matches = [m for m in of_type(json_events(result), "match") if m["rule"] == "error-burst"]
    assert [m["message"] for m in matches] == ['{"level":"error","msg":"db connection refused"}']


def test_times_of_day_pass_midnight(tmp_path: Path) -> None:
    """A time of day alone takes a date: the latest that puts the first line no later than the file's time, one more
    when the clock steps back past midnight; a step forward of hours is the same day."""
    path = _write(tmp_path, "app.log", ["09:59:58.001 [main] INFO  c.e.App - starting",
                                        "23:59:59.900 [main] ERROR c.e.App - boom",
                                        "00:00:00.100 [main] ERROR c.e.App - boom again"])
    stamp = _local(2026, 12, 5, 8, 0, 0) // 1_000_000  # 08:00: the first line, 09:59, was the day before
    import os

    os.utime(path, (stamp, stamp))
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_local(2026, 12, 4, 9, 59, 58) + 1_000,
                                                  _local(2026, 12, 4, 23, 59, 59) + 900_000,
                                                  _local(2026, 12, 5, 0, 0, 0) + 100_000]


def test_an_access_log_keeps_its_times(tmp_path: Path) -> None:
    """The Common and Combined Log Formats (Apache's `%h %l %u %t "%r"`, nginx's `combined`) put the time in brackets
    after the client: read, with its offset, where before every line was at the file's time."""
    path = _write(tmp_path, "shop-access.log", [
        '10.0.0.5 - - [05/Dec/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0"',
        '10.0.0.6 - alice [05/Dec/2026:10:00:01 +0100] "GET /api HTTP/1.1" 502 157 "-" "Mozilla/5.0"',
        '10.0.0.7 - - [05/Dec/2026:10:00:02 +0000] "GET /?q=[05/Dec/2026:11:11:11 +0000] HTTP/1.1" 200 9 "-" "-"'])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_utc(2026, 12, 5, 10, 0, 0), _utc(2026, 12, 5, 9, 0, 1),
                                                  _utc(2026, 12, 5, 10, 0, 2)]
    # the status is the level: a 5xx err, any other none (engine/access_levels.py)
    assert [(e.effective_priority, e.level_source) for e in entries] == [(None, "none"), (3, "text"), (None, "none")]


def test_cups_error_log_times(tmp_path: Path) -> None:
    """CUPS's error_log: the level's letter, then the time as the Common Log Format writes it (scheduler/log.c);
    read as lines without a time before (helper-178)."""
    path = _write(tmp_path, "error_log", [
        "I [24/Sep/2020:15:35:40 +0300] [Job 24] Queued on \"HP_LaserJet\" by \"alice\".",
        "E [24/Sep/2020:15:35:45 +0300] [Job 24] Job stopped due to filter errors; please consult the "
        "/var/log/cups/error_log file for details."])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_utc(2020, 9, 24, 12, 35, 40), _utc(2020, 9, 24, 12, 35, 45)]


def test_zabbix_and_audit_logs_keep_their_times(tmp_path: Path) -> None:
    """Zabbix's log (zbxlog: `%6li:%.4d%.2d%.2d:%.2d%.2d%.2d.%03ld `, the PID padded: trial 57's zabbix pastes were
    lines without a time) and auditd's (kernel/audit.c: `audit(%llu.%03lu:%u): `, Unix seconds and ms)."""
    zabbix = _write(tmp_path, "zabbix_server.log", [
        "  1234:20231106:081922.345 cannot connect to the database",
        "  1234:20231106:081932.001 database is down: reconnecting in 10 seconds",
        " 12345:20231106:081940.000 server #2 started [poller #1]",
    ])
    entries = list(open_entries(Selection(), files=[zabbix]))
    assert [e.realtime_usec for e in entries] == [
        _local(2023, 11, 6, 8, 19, 22) + 345_000,
        _local(2023, 11, 6, 8, 19, 32) + 1_000, _local(2023, 11, 6, 8, 19, 40)]
    assert {e.unit for e in entries} == {"(zabbix_server)"}
    audit = _write(tmp_path, "audit.log", [
        'type=AVC msg=audit(1364481363.243:24287): avc:  denied  { write } for  pid=2278 comm="httpd"',
        "type=SYSCALL msg=audit(1364481363.243:24287): arch=c000003e syscall=2 success=no exit=-13",
        'node=web1 type=USER_LOGIN msg=audit(1364481370.007:24290): pid=1 uid=0 msg=\'op=login res=failed\'',
    ])
    entries = list(open_entries(Selection(), files=[audit]))
    assert [e.realtime_usec for e in entries] == [1364481363_243_000] * 2 + [1364481370_007_000]


def test_cockroachdb_and_glog_headers_with_their_year(tmp_path: Path) -> None:
    """CockroachDB's crdb-v1 header (`Lyymmdd hh:mm:ss.uuuuuu`, in UTC) and glog 0.6's `Lyyyymmdd` (local time):
    trial 58's CockroachDB disk stall was a line without a time."""
    crdb = _write(tmp_path, "cockroach.log", [
        "I200615 06:37:58.000123 1 util/log/clog.go:1100  [config] file created at: 2020/06/15 06:37:58",
        "F200615 06:38:02.091361 1702358741 util/log/clog.go:1279  disk stall detected: unable to sync log files "
        "within 30s",
    ])
    entries = list(open_entries(Selection(), files=[crdb]))
    assert [e.realtime_usec for e in entries] == [_utc(2020, 6, 15, 6, 37, 58) + 123,
                                                  _utc(2020, 6, 15, 6, 38, 2) + 91_361]
    assert entries[1].effective_priority == 2
    glog = _write(tmp_path, "app.INFO", ["E20261128 10:14:29.301234  812 server.cc:42] cannot bind"])
    assert [e.realtime_usec for e in open_entries(Selection(), files=[glog])] == [_local(2026, 11, 28, 10, 14, 29)
                                                                                  + 301_234]


def test_a_programs_own_syslog_style_time_without_host(tmp_path: Path) -> None:
    """`%b %d %H:%M:%S ` before the words, no host or identifier (PowerDNS's Logger with timestamps, trial 58's 10):
    the lines keep their times; a syslog file (host and identifier after the time) stays syslog's."""
    path = _write(tmp_path, "pdns.log", [
        "May 02 10:41:26 Guardian is launching an instance",
        "May 02 10:41:27 Our pdns instance exited with code 2, respawning",
        "May  2 10:41:28 Fatal error in control listener: Unable to bind to control socket",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_local(2026, 5, 2, 10, 41, second) for second in (26, 27, 28)]
    assert {e.unit for e in entries} == {"(pdns)"}
    syslog = _write(tmp_path, "syslog", ["May 02 10:41:26 ns1 pdns_server[812]: Guardian is launching an instance",
                                         "May 02 10:41:27 ns1 pdns_server[812]: Our pdns instance exited with code 2"])
    assert {e.unit for e in open_entries(Selection(), files=[syslog])} == {"(pdns_server)"}


def test_openldaps_hex_time(tmp_path: Path) -> None:
    """OpenLDAP's debug output (liblutil/debug.c: `"%08x "` of time(0)): trial 58's slapd paste (22) had no times."""
    path = _write(tmp_path, "slapd.log", [
        "6310a7c3 @(#) $OpenLDAP: slapd  (May 14 2022 18:35:44) $",
        '6310a7c4 hdb_db_open: database "dc=example,dc=com": database already in use.',
        "6310a7c4 slapd stopped.",
    ])
    assert [e.realtime_usec for e in open_entries(Selection(), files=[path])] == [
        0x6310a7c3 * 1_000_000, 0x6310a7c4 * 1_000_000, 0x6310a7c4 * 1_000_000]


def test_java_util_logging_in_french(tmp_path: Path) -> None:
    """A JVM in French writes JUL's month and level in French (trial 57's Hazelcast paste, 27: no times, no levels):
    `sept. 20, 2017 12:05:44 PM` and `AVERTISSEMENT:`; Tomcat's `20-sept.-2017 ... GRAVE [main]`."""
    path = _write(tmp_path, "hazelcast.log", [
        "sept. 20, 2017 12:05:44 PM com.hazelcast.nio.tcp.TcpIpConnectionManager",
        "INFOS: [10.86.86.50]:5701 [] [3.8.5] Established socket connection",
        "sept. 20, 2017 12:05:45 PM com.hazelcast.internal.cluster.impl.MulticastJoiner",
        "AVERTISSEMENT: [10.86.86.50]:5701 [] [3.8.5] is merging [multicast] to [10.86.84.178]:5701",
    ])
    entries = list(open_entries(Selection(), files=[path]))
    assert [e.realtime_usec for e in entries] == [_local(2017, 9, 20, 12, 5, 44)] * 2 + \
        [_local(2017, 9, 20, 12, 5, 45)] * 2
    assert [e.effective_priority for e in entries] == [None, 6, None, 4]
    tomcat = _write(tmp_path, "catalina.out", [
        "20-sept.-2017 12:05:44.123 INFOS [main] org.apache.catalina.startup.VersionLoggerListener.log Version",
        "20-sept.-2017 12:05:46.001 GRAVE [main] org.apache.catalina.core.StandardContext.startInternal Context "
        "[/app] startup failed due to previous errors",
    ])
    entries = list(open_entries(Selection(), files=[tomcat]))
    assert [e.realtime_usec for e in entries] == [_local(2017, 9, 20, 12, 5, 44) + 123_000,
                                                  _local(2017, 9, 20, 12, 5, 46) + 1_000]
    assert [e.effective_priority for e in entries] == [6, 3]
    german = _write(tmp_path, "catalina.2024-02-14.log", [  # (Java's German `Feb.`: glibc's `Feb` and a dot)
        "14-Feb.-2024 08:02:51.117 SCHWERWIEGEND [main] org.apache.catalina.core.StandardContext.startInternal Context "
        "[/billing] startup failed due to previous errors"])
    assert [(e.realtime_usec, e.effective_priority) for e in open_entries(Selection(), files=[german])] == [
        (_local(2024, 2, 14, 8, 2, 51) + 117_000, 3)]
