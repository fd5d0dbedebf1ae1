"""The officer UI: server-rendered pages over the same use cases the CLI calls.

Each handler finds the logged-in user (with the role the route needs:
`ROLE_OF`), calls one use case, renders a template. Writes are forms with
the session's CSRF token and answer with a redirect (post/redirect/get).
Pages that show taxpayer records (the review queue, the accounting) are
audited by the use cases that read them.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from matchgate.domain.lifecycle import BatchState, Role
from matchgate.domain.uploads import Upload
from matchgate.errors import InvalidArgument
from matchgate.services.webapp import LoginFailed, Principal
from matchgate.web import charts
from matchgate.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    check_csrf,
    page_user,
    services_of,
)
from matchgate.web.problems import CsrfRejected

router = APIRouter(include_in_schema=False)

#: The role each page needs (None: any logged-in user). The services check again.
ROLE_OF: dict[tuple[str, str], Role | None] = {
    ("GET", "/"): None,
    ("GET", "/batches/{batch_id}"): None,
    ("GET", "/review"): Role.OFFICER,
    ("POST", "/review/{item_id}/decide"): Role.OFFICER,
    ("POST", "/batches/{batch_id}/approve"): Role.APPROVER,
    ("POST", "/batches/{batch_id}/release"): Role.APPROVER,
    ("GET", "/audit"): Role.AUDITOR,
    ("GET", "/accounting"): Role.AUDITOR,
    ("GET", "/accounting.csv"): Role.AUDITOR,
    ("GET", "/remediation"): Role.AUDITOR,
    ("POST", "/remediation"): Role.AUDITOR,
}


def _templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


def _render(
    request: Request, name: str, user: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return _templates(request).TemplateResponse(
        request, name, {"user": user, **context}, status_code=status
    )


def _user(request: Request, method: str, path: str) -> Principal:
    return page_user(request, ROLE_OF[(method, path)])


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or _new_token()
    response = _render(request, "login.html", None, csrf=token, error=None)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request)
    )
    return response


def _new_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or csrf != expected:
        raise CsrfRejected()
    try:
        grant = services_of(request).logins.login(username.strip(), password)
    except LoginFailed as exc:
        return _render(request, "login.html", None, 401, csrf=expected, error=exc.message)
    response = _back("/")
    response.set_cookie(
        SESSION_COOKIE,
        grant.session_id,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    user = page_user(request)
    check_csrf(user, csrf)
    services_of(request).logins.logout(request.cookies.get(SESSION_COOKIE, ""))
    response = _back("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def dashboard(request: Request) -> HTMLResponse:
    user = _user(request, "GET", "/")
    by_state: dict[str, list[Any]] = defaultdict(list)
    for summary in services_of(request).core.batches.list():
        by_state[summary.state].append(summary)
    states = [s.value for s in BatchState if s.value in by_state]
    return _render(request, "dashboard.html", user, by_state=by_state, states=states)


@router.get("/batches/{batch_id}")
def batch_page(request: Request, batch_id: str) -> HTMLResponse:
    user = _user(request, "GET", "/batches/{batch_id}")
    services = services_of(request)
    summary = services.core.batches.show(batch_id)
    scores = services.insights.batch_scores(batch_id)
    excluded = services.insights.reviewers(batch_id) | {summary.submitted_by}
    second_person = user.holds(Role.APPROVER) and user.name not in excluded
    return _render(
        request,
        "batch.html",
        user,
        batch=summary,
        outcome_chart=charts.outcome_bars(summary.outcomes),
        histogram=charts.weight_histogram(scores.weights),
        can_approve=second_person
        and summary.state == BatchState.IN_REVIEW.value
        and summary.pending_review == 0,
        can_release=user.holds(Role.APPROVER) and summary.state == BatchState.APPROVED.value,
        can_review=user.holds(Role.OFFICER)
        and summary.pending_review > 0
        and user.name != summary.submitted_by,
    )


@router.post("/batches/{batch_id}/approve")
def approve(request: Request, batch_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    user = _user(request, "POST", "/batches/{batch_id}/approve")
    check_csrf(user, csrf)
    services_of(request).core.batches.approve(batch_id, actor=user.name)
    return _back(f"/batches/{batch_id}")


@router.post("/batches/{batch_id}/release")
def release(request: Request, batch_id: str, csrf: Annotated[str, Form()] = "") -> Response:
    user = _user(request, "POST", "/batches/{batch_id}/release")
    check_csrf(user, csrf)
    services_of(request).core.batches.release(batch_id, actor=user.name)
    return _back(f"/batches/{batch_id}")


@router.get("/review")
def review_queue(request: Request, batch: Annotated[str | None, Query()] = None) -> HTMLResponse:
    user = _user(request, "GET", "/review")
    items = services_of(request).core.review.queue(actor=user.name, batch_id=batch)
    cards = []
    for item in items:
        records = {r.tin: r for r in item.candidate_records}
        candidates = [
            {
                "evidence": c,
                "record": records.get(c.tin),
                "waterfall": charts.waterfall(c.field_weights, c.match_weight),
            }
            for c in item.evidence.candidates
        ]
        cards.append({"item": item, "candidates": candidates})
    return _render(request, "review.html", user, cards=cards, batch=batch)


@router.post("/review/{item_id}/decide")
def decide(
    request: Request,
    item_id: str,
    decision: Annotated[str, Form()],
    note: Annotated[str, Form()] = "",
    batch: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    user = _user(request, "POST", "/review/{item_id}/decide")
    check_csrf(user, csrf)
    if decision not in ("confirm", "deny"):
        raise InvalidArgument("decision must be confirm or deny")
    services_of(request).core.review.decide(
        item_id, actor=user.name, confirm=decision == "confirm", note=note
    )
    return _back(f"/review?batch={batch}" if batch else "/review")


@router.get("/audit")
def audit(request: Request) -> HTMLResponse:
    user = _user(request, "GET", "/audit")
    report = services_of(request).core.audit.verify(actor=user.name)
    return _render(request, "audit.html", user, report=report)


@router.get("/accounting")
def accounting(request: Request, tin: Annotated[str | None, Query()] = None) -> HTMLResponse:
    user = _user(request, "GET", "/accounting")
    found = services_of(request).core.audit.accounting(actor=user.name, tin=tin) if tin else None
    return _render(request, "accounting.html", user, tin=tin or "", found=found)


@router.get("/accounting.csv")
def accounting_csv(request: Request, tin: Annotated[str, Query()]) -> Response:
    user = _user(request, "GET", "/accounting.csv")
    found = services_of(request).core.audit.accounting(actor=user.name, tin=tin)
    return Response(
        found.csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="accounting.csv"'},
    )


@router.get("/remediation")
def remediation_form(request: Request) -> HTMLResponse:
    user = _user(request, "GET", "/remediation")
    return _render(request, "remediation.html", user, notice=None)


@router.post("/remediation")
def remediation(
    request: Request,
    agreement: Annotated[UploadFile, File()],
    since: Annotated[str, Form()] = "",
    download: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    user = _user(request, "POST", "/remediation")
    check_csrf(user, csrf)
    services = services_of(request)
    corrected = services.insights.agreement_upload(
        Upload(agreement.filename or "agreement.yaml", agreement.file.read())
    )
    notice = services.core.audit.remediate(corrected, actor=user.name, since=_date(since))
    if download:
        return Response(
            notice.csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="disposal-notice.csv"'},
        )
    return _render(request, "remediation.html", user, notice=notice, agreement=corrected)


def _date(text: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidArgument(f"since: {text!r} is not a YYYY-MM-DD date") from None
