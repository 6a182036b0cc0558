"""arXiv pages: listings (/list/<cat>/new, /recent) and abstract pages (/abs/ID).

The fixtures in tests/data/arxiv-*.txt are written for these tests in the shape arXiv's
pages have when copied from a browser (furniture, section lines, wrapped fields).
"""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import ImportFileError
from readlist.importers import read_listing, read_text
from readlist.importers.arxiv import parse
from readlist.importers.base import RawPaper
from readlist.importers.formats import sniff

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "samples"
TODAY = date(2026, 11, 22)


def papers(name: str) -> dict[str | None, RawPaper]:
    parsed = parse((DATA / name).read_text(encoding="utf-8"), TODAY)
    assert parsed.problem is None
    return {p.arxiv_id: p for p in parsed.papers}


def test_new_listing_gives_every_entry_with_its_fields() -> None:
    found = papers("arxiv-list-new.txt")
    assert list(found) == ["2411.01234", "2411.01300", "2411.01377", "2411.00877", "2305.14314"]
    first = found["2411.01234"]
    assert first.title == "Self-Correcting Code Generation with Execution Traces"
    # TeX accents in names become letters; order is kept.
    assert first.authors == ("Ana Lima", "Wei Zhang", "Priya Natarajan", "Tomás García")
    # Subjects wrapped onto an indented line; primary category first.
    assert first.categories == ("cs.CL", "cs.LG", "cs.SE")
    assert first.published == "2024-11-25"  # the listing's date line
    # Two hard-wrapped paragraphs, each joined into one, separated by a blank line.
    assert first.abstract == (
        "Large language models generate code that often fails on the first run. We let a "
        "model read the execution trace of its own program and rewrite the program until "
        "the tests pass.\n\nOn three repair benchmarks the method fixes far more bugs than "
        "a model that reads only error messages, and the gains hold across model sizes."
    )
    assert first.paragraphs == 2
    assert first.links == (
        "https://arxiv.org/abs/2411.01234",
        "https://github.com/example/tracefix",  # from the Comments line
    )
    assert first.doi is None and first.venue is None


def test_wrapped_title_and_authors_journal_ref_and_doi() -> None:
    second = papers("arxiv-list-new.txt")["2411.01300"]
    assert second.title == (
        "Counting Words in Forty Languages: A Tokenizer-Free Benchmark for Low-Resource Morphology"
    )
    assert second.authors == (
        "Ingrid Olsen",
        "Kwame Mensah",
        "Lucía Fernández",
        "Hiroshi Tanaka",
        "Mei-Ling Chen",
        "Oluwaseun Adeyemi",
    )
    assert second.venue == (
        "Transactions of the Association for Computational Linguistics 13 (2025) 101-120"
    )
    assert second.doi == "10.1162/tacl_a_00701"


def test_one_sentence_abstract_cross_list_and_replacement() -> None:
    found = papers("arxiv-list-new.txt")
    assert found["2411.01377"].abstract == "Attention sinks appear in every model we trained."
    cross = found["2411.00877"]
    assert cross.categories == ("cs.LG", "cs.CL")  # its own primary, not the page's
    assert cross.published == "2024-11-25"
    replaced = found["2305.14314"]
    # A replacement has no abstract: still a paper; its listing date is not its own.
    assert (replaced.title, replaced.abstract, replaced.published) == (
        "Quantized Adapters Revisited",
        "",
        None,
    )
    assert replaced.authors == ("Eun-ji Park", "Martin Dubois")
    # The footer after the last entry is no paper and no abstract.
    assert all("Privacy" not in p.abstract for p in found.values())


def test_recent_listing_in_the_layout_without_labels() -> None:
    found = papers("arxiv-list-recent.txt")
    assert list(found) == ["2411.19001", "2411.19050", "2411.18777"]
    first = found["2411.19001"]
    assert first.title == (
        "Retrieval Heads Are Not Enough: Probing Long-Context Recall in Small Language Models"
    )
    assert first.authors == ("Marta Silva", "Jonas Becker", "Aiko Yamamoto")
    assert first.categories == ("cs.CL", "cs.IR")
    assert first.abstract == ""
    assert found["2411.19050"].categories == ("cs.CL", "cs.SD", "eess.AS")
    # Each day's section dates its own entries.
    assert [p.published for p in found.values()] == ["2024-11-29", "2024-11-29", "2024-11-28"]
    assert found["2411.18777"].authors == ("Grace O'Neill",)


