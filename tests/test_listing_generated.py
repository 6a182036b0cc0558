"""Generated Hugging Face pages: every layout, re-spaced, concatenated, shuffled and cut.

The strategies build pages the way the site renders them (see ../shared/samples/README.md):
the old daily layout (`• N authors` / `·` / `Apr 19, 2023 [N]` after the abstract), today's
(an upvote line before the title, an organisation or `• N authors`, a year-less date and a
comment count), the trending view (`Submitted by` cards with `Upvote` and a count, repeated
cards) and search results (titles and abstracts only), each between furniture invented
here (random capitalised phrases, never a fixed list). Transforms then vary what a copy
varies: blank lines, line endings, tabs, trailing spaces, no-break spaces, a BOM, several
pages in one file, card order, a cut at any character, and one odd block.

The oracle is what was rendered: exactly those papers come back, in order, with their
fields (repeated trending cards are one paper, with the newest upvote count).
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from readlist.errors import ImportFileError
from readlist.importers import read_text
from readlist.importers.listing import parse_listing
from readlist.models import identity_key
from readlist.text import squeeze

from .conftest import TODAY

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NBSP = "\u00a0"
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,  # CI must not depend on the draw; see the closing note of issue 9
    phases=[Phase.explicit, Phase.generate],  # shrinking a failure takes minutes here
)


# -- text that looks like titles, abstracts, organisations, furniture ----------------------

CAPITALISED = [
    "Learning", "Language", "Models", "Vision", "Retrieval", "Attention", "Sparse", "Agents",
    "Reasoning", "Diffusion", "Graph", "Neural", "Networks", "Scaling", "Laws", "Efficient",
    "Benchmark", "Alignment", "Towards", "Robust", "Planning", "Memory", "Tokens", "Speech",
    "Translation", "Kernels", "Templates", "Deep", "Small", "Large", "Multilingual", "Code",
    "Generation", "Self-Correcting", "Fine-Tuning", "Zero-Shot", "Long-Context", "Mixture",
    "Experts", "Café", "Übersetzung", "Naïve", "Ünïcödé", "Évaluation", "Beyond", "Rethinking",
]  # fmt: skip
CONNECTORS = ["of", "for", "with", "and", "in", "on", "via", "from", "to", "the", "a"]
ACRONYMS = ["LLMs", "GPT-4", "3D", "RL", "NLP", "ViT", "BERT", "C++", "C#", "1B", "100K", "MoE"]
UNICODE = ["日本語の", "∇-Net", "∂-Net", "Δ-Learning", "α-Former", "🚀", "中文", "Ελληνικά"]
PREFIXES = ["FooNet:", "C++:", "∇-Net:", "#InsTag:", "[Re]", "1+1=2:", "X-VL:", "Octo-7B:"]
ENDINGS = ["", "", "", "?", " (Almost) for Free", " [Extended Version]", " at 100B Scale"]

SENTENCE_WORDS = [
    "we", "propose", "a", "method", "that", "improves", "accuracy", "on", "six", "benchmarks",
    "by", "reducing", "the", "cost", "of", "attention", "over", "long", "contexts", "models",
    "tokens", "experts", "results", "show", "61%", "7x", "faster", "1B-parameter", "naïve",
    "données", "日本語", "(see", "appendix)", "[12]", "state-of-the-art", "e.g.", "GPT-4o",
    "C++", "∇f", "→", "“quoted”", "it’s", "Transformers,", "and", "while", "with",
]  # fmt: skip
SENTENCE_STARTS = ["We", "Our", "This", "Large", "In", "On", "The", "Results", "Recent", "To"]
URLS = ["https://github.com/example/sparse-routing", "https://huggingface.co/org/model-7b"]

ORG_WORDS = ["Meta", "Carnegie", "Mellon", "Allen", "Institute", "Tsinghua", "Google", "Mila"]
ORG_TAILS = ["AI", "University", "Research", "Lab", "DeepMind", ""]

_SYLLABLES = [c + v for c in "bdfklmnprstvz" for v in "aeiou"]


@st.composite
def titles(draw: st.DrawFn) -> str:
    """Title shapes from real listings. Never ending with a full stop: a title that ends
    like a sentence cannot be told from a one-sentence abstract without metadata."""
    pool = st.sampled_from(CAPITALISED + CAPITALISED + CONNECTORS + ACRONYMS + UNICODE)
    words = draw(st.lists(pool, min_size=2, max_size=10))
    words[0] = draw(st.sampled_from(CAPITALISED + ACRONYMS))
    if draw(st.integers(0, 3)) == 0:
        words.insert(0, draw(st.sampled_from(PREFIXES)))
    title = " ".join(words) + draw(st.sampled_from(ENDINGS))
    if draw(st.booleans()) and " " in title:  # a no-break space inside a title
        at = draw(st.sampled_from([k for k, c in enumerate(title) if c == " "]))
        title = title[:at] + NBSP + title[at + 1 :]
    return title


@st.composite
def sentences(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(SENTENCE_WORDS), min_size=2, max_size=28))
    if draw(st.integers(0, 5)) == 0:
        words.append(draw(st.sampled_from(URLS)))
    return draw(st.sampled_from(SENTENCE_STARTS)) + " " + " ".join(words) + "."


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    text = " ".join(draw(st.lists(sentences(), min_size=1, max_size=6)))
    if draw(st.booleans()):  # a no-break space stays one ("7\u00a0B", "Fig.\u00a03")
        spaces = [k for k, c in enumerate(text) if c == " "]
        at = draw(st.sampled_from(spaces))
        text = text[:at] + NBSP + text[at + 1 :]
    return text


@st.composite
def full_paragraphs(draw: st.DrawFn) -> str:
    text = " ".join(draw(st.lists(sentences(), min_size=3, max_size=8)))
    while len(text) < 250:
        text += " " + draw(sentences())
    return text


def abstracts(max_paragraphs: int = 4) -> st.SearchStrategy[list[str]]:
    return st.lists(paragraphs(), min_size=1, max_size=max_paragraphs)


@st.composite
def organisations(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(ORG_WORDS), min_size=1, max_size=3))
    return " ".join([*words, draw(st.sampled_from(ORG_TAILS))]).strip()


@st.composite
def phrases(draw: st.DrawFn) -> str:
    """Page furniture: a short capitalised phrase of made-up words (tabs, links, footers)."""
    words = []
    for _ in range(draw(st.integers(1, 3))):
        word = "".join(draw(st.lists(st.sampled_from(_SYLLABLES), min_size=1, max_size=3)))
        words.append(word.capitalize() if draw(st.integers(0, 3)) else word)
    words[0] = words[0].capitalize()
    return " ".join(words)


@st.composite
def users(draw: st.DrawFn) -> str:
    head = draw(st.sampled_from(string.ascii_lowercase))
    tail = draw(st.text(string.ascii_lowercase + string.digits + "-_", max_size=12))
    return head + tail


# -- papers and cards ------------------------------------------------------------------------


@dataclass(frozen=True)
class Expected:
    title: str
    abstract: list[str]
    upvotes: int | None = None
    comments: int | None = None
    authors_count: int | None = None
    organization: str | None = None
    published: str | None = None


@dataclass
class Card:
    lines: list[str]
    paper: Expected
    anchored_end: bool
    """Ends with metadata (or a trending footer): a stray paragraph after it is no abstract."""


def _date_text(day: date, *, year: bool) -> str:
    text = f"{MONTHS[day.month - 1]} {day.day}"
    return f"{text}, {day.year}" if year else text


def _yearless(draw: st.DrawFn) -> date:
    # Pages drop the year for dates in the current year: the latest not in the future.
    return TODAY - timedelta(days=draw(st.integers(0, 364)))


counts = st.integers(0, 9999)


@st.composite
def old_cards(draw: st.DrawFn, title: str) -> Card:
    body = draw(abstracts())
    if not draw(st.integers(0, 4)):
        # A paper without its metadata block: one whole paragraph, as on a search page
        # (this may be the only paper of the text, see `search_cards`).
        body = [draw(full_paragraphs())]
        return Card([title, *body], Expected(title, body), anchored_end=False)
    lines = [title, *body]
    n = draw(st.integers(1, 500))
    day = draw(st.dates(date(2015, 1, 1), date(2026, 12, 31)))
    comments = draw(st.none() | counts)
    date_line = _date_text(day, year=True) + ("" if comments is None else f" {comments}")
    lines += [f"  • {n} authors", "·", date_line]
    paper = Expected(title, body, None, comments, n, None, day.isoformat())
    return Card(lines, paper, anchored_end=True)


@st.composite
def todays_cards(draw: st.DrawFn, title: str) -> Card:
    upvotes = draw(st.none() | st.integers(0, 5000))
    # Some views show a one-sentence summary instead of the abstract.
    body = draw(abstracts() | sentences().map(lambda s: [s]))
    lines = ["-" if upvotes is None else str(upvotes), title, *body]
    if not draw(st.integers(0, 5)):
        return Card(lines, Expected(title, body, upvotes), anchored_end=False)
    authors = org = None
    if draw(st.booleans()):
        authors = draw(st.integers(1, 500))
        lines.append(f"• {authors} authors")
    else:
        org = draw(organisations())
        lines.append(org)
    lines.append("·")
    if draw(st.booleans()):
        day = _yearless(draw)
        shown = _date_text(day, year=False)
    else:
        day = draw(st.dates(date(2015, 1, 1), date(2026, 12, 31)))
        shown = _date_text(day, year=True)
    comments = draw(st.none() | counts)
    lines.append(shown + ("" if comments is None else f" {comments}"))
    paper = Expected(title, body, upvotes, comments, authors, org, day.isoformat())
    return Card(lines, paper, anchored_end=True)


@st.composite
def trending_cards(draw: st.DrawFn, title: str) -> Card:
    summary = draw(sentences())
    upvotes = draw(st.integers(0, 5000))
    day = draw(st.dates(date(2015, 1, 1), date(2026, 12, 31)))
    authors = org = None
    if draw(st.booleans()):
        authors = draw(st.integers(1, 500))
        who = f"• {authors} authors"
    else:
        org = draw(organisations())
        who = org
    stars = draw(st.sampled_from(["1.2k", "310", "3.4k", "12k"]))
    buttons = draw(
        st.sampled_from([f"GitHub {stars}  arXiv Page", "arXiv Page", f"GitHub {stars}", ""])
    )
    user = draw(users())
    lines = ["Submitted by", user, title, summary]
    lines += [f"{who} · Published on {_date_text(day, year=True)}", "Upvote", str(upvotes)]
    lines += [buttons] if buttons else []
    paper = Expected(title, [summary], upvotes, None, authors, org, day.isoformat())
    return Card(lines, paper, anchored_end=True)


@st.composite
def search_cards(draw: st.DrawFn, title: str) -> Card:
    # Search results show each paper's whole abstract as one paragraph. Several paragraphs
    # under a title with no metadata anywhere are what a blog post with headings looks
    # like (refused as a document), and without any anchor a title over one short remark
    # is what the end of a shopping list looks like: so, one paragraph of a few sentences.
    body = [draw(full_paragraphs())]
    return Card([title, *body], Expected(title, body), anchored_end=False)


LAYOUTS = {
    "old": old_cards,
    "today": todays_cards,
    "trending": trending_cards,
    "search": search_cards,
}


@dataclass
class Page:
    layout: str
    head: list[str]
    cards: list[Card]
    foot: list[str] = field(default_factory=list)


@st.composite
def pages(draw: st.DrawFn, layout: str, page_titles: list[str]) -> Page:
    make = LAYOUTS[layout]
    cards = [draw(make(t)) for t in page_titles]
    if layout == "trending" and cards and draw(st.booleans()):
        # The trending view may show a card again, with a newer upvote count.
        again = draw(st.sampled_from(cards))
        upvotes = draw(st.integers(0, 5000))
        lines = [str(upvotes) if k == 6 else line for k, line in enumerate(again.lines)]
        at = draw(st.integers(cards.index(again) + 1, len(cards)))
        cards.insert(at, Card(lines, replace(again.paper, upvotes=upvotes), True))
    head = draw(st.lists(phrases(), min_size=1, max_size=6))
    if layout in ("old", "today") and draw(st.booleans()):
        # The page's own date; always after some furniture (a bare date right after an
        # abstract would read as that paper's date).
        head.append(_date_text(_yearless(draw), year=False))
    foot = draw(st.lists(phrases(), max_size=6))
    return Page(layout, head, cards, foot)


@st.composite
def listings(draw: st.DrawFn, max_pages: int = 3) -> list[Page]:
    layouts = draw(st.lists(st.sampled_from(sorted(LAYOUTS)), min_size=1, max_size=max_pages))
    sizes = [draw(st.integers(1 if layout != "search" else 2, 6)) for layout in layouts]
    every = draw(
        st.lists(titles(), min_size=sum(sizes), max_size=sum(sizes), unique_by=identity_key)
    )
    out, at = [], 0
    for layout, size in zip(layouts, sizes, strict=True):
        out.append(draw(pages(layout, every[at : at + size])))
        at += size
    return out


# -- rendering -------------------------------------------------------------------------------


@dataclass
class Rendered:
    text: str
    papers: list[tuple[Expected, int]]
    """Each card's paper and the offset just after its last character."""


