"""A demo workspace for the officer UI: synthetic data, people, and a batch in review.

In: a folder (and optionally a PostgreSQL URL for the workflow store). Out:
a workspace with a synthetic master file loaded and a model trained, one
user per role with a random password (returned so the caller can print
them), a requester token for the synthetic batch's agency, and that batch
submitted through the requester API and processed up to review. Synthetic
data only; a tool at the edge, like `demo.py`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from matchgate import demo
from matchgate.bootstrap import build_web_services
from matchgate.config import Settings
from matchgate.domain.lifecycle import Role
from matchgate.files import read_upload
from matchgate.progress import NullProgress, Progress
from matchgate.services import MasterFiles
from matchgate.services.webapp import TokenScope

#: The demo's people: name -> roles. `ada` is the first user (admin).
PEOPLE: dict[str, tuple[Role, ...]] = {
    "ada": (Role.ADMIN,),
    "liaison": (Role.OPERATOR,),
    "oscar": (Role.OFFICER,),
    "olivia": (Role.OFFICER,),
    "april": (Role.APPROVER,),
    "aubrey": (Role.AUDITOR,),
}


@dataclass(frozen=True)
class DemoWorkspace:
    settings: Settings
    passwords: dict[str, str]
    requester_token: str
    officer_token: str
    batch_id: str
    pending_review: int
    files: dict[str, Path]


def build_demo_workspace(
    folder: Path,
    *,
    taxpayers: int = 2000,
    requests: int = 300,
    seed: int = 7,
    database_url: str | None = None,
    progress: Progress | None = None,
) -> DemoWorkspace:
    progress = progress or NullProgress()
    files = demo.synthesise(folder / "data", taxpayers=taxpayers, requests=requests, seed=seed)
    settings = Settings(home=folder / "workspace", database_url=database_url, user=None)
    envelope = json.loads(files["envelope"].read_text(encoding="utf-8"))
    passwords = {name: secrets.token_urlsafe(12) for name in PEOPLE}
    with build_web_services(settings) as web:
        for name, roles in PEOPLE.items():
            web.core.users.add(name, list(roles), actor="ada")
            web.logins.set_password(name, passwords[name], actor="ada")
        web.core.master.load(
            MasterFiles(files["taxpayers"], files["addresses"]), actor="ada", progress=progress
        )
        web.core.master.train(actor="ada", seed=seed, progress=progress)
        requester = web.tokens.create(
            "liaison",
            scope=TokenScope.REQUESTER,
            actor="ada",
            days=30,
            agency=envelope["requesting_agency"],
            agreement_id=envelope["agreement_id"],
        )
        officer = web.tokens.create("oscar", scope=TokenScope.OFFICER, actor="ada", days=30)
        caller = web.tokens.authenticate(requester.secret)
        web.requesters.submit(
            caller, read_upload(files["requests"]), read_upload(files["envelope"])
        )
        summary = web.core.batches.show(envelope["batch_id"])
    return DemoWorkspace(
        settings=settings,
        passwords=passwords,
        requester_token=requester.secret,
        officer_token=officer.secret,
        batch_id=summary.batch_id,
        pending_review=summary.pending_review,
        files=files,
    )
