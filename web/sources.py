"""The sources page (/sources) and its API (/api/sources...): each source's health (last success, last error
and its reason, failures in a row, next poll, items in the last 24 h) and, for editors, adding, editing,
disabling and enabling a source and importing or exporting OPML — without a restart: the change goes to
`sources.local.yaml` beside the config (newswatch.config.source_edits, the same code as `newswatch sources`,
validated as `newswatch check` validates), and the running scheduler and workers pick it up within seconds."""
from __future__ import annotations

import json
import logging
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Path, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from newswatch.archive.database import ArchiveUnavailable
from newswatch.config.opml import MAX_OPML_BYTES, OpmlError
from newswatch.config.source_edits import ImportReport, SourceEditError, SourceEdits
from newswatch.config.yamlconf import ConfigError
from newswatch.logs import fields
from web.access import editor, viewer
from web.auth import Principal
from web.desk import Desk
from web.fresh import current_desk
from web.pages import page

log = logging.getLogger(__name__)
api = APIRouter(prefix="/api/sources", tags=["sources"])
pages = APIRouter(prefix="/sources", include_in_schema=False)
Reader = Annotated[Principal, Depends(viewer)]
Writer = Annotated[Principal, Depends(editor)]
MAX_ENTRY_CHARS = 20_000
SourceId = Annotated[str, Path(max_length=64)]
Entry = Annotated[dict[str, Any], Body(description="a `sources:` entry, as in newswatch.yaml (id, type, url, ...)")]


DeskDep = Annotated[Desk, Depends(current_desk)]


def edits(d: Desk) -> SourceEdits:
    if d.config.registry is None:
        raise HTTPException(503, "this desk was started without the source kinds (--kinds)")
    return SourceEdits(d.config.path, d.config.registry)


def _refused(exc: SourceEditError | OpmlError | ConfigError) -> HTTPException:
    if isinstance(exc, SourceEditError):
        return HTTPException(exc.status, str(exc))
    if isinstance(exc, ConfigError):
        return HTTPException(409, f"the config does not load: {exc}"[:2000])
    return HTTPException(400, f"OPML: {exc}")


def change(d: Desk, who: Principal, action: str, source_id: str | None, entry: dict[str, Any] | None = None,
           opml: bytes | None = None, interval: str = "5m") -> dict[str, Any] | ImportReport:
    """One change (add, update, enable, disable, import), logged as web_audit; SourceEditError, OpmlError or
    ConfigError say why it was not made."""
    if entry is not None:
        try:
            size = len(json.dumps(entry, default=str))
        except (RecursionError, ValueError):
            size = MAX_ENTRY_CHARS + 1
        if size > MAX_ENTRY_CHARS:
            raise SourceEditError([f"a source entry of more than {MAX_ENTRY_CHARS} characters (or nested too deep)"], 413)
        if "path" in entry:   # the desk reads no file of the server's: a feed file is the config file's to name
            raise SourceEditError(["path: a local feed file can be configured in the config file only; "
                                   "give the feed's url"])
    e = edits(d)
    if action == "import":
        report = e.import_opml(opml or b"", interval)
        log.info(fields("web_audit", user=who.name, action="sources_import", added=len(report.added),
                        skipped=len(report.skipped)))
        return report
    assert source_id is not None or entry is not None
    if action == "add":
        src = e.add(entry or {})
    elif action == "update":
        src = e.update(str(source_id), entry or {})
    else:
        src = e.set_enabled(str(source_id), action == "enable")
    log.info(fields("web_audit", user=who.name, action=f"source_{action}", source_id=src.id))
    return src.model_dump(mode="json")   # secrets masked


# --- the API ---------------------------------------------------------------------------------------

@api.get("", summary="Each source's health and items in the last 24 h")
def sources(d: DeskDep, _: Reader) -> dict[str, Any]:
    try:
        return {"sources": d.sources()}
    except ArchiveUnavailable as exc:
        raise HTTPException(503, str(exc)) from None


@api.get("/settings", summary="Every source in force, its settings (secrets masked) and where it is configured")
def settings(d: DeskDep, _: Reader) -> dict[str, Any]:
    try:
        return {"sources": edits(d).listing()}
    except ConfigError as exc:
        raise _refused(exc) from None


@api.post("", status_code=201, summary="Add a source (editor): validated as `newswatch check` does, polled within seconds")
def add(entry: Entry, d: DeskDep, who: Writer) -> dict[str, Any]:
    return _api_change(d, who, "add", None, entry)


@api.put("/{source_id}", summary="Replace a source's settings (editor)")
def update(source_id: SourceId, entry: Entry, d: DeskDep, who: Writer) -> dict[str, Any]:
    return _api_change(d, who, "update", source_id, entry)


@api.post("/{source_id}/disable", summary="Stop polling a source (editor)")
def disable(source_id: SourceId, d: DeskDep, who: Writer) -> dict[str, Any]:
    return _api_change(d, who, "disable", source_id)


@api.post("/{source_id}/enable", summary="Poll a disabled source again (editor)")
def enable(source_id: SourceId, d: DeskDep, who: Writer) -> dict[str, Any]:
    return _api_change(d, who, "enable", source_id)


class OpmlIn(BaseModel):
    opml: str = Field(min_length=1, max_length=MAX_OPML_BYTES, description="the OPML document")
    interval: str = Field(default="5m", min_length=1, max_length=20, description="poll interval of the new sources")


