"""Application logging: ids and counts only, never taxpayer data (REQ-38).

Log lines name batches, decisions, vintages, models, states and counts.
They never carry a name, address, TIN, date of birth or any free text from a
request; exception texts (which may quote input values) are not logged.
The CLI writes them to `matchgate.log` in the workspace.
"""

from __future__ import annotations

import logging
from pathlib import Path

LOGGER_NAME = "matchgate"


def configure_file_logging(path: Path) -> None:
    logger = logging.getLogger(LOGGER_NAME)
    if any(getattr(h, "baseFilename", None) == str(path.resolve()) for h in logger.handlers):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def get_logger(module: str) -> logging.Logger:
    return logging.getLogger(f"{LOGGER_NAME}.{module}")
