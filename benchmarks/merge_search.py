"""Brute-force search for counterexamples to the note merge's promises (not a test).

`merge_notes(base, ours, theirs)` (readlist/tui/editing.py) is checked on every triple of
strings over a small alphabet up to `--length` characters each, and on `--random` random
triples of longer notes made of words and edited as people edit (words and letters
typed, deleted, replaced), for:

- P1, the length bound: never longer than ours + theirs + the marker + a line break per
  conflict;
- P2, nothing added is lost: each maximal run of characters that ours or theirs inserted
  relative to base is in the result (edge whitespace aside, as kept text is stripped),
  by one of the alignments of each side at least (see `alignments`: they may read a
  change differently, and one reading that loses nothing is enough); or, where a
  conflict keeps their version without the words it shares with ours at its edges
  ("dog dog" against our "dog": "dog" kept), word for word;
- P3, added words stay whole: each word of ours or theirs that is not a word of base is in
  the result in one piece (in the text or under the marker). Reported apart: triples where
  both sides only inserted, both into (or letters onto) one word of base: both are kept,
  never a conflict (two people typing), so one side's word may be split by design;
- P4, merge(base, x, base) == merge(base, base, x) == x;
- P5, merge(base, x, x) == x.

Usage: nice -n 10 python benchmarks/merge_search.py [--length 4] [--random 100000] [--code OLD.py]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from difflib import SequenceMatcher
from functools import cache

from readlist.tui.editing import CONFLICT_MARKER, Merged, merge_notes

WORD = re.compile(r"\w+")
SIGN = re.compile(r"\w+|[^\w\s]")
TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


Alignment = list[tuple[int, int, str]]  # base[i1:i2] becomes the text, in order


def _opcodes(
    old: str | list[str], new: str | list[str], junk: Callable[[str], bool] | None = None
) -> list[tuple[str, int, int, int, int]]:
    matcher = SequenceMatcher(junk, old, new, autojunk=False)
    return [op for op in matcher.get_opcodes() if op[0] != "equal"]


@cache
def alignments(base: str, text: str) -> tuple[Alignment, ...]:
    """Ways to read `text` as changes of `base` (one may lose what another keeps, as
    "b" to "xbxxbxb" is "x" + "b" + "xxbxb" or "xbxxbx" + "b"): difflib's character diff;
    the middle that differs (common start and end aside); and words and spaces diffed
    after their common start and end (spaces matched anywhere, or only beside matching
    words), a changed run of tokens diffed by characters within, or narrowed to the
    middle that differs."""
    by_chars = [(i1, i2, text[j1:j2]) for _, i1, i2, j1, j2 in _opcodes(base, text)]
    prefix = 0
    while prefix < min(len(base), len(text)) and base[prefix] == text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(base), len(text)) - prefix and base[-1 - suffix] == text[-1 - suffix]:
        suffix += 1
    middle = [(prefix, len(base) - suffix, text[prefix : len(text) - suffix])]
    a, b = TOKEN.findall(base), TOKEN.findall(text)
    first = 0
    while first < min(len(a), len(b)) and a[first] == b[first]:
        first += 1
    last = 0
    while last < min(len(a), len(b)) - first and a[-1 - last] == b[-1 - last]:
        last += 1
    offsets = list(itertools.accumulate(map(len, a), initial=0))
    found = [by_chars, middle]
    for junk in (None, str.isspace):  # spaces matched anywhere, or only beside words
        by_tokens: Alignment = []
        narrowed: Alignment = []
        for _, i1, i2, j1, j2 in _opcodes(a[first : len(a) - last], b[first : len(b) - last], junk):
            start, end = offsets[first + i1], offsets[first + i2]
            old, new = base[start:end], "".join(b[first + j1 : first + j2])
            if old and new:
                by_tokens += [
                    (start + c1, start + c2, new[d1:d2]) for _, c1, c2, d1, d2 in _opcodes(old, new)
                ]
            else:
                by_tokens.append((start, end, new))
            p = 0
            while p < min(len(old), len(new)) and old[p] == new[p]:
                p += 1
            q = 0
            while q < min(len(old), len(new)) - p and old[-1 - q] == new[-1 - q]:
                q += 1
            narrowed.append((start + p, end - q, new[p : len(new) - q]))
        found += [by_tokens, narrowed]
    return tuple(found)


@cache
def added_runs(base: str, text: str) -> tuple[tuple[str, ...], ...]:
    """Per alignment, the runs of `text` it adds to `base`, edge whitespace aside."""
    return tuple(
        tuple(run.strip() for _, _, run in alignment if run.strip())
        for alignment in alignments(base, text)
    )


def piece_by_piece(run: str, merged: str) -> bool:
    """Each word and sign of `run` is in `merged`, as often as in `run`."""
    pieces = Counter(SIGN.findall(run))
    return all(merged.count(piece) >= count for piece, count in pieces.items())


@cache
def added_words(base: str, text: str) -> tuple[str, ...]:
    known = set(WORD.findall(base))
    return tuple(w for w in set(WORD.findall(text)) if w not in known)


@cache
def typed_into_words(base: str, text: str) -> frozenset[tuple[int, int]]:
    """The words of base (spans) that `text` inserts into (inside, or letters onto its
    edge), by any of the alignments."""
    spans = set()
    for alignment in alignments(base, text):
        for point, end, inserted in alignment:
            if point != end or not inserted:
                continue
            before = point > 0 and base[point - 1].isalnum()
            after = point < len(base) and base[point].isalnum()
            if (
                (before and after)
                or (before and inserted[0].isalnum())
                or (after and inserted[-1].isalnum())
            ):
                start, stop = point, point
                while start > 0 and base[start - 1].isalnum():
                    start -= 1
                while stop < len(base) and base[stop].isalnum():
                    stop += 1
                spans.add((start, stop))
    return frozenset(spans)


def check(base: str, ours: str, theirs: str) -> list[str]:
    """The properties P1-P3 that the merge of this triple breaks."""
    merged = merge_notes(base, ours, theirs)
    broken = []
    bound = len(ours) + len(theirs) + len(CONFLICT_MARKER) + merged.conflicts
    if len(merged.text) > bound:
        broken.append("P1")
    for x in (ours, theirs):
        alignments = added_runs(base, x)
        if not any(
            all(run in merged.text or piece_by_piece(run, merged.text) for run in runs)
            for runs in alignments
        ):
            broken.append("P2")
            break
    if any(w not in merged.text for x in (ours, theirs) for w in added_words(base, x)):
        if typed_into_words(base, ours) & typed_into_words(base, theirs):
            broken.append("P3 (both typed into one word)")
        else:
            broken.append("P3")
    return broken


def same(merged: Merged, want: Merged) -> bool:
    """Equal as merges (`--code` merges are another module's `Merged`)."""
    return (merged.text, merged.conflicts) == (want.text, want.conflicts)


def check_pair(base: str, text: str) -> list[str]:
    """P4 and P5 for one edit `text` of `base`."""
    broken = []
    want = Merged(text)
    if not same(merge_notes(base, text, base), want) or not same(
        merge_notes(base, base, text), want
    ):
        broken.append("P4")
    if not same(merge_notes(base, text, text), want):
        broken.append("P5")
    return broken


def strings(alphabet: str, length: int) -> list[str]:
    return [
        "".join(chars) for n in range(length + 1) for chars in itertools.product(alphabet, repeat=n)
    ]


VOCABULARY = ["a", "b", "ab", "ba", "aab", "kw1", "kw12", "kw2", "the", "cat", "x"]


def edit(rng: random.Random, text: str) -> str:
    """`text` edited as a person edits: a few words or letters typed, deleted, replaced."""
    for _ in range(rng.randint(1, 3)):
        at = rng.randint(0, len(text))
        what = rng.choice(["word", "letters", "delete", "replace"])
        if what == "word":
            text = text[:at] + rng.choice(" \n") + rng.choice(VOCABULARY) + text[at:]
        elif what == "letters":
            text = text[:at] + "".join(rng.choices("abxy", k=rng.randint(1, 3))) + text[at:]
        elif what == "delete":
            text = text[:at] + text[at + rng.randint(1, 4) :]
        else:
            words = " ".join(rng.choices(VOCABULARY, k=rng.randint(1, 3)))
            text = text[:at] + words + text[at + rng.randint(1, 5) :]
    return text


def random_triples(seed: int, count: int) -> Iterator[tuple[str, str, str]]:
    rng = random.Random(seed)
    for _ in range(count):
        base = "".join(
            rng.choice(VOCABULARY) + rng.choice("  \n") for _ in range(rng.randint(0, 5))
        )
        ours = edit(rng, base)
        theirs = edit(rng, base) if rng.random() < 0.8 else edit(rng, ours)
        yield base, ours, theirs


def run(name: str, triples: Iterable[tuple[str, str, str]], show: int) -> None:
    started = time.process_time()
    counts: Counter[str] = Counter()
    examples: dict[str, list[tuple[str, str, str]]] = {}
    total = 0
    for triple in triples:
        total += 1
        for prop in check(*triple):
            counts[prop] += 1
            examples.setdefault(prop, []).append(triple)
    print(f"{name}: {total:,} triples, {time.process_time() - started:.0f} s CPU")
    for prop in sorted(counts):
        print(f"  {prop}: {counts[prop]:,}")
        shortest = sorted(examples[prop], key=lambda t: (sum(map(len, t)), t))[:show]
        for base, ours, theirs in shortest:
            merged = merge_notes(base, ours, theirs)
            print(f"    {base!r}, {ours!r}, {theirs!r} -> {merged.text!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=4, help="longest enumerated string")
    parser.add_argument("--alphabet", default="ab ")
    parser.add_argument("--random", type=int, default=100_000, help="random word triples")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--show", type=int, default=8, help="examples shown per property")
    parser.add_argument("--code", help="a copy of editing.py to check instead (old code)")
    args = parser.parse_args()
    if args.code:
        spec = importlib.util.spec_from_file_location("editing_copy", args.code)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["editing_copy"] = module
        spec.loader.exec_module(module)
        globals()["merge_notes"] = module.merge_notes
    every = strings(args.alphabet, args.length)
    pairs = Counter(prop for base in every for text in every for prop in check_pair(base, text))
    print(f"pairs: {len(every) ** 2:,}, P4 broken {pairs['P4']}, P5 broken {pairs['P5']}")
    run(
        f"all triples over {args.alphabet!r} up to {args.length}",
        itertools.product(every, repeat=3),
        args.show,
    )
    if args.random:
        run(
            f"random word triples (seed {args.seed})",
            random_triples(args.seed, args.random),
            args.show,
        )


if __name__ == "__main__":
    main()
