""" "For you" ranking, likeness to a tag, and similar papers, learnt from the user's own say.

Offline and private: everything is computed here from the library in memory.

Features are tf-idf over title and abstract words (sublinear tf, smoothed idf, unit
length), plus `author:`, `org:` and `cat:` tokens when a source named them. Terms found in
one paper only, and words in more than half of the papers, are dropped: neither can tell
papers apart. The vectors are built once per catalogue (`Features`) and kept as postings
(term -> papers), so scoring touches only the papers that share a model term.

The model is a Rocchio scorer rather than scikit-learn's linear SVM (what
arxiv-sanity-lite uses): the weighted centroid of the papers the user liked, minus a
share of the centroid of those they disliked, cut to its `MODEL_TERMS` strongest terms.
With the ten or so examples a reader gives, the cut matters most: a term shared by
several liked papers outweighs the words each has alone. In benchmarks/bench_ranking.py
this ranks better than arxiv-sanity's SVM (AUC 0.88/0.86 against 0.79/0.75 at 1k/10k),
needs no numpy/scipy (scikit-learn adds ~275 MB and 1.7 s of import time), and is
recomputed in milliseconds because only papers sharing a model term are scored.
(Subtracting the library's centroid, the SVM's "everything else is a weak negative",
lowered the AUC there, so it is not done.)

Models are cached in memory keyed on the content of the annotations they were learnt
from (not their timestamps), so they are recomputed only when what the user said changes.
"""

from __future__ import annotations

import math
import re
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from readlist.models import Annotation, Paper

MIN_POSITIVE = 2
"""Papers with a positive signal needed before "for you" is a ranking, not a guess."""
NOT_ENOUGH = "rate or tag a few papers to get a ranking"
KEEP_TAGS = frozenset({"keep", "to-read", "toread", "later"})
"""Tags that mean "I want this" (a stronger signal than any other tag)."""
MODEL_TERMS = 50
"""Terms of a model that are scored (the strongest by weight)."""
QUERY_TERMS = 40
"""Terms of a paper used to find papers similar to it."""
NEGATIVE_SHARE = 0.6
DISMISSED = -0.5
"""The signal of a dismissed paper with nothing else said (a rating of 2 is -1.0)."""
_MAX_DF_SHARE = 0.5
_MAX_CACHE = 8

_WORD = re.compile(r"[a-z][a-z0-9]+(?:[-+][a-z0-9]+)*")
_STOP = frozenset(
    """
    about above after again against all also although among and any are because been before
    being below between both but can could did does doing down during each either few for
    from further had has have having her here hers him his how however into its itself just
    more most much must not now off once only other our ours out over own same she should
    since some such than that the their theirs them then there these they this those though
    through thus too under until upon very via was were what when where whether which while
    who whom why will with within without would yet you your use used using based propose
    proposed show shows paper approach method methods results new novel work
    """.split()  # noqa: SIM905 - a word list reads better as text
)


def tokens(paper: Paper) -> list[str]:
    """The features of one paper: words of title (twice: it says what matters) and abstract."""
    text = f"{paper.title} {paper.title} {paper.abstract}".lower()
    words = [w for w in _WORD.findall(text) if len(w) > 2 and w not in _STOP]
    words += [f"author:{a.casefold()}" for a in paper.authors]
    words += [f"cat:{c.casefold()}" for c in paper.categories]
    if paper.organization:
        words.append(f"org:{paper.organization.casefold()}")
    return words


def signal(annotation: Annotation) -> float:
    """How strongly an annotation says "more like this" (> 0) or "not this" (< 0).

    A dismissal (triage's `d`) is a weak "not this": weaker than a rating of 2, since a
    paper is dismissed at a glance, and only while nothing explicit says otherwise: a
    dismissed paper later rated 3 or more, tagged or noted counts by those. Its read mark
    (a dismissed paper is done with) is no "more like this".
    """
    if annotation.rating and annotation.rating <= 2:
        return -1.5 if annotation.rating == 1 else -1.0
    weight = 0.0
    if annotation.rating >= 4:
        weight += 1.0 if annotation.rating == 4 else 1.5
    if any(t.casefold() in KEEP_TAGS for t in annotation.tags):
        weight += 1.0
    elif annotation.tags:
        weight += 0.5
    if annotation.note.strip():
        weight += 0.5
    if annotation.dismissed:
        return weight if weight or annotation.rating else DISMISSED
    if annotation.read:
        weight += 0.3
    return weight


