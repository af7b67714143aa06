"""Infrastructure daemons' own line formats (engine/daemon_levels.py, its C twin sources/daemon_levels.h): GlusterFS's
`[time] E [MSGID: n] [file:line:func] ` (libglusterfs/src/logging.c), libvirt's `time: tid: error : func:line : `
(src/util/virlog.c), certbot's log file `time:ERROR:name:` (certbot/_internal/log.py FILE_FMT), Xorg's `[ uptime]
(EE) ` (os/log.c) and Ceph's cluster log file `time mon.a (mon.0) seq : cluster [WRN] ` (src/common/LogEntry.h).
None was read before: a GlusterFS, libvirt, certbot, Xorg or Ceph error line at PRIORITY 6 (or none, in a file)
counted as info.

1. A corpus of lines as the programs write them, and look-alikes (a level quoted in a message, a client's text, a
   near miss of the shape) that are no level.
2. C and Python agree on the corpus and on generated lines built from the pieces of these formats.
3. On real journal files (systemd-journal-remote): each program failing is an error-level anomaly after hours of its
   routine lines; before, nothing or a failure-word warning.
"""

from __future__ import annotations

from conftest import entry
from hypothesis import given, settings
from hypothesis import strategies as st
from test_anomaly import HOUR, by_time, scan_anomalies, steady
from test_levels import c_text_level, misread

from logsentry.engine.levels import text_level
from logsentry.sources import _journalscan

EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO, DEBUG = 0, 1, 2, 3, 4, 5, 6, 7
GLUSTER_T = "[2026-11-27 12:17:03.150432 +0000]"
LIBVIRT_T = "2026-11-27 12:17:03.150+0000"
CERTBOT_T = "2026-11-27 12:17:03,150"
CEPH_T = "2026-11-27T12:17:03.150432+0000"
CUPS_T = "E [24/Sep/2020:15:35:45 +0300]"

