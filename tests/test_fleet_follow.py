"""New host files picked up while following (issue 17): the real service follows a journal-remote directory
(`remote-HOST.journal`, one per host); a host that first connects after the service started gets its own file,
written by systemd-journal-remote from export format, and its MVar line must be alerted naming that host.
`journalctl -f` does not pick up files created after it starts (systemd#35235); sd-journal on a directory
watches it with inotify and should. Only the service's public behaviour is checked (alerts received by a
webhook on 127.0.0.1), whatever reads the journal inside it."""

from __future__ import annotations

import time

from conftest import entry
from test_host_stale import ALPHA, HostFeed, alerts, collector_config, wait_until
from test_service import receiver, service  # noqa: F401  (fixtures)

from logsentry.sources.journal_files import build_journal, export_bytes

MVAR = "api: thread blocked indefinitely in an MVar operation"
WEB9 = "c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9c9"
DB3 = "d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3d3"


def config(root, directory, hook_url: str) -> str:  # type: ignore[no-untyped-def]
    return collector_config(root, directory, hook_url)


def test_a_new_hosts_file_is_followed(service, receiver, tmp_path):  # noqa: F811
    directory = tmp_path / "remote"
    directory.mkdir()
    alpha = HostFeed(directory, "alpha", ALPHA)
    feeds = [alpha]
    try:
        alpha.write("GET / 200", "api.service")
        hook = receiver()
        running = service(config(tmp_path, directory, hook.url))
        running.start()
        alpha.write("GET / 200", "api.service")
        time.sleep(1)
        # A host that connects now: journal-remote creates its file and writes to it live.
        web9 = HostFeed(directory, "web-9", WEB9)
        feeds.append(web9)
        web9.write("starting api", "api.service")
        time.sleep(0.5)
        web9.write(MVAR, "api.service")
        got = wait_until(lambda: [a for a in alerts(hook) if "ghc-mvar-deadlock" in a["title"]], 20,
                         "the new host's MVar alert")
        assert len(got) == 1 and "api.service" in got[0]["title"]
        assert "on web-9" in got[0]["message"] and "latest: " + MVAR in got[0]["message"]
        # And a file that appears whole (journal-remote run on an export file, then moved in).
        staged = tmp_path / "staging"
        staged.mkdir()
        now = time.time_ns() // 1000
        records = [entry(MVAR, unit="api.service", _MACHINE_ID=DB3, _HOSTNAME="db-3", __REALTIME_TIMESTAMP=now)]
        records[0]["__MONOTONIC_TIMESTAMP"] = now
        built = build_journal(export_bytes(records), staged / "remote-db-3.journal")
        built.rename(directory / "remote-db-3.journal")
        got = wait_until(lambda: [a for a in alerts(hook) if "ghc-mvar-deadlock" in a["title"]
                                  and "on db-3" in a["message"]], 20, "the moved-in host's MVar alert")
        assert len(got) == 1
        assert running.stop() == 0
    finally:
        for feed in feeds:
            feed.close()
