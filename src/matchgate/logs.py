"""Application logging: ids and counts only, never taxpayer data (REQ-38).

Log lines name batches, decisions, vintages, models, states and counts.
They never carry a name, address, TIN, date of birth or any free text from a
request; exception texts (which may quote input values) are not logged.
The CLI writes them to `matchgate.log` in the workspace, a file created 0600
(ids are not taxpayer data, but the log is the workspace's like the rest).
"""

from __future__ import annotations

import logging
from pathlib import Path

from matchgate.files import create_private_file, private_folder

LOGGER_NAME = "matchgate"


def configure_file_logging(path: Path) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, "baseFilename", None) == str(path.resolve()) for h in logger.handlers):
        return
    private_folder(path.parent)
    create_private_file(path)  # before the handler opens it, so it is never created 0644
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def get_logger(module: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{module}")
