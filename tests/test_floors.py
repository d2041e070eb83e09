"""The floors lane pins exactly pyproject.toml's lower bounds (constraints-floors.txt)."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lower_bounds() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in [*project["dependencies"], *project["optional-dependencies"]["dev"]]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", requirement)
        assert match, f"{requirement!r}: every dependency needs a plain lower bound (name>=X)"
        bounds[match[1].lower()] = match[2]
    return bounds


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints-floors.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def _same_release(bound: str, pin: str) -> bool:
    """'2.13' is the pin 2.13.0; '1.15' is 1.15.0."""
    pad = lambda v: [int(p) for p in v.split(".")] + [0] * (3 - len(v.split(".")))  # noqa: E731
    return pad(bound) == pad(pin)


def test_the_floors_lane_pins_every_lower_bound():
    bounds, pins = _lower_bounds(), _pins()
    assert sorted(pins) == sorted(bounds)
    for name, bound in bounds.items():
        assert _same_release(bound, pins[name]), f"{name}: pyproject says >={bound}, constraints-floors.txt pins {pins[name]}"