@api.post("/import", summary="Each feed of an OPML document as an RSS source (editor); known URLs skipped")
def import_opml(body: OpmlIn, d: DeskDep, who: Writer) -> dict[str, Any]:
    try:
        report = change(d, who, "import", None, opml=body.opml.encode("utf-8", "replace"), interval=body.interval)
    except (SourceEditError, OpmlError, ConfigError) as exc:
        raise _refused(exc) from None
    assert isinstance(report, ImportReport)
    return {"added": report.added, "skipped": report.skipped}


@api.get("/export", summary="The RSS sources as OPML", response_class=Response,
         responses={200: {"content": {"text/x-opml": {}}}})
def export(d: DeskDep, _: Reader) -> Response:
    try:
        document = edits(d).export_opml()
    except ConfigError as exc:
        raise _refused(exc) from None
    return Response(document, media_type="text/x-opml",
                    headers={"content-disposition": 'attachment; filename="newswatch-sources.opml"'})


def _api_change(d: Desk, who: Principal, action: str, source_id: str | None,
                entry: dict[str, Any] | None = None) -> dict[str, Any]:
    try:
        result = change(d, who, action, source_id, entry)
    except (SourceEditError, OpmlError, ConfigError) as exc:
        raise _refused(exc) from None
    assert isinstance(result, dict)
    return result


# --- the page --------------------------------------------------------------------------------------

@pages.get("")
def sources_page(request: Request, d: DeskDep, who: Reader, problem: str = "", done: str = "") -> HTMLResponse:
    try:
        health, listing = d.sources(), edits(d).listing()
    except ArchiveUnavailable as exc:
        return page(request, "error.html", who, 503, message=str(exc))
    except ConfigError as exc:
        return page(request, "error.html", who, 409, message=f"the config does not load: {exc}"[:2000])
    return page(request, "sources.html", who, sources=health, settings={s["id"]: s for s in listing},
                problem=problem[:1000], done=done[:1000])


def _back(problem: str = "", done: str = "") -> RedirectResponse:
    query = urlencode({k: v[:1000] for k, v in (("problem", problem), ("done", done)) if v})
    return RedirectResponse("/sources" + (f"?{query}" if query else ""), status_code=303)


def _form_entry(source_id: str, url: str, interval: str, lang: str, tags: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": source_id.strip(), "type": "rss", "url": url.strip()}
    entry.update({k: v.strip() for k, v in (("interval", interval), ("lang", lang)) if v.strip()})
    if tags.strip():
        entry["tags"] = [t.strip() for t in tags.split(",") if t.strip()]
    return entry


@pages.post("/add")
def add_form(d: DeskDep, who: Writer, id: Annotated[str, Form(max_length=64)],   # noqa: A002
             url: Annotated[str, Form(max_length=2000)], interval: Annotated[str, Form(max_length=20)] = "",
             lang: Annotated[str, Form(max_length=16)] = "", tags: Annotated[str, Form(max_length=500)] = ""
             ) -> RedirectResponse:
    try:
        change(d, who, "add", None, _form_entry(id, url, interval, lang, tags))
    except (SourceEditError, OpmlError, ConfigError) as exc:
        return _back(problem=str(exc))
    return _back(done=f"added {id.strip()}: polled within seconds")


@pages.post("/{source_id}/edit")
def edit_form(source_id: str, d: DeskDep, who: Writer, url: Annotated[str, Form(max_length=2000)],
              interval: Annotated[str, Form(max_length=20)] = "", lang: Annotated[str, Form(max_length=16)] = "",
              tags: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
    try:
        change(d, who, "update", source_id[:64], _form_entry(source_id[:64], url, interval, lang, tags))
    except (SourceEditError, OpmlError, ConfigError) as exc:
        return _back(problem=str(exc))
    return _back(done=f"saved {source_id[:64]}")


@pages.post("/{source_id}/{action}")
def toggle_form(source_id: str, action: str, d: DeskDep, who: Writer) -> RedirectResponse:
    if action not in ("enable", "disable"):
        raise HTTPException(404, f"no action {action[:20]!r} (enable or disable)")
    try:
        change(d, who, action, source_id[:64])
    except (SourceEditError, OpmlError, ConfigError) as exc:
        return _back(problem=str(exc))
    return _back(done=f"{source_id[:64]} {action}d")


@pages.post("/import")
async def import_form(d: DeskDep, who: Writer, file: Annotated[UploadFile, File()],
                      interval: Annotated[str, Form(max_length=20)] = "5m") -> RedirectResponse:
    data = await file.read(MAX_OPML_BYTES + 1)
    try:
        report = await run_in_threadpool(change, d, who, "import", None, None, data, interval or "5m")
    except (SourceEditError, OpmlError, ConfigError) as exc:
        return _back(problem=str(exc))
    assert isinstance(report, ImportReport)
    skipped = "; ".join(f"{s['url']} ({s['reason']})" for s in report.skipped[:10])
    return _back(done=f"imported {len(report.added)} sources, skipped {len(report.skipped)}"
                      + (f": {skipped}" if skipped else ""))


@pages.get("/export.opml")
def export_file(d: DeskDep, who: Reader) -> Response:
    return export(d, who)