def test_abstract_page() -> None:
    (paper,) = papers("arxiv-abs.txt").values()
    assert paper.title == "Self-Correcting Code Generation with Execution Traces"
    assert paper.authors == ("Ana Lima", "Wei Zhang", "Priya Natarajan", "Tomás García")
    assert paper.arxiv_id == "2411.01234"
    assert paper.published == "2024-11-03"  # submitted on, not last revised
    assert paper.categories == ("cs.CL", "cs.LG")
    assert paper.abstract.startswith("Large language models generate code")
    assert paper.abstract.endswith("https://github.com/example/tracefix.")
    # The related DOI, not arXiv's own DataCite DOI.
    assert paper.doi == "10.18653/v1/2024.findings-emnlp.42"
    assert paper.venue == "Findings of the Association for Computational Linguistics: EMNLP 2024"
    assert paper.links == (
        "https://arxiv.org/abs/2411.01234",
        "https://github.com/example/tracefix",
    )


def test_two_abstract_pages_pasted_into_one_file() -> None:
    page = (DATA / "arxiv-abs.txt").read_text(encoding="utf-8")
    other = (
        page.replace("2411.01234", "2412.00042")
        .replace("Self-Correcting Code Generation with Execution Traces", "Tracing Agents")
        .replace("3 Nov 2024 (v1)", "1 Dec 2024 (v1)")
    )
    parsed = parse(page + "\n" + other, TODAY)
    assert [(p.arxiv_id, p.title, p.published) for p in parsed.papers] == [
        ("2411.01234", "Self-Correcting Code Generation with Execution Traces", "2024-11-03"),
        ("2412.00042", "Tracing Agents", "2024-12-01"),
    ]


