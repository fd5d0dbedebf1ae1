"""The Spark engine (`--engine spark`, the `[spark]` extra): the only modules importing pyspark."""
