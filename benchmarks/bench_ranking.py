"""Benchmark of the "for you" ranking: quality against simulated readers, and speed.

Libraries are built from `generate.py` listings (real-shaped: chain text learnt from the
sample abstracts). A simulated reader's interest is a topic, a handful of words such as
"medical clinical health"; a paper belongs to the topic when its title names one of them
or its abstract does twice. The reader rates `--rated` papers of the topic 4 or 5 and
`--disliked` others 1 or 2; "for you" then ranks the remaining papers, and its
precision@10 and ROC AUC (topic papers are the relevant ones) are compared with newest
first (the default order) and a random order. Each figure is the mean over topics and
`--readers` readers per topic.

With scikit-learn importable, arxiv-sanity-lite's model (TfidfVectorizer + LinearSVC,
the rated-high papers against everything else) is scored on the same readers, with its
import time, for the choice documented in `readlist/ranking.py`.

Speed, at each size: building the features (once per catalogue), writing them to the
cache file and reading them back as a later run does (`readlist/rankcache.py`: the
catalogue's signature plus the read), training + ranking after a new rating (a model not
in the cache), and "similar papers" for one paper.

    python benchmarks/bench_ranking.py [--sizes 1000,10000,100000] [--quality 1000,10000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import listing_for

from readlist import rankcache
from readlist.importers import read_listing
from readlist.library import Library
from readlist.models import Annotation, Paper
from readlist.ranking import Ranker

TODAY = date(2026, 11, 22)
TOPICS: dict[str, tuple[str, ...]] = {
    "vision": ("image", "images", "vision", "visual"),
    "code": ("code", "program", "programs", "programming"),
    "medical": ("medical", "clinical", "health"),
    "agents": ("agent", "agents", "reinforcement"),
    "multilingual": ("multilingual", "translation", "cross-lingual"),
}


def in_topic(paper: Paper, words: tuple[str, ...]) -> bool:
    title = paper.title.lower().split()
    abstract = paper.abstract.lower().split()
    return any(w in title for w in words) or sum(abstract.count(w) for w in words) >= 2


def auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """ROC AUC by ranks (ties count half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mid = (i + j + 1) / 2  # mean 1-based rank of the tie group
        rank_sum += mid * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    pos = sum(labels)
    neg = len(labels) - pos
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg) if pos and neg else float("nan")


def precision_at(order: Sequence[int], relevant: set[int], k: int = 10) -> float:
    return sum(1 for i in order[:k] if i in relevant) / k


def papers_for(n: int) -> list[Paper]:
    return read_listing(listing_for(n), today=TODAY).papers


def reader(
    papers: Sequence[Paper],
    topic: set[int],
    rng: random.Random,
    rated: int,
    disliked: int,
    dismissed: int = 0,
) -> dict[str, Annotation]:
    liked = rng.sample(sorted(topic), rated)
    outside = [i for i in range(len(papers)) if i not in topic]
    others = rng.sample(outside, disliked)
    notes = {papers[i].id: Annotation(rating=rng.choice((4, 5))) for i in liked}
    notes |= {papers[i].id: Annotation(rating=rng.choice((1, 2))) for i in others}
    if dismissed:  # drawn last: without dismissals the readers are those of before
        left = [i for i in outside if papers[i].id not in notes]
        for i in rng.sample(left, dismissed):
            notes[papers[i].id] = Annotation(read=True, dismissed=True)
    return notes


def as_read(notes: dict[str, Annotation]) -> dict[str, Annotation]:
    """The reader as readlist stored a dismissal before it had its own mark: read."""
    return {pid: replace(a, dismissed=False) for pid, a in notes.items()}


def quality(
    size: int, readers: int, rated: int, disliked: int, seed: int, dismissed: int = 0
) -> list[str]:
    papers = papers_for(size)
    n = len(papers)  # a listing of `size` may hold a few incomplete entries
    library = Library(papers, {})
    ranker = library.ranker
    date_order = library.order("date")
    date_place = {p: r for r, p in enumerate(date_order)}
    svm = _sklearn_model(papers)
    rng = random.Random(seed)
    figures: dict[str, list[tuple[float, float]]] = {"for you": [], "newest": [], "random": []}
    if dismissed:
        figures["d as read"] = []
    if svm is not None:
        figures["svm"] = []
    share = []
    for words in TOPICS.values():
        topic = {i for i, p in enumerate(papers) if in_topic(p, words)}
        share.append(len(topic) / n)
        for _ in range(readers):
            notes = reader(papers, topic, rng, rated, disliked, dismissed)
            ranking = ranker.for_you(notes, date_order)
            assert ranking is not None
            seen = {library.position[pid] for pid in notes}
            rest = [i for i in range(n) if i not in seen]
            labels = [i in topic for i in rest]
            relevant = topic - seen
            candidates: dict[str, tuple[list[float], list[int]]] = {
                "for you": (
                    [ranking.scores.get(i, 0.0) for i in rest],
                    [i for i in ranking.order if i not in seen],
                ),
                "newest": (
                    [-float(date_place[i]) for i in rest],
                    [i for i in date_order if i not in seen],
                ),
            }
            if dismissed:
                old = ranker.for_you(as_read(notes), date_order)
                assert old is not None
                candidates["d as read"] = (
                    [old.scores.get(i, 0.0) for i in rest],
                    [i for i in old.order if i not in seen],
                )
            shuffled = rest[:]
            rng.shuffle(shuffled)
            where = {p: r for r, p in enumerate(shuffled)}
            candidates["random"] = ([-float(where[i]) for i in rest], shuffled)
            if svm is not None:
                scores = svm(notes, library)
                candidates["svm"] = (
                    [scores[i] for i in rest],
                    sorted(rest, key=lambda i: -scores[i]),
                )
            for name, (scores_, order) in candidates.items():
                figures[name].append((precision_at(order, relevant), auc(scores_, labels)))
    lines = [
        f"quality at {n:,} papers: {len(TOPICS)} topics x {readers} readers, {rated} rated "
        f"4-5 in the topic, {disliked} rated 1-2 outside it"
        + (f", {dismissed} dismissed outside it" if dismissed else "")
        + "; topic share "
        f"{min(share):.1%}..{max(share):.1%}",
        f"  {'order':<10} {'P@10':>6} {'AUC':>6}",
    ]
    for name, values in figures.items():
        p10 = statistics.mean(v[0] for v in values)
        roc = statistics.mean(v[1] for v in values)
        lines.append(f"  {name:<10} {p10:>6.2f} {roc:>6.3f}")
    return lines