@st.composite
def separators(draw: st.DrawFn) -> str:
    return draw(st.sampled_from(["\n", "\n\n", "\n\n\n", "\n  \n", "\n\t\n", "\n \n\n"]))


@st.composite
def respaced(draw: st.DrawFn, line: str) -> str:
    """A line as a copy may carry it: indented, with trailing spaces, a tab for a space."""
    if draw(st.integers(0, 3)) == 0 and " " in line.strip():
        spaces = [k for k, c in enumerate(line) if c == " " and line[k - 1 : k + 2].count(" ") == 1]
        if spaces:
            at = draw(st.sampled_from(spaces))
            line = line[:at] + "\t" + line[at + 1 :]
    indent = draw(st.sampled_from(["", "", "  ", "\t"]))
    trailing = draw(st.sampled_from(["", "", " ", "  \t"]))
    return indent + line + trailing


@st.composite
def renders(draw: st.DrawFn, listing: list[Page]) -> Rendered:
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    parts: list[str] = [bom]
    size = len(bom)
    papers: list[tuple[Expected, int]] = []

    def emit(line: str) -> None:
        nonlocal size
        if size > len(bom):
            gap = draw(separators()).replace("\n", newline)
            parts.append(gap)
            size += len(gap)
        text = draw(respaced(line))
        parts.append(text)
        size += len(text)

    for page in listing:
        for line in page.head:
            emit(line)
        for card in page.cards:
            for line in card.lines:
                emit(line)
            papers.append((card.paper, size))
        for line in page.foot:
            emit(line)
    if draw(st.booleans()):
        parts.append(newline)
    return Rendered("".join(parts), papers)


