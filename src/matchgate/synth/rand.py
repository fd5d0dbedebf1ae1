"""A faster `random.Random` for the generator's hot loops (synth stage, pure).

In: a seed. Out: a `random.Random` whose `randint` and `choice` scale one
`random()` float instead of drawing rejection-sampled bits. A large run
makes millions of such draws; this halves their cost. The bias (below
2**-40 for the small ranges used here) is irrelevant for synthetic data, and
results stay deterministic for a seed.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _typeshed import SupportsLenAndGetItem

T = TypeVar("T")


class FastRandom(random.Random):
    """`random.Random` with float-scaled `randint` and `choice`."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: SupportsLenAndGetItem[T]) -> T:
        if not len(seq):
            raise IndexError("Cannot choose from an empty sequence")
        return seq[int(self.random() * len(seq))]
