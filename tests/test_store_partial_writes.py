"""Catalogue writes that touch only what they change (issue 9: daily imports at 100k).

An import of 30 papers into a large library used to build every `Paper`, parse every
abstract and re-encode both files. Now the papers are written from the documents as read,
and the abstracts file's other lines are copied as bytes. These tests check the bytes come
out exactly as a full rewrite would write them, that nothing else is parsed or built, and
that a file the copy cannot trust is left to the full read, which reports it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.models import Paper, identity_key, paper_id
from readlist.store import Store
from readlist.store import store as store_module
from readlist.store.storage import AtomicJSONStorage, dumps_by_line, loads_by_line

_TEXT = st.text(
    st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30
) | st.sampled_from(['"},\n"0123456789abcdef":{', "\\", "},", "\n}", "\u2028"])
_IDS = st.text("0123456789abcdef", min_size=16, max_size=16)


def marker() -> dict[str, dict[str, object]]:
    return {"readlist": {"format": {"kind": "abstracts", "version": 1}}}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=st.dictionaries(_IDS, _TEXT, max_size=8),
    extra=st.dictionaries(_IDS, _TEXT, max_size=4),
    data=st.data(),
)
def test_rewritten_abstracts_are_what_a_full_rewrite_writes(
    tmp_path_factory: pytest.TempPathFactory,
    table: dict[str, str],
    extra: dict[str, str],
    data: st.DataObject,
) -> None:
    path = tmp_path_factory.mktemp("lib") / "library.abstracts.json"
    path.write_bytes(
        dumps_by_line(
            {"abstracts": {k: {"text": v} for k, v in table.items()}, **marker()}, "abstracts"
        )
    )
    replaced = (
        {k: data.draw(_TEXT) for k in data.draw(st.sets(st.sampled_from(sorted(table))))}
        if table
        else {}
    )
    added = {k: v for k, v in extra.items() if k not in table}
    changes = {k: {"text": v} for k, v in {**replaced, **added}.items()}
    expected = {k: {"text": v} for k, v in {**table, **replaced, **added}.items()}
    storage = AtomicJSONStorage(path, kind="abstracts", by_line=True)
    assert storage.rewrite_documents(changes, new=not replaced)
    assert path.read_bytes() == dumps_by_line({"abstracts": expected, **marker()}, "abstracts")
    assert loads_by_line(path, "abstracts") == {"abstracts": expected, **marker()}
    assert storage.read() == orjson.loads(path.read_bytes())


# Appending copies the old lines as bytes (only the file's frame is checked), so a
# damaged line is looked for only when lines are replaced.
@pytest.mark.parametrize(
    ("damage", "new"),
    [
        *(
            (damage, new)
            for damage in ("written whole", "cut off", "older format")
            for new in (True, False)
        ),
        ("a line that is not a document", False),
    ],
)
def test_a_file_the_copy_cannot_trust_is_left_untouched(
    tmp_path: Path, damage: str, new: bool
) -> None:
    path = tmp_path / "library.abstracts.json"
    data = {"abstracts": {"0123456789abcdef": {"text": "one"}, "fedcba9876543210": {"text": "two"}}}
    blob = dumps_by_line({**data, **marker()}, "abstracts")
    if damage == "written whole":
        blob = orjson.dumps({**data, **marker()})
    elif damage == "cut off":
        blob = blob[:-3]
    elif damage == "older format":
        blob = blob.replace(b'"version":1', b'"version":0')
    else:
        blob = blob.replace(b'"fedcba9876543210":{"text":"two"}', b'"fedcba98":{"text":"two"}')
    path.write_bytes(blob)
    storage = AtomicJSONStorage(path, kind="abstracts", by_line=True)
    doc = {"text": "three"}
    key = "00000000000000ff" if new else "0123456789abcdef"
    assert not storage.rewrite_documents({key: doc}, new=new)
    assert path.read_bytes() == blob
    assert list(path.parent.iterdir()) == [path]  # no temporary file left


def paper(title: str, abstract: str = "") -> Paper:
    return Paper(id=paper_id(title), title=title, abstract=abstract or f"About {title}.")


def test_a_daily_import_builds_and_parses_only_what_it_meets(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store.open(db)
    store.import_listings([[paper(f"Old paper {i}") for i in range(300)]])
    built: list[str] = []
    real = store_module.papers_from_docs

    def counting(docs: dict[str, Any], abstracts: dict[str, str]) -> list[Paper]:
        built.extend(docs)
        return real(docs, abstracts)

    def whole(self: AtomicJSONStorage) -> object:
        if self.kind == "abstracts":
            raise AssertionError("the abstracts file was parsed whole")
        return real_load(self)

    real_load = AtomicJSONStorage._load
    monkeypatch.setattr(store_module, "papers_from_docs", counting)
    monkeypatch.setattr(AtomicJSONStorage, "_load", whole)
    store = Store.open(db)
    listing = [paper(f"New paper {i}") for i in range(30)]
    listing += [paper("Old paper 7", "About Old paper 7, and a longer abstract now.")]
    [report] = store.import_listings([listing])
    assert (len(report.added), report.updated) == (30, [paper_id("Old paper 7")])
    assert built == [paper_id("Old paper 7")]
    monkeypatch.undo()
    papers = {p.id: p for p in Store.open(db).papers()}
    assert len(papers) == 330
    assert papers[paper_id("Old paper 7")].abstract.endswith("a longer abstract now.")
    assert papers[paper_id("New paper 29")].abstract == "About New paper 29."
    assert papers[paper_id("Old paper 299")].abstract == "About Old paper 299."


@pytest.mark.parametrize("abstract", ["We define the sets {a, b},", '{"x": {}},', "},"])
def test_an_abstract_ending_in_a_brace_and_a_comma_is_saved_whole(db: Path, abstract: str) -> None:
    """The abstracts file was split into lines at every `},"`: also after a text ending
    in "}," (before its closing quote), which left a raw newline inside the string and
    a library that no longer opened."""
    store = Store.open(db)
    store.import_listings([[paper("Sets and their sizes", abstract), paper("Another paper")]])
    [first, second] = Store.open(db).papers()
    assert (first.abstract, second.abstract) == (abstract, "About Another paper.")
    blob = db.with_name("library.abstracts.json").read_bytes()
    assert orjson.loads(blob)["abstracts"][first.id] == {"text": abstract}


_TITLE_WORDS = st.sampled_from(
    ["Sparse", "sparse", "SPARSE", "Routing", "C++", "C", "C#", "1+1=2", "1-1=2", "Über", "uber",
     "ﬁne-tuning", "fine-tuning", "Ａttention", "attention", "∇-Net", "x\u200by", "xy", "LoRA",
     "lora:", "(lora)", "a", "—", "..."]
)  # fmt: skip
_TITLE = st.lists(_TITLE_WORDS, min_size=1, max_size=5).flatmap(
    lambda words: st.sampled_from([" ", "  ", ": ", " - ", ", "]).map(lambda sep: sep.join(words))
)


@settings(max_examples=300, deadline=None)
@given(titles=st.lists(_TITLE, max_size=25), arriving=st.lists(_TITLE, min_size=1, max_size=6))
def test_matching_only_the_arriving_keys_finds_what_keying_every_title_finds(
    titles: list[str], arriving: list[str]
) -> None:
    docs = {f"{i:016x}": {"title": t, "arxiv_id": None} for i, t in enumerate(titles)}
    keys = {identity_key(t) for t in arriving}
    full = store_module._Matcher.of_documents(docs)
    some = store_module._Matcher.of_documents(docs, keys)
    assert {k: some.by_key.get(k) for k in keys} == {k: full.by_key.get(k) for k in keys}
