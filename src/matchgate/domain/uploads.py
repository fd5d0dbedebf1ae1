"""An upload: a file as an adapter received it, its bytes and the name it came with (pure).

The CLI reads a file into an `Upload`; the web app will build one from a
request body. Use cases take uploads, never paths, so neither adapter's way
of getting bytes leaks into them. The name says the format (by its
extension, as for a file on disk) and stands for the file in every error
message about its rows and columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The largest batch envelope accepted (FORMATS.md §2: a handful of short
#: fields). Checked before the bytes are read or decoded, by every adapter
#: and again by intake, so a huge "envelope" costs nothing to refuse.
ENVELOPE_MAX_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Upload:
    name: str
    #: The content; never shown in a repr (it may hold taxpayer data).
    data: bytes = field(repr=False)
