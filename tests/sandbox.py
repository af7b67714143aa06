"""A real systemd (PID 1 in its own namespaces, over an overlay of /) from ../shared/tools/systemd-sandbox.

Safety (from the tool's README): it never shares the host's /, /tmp or /var; units need
DefaultDependencies=no; it is powered off at the end of each test that boots one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def sandbox_tool() -> Path:
    for candidate in (ROOT.parent / "shared" / "tools" / "systemd-sandbox", Path("/work/shared/tools/systemd-sandbox")):
        if (candidate / "outer.sh").exists():
            return candidate
    raise AssertionError("../shared/tools/systemd-sandbox not found beside the checkout")


TARGET = """[Unit]
Description=jrig test target
DefaultDependencies=no
Wants=systemd-journald.socket systemd-journald.service {units}
"""


class Sandbox:
    """Boots systemd with the given unit files; `systemctl` is the argv prefix to manage it from the host."""

    def __init__(self, units: dict[str, str], boot_timeout: float = 20.0):
        self.dir = Path(tempfile.mkdtemp(prefix="logsentry-sbx-", dir="/var/tmp"))
        (self.dir / "units").mkdir()
        for name, text in units.items():
            (self.dir / "units" / name).write_text(text)
        started = " ".join(name for name in units if name.endswith(".service"))
        (self.dir / "units" / "jrig.target").write_text(TARGET.format(units=started))
        tool = sandbox_tool()
        environment = {**os.environ, "SANDBOX_DIR": str(self.dir)}
        self.outer = subprocess.Popen(["bash", str(tool / "outer.sh")], env=environment,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = self._find_systemd(boot_timeout)
        # absolute: the config requires restart.systemctl to be an absolute path
        self.systemctl = (shutil.which("nsenter") or "/usr/bin/nsenter", "-t", str(self.pid), "-a", "systemctl")
        self._wait_running(boot_timeout)

    @property
    def journal(self) -> Path:
        return self.dir / "share" / "journal"

    def _children(self, pid: int) -> list[int]:
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def _find_systemd(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            todo = [self.outer.pid]
            while todo:
                pid = todo.pop()
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if command and command[0].endswith(b"systemd") and b"--system" in command:
                    return pid
                todo.extend(self._children(pid))
            time.sleep(0.05)
        raise AssertionError("the sandbox's systemd did not start")

    def _wait_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run("is-system-running").stdout.strip()
            if state in ("running", "degraded"):
                return
            time.sleep(0.1)
        raise AssertionError(f"sandbox systemd not running after {timeout}s")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*self.systemctl, *args], capture_output=True, text=True, timeout=30, check=False)

    def show(self, unit: str, prop: str) -> str:
        return self.run("show", "-p", prop, "--value", unit).stdout.strip()

    def close(self) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):  # (once in CI a teardown failed here): killed below
            self.run("poweroff")
        try:
            self.outer.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.outer.pid, 9)
            self.outer.wait(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


class VisibleCheckout:
    """This checkout and its interpreter at paths the sandbox can see.

    Inside the sandbox /tmp is a private tmpfs, so a checkout under /tmp (as CI's may be) is linked
    (or copied) to /var/tmp for the test, and the interpreter path is mapped along.
    """

    def __init__(self) -> None:
        self.copy: Path | None = None
        self.root = ROOT
        if str(ROOT).startswith("/tmp/"):
            self.copy = Path(tempfile.mkdtemp(prefix="logsentry-code-", dir="/var/tmp"))
            self.root = self.copy / ROOT.name
            linked = subprocess.run(["cp", "-al", str(ROOT), str(self.root)], capture_output=True, check=False)
            if linked.returncode != 0:
                shutil.rmtree(self.root, ignore_errors=True)
                subprocess.run(["cp", "-a", str(ROOT), str(self.root)], check=True)

    @property
    def python(self) -> str:
        executable = Path(sys.executable)
        try:
            return str(self.root / executable.relative_to(ROOT))
        except ValueError:
            return str(executable)

    def close(self) -> None:
        if self.copy is not None:
            shutil.rmtree(self.copy, ignore_errors=True)
