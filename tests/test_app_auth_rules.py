"""Password guessing in an application's own log: the signature rules for repeated authentication failures of
self-hosted services (Tomcat's LockOutRealm, Home Assistant, Nextcloud, Gitea, Vaultwarden, Jellyfin, MariaDB,
PostgreSQL, Postfix's SMTP AUTH, Dovecot, Proxmox VE, Authelia), read from real text files in each program's own
layout by `scan --file` with the shipped rules. A burst is one incident naming the rule; a handful below its count is
none of the rule's; a normal log with one mistyped password is quiet. Trial 69 (finding 1): 84 LockOutRealm lines
over 20 h of a Tomcat log matched nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import json_events, of_type, run_cli

START = datetime(2024, 3, 1, 8, 0, 0)


def scan(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return json_events(run_cli("scan", "--file", str(path), "-o", "json"))


def incidents(path: Path) -> list[str]:
    return [incident["rule"] for incident in of_type(scan(path), "incident")]


# Each layout: the failure line at a time, by the n-th attempt (a client address, a user), and the program's
# normal lines around it.

def tomcat(at: datetime, n: int) -> str:
    names = ["tomcat", "manager", "admin", "root", "role1", "pluto", "both", "test", "administrator"]
    return (f"{at:%d-%b-%Y %H:%M:%S}.{n % 1000:03d} WARNING [http-nio-8080-exec-{n % 10}] "
            f"org.apache.catalina.realm.LockOutRealm.filterLockedAccounts An attempt was made to authenticate the "
            f"locked user [{names[n % len(names)]}]")


def tomcat_normal(at: datetime) -> list[str]:
    return [f"{at:%d-%b-%Y %H:%M:%S}.101 INFO [main] org.apache.catalina.startup.VersionLoggerListener.log "
            "Server version name:   Apache Tomcat/9.0.43",
            f"{at:%d-%b-%Y %H:%M:%S}.730 INFO [main] org.apache.catalina.startup.HostConfig.deployWAR Deployment "
            "of web application archive [/var/lib/tomcat9/webapps/shop.war] has finished in [2,412] ms",
            f"{at:%d-%b-%Y %H:%M:%S}.902 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in "
            "[3,120] milliseconds"]


def tomcat_jul(at: datetime, n: int) -> str:
    """java.util.logging's SimpleFormatter: two lines a record (Tomcat 7, and embedders)."""
    return (f"{at:%b %d, %Y %I:%M:%S %p} org.apache.catalina.realm.LockOutRealm filterLockedAccounts\n"
            f"WARNING: An attempt was made to authenticate the locked user [{['admin', 'tomcat'][n % 2]}]")


def tomcat_jul_normal(at: datetime) -> list[str]:
    return [f"{at:%b %d, %Y %I:%M:%S %p} org.apache.catalina.startup.Catalina start\n"
            "INFO: Server startup in 3120 ms"]


def homeassistant(at: datetime, n: int) -> str:
    return (f"{at:%Y-%m-%d %H:%M:%S}.{n % 1000:03d} WARNING (MainThread) [homeassistant.components.http.ban] Login "
            "attempt or request with invalid authentication from 203.0.113.9 (203.0.113.9). Requested URL: "
            "'/auth/login_flow/0bd5b90aa77f40ad8a3e42528c9278d7'. (Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "
            "Gecko/20100101 Firefox/128.0)")


def homeassistant_normal(at: datetime) -> list[str]:
    return [f"{at:%Y-%m-%d %H:%M:%S}.017 INFO (MainThread) [homeassistant.setup] Setting up http",
            f"{at:%Y-%m-%d %H:%M:%S}.233 INFO (MainThread) [homeassistant.core] Starting Home Assistant",
            f"{at:%Y-%m-%d %H:%M:%S}.640 INFO (MainThread) [homeassistant.bootstrap] Home Assistant initialized in "
            "9.81s"]


def nextcloud(at: datetime, n: int) -> str:
    user = ["admin", "root", "test"][n % 3]
    return ('{"reqId":"aZ' f'{n:04d}' '","level":2,"time":"' f'{at.isoformat()}' '+00:00","remoteAddr":"198.51.100.30",'
            '"user":"--","app":"core","method":"POST","url":"/login","message":"Login failed: \'' f'{user}'
            '\' (Remote IP: \'198.51.100.30\')","userAgent":"Mozilla/5.0","version":"28.0.2.5","data":{"app":"core"}}')


