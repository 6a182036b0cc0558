"""Synthetic "Daily Papers" listings of any size, in the format readlist imports.

The output looks like a real pasted page (see ``readlist/samples``): page furniture at
the top, then per paper a one-line title, a blank line, a one-line abstract, a blank
line and, for about 70% of papers, a metadata block::

      • 65 authors
    ·
    Apr 19, 2023 12

Abstracts come from a word-bigram Markov chain trained on the sample abstracts, with ~2%
of words replaced by rare tokens (model names, numbers, links) drawn from a long-tailed
distribution, so the vocabulary has a realistic tail instead of ~5,000 repeated words.
Titles come from a chain trained on the sample titles, often behind a made-up system
name ("FooNet: ..."), and are unique by readlist's identity rule (the normalized title).

Output is deterministic for ``(n, seed)`` and cached under ``benchmarks/out/``:

    python benchmarks/generate.py 100000 /tmp/listing.txt
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from readlist.models import identity_key

# Bump when the output for a given (n, seed) changes, so stale cached files are not reused.
FORMAT_VERSION = 2
OUT_DIR = Path(__file__).resolve().parent / "out"

PAGE_HEADER = (
    "new",
    "Get trending papers in your email inbox!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
    "Apr 23",
)
META_SHARE = 0.70  # papers with a metadata block
UPVOTE_SHARE = 0.35  # of those, with an upvote count after the date
NO_YEAR_SHARE = 0.08  # of those, with a date written without its year ("Jan 12")
RARE_SHARE = 0.02  # abstract words replaced by a rare token
NAME_SHARE = 0.55  # titles with a "Name: " prefix
ABSTRACT_CHARS = (800, 2000)  # uniform; ~1,550 on average after the last sentence ends
TITLE_WORDS = (4, 13)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_ABSTRACT_MIN_CHARS = 250  # a sample line this long is an abstract
_SYLLABLES = tuple(c + v for v in "aeiou" for c in "bcdfglmnprstvz")
_SUFFIXES = ("", "", "", "Net", "Former", "LM", "GPT", "-VL", "Bench", "Tune", "RL", "Diff")


@dataclass(frozen=True, slots=True)
class Corpus:
    """Word-bigram chains for abstracts and titles, learnt from the sample listings."""

    abstract_next: dict[str, tuple[str, ...]]
    abstract_starts: tuple[str, ...]
    title_next: dict[str, tuple[str, ...]]
    title_starts: tuple[str, ...]
    title_ends: frozenset[str]


def sample_texts() -> tuple[list[str], list[str]]:
    """(titles, abstracts) of the bundled sample listings, each distinct text once.

    Deliberately does not use readlist's parser, so a broken parser cannot change the
    generated input. An abstract is a long line; its title is the non-blank line before.
    """
    titles: dict[str, None] = {}
    abstracts: dict[str, None] = {}
    samples = resources.files("readlist") / "samples"
    for entry in sorted(samples.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".txt"):
            continue
        previous = ""
        for raw in entry.read_text(encoding="utf-8").splitlines():
            line = raw.strip()
            if not line:
                continue
            if len(line) >= _ABSTRACT_MIN_CHARS:
                abstracts[line] = None
                titles[previous] = None
            previous = line
    return list(titles), list(abstracts)


def _chain(sequences: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """word -> the words that follow it, with repetitions (so frequent pairs weigh more)."""
    following: dict[str, list[str]] = {}
    for words in sequences:
        for a, b in itertools.pairwise(words):
            following.setdefault(a, []).append(b)
    return {word: tuple(nxt) for word, nxt in following.items()}


def build_corpus() -> Corpus:
    """Learn the chains from the sample listings (~50 ms)."""
    titles, abstracts = sample_texts()
    abstract_words = [a.split() for a in abstracts]
    # Sentence starts: capitalised words after a full stop, and every abstract's first word.
    starts = [w[0] for w in abstract_words]
    for words in abstract_words:
        starts += [b for a, b in itertools.pairwise(words) if a.endswith(".")]
    # A "Name: " prefix is generated separately, so train titles on what follows it.
    title_words = [t.split(": ", 1)[-1].split() for t in titles]
    title_words = [w for w in title_words if w]
    return Corpus(
        abstract_next=_chain(abstract_words),
        abstract_starts=tuple(s for s in starts if s[:1].isupper()),
        title_next=_chain(title_words),
        title_starts=tuple(w[0] for w in title_words),
        title_ends=frozenset(w[-1] for w in title_words),
    )


class _Generator:
    """Draws papers from one seeded random stream."""

    def __init__(self, corpus: Corpus, seed: int) -> None:
        self.corpus = corpus
        self.rng = random.Random(seed)
        # A fixed pool of rare names, drawn with a power-law skew: a few recur often,
        # most appear once or twice. Together with fresh numbers this gives a long tail.
        self.rare_pool = [self._name() for _ in range(40_000)]
        self.seen_titles: set[str] = set()

    def _name(self) -> str:
        """A made-up system or model name such as "Dalunet" or "TiVoRa-7B"."""
        rng = self.rng
        parts = [rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))]
        style = rng.random()
        if style < 0.4:
            name = "".join(p.capitalize() for p in parts)
        elif style < 0.6:
            name = "".join(parts).upper()
        else:
            name = "".join(parts).capitalize()
        name += rng.choice(_SUFFIXES)
        if rng.random() < 0.3:
            name += f"-{rng.choice((1, 2, 3, 7, 8, 13, 34, 70))}B"
        return name

    def _rare(self) -> str:
        rng = self.rng
        kind = rng.random()
        if kind < 0.70:
            return self.rare_pool[int(len(self.rare_pool) * rng.random() ** 3)]
        if kind < 0.90:
            return f"{rng.uniform(0, 100):.1f}%"
        if kind < 0.97:
            return f"{rng.randint(1, 999)}k" if rng.random() < 0.5 else str(rng.randint(2, 5000))
        return f"https://github.com/{rng.choice(self.rare_pool).lower()}/{self._name()}"

    def abstract(self) -> str:
        """~1,500 characters of chain text ending at a sentence end."""
        rng = self.rng
        random_ = rng.random
        nxt = self.corpus.abstract_next
        starts = self.corpus.abstract_starts
        target = rng.randint(*ABSTRACT_CHARS)
        word = starts[int(random_() * len(starts))]
        out = [word]
        size = len(word)
        while True:
            if random_() < RARE_SHARE:
                token = self._rare()  # the chain carries on from the word before it
                out.append(token)
                size += len(token) + 1
                continue
            choices = nxt.get(word) or starts  # a dead end starts a new sentence
            word = choices[int(random_() * len(choices))]
            out.append(word)
            size += len(word) + 1
            if size >= target and word.endswith("."):
                break
            if size >= target + 400:  # no sentence end in sight: end this one here
                out[-1] = word.rstrip(",;:") + "."
                break
        return " ".join(out)

    def title(self) -> str:
        """A title whose identity key no earlier title had."""
        while True:
            text = self._title_words()
            if self.rng.random() < NAME_SHARE:
                text = f"{self._name()}: {text}"
            key = identity_key(text)
            if key not in self.seen_titles and len(text) <= 300:
                self.seen_titles.add(key)
                return text

    def _title_words(self) -> str:
        rng = self.rng
        corpus = self.corpus
        word = rng.choice(corpus.title_starts)
        words = [word]
        limit = rng.randint(*TITLE_WORDS)
        while len(words) < limit:
            choices = corpus.title_next.get(word)
            if choices is None or (len(words) >= 4 and word in corpus.title_ends):
                break
            word = rng.choice(choices)
            words.append(word)
        return " ".join(words)

    def metadata(self) -> str | None:
        """The metadata block, or None for a paper listed without one."""
        rng = self.rng
        if rng.random() >= META_SHARE:
            return None
        authors = min(1 + int(rng.expovariate(1 / 6)), 300)
        month = rng.randrange(12)
        day = rng.randint(1, _MONTH_DAYS[month])
        when = f"{MONTHS[month]} {day}"
        if rng.random() >= NO_YEAR_SHARE:
            when += f", {rng.randint(2019, 2025)}"
        if rng.random() < UPVOTE_SHARE:
            when += f" {min(int(rng.paretovariate(1.1)), 1000)}"
        # "1 authors" is how the page writes it.
        return f"  • {authors} authors\n·\n{when}"

    def papers(self, n: int) -> Iterator[str]:
        """The text of `n` papers, each ending with a blank line."""
        for _ in range(n):
            block = f"{self.title()}\n\n{self.abstract()}\n\n"
            meta = self.metadata()
            yield block if meta is None else f"{block}{meta}\n\n"


def cached_path(n: int, seed: int = 0) -> Path:
    """Where the listing for (n, seed) is cached."""
    return OUT_DIR / f"listing-v{FORMAT_VERSION}-n{n}-s{seed}.txt"


def write_listing(path: str | Path, n: int, seed: int = 0, *, use_cache: bool = True) -> Path:
    """Write a synthetic listing of `n` papers to `path`; returns `path`.

    The same (n, seed) always gives the same bytes. With `use_cache`, the file is built
    once under `benchmarks/out/` and copied to `path` afterwards.
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    target = Path(path)
    if not use_cache:
        _generate(target, n, seed)
        return target
    cached = cached_path(n, seed)
    if not cached.exists():
        cached.parent.mkdir(parents=True, exist_ok=True)
        _generate(cached, n, seed)
    if target.resolve() != cached.resolve():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
    return target


def listing_for(n: int, seed: int = 0) -> Path:
    """The cached listing for (n, seed), generated on first use."""
    return write_listing(cached_path(n, seed), n, seed)


def _generate(path: Path, n: int, seed: int) -> None:
    """Generate into a temporary file and rename, so an interrupted run leaves no file."""
    gen = _Generator(build_corpus(), seed)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as out:
            out.write("\n\n".join(PAGE_HEADER) + "\n\n")
            chunk: list[str] = []
            for text in gen.papers(n):
                chunk.append(text)
                if len(chunk) == 2000:
                    out.write("".join(chunk))
                    chunk.clear()
            out.write("".join(chunk))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of papers")
    parser.add_argument("out", type=Path, help="output file")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-cache", action="store_true", help="do not use benchmarks/out/")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    path = write_listing(args.out, args.n, args.seed, use_cache=not args.no_cache)
    size = path.stat().st_size / 1e6
    elapsed = time.perf_counter() - start
    print(f"{path}: {args.n} papers, {size:.1f} MB in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
