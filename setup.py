"""The C extension and the rule library's place in the wheel; all other metadata is in pyproject.toml."""

from setuptools import Extension, find_packages, setup

setup(
    packages=[*find_packages(include=["logsentry", "logsentry.*"]), "logsentry.shipped_rules"],
    # The rule library ships inside the wheel; in a checkout, rules/ is read where it is (rules/loader.py).
    package_dir={"logsentry.shipped_rules": "rules"},
    package_data={"logsentry.shipped_rules": ["*/*.toml"], "logsentry": ["*.pyi"], "logsentry.sources": ["*.pyi"],
                  "logsentry.engine.templates": ["*.pyi"],
                  "logsentry.engine": ["*.pyi"]},
    ext_modules=[
        Extension(
            "logsentry.sources._journalscan",
            ["logsentry/sources/_journalscan.c"],
            depends=["logsentry/sources/levels.h", "logsentry/sources/crash_levels.h", "logsentry/sources/access_levels.h",
                     "logsentry/sources/format_levels.h", "logsentry/sources/go_levels.h",
                     "logsentry/sources/mongo_levels.h", "logsentry/sources/service_levels.h",
                     "logsentry/sources/daemon_levels.h", "logsentry/sources/program_levels.h",
                     "logsentry/sources/app_levels.h"],
            libraries=["systemd"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
        # Frozen slotted dataclasses made without their __init__ (sources/values.py, engine objects per hit).
        Extension(
            "logsentry._slots",
            ["logsentry/_slots.c"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
        # A ScreenedRun's per-entry arrays read in C: silence folding, alerts' last lines.
        Extension(
            "logsentry.sources._runs",
            ["logsentry/sources/_runs.c", "logsentry/sources/runs_fold.c", "logsentry/sources/hosts_fold.c"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
        # The C twin of engine/templates/tokens.py's masking (tests/test_mask_equivalence.py holds them equal).
        Extension(
            "logsentry.engine.templates._mask",
            ["logsentry/engine/templates/_mask.c"],
            depends=["logsentry/engine/templates/mask_api.h"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
        # The template miner's hot path: caches, the Drain tree's search, level words (engine/templates/miner.py).
        Extension(
            "logsentry.engine.templates._drain",
            [f"logsentry/engine/templates/{name}.c" for name in ("_drain", "drain_types", "drain_search", "drain_miner",
                                                                   "drain_id")],
            depends=["logsentry/engine/templates/drain.h"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
        # The anomaly step over a ScreenedRun's arrays (engine/runstep.py drives it).
        Extension(
            "logsentry.engine._runstep",
            ["logsentry/engine/_runstep.c"],
            depends=["logsentry/engine/templates/mask_api.h"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra",
                                "-Wno-missing-field-initializers"],
        ),
    ],
)