@pytest.mark.parametrize("name", ["arxiv-list-new.txt", "arxiv-list-recent.txt", "arxiv-abs.txt"])
def test_crlf_bom_and_tabs_read_the_same(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    windows = "\ufeff" + text.replace("Subjects: ", "Subjects:\t").replace("\n", "\r\n")
    assert sniff(windows) == "arxiv"
    assert parse(windows, TODAY).papers == parse(text, TODAY).papers


def test_entry_without_title_is_skipped_and_reported() -> None:
    text = (
        "New submissions (showing 2 of 2 entries)\n"
        "[1] arXiv:2411.05555 [pdf, other]\n"
        "Subjects: Computation and Language (cs.CL)\n"
        "[2] arXiv:2411.05556 [pdf, other]\n"
        "Title: Kept Paper\n"
        "Authors: Ada Byron\n"
        "Subjects: Computation and Language (cs.CL)\n"
        "A short abstract that says what the paper does.\n"
    )
    parsed = parse(text, TODAY)
    assert [p.title for p in parsed.papers] == ["Kept Paper"]
    assert parsed.skipped == 1
    assert parsed.notes == ["entry [1] arXiv:2411.05555 skipped: no title"]


def test_text_that_is_no_arxiv_page_is_refused_in_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Hi all,\n\nthe reading group meets on Friday.\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as error:
        read_listing(notes, today=TODAY, fmt="arxiv")
    message = str(error.value)
    assert "\n" not in message
    assert "notes.txt" in message and "no arXiv listing" in message


def test_read_text_records_arxiv_as_the_source_kind() -> None:
    text = (DATA / "arxiv-list-new.txt").read_text(encoding="utf-8")
    listing = read_text(text, shown="pasted text", source="-", today=TODAY)
    assert listing.format == "arxiv"
    paper = next(p for p in listing.papers if p.arxiv_id == "2411.01234")
    assert ("authors", "arxiv") in paper.said and ("arxiv_id", "arxiv") in paper.said


def test_sniffing_tells_arxiv_from_hugging_face_and_bibtex() -> None:
    for path in [*SHARED.glob("*.txt"), *DATA.glob("hf-*.txt")]:
        assert sniff(path.read_text(encoding="utf-8")) == "hf", path.name
    for path in DATA.glob("arxiv-*.txt"):
        assert sniff(path.read_text(encoding="utf-8")) == "arxiv", path.name
    for path in DATA.glob("*.bib"):
        assert sniff(path.read_text(encoding="utf-8")) == "bibtex", path.name


def test_hugging_face_paper_page_is_never_arxiv_even_with_subjects_in_its_abstract() -> None:
    page = (DATA / "hf-paper-page.txt").read_text(encoding="utf-8")
    assert "arxiv:2411.01234" in page and "Authors:" in page
    assert sniff(page) == "hf"
    assert sniff(page.replace("Abstract\n", "Abstract\nTitle: and more\n")) == "hf"


# -- property: generated listings come back exactly --------------------------------------

WORDS = [
    "attention",
    "sparse",
    "model",
    "language",
    "retrieval",
    "graph",
    "neural",
    "small",
    "large",
    "efficient",
    "agents",
    "reasoning",
    "speech",
    "vision",
    "tokens",
    "memory",
    "scaling",
    "robust",
    "learning",
    "data",
    "benchmark",
    "translation",
    "alignment",
    "diffusion",
    "policy",
]
GIVEN = ["Ana", "Wei", "Priya", "Tomás", "Zoë", "Kwame", "Mei-Ling", "Jörg", "Søren", "Aiko"]
FAMILY = ["Lima", "Zhang", "Natarajan", "García", "Olsen", "Mensah", "Chen", "Müller", "O'Neill"]
CATEGORIES = ["cs.CL", "cs.LG", "cs.AI", "cs.CV", "stat.ML", "eess.AS", "math.OC", "q-bio.NC"]
NAMES = {"cs.CL": "Computation and Language", "cs.LG": "Machine Learning"}

words = st.lists(st.sampled_from(WORDS), min_size=2, max_size=14)
title = words.map(lambda w: " ".join(w).capitalize())
author = st.tuples(st.sampled_from(GIVEN), st.sampled_from(FAMILY)).map(" ".join)
sentence = st.lists(st.sampled_from(WORDS), min_size=4, max_size=20).map(
    lambda w: " ".join(w).capitalize() + "."
)
paragraph = st.lists(sentence, min_size=1, max_size=4).map(" ".join)
entry = st.fixed_dictionaries(
    {
        "title": title,
        "authors": st.lists(author, min_size=1, max_size=8, unique=True),
        "categories": st.lists(st.sampled_from(CATEGORIES), min_size=1, max_size=3, unique=True),
        "abstract": st.lists(paragraph, min_size=0, max_size=3),
        "comments": st.none() | st.sampled_from(["9 pages", "Accepted at ACL 2025", "v2: typos"]),
    }
)


def render(entries: list[dict[str, object]], ids: list[str], rng: random.Random) -> str:
    """One listing page: furniture, sections, entries in either layout, wrapped."""
    return "\n".join(render_lines(entries, ids, rng)[0])


def render_lines(
    entries: list[dict[str, object]], ids: list[str], rng: random.Random
) -> tuple[list[str], list[tuple[int, int]]]:
    """The page's lines, and for each entry where its id line is and where its fields end."""
    width = rng.randint(30, 110)

    def wrap(label: str, value: str) -> list[str]:
        return textwrap.wrap(
            f"{label}{value}",
            width,
            subsequent_indent="    ",
            break_on_hyphens=False,
            break_long_words=False,
        )

    labels = rng.random() < 0.5
    out = ["Computation and Language", "Showing new listings for Monday, 25 November 2024"]
    out.append(f"New submissions (showing {len(entries)} of {len(entries)} entries)")
    spans: list[tuple[int, int]] = []
    for n, (item, arxiv_id) in enumerate(zip(entries, ids, strict=True), start=1):
        out += [""] * rng.randint(0, 2)
        start = len(out)
        out.append(f"[{n}] arXiv:{arxiv_id} [pdf, html, other]")
        authors = ", ".join(item["authors"])
        if labels:
            out += wrap("Title: ", str(item["title"])) + wrap("Authors: ", authors)
        else:
            # The layout without labels: the title wraps onto indented lines, or it
            # wraps flush and the author list wraps after commas.
            names = list(item["authors"])
            if rng.random() < 0.5:
                out += [*wrap("", str(item["title"])), authors]
            else:
                out += textwrap.wrap(str(item["title"]), width, break_long_words=False)
                cuts = sorted(rng.sample(range(1, len(names)), rng.randint(0, len(names) - 1)))
                for first, end in zip([0, *cuts], [*cuts, len(names)], strict=True):
                    out.append(", ".join(names[first:end]) + ("," if end < len(names) else ""))
        if item["comments"]:
            out += wrap("Comments: ", str(item["comments"]))
        subjects = "; ".join(f"{NAMES.get(c, 'Some Subject')} ({c})" for c in item["categories"])
        out += wrap("Subjects: ", subjects)
        spans.append((start, len(out)))
        for i, para in enumerate(item["abstract"]):
            if i or rng.random() < 0.5:
                out.append("")
            out += textwrap.wrap(para, width, break_long_words=False)
    out += ["Total of 3 entries", "About", "Help", "Privacy Policy"]
    return out, spans


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pages=st.lists(st.lists(entry, min_size=1, max_size=5), min_size=1, max_size=3),
    seed=st.integers(0, 2**32),
)
def test_generated_listings_parse_back_exactly(
    pages: list[list[dict[str, object]]], seed: int
) -> None:
    rng = random.Random(seed)
    numbers = rng.sample(range(10_000, 99_999), sum(len(p) for p in pages))
    expected: dict[str, dict[str, object]] = {}
    texts = []
    for page in pages:
        rng.shuffle(page)
        ids = [f"2411.{numbers.pop()}" for _ in page]
        texts.append(render(page, ids, rng))
        expected.update(zip(ids, page, strict=True))
    parsed = parse("\n".join(texts), TODAY)
    assert parsed.problem is None and parsed.skipped == 0
    got = {p.arxiv_id: p for p in parsed.papers}
    assert list(got) == list(expected)
    for arxiv_id, item in expected.items():
        paper = got[arxiv_id]
        assert paper.title == item["title"]
        assert paper.authors == tuple(item["authors"])
        assert paper.categories == tuple(item["categories"])
        assert paper.abstract == "\n\n".join(item["abstract"])
        assert paper.published == "2024-11-25"
        assert paper.links[0] == f"https://arxiv.org/abs/{arxiv_id}"


