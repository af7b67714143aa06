"""Reading one TOML file (rule file or site config), with the failure worded `<where>: <what>`."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


class TomlFileError(ValueError):
    """The file cannot be read or is not TOML; the message names the file."""


def read_toml(path: Path, where: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except UnicodeDecodeError as error:
        raise TomlFileError(f"{where}: not UTF-8 text (byte {error.start}), expected a TOML file") from None
    except tomllib.TOMLDecodeError as error:
        raise TomlFileError(f"{where}: TOML syntax: {error}") from None
    except OSError as error:
        raise TomlFileError(f"{where}: cannot read: {error.strerror or error}") from None