def expected_papers(papers: list[Expected]) -> list[Expected]:
    """What the library shows: one paper per title identity, in first-seen order, with the
    newest count (a repeated trending card)."""
    by_key: dict[str, Expected] = {}
    for paper in papers:
        key = identity_key(paper.title)
        old = by_key.get(key)
        by_key[key] = paper if old is None else replace(old, upvotes=paper.upvotes)
    return list(by_key.values())


def shown(paper: Expected) -> tuple[object, ...]:
    return (
        squeeze(paper.title),  # a title is one line, its spaces squeezed (no-break ones kept)
        "\n\n".join(paper.abstract),
        paper.upvotes,
        paper.comments,
        paper.authors_count,
        paper.organization,
        paper.published,
    )


def imported(text: str) -> list[tuple[object, ...]]:
    listing = read_text(text, shown="page.txt", source="page.txt", today=TODAY)
    return [
        (
            p.title,
            p.abstract,
            p.upvotes,
            p.comments,
            p.authors_count,
            p.organization,
            p.published,
        )
        for p in listing.papers
    ]


# -- properties ------------------------------------------------------------------------------


@SETTINGS
@given(st.data())
def test_every_rendered_paper_comes_back_exactly(data: st.DataObject) -> None:
    listing = data.draw(listings())
    rendered = data.draw(renders(listing))
    expected = expected_papers([paper for paper, _ in rendered.papers])
    assert imported(rendered.text) == [shown(p) for p in expected]


