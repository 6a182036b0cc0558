"""`readlist tags` and `readlist tag --rename OLD NEW` (rename, merge, case)."""

from __future__ import annotations

from pathlib import Path

import pytest

from readlist.models import Annotation
from readlist.store import Store
from readlist.tags import renaming, tag_counts

from .conftest import DAILY, SEARCH, RunCli


@pytest.fixture
def tagged(cli: RunCli, db: Path) -> RunCli:
    assert cli("import", str(DAILY), str(SEARCH)).returncode == 0
    for args in (
        ("tag", "hft", "ML", "keep"),
        ("tag", "MasakhaNEWS", "nlp", "ml"),
        ("tag", "id:705fc477", "Lang"),  # DePT
        ("rate", "hft", "5"),
        ("read", "MasakhaNEWS"),
    ):
        assert cli(*args).returncode == 0, args
    return cli


def content(store: Store) -> dict[str, tuple[object, ...]]:
    return {pid: (a.tags, a.rating, a.read, a.note) for pid, a in store.annotations().items()}


def test_tags_lists_counts_and_unread(tagged: RunCli) -> None:
    result = tagged("tags")
    assert result.returncode == 0
    assert result.stdout.splitlines() == [
        "tag    papers  unread",
        "#ML         2       1",
        "#keep       1       1",
        "#Lang       1       1",
        "#nlp        1       0",
    ]


def test_rename_changes_only_that_tag_in_place(tagged: RunCli, db: Path) -> None:
    before = content(Store.open(db))
    result = tagged("tag", "--rename", "ml", "machine-learning")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "renamed #ml to #machine-learning on 2 papers\n"
    after = content(Store.open(db))
    assert after.keys() == before.keys()
    for pid, (tags, *rest) in before.items():
        expected = tuple("machine-learning" if t.casefold() == "ml" else t for t in tags)  # type: ignore[attr-defined]
        assert after[pid] == (expected, *rest)


def test_rename_onto_an_existing_tag_merges_and_keeps_its_spelling(
    tagged: RunCli, db: Path
) -> None:
    result = tagged("tag", "--rename", "lang", "NLP")
    assert result.stdout == "merged #lang into #nlp on 1 paper\n"
    result = tagged("tag", "--rename", "nlp", "ml")
    assert result.stdout == "merged #nlp into #ML on 2 papers\n"
    counts = {t.tag: t.count for t in tag_counts(Store.open(db).annotations())}
    assert counts == {"ML": 3, "keep": 1}
    # MasakhaNEWS had nlp then ml: it keeps one ML, where nlp was; DePT's lang became ML.
    tags = sorted(a.tags for a in Store.open(db).annotations().values() if a.tags)
    assert tags == [("ML",), ("ML",), ("ML", "keep")]


def test_case_only_rename_respells_everywhere(tagged: RunCli, db: Path) -> None:
    # MasakhaNEWS already spells it "ml": only HFT changes.
    assert tagged("tag", "--rename", "ML", "ml").stdout == "renamed #ML to #ml on 1 paper\n"
    spellings = {t for a in Store.open(db).annotations().values() for t in a.tags}
    assert spellings == {"ml", "keep", "nlp", "Lang"}


def test_rename_errors(tagged: RunCli, db: Path) -> None:
    before = content(Store.open(db))
    missing = tagged("tag", "--rename", "nosuch", "x")
    assert (missing.returncode, missing.stderr) == (
        1, "readlist: no paper is tagged 'nosuch'; nothing changed\n"
    )  # fmt: skip
    bad = tagged("tag", "--rename", "ml", "two words")
    assert bad.returncode == 2
    assert (
        bad.stderr
        == "readlist: tag --rename: 'two words' is not one tag (a tag has no spaces or commas)\n"
    )
    mixed = tagged("tag", "--rename", "ml", "x", "hft")
    assert mixed.returncode == 2 and "takes no query" in mixed.stderr
    assert content(Store.open(db)) == before


def test_renaming_edit_keeps_the_rest_of_the_annotation() -> None:
    note = Annotation(tags=("a", "B", "c"), rating=3, read=True, note="n", updated="t")
    assert renaming("b", "d")(note) == Annotation(("a", "d", "c"), 3, True, "n", "t")
    assert renaming("a", "C")(note).tags == ("C", "B")  # merged where "a" was
    assert renaming("zz", "y")(note) is note
