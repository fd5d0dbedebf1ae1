"""How people really write a known person's name (synth stage, pure).

In: a person's filed name parts, their name group and sex, a random source.
Out: the name as a requester writes it, under one *variant kind*, and the
tags describing it (truth `name_variant` and `variants`). The kinds are
written from how names are written in the world, not from what any matcher
accepts:

- transliteration: another recorded spelling of a given name or surname
  token (MOHAMMED / MUHAMMAD, CHEUNG / ZHANG, SERGEI / SERHIY);
- typo_given, typo_surname: one slip of the keyboard or the ear: a letter
  dropped (SMTH), doubled or inserted (RIIVERA), replaced by a neighbouring
  key (JORE for JOSE) or two letters swapped (MRAIA);
- particle: a surname particle glued (DELACRUZ), split (DELA CRUZ ->
  DE LA CRUZ), dropped (CRUZ) or hyphenated (DE LA-CRUZ);
- order_swap: given name and surname exchanged (common for names written
  family name first), sometimes with the swapped names spelled differently;
- compound_given: a two-part given name reduced to either part or the
  diminutive of a part (MARIA GUADALUPE -> GUADALUPE or LUPE);
- anglicised: the English name the person goes by (JESUS -> JESSE; for names
  without one, an English given name outright), with the filed name as an
  alias.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from matchgate.standardise.spellings import family_members, spelling_families
from matchgate.synth import names_pool as npool
from matchgate.synth.namefit import fold

KINDS = (
    "transliteration",
    "typo_given",
    "typo_surname",
    "particle",
    "order_swap",
    "compound_given",
    "anglicised",
)
TYPO_EDITS = ("delete", "insert", "substitute", "transpose")
# Words that introduce a surname in the groups generated here.
_PARTICLES = frozenset(
    {"DE", "LA", "DEL", "DELA", "DELOS", "LOS", "LAS", "VAN", "DER", "VON", "DA", "DOS", "AL",
     "EL", "ABU", "ST", "SAINT"}
)  # fmt: skip
_SPLIT = {"DELA": "DE LA", "DELOS": "DE LOS"}
_KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
_NEIGHBOURS: dict[str, str] = {}
for _r, _row in enumerate(_KEYBOARD_ROWS):
    for _i, _ch in enumerate(_row):
        near = _row[max(_i - 1, 0) : _i] + _row[_i + 1 : _i + 2]
        for _other in (_r - 1, _r + 1):
            if 0 <= _other < len(_KEYBOARD_ROWS):
                near += _KEYBOARD_ROWS[_other][max(_i - 1, 0) : _i + 1]
        _NEIGHBOURS[_ch] = near
# Sound-alike letters a name is misheard or re-spelled with.
_SOUNDALIKE = {
    "C": "KS", "K": "C", "S": "CZ", "Z": "S", "I": "EY", "Y": "I", "E": "IA", "A": "E",
    "O": "U", "U": "O", "V": "B", "B": "V", "F": "P", "M": "N", "N": "M",
}  # fmt: skip
_ENGLISH_SOURCE_GROUPS = frozenset({npool.VIETNAMESE, npool.KOREAN, npool.CHINESE})


class Written:
    """A name as written under one variant kind."""

    __slots__ = ("aliases", "first", "kind", "last", "middle")

    def __init__(self, kind: str, first: str, middle: str, last: str, aliases: str = "") -> None:
        self.kind, self.first, self.middle, self.last, self.aliases = (
            kind,
            first,
            middle,
            last,
            aliases,
        )


def typo(name: str, edit: str, rng: random.Random) -> str | None:
    """One edit of `edit` kind in a name of three letters or more (None if impossible)."""
    letters = [i for i, ch in enumerate(name) if ch.isalpha()]
    if len(letters) < 3:
        return None
    if edit == "delete":
        i = rng.choice(letters[1:])
        return name[:i] + name[i + 1 :]
    if edit == "insert":
        i = rng.choice(letters)
        added = name[i] if rng.random() < 0.6 else rng.choice(_NEIGHBOURS.get(name[i], "E"))
        return name[: i + 1] + added + name[i + 1 :]
    if edit == "substitute":
        i = rng.choice(letters[1:])
        pool = _SOUNDALIKE.get(name[i], "") if rng.random() < 0.4 else ""
        pool = pool or _NEIGHBOURS.get(name[i], "")
        options = [c for c in pool if c != name[i]]
        return name[:i] + rng.choice(options) + name[i + 1 :] if options else None
    pairs = [i for i in letters[1:-1] if i + 1 in letters and name[i] != name[i + 1]]
    if not pairs:
        return None
    i = rng.choice(pairs)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def _respell_token(token: str, rng: random.Random) -> str | None:
    options = [
        m for fam in spelling_families(fold(token)) for m in family_members(fam) if m != fold(token)
    ]
    return rng.choice(sorted(set(options))) if options else None


def _respell(text: str, rng: random.Random) -> str | None:
    """Respell one token of a name (tokens split at spaces and hyphens; separators kept)."""
    parts = text.replace("-", " - ").split()
    spots = [
        i
        for i, p in enumerate(parts)
        if p != "-" and any(len(family_members(f)) > 1 for f in spelling_families(fold(p)))
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    parts[i] = _respell_token(parts[i], rng) or parts[i]
    return " ".join(parts).replace(" - ", "-")


def _particle(last: str, rng: random.Random) -> tuple[str, str] | None:
    words = fold(last.replace("-", " ")).split()
    spots = [i for i, w in enumerate(words[:-1]) if w in _PARTICLES]
    if not spots:
        return None
    start = spots[0]
    end = start
    while end + 1 < len(words) - 1 and words[end + 1] in _PARTICLES:
        end += 1
    head, particles, rest = words[:start], words[start : end + 1], words[end + 1 :]
    ops = ["glued", "dropped", "hyphenated"]
    if any(p in _SPLIT for p in particles):
        ops.append("split")
    op = rng.choice(ops)
    if op == "glued":
        unit = ["".join(particles) + rest[0], *rest[1:]]
    elif op == "dropped":
        unit = rest
    elif op == "hyphenated":
        unit = ["-".join([*particles, rest[0]]), *rest[1:]]
    else:
        unit = [" ".join(_SPLIT.get(p, p) for p in particles), *rest]
    return " ".join([*head, *unit]), op


def _english_given(sex: str, rng: random.Random) -> str:
    return rng.choice(npool.ANGLO_MALE if sex == "M" else npool.ANGLO_FEMALE)


def write_variant(
    first: str,
    middle: str,
    last: str,
    group: int,
    sex: str,
    rng: random.Random,
    tags: list[str],
) -> Written | None:
    """The filed name written under one variant kind that applies to it (None if none does)."""
    f_first, f_last = fold(first), fold(last)
    builders: list[tuple[float, Callable[[], Written | None]]] = []

    def translit() -> Written | None:
        on_given = rng.random() < 0.5
        changed = _respell(f_first if on_given else f_last, rng)
        if changed is None:
            changed = _respell(f_last if on_given else f_first, rng)
            on_given = not on_given
        if changed is None:
            return None
        tags.append("transliteration_given" if on_given else "transliteration_surname")
        if on_given:
            return Written("transliteration", changed, middle, last)
        return Written("transliteration", first, middle, changed)

    def typo_in(part: str) -> Written | None:
        edit = rng.choice(TYPO_EDITS)
        target = f_first if part == "given" else f_last
        tokens = target.split()
        i = rng.randrange(len(tokens))
        changed = typo(tokens[i], edit, rng)
        if changed is None:
            return None
        tokens[i] = changed
        tags.append(f"typo_{edit}")
        text = " ".join(tokens)
        if part == "given":
            return Written("typo_given", text, middle, last)
        return Written("typo_surname", first, middle, text)

    def particle() -> Written | None:
        done = _particle(last, rng)
        if done is None:
            return None
        tags.append(f"particle_{done[1]}")
        return Written("particle", first, middle, done[0])

    def swap() -> Written | None:
        given, surname = first, last
        if rng.random() < 0.25:
            given = _respell(fold(first), rng) or first
            surname = _respell(fold(last), rng) or last
            if (given, surname) != (first, last):
                tags.append("swapped_and_respelled")
        tags.append("name_swapped")
        return Written("order_swap", surname, "", given)

    def compound() -> Written | None:
        # Two given names filed apart (MARIA GUADALUPE); a hyphenated Korean given
        # name (JI-WOO) is one name and is never cut in two.
        parts = fold(first.replace("-", "")).split()
        if len(parts) < 2:
            return None
        part = rng.choice(parts)
        short = npool.NICKNAMES.get(part)
        if short and rng.random() < 0.4:
            tags.append("compound_diminutive")
            return Written("compound_given", rng.choice(short), "", last)
        tags.append("compound_first_part" if part == parts[0] else "compound_second_part")
        return Written("compound_given", part, "", last)

    def anglicised() -> Written | None:
        token = f_first.split()[0]
        english = npool.ANGLICISED.get(token)
        if english is None and group in _ENGLISH_SOURCE_GROUPS:
            english = _english_given(sex, rng)
        if english is None:
            return None
        # The kind is the English name *with the filed name as an alias* (the issue's
        # JESUS -> JESSE, JOSE -> JOSEPH): an English form written alone is the
        # nickname noise every genuine request may carry (synth.noise).
        tags.append("filed_name_as_alias")
        return Written("anglicised", english, "", last, f"{first} {last}")

    swap_weight = 3.0 if group in npool.FAMILY_NAME_FIRST else 1.0
    # Kinds that apply to few names (a particle, a compound given name, a recorded
    # other spelling) weigh more, so that each is written often enough to measure.
    builders = [
        (6.0, translit),
        (2.0, lambda: typo_in("given")),
        (2.0, lambda: typo_in("surname")),
        (12.0, particle),
        (swap_weight, swap),
        (12.0, compound),
        (2.0, anglicised),
    ]
    while builders:
        weights = [w for w, _ in builders]
        pick = rng.choices(range(len(builders)), weights=weights)[0]
        written = builders.pop(pick)[1]()
        if written is not None:
            return written
    return None
