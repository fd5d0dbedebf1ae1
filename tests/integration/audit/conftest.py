"""Fixtures for the audit tests.

`store` / `store_case` are the workflow-store fixtures of
``tests/integration/store/conftest.py`` (SQLite in a workspace, and a
throw-away PostgreSQL schema ``mg_<uuid>`` marked ``postgres``), reused here
so both suites test the same two backends the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from integration.store.conftest import StoreCase, store, store_case  # noqa: F401 - fixtures
from matchgate.logs import LOGGER_NAME


@pytest.fixture(autouse=True)
def _no_leaked_log_handlers() -> Iterator[None]:
    """CLI runs attach a file handler to the `matchgate` logger; detach and close it after."""
    logger = logging.getLogger(LOGGER_NAME)
    before = list(logger.handlers)
    yield
    for handler in logger.handlers[:]:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()
