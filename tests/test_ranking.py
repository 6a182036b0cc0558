"""The "for you" ranking, like:TAG and similar papers, on small handmade libraries."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist import rankcache
from readlist.library import Library
from readlist.models import Annotation, Paper, paper_id
from readlist.ranking import NOT_ENOUGH, Features, Ranker, Stopped, signal

from .conftest import DAILY, SEARCH, RunCli


@pytest.fixture
def imported(cli: RunCli) -> RunCli:
    result = cli("import", str(DAILY), str(SEARCH))
    assert result.returncode == 0, result.stderr
    return cli


def paper(title: str, abstract: str, published: str = "2024-01-01") -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=abstract, published=published)


SPEECH = "speech recognition acoustic audio waveform spoken transcription"
PROTEIN = "protein folding molecular structure amino residues biology"
FILLER = "we study benchmark evaluation datasets large scale experiments"

PAPERS = [
    paper("Acoustic speech recognition", f"{SPEECH} {FILLER}", "2024-01-01"),
    paper("Spoken audio transcription", f"{SPEECH} streaming {FILLER}", "2024-01-02"),
    paper("Waveform speech models", f"{SPEECH} noisy {FILLER}", "2024-01-03"),
    paper("Protein folding networks", f"{PROTEIN} {FILLER}", "2024-01-04"),
    paper("Molecular protein structure", f"{PROTEIN} docking {FILLER}", "2024-01-05"),
    # Not rated: one like the loved ones, one like the disliked ones, both newer.
    paper("Robust speech recognition in noise", f"{SPEECH} robust {FILLER}", "2024-02-01"),
    paper("Amino residues and folding", f"{PROTEIN} contacts {FILLER}", "2024-02-02"),
    paper("Gardening for beginners", "tomatoes soil compost watering sunlight", "2024-03-01"),
]
LIKE_SPEECH, LIKE_PROTEIN, UNRELATED = 5, 6, 7


def loved_speech_hated_protein() -> dict[str, Annotation]:
    return {
        PAPERS[0].id: Annotation(rating=5),
        PAPERS[1].id: Annotation(rating=4, tags=("asr",)),
        PAPERS[2].id: Annotation(read=True, note="good"),
        PAPERS[3].id: Annotation(rating=1),
        PAPERS[4].id: Annotation(rating=2),
    }


def test_a_paper_like_the_loved_ones_ranks_above_one_like_the_disliked_ones() -> None:
    library = Library(PAPERS, loved_speech_hated_protein())
    ranking = library.ranking("for-you")
    assert ranking is not None
    order = library.order("for-you")
    assert order.index(LIKE_SPEECH) < order.index(UNRELATED) < order.index(LIKE_PROTEIN)
    assert ranking.scores[LIKE_SPEECH] > 0 > ranking.scores[LIKE_PROTEIN]
    # Newest first would have put both others above it.
    assert library.order("date")[:2] == [UNRELATED, LIKE_PROTEIN]


def test_turning_a_judgement_around_turns_the_ranking_around() -> None:
    flipped = {
        PAPERS[0].id: Annotation(rating=1),
        PAPERS[1].id: Annotation(rating=2),
        PAPERS[3].id: Annotation(rating=5),
        PAPERS[4].id: Annotation(rating=4),
    }
    library = Library(PAPERS, loved_speech_hated_protein())
    assert library.order("for-you")[0] in (0, 1, 2, LIKE_SPEECH)
    library.apply(flipped | {PAPERS[2].id: Annotation()})
    order = library.order("for-you")  # recomputed after the change, not the cached one
    assert order.index(LIKE_PROTEIN) < order.index(UNRELATED) < order.index(LIKE_SPEECH)


def test_too_little_signal_gives_no_ranking_and_date_order() -> None:
    library = Library(PAPERS, {PAPERS[0].id: Annotation(rating=5)})
    assert library.ranking("for-you") is None
    assert library.order("for-you") == library.order("date")


def test_signals_have_the_documented_directions() -> None:
    assert signal(Annotation(rating=5)) > signal(Annotation(rating=4)) > 0
    assert signal(Annotation(tags=("keep",))) > signal(Annotation(tags=("misc",))) > 0
    assert signal(Annotation(note="x")) > 0 and signal(Annotation(read=True)) > 0
    assert signal(Annotation(rating=3)) == 0
    # A disliked paper is negative whatever else was said about it.
    assert signal(Annotation(rating=1, read=True, tags=("keep",))) < 0
    assert signal(Annotation(rating=2)) < 0


def test_dismissing_papers_like_x_pushes_x_like_papers_down() -> None:
    """Dismissed in triage (stored read + dismissed): "less like this", not "more"."""
    dismissed = Annotation(read=True, dismissed=True)
    notes = {
        PAPERS[0].id: Annotation(rating=5),
        PAPERS[1].id: Annotation(rating=4),
        PAPERS[3].id: dismissed,
        PAPERS[4].id: dismissed,
    }
    library = Library(PAPERS, notes)
    ranking = library.ranking("for-you")
    assert ranking is not None
    assert ranking.scores[LIKE_PROTEIN] < 0
    order = library.order("for-you")
    assert order.index(LIKE_SPEECH) < order.index(UNRELATED) < order.index(LIKE_PROTEIN)
    # Dismissals are no signal of interest: with one loved paper there is still too little.
    assert Library(PAPERS, {**notes, PAPERS[1].id: dismissed}).ranking("for-you") is None


def test_a_dismissal_is_weaker_than_a_low_rating_and_an_explicit_say_wins() -> None:
    dismissed = Annotation(read=True, dismissed=True)
    assert signal(Annotation(rating=2)) < signal(dismissed) < 0
    assert signal(replace(dismissed, rating=5)) == signal(Annotation(rating=5)) > 0
    assert signal(replace(dismissed, rating=1)) == signal(Annotation(rating=1))
    assert signal(replace(dismissed, rating=3)) == 0  # re-judged as neither
    assert signal(replace(dismissed, tags=("keep",))) > 0
    assert signal(replace(dismissed, note="worth it after all")) > 0


def test_like_tag_ranks_by_likeness_to_the_tagged_papers_in_any_case() -> None:
    notes = {PAPERS[3].id: Annotation(tags=("Bio",)), PAPERS[4].id: Annotation(tags=("bio",))}
    library = Library(PAPERS, notes)
    order = library.order("like:BIO")
    assert order.index(LIKE_PROTEIN) < order.index(LIKE_SPEECH)
    assert order.index(LIKE_PROTEIN) < order.index(UNRELATED)
    assert library.ranking("like:nothing") is None


def test_models_are_cached_by_annotation_content() -> None:
    ranker = Ranker(PAPERS)
    notes = loved_speech_hated_protein()
    ranker.for_you(notes, range(len(PAPERS)))
    trained = dict(ranker._models)
    # A new timestamp says nothing new: no retraining.
    stamped = {pid: Annotation(a.tags, a.rating, a.read, a.note, "2026-01-01T00:00:00+00:00")
               for pid, a in notes.items()}  # fmt: skip
    ranker.for_you(stamped, range(len(PAPERS)))
    assert ranker._models == trained
    ranker.for_you(notes | {PAPERS[6].id: Annotation(rating=5)}, range(len(PAPERS)))
    assert len(ranker._models) == len(trained) + 1


def test_similar_finds_the_nearest_paper_and_says_which_words_it_shares() -> None:
    near = Ranker(PAPERS).similar(LIKE_SPEECH, limit=3)
    assert near[0].position in (0, 1, 2)
    assert {"speech", "recognition"} <= set(near[0].terms)
    assert all(n.position not in (LIKE_PROTEIN, UNRELATED, LIKE_SPEECH) for n in near)
    assert Ranker(PAPERS).similar(UNRELATED) == []  # it shares no salient word


def test_cli_for_you_says_what_to_do_without_signal_and_lists_by_date(imported: RunCli) -> None:
    result = imported("list", "--sort", "for-you", "--limit", "3")
    assert result.returncode == 0
    assert NOT_ENOUGH in result.stderr
    assert result.stdout == imported("list", "--limit", "3").stdout


def test_cli_for_you_scores_and_similar(imported: RunCli) -> None:
    assert imported("rate", "MasakhaNEWS", "5").returncode == 0
    assert imported("rate", "hft", "4").returncode == 0
    result = imported("list", "--sort", "for-you", "--scores", "--limit", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    scores = [float(line.split()[0]) for line in lines]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    assert "MasakhaNEWS" in result.stdout
    first_id = imported("list", "MasakhaNEWS").stdout.split()[0]
    similar = imported("similar", first_id, "--limit", "3")
    assert similar.returncode == 0, similar.stderr
    out = similar.stdout.splitlines()
    assert out[0].startswith(f"papers like {first_id}")
    assert len(out) == 1 + 2 * 3 and all(line.startswith("      shares: ") for line in out[2::2])
    missing = imported("similar", "ffffffff")
    assert missing.returncode == 2 and "no paper has the id 'ffffffff'" in missing.stderr
    no_tag = imported("list", "--sort", "like:nosuch")
    assert no_tag.returncode == 2 and "no paper is tagged 'nosuch'" in no_tag.stderr


def test_ranking_modules_never_import_textual() -> None:
    modules = (
        "readlist.ranking, readlist.rankcache, readlist.stats, readlist.tags, readlist.library"
    )
    code = f"import sys, {modules}; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the features cached on disk (readlist/rankcache.py) ------------------------------------


def rankings_of(ranker: Ranker) -> tuple[object, ...]:
    ranking = ranker.for_you(loved_speech_hated_protein(), range(len(PAPERS)))
    assert ranking is not None
    return ranking.order, ranking.scores, ranker.similar(LIKE_SPEECH)


def never_built(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> Features:
        raise AssertionError("the features were built, not read from the cache")

    monkeypatch.setattr(Features, "build", fail)


def test_features_are_read_back_from_the_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "library.features.cache"
    expected = rankings_of(Ranker(PAPERS))  # without a cache
    assert rankings_of(Ranker(PAPERS, cache=cache)) == expected
    assert cache.is_file()
    assert [p.name for p in tmp_path.iterdir()] == [cache.name]  # no temporary file left
    never_built(monkeypatch)
    assert rankings_of(Ranker(PAPERS, cache=cache)) == expected


@pytest.mark.parametrize(
    "change",
    [
        lambda ps: [replace(ps[0], abstract=ps[0].abstract + " lattice"), *ps[1:]],
        lambda ps: [*ps[:-1], replace(ps[-1], authors=("Ada Lovelace",))],
        lambda ps: ps[:-1],  # a paper removed
        lambda ps: [*ps[1:], ps[0]],  # another order: positions differ
    ],
    ids=["abstract", "authors", "removed", "order"],
)
def test_a_changed_catalogue_rebuilds_the_cached_features(
    tmp_path: Path, change: Callable[[list[Paper]], list[Paper]]
) -> None:
    cache = tmp_path / "library.features.cache"
    _ = Ranker(PAPERS, cache=cache).features
    before = cache.read_bytes()
    changed = change(list(PAPERS))
    assert rankings_of(Ranker(changed, cache=cache)) == rankings_of(Ranker(changed))
    assert cache.read_bytes() != before  # replaced by the new catalogue's


@pytest.mark.parametrize(
    "damage",
    [
        lambda b: b[: len(b) // 2],
        lambda b: b + b"x",
        lambda b: b"",
        lambda b: b.replace(b'"version": 1', b'"version": 9'),
        lambda b: b[:-40] + b"\xff" * 40,  # weights and postings out of range
        lambda b: b"not a cache at all\n" * 50,
    ],
    ids=["truncated", "longer", "empty", "version", "garbled", "other file"],
)
def test_a_damaged_cache_file_is_rebuilt_silently(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    cache = tmp_path / "library.features.cache"
    _ = Ranker(PAPERS, cache=cache).features
    good = cache.read_bytes()
    cache.write_bytes(damage(good))
    assert rankings_of(Ranker(PAPERS, cache=cache)) == rankings_of(Ranker(PAPERS))
    assert cache.read_bytes() == good


def test_an_unwritable_cache_only_costs_the_build(tmp_path: Path) -> None:
    (tmp_path / "a file").write_text("not a folder")
    cache = tmp_path / "a file" / "library.features.cache"
    assert rankings_of(Ranker(PAPERS, cache=cache)) == rankings_of(Ranker(PAPERS))
    assert (tmp_path / "a file").read_text() == "not a folder"


def library_folder(db: Path) -> list[str]:
    return sorted(p.name for p in db.parent.iterdir())


def test_cli_keeps_the_features_in_the_user_cache_folder_not_the_library_folder(
    imported: RunCli, db: Path, private_config_and_state: Path
) -> None:
    assert imported("rate", "MasakhaNEWS", "5").returncode == 0
    assert imported("rate", "hft", "4").returncode == 0
    cache = rankcache.cache_path(db.with_name("library.papers.json"))
    assert cache.parent == private_config_and_state / "cache" / "readlist" / "features"
    assert not cache.exists()
    folder = library_folder(db)
    first = imported("list", "--sort", "for-you", "--scores", "--limit", "5")
    assert first.returncode == 0, first.stderr
    assert cache.is_file()
    assert library_folder(db) == folder  # a read-only command wrote nothing there
    assert not any("features" in name for name in library_folder(db))
    stamp = cache.stat().st_mtime_ns
    again = imported("list", "--sort", "for-you", "--scores", "--limit", "5")
    assert again.stdout == first.stdout
    assert cache.stat().st_mtime_ns == stamp  # read, not rebuilt
    similar = imported("similar", first.stdout.split()[1], "--limit", "2")
    assert similar.returncode == 0, similar.stderr
    assert cache.stat().st_mtime_ns == stamp


def test_each_library_has_its_own_cache_file(tmp_path: Path) -> None:
    one = rankcache.cache_path(tmp_path / "a" / "library.papers.json")
    other = rankcache.cache_path(tmp_path / "b" / "library.papers.json")
    assert one != other and one.parent == other.parent == rankcache.cache_dir()
    assert one.name.startswith("library-") and one.name.endswith(".features.cache")
    (tmp_path / "link").symlink_to(tmp_path / "a")  # the same library through a link
    assert rankcache.cache_path(tmp_path / "link" / "library.papers.json") == one


def test_a_cache_an_older_readlist_left_beside_the_library_is_deleted(
    imported: RunCli, db: Path, tmp_path: Path
) -> None:
    old = db.with_name("library.features.cache")
    _ = Ranker(PAPERS, cache=old).features  # a real cache file, as readlist wrote it
    assert old.read_bytes().startswith(rankcache.MAGIC)
    result = imported("list", "--limit", "1")
    assert result.returncode == 0, result.stderr
    assert not old.exists()
    # Only such a file: not one of the user's own under that name, nor a link.
    old.write_text("my own notes, not a cache")
    assert imported("list", "--limit", "1").returncode == 0
    assert old.read_text() == "my own notes, not a cache"
    old.unlink()
    elsewhere = tmp_path / "elsewhere.cache"
    _ = Ranker(PAPERS, cache=elsewhere).features
    old.symlink_to(elsewhere)
    assert imported("list", "--limit", "1").returncode == 0
    assert old.is_symlink() and elsewhere.is_file()


WORDS = st.sampled_from(
    ["speech", "audio", "protein", "folding", "graph", "neural", "lattice", "quantum"]
)
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs")), max_size=12)


@st.composite
def catalogues(draw: st.DrawFn) -> list[Paper]:
    papers = []
    for k in range(draw(st.integers(0, 12))):
        words = " ".join(draw(st.lists(WORDS, max_size=12)))
        papers.append(
            Paper(
                id=f"{k:016x}",
                title=f"t{k} " + draw(st.sampled_from(["speech", "protein", "graph"])),
                abstract=words,
                authors=tuple(draw(st.lists(NAMES, max_size=3))),
                categories=tuple(draw(st.lists(st.sampled_from(["cs.CL", "q-bio"]), max_size=2))),
            )
        )
    return papers


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(papers=catalogues())
def test_the_cache_file_gives_back_exactly_the_features_it_was_given(
    tmp_path: Path, papers: list[Paper]
) -> None:
    cache = tmp_path / "library.features.cache"
    built = Features.build(papers)
    signature = rankcache.signature(papers)
    assert rankcache.write(cache, signature, built)
    read = rankcache.read(cache, signature)
    assert read is not None
    assert read.terms == built.terms and read.n == built.n == len(papers)
    for name in ("doc_offsets", "doc_terms", "doc_weights", "post_offsets", "post_docs"):
        assert getattr(read, name) == getattr(built, name), name
    assert read.post_weights == built.post_weights
    assert rankcache.read(cache, rankcache.signature([*papers, PAPERS[0]])) is None


def test_a_stopped_ranker_gives_up_building_its_features() -> None:
    ranker = Ranker(PAPERS)
    ranker.stop()
    with pytest.raises(Stopped):
        _ = ranker.features


@settings(max_examples=200, deadline=None)
@given(
    papers=catalogues(),
    signals=st.lists(st.sampled_from([-1.5, -1.0, -0.5, 0.5, 1.0, 1.5]), max_size=12),
    data=st.data(),
)
def test_the_order_is_by_score_with_ties_and_unscored_papers_in_fallback_order(
    papers: list[Paper], signals: list[float], data: st.DataObject
) -> None:
    """The ranking's order, against the plain definition (the sort shortcuts of `_rank`)."""
    ranker = Ranker(papers)
    examples = dict(zip(range(len(papers)), signals, strict=False))
    fallback = data.draw(st.permutations(range(len(papers))))
    fallback = fallback[: data.draw(st.integers(0, len(fallback)))]  # may leave some out
    ranking = ranker._rank(examples, fallback)
    scores = ranking.scores
    place = {i: r for r, i in enumerate(fallback)}
    missing = [i for i in range(len(papers)) if i not in place]
    place |= {i: len(fallback) + r for r, i in enumerate(missing)}

    def group(test: Callable[[float], bool]) -> list[int]:
        chosen = [i for i in range(len(papers)) if test(scores.get(i, 0.0))]
        return sorted(chosen, key=lambda i: (-scores.get(i, 0.0), place[i]))

    expected = group(lambda s: s > 0) + group(lambda s: s == 0) + group(lambda s: s < 0)
    assert ranking.order == expected
