"""logsentry._slots (C): frozen slotted dataclasses made without their __init__ (_slots.c)."""

from typing import Generic, TypeVar

_T = TypeVar("_T")

class SlotMaker(Generic[_T]):
    def __init__(self, cls: type[_T], names: tuple[str, ...]) -> None: ...
    def __call__(self, *values: object) -> _T: ...