@dataclass(frozen=True, slots=True)
class Ranking:
    """Scores of the papers a model reaches (others score 0), and everything in order."""

    scores: dict[int, float]
    order: list[int]
    """Every position: by score, highest first; ties (and unscored papers) in `fallback`."""


@dataclass(frozen=True, slots=True)
class Neighbour:
    position: int
    score: float
    """Cosine similarity, 0..1."""
    terms: tuple[str, ...]
    """The shared terms that count most, strongest first."""


class Stopped(Exception):
    """The ranker was stopped while building its features (see `Ranker.stop`)."""


class Features:
    """Unit-length tf-idf vectors of a catalogue, by paper and by term (postings).

    Both sides are flat arrays with offsets (compressed sparse rows), so that a cache
    file (`readlist.rankcache`) is read back with a few `array.frombytes` rather than
    one array per paper and per term: ~0.3 s instead of a ~30 s build at 100k papers.
    Term ids number the kept terms only.
    """

    def __init__(
        self,
        terms: list[str],
        doc_offsets: array[int],
        doc_terms: array[int],
        doc_weights: array[float],
        post_offsets: array[int],
        post_docs: array[int],
        post_weights: array[float],
    ) -> None:
        self.n = len(doc_offsets) - 1
        self.terms = terms
        self.doc_offsets, self.doc_terms, self.doc_weights = doc_offsets, doc_terms, doc_weights
        self.post_offsets, self.post_docs, self.post_weights = (
            post_offsets,
            post_docs,
            post_weights,
        )

    @classmethod
    def build(cls, papers: Sequence[Paper], stop: threading.Event | None = None) -> Features:
        """The features of `papers`; raises `Stopped` soon after `stop` is set."""
        n = len(papers)
        vocabulary: dict[str, int] = {}
        counts: list[Counter[int]] = []
        df: Counter[int] = Counter()
        for paper in papers:
            if stop is not None and stop.is_set():
                raise Stopped
            words = Counter(tokens(paper))
            ids = Counter({vocabulary.setdefault(w, len(vocabulary)): c for w, c in words.items()})
            counts.append(ids)
            df.update(ids.keys())
        max_df = max(2, int(n * _MAX_DF_SHARE))
        kept = sorted(t for t, d in df.items() if 2 <= d <= max_df) if n > 2 else sorted(df)
        renumber = {t: k for k, t in enumerate(kept)}
        words_of = [""] * len(vocabulary)
        for word, t in vocabulary.items():
            words_of[t] = word
        idf = [math.log((n + 1) / (df[t] + 1)) + 1.0 for t in kept]
        doc_offsets, doc_terms, doc_weights = array("q", [0]), array("i"), array("f")
        # Arrays, not lists: 10 million boxed ints and floats at 100k would be ~0.7 GB.
        post_docs_of = [array("i") for _ in kept]
        post_weights_of = [array("f") for _ in kept]
        for i, bag in enumerate(counts):
            if stop is not None and stop.is_set():
                raise Stopped
            weights = {
                k: (1.0 + math.log(c)) * idf[k]
                for t, c in bag.items()
                if (k := renumber.get(t)) is not None
            }
            norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
            for k, w in weights.items():
                w /= norm
                doc_terms.append(k)
                doc_weights.append(w)
                post_docs_of[k].append(i)
                post_weights_of[k].append(w)
            doc_offsets.append(len(doc_terms))
        post_offsets, post_docs, post_weights = array("q", [0]), array("i"), array("f")
        for docs, weights_list in zip(post_docs_of, post_weights_of, strict=True):
            post_docs.extend(docs)
            post_weights.extend(weights_list)
            post_offsets.append(len(post_docs))
        terms = [words_of[t] for t in kept]
        return cls(
            terms, doc_offsets, doc_terms, doc_weights, post_offsets, post_docs, post_weights
        )

    def doc(self, position: int) -> tuple[array[int], array[float]]:
        """The terms and weights of one paper's vector."""
        start, end = self.doc_offsets[position], self.doc_offsets[position + 1]
        return self.doc_terms[start:end], self.doc_weights[start:end]

    def vector(self, position: int) -> dict[int, float]:
        return dict(zip(*self.doc(position), strict=True))

    def score(self, weights: Mapping[int, float]) -> dict[int, float]:
        """Dot product of `weights` with every paper sharing one of its terms (papers
        whose products cancel out exactly may be left out: they score 0 either way)."""
        offsets, docs, values = self.post_offsets, self.post_docs, self.post_weights
        postings = sum(offsets[t + 1] - offsets[t] for t in weights)
        if postings > self.n // 4:
            # A model's terms reach most papers (a million postings at 100k): adding
            # into a list by position costs a third of a dict's get-and-set per posting.
            dense = [0.0] * self.n
            for t, w in weights.items():
                start, end = offsets[t], offsets[t + 1]
                for i, x in zip(docs[start:end], values[start:end], strict=True):
                    dense[i] += w * x
            return {i: v for i, v in enumerate(dense) if v}
        scores: dict[int, float] = {}
        get = scores.get
        for t, w in weights.items():
            start, end = offsets[t], offsets[t + 1]
            for i, x in zip(docs[start:end], values[start:end], strict=True):
                scores[i] = get(i, 0.0) + w * x
        return scores


