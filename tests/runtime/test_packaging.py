"""Every package of the service is installed and copied into the image: a package missing
from pyproject's list works from a checkout (the current directory is on the path) and
fails only once installed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_SHIPPED = {"tests", "bench", "scripts"}


def service_packages() -> set[str]:
    return {
        path.parent.name
        for path in ROOT.glob("*/__init__.py")
        if path.parent.name not in NOT_SHIPPED and not path.parent.name.startswith(".")
    }


def test_every_package_is_installed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    include = config["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.removesuffix("*") for pattern in include} == service_packages()


def test_every_package_is_checked_by_mypy() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert service_packages() <= set(config["tool"]["mypy"]["packages"])


def test_every_package_is_copied_into_the_image() -> None:
    copied = set(
        re.findall(r"^COPY (\w+) /tmp/talentmesh-src/", (ROOT / "Dockerfile").read_text(), re.M)
    )
    assert copied == service_packages()
