"""Only the C extension lives here; all other metadata is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "logsentry.sources._journalscan",
            ["logsentry/sources/_journalscan.c"],
            libraries=["systemd"],
            extra_compile_args=["-O2", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
        )
    ]
)
