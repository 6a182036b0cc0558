"""Citations of one paper: plain text, Markdown, BibTeX.

Listings give no author names, so a citation says what is known: the title, how many
authors, the date, and a link. The BibTeX entry is the one `readlist export --format
bibtex` writes, so what is copied in the TUI and what is exported never disagree.

BibTeX escaping: LaTeX specials are escaped in text fields (`\\&`, `\\%`, `\\_`...), and
braces, which BibTeX counts to find the end of a value, become `\\textbraceleft{}` and
`\\textbraceright{}` so an unbalanced brace in a title cannot end or swallow a field.
URLs are not LaTeX: braces and spaces in them are percent-encoded instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from readlist.formatting import authors_phrase
from readlist.models import Annotation, Paper

FORMATS = {
    "plain": "Plain reference",
    "bibtex": "BibTeX",
    "markdown": "Markdown link",
}
DEFAULT_FORMAT = "plain"

_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\~{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))
_MARKDOWN_RE = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")
_URL_UNSAFE = {" ": "%20", "{": "%7B", "}": "%7D", "(": "%28", ")": "%29", "<": "%3C", ">": "%3E"}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def cite(paper: Paper, fmt: str) -> str:
    if fmt == "plain":
        return plain(paper)
    if fmt == "markdown":
        return markdown(paper)
    if fmt == "bibtex":
        return bibtex(paper)
    raise ValueError(f"unknown citation format {fmt!r}; choose from {', '.join(FORMATS)}")


def _long_date(paper: Paper) -> str | None:
    if not paper.published:
        return None
    day = date.fromisoformat(paper.published)
    return f"{day.strftime('%B')} {day.day}, {day.year}"


def plain(paper: Paper) -> str:
    """`Title. 65 authors, April 19, 2023. https://...`"""
    title = paper.title.rstrip(".")
    details = ", ".join(x for x in (authors_phrase(paper.authors_count), _long_date(paper)) if x)
    parts = [f"{title}."]
    if details:
        parts.append(f"{details}.")
    if paper.links:
        parts.append(paper.links[0])
    return " ".join(parts)


def markdown(paper: Paper) -> str:
    """`[Title](https://...) — 65 authors, April 19, 2023`"""
    title = escape_markdown(paper.title)
    head = f"[{title}]({markdown_url(paper.links[0])})" if paper.links else f"*{title}*"
    details = ", ".join(x for x in (authors_phrase(paper.authors_count), _long_date(paper)) if x)
    return f"{head} — {details}" if details else head


def escape_markdown(text: str) -> str:
    return _MARKDOWN_RE.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def latex_escape(text: str) -> str:
    return _LATEX_RE.sub(lambda m: _LATEX[m.group()], text)


def bibtex_key(paper: Paper, id_chars: int = 6) -> str:
    """A stable key: first title word, year, and the start of the paper's id.

    `masakhanews2023-52393a`. The id part makes keys unique; an export that meets two
    papers whose first six id digits agree lengthens both.
    """
    ascii_title = unicodedata.normalize("NFKD", paper.title).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_title)
    word = (words[0].lower() if words else "paper")[:24]
    year = str(paper.year) if paper.year else "nd"
    return f"{word}{year}-{paper.id[:id_chars]}"


def bibtex(
    paper: Paper,
    annotation: Annotation | None = None,
    *,
    key: str | None = None,
    full: bool = False,
) -> str:
    """A `@misc` entry. `full` adds the abstract, and with an annotation, tags and note."""
    fields: list[tuple[str, str]] = [("title", "{" + latex_escape(paper.title) + "}")]
    if paper.published:
        day = date.fromisoformat(paper.published)
        fields += [
            ("year", str(day.year)),
            ("month", _MONTHS[day.month - 1]),
            ("date", paper.published),
        ]
    if (authors := authors_phrase(paper.authors_count)) is not None:
        fields.append(("note", authors))
    if paper.links:
        url = bibtex_url(paper.links[0])
        fields += [("howpublished", "\\url{" + url + "}"), ("url", url)]
    if full:
        if paper.abstract:
            fields.append(("abstract", latex_escape(paper.abstract)))
        if annotation is not None and annotation.tags:
            fields.append(("keywords", latex_escape(", ".join(annotation.tags))))
        if annotation is not None and annotation.note:
            fields.append(("annote", latex_escape(annotation.note)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@misc{{{key or bibtex_key(paper)},\n{body}\n}}\n"


def bibtex_url(url: str) -> str:
    """A URL safe inside a braced BibTeX value and `\\url{}`."""
    return "".join(_URL_UNSAFE.get(c, c) for c in url.replace("\\", "%5C"))
