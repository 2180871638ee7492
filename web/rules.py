"""The rules page and the rule tester: `/rules` (every rule file, its problems as `newswatch check` gives
them, each rule's alerts in 24 h / 7 d), `/rules/test` (a draft rule in a textarea, run over the archive's
last days, a pasted text or a feed's URL; matches with their evidence by role, near misses with the clause
that failed; saved by an editor), and their API: `POST /api/rules/test`, `PUT /api/rules/{rule_id}`.

Running a draft needs a login and, from a session, its CSRF token (it is a POST); reading a URL from the
server and saving need the editor role. Bounds: web.rule_bench."""
from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from alerts.rules.loader import Rule
from newswatch.archive.database import ArchiveUnavailable
from newswatch.config.yamlconf import ConfigError
from newswatch.logs import fields
from web.access import csrf_checked, desk, editor, viewer
from web.auth import Principal
from web.desk import Desk
from web.pages import page
from web.rule_bench import LIMITS, MAX_DAYS, URL_MAX_BYTES, URL_TIMEOUT, InputProblem, RuleBench, issue_rows

log = logging.getLogger(__name__)
router = APIRouter()
Reader = Annotated[Principal, Depends(viewer)]
Writer = Annotated[Principal, Depends(editor)]
DeskDep = Annotated[Desk, Depends(desk)]
Over = Literal["archive", "text", "url"]
MAX_RULE, MAX_TEXT, MAX_URL = 64 * 1024, 100 * 1024, 2000

__all__ = ["RuleBench", "router"]


def bench(request: Request) -> RuleBench:
    found: RuleBench = request.app.state.rule_bench
    return found


async def tester(request: Request) -> Principal:
    """Any role may run a draft; a session sends its CSRF token with it (an API token needs none)."""
    who = viewer(request)
    if who.via != "token":
        await csrf_checked(request)
    return who


Tester = Annotated[Principal, Depends(tester)]
BenchDep = Annotated[RuleBench, Depends(bench)]