def nextcloud_normal(at: datetime) -> list[str]:
    return ['{"reqId":"bQ0001","level":1,"time":"' f'{at.isoformat()}' '+00:00","remoteAddr":"","user":"--",'
            '"app":"cron","method":"","url":"--","message":"Finished OCA\\\\Files\\\\BackgroundJob\\\\ScanFiles '
            '(id: 3, arguments: null) in 0 seconds","userAgent":"--","version":"28.0.2.5"}']


def gitea(at: datetime, n: int) -> str:
    return (f"{at:%Y/%m/%d %H:%M:%S} ...ers/web/auth/auth.go:206:SignInPost() [I] Failed authentication attempt "
            f"for admin{n} from 203.0.113.50:{40000 + n}: user does not exist [uid: 0, name: admin{n}]")


def gitea_normal(at: datetime) -> list[str]:
    return [f"{at:%Y/%m/%d %H:%M:%S} cmd/web.go:223:serveInstalled() [I] PING DATABASE sqlite3",
            f"{at:%Y/%m/%d %H:%M:%S} cmd/web.go:304:listen() [I] Listen: http://0.0.0.0:3000"]


def vaultwarden(at: datetime, n: int) -> str:
    return (f"[{at:%Y-%m-%d %H:%M:%S}.{n % 1000:03d}][vaultwarden::api::identity][ERROR] Username or password is "
            f"incorrect. Try again. IP: 203.0.113.21. Username: user{n}@example.com.")


def vaultwarden_normal(at: datetime) -> list[str]:
    return [f"[{at:%Y-%m-%d %H:%M:%S}.100][start][INFO] Rocket has launched from http://0.0.0.0:80",
            f"[{at:%Y-%m-%d %H:%M:%S}.200][request][INFO] POST /identity/connect/token"]


def jellyfin(at: datetime, n: int) -> str:
    return (f"[{at:%Y-%m-%d %H:%M:%S}.{n % 1000:03d} +00:00] [INF] [41] "
            f'Jellyfin.Server.Implementations.Users.UserManager: Authentication request for "guess{n}" has been '
            "denied (IP: 198.51.100.3).")


def jellyfin_normal(at: datetime) -> list[str]:
    return [f"[{at:%Y-%m-%d %H:%M:%S}.001 +00:00] [INF] [1] Main: Jellyfin version: 10.9.7",
            f"[{at:%Y-%m-%d %H:%M:%S}.500 +00:00] [INF] [1] Main: Startup complete 0:00:04.1"]


def mariadb(at: datetime, n: int) -> str:
    return (f"{at:%Y-%m-%d %H:%M:%S} {100 + n} [Warning] Access denied for user 'root'@'203.0.113.88' "
            "(using password: YES)")


def mariadb_normal(at: datetime) -> list[str]:
    return [f"{at:%Y-%m-%d %H:%M:%S} 0 [Note] InnoDB: Buffer pool(s) load completed at 240301  8:00:00",
            f"{at:%Y-%m-%d %H:%M:%S} 0 [Note] mariadbd: ready for connections."]


def postgres(at: datetime, n: int) -> str:
    return f'{at:%Y-%m-%d %H:%M:%S}.{n % 1000:03d} UTC [{2000 + n}] FATAL:  password authentication failed for ' \
           f'user "postgres"\n{at:%Y-%m-%d %H:%M:%S}.{n % 1000:03d} UTC [{2000 + n}] DETAIL:  Connection matched ' \
           'pg_hba.conf line 100: "host all all all scram-sha-256"'


def postgres_normal(at: datetime) -> list[str]:
    return [f"{at:%Y-%m-%d %H:%M:%S}.001 UTC [1] LOG:  database system is ready to accept connections",
            f"{at:%Y-%m-%d %H:%M:%S}.900 UTC [27] LOG:  checkpoint starting: time"]


def syslog(at: datetime, ident: str, message: str) -> str:
    return f"{at:%b} {at.day:2d} {at:%H:%M:%S} mail {ident}: {message}"


def postfix(at: datetime, n: int) -> str:
    return syslog(at, f"postfix/submission/smtpd[{3000 + n}]",
                  "warning: unknown[203.0.113.5]: SASL LOGIN authentication failed: UGFzc3dvcmQ6")