def test_footer_run_into_the_last_abstract_is_left_out() -> None:
    text = (
        "[1] arXiv:2411.07001 [pdf, html, other]\n"
        "Title: Small Models Count Too\n"
        "Authors: Ada Byron\n"
        "Subjects: Computation and Language (cs.CL)\n"
        "We show that small models count words as well as large ones when they are\n"
        "asked twice.\n"
        "About\n"
        "Help\n"
        "Privacy Policy\n"
        "Get status notifications via email or slack\n"
    )
    (paper,) = parse(text, TODAY).papers
    assert paper.abstract == (
        "We show that small models count words as well as large ones when they are asked twice."
    )
    # A link on the last line is part of the abstract, not furniture.
    with_code = text.replace("asked twice.\n", "asked twice. Code:\nhttps://github.com/ex/small\n")
    (paper,) = parse(with_code, TODAY).papers
    assert paper.abstract.endswith("asked twice. Code: https://github.com/ex/small")
    assert paper.links[-1] == "https://github.com/ex/small"


@pytest.mark.parametrize(
    ("header", "published"),
    [
        ("New submissions for Mon, 25 Nov 24", "2024-11-25"),
        ("Showing new listings for Monday, 25 November 2024", "2024-11-25"),
        ("Tue, 3 Dec 2024 (showing 12 of 12 entries )", "2024-12-03"),
        ("Cross-lists for Mon, 25 Nov 24", "2024-11-25"),
        ("Replacements for Mon, 25 Nov 24", None),
    ],
)
def test_date_lines_date_the_entries_below_them(header: str, published: str | None) -> None:
    text = (
        f"{header}\n"
        "[7]  arXiv:2411.07002 [pdf, other]\n"
        "Title: Dated Paper\n"
        "Authors: Ada Byron\n"
        "Subjects: Computation and Language (cs.CL)\n"
    )
    (paper,) = parse(text, TODAY).papers
    assert (paper.title, paper.published) == ("Dated Paper", published)


def test_names_drop_affiliations_and_et_al_but_keep_initials() -> None:
    text = (
        "[1] arXiv:2411.07003 [pdf]\n"
        "Title: Names\n"
        "Authors: A. N. Other (1), Mei-Ling Chen (2), Martin Luther King Jr. ((1) MIT, (2)\n"
        "    Stanford University), J. Doe et al\n"
        "Subjects: Computation and Language (cs.CL)\n"
    )
    (paper,) = parse(text, TODAY).papers
    assert paper.authors == ("A. N. Other", "Mei-Ling Chen", "Martin Luther King Jr.", "J. Doe")


