"""Citations of one paper: plain text, Markdown, BibTeX.

Listings give no author names, so a citation says what is known: the title, how many
authors, the date, and a link. The BibTeX entry is the one `readlist export --format
bibtex` writes, so what is copied in the TUI and what is exported never disagree.

BibTeX output is compiled by TeX, a macro language that can read files (`\\input`), so
whatever a title, abstract, note or link holds must reach the document as inert text.
Each BibTeX context has one escaping function, and every field goes through one of them:

- `bibtex_text` for text fields: control characters removed, whitespace squeezed, every
  TeX special (`\\ { } $ & % # _ ^ ~ < > |`) written as a command such as
  `\\textbackslash{}`. No backslash, brace or caret of the input survives, so neither a
  command, nor an unbalanced brace, nor TeX's `^^5c` character notation can form.
- `bibtex_url` for `url`: only http(s)/ftp URLs (`safe_url`, which Markdown links use
  too), with everything outside a small safe set percent-encoded (so `^`, `\\`, braces
  and spaces are gone); a URL that cannot be made safe is dropped. `howpublished` wraps
  it in `\\url{}` with `%` and `#` escaped, which hyperref reads back as `%` and `#`
  even inside another command's argument.
- `bibtex_key` for the key: only `[A-Za-z0-9_:.-]`, never braces, commas or spaces.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import date

from readlist.formatting import authors_phrase
from readlist.models import Annotation, Paper
from readlist.text import strip_controls

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
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX))
# What may stay as it is in a BibTeX url: RFC 3986 unreserved and reserved characters
# that mean nothing to TeX inside \url{} (`%` and `#` are escaped there, see _url_in_tex).
_URL_SAFE = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?@!$&'()*+,;=%#"
)
_URL_SCHEME = re.compile(r"(?:https?|ftp)://[^/?#]", re.IGNORECASE)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_:.-]")
_PLAIN_ID = re.compile(r"[A-Za-z0-9]+")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
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


def published_day(paper: Paper) -> date | None:
    """The publication date, or None if there is none or it is not an ISO day."""
    if not paper.published or not _ISO_DAY.fullmatch(paper.published):
        return None
    try:
        return date.fromisoformat(paper.published)
    except ValueError:
        return None


def _long_date(paper: Paper) -> str | None:
    day = published_day(paper)
    if day is None:
        return None
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
    link = next((u for u in map(safe_url, paper.links) if u is not None), None)
    head = f"[{title}]({markdown_url(link)})" if link else f"*{title}*"
    details = ", ".join(x for x in (authors_phrase(paper.authors_count), _long_date(paper)) if x)
    return f"{head} — {details}" if details else head


def escape_markdown(text: str) -> str:
    return _MARKDOWN_RE.sub(r"\\\1", text)


def markdown_url(url: str) -> str:
    """A `safe_url` as a Markdown link target: parentheses (which end it) encoded too."""
    return "".join(_URL_UNSAFE.get(c, c) for c in url)


def bibtex_text(text: str) -> str:
    """Text made inert for a braced BibTeX text field, whatever it holds (see above).

    One line: BibTeX squeezes whitespace anyway, and a blank line would be a paragraph
    break inside a command's argument. Lone surrogates (invalid Unicode) become `?`;
    characters that print nothing (controls, format characters, unassigned code points)
    are removed.
    """
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    text = strip_controls(text)
    if not text.isprintable():
        text = "".join(c for c in text if c.isprintable() or c.isspace())
    text = " ".join(text.split())
    return _LATEX_RE.sub(lambda m: _LATEX[m.group()], text)


def safe_url(url: str) -> str | None:
    """`url` as an address no reader can misread, or None if it cannot be one.

    Only http, https and ftp URLs with a host are kept (not `javascript:` or `file:`).
    Characters outside `_URL_SAFE` (spaces, braces, backslashes, carets, quotes,
    controls, non-ASCII...) are percent-encoded as UTF-8, which browsers treat as the
    same address; a `%` that starts no `%XX` becomes `%25`, and only the first `#` stays
    a fragment mark.
    """
    url = url.strip()
    if not _URL_SCHEME.match(url):
        return None
    try:
        raw = url.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not a URL anyone can visit
        return None
    out = "".join(chr(b) if chr(b) in _URL_SAFE else f"%{b:02X}" for b in raw)
    out = _BAD_PERCENT.sub("%25", out)
    head, hash_mark, fragment = out.partition("#")
    return head + hash_mark + fragment.replace("#", "%23")


def bibtex_url(url: str) -> str | None:
    """`url` as a BibTeX `url` value that TeX cannot misread (`safe_url`), or None."""
    return safe_url(url)


def _url_in_tex(url: str) -> str:
    """A `bibtex_url` result inside `\\url{}` in running text: `%` and `#` escaped.

    hyperref turns `\\%` and `\\#` back into `%` and `#`, at the top level and inside
    another command's argument, where a bare `%` would start a comment.
    """
    return url.replace("%", "\\%").replace("#", "\\#")


def bibtex_key(paper: Paper, id_chars: int = 6) -> str:
    """A stable key: first title word, year, and the start of the paper's id.

    `masakhanews2023-52393a`. The id part makes keys unique; an export that meets two
    papers whose first six id digits agree lengthens both. An id that is not plain
    letters and digits (a crafted file) is replaced by its SHA-256, so a key only ever
    holds `[A-Za-z0-9-]`.
    """
    ascii_title = unicodedata.normalize("NFKD", paper.title).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_title)
    word = (words[0].lower() if words else "paper")[:24]
    day = published_day(paper)
    year = str(day.year) if day else "nd"
    ident = paper.id
    if not _PLAIN_ID.fullmatch(ident):
        ident = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{word}{year}-{ident[:id_chars]}"


def safe_key(key: str) -> str:
    """Any string as a citation key: only `[A-Za-z0-9_:.-]`, never empty."""
    return _KEY_UNSAFE.sub("", key) or "paper"


def bibtex(
    paper: Paper,
    annotation: Annotation | None = None,
    *,
    key: str | None = None,
    full: bool = False,
) -> str:
    """A `@misc` entry. `full` adds the abstract, and with an annotation, tags and note.

    Every value goes through `bibtex_text`, `bibtex_url` or `safe_key`; nothing read from
    the library reaches the entry any other way.
    """
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_text(paper.title) + "}")]
    if (day := published_day(paper)) is not None:
        fields += [
            ("year", str(day.year)),
            ("month", _MONTHS[day.month - 1]),
            ("date", day.isoformat()),
        ]
    if (authors := authors_phrase(paper.authors_count)) is not None:
        fields.append(("note", bibtex_text(authors)))
    url = next((u for u in map(bibtex_url, paper.links) if u is not None), None)
    if url is not None:
        fields += [("howpublished", "\\url{" + _url_in_tex(url) + "}"), ("url", url)]
    if full:
        if paper.abstract:
            fields.append(("abstract", bibtex_text(paper.abstract)))
        if annotation is not None and annotation.tags:
            fields.append(("keywords", bibtex_text(", ".join(annotation.tags))))
        if annotation is not None and annotation.note:
            fields.append(("annote", bibtex_text(annotation.note)))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}"
        for name, value in fields
    )
    return f"@misc{{{safe_key(key or bibtex_key(paper))},\n{body}\n}}\n"
