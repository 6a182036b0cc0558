"""Citations and exports: valid for the tools that read them, safe to open."""

from __future__ import annotations

import csv
import io

import bibtexparser
import orjson
import pytest

from readlist.citations import bibtex, bibtex_key, cite, markdown, plain
from readlist.export import export, to_bibtex
from readlist.models import Annotation, Paper

MASAKHA = Paper(
    id="52393aed0cd64630",
    title="MasakhaNEWS: News Topic Classification for African languages",
    abstract="We develop MasakhaNEWS. Code at https://github.com/masakhane-io/masakhane-news.",
    authors_count=65,
    published="2023-04-19",
    upvotes=12,
    links=("https://github.com/masakhane-io/masakhane-news",),
)
HOSTILE = Paper(
    id="ffffffffffffffff",
    title="Braces } { and 100% of $x_1$ & #tags ~ ^ \\cmd",
    abstract="An abstract with } an unbalanced brace and a @ sign.",
    authors_count=1,
)
NOTE = Annotation(
    tags=("nlp", "to-read"), rating=4, read=True, note='=HYPERLINK("http://evil")\nsecond line'
)


def test_plain_and_markdown_read_naturally() -> None:
    assert plain(MASAKHA) == (
        "MasakhaNEWS: News Topic Classification for African languages. 65 authors, April 19, 2023. "
        "https://github.com/masakhane-io/masakhane-news"
    )
    assert markdown(MASAKHA) == (
        "[MasakhaNEWS: News Topic Classification for African languages]"
        "(https://github.com/masakhane-io/masakhane-news) — 65 authors, April 19, 2023"
    )
    assert plain(HOSTILE).endswith("1 author.")
    assert markdown(Paper(id="a" * 16, title="Array[int] *bold*")) == "*Array\\[int\\] \\*bold\\**"


def test_bibtex_entry_parses_back_with_the_same_fields() -> None:
    library = bibtexparser.parse_string(bibtex(MASAKHA))
    assert not library.failed_blocks
    [entry] = library.entries
    assert entry.entry_type == "misc"
    assert entry.key == "masakhanews2023"
    assert entry["title"] == "{MasakhaNEWS: News Topic Classification for African languages}"
    assert entry["year"] == "2023"
    assert entry["url"] == "https://github.com/masakhane-io/masakhane-news"
    assert entry["note"] == "65 authors"


def test_bibtex_escapes_specials_and_unbalanced_braces() -> None:
    text = bibtex(HOSTILE, NOTE, full=True)
    library = bibtexparser.parse_string(text + "\n" + bibtex(MASAKHA))
    assert not library.failed_blocks
    assert [e.key for e in library.entries] == ["braces", "masakhanews2023"]
    title = library.entries[0]["title"]
    assert title.count("{") == title.count("}")
    for raw in (
        "\\&",
        "\\%",
        "\\$",
        "\\#",
        "\\_",
        "\\textbraceleft{}",
        "\\textbraceright{}",
        "\\textbackslash{}",
    ):
        assert raw in title
    assert library.entries[0]["keywords"] == "nlp, to-read"


def test_bibtex_keys_are_stable_and_unique() -> None:
    twin = Paper(id="52393aed00000000", title="MasakhaNEWS again", published="2023-01-01")
    assert bibtex_key(MASAKHA) == bibtex_key(MASAKHA) == "masakhanews2023"
    keys = [
        e.key
        for e in bibtexparser.parse_string(
            to_bibtex([(MASAKHA, NOTE), (twin, Annotation())])
        ).entries
    ]
    assert len(set(keys)) == 2
    assert bibtex_key(Paper(id="1" * 16, title="日本語")) == "paper"
    assert bibtex_key(Paper(id="1" * 16, title="日本語 only")) == "only"


def test_json_export_has_every_field() -> None:
    [record] = orjson.loads(export([(MASAKHA, NOTE)], "json"))
    assert {
        k: record[k] for k in ("id", "title", "authors_count", "published", "upvotes", "links")
    } == {
        "id": MASAKHA.id,
        "title": MASAKHA.title,
        "authors_count": 65,
        "published": "2023-04-19",
        "upvotes": 12,
        "links": list(MASAKHA.links),
    }
    assert (record["tags"], record["rating"], record["read"], record["note"]) == (
        ["nlp", "to-read"],
        4,
        True,
        NOTE.note,
    )
    assert record["abstract"] == MASAKHA.abstract


def test_csv_neutralizes_formulas() -> None:
    evil = Paper(id="e" * 16, title="=cmd|' /C calc'!A0", abstract="+SUM(A1)", authors_count=2)
    rows = list(
        csv.DictReader(io.StringIO(export([(evil, NOTE), (MASAKHA, Annotation())], "csv").decode()))
    )
    assert rows[0]["title"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["abstract"] == "'+SUM(A1)"
    assert rows[0]["note"].startswith("'=HYPERLINK")
    assert rows[0]["authors_count"] == "2"
    assert rows[1]["title"] == MASAKHA.title  # ordinary text untouched


def test_markdown_export_escapes_and_quotes_notes() -> None:
    text = export([(Paper(id="b" * 16, title="[click](javascript:x)"), NOTE)], "markdown").decode()
    assert "\\[click\\]\\(javascript:x\\)" in text
    assert "★★★★☆" in text and "#nlp" in text
    assert (
        '  > =HYPERLINK("http://evil")\n  > second line' in text
    )  # the user's Markdown, as written


def test_cite_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown citation format"):
        cite(MASAKHA, "apa")