CORPUS: list[tuple[int | None, str, str]] = [
    # GlusterFS (gf_glusterlog_log: "[%s] %c [MSGID: %u] [%s:%d:%s] %d-%s: ", traditional "[%s] %c [%s:%d:%s] %d-%s: ")
    (ERR, f"{GLUSTER_T} E [MSGID: 108006] [afr-common.c:6123:afr_notify] 0-vol-replicate-0: All subvolumes are down. "
          "Going offline until atleast one of them comes back up.", "GlusterFS with its zone (2020 on)"),
    (ERR, "[2016-05-02 10:11:12.123456] E [MSGID: 114058] [client-handshake.c:1524:client_query_portmap_cbk] "
          "0-vol-client-0: failed to get the port number for remote subvolume.", "GlusterFS 3.x, no zone"),
    (WARNING, "[2016-05-02 10:11:12.123456] W [socket.c:588:__socket_rwv] 0-glusterfs: readv on 127.0.0.1:24007 "
              "failed (No data available)", "traditional format, no MSGID"),
    (CRIT, "[2019-03-04 11:22:33.000101] C [rpc-clnt-ping.c:162:rpc_clnt_ping_timer_expired] 0-vol-client-2: server "
           "10.0.0.3:49152 has not responded in the last 42 seconds, disconnecting.", "C critical"),
    (INFO, f"{GLUSTER_T} I [MSGID: 100030] [glusterfsd.c:2866:main] 0-/usr/sbin/glusterfs: Started running "
           "/usr/sbin/glusterfs version 11.1", "I info"),
    (NOTICE, f"{GLUSTER_T} N [MSGID: 122031] [ec-generic.c:1150:ec_fix_ipc] 0-vol-disperse-0: x", "N notice"),
    (DEBUG, f"{GLUSTER_T} D [MSGID: 0] [io-threads.c:360:iot_schedule] 0-vol-io-threads: LOOKUP scheduled",
     "D debug"),
    (DEBUG, f"{GLUSTER_T} T [rpcsvc.c:631:rpcsvc_handle_rpc_call] 0-rpcsvc: Client port: 1021", "T trace"),
    (ALERT, f"{GLUSTER_T} A [MSGID: 1] [posix.c:1:f] 0-vol-posix: x", "A alert"),
    (EMERG, f"{GLUSTER_T} M [MSGID: 113075] [posix-helpers.c:2225:posix_health_check_thread_proc] 0-vol-posix: "
            "health-check failed, going down", "M emergency"),
    (ERR, "[2010-06-01 10:11:12.12] E [socket.c:1:f] 0-glusterfs: x", "2010: the µs unpadded"),
    (ERR, f"{GLUSTER_T} E [MSGID: 101046] [dht-common.c:751:dht_lookup_dir_cbk] (-->/usr/lib64/libglusterfs.so.0"
          "(+0x8b)[0x7f]) 0-vol-dht: dict is null", "a call stack after the bracket"),
    (None, "[2016-05-02 10:11:12.123456] X [socket.c:588:__socket_rwv] 0-glusterfs: x", "not one of its letters"),
    (None, "[2016-05-02 10:11:12.123456] E socket.c:588 0-glusterfs: x", "no bracket after the letter"),
    (None, "[2016-05-02 10:11:12.123456] E [MSGID: 108006] 0-vol: x", "a MSGID without the file"),
    (None, "[2016-05-02 10:11:12.123456] E [socket.c:__socket_rwv] 0-glusterfs: x", "no line number"),
    (None, "[2016-05-02 10:11:12.1234567] E [socket.c:588:f] 0-glusterfs: x", "seven fraction digits"),
    (None, "[2016-05-02 10:11:12.123456 +00:00] E [socket.c:588:f] 0-glusterfs: x", "a zone with a colon"),
    (None, "[2016-05-02 10:11:12] E [socket.c:588:f] 0-glusterfs: x", "no fraction"),
    (None, "[2016-05-02 10:11:12.123456] e [socket.c:588:f] 0-glusterfs: x", "a lowercase letter"),
    (None, "mount failed: E [MSGID: 108006] [afr-common.c:6123:afr_notify] 0-vol: quoted", "a message quoting one"),
    (None, "GET /x?q=[2016-05-02 10:11:12.123456] E [a.c:1:f] HTTP/1.1", "a client's text"),
    # libvirt (virLogOutputToFd "%s: %s": virTimeStringThenRaw's time, virLogFormatString's "%llu: %s : %s:%d : %s")
    (ERR, f"{LIBVIRT_T}: 1234: error : qemuProcessReportLogError:2051 : internal error: qemu unexpectedly closed the "
          "monitor: 2026-11-27T12:17:03.149Z qemu-system-x86_64: -drive file=/x.qcow2: Permission denied",
     "libvirt: qemu's start failing"),
    (WARNING, f"{LIBVIRT_T}: 812: warning : virProcessGetStatInfo:1122 : cannot parse process status data",
     "warning"),
    (INFO, f"{LIBVIRT_T}: 812: info : libvirt version: 10.0.0, package: 10.0.0-6ubuntu17 (Ubuntu)",
     "the version line has no function"),
    (DEBUG, f"{LIBVIRT_T}: 3412: debug : virThreadJobSet:93 : Thread 3412 (rpc-virtqemud) is now running job "
            "remoteDispatchConnectListAllDomains", "debug"),
    (ERR, "2012-01-01 12:00:00.123: 1234: error : virNetSocketReadWire:1184 : End of file while reading data: "
          "Input/output error", "libvirt 0.9: no zone"),
    (ERR, "17:45:46.128: error : qemudReadLogOutput:567 : internal error Process exited while reading console log",
     "libvirt 0.7: the time of day, no thread id"),
    (ERR, ": 1234: error : virNetSocketReadWire:1184 : End of file while reading data", "the clock unread: no time"),
    (WARNING, ": 1234: warning : f:1 : x", "no time, a warning"),
    (None, ": error : f:1 : x", "no time and no thread id"),
    (None, ":1234: error : f:1 : x", "no blank after the first colon"),
    (None, ": 1234: error: f:1 : x", "no time, no blank before the level's colon"),
    (None, f"{LIBVIRT_T}: 1234: fatal : f:1 : x", "not one of its levels"),
    (None, f"{LIBVIRT_T}: 1234: Error : f:1 : x", "a capital"),
    (None, "2026-11-27 12:17:03.15+0000: 1234: error : f:1 : x", "two fraction digits"),
    (None, "2026-11-27 12:17:03.150+00000: 1234: error : f:1 : x", "a five-digit zone"),
    (None, "2026-11-27 12:17:03.150+0000 1234: error : f:1 : x", "no colon after the time"),
    (None, "2026-11-27 12:17:03.150+0000: 1234 error : f:1 : x", "no colon after the thread id"),
    # certbot's log file (FILE_FMT "%(asctime)s:%(levelname)s:%(name)s:%(message)s")
    (ERR, f"{CERTBOT_T}:ERROR:certbot._internal.renewal:Failed to renew certificate example.org with error: Some "
          "challenges have failed.", "certbot"),
    (ERR, f"{CERTBOT_T}:ERROR:certbot._internal.log:An unexpected error occurred:", "certbot's except hook"),
    (WARNING, f"{CERTBOT_T}:WARNING:certbot._internal.renewal:Renewal configuration file /etc/letsencrypt/renewal/"
              "x.conf is broken.", "warning"),
    (DEBUG, f"{CERTBOT_T}:DEBUG:urllib3.connectionpool:https://acme-v02.api.letsencrypt.org:443 \"POST /acme/"
            "new-order HTTP/1.1\" 201 345", "a library's logger"),
    (INFO, f"{CERTBOT_T}:INFO:certbot._internal.main:Renewing an existing certificate", "info"),
    (CRIT, f"{CERTBOT_T}:CRITICAL:certbot_dns_cloudflare._internal.dns_cloudflare:x", "critical"),
    (None, f"{CERTBOT_T}:ERROR:x", "no logger name"),
    (None, f"{CERTBOT_T}:ERROR::x", "an empty logger name"),
    (None, f"{CERTBOT_T}:Error:certbot.main:x", "not Python's level name"),
    (None, f"{CERTBOT_T}:FATAL:certbot.main:x", "FATAL is no levelname Python writes"),
    (None, "2026-11-27 12:17:03.150:ERROR:certbot.main:x", "a dot before the milliseconds"),
    (None, f"{CERTBOT_T}:ERROR certbot.main:x", "a blank after the level"),
    # Xorg (LogSWrite's "[%10.3f] " or "[%Y-%m-%d %H:%M:%S] ", LogMessageTypeVerbString's markers)
    (ERR, '[    12.345] (EE) Failed to load module "fbdev" (module does not exist, 0)', "Xorg.0.log"),
    (WARNING, "[    12.346] (WW) Falling back to old probe method for modesetting", "(WW)"),
    (INFO, "[    12.001] (II) Loading /usr/lib/xorg/modules/libglamoregl.so", "(II)"),
    (INFO, "[    12.001] (==) Using config directory: \"/etc/X11/xorg.conf.d\"", "(==) default setting"),
    (INFO, "[    12.001] (--) PCI:*(0@0:2:0) 8086:3e92:1028:085a rev 0, Mem @ 0xeb000000/16777216", "(--) probed"),
    (INFO, '[    12.001] (**) modeset(0): Option "AccelMethod" "glamor"', "(**) from the config file"),
    (INFO, "[    12.001] (++) using VT number 7", "(++) from the command line"),
    (NOTICE, "[    12.001] (!!) More than one possible primary device found", "(!!) notice"),
    (INFO, "[    12.001] (NI) int10: not implemented", "(NI) not implemented"),
    (DEBUG, "[    12.001] (DB) xf86MergeOutputClassOptions unsupported bus type 0", "(DB) debug"),
    (ERR, "[1234567.890] (EE) Backtrace:", "an uptime of eleven characters"),
    (ERR, "[2026-11-27 12:17:03] (EE) modeset(0): failed to set mode: Invalid argument", "xserver 2023 on: a date"),
    (ERR, "(EE) no screens found(EE)", "stderr (a rootless Xorg's journal), no time"),
    (ERR, "(EE) ", "a bare marker and a blank (Xorg's fatal error block)"),
    (ERR, "(EE)", "a bare marker"),
    (ERR, "(EE)\nFatal server error:", "a marker ending its line"),
    (None, "[    12.001] (??) x", "(??): Xorg does not know"),
    (None, "(EE)x", "no blank after the marker"),
    (None, "(ee) x", "lowercase"),
    (None, "[    12.34] (EE) x", "two fraction digits"),
    (None, "[12.345](EE) x", "no blank after the time"),
    (None, "[2026-11-27 12:17:03.5] (EE) x", "a date with a fraction"),
    (None, "GET /x?(EE) HTTP/1.1", "a client's text"),
    (None, " (EE) x", "a blank first"),
    # Ceph's cluster log file (LogEntry's operator<<: "stamp name (rank) seq : channel [PRIO] msg")
    (WARNING, f"{CEPH_T} mon.a (mon.0) 1234 : cluster [WRN] Health check failed: 1 osds down (OSD_DOWN)",
     "Ceph today"),
    (ERR, f"{CEPH_T} osd.3 (osd.3) 12 : cluster [ERR] 2.1f shard 3 soid 2:f8b5a3f1:::rbd_data.1:head : candidate "
          "had a read error", "an OSD's scrub error"),
    (DEBUG, f"{CEPH_T} mgr.x (mgr.14150) 87 : cluster [DBG] pgmap v46: 1 pgs: 1 active+clean", "DBG"),
    (INFO, f"{CEPH_T} mon.a (mon.0) 1 : cluster [INF] mon.a is new leader, mons a in quorum (ranks 0)", "INF"),
    (CRIT, f"{CEPH_T} mon.a (mon.0) 7 : audit [SEC] x", "SEC, the audit channel"),
    (ERR, "2019-06-11 12:00:00.123456 mon.a (mon.0) 1234 : cluster [ERR] overall HEALTH_ERR 1 scrub errors",
     "an older time: no T, no zone"),
    (ERR, "2017-10-05 17:08:37.151297 mon.ceph-mon-0 mon.0 10.0.0.1:6789/0 5 : cluster [ERR] Health check failed: "
          "x", "older: the name, then who"),
    (ERR, "2016-05-02 10:11:12.123456 mon.0 10.0.0.1:6789/0 123 : cluster [ERR] HEALTH_ERR",
     "older: who (rank and address)"),
    (ERR, f"{CEPH_T} mon.a [v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0] (mon.0) 5 : cluster [ERR] x", "three tokens"),
    (ERR, f"{CEPH_T} mon.a (mon.0) 5 : cluster [ERR]", "the priority ending the line"),
    (ERR, "2014-01-02 10:11:12.123456 mon.0 10.0.0.1:6789/0 123 : [ERR] 0.2f scrub stat mismatch", "the oldest: no "
          "channel"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 : cluster[ERR] x", "no blank after the channel"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 :  [ERR] x", "two blanks after the colon"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 : cluster [???] x", "an unknown clog_type"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 : cluster [WARN] x", "not three letters"),
    (None, f"{CEPH_T} a b c d 5 : cluster [ERR] x", "four tokens before the sequence number"),
    (None, f"{CEPH_T} 5 : cluster [ERR] x", "no sender"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 cluster [ERR] x", "no colon"),
    (None, f"{CEPH_T} mon.a (mon.0) 5 : Cluster [ERR] x", "a channel in capitals"),
    (None, f"{CEPH_T} mon.a (mon.0) x5 : cluster [ERR] x", "no sequence number"),
    (None, "2026-11-27T12:17:03.150+0000 mon.a (mon.0) 5 : cluster [ERR] x", "milliseconds"),
    (None, f"{CEPH_T} mon.a  (mon.0) 5 : cluster [ERR] x", "two blanks"),
    (None, f"{CEPH_T} mon.{'a' * 200} (mon.0) 5 : cluster [ERR] x", "the priority beyond MAX_PREFIX"),
    (None, "ceph says 5 : cluster [ERR] x", "no time"),
    # CUPS's error_log (scheduler/log.c cupsdLogMessage: "%c %s ", levels " XACEWNIDd", the time in Common Log Format)
    (ERR, f"{CUPS_T} Unable to open listen socket for address :631 - Address already in use.", "CUPS E (trial 60)"),
    (ERR, "E [27/Jun/2006:10:25:45 +0600] Unable to bind socket for address :631 - Address already in use.",
     "CUPS 1.2"),
    (EMERG, f"X{CUPS_T[1:]} x", "X emerg"), (ALERT, f"A{CUPS_T[1:]} x", "A alert"), (CRIT, f"C{CUPS_T[1:]} x", "C"),
    (WARNING, f"W{CUPS_T[1:]} [Job 24] x", "W"), (NOTICE, f"N{CUPS_T[1:]} x", "N"), (INFO, f"I{CUPS_T[1:]} x", "I"),
    (DEBUG, f"D{CUPS_T[1:]} x", "D"), (DEBUG, f"d{CUPS_T[1:]} x", "d debug2"),
    (None, f"Q{CUPS_T[1:]} x", "no CUPS level"), (None, "E [24/Sep/2020 15:35:45] x", "no Common Log Format time"),
    (None, "E [44/Sep/2020:15:35:45 +0300] x", "day 44"), (None, "E  [24/Sep/2020:15:35:45 +0300] x", "two blanks"),
    (None, f"{CUPS_T}", "nothing after the time"),
    # Python logging's "time name level: " (Frigate's "[%(asctime)s] %(name)-30s %(levelname)-8s: ", trial 61)
    (ERR, "2023-06-14 22:22:05.500593881  [2023-06-14 22:22:05] watchdog.wificam               ERROR   : Ffmpeg "
          "process crashed unexpectedly for wificam.", "Frigate behind s6-log's time"),
    (ERR, "[2022-11-02 14:09:05] ffmpeg.huis_voor_1.detect      ERROR   : rtsp://127.0.0.1:8554/x: Connection "
          "refused", "Frigate's own line (docker's log)"),
    (INFO, "[2022-11-02 14:09:55] watchdog.garage                INFO    : No frames received", "INFO padded"),
    (WARNING, "[2022-11-02 14:09:55] frigate.app                    WARNING : x", "WARNING padded"),
    (CRIT, "[2022-11-02 14:09:55] frigate.app                    CRITICAL: x", "CRITICAL, no padding"),
    (ERR, "2024-01-02 10:00:00,123 myapp.db ERROR: connection lost", "%(asctime)s %(name)s %(levelname)s:"),
    (ERR, "2024-01-02T10:00:00.123 a_very_long_logger_name.with.parts.exceeding.thirty ERROR : x", "a long name"),
    (ERR, "[2022-11-02 14:09:05] frigate.video ERROR   :", "the level ending the line"),
    (None, "[2022-11-02 14:09:05] user said ERROR : x", "a level word in the message"),
    (None, "2024-01-02 10:00:00 the client wrote ERROR: x", "words before it"),
    (None, "[2022-11-02 14:09:05] frigate.video Error   : x", "not in capitals"),
    (None, "[2022-11-02 14:09:05] frigate.video FATAL   : x", "FATAL is no levelname Python writes"),
    (None, "[2022-11-02 14:09:05] frigate..video ERROR : x", "an empty name part"),
    (None, "[2022-11-02 14:09:05] frigate.video. ERROR : x", "a name ending in a dot"),
    (None, "[2022-11-02 14:09:05] frigate.video ERROR   :x", "no blank after the colon"),
    (None, "[2022-11-02 14:09:05]frigate.video ERROR : x", "no blank after the time"),
    (None, "[2022-11-02] frigate.video ERROR : x", "a date alone"),
    (None, "GET /x?[2022-11-02 14:09:05] a ERROR : x", "a client's text"),
    (None, f"[2022-11-02 14:09:05] {'a' * 200} ERROR : x", "the level beyond MAX_PREFIX"),
    # OSSEC's and Wazuh's ossec.log (debug_op.c: "%s " time, "%s: " tag or "%s[%d] %s:%d at %s(): ", "%s: " level)
    (ERR, "2020/05/19 15:27:30 ossec-remoted: ERROR: (1210): Queue '/queue/ossec/queue' not accessible: 'Connection "
          "refused'.", "Wazuh 3 (trial 61)"),
    (ERR, "2024/07/15 08:39:57 wazuh-analysisd: ERROR: Unable to connect to socket 'queue/db/wdb'.", "Wazuh 4"),
    (INFO, "2024/07/15 08:39:49 wazuh-db: INFO: Started (pid: 1373).", "INFO"),
    (WARNING, "2024/07/15 08:39:49 wazuh-modulesd:syscollector: WARNING: x", "a module's tag"),
    (CRIT, "2024/07/15 08:39:49 wazuh-remoted: CRITICAL: (1212): Unable to bind to port 1514", "CRITICAL"),
    (DEBUG, "2024/07/15 08:39:49 wazuh-analysisd[1398] analysisd.c:830 at main(): DEBUG: Reading rules", "debug mode"),
    (ERR, "2024/07/15 08:39:49 wazuh-modulesd:vulnerability-detector[1398] wm_vuln.c:12 at wm_run(): ERROR: x",
     "debug mode, a module's tag"),
    (None, "2020/05/19 15:27:30 ossec-remoted: FATAL: x", "not its level name"),
    (None, "2020/05/19 15:27:30 ossec-remoted ERROR: x", "no colon after the tag"),
    (None, "2020/05/19 15:27:30 ossec-remoted: the peer said ERROR: x", "a level word in the message"),
    (None, "2020/05/19 15:27:30 a:b:c: ERROR: x", "two module tags"),
    (None, "2020/05/19 15:27:30 wazuh-db[12] x.c:1 at f: ERROR: x", "no parentheses after the function"),
    (None, "2020-05-19 15:27:30 ossec-remoted: ERROR: x", "dashes in the date"),
    # Suricata up to 6.x (util-debug.c: "%t - <%d> - ", "[%i] %t - (%f:%l) <%d> (%n) -- ", trial 61)
    (WARNING, "[7453] 6/7/2018 -- 16:51:47 - (util-ioctl.c:101) <Warning> (GetIfaceMTU) -- [ERRCODE: "
              "SC_ERR_SYSCALL(50)] - Failure when trying to get MTU via ioctl for 'enp0s3': No such device (19)",
     "Suricata 4's development format"),
    (ERR, "[7458] 6/7/2018 -- 16:51:52 - (detect-urilen.c:360) <Error> (DetectUrilenValidateContent) -- [ERRCODE: "
          "SC_ERR_INVALID_SIGNATURE(39)] - x", "<Error>"),
    (INFO, "26/12/2015 -- 21:26:03 - <Info> - Running suricata under test mode", "the release format"),
    (NOTICE, "26/12/2015 -- 21:26:03 - <Notice> - This is Suricata version 3.0RC3 RELEASE", "<Notice>"),
    (EMERG, "1/1/2020 -- 01:02:03 - <Emergency> - x", "<Emergency>"),
    (ALERT, "1/1/2020 -- 01:02:03 - <Alert> - x", "<Alert>"), (CRIT, "1/1/2020 -- 01:02:03 - <Critical> - x", "crit"),
    (DEBUG, "1/1/2020 -- 01:02:03 - <Perf> - x", "<Perf>"), (DEBUG, "1/1/2020 -- 01:02:03 - <Config> - x", "Config"),
    (DEBUG, "[1] 1/1/2020 -- 01:02:03 - (a.c:1) <Debug> (f) -- x", "<Debug>"),
    (None, "1/1/2020 -- 01:02:03 - <Fatal> - x", "no level of Suricata's"),
    (None, "1/1/2020 -- 01:02:03 - <error> - x", "lowercase"),
    (None, "123/1/2020 -- 01:02:03 - <Error> - x", "a three-digit day"),
    (None, "1/1/2020 01:02:03 - <Error> - x", "no -- in the time"),
    (None, "1/1/2020 -- 01:02:03 - (a.c) <Error> - x", "no line number"),
    (None, "[x] 1/1/2020 -- 01:02:03 - <Error> - x", "no pid in the bracket"),
    (None, "1/1/2020 -- 01:02:03 - the rule said <Error> x", "a level in the message"),
    # ZoneMinder's log files (Logger.pm: "%s.%06d %s[%d].%s [%s:%d] [%s]", zm_logger.cpp: "%s %s[%d].%s-%s/%d [")
    # and what it sends to syslog (Logger.pm: "CODE [%s]", zm_logger.cpp: "%s [%s] [%s]"), trial 61
    (ERR, "11.10.2024 22:16:43.877369 zmdc[12655].ERR [ZMServer:718] ['zmc -m 2' exited abnormally, exit status "
          "255]", "zmdc.pl's file, a German %x"),
    (INFO, "11.10.2024 22:16:41.225858 zmdc[12655].INF [ZMServer:411] [Starting pending process, zmc -m 2]", "INF"),
    (WARNING, "10/11/24 22:16:43.877369 zmc_m1[1234].WAR-zm_monitor.cpp/2310 [Can't open video]", "C++, C's %x"),
    (ERR, "2024-10-11 22:16:43.877369 zma_m1[99].FAT-zm_analysis.cpp/12 [x]", "FAT err, an ISO %x"),
    (ERR, "10/11/2024 22:16:43.877369 zms[1].PNC-zm_stream.cpp/7 [x]", "PNC err"),
    (NOTICE, "11.10.24 22:16:43.877369 web_php[7].AUD [x.php:1] [x]", "AUD notice"),
    (DEBUG, "11.10.2024 22:16:43.877369 zmc_m1[1].DB3-zm_ffmpeg.cpp/12 [x]", "DB3"),
    (DEBUG, "11.10.2024 22:16:43.877369 zmdc[1].DBG [ZMServer:1] [x]", "DBG, before 1.36"),
    (ERR, "FAT [Can't exec: Bad file descriptor]", "syslog's, Perl"), (WARNING, "WAR [zmc_m1] [x]", "syslog's, C++"),
    (NOTICE, "AUD [x]", "syslog's AUD"), (DEBUG, "DB1 [x]", "syslog's DB1"), (ERR, "PNC [x\ny]", "two lines"),
    (None, "FAT [x] y", "no bracket last"), (None, "WAR [x", "no bracket closed"), (None, "DB0 [x]", "DB0"),
    (None, "AUDIT [x]", "not its code"), (None, "FAT x]", "no bracket after the code"),
    (None, "11.10.2024 22:16:43.877369 zmdc[12655].ERROR [x]", "a longer word"),
    (None, "11.10.2024 22:16:43.877369 zmdc[12655].ERR x", "no bracket"),
    (None, "11.10.2024 22:16:43.877369 zmdc[12655] WAR [x]", "no dot"),
    (None, "11.10.2024 22:16:43.877369 zmdc.ERR [x]", "no pid"),
    (None, "11.10/2024 22:16:43.877369 zmdc[1].ERR [x]", "two separators"),
    (None, "11.10.2024 22:16:43.8773 zmdc[1].ERR [x]", "four fraction digits"),
    (None, "11.10.2024 22:16:43.877369 zmc[1].ERR-zm.cpp [x]", "no line number"),
    (None, "11.10.2024 22:16:43.877369 zmc[1].ERR-/12 [x]", "no file"),
    (None, "11.10.2024 22:16:43.877369 the peer said zmdc[1].ERR [x]", "words before it"),
]


def test_corpus_python() -> None:
    wrong = misread(CORPUS, text_level)
    assert not wrong, wrong


def test_corpus_c() -> None:
    wrong = misread(CORPUS, c_text_level)
    assert not wrong, wrong


PIECES = [GLUSTER_T, "[2016-05-02 10:11:12.123456", " +0000", "]", " E ", " C ", "[MSGID: 108006] ", "[",
          "afr-common.c:6123:afr_notify", "] ", LIBVIRT_T, "17:45:46.128", ": ", "1234", ": ", "error", "warning",
          " : ", ": 1234: ", CERTBOT_T, ":", "ERROR", "CRITICAL", "certbot.main", "[    12.345] ",
          "[2026-11-27 12:17:03] ", "(EE)", "(WW)", "(??)", " ", CEPH_T, "2016-05-02 10:11:12.123456", "mon.a",
          "(mon.0)", "5", " : ", "cluster", "[WRN]", "[ERR]", "x", "é", "\t", "\n", CUPS_T, "E", "d", " [",
          "24/Sep/2020:15:35:45", " +0300", "] ", "2023-06-14 22:22:05.500593881", "2022-11-02 14:09:05", "  ",
          "watchdog.wificam", ".", "ERROR", "INFO", "   ", ": ", "2020/05/19 15:27:30", "ossec-remoted", "wazuh-db[1]",
          " x.c:1 at f(): ", "[7453] ", "6/7/2018", " -- ", "16:51:47", " - ", "(a.c:101) ", "<Error>", "<Perf>", "> ",
          "11.10.2024", "10/11/24", " 22:16:43.877369 ", "zmdc[12655]", ".ERR", ".DB3", "-zm.cpp/12", " [", "]", "ERR",
          "FAT", "PNC", "DB1"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=2)), max_size=12))
