"""Stage 2, standardise: raw names, addresses and identifiers into comparable form.

Pure code (no I/O beyond package data). One concept per module:

- ``text``: fold to ASCII upper case, string similarities, package-data reader
- ``names`` / ``given_names``: personal names, given-name variants, name agreements
- ``addresses`` (with ``streets`` and ``usps``): Pub 28 street parsing, ZIP, city,
  and the FORMATS.md §4 address-match rule
- ``identifiers``: TINs, ZIPs, state codes, dates
- ``records``: the above applied to whole Arrow tables
"""