@SETTINGS
@given(st.data())
def test_the_parser_keeps_no_break_spaces_in_titles(data: st.DataObject) -> None:
    listing = data.draw(listings(max_pages=1))
    rendered = data.draw(renders(listing))
    parsed = parse_listing(rendered.text, today=TODAY)
    titles_seen = list(dict.fromkeys(p.title for p in parsed.papers))
    assert titles_seen == list(dict.fromkeys(paper.title for paper, _ in rendered.papers))


@SETTINGS
@given(st.data())
def test_shuffled_cards_come_back_in_their_new_order(data: st.DataObject) -> None:
    listing = data.draw(listings())
    for page in listing:
        order = data.draw(st.permutations(range(len(page.cards))))
        page.cards = [page.cards[k] for k in order]
    rendered = data.draw(renders(listing))
    expected = expected_papers([paper for paper, _ in rendered.papers])
    assert imported(rendered.text) == [shown(p) for p in expected]


ODD_KINDS = ["emoji", "lone title", "stray paragraph", "emoji-titled paper"]


@st.composite
def odd_blocks(draw: st.DrawFn, kind: str) -> list[str]:
    if kind == "emoji":
        return [draw(st.sampled_from(["🚀", "🤗🤗", "🔥 ✨", "👍"]))]
    if kind == "lone title":  # a paper whose abstract is missing
        return [draw(titles())]
    if kind == "stray paragraph":
        return [draw(paragraphs())]
    return [draw(st.sampled_from(["🚀", "🤗 🤗"])), draw(paragraphs())]


