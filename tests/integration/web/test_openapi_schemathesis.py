"""The served OpenAPI document holds: generated calls never get a 5xx, answers match it.

schemathesis reads `/api/v1/openapi.json` from the app and calls every
operation with generated data, as a requester and as an officer (a modest
number of examples each, to keep the suite fast).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from integration.web.conftest import Site
from matchgate.web import create_app

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.slow
def test_the_api_answers_every_generated_call_within_its_schema(site: Site) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", create_app(site.services))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    tokens = (site.demo.requester_token, site.demo.officer_token)

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def call(case: schemathesis.Case) -> None:
            for token in tokens:
                case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        call()
