"""A production workspace: identities are proven, so one person is one user (issue row 2).

Every test runs on SQLite and on PostgreSQL. The operating-system account
is what the CLI reads from the process's uid; here each "person" is an
`OsAccount`, and every action goes through `resolve_actor` exactly as a CLI
command does (claim first, then the use case as the resolved user).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import reference_agreement
from integration.audit.flow import (
    STANDARD_BATCH,
    matcher_for,
    standard_requests,
    stored_events,
    write_batch,
)
from matchgate.domain.identity import Claim, OsAccount, WorkspaceKind
from matchgate.domain.lifecycle import Role
from matchgate.errors import InvalidArgument
from matchgate.workflow.identity import (
    AlreadyInitialised,
    change_roles,
    disable_user,
    init_workspace,
    kind_of,
    resolve_actor,
)
from matchgate.workflow.process import process_batch
from matchgate.workflow.registry import agreement_for_batch
from matchgate.workflow.release import approve_batch, release_batch
from matchgate.workflow.review import decide_review_item, list_review_items
from matchgate.workflow.store import IdentityConflict, PermissionDenied, Store, add_user
from matchgate.workflow.stored import BatchStateError
from matchgate.workflow.submit import submit_batch

ALICE = OsAccount("alice", 1001)  # the admin who ran `init --production`
BOB = OsAccount("bob", 1002)
CAROL = OsAccount("carol", 1003)
DAN = OsAccount("dan", 1004)


@pytest.fixture
def production(store: Store) -> Store:
    init_workspace(store, production=True, admin="alice-admin", account=ALICE)
    return store


def me(store: Store, account: OsAccount, claim: str | None = None) -> str:
    """The user a CLI command run by `account` acts as (`--as claim`, if given)."""
    actor = resolve_actor(store, Claim(claim, "--as"), account)
    assert actor is not None
    return actor


def submit_as(store: Store, account: OsAccount, folder: Path, claim: str | None = None) -> str:
    files = write_batch(folder, STANDARD_BATCH, standard_requests())
    actor = me(store, account, claim)
    agreement = agreement_for_batch(store, "reference-6103i2", actor=actor)
    batch_id, _ = submit_batch(store, *files.uploads, agreement, actor=actor)
    process_batch(store, batch_id, lambda: matcher_for(standard_requests()))
    return batch_id


def test_init_production_makes_the_first_admin_bound_to_the_os_account(production: Store) -> None:
    assert kind_of(production) is WorkspaceKind.PRODUCTION
    assert me(production, ALICE) == "alice-admin"
    with pytest.raises(AlreadyInitialised):
        init_workspace(production, production=True, admin="mallory", account=BOB)
    # No later command makes a first admin: adding a user always needs a proven admin.
    with pytest.raises(PermissionDenied):
        add_user(production, "mallory", [Role.ADMIN], actor=None, os_user="bob")
    with pytest.raises(InvalidArgument):
        add_user(production, "dave", [Role.OPERATOR], actor="alice-admin")  # no --os-user


def test_row02_one_person_cannot_submit_approve_and_release_however_they_pick_names(
    production: Store, tmp_path: Path
) -> None:
    admin = me(production, ALICE)
    add_user(production, "bob-op", [Role.OPERATOR], actor=admin, os_user=BOB.login)
    add_user(production, "carol-appr", [Role.APPROVER], actor=admin, os_user=CAROL.login)

    # Bob cannot pick another name: any claim is refused, and recorded.
    for claim in ("carol-appr", "alice-admin", "bob-op"):
        with pytest.raises(PermissionDenied, match="--as is refused"):
            me(production, BOB, claim)
    assert stored_events(production)[-1].action == "login_failed"
    assert stored_events(production)[-1].payload["os_user"] == "bob"

    # An admin cannot bind a second approver to their own account ...
    with pytest.raises(IdentityConflict):
        add_user(production, "alice-appr", [Role.APPROVER], actor=admin, os_user=ALICE.login)
    # ... and one they bind elsewhere is somebody else's account, never theirs to act as.
    add_user(production, "ghost-appr", [Role.APPROVER], actor=admin, os_user="ghost")
    with pytest.raises(PermissionDenied):
        me(production, ALICE, "ghost-appr")

    batch_id = submit_as(production, BOB, tmp_path / "b")
    # Dan, another person, reviews the held request.
    add_user(production, "dan-off", [Role.OFFICER], actor=admin, os_user=DAN.login)
    for item in list_review_items(production, actor=me(production, DAN), batch_id=batch_id):
        decide_review_item(
            production, item.item_id, actor=me(production, DAN), confirm=True, note="checked"
        )
    # The submitter (by account) can neither approve nor release: not as an operator,
    # and not once granted the approver role either, for he stays the submitter.
    with pytest.raises(PermissionDenied):
        release_batch(production, batch_id, actor=me(production, BOB))
    change_roles(production, "bob-op", grant=[Role.APPROVER], revoke=[], actor=admin)
    with pytest.raises(PermissionDenied, match="two-person"):
        approve_batch(production, batch_id, actor=me(production, BOB))
    with pytest.raises(BatchStateError, match="approve it first"):
        release_batch(production, batch_id, actor=me(production, BOB))

    # Carol, a third, approves and releases.
    approve_batch(production, batch_id, actor=me(production, CAROL))
    assert release_batch(production, batch_id, actor=me(production, CAROL)).state == "released"
    logins = [e for e in stored_events(production) if e.action == "login"]
    assert {(e.actor, e.payload["os_user"], e.payload["method"]) for e in logins} >= {
        ("bob-op", "bob", "os-peer"),
        ("carol-appr", "carol", "os-peer"),
    }


def test_an_unbound_or_disabled_account_cannot_act_and_is_recorded(production: Store) -> None:
    admin = me(production, ALICE)
    with pytest.raises(PermissionDenied, match="bound to no user"):
        me(production, BOB)
    add_user(production, "bob-op", [Role.OPERATOR], actor=admin, os_user=BOB.login)
    assert me(production, BOB) == "bob-op"
    disable_user(production, "bob-op", actor=admin)
    with pytest.raises(PermissionDenied, match="disabled"):
        me(production, BOB)
    with pytest.raises(PermissionDenied):
        disable_user(production, "alice-admin", actor=admin)  # never oneself
    failed = [e for e in stored_events(production) if e.action == "login_failed"]
    assert [e.payload["reason"] for e in failed] == ["no user bound", "disabled"]


def test_production_batches_come_only_from_the_registry(production: Store) -> None:
    admin = me(production, ALICE)
    add_user(production, "bob-op", [Role.OPERATOR], actor=admin, os_user=BOB.login)
    with pytest.raises(PermissionDenied, match="registered agreement only"):
        agreement_for_batch(
            production, "reference-6103i2", actor="bob-op", given=reference_agreement()
        )


def test_a_trial_workspace_takes_the_claimed_name(store: Store) -> None:
    assert kind_of(store) is WorkspaceKind.TRIAL
    assert resolve_actor(store, Claim("anyone"), ALICE) == "anyone"
