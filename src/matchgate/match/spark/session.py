"""The Spark engine's session: created on first use, stopped on exit, nothing left behind.

In: `SparkOptions` (master URL, shuffle partitions, driver memory) and the
workspace folder. Out: one `SparkSession` configured as Splink's SparkAPI
needs it, and a scratch folder of the session's own in the workspace
(checkpoints and Spark's local spill), 0700, removed when the session stops.

What the configuration is for:
- `spark.jars`: Splink's similarity UDF jar from Splink's own wheel
  (`similarity_jar_location()`), set before the session starts (added later,
  Jaro-Winkler fails with UNRESOLVED_ROUTINE); nothing is downloaded;
- loopback driver, UI off: a workspace is air-gapped and serves no pages;
- `spark.sql.shuffle.partitions` small on one machine (Spark's default 200
  makes a local run slow); set it to a few per executor core on a cluster;
- files written 0600 in 0700 folders (REQ-37): the JVM is started under
  `files.private_umask()` and Hadoop's own umask is 077;
- the executors' Python is this interpreter, so `mapInArrow` runs
  matchgate's standardisation functions where the driver does.

The session is stopped, its JVM ended and its scratch folder removed by
`stop()`, which also runs at interpreter exit: no process outlives the
command that started it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import SparkSession
from splink.backends.spark import similarity_jar_location

from matchgate.files import private_folder, private_umask
from matchgate.logs import get_logger

_log = get_logger("match.spark")

_SCRATCH_PREFIX = ".spark-"


@dataclass(frozen=True)
class SparkOptions:
    """What an operator sets for the Spark engine (MATCHGATE_SPARK_*)."""

    master: str = "local[2]"
    shuffle_partitions: int = 4
    driver_memory: str | None = None


class SparkSessions:
    """The one Spark session of a process, over one workspace, opened lazily."""

    def __init__(self, home: Path, options: SparkOptions) -> None:
        self.home = home
        self.options = options
        self._session: SparkSession | None = None
        self._scratch: Path | None = None

    @property
    def scratch(self) -> Path:
        """The session's scratch folder in the workspace (checkpoints, local spill)."""
        self.session()
        assert self._scratch is not None
        return self._scratch

    def session(self) -> SparkSession:
        if self._session is None:
            self._session = self._start()
            atexit.register(self.stop)
        return self._session

    def _start(self) -> SparkSession:
        for abandoned in self.home.glob(f"{_SCRATCH_PREFIX}*"):
            shutil.rmtree(abandoned, ignore_errors=True)
        scratch = self.home / f"{_SCRATCH_PREFIX}{os.getpid()}"
        private_folder(self.home)
        private_folder(scratch)
        self._scratch = scratch
        conf: dict[str, Any] = {
            "spark.jars": similarity_jar_location(),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": str(self.options.shuffle_partitions),
            "spark.default.parallelism": str(self.options.shuffle_partitions),
            "spark.local.dir": str(scratch / "local"),
            "spark.sql.warehouse.dir": str(scratch / "warehouse"),
            "spark.hadoop.fs.permissions.umask-mode": "077",
            "spark.sql.session.timeZone": "UTC",
            "spark.pyspark.python": sys.executable,
            "spark.pyspark.driver.python": sys.executable,
            # Arrow between the JVM and Python both ways; small strings stay small.
            "spark.sql.execution.arrow.pyspark.enabled": "true",
            "spark.sql.execution.arrow.useLargeVarTypes": "false",
        }
        if self.options.driver_memory:
            conf["spark.driver.memory"] = self.options.driver_memory
        builder = SparkSession.builder.master(self.options.master).appName("matchgate")
        for key, value in conf.items():
            builder = builder.config(key, value)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        # The JVM inherits the umask it is started with: everything it writes is private.
        with private_umask():
            session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
        return session

    def stop(self) -> None:
        """Stop the session, end its JVM and remove the scratch folder (idempotent)."""
        session, self._session = self._session, None
        if session is not None:
            atexit.unregister(self.stop)
            try:
                session.stop()
            finally:
                _end_gateway()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None


def _end_gateway() -> None:
    """End the JVM pyspark started for this process (a stopped session leaves it running)."""
    from pyspark import SparkContext

    gateway = getattr(SparkContext, "_gateway", None)
    if gateway is None:
        return
    process = getattr(gateway, "proc", None)
    try:
        gateway.shutdown()
    except Exception:  # the JVM may already be gone
        _log.debug("the Spark gateway was already shut down")
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except Exception:
            process.kill()
    SparkContext._gateway = None
    SparkContext._jvm = None
