"""Synthetic master files and request batches with ground truth.

`generate(SynthConfig(...))` builds the data in memory (pure, deterministic
for a seed); `write(data, out_dir)` puts the FORMATS.md files and truth.csv
on disk. See `generator` for the truth columns and `cases` for the
categories.
"""

from matchgate.synth.generator import SynthConfig, SynthData, generate
from matchgate.synth.writer import write

__all__ = ["SynthConfig", "SynthData", "generate", "write"]
