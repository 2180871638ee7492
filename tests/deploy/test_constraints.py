"""constraints.txt pins what gets deployed (README "Pinned dependencies"): every dependency that
pyproject.toml declares, in every extra, at one exact version that satisfies pyproject's range;
CI (.ci/run) and the image (Dockerfile) install with it; its header and README give the one
command that refreshes it."""
from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
REFRESH = "uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 --upgrade -o constraints.txt"


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    return [Requirement(r) for r in project["dependencies"] + [r for group in extras.values() for r in group]]


def pins() -> dict[str, list[Requirement]]:
    """Package name -> its pins (one per environment marker), from every requirement line."""
    found: dict[str, list[Requirement]] = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            pin = Requirement(line)
            found.setdefault(canonicalize_name(pin.name), []).append(pin)
    return found


def test_every_line_pins_one_exact_version():
    for name, reqs in pins().items():
        for req in reqs:
            (spec,) = req.specifier
            assert spec.operator == "==" and "*" not in spec.version, f"{name}: {req} is not pinned with =="
            assert not req.extras and not req.url, f"{name}: a constraint has no extras and no URL ({req})"


def test_every_declared_dependency_is_pinned_within_its_range():
    locked = pins()
    for req in declared():
        name = canonicalize_name(req.name)
        assert name in locked, f"{req.name} (pyproject.toml) is not in constraints.txt: run `{REFRESH}`"
        here = [pin for pin in locked[name] if pin.marker is None or pin.marker.evaluate()]
        assert len(here) == 1, f"{req.name}: {len(here)} pins apply to this Python ({locked[name]})"
        version = next(iter(here[0].specifier)).version
        assert req.specifier.contains(version, prereleases=True), \
            f"{req.name}=={version} (constraints.txt) is outside {req.specifier} (pyproject.toml): run `{REFRESH}`"


def test_the_refresh_command_heads_the_file_and_is_in_the_readme():
    head = CONSTRAINTS.read_text().splitlines()[:3]
    # the refresh command, or the same without --upgrade (README: keeps the pins, adds what pyproject added)
    assert any(line.strip("# ").strip() in (REFRESH, REFRESH.replace(" --upgrade", "")) for line in head), head
    assert REFRESH in (ROOT / "README.md").read_text()


def pip_installs(text: str) -> list[list[str]]:
    """The arguments of every `pip install` in a shell script or Dockerfile (continuation lines joined)."""
    joined = text.replace("\\\n", " ")
    return [shlex.split(m.group(1)) for m in re.finditer(r"pip install ([^\n&;]*)", joined)]


def test_ci_and_the_image_install_with_the_constraints():
    (ci,) = pip_installs((ROOT / ".ci" / "run").read_text())
    assert ci[ci.index("-c") + 1] == "constraints.txt" and any(re.fullmatch(r"\.\[test(,\w+)*\]", a) for a in ci), ci
    dockerfile = (ROOT / "Dockerfile").read_text()
    (image,) = pip_installs(dockerfile)
    assert image[image.index("-c") + 1] == "constraints.txt" and "." in image, image
    copied = re.search(r"^COPY (.*) \./$", dockerfile, re.M)
    assert copied and "constraints.txt" in copied.group(1).split(), "the build stage must COPY constraints.txt"
    assert "constraints.txt" not in (ROOT / ".dockerignore").read_text().split()
