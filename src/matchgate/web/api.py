"""The REST API, `/api/v1`: requesters' batches, and officers' queue, decisions and release.

A requester token (one agency, one agreement) may submit a batch, read its
status and, once released, fetch its response: nothing else, and never
another agency's batch. Officers and approvers act with a session (and the
CSRF token in `X-CSRF-Token`) or an officer token. Each handler checks the
caller (`ROLE_OF`), calls one use case and returns a response model; errors
are problem+json (problems.py).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from matchgate.domain.lifecycle import Role
from matchgate.domain.uploads import Upload
from matchgate.services import BatchSummary, ReviewItem
from matchgate.services.webapp import RequesterStatus
from matchgate.web.auth import person, requester, services_of
from matchgate.web.problems import PROBLEM_JSON

router = APIRouter(prefix="/api/v1")

REQUESTER = "requester token"

#: Who may call each route: a role (a person: session or officer token) or a requester token.
ROLE_OF: dict[tuple[str, str], Role | str] = {
    ("POST", "/api/v1/batches"): REQUESTER,
    ("GET", "/api/v1/batches/{batch_id}"): REQUESTER,
    ("GET", "/api/v1/batches/{batch_id}/response"): REQUESTER,
    ("GET", "/api/v1/review"): Role.OFFICER,
    ("POST", "/api/v1/review/{item_id}/decision"): Role.OFFICER,
    ("POST", "/api/v1/batches/{batch_id}/approve"): Role.APPROVER,
    ("POST", "/api/v1/batches/{batch_id}/release"): Role.APPROVER,
}


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    category: str | None = None


_PROBLEM = {"model": Problem, "content": {PROBLEM_JSON: {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    code: {**_PROBLEM, "description": text}
    for code, text in {
        401: "no valid session or token",
        403: "not allowed to this caller",
        404: "no such batch or item",
        409: "conflicts with what is stored",
        422: "the request or an upload is not valid",
        503: "the workspace is not ready",
    }.items()
}


class Status(BaseModel):
    """What a requester may know of its batch."""

    batch_id: str
    state: str
    rows: int
    response_ready: bool

    @classmethod
    def of(cls, status: RequesterStatus) -> Status:
        return cls(
            batch_id=status.batch_id,
            state=status.state,
            rows=status.rows,
            response_ready=status.response_ready,
        )


class BatchView(BaseModel):
    """A batch as officers see it (`batch show --json`)."""

    batch_id: str
    state: str
    submitted_by: str
    agreement_id: str
    rows: int
    outcomes: dict[str, int]
    reason_codes: dict[str, int]
    pending_review: int
    failure_reason: str | None
    vintage_id: str | None
    model_version: str | None

    @classmethod
    def of(cls, summary: BatchSummary) -> BatchView:
        document = summary.as_json()
        return cls.model_validate({k: document.get(k) for k in cls.model_fields})


class CandidateView(BaseModel):
    tin: str
    match_weight: float
    match_probability: float
    field_weights: dict[str, float]
    given: str
    surname: str
    fit: str
    dob_conflict: bool
    tin_conflict: bool
    suffix_conflict: bool
    address_on_file: bool


class EvidenceView(BaseModel):
    tin: str | None
    match_weight: float | None
    match_probability: float | None
    field_weights: dict[str, float]
    runner_up_tin: str | None
    runner_up_weight: float | None
    review_reasons: list[str]
    candidates: list[CandidateView]


class FiledAddressView(BaseModel):
    tax_year: int
    source: str
    street: str | None
    city: str | None
    state: str | None
    zip: str | None


class TaxpayerView(BaseModel):
    tin: str
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    name_suffix: str | None
    dob: str | None
    addresses: list[FiledAddressView]


class ReviewItemView(BaseModel):
    """One held request (custodian-only: it holds taxpayer records; viewing it is audited)."""

    item_id: str
    batch_id: str
    request_id: str
    review_reasons: list[str]
    request: dict[str, str | None]
    evidence: EvidenceView
    candidate_records: list[TaxpayerView]

    @classmethod
    def of(cls, item: ReviewItem) -> ReviewItemView:
        document = item.as_json()
        document["evidence"].pop("inputs", None)
        return cls.model_validate(document)


class DecisionIn(BaseModel):
    confirm: bool
    note: str = Field(min_length=1, max_length=2000)


class DecisionOut(BaseModel):
    item_id: str
    outcome: str


@router.post("/batches", status_code=201, response_model=Status, responses=ERRORS)
def submit_batch(
    request: Request,
    requests: Annotated[UploadFile, File(description="The request batch: CSV, Parquet or JSONL")],
    envelope: Annotated[UploadFile, File(description="The batch envelope (JSON)")],
) -> JSONResponse:
    """Submit a batch under the token's agency and agreement (again: the same batch, 200)."""
    caller = requester(request)
    status, created = services_of(request).requesters.submit(
        caller, _upload(requests, "requests.csv"), _upload(envelope, "envelope.json")
    )
    return JSONResponse(Status.of(status).model_dump(), status_code=201 if created else 200)


@router.get("/batches/{batch_id}", response_model=Status, responses=ERRORS)
def batch_status(request: Request, batch_id: str) -> Status:
    """The state of one of the requester's own batches."""
    caller = requester(request)
    return Status.of(services_of(request).requesters.status(caller, batch_id))


@router.get(
    "/batches/{batch_id}/response",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the response file"}, **ERRORS},
)
def batch_response(request: Request, batch_id: str) -> Response:
    """The released response file (FORMATS.md §3); 409 before release."""
    caller = requester(request)
    content = services_of(request).requesters.response(caller, batch_id)
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_safe(batch_id)}-response.csv"'},
    )


@router.get("/review", response_model=list[ReviewItemView], responses=ERRORS)
def review_queue(
    request: Request, batch: Annotated[str | None, Query(max_length=200)] = None
) -> list[ReviewItemView]:
    """Requests held for a disclosure officer, with their evidence and candidates."""
    user = person(request, Role.OFFICER)
    items = services_of(request).core.review.queue(actor=user.name, batch_id=batch)
    return [ReviewItemView.of(item) for item in items]


@router.post("/review/{item_id}/decision", response_model=DecisionOut, responses=ERRORS)
def decide(request: Request, item_id: str, body: DecisionIn) -> DecisionOut:
    """Confirm (VERIFIED) or deny (NO_MATCH) a held request, with a note."""
    user = person(request, Role.OFFICER)
    outcome = services_of(request).core.review.decide(
        item_id, actor=user.name, confirm=body.confirm, note=body.note
    )
    return DecisionOut(item_id=item_id, outcome=outcome.value)


@router.post("/batches/{batch_id}/approve", response_model=BatchView, responses=ERRORS)
def approve(request: Request, batch_id: str) -> BatchView:
    """The second person approves a reviewed batch."""
    user = person(request, Role.APPROVER)
    return BatchView.of(services_of(request).core.batches.approve(batch_id, actor=user.name))


@router.post("/batches/{batch_id}/release", response_model=BatchView, responses=ERRORS)
def release(request: Request, batch_id: str) -> BatchView:
    """Release an approved batch: its response is fixed, once."""
    user = person(request, Role.APPROVER)
    return BatchView.of(services_of(request).core.batches.release(batch_id, actor=user.name))


def _upload(file: UploadFile, default: str) -> Upload:
    return Upload(file.filename or default, file.file.read())


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:100]
