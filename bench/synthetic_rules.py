"""Synthetic rule sets for the rule-scaling benchmark, and the same signatures for SEC and fail2ban.

    .venv/bin/python bench/synthetic_rules.py 100      # writes /var/tmp/logsentry-bench/rules/n100-gV/

The first 10 rules are real signatures that match lines of the generated journal (bench/make_journal.py);
the rest come from 10 templates of real-world error wording x 50 component names, so every rule carries
literals a prefilter can use, many share common words with the data ("error", "Exception", "level=error",
"FATAL:", ".service: Main process exited") and almost none match. Every file is valid per
logsentry/rules/rule.py (id = file stem, title, severity, action, [match] message) and is checked by loading
the whole directory with logsentry's own loader before use.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

RULES_VERSION = 1
DEFAULT_ROOT = Path("/var/tmp/logsentry-bench")


@dataclass(frozen=True)
class Signature:
    id: str
    title: str
    message: str  # logsentry regex on MESSAGE (regex package, MULTILINE)
    text: str  # the same signature for a syslog text line (Perl / Python re), for SEC and fail2ban
    kind: str  # the make_journal kind tag whose entries it matches ("" when it matches none)
    severity: str = "error"
    fields: str = ""  # TOML inline table for [match] fields, e.g. '{ _TRANSPORT = "kernel" }'
    trigger: str = ""


# Real signatures that match the generated data (kind = make_journal's tag for those entries).
REAL = (
    Signature("nginx-upstream-timeout", "nginx: upstream timed out",
              r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2} \[error\] \d+#\d+: \*\d+ upstream timed out \(110: Connection "
              r"timed out\) while reading response header from upstream, client: (?P<client>[^,\s]+)",
              r"upstream timed out \(110: Connection timed out\) while reading response header from upstream, "
              r"client: (\S+),", "nginx-upstream-timeout", trigger='count = 10\nwithin = "1m"'),
    Signature("nginx-upstream-refused", "nginx: upstream refused the connection",
              r"^\d{4}/\d{2}/\d{2} [\d:]{8} \[error\] \d+#\d+: \*\d+ connect\(\) failed \(111: Connection refused\) "
              r"while connecting to upstream",
              r"connect\(\) failed \(111: Connection refused\) while connecting to upstream", "nginx-upstream-refused"),
    Signature("postgres-deadlock", "PostgreSQL: deadlock detected",
              r"^\S+ \S+ \S+ \[\d+\] (?:(?P<user>\w+)@(?P<db>\w+) )?ERROR:  deadlock detected$",
              r"ERROR:  deadlock detected$", "pg-deadlock", "warning"),
    Signature("postgres-auth-failed", "PostgreSQL: password authentication failed",
              r'FATAL:  password authentication failed for user "(?P<user>[^"\n]+)"',
              r'FATAL:  password authentication failed for user "([^"]+)"', "pg-auth", "warning"),
    Signature("sshd-failed-password", "sshd: failed password for an invalid user",
              r"^Failed password for invalid user (?P<user>\S+) from (?P<ip>\S+) port \d+ ssh2$",
              r"Failed password for invalid user (\S+) from (\S+) port \d+ ssh2$", "ssh-failed", "warning",
              trigger='count = 20\nwithin = "10m"\ngroup_by = "ip"'),
    Signature("jvm-exception-servlet", "JVM: servlet threw an exception",
              r"ERROR \d+ --- \[[^\]]+\] \S+\s+: Servlet\.service\(\) for servlet \[(?P<servlet>\w+)\] threw exception",
              r"Servlet\.service\(\) for servlet \[(\w+)\] threw exception", "jvm-exception"),
    Signature("gunicorn-worker-timeout", "gunicorn: worker timeout",
              r"^\[[^\]]+\] \[\d+\] \[CRITICAL\] WORKER TIMEOUT \(pid:(?P<pid>\d+)\)$",
              r"\[CRITICAL\] WORKER TIMEOUT \(pid:(\d+)\)", "gunicorn-timeout"),
    Signature("node-econnrefused", "Node.js: connection refused",
              r"^Error: connect ECONNREFUSED (?P<address>\S+)$",
              r": Error: connect ECONNREFUSED (\S+)$", "node-econnrefused", "warning"),
    Signature("kernel-oom-killed", "Kernel: OOM killer",
              r"^(?:Memory cgroup )?[Oo]ut of memory: Kill(?:ed)? process (?P<pid>\d+) \((?P<command>[^)\n]*)\)",
              r"kernel: (?:Memory cgroup )?[Oo]ut of memory: Kill(?:ed)? process (\d+) \(([^)]*)\)",
              "kernel-oom-kill", "critical", fields='{ _TRANSPORT = "kernel" }'),
    Signature("haproxy-server-down", "HAProxy: backend server down",
              r"^Server (?P<server>\S+) is DOWN, reason: (?P<reason>[^,\n]+)",
              r"Server (\S+) is DOWN, reason: ([^,]+)", "haproxy-down", "critical"),
)

COMPONENTS = (
    "kafka", "zookeeper", "etcd", "consul", "vault", "minio", "ceph", "ldap", "smtp", "imap", "memcached",
    "elastic", "opensearch", "clickhouse", "cassandra", "mongodb", "rabbit", "nats", "pulsar", "influx",
    "grafana", "loki", "tempo", "jaeger", "envoy", "traefik", "caddy", "varnish", "squid", "bind",
    "unbound", "dnsmasq", "keycloak", "gitea", "jenkins", "nexus", "harbor", "registry", "nomad", "vaultwarden",
    "syncthing", "nextcloud", "matrix", "mastodon", "sentry", "airflow", "celery", "spark", "flink", "trino",
)

# {c} a component name, {C} capitalised. Doubled braces are regex quantifiers.
TEMPLATES = (
    r"^\d{{4}}/\d{{2}}/\d{{2}} [\d:]{{8}} \[error\] \d+#\d+: \*\d+ {c} upstream sent invalid header while reading "
    r"response header from upstream, client: (?P<client>[^,\s]+)",
    r"ERROR:  could not connect to {c} server: (?P<reason>[^\n]+)$",
    r'^Exception in thread "(?P<thread>[^"\n]+)" com\.example\.{c}\.{C}Exception: (?P<detail>.*)$',
    r"^(?:\w+\.)*{C}Error: (?P<detail>[^\n]+)$",
    r'level=error msg="{c} (?:sync|flush|compaction) failed" err="(?P<err>[^"\n]*)"',
    r"^(?P<pid>\d+):M \d+ \w{{3}} \d{{4}} [\d:.]+ # {C} (?:replication|persistence) error: (?P<err>[^\n]+)$",
    r"^{c}\[\d+\]: segfault at [0-9a-f]+ ip [0-9a-f]+ sp [0-9a-f]+ error \d+ in (?P<lib>\S+)",
    r"^{c}\.service: Main process exited, code=(?:killed|dumped), status=\d+/(?P<signal>\w+)$",
    r"^fatal: {c}: (?P<what>cannot (?:open|lock|read) [^\n]+)$",
    r"^\({c}:\d+\) UnhandledPromiseRejectionWarning: (?P<err>[^\n]+)$",
)


def signatures(count: int) -> list[Signature]:
    """The first `count` signatures: the real ones, then template x component."""
    found = list(REAL[:count])
    for index in range(max(0, count - len(REAL))):
        template = TEMPLATES[index % len(TEMPLATES)]
        component = COMPONENTS[(index // len(TEMPLATES)) % len(COMPONENTS)]
        round_ = index // (len(TEMPLATES) * len(COMPONENTS))
        name = component if round_ == 0 else f"{component}{round_ + 1}"
        pattern = template.format(c=name, C=name.capitalize())
        found.append(Signature(f"synthetic-{index // len(TEMPLATES):03d}-{index % len(TEMPLATES)}-{name}",
                               f"Synthetic signature {index} ({name})", pattern, pattern, "",
                               ("warning", "error", "critical")[index % 3]))
    return found


def rule_toml(sig: Signature) -> str:
    assert "'" not in sig.message, sig.id  # TOML literal strings cannot hold a single quote
    lines = [f'id = "{sig.id}"', f'title = "{sig.title}"', f'severity = "{sig.severity}"', 'action = "alert"', "",
             "[match]", f"message = '{sig.message}'"]
    if sig.fields:
        lines.append(f"fields = {sig.fields}")
    if sig.trigger:
        lines += ["", "[trigger]", sig.trigger]
    return "\n".join(lines) + "\n"


def write_rules(count: int, root: Path = DEFAULT_ROOT) -> Path:
    """A directory of `count` rule files (cached; validated with logsentry's loader when written)."""
    target = root / "rules" / f"n{count}-g{RULES_VERSION}"
    done = target / ".complete"
    if done.exists():
        return target
    if target.exists():
        shutil.rmtree(target)
    for sig in signatures(count):
        path = target / ("real" if sig.kind else "synthetic") / f"{sig.id}.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rule_toml(sig))
    from logsentry.rules.loader import load_rules

    loaded = load_rules([target])
    if loaded.errors or len(loaded.rules) != count:
        sys.exit(f"synthetic rules in {target} do not load: {loaded.errors[:5]} ({len(loaded.rules)} of {count})")
    done.write_text("ok\n")
    return target


def sec_conf(count: int, path: Path, matches: Path) -> Path:
    """SEC rules for the first `count` signatures: type=Single, each writes its id and $1 to `matches`."""
    blocks = []
    for sig in signatures(count):
        text = sig.text.replace("(?P<", "(?<")  # Perl spells named groups (?<name>...) (it accepts both)
        blocks.append(f"type=Single\nptype=RegExp\npattern={text}\ndesc={sig.id}\n"
                      f"action=write {matches} {sig.id}\n")
    path.write_text("\n".join(blocks))
    return path


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    print(write_rules(count))


if __name__ == "__main__":
    main()
