"""Citations of one paper: plain text, Markdown, BibTeX.

A citation says what is known. With author names (an enriched paper, see
`readlist.enrich`) it reads like a reference list ("Shi, Z. and Lipani, A. (2023). Title.
arXiv:2309.05173.") and the BibTeX entry is the one arXiv's own export writes for a
preprint (`@misc` with `eprint`, `archivePrefix`, `primaryClass`), or an `@article` /
`@inproceedings` when a venue is known. A pasted listing gives no names: then the
citation says how many authors, the date, and a link. The BibTeX entry is the one
`readlist export --format bibtex` writes, so what is copied in the TUI and what is
exported never disagree.

Keys read like the ones people type (`shi2023dept`: first author's surname, year, first
title word that is not a stopword, ASCII-folded); `assign_keys` adds `a`, `b`... when
two papers would share one. A key that has left readlist (exported or copied) is pinned
(`readlist.store.citekeys`), so enriching a paper with its authors later does not turn
its `dept2023` into `shi2023dept` under a user's `.tex`.

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
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from readlist.formatting import authors_phrase
from readlist.models import Annotation, Paper
from readlist.text import strip_controls

FORMATS = {
    "plain": "Plain reference",
    "bibtex": "BibTeX",
    "markdown": "Markdown link",
    "chat": "Chat message (title and link)",
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
ETAL_AFTER = 3
"""A plain citation names at most this many authors; more are "et al."."""
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "on",
        "in",
        "for",
        "to",
        "and",
        "or",
        "with",
        "from",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "via",
        "towards",
        "toward",
        "do",
        "does",
        "can",
        "we",
        "our",
        "your",
        "its",
        "it",
        "this",
        "that",
        "what",
        "when",
        "how",
        "why",
        "which",
        "not",
        "no",
        "vs",
    ]
)
_CONFERENCE = re.compile(
    r"\b(?:conference|proceedings|proc\.|workshop|symposium|congress|meeting|"
    r"neurips|nips|icml|iclr|acl|naacl|eacl|emnlp|coling|cvpr|iccv|eccv|aaai|ijcai|"
    r"kdd|sigir|www|interspeech|icassp|colm|corl|rss|uai|aistats)\b",
    re.IGNORECASE,
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def cite(paper: Paper, fmt: str, key: str | None = None) -> str:
    """One paper's citation in `fmt` (BibTeX under `key`, e.g. a pinned one)."""
    if fmt == "plain":
        return plain(paper)
    if fmt == "markdown":
        return markdown(paper)
    if fmt == "chat":
        return chat(paper)
    if fmt == "bibtex":
        return bibtex(paper, key=key)
    raise ValueError(f"unknown citation format {fmt!r}; choose from {', '.join(FORMATS)}")


def cite_many(papers: Sequence[Paper], fmt: str, keys: Sequence[str] | None = None) -> str:
    """The citations of several papers as one text to paste: BibTeX entries separated
    by blank lines (under `keys`, else `assign_keys`' keys, so no two share one), the
    other formats one paper per line."""
    if fmt == "bibtex":
        keys = assign_keys(papers) if keys is None else keys
        return "\n".join(bibtex(p, key=k) for p, k in zip(papers, keys, strict=True))
    return "".join(cite(p, fmt) + "\n" for p in papers)


def chat(paper: Paper) -> str:
    """`Title https://arxiv.org/abs/…`: what chat programs (Slack, Matrix, Teams,
    Discord) turn into a link when pasted, on one line; the title alone without a page."""
    title = " ".join(strip_controls(paper.title).split())
    link = page_url(paper)
    return f"{title} {link}" if link else title


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


