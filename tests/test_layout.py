"""The layout README's "Where things live" describes, checked: a notifier or source kind lives in its
own folder and nothing outside that folder (and the registry) names its modules; every Redis key is
built in newswatch/store/keys.py; no module keeps a current runtime."""
import ast
from pathlib import Path

import pytest

from alerts.notifiers import CHANNELS
from workers.sources import SOURCES

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("newswatch", "alerts", "workers")


def modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def imported(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("kind", sorted(CHANNELS))
def test_each_notifier_lives_in_its_own_folder(kind):
    folder = ROOT / "alerts" / "notifiers" / kind
    assert (folder / "config.py").is_file() and (folder / "notifier.py").is_file()
    assert CHANNELS[kind].config.__module__ == f"alerts.notifiers.{kind}.config"
    own = f"alerts.notifiers.{kind}"
    registry = ROOT / "alerts" / "notifiers" / "__init__.py"
    outside = [str(path.relative_to(ROOT)) for path, tree in modules()
               if folder not in path.parents and path != registry
               and any(name == own or name.startswith(own + ".") for name in imported(tree))]
    assert outside == [], f"{own} is imported outside its folder and the registry"


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_each_source_kind_lives_in_its_own_folder(kind):
    package = {"rss": "feeds", "telegram": "telegram"}[kind]
    folder = ROOT / "workers" / "sources" / package
    assert (folder / "config.py").is_file()
    assert SOURCES[kind].config.__module__ == f"workers.sources.{package}.config"
    own = f"workers.sources.{package}"
    registry = ROOT / "workers" / "sources" / "__init__.py"
    outside = [str(path.relative_to(ROOT)) for path, tree in modules()
               if folder not in path.parents and path != registry and not path.name.startswith("cli")
               and any(name == own or name.startswith(own + ".") for name in imported(tree))]
    # the CLI's `telegram login` and the scheduler's live listener are the Telegram kind's own commands;
    # the dry runs (test-rule, classify) read a feed file with the feed kind's parser
    allowed = {"workers/telegram_login.py", "workers/scheduler.py", "workers/sources/inputs.py"}
    assert set(outside) <= allowed, outside


def test_core_knows_no_source_or_channel_kind():
    for path, tree in modules():
        if path.is_relative_to(ROOT / "newswatch"):
            bad = [n for n in imported(tree) if n.startswith(("alerts", "workers"))]
            assert bad == [], (path, bad)


def test_every_redis_key_is_built_in_the_keys_module():
    keys_module = ROOT / "newswatch" / "store" / "keys.py"
    for path, tree in modules():
        if path == keys_module:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.JoinedStr):   # an f-string that glues something to a prefix with ':'
                text = ast.unparse(node)
                assert not ("prefix" in text and ":" in text and "{" in text
                            and any(isinstance(v, ast.FormattedValue) and "prefix" in ast.unparse(v.value)
                                    for v in node.values)), (path, text)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "key":
                raise AssertionError(f"{path}: a key built outside newswatch/store/keys.py: {ast.unparse(node)}")


def test_no_module_keeps_a_current_runtime():
    for path, tree in modules():
        for node in tree.body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                assert not any("runtime" in n.lower() or n in ("_current", "app") for n in names), (path, names)
