"""The paper fields, declared once: documents, validation, doctor, export and CSV derive from here.

Each `Field` says what a paper's attribute holds (its JSON kind), whether it may be
unknown, how two descriptions of the same paper combine (`merge`), and where it goes:
the catalogue's papers file (everything but the abstract, which lives in its own file so
that the first frame needs titles only), the JSON export, and the CSV export.

Adding a field means one row here and one attribute on `Paper` (in the same order);
`tests/test_schema.py` checks the two agree.

Format history of the papers file (see `store.documents.migrate_paper_doc`):

- 1: `upvotes` held the number printed after a listing's date, which is really the
  paper's comment count; no authors, ids or categories.
- 2: the fields below; `upvotes` is the real upvote count, `comments` the comment count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["text", "int", "bool", "date", "texts", "pairs"]
Merge = Literal["fixed", "longer", "first", "newer", "union", "date", "own"]

PAPERS_VERSION = 2
"""The current format of the papers file (see the module docstring)."""


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    kind: Kind
    """text: str; int; bool; date: ISO YYYY-MM-DD text; texts: list of str; pairs: list of
    two-element lists of str (field name, source kind)."""
    optional: bool
    """May be null (unknown). `texts` and `pairs` are never null: empty means unknown."""
    merge: Merge
    """fixed: never changes; longer: the longer value wins (abstracts, author lists);
    first: the first known value is kept; newer: a later known value replaces it (counts
    that change over time); union: lists grow, in order, without repeats; date: see
    `Paper.merged_with`; own: managed by the store, not by imports."""
    doc: str
    stored: bool = True
    """In the papers file (the abstract is stored in the abstracts file instead)."""
    csv: bool = False
    """A column of the CSV export."""
    tracked: bool = False
    """Which source said it is recorded in `Paper.said`."""


FIELDS: tuple[Field, ...] = (
    Field(
        "id",
        "text",
        False,
        "fixed",
        "stable id: a hash of the title's identity",
        stored=False,
        csv=True,
    ),
    Field("title", "text", False, "fixed", "the title, one line", csv=True),
    Field("abstract", "text", False, "longer", "paragraphs joined by a blank line", stored=False),
    Field(
        "authors",
        "texts",
        False,
        "longer",
        "author names in order; may be incomplete",
        csv=True,
        tracked=True,
    ),
    Field("authors_count", "int", True, "newer", "how many authors a listing said", csv=True),
    Field(
        "organization",
        "text",
        True,
        "first",
        "the organisation that submitted it",
        csv=True,
        tracked=True,
    ),
    Field("published", "date", True, "date", "publication date", csv=True),
    Field("date_inferred", "bool", False, "date", "the year of `published` was inferred"),
    Field("upvotes", "int", True, "newer", "upvote count on Hugging Face", csv=True, tracked=True),
    Field(
        "comments", "int", True, "newer", "comment count on Hugging Face", csv=True, tracked=True
    ),
    Field(
        "arxiv_id",
        "text",
        True,
        "first",
        "arXiv identifier without version",
        csv=True,
        tracked=True,
    ),
    Field("doi", "text", True, "first", "DOI", csv=True, tracked=True),
    Field(
        "categories",
        "texts",
        False,
        "union",
        "arXiv categories, primary first",
        csv=True,
        tracked=True,
    ),
    Field("venue", "text", True, "first", "journal or conference", csv=True, tracked=True),
    Field("links", "texts", False, "union", "URLs, from the abstract or the source", csv=True),
    Field("sources", "texts", False, "union", "files and sources it was imported from"),
    Field("added", "text", True, "own", "when it entered the library (ISO, UTC)"),
    Field("removed", "text", True, "own", "when it was removed (kept until purged)"),
    Field("said", "pairs", False, "union", "(field, source kind) for tracked fields"),
)

BY_NAME = {f.name: f for f in FIELDS}
STORED = tuple(f for f in FIELDS if f.stored)
"""Fields of a papers-file document (the id is the document's key)."""
CSV_FIELDS = tuple(f.name for f in FIELDS if f.csv)
TRACKED = frozenset(f.name for f in FIELDS if f.tracked)

# Python types a stored field's JSON value may have (checked per document).
_TYPES: dict[Kind, frozenset[type]] = {
    "text": frozenset({str}),
    "int": frozenset({int}),
    "bool": frozenset({bool}),
    "date": frozenset({str}),
    "texts": frozenset({list}),
    "pairs": frozenset({list}),
}


def allowed_types(field: Field) -> frozenset[type]:
    types = _TYPES[field.kind]
    return types | {type(None)} if field.optional else types