@SETTINGS
@given(st.data())
def test_one_odd_block_does_not_shift_the_rest(data: st.DataObject) -> None:
    listing = data.draw(listings())
    kind = data.draw(st.sampled_from(ODD_KINDS))
    block = data.draw(odd_blocks(kind))
    if kind == "lone title":
        taken = {identity_key(c.paper.title) for p in listing for c in p.cards}
        if identity_key(block[0]) in taken:
            return
    # Where it can go: between cards or at a page's top. A stray paragraph right after an
    # abstract without metadata is that abstract's next paragraph for any reader, and
    # right after the page's furniture (a short capitalised line) it is a title and its
    # abstract: so it only goes after a card that metadata closes.
    spots = []
    for p, page in enumerate(listing):
        for c in range(len(page.cards) + 1):
            after = page.cards[c - 1] if c else None
            if kind == "stray paragraph" and (after is None or not after.anchored_end):
                continue
            spots.append((p, c))
    if not spots:
        return
    p, c = data.draw(st.sampled_from(spots))
    page = listing[p]
    page.cards.insert(c, Card(block, Expected("", []), anchored_end=False))
    rendered = data.draw(renders(listing))
    expected = expected_papers([paper for paper, _ in rendered.papers if paper.title])
    assert imported(rendered.text) == [shown(p) for p in expected]


@SETTINGS
@given(st.data())
def test_a_cut_page_keeps_what_is_before_the_cut_and_invents_nothing(
    data: st.DataObject,
) -> None:
    listing = data.draw(listings())
    rendered = data.draw(renders(listing))
    cut = data.draw(st.integers(1, len(rendered.text)))
    text = rendered.text[:cut]
    whole = [paper for paper, end in rendered.papers if end <= cut]
    straddling = next((paper for paper, end in rendered.papers if end > cut), None)
    if not text.strip():
        return
    try:
        got = imported(text)
    except ImportFileError as error:  # a cut page with no whole paper may be refused
        assert not whole, str(error)
        return
    want = [shown(p) for p in expected_papers(whole)]
    assert got[: len(want)] == want
    extra = got[len(want) :]
    # Only the paper the cut went through may come back: its whole title, the start of
    # its abstract, and no field that differs from the page (a cut date line may say less).
    assert len(extra) <= 1, extra
    if extra:
        assert straddling is not None
        real = shown(straddling)
        title, abstract, *fields = extra[0]
        assert title == real[0]
        assert str(real[1]).startswith(str(abstract))
        tail = text.rstrip().rsplit("\n", 1)[-1].rsplit("\r", 1)[-1]
        cut_in_date = any(m in tail for m in MONTHS)
        # A count cut short ("Upvote" / "10" of "1058") reads as a smaller count: no
        # reader can tell, as with a cut date line.
        cut_in_count = tail.strip().replace(",", "").isdigit()
        for got_field, real_field in zip(fields, real[2:], strict=True):
            if cut_in_count and isinstance(got_field, int) and isinstance(real_field, int):
                assert str(real_field).startswith(str(got_field))
            elif not cut_in_date:
                assert got_field in (None, real_field)
