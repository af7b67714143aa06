"""The SQLite state: cursor and outbox committed together; alerts of one incident leave in order."""

from __future__ import annotations

from pathlib import Path

from logsentry.state import OutboxItem, State


def test_alerts_of_one_incident_are_delivered_in_order(tmp_path: Path):
    state = State(tmp_path / "state.db")
    state.commit({"cursor": "c1"}, [OutboxItem("alert:i1:firing", "alert", {"n": 1}, group="i1"),
                                    OutboxItem("alert:other", "alert", {"n": 2})], now_usec=0)
    [firing, _other] = state.outbox()
    state.update(firing.id, status="pending", attempts=1, next_attempt_usec=1_000)  # failed once, retry later
    state.commit({}, [OutboxItem("alert:i1:resolved", "alert", {"n": 3}, group="i1")], now_usec=10)
    assert [row.dedupe for row in state.due(now_usec=500)] == ["alert:other"]  # not the resolve before firing
    state.update(firing.id, status="done")
    assert [row.dedupe for row in state.due(now_usec=500)] == ["alert:other", "alert:i1:resolved"]
    assert state.cursor == "c1"


def test_queueing_is_idempotent_and_survives_reopening(tmp_path: Path):
    state = State(tmp_path / "state.db")
    item = OutboxItem("restart:x", "restart", {"unit": "a.service"})
    state.commit({"cursor": "c1"}, [item], now_usec=0)
    state.commit({"cursor": "c2"}, [item], now_usec=1)  # the same batch replayed after a crash
    state.close()
    again = State(tmp_path / "state.db")
    assert again.cursor == "c2" and len(again.outbox()) == 1
    assert again.outbox()[0].payload == {"unit": "a.service", "id": "restart:x"}


def test_prune_forgets_old_finished_rows_only(tmp_path: Path):
    state = State(tmp_path / "state.db")
    state.commit({}, [OutboxItem("alert:old-done", "alert", {}), OutboxItem("alert:old-pending", "alert", {})],
                 now_usec=100)
    state.commit({}, [OutboxItem("alert:new-done", "alert", {})], now_usec=10_000)
    for row in state.outbox():
        if row.dedupe.endswith("done"):
            state.update(row.id, status="done")
    state.prune(before_usec=5_000)
    assert [row.dedupe for row in state.outbox()] == ["alert:old-pending", "alert:new-done"]


def test_an_alert_waits_behind_an_earlier_alert_waiting_for_its_units_restart(tmp_path: Path):
    """"came back after restart" is not told before "restarted": an alert of the same unit and machine queued
    after an alert that carries a restart waits while that one is pending; other units and machines do not."""
    from logsentry.actions.outbox import OutboxWorker

    state = State(tmp_path / "state.db")
    machine = "0123456789abcdef0123456789abcdef"
    state.commit({}, [OutboxItem("alert:i1:firing", "alert", {"unit": "a.service", "machine_id": machine,
                                                              "restart": "restart:i1"}),
                      OutboxItem("alert:plain", "alert", {"unit": "b.service", "machine_id": machine}),
                      OutboxItem("alert:i2:firing", "alert", {"unit": "a.service", "machine_id": machine}),
                      OutboxItem("alert:i3:firing", "alert", {"unit": "a.service", "machine_id": "f" * 32}),
                      OutboxItem("alert:i4:firing", "alert", {"unit": "b.service", "machine_id": machine})],
                 now_usec=0)
    rows = {row.dedupe: row for row in state.due(now_usec=1)}
    behind = OutboxWorker._behind_a_restart
    assert behind(state, rows["alert:i2:firing"])
    assert not behind(state, rows["alert:i1:firing"])  # nothing before it
    assert not behind(state, rows["alert:i3:firing"])  # another machine's a.service
    assert not behind(state, rows["alert:i4:firing"])  # the earlier b.service alert has no restart
    state.update(rows["alert:i1:firing"].id, status="done")
    assert not behind(state, rows["alert:i2:firing"])
    state.close()


def test_a_commit_with_nothing_new_writes_nothing(tmp_path: Path):
    """An idle service commits every second with the same values: no transaction (and no fsync) for those,
    while a changed value, an outbox item or a write that failed is still saved."""
    import sqlite3

    state = State(tmp_path / "state.db")
    observer = sqlite3.connect(tmp_path / "state.db")  # data_version moves when another connection commits

    def version() -> int:
        return int(observer.execute("PRAGMA data_version").fetchone()[0])

    values = {"cursor": "c1", "alerting": {"i1": {"next_usec": 5, "reminders": 0}}}
    assert state.commit(values, [], now_usec=0) is True
    before = version()
    assert state.commit({"cursor": "c1", "alerting": {"i1": {"next_usec": 5, "reminders": 0}}}, [], now_usec=1) is False
    assert state.commit(values, [], now_usec=2, windows=([], [])) is False
    assert version() == before
    values["alerting"]["i1"]["reminders"] = 1  # the same dict, changed in place, as the service's is
    assert state.commit(values, [], now_usec=3) is True
    assert version() != before and state.get("alerting") == {"i1": {"next_usec": 5, "reminders": 1}}
    before = version()
    state.commit(values, [OutboxItem("alert:x", "alert", {})], now_usec=4)
    assert version() != before and len(state.outbox()) == 1
    state.db.execute("CREATE TRIGGER refuse BEFORE UPDATE ON meta BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    state.db.execute("CREATE TRIGGER refuse_new BEFORE INSERT ON meta BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    try:
        state.commit({"cursor": "c2"}, [], now_usec=5)
    except sqlite3.Error:
        pass
    else:
        raise AssertionError("the trigger should have refused the write")
    state.db.execute("DROP TRIGGER refuse")
    state.db.execute("DROP TRIGGER refuse_new")
    state.commit({"cursor": "c2"}, [], now_usec=6)  # not taken as written by the commit that failed
    assert state.cursor == "c2"
    observer.close()