def test_c_and_python_agree_on_generated_lines(parts: list[str]) -> None:
    text = "".join(parts)
    assert _journalscan.text_level(text.encode("utf-8", "surrogatepass")) == text_level(text), repr(text)


def _first_error(found: list[dict], failing: list[dict], index: int) -> None:
    assert [(i["rule"], i["severity"]) for i in found] == [("new-error-template", "error")], found
    assert found[0]["realtime_usec"] == int(failing[index]["__REALTIME_TIMESTAMP"])


def test_glusterfs_losing_its_bricks_is_an_error_level_anomaly(make_journal) -> None:
    """A GlusterFS client whose replica set went away (gluster/glusterfs#296): two hours of its `I` lines, then
    `E [MSGID: 108006] ... All subvolumes are down` every 10 s, on stderr (PRIORITY 6): new-error-template at the
    third line."""
    unit = "glusterfs-mount.service"
    normal = steady(unit, 0, 2 * HOUR, 20, GLUSTER_T + " I [MSGID: 108031] [afr-common.c:2866:afr_local_discovery_cbk]"
                    " 0-vol-replicate-0: selecting local read_child vol-client-{n}")
    failing = [entry(f"{GLUSTER_T} E [MSGID: 108006] [afr-common.c:6123:afr_notify] 0-vol-replicate-0: All "
                     "subvolumes are down. Going offline until atleast one of them comes back up.", unit=unit,
                     at=2 * HOUR + 10 * n) for n in range(20)]
    _first_error(scan_anomalies(make_journal(by_time(normal, failing))), failing, 2)


