"""`newswatch sources import FILE.opml` / `sources export FILE.opml` (`-`: stdin / stdout) / `sources list`:
the desk's /sources operations from the command line, one implementation (newswatch.config.source_edits).
An import writes `sources.local.yaml` beside the config; a running `newswatch run` polls the new sources
within seconds (workers.sources_reload)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from newswatch.config import config_path
from newswatch.config.opml import MAX_OPML_BYTES, OpmlError
from newswatch.config.source_edits import SourceEditError, SourceEdits
from workers.registry import registry


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read(MAX_OPML_BYTES + 1)
    with open(name, "rb") as handle:
        return handle.read(MAX_OPML_BYTES + 1)


def cmd_sources(args) -> int:
    edits = SourceEdits(config_path(args.config), registry())
    try:
        if args.action == "import":
            report = edits.import_opml(_read(args.file), interval=args.interval)
            for source_id in report.added:
                print(f"added {source_id}")
            for skip in report.skipped:
                print(f"skipped {skip['url']}: {skip['reason']}")
            print(f"{len(report.added)} sources added, {len(report.skipped)} skipped "
                  f"({edits.local.name} beside {edits.config_path.name})")
        elif args.action == "export":
            document = edits.export_opml()
            if args.file == "-":
                sys.stdout.buffer.write(document)
                sys.stdout.flush()
            else:
                Path(args.file).write_bytes(document)
                print(f"wrote {document.count(b'<outline ')} feeds to {args.file}", file=sys.stderr)
        else:
            rows = edits.listing()
            if args.format == "json":
                print(json.dumps(rows, indent=1))
            for row in rows if args.format == "text" else []:
                state = "on " if row["enabled"] else "off"
                print(f"{state} {row['id']:<32} {row['type']:<9} {row['origin']:<7} {row['url'] or ''}")
    except (OpmlError, SourceEditError) as exc:
        print(f"newswatch sources {args.action}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"newswatch sources {args.action}: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return 0


def add_sources_parser(sub, common) -> None:
    sources = sub.add_parser("sources", parents=[common], help="list sources; import or export them as OPML")
    ssub = sources.add_subparsers(dest="action", required=True)
    imp = ssub.add_parser("import", parents=[common], help="each feed of an OPML file as an RSS source")
    imp.add_argument("file", metavar="FILE.opml", help="the OPML file (- for stdin)")
    imp.add_argument("--interval", default="5m", help="poll interval of the new sources (default 5m)")
    exp = ssub.add_parser("export", parents=[common], help="the RSS sources as an OPML file")
    exp.add_argument("file", metavar="FILE.opml", help="where to write it (- for stdout)")
    lst = ssub.add_parser("list", parents=[common], help="every source in force, and where it is configured")
    lst.add_argument("--format", choices=["text", "json"], default="text")
    sources.set_defaults(func=cmd_sources)
