"""A planned stop in a text log is no silence (helper-170's trial): a text groups a program's lines by the
identifier they claim ("(myapi)"), PID 1's about its unit by the unit's name, and systemd 252's job lines name the
unit before its description ("Stopped myapi.service - My API."); before, such a stop (or a planned reboot) paged the
program silent, where the same lines in a journal did not."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from conftest import json_events, of_type, run_cli

START = 1_796_400_000
DAY = 26 * 3600


def line(at: int, ident: str, message: str) -> str:
    pid = "1" if ident == "systemd" else "4242"
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S+0000', time.gmtime(START + at))} web01 {ident}[{pid}]: {message}"


def host(stop: tuple[str, ...], down_s: int = 300) -> str:
    out = [line(i * 20 + 1, "myapi", f"INFO request served path=/items/{i} status=200") for i in range(DAY // 20)]
    out += [line(DAY, "systemd", text) for text in stop]
    back = DAY + down_s
    out += [line(back, "systemd", "Started myapi.service - My API.")] if stop else []
    out += [line(back + 13 + i * 20, "myapi", f"INFO request served path=/items/b{i} status=200") for i in range(90)]
    return "\n".join(out) + "\n"


def scan(tmp_path: Path, text: str) -> list[dict[str, Any]]:
    path = tmp_path / "web01.log"
    path.write_text(text)
    return json_events(run_cli("scan", "--file", str(path), "-o", "json"))


@pytest.mark.parametrize("stop", [
    ("Stopping myapi.service - My API...", "Stopped myapi.service - My API."),  # systemd 252 and later
    ("Stopping My API...", "myapi.service: Deactivated successfully.", "Stopped My API."),  # 240-251
])
def test_a_planned_stop_of_a_texts_program_is_no_silence(tmp_path, stop):
    assert of_type(scan(tmp_path, host(stop)), "incident") == []


def test_the_same_pause_without_a_stop_pages_it(tmp_path):
    incidents = of_type(scan(tmp_path, host(())), "incident")
    assert [i["unit"] for i in incidents] == ["(myapi)"], incidents
