"""The image's layout and user, without a Docker engine: a temporary root laid out like the image
(the code read-only, /etc/newswatch read-only, the state directory the only place the user may
write, secrets under run/secrets) and its processes run as the image's uid, with no groups, no
capabilities and no new privileges (`setpriv`, what `user:`, `cap_drop: [ALL]` and
`no-new-privileges` give in docker-compose.yml).

Each process runs in a mount namespace of its own (`unshare --mount`), which lets it see:
- etc/newswatch bind-mounted read-only over itself, as compose's `./config:/etc/newswatch:ro`;
- this machine's Python, which may lie under a folder closed to other users (/root/.pyenv here):
  a tmpfs replaces that folder in the namespace only, with just the Python bind-mounted back,
  at the same path. Nothing changes outside the namespace.
"""
from __future__ import annotations

import os
import re
import shlex
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
IMAGE_STATE = "/var/lib/newswatch"
IMAGE_CONFIG = "/etc/newswatch"
IMAGE_SECRETS = "/run/secrets"


def image_uid() -> int:
    """The uid of the Dockerfile's last USER (numeric, uid:gid)."""
    user = re.findall(r"^USER\s+(\S+)\s*$", (REPO / "Dockerfile").read_text(), re.M)[-1]
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and uid == gid and int(uid) != 0, f"USER {user}: want a numeric non-root uid:gid"
    return int(uid)


def image_env() -> dict[str, str]:
    """The NEWSWATCH_* and PYTHON* variables the Dockerfile's ENV sets (continuation lines joined)."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in re.findall(r"^ENV\s+(.+)$", text, re.M):
        env.update(re.findall(r"(NEWSWATCH_\w+|PYTHON\w+)=(\S+)", line))
    return env


def entrypoint() -> list[str]:
    """ENTRYPOINT ["newswatch"] is the console script workers.cli:main: `python -m workers.cli`."""
    assert re.search(r'^ENTRYPOINT \["newswatch"\]$', (REPO / "Dockerfile").read_text(), re.M)
    assert re.search(r'^newswatch = "workers\.cli:main"$', (REPO / "pyproject.toml").read_text(), re.M)
    return [sys.executable, "-m", "workers.cli"]


def _q(value) -> str:
    return shlex.quote(str(value))


def _closed_ancestors(uid: int) -> dict[Path, set[str]]:
    """Folders on the way to this Python that `uid` cannot enter -> the child folders it needs."""
    needed = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.executable),
              *site.getsitepackages()}
    closed: dict[Path, set[str]] = {}
    for path in map(Path, needed):
        for parent in reversed(path.parents[:-1]):      # from the top down, without "/"
            st = parent.stat()
            if st.st_uid != uid and not st.st_mode & 0o001:
                closed.setdefault(parent, set()).add(path.relative_to(parent).parts[0])
                break
    return closed


class ImageRoot:
    def __init__(self):
        self.uid = image_uid()
        self.path = Path(tempfile.mkdtemp(prefix="nw-image-", dir="/tmp"))  # pytest's tmp is 0700
        self.path.chmod(0o755)
        self.lib = self.path / "opt" / "newswatch" / "lib"
        self.config = self.at(IMAGE_CONFIG)
        self.state = self.at(IMAGE_STATE)
        self.secrets = self.at(IMAGE_SECRETS)
        ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
        for package in ("newswatch", "alerts", "workers"):   # what the image's venv holds
            shutil.copytree(REPO / package, self.lib / package, ignore=ignore)
        shutil.copytree(REPO / "config", self.config, ignore=ignore)
        self.secrets.mkdir(parents=True)
        for top, dirs, files in os.walk(self.path):          # root-owned, readable, not writable
            os.chmod(top, 0o755)
            for name in files:
                os.chmod(os.path.join(top, name), 0o644)
        self.state.mkdir(parents=True, mode=0o700)           # as the Dockerfile's install -d
        os.chown(self.state, self.uid, self.uid)
        self.state.chmod(0o700)
        self.stage = self.path / "stage"

    def at(self, image_path: str) -> Path:
        """Where an image path lies in this root."""
        return self.path / image_path.lstrip("/")

    def map_paths(self, text: str) -> str:
        for image_path in (IMAGE_CONFIG, IMAGE_STATE, IMAGE_SECRETS):
            text = text.replace(image_path, str(self.at(image_path)))
        return text

    def secret(self, name: str, value: str, owner: int | None = None, mode: int = 0o400) -> Path:
        """A compose secret: a host file bind-mounted as it is (README: chown 10001, chmod 0400)."""
        path = self.secrets / name
        path.write_text(value)
        os.chown(path, self.uid if owner is None else owner, self.uid if owner is None else owner)
        path.chmod(mode)
        return path

    def env(self, **extra: str) -> dict[str, str]:
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.state), "LANG": "C.UTF-8",
               "PYTHONPATH": str(self.lib)}
        env.update({k: self.map_paths(v) for k, v in image_env().items()})
        env.update(extra)
        return env

    def command(self, argv: list[str]) -> list[str]:
        """argv as the image user, in a namespace that sees the read-only config and this Python."""
        config = _q(self.config)
        lines = ["set -e", f"mount --bind {config} {config}", f"mount -o remount,bind,ro {config}"]
        for n, (parent, children) in enumerate(sorted(_closed_ancestors(self.uid).items())):
            staged = {child: self.stage / str(n) / child for child in sorted(children)}
            for child, stage in staged.items():
                lines += [f"mkdir -p {_q(stage)}", f"mount --bind {_q(parent / child)} {_q(stage)}"]
            lines.append(f"mount -t tmpfs -o mode=0755,size=1m tmpfs {_q(parent)}")
            for child, stage in staged.items():
                lines += [f"mkdir {_q(parent / child)}", f"mount --move {_q(stage)} {_q(parent / child)}"]
        lines.append(" ".join(["exec", "setpriv", f"--reuid={self.uid}", f"--regid={self.uid}", "--clear-groups",
                               "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", *map(_q, argv)]))
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(lines)]

    def run(self, argv: list[str], env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(argv), env=env, capture_output=True, text=True, timeout=timeout,
                              cwd=self.state)

    def popen(self, argv: list[str], env: dict[str, str], name: str) -> subprocess.Popen:
        with open(self.path / f"{name}.log", "wb") as out:   # the child keeps its own copy of the file
            return subprocess.Popen(self.command(argv), env=env, stdout=out, stderr=subprocess.STDOUT, cwd=self.state)

    def log(self, name: str) -> str:
        return (self.path / f"{name}.log").read_text(errors="replace")

    def owned_by_user(self) -> list[str]:
        """Every path in this root that the image user owns, but the state directory and its content."""
        found = []
        for top, dirs, files in os.walk(self.path):
            for name in dirs + files:
                path = Path(top, name)
                if path.lstat().st_uid == self.uid and path != self.state and self.state not in path.parents:
                    found.append(str(path))
        return found

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