def _sklearn_model(papers: Sequence[Paper]):  # type: ignore[no-untyped-def]
    """arxiv-sanity-lite's model, when scikit-learn can be imported; else None."""
    start = time.perf_counter()
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC
    except ImportError:
        return None
    imported = time.perf_counter() - start
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, min_df=2, max_df=0.5, max_features=20000
    )
    x = vectorizer.fit_transform([f"{p.title} {p.abstract}" for p in papers])
    print(f"  (scikit-learn import {imported:.2f} s)", file=sys.stderr)

    def scores(notes: dict[str, Annotation], library: Library) -> list[float]:
        y = [0] * len(papers)
        for pid, note in notes.items():
            if note.rating >= 4:
                y[library.position[pid]] = 1
        clf = LinearSVC(class_weight="balanced", C=0.01, max_iter=5000)
        clf.fit(x, y)
        return [float(s) for s in clf.decision_function(x)]

    return scores


def speed(size: int, rated: int, seed: int) -> str:
    papers = papers_for(size)
    n = len(papers)
    start, cpu = time.perf_counter(), time.process_time()
    ranker = Ranker(papers)
    _ = ranker.features
    build, build_cpu = time.perf_counter() - start, time.process_time() - cpu
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "library.features.cache"
        start = time.perf_counter()
        rankcache.write(cache, rankcache.signature(papers), ranker.features)
        written = time.perf_counter() - start
        size = cache.stat().st_size
        reads = []
        for _ in range(3):
            start = time.perf_counter()
            warm = Ranker(papers, cache=cache)
            _ = warm.features
            reads.append(time.perf_counter() - start)
        start = time.perf_counter()
        rankcache.signature(papers)
        signing = time.perf_counter() - start
    ranker = warm  # the rest as a later run has it: features from the cache
    rng = random.Random(seed)
    fallback = list(range(n))
    topic = sorted(i for i, p in enumerate(papers) if in_topic(p, TOPICS["medical"]))
    trains = []
    for _ in range(3):
        notes = {papers[i].id: Annotation(rating=5) for i in rng.sample(topic, rated)}
        start = time.perf_counter()
        ranking = ranker.for_you(notes, fallback)
        trains.append(time.perf_counter() - start)
        assert ranking is not None
    sims = []
    for i in rng.sample(range(n), 5):
        start = time.perf_counter()
        ranker.similar(i)
        sims.append(time.perf_counter() - start)
    return (
        f"  {n:>7,}  {build:>6.1f} ({build_cpu:>5.1f} cpu)  "
        f"{written:>6.2f}  {size / 1e6:>6.1f}  {statistics.median(reads):>7.2f}  "
        f"({signing:.2f} signature)  "
        f"{statistics.median(trains) * 1000:>10.0f}  "
        f"{statistics.median(sims) * 1000:>8.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quality", default="1000,10000", help="sizes for the quality table")
    parser.add_argument("--readers", type=int, default=4, help="readers per topic")
    parser.add_argument("--rated", type=int, default=10)
    parser.add_argument("--disliked", type=int, default=3)
    parser.add_argument(
        "--dismissed", type=int, default=0, help="papers outside the topic dismissed in triage"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for n in (int(s) for s in args.quality.split(",") if s):
        lines = quality(n, args.readers, args.rated, args.disliked, args.seed, args.dismissed)
        print("\n".join(lines))
        print(flush=True)
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    print(f"speed (median; train+rank after a new rating is a model not in the cache; {load})")
    print(
        f"  {'papers':>7}  {'build features':>18}  {'write':>6}  {'MB':>6}  {'read':>7}  "
        f"{'':>16}  {'train+rank':>10}  {'similar':>8}"
    )
    print(
        f"  {'':>7}  {'s':>18}  {'s':>6}  {'':>6}  {'s':>7}  {'':>16}  {'ms':>10}  {'ms':>8}",
        flush=True,
    )
    for n in (int(s) for s in args.sizes.split(",") if s):
        print(speed(n, args.rated, args.seed), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
