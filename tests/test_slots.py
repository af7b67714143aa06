"""The engine's objects made through logsentry._slots.SlotMaker (model.new_hit, model.new_incident,
events.new_match: without the frozen dataclasses' slow __init__) are the objects their constructors make."""

from __future__ import annotations

import dataclasses
import pickle

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logsentry.events import MatchEvent, new_match
from logsentry.model import Entry, Hit, Incident, Link, Severity, new_hit, new_incident

text = st.text(max_size=12)
usec = st.integers(min_value=0, max_value=2**62)
severity = st.sampled_from(list(Severity))
entry = st.builds(Entry, message=text, realtime_usec=usec, unit=text, priority=st.none() | st.integers(0, 7))
hit_values = st.tuples(text, severity, entry, st.dictionaries(text, text, max_size=3), text, text, text)
link = st.builds(Link, rule_id=text, severity=severity, first_usec=usec, count=usec, message=text, cursor=text,
                 fired=st.booleans())
incident_values = st.tuples(text, severity, text, text, usec, usec, usec, usec, usec, usec, text,
                            st.lists(text, max_size=5).map(tuple), text, text, usec, text, text, text, text,
                            st.lists(link, max_size=3).map(tuple), usec, usec)


def alike(made: object, built: object) -> None:
    assert type(made) is type(built)
    assert made == built and repr(made) == repr(built)
    assert dataclasses.astuple(made) == dataclasses.astuple(built)  # type: ignore[call-overload]
    assert pickle.loads(pickle.dumps(made)) == built


@given(hit_values)
def test_new_hit_is_hit(values: tuple) -> None:  # type: ignore[type-arg]
    alike(new_hit(*values), Hit(*values))


@given(incident_values)
def test_new_incident_is_incident(values: tuple) -> None:  # type: ignore[type-arg]
    made, built = new_incident(*values), Incident(*values)
    alike(made, built)
    assert hash(made) == hash(built)


@given(hit_values, st.booleans())
def test_new_match_is_match_event(values: tuple, fires: bool) -> None:  # type: ignore[type-arg]
    hit = Hit(*values)
    made = new_match(hit, fires)
    alike(made, MatchEvent(hit, fires))
    match made:  # the service takes events apart by position (service_journal._handle)
        case MatchEvent(matched, fired):
            assert matched is hit and fired is fires


def test_makers_take_every_field_and_nothing_else() -> None:
    """A field added to Hit or Incident without its callers changing fails loudly, never fills the wrong slot."""
    with pytest.raises(TypeError, match="takes 7 positional values"):
        new_hit("r", Severity.ERROR, None, {}, "")
    with pytest.raises(TypeError, match="takes 22 positional values"):
        new_incident(*range(21))
