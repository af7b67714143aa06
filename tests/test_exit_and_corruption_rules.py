"""Trial 70's two misses with no rule (Finding 2), read as `scan --file` reads a syslog file: MySQL's MyISAM tables
"marked as crashed" at each mysqld start (said twice, once per table, so no anomaly rule's three lines came:
mysql-table-crashed, one line), and a daemon announcing its own exit on a fatal configuration error, restarted again
and again (transmission-daemon's "Error loading config file -- exiting." 11 times in 50 min, a warm unit with no
level: transmission-config-load-failed; isc-dhcpd's and ntpd's like it). A generic "error ... exiting" rule was not
written: the normal files of trials 66-70 hold ntpdate's "no servers can be used, exiting" three times in 3.5 min at
each boot of a CentOS 6 host and "the NTP socket is in use, exiting" at every boot of the NAS, an error word and an
exit, repeated, and routine; the normal files here stay quiet. Lines are the trial's public files' own (2ndy/RaspIM,
Stonie/Kurobox-DebianWheezy, IITPHaechi/raspberrypi, Sampistaroy/mail) in their layouts."""

from __future__ import annotations

from pathlib import Path

from conftest import json_events, of_type, run_cli

NEW_RULES = {"mysql-table-crashed", "transmission-config-load-failed", "dhcpd-config-errors",
             "ntpd-wildcard-bind-failed"}

PI = "Apr  2 {at} raspberrypi {tag}: {text}\n"
MYSQLD_START = "".join(PI.format(at=at, tag=tag, text=text) for at, tag, text in [
    ("07:17:22", "mysqld", "140402  7:17:22 InnoDB: 5.5.35 started; log sequence number 1595695"),
    ("07:17:22", "mysqld", "140402  7:17:22 [Note] Server hostname (bind-address): '127.0.0.1'; port: 3306"),
    ("07:17:22", "mysqld", "140402  7:17:22 [Note] Server socket created on IP: '127.0.0.1'."),
    ("07:17:23", "mysqld", "140402  7:17:23 [Note] Event Scheduler: Loaded 0 events"),
    ("07:17:23", "mysqld", "140402  7:17:23 [Note] /usr/sbin/mysqld: ready for connections."),
    ("07:17:23", "mysqld",
     "Version: '5.5.35-0+wheezy1'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  (Debian)"),
    ("07:17:24", "/etc/mysql/debian-start[2412]", "Upgrading MySQL tables if necessary."),
    ("07:17:25", "/etc/mysql/debian-start[2449]", "Checking for insecure root accounts."),
    ("07:17:25", "/etc/mysql/debian-start[2454]", "Triggering myisam-recover for all MyISAM tables")])
CRASHED = "".join(PI.format(at="07:17:27", tag="mysqld", text=f"140402  7:17:27 {text}") for table in ["lines", "users"]
                  for text in [f"[ERROR] /usr/sbin/mysqld: Table './chatrocks/webchat_{table}' is marked as crashed "
                               "and should be repaired",
                               f"[Warning] Checking table:   './chatrocks/webchat_{table}'"])
NTPD_START = """\
Apr  2 07:17:33 raspberrypi ntpd[2930]: ntpd 4.2.6p5@1.2349-o Fri May 18 20:30:57 UTC 2012 (1)
Apr  2 07:17:33 raspberrypi ntpd[2932]: proto: precision = 1.000 usec
Apr  2 07:17:33 raspberrypi ntpd[2932]: Listen and drop on 0 v4wildcard 0.0.0.0 UDP 123
Apr  2 07:17:33 raspberrypi ntpd[2932]: Listen normally on 2 lo 127.0.0.1 UDP 123
"""