def _utf8(value: str, name: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise HTTPException(400, f"{name}: not UTF-8 text (a lone surrogate)") from None
    return value


def _problems(exc: ConfigError) -> dict[str, Any]:
    return {"message": f"the rule is not valid ({len(exc.issues)} problem(s))", "errors": issue_rows(exc.issues)}


class RuleTestIn(BaseModel):
    rule: str = Field(min_length=1, max_length=MAX_RULE, description="a rule file's YAML: a list of rules")
    over: Over = Field(default="archive", description="archive: its last `days`; text: `text`; url: the feed at `url`")
    days: float = Field(default=7, gt=0, le=MAX_DAYS, description="with over=archive: the last this many days")
    text: str = Field(default="", max_length=MAX_TEXT, description="with over=text: first line the title")
    url: str = Field(default="", max_length=MAX_URL, description="with over=url: an http(s) feed (editor)")


class RuleIn(BaseModel):
    rule: str = Field(min_length=1, max_length=MAX_RULE, description="one rule as YAML ('- id: ...'), id = the path's")


def run_test(b: RuleBench, who: Principal, body: RuleTestIn) -> tuple[list[Rule], dict[str, Any]]:
    """The draft checked, then run. HTTPException: 422 invalid rule, 400 input, 403 URL by a viewer, 503 archive."""
    if body.over == "url" and not who.can_write:
        raise HTTPException(403, f"{who.name} is a viewer: reading a URL from the server needs the editor role")
    try:
        rules = b.check(_utf8(body.rule, "rule"))
    except ConfigError as exc:
        raise HTTPException(422, _problems(exc)) from None
    try:
        return rules, b.run(rules, body.over, body.days, _utf8(body.text, "text"), _utf8(body.url, "url"))
    except InputProblem as exc:
        raise HTTPException(400, f"{body.over}: {exc}") from None
    except ArchiveUnavailable as exc:
        raise HTTPException(503, str(exc)) from None


def save(b: RuleBench, who: Principal, text: str, rule_id: str | None = None) -> dict[str, Any]:
    try:
        rules = b.check(_utf8(text, "rule"))
        if rule_id is not None and [r.id for r in rules] != [rule_id]:
            raise HTTPException(400, f"the body holds rule(s) {', '.join(r.id for r in rules)}, not {rule_id!r} "
                                     "(one rule, the path's id)")
        path, rule, created = b.save(text)
    except ConfigError as exc:
        raise HTTPException(422, _problems(exc)) from None
    log.info(fields("web_audit", user=who.name, action="rule_save", rule_id=rule.id, file=str(path), created=created))
    return {"id": rule.id, "file": str(path), "created": created}


@router.post("/api/rules/test", tags=["desk"], summary="Run a draft rule over the archive's last days, a text or a "
             "feed URL (as `newswatch test-rule --explain`); bounded in items and time")
def api_test(body: RuleTestIn, b: BenchDep, who: Tester) -> dict[str, Any]:
    return run_test(b, who, body)[1]


@router.put("/api/rules/{rule_id}", tags=["desk"], summary="Save a rule (editor): checked as `newswatch check`, "
            "written atomically into its file (or a new one the rules: globs pick up); the service reloads it")
def api_save(rule_id: Annotated[str, Path(max_length=64)], body: RuleIn, b: BenchDep, who: Writer) -> dict[str, Any]:
    return save(b, who, body.rule, rule_id)


# --- pages ------------------------------------------------------------------------------------------

@router.get("/rules", include_in_schema=False)
def rules_page(request: Request, d: DeskDep, who: Reader) -> HTMLResponse:
    try:
        return page(request, "rules.html", who, files=d.rules())
    except ArchiveUnavailable as exc:
        return page(request, "error.html", who, 503, message=str(exc))


def tester_page(request: Request, who: Principal, status_code: int = 200, **context: Any) -> HTMLResponse:
    defaults: dict[str, Any] = {"over": "archive", "days": 7, "text": "", "url": "", "result": None, "errors": [],
                                "problem": "", "saved": None, "source_file": None, "limits": LIMITS,
                                "url_seconds": URL_TIMEOUT, "url_kb": URL_MAX_BYTES // 1024, "max_days": MAX_DAYS}
    return page(request, "rule_tester.html", who, status_code, **{**defaults, **context})


@router.get("/rules/test", include_in_schema=False)
def tester_get(request: Request, b: BenchDep, who: Reader, rule: str = "") -> HTMLResponse:
    text, source = b.draft_text(rule[:64] or None)
    return tester_page(request, who, rule=text, source_file=source)


@router.post("/rules/test", include_in_schema=False)
def tester_post(request: Request, b: BenchDep, who: Tester, rule: Annotated[str, Form(max_length=MAX_RULE)],
                over: Annotated[Over, Form()] = "archive", days: Annotated[float, Form(gt=0, le=MAX_DAYS)] = 7,
                text: Annotated[str, Form(max_length=MAX_TEXT)] = "",
                url: Annotated[str, Form(max_length=MAX_URL)] = "") -> HTMLResponse:
    form: dict[str, Any] = {"rule": rule, "over": over, "days": days, "text": text, "url": url}
    try:
        _, result = run_test(b, who, RuleTestIn(rule=rule, over=over, days=days, text=text, url=url))
    except HTTPException as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail), "errors": []}
        return tester_page(request, who, exc.status_code, problem=detail["message"], errors=detail["errors"], **form)
    return tester_page(request, who, result=result, **form)


@router.post("/rules/save", include_in_schema=False)
def tester_save(request: Request, b: BenchDep, who: Writer,
                rule: Annotated[str, Form(max_length=MAX_RULE)]) -> HTMLResponse:
    try:
        saved = save(b, who, rule)
    except HTTPException as exc:
        detail = exc.detail if isinstance(exc.detail, dict) else {"message": str(exc.detail), "errors": []}
        return tester_page(request, who, exc.status_code, problem=detail["message"], errors=detail["errors"], rule=rule)
    return tester_page(request, who, rule=rule, saved=saved, source_file=saved["file"])