def test_abstract_words_that_look_like_sections_do_not_end_the_entry() -> None:
    text = (
        "[1] arXiv:2411.07004 [pdf]\n"
        "Title: Reviewing at Scale\n"
        "Authors: Ada Byron\n"
        "Subjects: Digital Libraries (cs.DL)\n"
        "We study how moderators handle\n"
        "new submissions to a preprint server and how\n"
        "replacements change what readers see.\n"
        "\n"
        "Code: https://github.com/ex/review\n"
    )
    (paper,) = parse(text, TODAY).papers
    assert paper.abstract == (
        "We study how moderators handle new submissions to a preprint server and how "
        "replacements change what readers see.\n\nCode: https://github.com/ex/review"
    )
    assert paper.links == ("https://arxiv.org/abs/2411.07004", "https://github.com/ex/review")


PATHOLOGICAL = {
    "200k lines inside one field": (
        "'[1] arXiv:2411.00001 [pdf]\\nTitle: T\\n' + 'word\\n' * 200_000 + 'Subjects: X (cs.CL)\\n'"
    ),
    "50k entries": (
        "''.join(f'[{i}] arXiv:2411.{i:05d} [pdf]\\nTitle: T{i}\\nSubjects: X (cs.CL)\\n'"
        " for i in range(50_000))"
    ),
    "100k open parentheses in an author line": (
        "'[1] arXiv:2411.00001 [pdf]\\nTitle: T\\nAuthors: ' + '(' * 100_000 + '\\nSubjects: (cs.CL)\\n'"
    ),
}


@pytest.mark.parametrize("expression", PATHOLOGICAL.values(), ids=list(PATHOLOGICAL))
def test_pathological_arxiv_text_finishes(tmp_path: Path, expression: str) -> None:
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from readlist.importers.arxiv import parse\n"
        f"print(len(parse({expression}, date(2026, 1, 1)).papers))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=st.lists(entry, min_size=1, max_size=6), seed=st.integers(0, 2**32), data=st.data())
def test_a_cut_off_listing_keeps_every_entry_before_the_cut(
    page: list[dict[str, object]], seed: int, data: st.DataObject
) -> None:
    rng = random.Random(seed)
    ids = [f"2411.{n}" for n in rng.sample(range(10_000, 99_999), len(page))]
    lines, spans = render_lines(page, ids, rng)
    cut = data.draw(st.integers(1, len(lines)), label="cut")
    parsed = parse("\n".join(lines[:cut]), TODAY)
    got = {p.arxiv_id: p for p in parsed.papers}
    for arxiv_id, item, (start, fields_end) in zip(ids, page, spans, strict=True):
        if start >= cut:
            assert arxiv_id not in got  # nothing invented after the cut
        elif fields_end <= cut:
            paper = got[arxiv_id]
            assert paper.title == item["title"]
            assert paper.authors == tuple(item["authors"])
            assert paper.categories == tuple(item["categories"])
            # The abstract is what was left of it: a prefix, never other text.
            whole = " ".join("\n\n".join(item["abstract"]).split())
            assert whole.startswith(" ".join(paper.abstract.split()))
        # An entry cut inside its fields may come back partly or be skipped: either way
        # nothing else is affected.
    assert len(parsed.papers) + parsed.skipped == sum(1 for start, _ in spans if start < cut)


def test_labels_on_lines_of_their_own() -> None:
    listing = (
        "[1] arXiv:2411.07005 [pdf, other]\n"
        "Title:\nLabels Apart\n"
        "Authors:\nAda Byron, Alan Turing\n"
        "Subjects:\nComputation and Language (cs.CL); Machine Learning (cs.LG)\n"
        "An abstract that follows the fields directly.\n"
    )
    (paper,) = parse(listing, TODAY).papers
    assert (paper.title, paper.authors, paper.categories, paper.abstract) == (
        "Labels Apart",
        ("Ada Byron", "Alan Turing"),
        ("cs.CL", "cs.LG"),
        "An abstract that follows the fields directly.",
    )
    page = (DATA / "arxiv-abs.txt").read_text(encoding="utf-8")
    apart = page.replace("Title:Self", "Title:\nSelf").replace("Authors:Ana", "Authors:\nAna")
    (paper,) = parse(apart, TODAY).papers
    assert paper.title == "Self-Correcting Code Generation with Execution Traces"
    assert paper.authors[0] == "Ana Lima"


def test_entry_without_any_field_keeps_its_abstract_apart() -> None:
    text = (
        "arXiv:2411.07006 [pdf, other]\n"
        "No Fields At All\n"
        "Ada Byron, Alan Turing\n"
        "\n"
        "The abstract comes after a blank line and is not a list of authors.\n"
        "[2] arXiv:2411.07007 [pdf]\n"
        "Title: Next\n"
        "Subjects: Computation and Language (cs.CL)\n"
    )
    first, second = parse(text, TODAY).papers
    assert first.title == "No Fields At All"
    assert first.authors == ("Ada Byron", "Alan Turing")
    assert first.abstract == "The abstract comes after a blank line and is not a list of authors."
    assert second.title == "Next"