def test_libvirt_failing_to_start_a_domain_is_an_error_level_anomaly(make_journal) -> None:
    """virtqemud with log_outputs="1:stderr": its routine `info` lines, then qemu failing to start every 30 s."""
    unit = "virtqemud.service"
    normal = steady(unit, 0, 2 * HOUR, 20, LIBVIRT_T + ": 812: info : virObjectNew:{n} : OBJECT_NEW: obj=0x5 "
                    "classname=virDomainObj")
    failing = [entry(f"{LIBVIRT_T}: 1234: error : qemuProcessReportLogError:2051 : internal error: qemu "
                     "unexpectedly closed the monitor: Could not open '/var/lib/libvirt/images/vm.qcow2': Permission "
                     "denied", unit=unit, at=2 * HOUR + 30 * n) for n in range(10)]
    _first_error(scan_anomalies(make_journal(by_time(normal, failing))), failing, 2)


def test_certbot_failing_to_renew_is_an_error_level_anomaly(make_journal) -> None:
    """certbot's log file lines (FILE_FMT) in the journal: its DEBUG lines, then the renewal failing."""
    unit = "certbot.service"
    normal = steady(unit, 0, 2 * HOUR, 20, CERTBOT_T + ":DEBUG:acme.client:Received response: HTTP {n}")
    failing = [entry(f"{CERTBOT_T}:ERROR:certbot._internal.renewal:Failed to renew certificate example.org with "
                     "error: Some challenges have failed.", unit=unit, at=2 * HOUR + 60 * n) for n in range(10)]
    _first_error(scan_anomalies(make_journal(by_time(normal, failing))), failing, 2)