def postfix_normal(at: datetime) -> list[str]:
    return [syslog(at, "postfix/smtpd[2999]", "connect from mail-wr1-f49.example.com[198.51.100.49]"),
            syslog(at, "postfix/smtpd[2999]", "disconnect from mail-wr1-f49.example.com[198.51.100.49] ehlo=2 "
                   "starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7")]


def dovecot(at: datetime, n: int) -> str:
    return syslog(at, "dovecot", f"imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<user{n}>, "
                  f"method=PLAIN, rip=198.51.100.104, lip=192.0.2.87, TLS, session=<eGg3gk0U{n:04d}ly9Zo>")


def dovecot_normal(at: datetime) -> list[str]:
    return [syslog(at, "dovecot", "imap-login: Login: user=<alice@example.com>, method=PLAIN, rip=192.0.2.20, "
                   "lip=192.0.2.87, mpid=4411, TLS, session=<xTlBvkU0UeQDAqAF>"),
            syslog(at, "dovecot", "imap(alice@example.com)<4411><xTlBvkU0UeQDAqAF>: Logged out in=120 out=9342")]


def proxmox(at: datetime, n: int) -> str:
    return syslog(at, f"pvedaemon[{1500 + n % 3}]",
                  f"authentication failure; rhost=::ffff:203.0.113.2 user={['root', 'admin', 'toor'][n % 3]}@pam "
                  "msg=Authentication failure")


def proxmox_normal(at: datetime) -> list[str]:
    return [syslog(at, "pvedaemon[1500]", "<root@pam> successful auth for user 'root@pam'"),
            syslog(at, "pvestatd[1450]", "status update time (5.112 seconds)")]


def authelia(at: datetime, n: int) -> str:
    return (f'time="{at.isoformat()}Z" level=error msg="Unsuccessful 1FA authentication attempt by user '
            f"'guess{n}'\" error=\"user not found\" method=POST path=/api/firstfactor remote_ip=203.0.113.40")


def authelia_normal(at: datetime) -> list[str]:
    return [f'time="{at.isoformat()}Z" level=info msg="Authelia v4.38.8 is starting"',
            f'time="{at.isoformat()}Z" level=info msg="Startup complete"',
            f'time="{at.isoformat()}Z" level=info msg="Listening for non-TLS connections on \'[::]:9091\' path \'/\'"']


Layout = Callable[[datetime, int], str]
Normal = Callable[[datetime], list[str]]
# (layout, its normal lines, the rule, the rule's count, seconds between attempts). A guesser tries every second
# or two: the rule fires within 30 s of the third failure, which begins excerpt-failure-template's (or
# new-error-template's) failure in a text file, and so leads its card (engine/failures.py `fired`, `from_text`);
# failures paced further apart show as a link of that card's chain.
CASES: dict[str, tuple[Layout, Normal, str, int, int]] = {
    "tomcat": (tomcat, tomcat_normal, "tomcat-lockout-realm-locked-user", 5, 1),
    "tomcat-jul": (tomcat_jul, tomcat_jul_normal, "tomcat-lockout-realm-locked-user", 5, 2),
    "homeassistant": (homeassistant, homeassistant_normal, "homeassistant-invalid-authentication", 10, 2),
    "nextcloud": (nextcloud, nextcloud_normal, "nextcloud-login-failed", 10, 2),
    "gitea": (gitea, gitea_normal, "gitea-failed-authentication", 10, 2),
    "vaultwarden": (vaultwarden, vaultwarden_normal, "vaultwarden-login-failed", 5, 3),
    "jellyfin": (jellyfin, jellyfin_normal, "jellyfin-authentication-denied", 5, 2),
    "mariadb": (mariadb, mariadb_normal, "mysql-access-denied", 10, 2),
    "postgres": (postgres, postgres_normal, "postgres-password-auth-failed", 10, 3),
    "postfix": (postfix, postfix_normal, "postfix-sasl-auth-failed", 10, 2),
    "dovecot": (dovecot, dovecot_normal, "dovecot-auth-failed", 10, 2),
    "proxmox": (proxmox, proxmox_normal, "proxmox-auth-failed", 5, 2),
    "authelia": (authelia, authelia_normal, "authelia-authentication-failed", 5, 2),
}