def test_abstract_page_copied_from_its_title_down() -> None:
    page = (DATA / "arxiv-abs.txt").read_text(encoding="utf-8")
    body = page[page.index("Title:") : page.index("Access Paper:")]
    assert "[Submitted on" not in body
    assert sniff(body) == "arxiv"
    other = body.replace("Self-Correcting", "Self-Repairing").replace("2411.01234", "2411.09999")
    first, second = parse(body + other, TODAY).papers
    assert (first.title, first.arxiv_id) == (
        "Self-Correcting Code Generation with Execution Traces",
        "2411.01234",
    )
    assert first.published == "2024-11-03"  # from the submission history's [v1] line
    assert first.authors == ("Ana Lima", "Wei Zhang", "Priya Natarajan", "Tomás García")
    assert first.categories == ("cs.CL", "cs.LG")
    assert (second.title, second.arxiv_id) == (
        "Self-Repairing Code Generation with Execution Traces",
        "2411.09999",
    )


def test_tex_accents_in_abstracts_become_letters_and_math_stays() -> None:
    text = (
        "[1] arXiv:2411.07008 [pdf]\n"
        'Title: On $\\ell_1$ Regret for M\\"uller Nets\n'
        'Authors: J\\"org M\\"uller, Fran{\\c{c}}ois Dupont\n'
        "Subjects: Machine Learning (cs.LG)\n"
        'Following Erd\\H{o}s and M\\"{u}ller we bound the $O(\\sqrt{n})$ regret of\n'
        'sparse nets by 50% in the na\\"ive case.\n'
    )
    (paper,) = parse(text, TODAY).papers
    assert paper.authors == ("Jörg Müller", "François Dupont")
    assert paper.title == "On ℓ_1 Regret for Müller Nets"
    assert paper.abstract == (
        "Following Erdős and Müller we bound the $O(\\sqrt{n})$ regret of sparse nets by "
        "50% in the naïve case."
    )


def render_abs(item: dict[str, object], arxiv_id: str, rng: random.Random) -> str:
    """One abstract page as copied: whole (header, date line) or from the title down."""
    subjects = "; ".join(f"{NAMES.get(c, 'Some Subject')} ({c})" for c in item["categories"])
    sep = rng.choice(["", " ", "\t"])
    body = [
        f"Title:{sep}{item['title']}",
        f"Authors:{sep}{', '.join(item['authors'])}",
        "View PDF HTML (experimental)",
        f"Abstract:{sep}" + "\n".join(item["abstract"]),
    ]
    if item["comments"]:
        body.append(f"Comments:\t{item['comments']}")
    body += [
        f"Subjects:\t{subjects}",
        f"Cite as:\tarXiv:{arxiv_id} [{item['categories'][0]}]",
        f" \t(or arXiv:{arxiv_id}v1 [{item['categories'][0]}] for this version)",
        f"https://doi.org/10.48550/arXiv.{arxiv_id}",
        "Submission history",
        "From: Someone [view email]",
        "[v1] Mon, 4 Nov 2024 10:00:00 UTC (100 KB)",
    ]
    head = [
        "Computer Science > Computation and Language",
        f"arXiv:{arxiv_id} (cs)",
        "[Submitted on 4 Nov 2024]",
    ]
    return "\n".join((head if rng.random() < 0.5 else []) + body)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(entry, min_size=1, max_size=5), seed=st.integers(0, 2**32))
def test_generated_abstract_pages_parse_back_exactly(
    items: list[dict[str, object]], seed: int
) -> None:
    rng = random.Random(seed)
    ids = [f"2411.{n}" for n in rng.sample(range(10_000, 99_999), len(items))]
    text = "\n".join(render_abs(item, i, rng) for item, i in zip(items, ids, strict=True))
    assert sniff(text) == "arxiv"
    parsed = parse(text, TODAY)
    assert [p.arxiv_id for p in parsed.papers] == ids
    for paper, item in zip(parsed.papers, items, strict=True):
        assert paper.title == item["title"]
        assert paper.authors == tuple(item["authors"])
        assert paper.categories == tuple(item["categories"])
        assert paper.abstract == "\n\n".join(item["abstract"])
        assert paper.published == "2024-11-04"