def test_xorg_failing_to_start_is_an_error_level_anomaly(make_journal) -> None:
    """A rootless Xorg under GDM writes its markers to the journal with no time: two hours of `(II)` lines, then
    `(EE) no screens found` at each retry."""
    unit = "gdm.service"
    normal = steady(unit, 0, 2 * HOUR, 20, "(II) modeset(0): Modeline \"1920x1080\"x{n}.0  148.50  1920 2008 2052")
    failing = [entry("(EE) Failed to load module \"nvidia\" (module does not exist, 0)", unit=unit,
                     at=2 * HOUR + 15 * n) for n in range(10)]
    _first_error(scan_anomalies(make_journal(by_time(normal, failing))), failing, 2)


def test_ceph_cluster_log_errors_are_an_error_level_anomaly(make_journal) -> None:
    """The monitor's cluster log lines (a ceph.log tail in the journal): hours of `[DBG] pgmap` lines, then an
    OSD's scrub errors."""
    unit = "ceph-log-tail.service"
    normal = steady(unit, 0, 2 * HOUR, 20, CEPH_T + " mgr.x (mgr.14150) {n} : cluster [DBG] pgmap v{n}: 129 pgs: "
                    "129 active+clean")
    failing = [entry(f"{CEPH_T} osd.3 (osd.3) {n} : cluster [ERR] 2.1f shard 3 soid 2:f8b5a3f1:::rbd_data.1:head : "
                     "candidate had a read error", unit=unit, at=2 * HOUR + 20 * n) for n in range(10)]
    _first_error(scan_anomalies(make_journal(by_time(normal, failing))), failing, 2)