def incidents(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return of_type(json_events(run_cli("scan", "--file", str(path), "-o", "json")), "incident")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_two_crashed_tables_at_a_mysqld_start_are_one_incident(tmp_path: Path) -> None:
    """The two tables of one start are one incident of mysqld (the same remedy; a power loss marks many tables);
    the same words a start later, 16 h on, are another."""
    (incident,) = [i for i in incidents(write(tmp_path, "daemon.log", MYSQLD_START + CRASHED + NTPD_START))
                   if i["rule"] in NEW_RULES]
    assert (incident["rule"], incident["severity"], incident["unit"]) == ("mysql-table-crashed", "error", "(mysqld)")
    later = CRASHED.replace("Apr  2 07:17:27", "Apr  2 23:17:31").replace("140402  7:17:27", "140402 23:17:31")
    found = [i["rule"] for i in incidents(write(tmp_path, "two.log", MYSQLD_START + CRASHED + later))]
    assert found.count("mysql-table-crashed") == 2, found


def test_a_clean_mysqld_start_and_the_words_in_client_text_are_quiet(tmp_path: Path) -> None:
    assert [i for i in incidents(write(tmp_path, "clean.log", MYSQLD_START + NTPD_START))
            if i["rule"] in NEW_RULES] == []
    general = ("2024-05-01T10:00:00.123456Z\t   14 Query\tSELECT 'Table ./a/b is marked as crashed and should be "
               "repaired'\n"
               "2024-05-01T10:00:01.123456Z\t   14 Query\tSELECT '[ERROR] mysqld: Table \\'./a/b\\' is marked as "
               "crashed and should be repaired'\n")
    assert incidents(write(tmp_path, "general.log", general)) == []
    access = ('203.0.113.9 - - [04/Dec/2026:10:00:00 +0000] "GET /?q=%5BERROR%5D HTTP/1.1" 200 612 "-" '
              '"140402  7:17:27 [ERROR] /usr/sbin/mysqld: Table \'./a/b\' is marked as crashed and should be '
              'repaired"\n')
    assert [i for i in incidents(write(tmp_path, "access.log", access)) if i["rule"] in NEW_RULES] == []


def test_a_mariadb_error_log_file(tmp_path: Path) -> None:
    """MariaDB's own error log (idoop/zentao#14's layout): four tables at one start, one incident."""
    text = "2019-07-04 10:45:44 0 [Note] /opt/zbox/run/mysql/mysqld: ready for connections.\n" + "".join(
        f"2019-07-04 10:45:{50 + n} {8 + n} [ERROR] mysqld: Table './zentao/zt_{table}' is marked as crashed and "
        f"should be repaired\n2019-07-04 10:45:{50 + n} {8 + n} [Warning] Checking table:   './zentao/zt_{table}'\n"
        for n, table in enumerate(["config", "company", "cron", "user"]))
    assert [i["rule"] for i in incidents(write(tmp_path, "mysql_error.log", text))
            if i["rule"] in NEW_RULES] == ["mysql-table-crashed"]


TRANSMISSION_STOP = """\
Jul  8 10:17:01 LSPPC-Wheezy /USR/SBIN/CRON[3073]: (root) CMD (   cd / && run-parts --report /etc/cron.hourly)
Jul  8 10:20:02 LSPPC-Wheezy transmission-daemon[2976]: Saved "/etc/transmission-daemon/settings.json" (bencode.c:1731)
Jul  8 10:20:02 LSPPC-Wheezy transmission-daemon[2976]: Port Forwarding Stopped (port-forwarding.c:181)
Jul  8 10:20:02 LSPPC-Wheezy transmission-daemon[2976]: Closing session
"""
TRANSMISSION_FAILS = [f"Jul  8 {at} LSPPC-Wheezy transmission-daemon: transmission-daemon Error loading config file "
                      "-- exiting. (daemon.c:462)\n"
                      for at in ["10:20:02", "10:21:12", "10:35:36", "10:40:32", "10:46:29", "10:50:53", "10:53:42",
                                 "10:55:19", "10:57:58", "11:04:42", "11:09:59"]]


def test_transmission_exiting_on_its_config_again_and_again_is_one_incident(tmp_path: Path) -> None:
    found = [i for i in incidents(write(tmp_path, "syslog", TRANSMISSION_STOP + "".join(TRANSMISSION_FAILS)))
             if i["rule"] in NEW_RULES]
    assert [(i["rule"], i["severity"], i["unit"]) for i in found] == [
        ("transmission-config-load-failed", "error", "(transmission-daemon)")]
    assert [i["rule"] for i in incidents(write(tmp_path, "once.log", TRANSMISSION_STOP + TRANSMISSION_FAILS[0]))
            if i["rule"] in NEW_RULES] == ["transmission-config-load-failed"]


def test_a_clean_shutdown_of_the_nas_and_boot_time_exits_are_quiet(tmp_path: Path) -> None:
    """The NAS's clean stops and each boot's ntpdate (ntpd already holds the port), and a CentOS 6 host's
    ntpdate retried three times at a boot without network: error words and an exit, routine."""
    text = (TRANSMISSION_STOP
            + "Jul  8 10:34:20 LSPPC-Wheezy rpc.mountd[2035]: Caught signal 15, un-registering and exiting.\n"
            "Jul  8 10:34:23 LSPPC-Wheezy exiting on signal 15\n"
            "Jul  8 10:35:50 LSPPC-Wheezy ntpdate[2397]: the NTP socket is in use, exiting\n"
            "Jul  8 10:36:01 LSPPC-Wheezy ntpd[2398]: ntpd exiting on signal 15\n")
    assert incidents(write(tmp_path, "nas.log", text)) == []
    centos = "".join(f"Dec 20 08:0{at} moban ntpdate[{pid}]: no servers can be used, exiting\n"
                     for at, pid in [("5:31", 986), ("7:01", 988), ("8:41", 990)])
    assert [i for i in incidents(write(tmp_path, "messages", centos)) if i["rule"] in NEW_RULES] == []


def test_dhcpd_config_errors_fire_on_the_line(tmp_path: Path) -> None:
    """A Pi's isc-dhcp-server under a SysV script (trial 70's 26): dhcpd's parse error, its exit, the script's copy."""
    text = """\
Sep 28 19:53:56 raspberrypi dhcpd: Internet Systems Consortium DHCP Server 4.3.1
Sep 28 19:53:56 raspberrypi dhcpd: Config file: /etc/dhcp/dhcpd.conf
Sep 28 19:53:56 raspberrypi dhcpd: /etc/dhcp/dhcpd.conf line 118: semicolon expected.
Sep 28 19:53:56 raspberrypi dhcpd: option
Sep 28 19:53:56 raspberrypi dhcpd:  ^
Sep 28 19:53:56 raspberrypi dhcpd: Configuration file errors encountered -- exiting
Sep 28 19:53:56 raspberrypi dhcpd: exiting.
Sep 28 19:53:56 raspberrypi isc-dhcp-server[690]: dhcpd self-test failed. Please fix /etc/dhcp/dhcpd.conf.
Sep 28 19:53:56 raspberrypi isc-dhcp-server[690]: The error was:
Sep 28 19:53:56 raspberrypi isc-dhcp-server[690]: Configuration file errors encountered -- exiting
"""
    found = [i for i in incidents(write(tmp_path, "syslog", text)) if i["rule"] in NEW_RULES]
    assert [(i["rule"], i["severity"]) for i in found] == [("dhcpd-config-errors", "error")], found
    normal = """\
Sep 28 20:10:02 raspberrypi dhcpd: Internet Systems Consortium DHCP Server 4.3.1
Sep 28 20:10:02 raspberrypi dhcpd: Config file: /etc/dhcp/dhcpd.conf
Sep 28 20:10:02 raspberrypi dhcpd: Wrote 0 leases to leases file.
Sep 28 20:10:02 raspberrypi dhcpd: Listening on LPF/wlan0/b8:27:eb:00:11:22/192.168.42.0/24
Sep 28 20:10:02 raspberrypi dhcpd: Server starting service.
Sep 28 20:40:00 raspberrypi dhcpd: Server shutting down.
Sep 28 20:40:00 raspberrypi dhcpd: exiting.
"""
    assert incidents(write(tmp_path, "normal.log", normal)) == []


def test_ntpd_that_cannot_bind_its_port_is_a_warning(tmp_path: Path) -> None:
    """The OVH server's boot (trial 70's 16): ntpdate from if-up holds port 123, ntpd exits."""
    text = """\
May 26 19:43:59 hostname ntpd[3897]: ntpd 4.2.6p5@1.2349-o Fri Apr 10 19:04:04 UTC 2015 (1)
May 26 19:43:59 hostname ntpd[3907]: proto: precision = 0.154 usec
May 26 19:43:59 hostname ntp[3822]: Starting NTP server: ntpd.
May 26 19:43:59 hostname ntpd[3907]: unable to bind to wildcard address 0.0.0.0 - another process may be running - \
EXITING
May 26 19:44:03 hostname ntpdate[3660]: step time server 213.251.128.249 offset -0.508553 sec
"""
    found = [i for i in incidents(write(tmp_path, "syslog", text)) if i["rule"] in NEW_RULES]
    assert [(i["rule"], i["severity"], i["unit"]) for i in found] == [
        ("ntpd-wildcard-bind-failed", "warning", "(ntpd)")]
