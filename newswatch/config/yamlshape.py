"""Bounds on a YAML document's shape, checked on its event stream before it is composed.

Config and rule files come from people, and a broken or hostile one must get a clear error in
bounded time, not take a worker down. Three shapes did:

- deep nesting (`[[[[...`): libyaml's composer recurses in C and crashed the process (SIGSEGV)
  at 100,000 levels; from a few hundred, the line map's walk raised RecursionError;
- an alias inside its own anchor (`&a [*a]`): a node that contains itself (RecursionError);
- a "billion laughs" of aliases (`&b [*a, *a, ...]`, nine levels): each alias is expanded
  wherever the document is read (line map, env substitution, validation), so a few hundred bytes
  cost minutes and gigabytes.

The event stream is produced by libyaml's own state machine (no recursion), so this check costs
one linear pass however the document is shaped (about 15% of loading a 10,000-rule file).
`shape_problem` returns the first problem as (line, message), or None; `yamlconf.load_yaml` turns
it into a ConfigError. (`yamlconf.load_yaml` refuses anchors and aliases outright before this check;
the alias bounds here hold for any other caller of `shape_problem`.)
"""
from __future__ import annotations

import yaml

MAX_DEPTH = 64                  # rule files nest about 15 levels (when -> all -> near -> any -> place -> ...)
# What aliases (*name) may add, counted as often as they are read: up to 100,000 values in any file,
# up to 100 times the file's own values in a large one (a generated rule file that reuses one `when`
# for every rule), and never more than 5,000,000 in all. A billion laughs meets the first bound.
ALIAS_FLOOR = 100_000
ALIAS_FACTOR = 100
MAX_VALUES = 5_000_000

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_START = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_END = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def shape_problem(text: str) -> tuple[int, str] | None:
    """The first line where the document nests deeper than MAX_DEPTH, refers to an anchor inside
    that anchor, or makes its aliases stand for more values than the bounds above; None when it
    does none of these. YAML syntax errors propagate (yaml.MarkedYAMLError) as from the composer."""
    anchors: list[str | None] = []          # the open collections' anchors, outermost first
    counts: list[int] = []                  # and the values each holds so far
    sizes: dict[str, int] = {}              # a closed anchor -> the values it stands for
    via_aliases = own = 0
    for event in yaml.parse(text, Loader=_LOADER):
        own += 1
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, _START):
            if len(anchors) >= MAX_DEPTH:
                return line, f"nested deeper than {MAX_DEPTH} levels"
            anchors.append(event.anchor)
            counts.append(1)
            continue
        size = 0
        if isinstance(event, _END):
            anchor, size = anchors.pop(), counts.pop()
            if anchor:
                sizes[anchor] = size
        elif isinstance(event, yaml.ScalarEvent):
            size = 1
            if event.anchor:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor in anchors:
                return line, (f"the alias *{event.anchor} is inside its own anchor &{event.anchor}: "
                              "a value cannot contain itself")
            size = sizes.get(event.anchor or "", 1)   # an undefined alias: the composer says so
            via_aliases += size
            if via_aliases > max(ALIAS_FLOOR, ALIAS_FACTOR * own) or via_aliases + own > MAX_VALUES:
                return line, (f"the aliases (*name) stand for {via_aliases:,} values by this line, more than "
                              f"{ALIAS_FLOOR:,} and {ALIAS_FACTOR} times the file's own {own:,} "
                              f"(at most {MAX_VALUES:,} in all): write the values out")
        if counts:
            counts[-1] += size
    return None