def write_log(tmp_path: Path, name: str, attempts: int, every: int, hours_of_normal: int = 0) -> Path:
    """The program's normal lines, `attempts` failures `every` seconds apart, and more normal lines (an hour apart,
    `hours_of_normal` of them) after."""
    layout, normal, _, _, _ = CASES[name]
    lines = normal(START)
    lines += [layout(START + timedelta(minutes=1, seconds=every * n), n) for n in range(attempts)]
    for hour in range(1, hours_of_normal + 1):
        lines += normal(START + timedelta(hours=hour))
    path = tmp_path / f"{name}.log"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("name", list(CASES))
def test_a_burst_of_failures_is_one_incident_naming_the_rule(tmp_path: Path, name: str) -> None:
    _, _, rule, count, every = CASES[name]
    found = incidents(write_log(tmp_path, name, count * 2, every))
    assert found.count(rule) == 1, found


@pytest.mark.parametrize("name", list(CASES))
def test_a_handful_below_the_count_is_not_the_rules(tmp_path: Path, name: str) -> None:
    _, _, rule, count, every = CASES[name]
    events = scan(write_log(tmp_path, name, count - 1, every))
    assert len([m for m in of_type(events, "match") if m["rule"] == rule]) == count - 1
    assert rule not in [incident["rule"] for incident in of_type(events, "incident")]


@pytest.mark.parametrize("name", list(CASES))
def test_a_normal_log_with_one_mistyped_password_is_quiet(tmp_path: Path, name: str) -> None:
    assert incidents(write_log(tmp_path, name, 1, 0, hours_of_normal=3)) == []


def test_one_incident_per_burst_of_a_dictionary_attack_hours_apart(tmp_path: Path) -> None:
    """Trial 69's file 19: nine locked names a second apart every three hours; and file 49's three tries on one
    locked name within a minute are not the rule's."""
    lines = [tomcat(START + timedelta(hours=3 * burst, seconds=n), n) for burst in range(3) for n in range(9)]
    path = tmp_path / "catalina.log"
    path.write_text("\n".join(lines) + "\n")
    assert incidents(path) == ["tomcat-lockout-realm-locked-user"] * 3
    path.write_text("\n".join(tomcat(START + timedelta(seconds=10 * n), 0) for n in range(3)) + "\n")
    assert "tomcat-lockout-realm-locked-user" not in incidents(path)


def test_a_crafted_name_does_not_choose_the_key(tmp_path: Path) -> None:
    """The client's text (a login name, a user agent) never chooses the address a window is keyed by: ten guesses
    that claim ten other addresses are still ten from one."""
    lines = [f"2024/03/01 08:00:{n:02d} routers/web/auth/auth.go:212:SignInPost() [W] Failed authentication attempt "
             f"for x from 10.0.0.{n}:1: user does not exist [uid: 0, name: x from 203.0.113.77:4242: user does not "
             f"exist [uid: 0, name: x from 10.0.0.{n}:1: user does not exist [uid: 0, name: x]" for n in range(10)]
    path = tmp_path / "gitea.log"
    path.write_text("\n".join(lines) + "\n")
    events = scan(path)
    assert {m["captures"]["ip"] for m in of_type(events, "match") if m["rule"] == "gitea-failed-authentication"} \
        == {"203.0.113.77"}
    (incident,) = [i for i in of_type(events, "incident") if i["rule"] == "gitea-failed-authentication"]
    assert incident["key"] == "203.0.113.77"


def test_a_rule_with_a_back_reference_keeps_its_literal() -> None:
    """gitea-failed-authentication pins the login with a back-reference (`(?P=user)`) among names used twice: the
    prefilter still finds its literal, so a journal's other lines are screened out (without one, every rule-less
    line of every journal was read in full: test_screening's fast path went unused)."""
    from logsentry.engine.prefilter import required_literals
    from logsentry.rules.loader import load_rules, shipped_rules_dir

    rules = {rule.id: rule for rule in load_rules([shipped_rules_dir()]).rules}
    message = rules["gitea-failed-authentication"].message
    assert message is not None and "(?P=user)" in message.pattern
    assert required_literals(message.pattern) == frozenset({"Failed authentication attempt f"})
    assert required_literals(r"^(?:x (?P<u>a)|(?P<u>b)) name: (?P=u)\]$") == frozenset({" name: "})
