"""A text wrapped once and re-marked line by line draws what a whole wrap draws.

The detail pane wraps an abstract once and, for each key typed in the filter, renders
again only the lines the new marks touch (`MarkedLines`). Whatever it returns must be,
segment for segment, what wrapping the marked text whole gives; where it cannot be
sure it says None and the pane wraps whole. These tests check both, on generated texts
(words of every width, runs of blanks, newlines, tabs, words longer than a line) and
on the marks a query makes.
"""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.style import Style
from rich.text import Text

from readlist.errors import QueryError
from readlist.query import parse
from readlist.query.highlight import match_spans
from readlist.tui.widgets.marking import MarkedLines, render_strips

STYLE = Style(color="white", bgcolor="black")
MATCH = Style(color="cyan", bold=True, underline=True)
WORDS = [
    "prompt",
    "tuning",
    "RAG-based",
    "language",
    "models",
    "ß-Net",
    "漢字テキスト",
    "naïve",
    "e.g.,",
    "x" * 70,  # longer than any line: folded
    "(LLMs)",
    "state-of-the-art",
]
BLANKS = [" ", " ", " ", "  ", "\n", "\n\n", "\t", " \n "]


def console() -> Console:
    return Console(width=200, color_system="truecolor", force_terminal=True, legacy_windows=False)


def whole(text: str, spans: list[tuple[int, int]], width: int) -> list[list[object]]:
    """What the pane drew before: the marked text wrapped whole."""
    con = console()
    marked = Text(text)
    for start, end in spans:
        marked.stylize(MATCH, start, end)
    strips = render_strips(con, con.options.update_width(width), STYLE, marked, width)
    return [list(strip) for strip in strips]


@st.composite
def texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=40))
    blanks = draw(st.lists(st.sampled_from(BLANKS), min_size=len(words), max_size=len(words)))
    lead = draw(st.sampled_from(["", " ", "\n"]))
    return lead + "".join(w + b for w, b in zip(words, blanks, strict=True)).rstrip(" ")


@st.composite
def any_spans(draw: st.DrawFn, text: str) -> list[tuple[int, int]]:
    cuts = sorted(set(draw(st.lists(st.integers(0, len(text)), max_size=8))))
    pairs = list(zip(cuts[::2], cuts[1::2], strict=False))
    return [(a, b) for a, b in pairs if a < b]


@settings(max_examples=300, deadline=None)
@given(text=texts(), width=st.integers(4, 60), data=st.data())
def test_marks_anywhere_draw_what_a_whole_wrap_draws_or_say_they_cannot(
    text: str, width: int, data: st.DataObject
) -> None:
    con = console()
    options = con.options.update_width(width)
    lines = MarkedLines.of(con, options, STYLE, text, width)
    assert [list(s) for s in lines.plain] == whole(text, [], width)
    spans = data.draw(any_spans(text))
    marked = lines.marked(spans, con, options, STYLE, MATCH)
    if marked is not None:
        assert [list(s) for s in marked] == whole(text, spans, width)


@settings(max_examples=200, deadline=None)
@given(text=texts(), width=st.integers(8, 60), seed=st.integers(0, 10_000))
def test_a_querys_marks_draw_what_a_whole_wrap_draws(text: str, width: int, seed: int) -> None:
    con = console()
    options = con.options.update_width(width)
    lines = MarkedLines.of(con, options, STYLE, text, width)
    rng = random.Random(seed)
    # Prefixes of the text's own words, a word, a phrase, an OR: as typed in the filter.
    word = rng.choice(WORDS).split("-")[0].strip("(.,")
    for typed in (word[:1], word[:3], word, f'"{word} {rng.choice(WORDS)}"', f"{word} OR tun"):
        try:
            query = parse(typed)
        except QueryError:  # (a word such as "(LLMs)" typed bare)
            continue
        spans = match_spans(text, query.highlights("abstract"))
        marked = lines.marked(spans, con, options, STYLE, MATCH)
        if marked is not None:
            assert [list(s) for s in marked] == whole(text, spans, width), typed


ABSTRACT = (
    "Prompt tuning adapts large language models to new tasks by learning a few "
    "continuous prompt vectors while the model stays frozen. We show that prompt "
    "tuning matches full fine-tuning on language understanding benchmarks.\n\n"
    "A second paragraph: retrieval-augmented generation (RAG) with tuned prompts."
)


def test_only_the_lines_a_mark_touches_are_drawn_again() -> None:
    con = console()
    width = 40
    options = con.options.update_width(width)
    lines = MarkedLines.of(con, options, STYLE, ABSTRACT, width)
    assert lines.lines is not None  # every line located: the fast path is taken
    spans = match_spans(ABSTRACT, parse("tun").highlights("abstract"))
    marked = lines.marked(spans, con, options, STYLE, MATCH)
    assert marked is not None
    assert [list(s) for s in marked] == whole(ABSTRACT, spans, width)
    touched = {i for i, strip in enumerate(marked) if "tun" in strip.text.lower()}
    assert touched and len(touched) < len(marked)
    for i, strip in enumerate(marked):
        if i in touched:
            assert strip is not lines.plain[i]
            assert any(seg.style == STYLE + MATCH for seg in strip)
        else:
            assert strip is lines.plain[i]  # the strip Textual already styled
    # The same marks again: the same strips; no marks: the plain ones.
    assert lines.marked(list(spans), con, options, STYLE, MATCH) is marked
    assert lines.marked([], con, options, STYLE, MATCH) is lines.plain


def test_a_phrase_cut_by_the_wrap_is_left_to_a_whole_wrap() -> None:
    con = console()
    text = "aaaa prompt tuning bbbb"
    width = 12  # "aaaa prompt " | "tuning bbbb"
    options = con.options.update_width(width)
    lines = MarkedLines.of(con, options, STYLE, text, width)
    spans = match_spans(text, parse('"prompt tuning"').highlights("abstract"))
    assert spans == [(5, 18)]
    assert lines.marked(spans, con, options, STYLE, MATCH) is None


def test_a_line_rich_changed_is_left_to_a_whole_wrap() -> None:
    con = console()
    text = "tabbed\tword and more words here"
    options = con.options.update_width(20)
    lines = MarkedLines.of(con, options, STYLE, text, 20)
    assert lines.lines is None  # the tab was expanded: the line is not in the text
    assert lines.marked([(0, 3)], con, options, STYLE, MATCH) is None
