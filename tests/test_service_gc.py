"""The service's read loop tunes Python's cyclic collector (service.quiet_collector, bench/follow.py's figures)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from logsentry.service import GC_YOUNG, quiet_collector


@pytest.fixture
def collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_the_read_loop_freezes_start_up_objects_and_collects_young_ones_less_often(collector: None) -> None:
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    made_at_start = [[index] for index in range(1000)]  # containers: tracked by the collector
    quiet_collector()
    assert gc.get_threshold() == (GC_YOUNG, 10, 10)
    assert gc.get_freeze_count() >= len(made_at_start)


def test_a_higher_threshold_set_by_the_site_is_kept(collector: None) -> None:
    gc.set_threshold(GC_YOUNG * 2, 10, 10)
    quiet_collector()
    assert gc.get_threshold()[0] == GC_YOUNG * 2
