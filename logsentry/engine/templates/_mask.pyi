"""Types of the C extension (see _mask.c; tokens.py holds the reference)."""

from collections.abc import Callable

def mask(line: str, /) -> str: ...
def masked_key(line: str, max_tokens: int, /) -> str: ...
def message_key(message: str | bytes, max_chars: int, max_tokens: int, /) -> str:
    """masked_key(first line of the message (UTF-8 bytes: decoded with errors="replace") cut to max_chars
    characters, max_tokens): the key engine/_runstep.c takes, in C, of a run's entry or an entry in full."""
def set_json_text(f: Callable[[str], str | None], /) -> None: ...

_C_API: object
"""A capsule (mask_api.h): masked_key's C functions for engine/_runstep.c."""
