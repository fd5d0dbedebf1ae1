"""Shared vocabulary of matchgate: reason codes, outcomes and typed records (pure)."""
