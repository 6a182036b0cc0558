"""Sets of papers as Python ints: bit `i` is set when paper `i` is in the set.

AND, OR and NOT of whole result sets are single C-level operations on 12.5 KB integers
at 100,000 papers, and counting is `int.bit_count()`. Shared by `search` and
`textindex` (which therefore do not import each other).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter

_ONE = 49  # ord("1")
_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def bits_of(indices: Iterable[int], n: int) -> int:
    """The bitset with the given bits set."""
    idx = indices if isinstance(indices, list) else list(indices)
    if len(idx) < 64:
        bits = 0
        for i in idx:
            bits |= 1 << i
        return bits
    digits = bytearray(b"0") * n
    top = n - 1
    for i in idx:
        digits[top - i] = _ONE
    return int(digits, 2)


def mask_of(bits: int, n: int) -> bytes:
    """`mask[i] == 49` (b"1") exactly when bit i is set; for filtering ordered lists."""
    return format(bits, "b").zfill(n)[::-1].encode("ascii") if n else b""


def indices_of(bits: int, n: int) -> list[int]:
    """The set bits of `bits`, ascending."""
    if not bits:
        return []
    mask = mask_of(bits, n)
    out: list[int] = []
    find = mask.find
    i = find(b"1")
    while i >= 0:
        out.append(i)
        i = find(b"1", i + 1)
    return out


def flags_of(mask: bytes) -> bytes:
    """`mask` (see `mask_of`) as bytes 0 and 1, for `itertools.compress`."""
    return mask.translate(_FLAGS)


def pick(order: Sequence[int], flags: bytes) -> list[int]:
    """The positions of `order` whose flag (see `flags_of`) is 1, in `order`'s order.

    Both loops run in C (`itemgetter` reads every flag, `compress` keeps the set
    ones): ~2.6 ms for 100,000 positions, against ~3.7 ms (and 2-5x that on a loaded
    machine) for the list comprehension it replaces.
    """
    if len(order) < 2:
        return [i for i in order if flags[i]]
    return list(compress(order, itemgetter(*order)(flags)))
