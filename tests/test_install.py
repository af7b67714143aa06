"""README's "Running the service" steps, as written, in a real systemd (the sandbox: Debian 12's systemd, over
an overlay of this machine's /), with the shipped contrib/logsentry.service and its hardening.

The steps are read from the README itself and run as root with sudo's PATH (sudo's secure_path: so
`python3` is the system's /usr/bin/python3). One deviation: the sandbox has no network, so the pip step
installs with --no-index --no-deps and finds the dependencies in this checkout's virtualenv (a .pth file);
the apt-get step is checked (dpkg) rather than run. Then: a virtualenv under /var/tmp or /root fails under
the same unit with 203/EXEC (PrivateTmp=, ProtectHome=), which is why the README says /opt/logsentry."""

from __future__ import annotations

import json
import re
import subprocess
import sysconfig
import time
from pathlib import Path

from sandbox import ROOT, Sandbox, VisibleCheckout

README = Path(__file__).resolve().parent.parent / "README.md"
SECURE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
IDLE = "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n"


def readme_steps() -> list[str]:
    section = README.read_text().split("## Running the service", 1)[1].split("\n## ", 1)[0]
    return [re.sub(r"\s+# .*$", "", line.strip()).replace("sudo ", "")
            for line in section.splitlines() if line.startswith("    sudo ")]


def inside(box: Sandbox, script: str, cwd: str = "/", timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["nsenter", "-t", str(box.pid), "-a", "env", "-i", f"PATH={SECURE_PATH}", "sh", "-ec",
                           f"cd {cwd}\n{script}"], capture_output=True, text=True, timeout=timeout, check=False)


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_readme_install_steps_work_in_a_real_systemd():
    steps = readme_steps()
    assert steps[0].startswith("apt-get install ") and steps[1] == "/usr/bin/python3 -m venv /opt/logsentry", steps
    packages = steps[0].removeprefix("apt-get install ").split()
    assert subprocess.run(["dpkg", "-s", *packages], capture_output=True, check=False).returncode == 0, packages
    checkout = VisibleCheckout()
    box = Sandbox({"idle.service": IDLE})
    try:
        deps = Path(sysconfig.get_paths()["purelib"]).resolve()
        if deps.is_relative_to(ROOT):  # the venv inside the checkout: as the sandbox sees it (VisibleCheckout)
            deps = checkout.root / deps.relative_to(ROOT)
        for step in steps[1:]:
            if step.startswith("/opt/logsentry/bin/pip install"):
                # No network in the sandbox: the dependencies come from this checkout's venv, copied to where
                # the unit can see them (a checkout under /tmp, /var/tmp, /home or /root, as CI's may be, is
                # hidden from the service by PrivateTmp/ProtectHome).
                pth = "$(/opt/logsentry/bin/python -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])')"
                step = (f"cp -a {deps} /opt/logsentry-deps\necho /opt/logsentry-deps > {pth}/dependencies.pth\n"
                        f"{step} --quiet --no-index --no-deps --no-build-isolation")
            if step.startswith("install -D -m 0600 contrib/logsentry.toml"):
                step += "\nsed -i 's/^interval = \"5m\"/interval = \"1s\"/' /etc/logsentry/logsentry.toml"  # "edit it"
            done = inside(box, step, cwd=str(checkout.root))
            assert done.returncode == 0, (step, done.stdout[-3000:], done.stderr[-3000:])
            if step.endswith("config check"):
                assert "rules: " in done.stdout and "still holds the example config's placeholder" in done.stderr
            if "enable --now" in step:
                assert box.show("logsentry.service", "ActiveState") == "active", box.run("status", "logsentry").stdout
                assert box.show("logsentry.service", "UnitFileState") == "enabled"
        assert box.show("logsentry.service", "ActiveState") == "active"  # the reload went through
        # the unit's memory limits as systemd took them (README: "Memory"): a soft limit below the hard one
        high, hard = (box.show("logsentry.service", name) for name in ("MemoryHigh", "MemoryMax"))
        assert high.isdigit() and hard.isdigit() and 0 < int(high) < int(hard) < 1 << 40, (high, hard)
        main_pid = box.show("logsentry.service", "MainPID")
        assert main_pid not in ("", "0")
        # item 8: the canary entries are logsentry's own, at info level
        wait_for(lambda: canaries(box), 15, "a canary entry in the journal")
        canary = canaries(box)[0]
        assert canary["SYSLOG_IDENTIFIER"] == "logsentry" and canary["PRIORITY"] == "6"
        assert canary["_SYSTEMD_UNIT"] == "logsentry.service"
        for place in ("/var/tmp/logsentry-venv", "/root/logsentry-venv"):
            name = "logsentry-" + place.split("/")[1].replace("var", "vartmp")
            made = inside(box, f"cp -a /opt/logsentry {place}\n"
                               f"sed 's|/opt/logsentry/|{place}/|' /etc/systemd/system/logsentry.service "
                               f"> /etc/systemd/system/{name}.service\nsystemctl daemon-reload")
            assert made.returncode == 0, made.stderr
            box.run("start", f"{name}.service")
            assert box.show(f"{name}.service", "ExecMainStatus") == "203", place  # 203/EXEC: not visible to it
    finally:
        box.close()
        checkout.close()


def canaries(box: Sandbox) -> list[dict[str, str]]:
    found = subprocess.run(["journalctl", "-D", str(box.journal), "-o", "json", "--no-pager", "-u",
                            "logsentry.service"], capture_output=True, text=True, check=False).stdout
    return [record for line in found.splitlines() if "LOGSENTRY_CANARY" in (record := json.loads(line))]
