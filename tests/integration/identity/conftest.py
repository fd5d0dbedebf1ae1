"""The workflow store on both backends, for the identity tests (see store/conftest.py)."""

from __future__ import annotations

from integration.store.conftest import store, store_case

__all__ = ["store", "store_case"]