class Ranker:
    """Rankings of one catalogue; features built on first use, models cached by content."""

    def __init__(self, papers: Sequence[Paper], *, cache: Path | None = None) -> None:
        self.papers = papers
        self.cache = cache
        """A file for the features between runs (see `readlist.rankcache`); None: none."""
        self._features: Features | None = None
        self._models: dict[tuple[object, ...], dict[int, float]] = {}
        # Workers of the TUI (ranking, similar papers) may ask for the features at once:
        # they are built once, and the model cache is changed by one thread at a time.
        self._lock = threading.RLock()
        self._stop = threading.Event()

    def stop(self) -> None:
        """Make a build of the features running in another thread give up (`Stopped`).

        A thread cannot be killed, and Python waits for worker threads at exit: without
        this, quitting the TUI during the first build at 100k took the build's 30 s.
        """
        self._stop.set()

    @property
    def features(self) -> Features:
        with self._lock:
            if self._features is None:
                self._features = self._load_or_build()
            return self._features

    def _load_or_build(self) -> Features:
        if self.cache is None:
            return Features.build(self.papers, self._stop)
        from readlist import rankcache

        signature = rankcache.signature(self.papers)
        features = rankcache.read(self.cache, signature)
        if features is None:
            features = Features.build(self.papers, self._stop)
            rankcache.write(self.cache, signature, features)
        return features

    @cached_property
    def position(self) -> dict[str, int]:
        """Paper id -> position (made once: 30-50 ms at 100k papers, at every ranking)."""
        return {p.id: i for i, p in enumerate(self.papers)}

    def examples(self, annotations: Mapping[str, Annotation]) -> dict[int, float]:
        """Position -> signal for every annotated paper of this catalogue that says something."""
        position = self.position
        out: dict[int, float] = {}
        for pid, annotation in annotations.items():
            i = position.get(pid)
            if i is not None and (weight := signal(annotation)):
                out[i] = weight
        return out

    def for_you(
        self, annotations: Mapping[str, Annotation], fallback: Sequence[int]
    ) -> Ranking | None:
        """Papers ranked by the user's interest; None with too little signal (`NOT_ENOUGH`)."""
        examples = self.examples(annotations)
        if sum(1 for w in examples.values() if w > 0) < MIN_POSITIVE:
            return None
        return self._rank(examples, fallback)

    def like_tag(
        self, tag: str, annotations: Mapping[str, Annotation], fallback: Sequence[int]
    ) -> Ranking | None:
        """Papers ranked by likeness to those tagged `tag` (any case); None if there are none."""
        key = tag.casefold()
        position = self.position
        examples = {
            position[pid]: 1.0
            for pid, a in annotations.items()
            if pid in position and any(t.casefold() == key for t in a.tags)
        }
        return self._rank(examples, fallback) if examples else None

    def _rank(self, examples: Mapping[int, float], fallback: Sequence[int]) -> Ranking:
        key = tuple(sorted(examples.items()))
        with self._lock:
            model = self._models.get(key)
            if model is None:
                if len(self._models) >= _MAX_CACHE:
                    self._models.pop(next(iter(self._models)))
                model = self._models[key] = self.train(examples)
        scores = self.features.score(model)
        # The unscored papers keep `fallback`'s order between those scoring above and
        # below zero, and so do scored papers that tie. The scored ones are taken in
        # fallback order and sorted by score alone: the sort is stable (also reversed),
        # and a key of C's dict lookup costs a third of a Python key making tuples.
        order: Sequence[int] = fallback
        if len(fallback) != len(self.papers):  # positions the fallback leaves out go last
            seen = set(fallback)
            order = [*fallback, *(i for i in range(len(self.papers)) if i not in seen)]
        ranked = [i for i in order if i in scores]
        ranked.sort(key=scores.__getitem__, reverse=True)

        def lower(i: int) -> float:
            return -scores[i]

        # Highest first: those above zero, then any scoring exactly zero, then below.
        zero, below = bisect_left(ranked, 0.0, key=lower), bisect_right(ranked, 0.0, key=lower)
        ties = set(ranked[zero:below])
        rest = [i for i in order if i not in scores or i in ties]
        return Ranking(scores, ranked[:zero] + rest + ranked[below:])

    def train(self, examples: Mapping[int, float]) -> dict[int, float]:
        """The Rocchio weights (term -> weight) of the `MODEL_TERMS` strongest terms."""
        features = self.features
        positive = {i: w for i, w in examples.items() if w > 0}
        negative = {i: -w for i, w in examples.items() if w < 0}
        weights: dict[int, float] = {}
        for group, share in ((positive, 1.0), (negative, -NEGATIVE_SHARE)):
            total = sum(group.values())
            for i, w in group.items():
                for t, x in zip(*features.doc(i), strict=True):
                    weights[t] = weights.get(t, 0.0) + share * w * x / total
        strongest = sorted(weights.items(), key=lambda tw: -abs(tw[1]))[:MODEL_TERMS]
        return {t: w for t, w in strongest if w}

    def similar(self, position: int, limit: int = 10) -> list[Neighbour]:
        """The papers nearest to the one at `position` (cosine), with the shared terms."""
        features = self.features
        query = features.vector(position)
        strongest = dict(sorted(query.items(), key=lambda tw: -tw[1])[:QUERY_TERMS])
        scores = features.score(strongest)
        scores.pop(position, None)
        best = sorted(scores.items(), key=lambda item: -item[1])[:limit]
        out = []
        for i, score in best:
            other = features.vector(i)
            shared = sorted(
                (t for t in strongest if t in other), key=lambda t: -strongest[t] * other[t]
            )
            out.append(Neighbour(i, score, tuple(features.terms[t] for t in shared[:5])))
        return out


def top_terms(ranker: Ranker, examples: Iterable[int], limit: int = 8) -> list[str]:
    """The words that count most in a model learnt from `examples` (all positive)."""
    model = ranker.train(dict.fromkeys(examples, 1.0))
    best = sorted(model.items(), key=lambda tw: -tw[1])[:limit]
    return [ranker.features.terms[t] for t, w in best if w > 0]