def page_url(paper: Paper) -> str | None:
    """The paper's own page: arXiv's abstract page if the id is known, else the first
    safe link (often a code repository). Always a `safe_url`."""
    if paper.arxiv_id and (url := safe_url(f"https://arxiv.org/abs/{paper.arxiv_id}")):
        return url
    return next((u for u in map(safe_url, paper.links) if u is not None), None)


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(what, url) of each place to open: the paper's page first (arXiv when its id is
    known), then its other links (code, project pages) in the listing's order, each a
    `safe_url`, none twice."""
    urls = [page_url(paper) if paper.arxiv_id else None, *map(safe_url, paper.links)]
    out: dict[str, str] = {}
    for url in urls:
        if url is not None and url not in out:
            out[url] = _link_kind(url)
    return [(what, url) for url, what in out.items()]


def _link_kind(url: str) -> str:
    host = url.split("/")[2].lower().split("@")[-1].split(":")[0]
    host = host.removeprefix("www.")
    kinds = {
        "arxiv.org": "arXiv page",
        "huggingface.co": "Hugging Face",
        "hf.co": "Hugging Face",
        "github.com": "code (GitHub)",
        "gitlab.com": "code (GitLab)",
    }
    return kinds.get(host) or ("project page" if host.endswith(".github.io") else host)


def surname(name: str) -> str:
    """The family name in `Zhengxiang Shi` or `Shi, Zhengxiang`."""
    name = " ".join(name.split())
    if "," in name:
        return name.split(",", 1)[0].strip()
    return name.rsplit(" ", 1)[-1] if name else name


def short_name(name: str) -> str:
    """`Shi, Z.` for `Zhengxiang Shi`; `Dupont, J.-P.` for `Jean-Pierre Dupont`."""
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
    elif " " in name:
        given, family = name.rsplit(" ", 1)
    else:
        return name
    initials = " ".join(
        "-".join(f"{piece[0]}." for piece in word.split("-") if piece)
        for word in given.split()
        if word
    )
    return f"{family}, {initials}" if initials else family


def author_list(paper: Paper, limit: int = ETAL_AFTER) -> str:
    """`Shi, Z. and Lipani, A.`; `Shi, Z. et al.` beyond `limit` (or a partial list)."""
    names = [short_name(n) for n in paper.authors]
    total = max(paper.author_total or 0, len(names))
    if total > len(names) or len(names) > limit:
        return f"{names[0]} et al."
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def plain(paper: Paper) -> str:
    """`Shi, Z. and Lipani, A. (2023). Title. arXiv:2309.05173.`, or without author
    names `Title. 65 authors, April 19, 2023. https://...`"""
    title = paper.title.rstrip(".")
    if paper.authors:
        year = _year(paper)
        parts = [author_list(paper) + (f" ({year})." if year else "."), f"{title}."]
        if paper.venue:
            parts.append(f"{paper.venue.rstrip('.')}.")
        if paper.arxiv_id:
            parts.append(f"arXiv:{paper.arxiv_id}.")
        elif paper.doi:
            parts.append(f"doi:{paper.doi}.")
        elif (url := page_url(paper)) is not None:
            parts.append(url)
        return " ".join(parts)
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
    link = page_url(paper)
    head = f"[{title}]({markdown_url(link)})" if link else f"*{title}*"
    who = escape_markdown(author_list(paper)) if paper.authors else None
    details = ", ".join(
        x for x in (who or authors_phrase(paper.authors_count), _long_date(paper)) if x
    )
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


def _ascii_words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return [w.lower() for w in re.findall(r"[A-Za-z0-9]+", folded)]


def _year(paper: Paper) -> int | None:
    """The publication year, else the one an arXiv id (`2309.05173`: 2023) tells."""
    if (day := published_day(paper)) is not None:
        return day.year
    if paper.arxiv_id and re.fullmatch(r"\d{4}\.\d{4,5}", paper.arxiv_id):
        return 2000 + int(paper.arxiv_id[:2])
    return None


def bibtex_key(paper: Paper, id_chars: int = 0) -> str:
    """A key people recognise: `shi2023dept`, or without author names `dept2023`.

    First author's surname, year, first title word that is not a stopword, ASCII-folded
    and lower-case (`paper` when a title has no such word). `id_chars` appends the start
    of the paper's id (an id that is not plain letters and digits, as in a crafted
    file, is replaced by its SHA-256), so a key only ever holds `[A-Za-z0-9-]`.
    """
    words = _ascii_words(paper.title)
    word = next((w for w in words if w not in STOPWORDS), "paper")[:24]
    year = _year(paper)
    family = "".join(_ascii_words(surname(paper.authors[0])))[:24] if paper.authors else ""
    key = f"{family}{year or ''}{word}" if family else f"{word}{year or ''}"
    if id_chars:
        ident = paper.id
        if not _PLAIN_ID.fullmatch(ident):
            ident = hashlib.sha256(ident.encode("utf-8", "surrogatepass")).hexdigest()
        key = f"{key}-{ident[:id_chars]}"
    return key


def assign_keys(
    papers: Sequence[Paper],
    pinned: Mapping[str, str] | None = None,
    suffixed: Collection[str] = (),
) -> list[str]:
    """The key of each paper: its pinned key (`pinned`: by paper id), else `bibtex_key`.

    A derived key that another paper's pin holds, that pinned papers already share with
    suffixes (`suffixed`: `dept2023` once `dept2023a` and `dept2023b` are pinned), or that
    two of `papers` share, gets `a`, `b`... suffixes: the first free ones, in the order
    papers entered the library (then id), not `papers`' order, so re-exporting sorted
    otherwise keeps every key.
    """
    pinned = pinned or {}
    keys = [pinned.get(p.id) or bibtex_key(p) for p in papers]
    held = set(pinned.values())
    clashing: dict[str, list[int]] = {}
    for i, paper in enumerate(papers):
        if paper.id not in pinned:
            clashing.setdefault(keys[i], []).append(i)
    alone = {
        key
        for key, where in clashing.items()
        if len(where) == 1 and key not in held and key not in suffixed
    }
    taken = held | alone
    for key, where in clashing.items():
        if key in alone:
            continue
        where.sort(key=lambda i: (papers[i].added or "", papers[i].id))
        n = 0
        for i in where:
            while (unique := key + _suffix(n)) in taken:
                n += 1
            taken.add(unique)
            keys[i] = unique
            n += 1
    return keys


def _suffix(n: int) -> str:
    """a, b, ... z, aa, ab, ...: the n-th clash suffix."""
    out = ""
    n += 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


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
    """An entry: `@misc` as arXiv writes it for a preprint, `@inproceedings` for a
    conference venue, `@article` for a journal. `full` adds the abstract, and with an
    annotation, tags and note.

    Every value goes through `bibtex_text`, `bibtex_url` or `safe_key`; nothing read from
    the library reaches the entry any other way.
    """
    kind = entry_type(paper)
    fields: list[tuple[str, str]] = [("title", "{" + bibtex_text(paper.title) + "}")]
    if author := bibtex_authors(paper):
        fields.append(("author", author))
    elif (authors := authors_phrase(paper.authors_count)) is not None:
        fields.append(("note", bibtex_text(authors)))
    if not author:
        # Styles sort by author, else by `key`: without one, bibtex warns.
        fields.append(("key", bibtex_text(paper.title)))
    if paper.venue and kind != "misc":
        fields.append(
            ("booktitle" if kind == "inproceedings" else "journal", bibtex_text(paper.venue))
        )
    if (day := published_day(paper)) is not None:
        fields += [
            ("year", str(day.year)),
            ("month", _MONTHS[day.month - 1]),
            ("date", day.isoformat()),
        ]
    elif (year := _year(paper)) is not None:
        fields.append(("year", str(year)))
    if paper.arxiv_id:
        fields += [("eprint", bibtex_text(paper.arxiv_id)), ("archivePrefix", "arXiv")]
        if paper.categories:
            fields.append(("primaryClass", bibtex_text(paper.categories[0])))
    if paper.doi:
        fields.append(("doi", bibtex_text(paper.doi)))
    url = page_url(paper)
    if url is not None:
        if kind == "misc":
            fields.append(("howpublished", "\\url{" + _url_in_tex(url) + "}"))
        fields.append(("url", url))
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
    return f"@{kind}{{{safe_key(key or bibtex_key(paper))},\n{body}\n}}\n"


def entry_type(paper: Paper) -> str:
    """`inproceedings` for a conference or workshop, `article` for another venue (both
    need a year, which bibtex requires of them), else `misc`."""
    if not paper.venue or _year(paper) is None or not paper.authors:
        return "misc"
    return "inproceedings" if _CONFERENCE.search(paper.venue) else "article"


def bibtex_authors(paper: Paper) -> str:
    """`Zhengxiang Shi and Aldo Lipani`, `and others` when the list is incomplete.

    A name that BibTeX would misread (one holding the word "and", or more than one
    comma) is braced whole, so it stays one name.
    """
    names = []
    for name in paper.authors:
        text = bibtex_text(name)
        if not text:
            continue
        if re.search(r"\band\b", text, re.IGNORECASE) or text.count(",") > 1:
            text = "{" + text + "}"
        names.append(text)
    if names and (paper.author_total or 0) > len(paper.authors):
        names.append("others")
    return " and ".join(names)
