"""The only place that formats for a terminal: Rich progress bars, tables and JSON.

In: the typed results of the use cases. Out: what a person reads (tables)
or a script parses (`--json` documents, README "JSON output": keys are only
ever added). Handlers call one function here per result.

No table cuts a value: on a terminal every column folds what does not fit
(an id wraps onto the next line, it never ends in "…"); when the output is
not a terminal (a pipe, a file) a table is plain tab-separated lines, a
header row first and its title as a ``# `` line before it, so every id comes
through whole. Text from outside (ids, names, file names in messages) is
never read as Rich markup, and a control or formatting character in it (a
terminal escape, a line break, U+202E) is shown as its escape (``\x1b``),
never sent to the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from matchgate.demo import AccuracyReport
from matchgate.domain.outcomes import Outcome
from matchgate.domain.reasons import ReasonCode, review_reason_words
from matchgate.domain.taxpayers import FiledAddress, TaxpayerRecord
from matchgate.progress import Task
from matchgate.services import (
    Accounting,
    BatchSummary,
    CandidateEvidence,
    DisposalNotice,
    KeyStatus,
    MasterSummary,
    ModelSummary,
    RegisteredInfo,
    ReviewItem,
    UserInfo,
    VerifyReport,
)


class RichProgress:
    """`matchgate.progress.Progress` on a Rich console (stderr)."""

    def __init__(self, console: Console) -> None:
        self.console = console

    @contextmanager
    def task(self, description: str, total: int | None) -> Iterator[Task]:
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        ) as progress:
            task_id = progress.add_task(description, total=total)

            class _Task:
                def advance(self, amount: int = 1) -> None:
                    progress.advance(task_id, amount)

            yield _Task()
            progress.update(task_id, completed=total or 0)


def safe(value: object) -> str:
    """``value`` as text whose every character shows: controls and formatting as escapes."""
    text = str(value)
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape", "backslashreplace").decode("ascii")
        for ch in text
    )


def message(console: Console, text: str) -> None:
    """One line for a person; never markup, never a terminal escape."""
    console.print(Text(safe(text)), highlight=False, soft_wrap=True)


@dataclass(frozen=True)
class Column:
    name: str
    right: bool = False


def table(
    console: Console,
    title: str | None,
    columns: Sequence[Column | str],
    rows: Iterable[Sequence[object]],
    *,
    header: bool = True,
) -> None:
    """A table: Rich on a terminal, every column folding; tab-separated lines otherwise."""
    cols = [c if isinstance(c, Column) else Column(c) for c in columns]
    cells = [[safe(v) for v in row] for row in rows]
    if not console.is_terminal:
        lines = [f"# {safe(title)}"] if title else []
        if header:
            lines.append("\t".join(safe(c.name) for c in cols))
        lines += ["\t".join(row) for row in cells]
        console.file.write("".join(f"{line}\n" for line in lines))
        console.file.flush()
        return
    rich_table = Table(title=Text(safe(title)) if title else None, show_header=header)
    for column in cols:
        rich_table.add_column(
            Text(safe(column.name)), overflow="fold", justify="right" if column.right else "left"
        )
    for row in cells:
        rich_table.add_row(*(Text(cell) for cell in row))
    console.print(rich_table)


def master_summary(console: Console, summary: MasterSummary) -> None:
    table(
        console,
        "Master file",
        ["", Column("", right=True)],
        [
            ("vintage", summary.vintage_id),
            ("taxpayers", f"{summary.taxpayers:,}"),
            ("address rows", f"{summary.address_rows:,}"),
            ("match records", f"{summary.records:,}"),
            ("taxpayers with an LKA", f"{summary.taxpayers_with_lka:,}"),
            ("address rows not a street address", f"{summary.unusable_address_rows:,}"),
            ("seconds", f"{summary.seconds:.1f}"),
        ],
        header=False,
    )


def print_json(console: Console, value: Any) -> None:
    console.print_json(json.dumps(value, sort_keys=True))


def model_trained(console: Console, model: ModelSummary) -> None:
    message(console, f"model {model.version} saved to {model.location}")


def verify_report(console: Console, report: VerifyReport, out_path: Path) -> None:
    """The summary of a one-shot `verify` (or `demo`) run."""
    batch_summary(
        console,
        batch_id=report.outcome.batch_id,
        outcomes=report.outcome_counts,
        reason_codes=report.reason_code_counts,
        seconds={**report.seconds, **report.outcome.seconds},
        out_path=str(out_path),
        vintage_id=report.outcome.vintage_id,
        model_version=report.outcome.model_version,
    )


def batch_summary(
    console: Console,
    *,
    batch_id: str,
    outcomes: Mapping[str, int],
    reason_codes: Mapping[str, int],
    seconds: Mapping[str, float],
    out_path: str,
    vintage_id: str,
    model_version: str,
) -> None:
    total = sum(outcomes.values())
    message(console, f"Batch {batch_id or '(no batch id)'}: {total:,} requests")
    table(
        console,
        "Outcomes",
        ["outcome", Column("requests", right=True), Column("share", right=True)],
        [
            (
                outcome.value,
                f"{outcomes.get(outcome.value, 0):,}",
                f"{100 * outcomes.get(outcome.value, 0) / total:.1f}%" if total else "-",
            )
            for outcome in Outcome
        ],
    )
    if reason_codes:
        table(
            console,
            "Reason codes (REJECTED)",
            ["code", "meaning", Column("requests", right=True)],
            [
                (code.value, code.meaning, f"{reason_codes[code.value]:,}")
                for code in ReasonCode
                if code.value in reason_codes
            ],
        )
    review = outcomes.get(Outcome.PENDING_REVIEW.value, 0)
    message(console, f"Review load: {review:,} request(s) held for a disclosure officer")
    table(
        console,
        "Time per stage",
        ["stage", Column("seconds", right=True)],
        [(stage, f"{value:.2f}") for stage, value in seconds.items()],
    )
    message(console, f"master vintage {vintage_id or '-'}, model {model_version or '-'}")
    message(console, f"Response written to {out_path}")


def batch(console: Console, summary: BatchSummary, *, as_json: bool = False) -> None:
    """One stored batch: `batch show|submit|approve|release`."""
    if as_json:
        print_json(console, summary.as_json())
        return
    rows: list[tuple[str, str]] = [
        ("batch", summary.batch_id),
        ("state", summary.state),
        ("submitted by", summary.submitted_by),
        ("agreement", summary.agreement_id),
        ("requests", f"{summary.rows:,}"),
    ]
    rows += [(f"  {outcome}", f"{count:,}") for outcome, count in sorted(summary.outcomes.items())]
    rows += [
        (f"  {code} {ReasonCode(code).meaning}" if code in _CODES else f"  {code}", f"{count:,}")
        for code, count in sorted(summary.reason_codes.items())
    ]
    if summary.failure_reason:
        rows.append(("failure", summary.failure_reason))
    table(console, "Batch", ["", ""], rows, header=False)


_CODES = frozenset(code.value for code in ReasonCode)


def batches(console: Console, summaries: Sequence[BatchSummary], *, as_json: bool) -> None:
    if as_json:
        print_json(console, [s.as_json() for s in summaries])
        return
    table(
        console,
        "Batches",
        ["batch", "state", Column("requests", right=True), Column("pending review", right=True),
         "submitted by"],
        [(s.batch_id, s.state, f"{s.rows:,}", s.pending_review, s.submitted_by)
         for s in summaries],
    )  # fmt: skip


def _reasons(item: ReviewItem) -> str:
    return "; ".join(review_reason_words(r) for r in item.review_reasons)


def review_queue(console: Console, items: Sequence[ReviewItem], *, as_json: bool) -> None:
    if as_json:
        print_json(console, [item.as_json() for item in items])
        return
    table(
        console,
        f"Review queue: {len(items)} item(s)",
        ["ITEM_ID", "batch", "request", "why held", "candidates"],
        [
            (
                item.item_id,
                item.batch_id,
                item.request_id,
                _reasons(item),
                "; ".join(f"{c.given}/{c.surname} {c.fit}" for c in item.evidence.candidates),
            )
            for item in items
        ],
    )


def review_item(console: Console, item: ReviewItem, *, as_json: bool = False) -> None:
    """`review show`: the request beside each candidate as filed, field by field."""
    if as_json:
        print_json(console, item.as_json())
        return
    table(
        console,
        f"Review item {item.item_id}",
        ["", ""],
        [
            ("batch", item.batch_id),
            ("request", item.request_id),
            *(("held because", review_reason_words(r)) for r in item.review_reasons),
        ],
        header=False,
    )
    records = {record.tin: record for record in item.candidate_records}
    candidates = item.evidence.candidates
    for number, candidate in enumerate(candidates, start=1):
        table(
            console,
            f"Candidate {number} of {len(candidates)}",
            ["", "request", f"candidate {number}"],
            _candidate_rows(item.request, candidate, records.get(candidate.tin)),
        )


def _candidate_rows(
    request: Mapping[str, str | None], candidate: CandidateEvidence, record: TaxpayerRecord | None
) -> list[tuple[str, str, str]]:
    """Field by field: the request as received beside the candidate as filed, then the evidence."""
    addresses = list(record.addresses) if record else []
    rows = [
        ("name", _request_name(request), _record_name(record)),
        ("date of birth", _given(request.get("dob")), _given(record.dob if record else None)),
        ("TIN", _given(request.get("tin")), candidate.tin),
        ("address", _request_address(request), _filed(addresses[0]) if addresses else "-"),
        *(("", "", _filed(a)) for a in addresses[1:]),
    ]
    conflicts = [
        name
        for name, found in (
            ("date of birth", candidate.dob_conflict),
            ("TIN", candidate.tin_conflict),
            ("suffix", candidate.suffix_conflict),
        )
        if found
    ]
    fit = f"{candidate.fit} (given name {candidate.given}, surname {candidate.surname})"
    probability = f"{candidate.match_probability:.6f} (weight {candidate.match_weight:.2f})"
    rows += [
        ("name fit", "", fit),
        ("address given", "", "on file" if candidate.address_on_file else "not on file"),
        ("probability", "", probability),
        ("conflicts", "", ", ".join(conflicts) or "none"),
    ]
    return rows


def _given(value: str | None) -> str:
    return value if value else "-"


def _joined(*parts: str | None) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip()) or "-"


def _request_name(request: Mapping[str, str | None]) -> str:
    return _joined(
        request.get("first_name"), request.get("middle_name"), request.get("last_name"),
        request.get("name_suffix"),
    )  # fmt: skip


def _record_name(record: TaxpayerRecord | None) -> str:
    if record is None:
        return "(no longer in the master file)"
    return _joined(record.first_name, record.middle_name, record.last_name, record.name_suffix)


def _request_address(request: Mapping[str, str | None]) -> str:
    street = _joined(request.get("street"))
    return f"{street}, {_joined(request.get('city'), request.get('state'), request.get('zip'))}"


def _filed(address: FiledAddress) -> str:
    place = _joined(address.city, address.state, address.zip)
    return f"{address.tax_year} {address.source}: {_joined(address.street)}, {place}"


def _user_line(info: UserInfo) -> str:
    bound = f" (OS account {info.os_user})" if info.os_user else ""
    off = " [disabled]" if info.disabled else ""
    return f"{info.name}: {','.join(info.roles)}{bound}{off}"


def user(console: Console, info: UserInfo) -> None:
    message(console, f"user {_user_line(info)}")


def users(console: Console, infos: Sequence[UserInfo], *, as_json: bool) -> None:
    if as_json:
        print_json(
            console,
            [
                {
                    "name": u.name,
                    "roles": list(u.roles),
                    "os_user": u.os_user,
                    "disabled": u.disabled,
                }
                for u in infos
            ],
        )
        return
    table(
        console,
        None,
        ["user", "roles", "OS account", "state"],
        [
            (u.name, ",".join(u.roles), u.os_user or "-", "disabled" if u.disabled else "active")
            for u in infos
        ],
    )


def agreements(console: Console, infos: Sequence[RegisteredInfo], *, as_json: bool) -> None:
    """The registry: every version of every agreement."""
    if as_json:
        print_json(console, [i.as_json() for i in infos])
        return
    table(
        console,
        "Registered agreements",
        ["agreement", "version", "content hash", "state", "registered by", "title"],
        [
            (
                i.agreement_id,
                str(i.version),
                i.content_hash,
                "suspended" if i.suspended else "active",
                i.registered_by,
                i.title,
            )
            for i in infos
        ],
    )


def agreement(console: Console, info: RegisteredInfo, *, as_json: bool) -> None:
    """One registered agreement: its registry facts and the document as registered."""
    if as_json:
        print_json(console, {**info.as_json(), "document": info.document})
        return
    state = "suspended" if info.suspended else "active"
    message(
        console,
        f"agreement {info.agreement_id} version {info.version} ({state}), "
        f"sha256 {info.content_hash}, registered by {info.registered_by or '-'} "
        f"at {info.registered_at.isoformat()}",
    )
    console.print_json(json.dumps(info.document, sort_keys=True))


def accounting(console: Console, found: Accounting, *, yearly: bool) -> None:
    """The accounting of disclosures, one row each, or yearly counts by agency and statute."""
    if yearly:
        table(
            console,
            "Disclosures per year, agency and statute",
            ["year", "agency", "statute", Column("disclosures", right=True)],
            [(*key.split("|"), str(count)) for key, count in found.yearly_counts().items()],
        )
        return
    table(
        console,
        f"{len(found.disclosures)} disclosure(s)",
        ["released", "TIN", "agency", "statute", "case", "batch", "decision", "fields"],
        [
            (d.released_at[:19], d.tin, d.requesting_agency, d.statute, d.case_number,
             d.batch_id, d.decision_id, d.fields_disclosed)
            for d in found.disclosures
        ],
    )  # fmt: skip


def remediation(console: Console, notice: DisposalNotice, notice_path: Path) -> None:
    table(
        console,
        f"{len(notice.findings)} disclosure(s) that would not be made now",
        ["batch", "request", "case", "fields", "reason"],
        [
            (f.batch_id, f.request_id, f.case_number, f.disclosed_fields, "; ".join(f.reasons))
            for f in notice.findings
        ],
    )
    message(console, f"Disposal notice written to {notice_path}")


def accuracy(console: Console, report: AccuracyReport) -> None:
    """A demo's decisions scored against the synthetic ground truth."""
    table(
        console,
        "Scored against the synthetic ground truth",
        ["measure", Column("value", right=True)],
        [
            ("compliance violations (should be REJECTED)", str(report.compliance_violations)),
            ("wrongful disclosures", str(report.wrongful_disclosures)),
            (
                "recall of verifiable requests",
                f"{report.recall:.2%} ({report.verified_correctly}/{report.verifiable})",
            ),
            ("held for review", f"{report.review_rate:.2%}"),
            ("reason-code mismatches", str(report.reason_code_mismatches)),
            ("CURRENT/PRIOR errors", str(report.address_match_errors)),
        ],
    )


def key_status(status: KeyStatus) -> str:
    """The workspace's encryption at rest, one fact a line."""
    key = f"{status.key_id} from {status.key_file}" if status.key_id else "none (not encrypted)"
    return "\n".join(
        [
            f"key: {key}",
            f"stores in the workspace: {', '.join(status.stores) or '(none yet)'}",
            f"workflow store: {status.workflow_store}",
            f"master file: {status.master_store}",
        ]
    )
