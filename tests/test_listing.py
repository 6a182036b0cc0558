"""The listing importer on the real samples and on what users actually paste."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from readlist.errors import ImportFileError
from readlist.importers import read_listing
from readlist.importers.listing import find_links, parse_listing
from readlist.models import Paper, paper_id

from .conftest import DAILY, SEARCH, TODAY


def titles(text: str, today: date = TODAY) -> list[str]:
    return [p.title for p in parse_listing(text, today=today).papers]


def by_title(papers, start):  # type: ignore[no-untyped-def]
    [match] = [p for p in papers if p.title.startswith(start)]
    return match


# -- the bundled samples -----------------------------------------------------------------


def test_daily_sample_has_30_papers_with_metadata() -> None:
    listing = read_listing(DAILY, today=TODAY)
    assert len(listing.papers) == 30
    assert listing.skipped == 0
    first = listing.papers[0]
    assert first.title == "MasakhaNEWS: News Topic Classification for African languages"
    assert first.abstract.startswith("African languages are severely under-represented")
    assert first.abstract.endswith("leveraging the PET approach.")
    assert (first.authors_count, first.published, first.comments) == (65, "2023-04-19", None)
    assert first.upvotes is None  # these copies carry no upvote counts
    assert first.sources == (str(DAILY.resolve()),)


def test_daily_sample_comment_counts_and_missing_metadata() -> None:
    papers = read_listing(DAILY, today=TODAY).papers
    dept = by_title(papers, "DePT:")
    # The number after the date is the comment count (it links to the discussion).
    assert (dept.authors_count, dept.published, dept.comments) == (2, "2023-09-10", 1)
    assert by_title(papers, "SciPrompt").comments == 3
    assert all(p.upvotes is None for p in papers)
    fine = by_title(papers, "FineInstructions")  # the one paper without a metadata block
    assert (fine.authors_count, fine.published, fine.comments) == (None, None, None)
    assert fine.links == ("https://huggingface.co/fineinstructions",)
    assert by_title(papers, "Making the Most of your Model").authors_count == 1  # "1 authors"


def test_date_without_year_is_the_latest_not_in_the_future() -> None:
    papers = read_listing(DAILY, today=TODAY).papers
    last = by_title(
        papers, "Limits of n-gram Style Control"
    )  # "Jan 12", no year, no newline at EOF
    assert (last.authors_count, last.published) == (1, "2026-01-12")
    assert (
        by_title(read_listing(DAILY, today=date(2026, 1, 11)).papers, "Limits").published
        == "2025-01-12"
    )


def test_search_sample_has_81_papers_without_metadata() -> None:
    listing = read_listing(SEARCH, today=TODAY)
    assert len(listing.papers) == 81
    assert listing.papers[0].title == "Towards Probing Contact Center Large Language Models"
    assert all(p.authors_count is None and p.published is None for p in listing.papers)
    weblinx = by_title(listing.papers, "WebLINX")
    assert weblinx.links == ("https://mcgill-nlp.github.io/weblinx",)


def test_links_lose_trailing_punctuation() -> None:
    papers = read_listing(SEARCH, today=TODAY).papers
    links = {link for p in papers for link in p.links}
    assert "https://github.com/Facico/Dynamic-Logit-Fusion" in links  # was "...Fusion.)"
    assert "https://github.com/YookiTong/Learn-from-Mistakes-CotErrorSet" in links  # "...Set}."
    assert "https://github.com/bigscience-workshop/xmtf" in links  # "...xmtf."
    assert not any(link.endswith((".", ")", "}", ",")) for link in links)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see https://github.com/a/b.", ("https://github.com/a/b",)),
        ("(code: https://x.org/wiki/A_(b)).", ("https://x.org/wiki/A_(b)",)),
        ("at https://a.io/x, and https://a.io/x again", ("https://a.io/x",)),
        ('"https://q.org/p?x=1&y=2"', ("https://q.org/p?x=1&y=2",)),
        ("no link http:// here", ()),
    ],
)
def test_find_links(text: str, expected: tuple[str, ...]) -> None:
    assert find_links(text) == expected


# -- what users paste ---------------------------------------------------------------------

PAGE = """new

Get trending papers in your email inbox!

Subscribe

Daily Papers

byAK and the research community

Apr 23

First Paper Title

First abstract. It has two sentences.

  • 3 authors
·
Apr 19, 2023 7

Second Paper Title

Second abstract.

Third Paper Title

Third abstract, whose paper has no metadata block above it but this one closes it.

  • 1 authors
·
Feb 2
"""


def test_windows_line_endings_and_trailing_whitespace() -> None:
    messy = "\r\n".join(line + " \t" for line in PAGE.split("\n"))
    assert parse_listing(messy, today=TODAY) == parse_listing(PAGE, today=TODAY)
    assert titles(messy) == ["First Paper Title", "Second Paper Title", "Third Paper Title"]


def test_old_mac_line_endings() -> None:
    assert titles(PAGE.replace("\n", "\r")) == titles(PAGE)


def test_several_pages_pasted_into_one_file() -> None:
    second = PAGE.replace("First", "Fourth").replace("Second", "Fifth").replace("Third", "Sixth")
    result = parse_listing(PAGE + "\n" + second.replace("Apr 23", "Apr 24"), today=TODAY)
    assert [p.title.split()[0] for p in result.papers] == [
        "First", "Second", "Third", "Fourth", "Fifth", "Sixth",
    ]  # fmt: skip
    assert result.skipped == 0


def test_pages_with_unknown_furniture_before_the_page_date() -> None:
    page = PAGE.replace("Subscribe", "Sign up for our newsletter").replace(
        "Daily Papers", "Trending Today"
    )
    assert titles(page) == ["First Paper Title", "Second Paper Title", "Third Paper Title"]
    # ...and when a second such page follows a listing without metadata
    no_meta = "Menu\n\nMar 12\n\nA Title\n\nAn abstract.\n\nB Title\n\nB abstract.\n\n"
    assert titles(no_meta + no_meta.replace("A ", "C ").replace("B ", "D ")) == [
        "A Title", "B Title", "C Title", "D Title",
    ]  # fmt: skip


def test_page_cut_off_in_an_abstract_keeps_the_partial_abstract() -> None:
    cut = PAGE[: PAGE.index("whose paper")]
    result = parse_listing(cut, today=TODAY)
    assert [p.title for p in result.papers][-1] == "Third Paper Title"
    assert result.papers[-1].abstract == "Third abstract,"


def test_page_cut_off_after_a_title_skips_it_and_says_so() -> None:
    cut = PAGE[: PAGE.index("Third abstract")]
    result = parse_listing(cut, today=TODAY)
    assert [p.title for p in result.papers] == ["First Paper Title", "Second Paper Title"]
    assert result.skipped == 1


def test_short_abstracts_and_one_line_metadata() -> None:
    text = "T1\n\nShort.\n\n• 2 authors · Mar 3, 2024 15\n\nT2\n\nWe do X.\n\nT3\n\nY holds."
    result = parse_listing(text, today=TODAY)
    assert [(p.title, p.abstract) for p in result.papers] == [
        ("T1", "Short."),
        ("T2", "We do X."),
        ("T3", "Y holds."),
    ]
    assert (
        result.papers[0].authors_count,
        result.papers[0].published,
        result.papers[0].comments,
    ) == (2, "2024-03-03", 15)


def test_metadata_block_split_by_blank_lines() -> None:
    text = "A Title\n\nAn abstract.\n\n  • 4 authors\n\n·\n\nMay 5, 2022 9\n\nNext Title\n\nNext abstract."
    papers = parse_listing(text, today=TODAY).papers
    assert (papers[0].authors_count, papers[0].published, papers[0].comments) == (
        4,
        "2022-05-05",
        9,
    )
    assert [p.title for p in papers] == ["A Title", "Next Title"]


def test_any_unicode_survives() -> None:
    text = (
        "Ünïcödé 🚀: 日本語のタイトル — עברית\n\nΑφηρημένη περίληψη με emoji 🤖 and ﬁ ligature.\n"
    )
    [paper] = parse_listing(text, today=TODAY).papers
    assert paper.title == "Ünïcödé 🚀: 日本語のタイトル — עברית"
    assert paper.abstract == "Αφηρημένη περίληψη με emoji 🤖 and ﬁ ligature."


def test_square_brackets_are_kept_as_text() -> None:
    [paper] = parse_listing(
        "Array[int] [2024] [bold]x[/]\n\nAbstract [/] with [@click=app.quit]q[/].", today=TODAY
    ).papers
    assert paper.title == "Array[int] [2024] [bold]x[/]"
    assert paper.abstract == "Abstract [/] with [@click=app.quit]q[/]."


def test_control_characters_and_escape_sequences_are_stripped() -> None:
    title = "Evil\x1b[2J Title\x1b]0;pwned\x07 \x9b31m\x00\x7f\x1b]52;c;ZXZpbA==\x07end"
    abstract = "Text\x1b[31m red\x1b[0m and \x1bP dcs \x1b\\ tab\there \u202eRLO."
    [paper] = parse_listing(f"{title}\n\n{abstract}\n", today=TODAY).papers
    assert paper.title == "Evil Title end"
    assert paper.abstract == "Text red and tab here RLO."
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in paper.title + paper.abstract)


def test_same_paper_twice_in_one_listing_is_one_paper(tmp_path: Path) -> None:
    path = tmp_path / "twice.txt"
    path.write_text(
        "Same Title\n\nShort abstract.\n\nSAME title!\n\nA longer abstract than before.\n\n• 2 authors\n·\nJan 3, 2024\n"
    )
    [paper] = read_listing(path, today=TODAY).papers
    assert paper.id == paper_id("Same Title")
    assert (paper.abstract, paper.authors_count) == ("A longer abstract than before.", 2)


# -- bad input: one clear error --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "the file is empty"),
        (b"   \n\n\t\n", "the file is empty"),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00binary", "binary data"),
        (b"caf\xe9 au lait\n\nnot utf-8\n", "is not UTF-8 text (invalid byte at offset 3)"),
        (b"just one line of text\n", "no paper listing found: 1 short line"),
        (b"new\n\nSubscribe\n\nDaily Papers\n\nApr 23\n", "no paper listing found: 3 short lines"),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        read_listing(path, today=TODAY)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match=r"nope\.txt: no such file"):
        read_listing(tmp_path / "nope.txt", today=TODAY)
    with pytest.raises(ImportFileError, match="is a directory"):
        read_listing(tmp_path, today=TODAY)


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "notepad.txt"
    path.write_bytes("Title Here\r\n\r\nAbstract here.\r\n".encode("utf-16"))
    assert [p.title for p in read_listing(path, today=TODAY).papers] == ["Title Here"]


def test_an_abstract_of_several_paragraphs_before_metadata() -> None:
    first = (
        "We study something at length in this first paragraph, which is as long as abstracts are."
    )
    second = "Then a second paragraph continues the abstract with more results and a conclusion."
    text = f"A Title\n\n{first}\n\n{second}\n\n  • 3 authors\n·\nMay 5, 2022\n\nNext Title\n\nNext abstract."
    papers = parse_listing(text, today=TODAY).papers
    assert [p.title for p in papers] == ["A Title", "Next Title"]
    assert papers[0].abstract == f"{first}\n\n{second}"  # paragraphs are kept
    assert papers[0].authors_count == 3


def test_a_title_ending_in_a_question_is_not_taken_for_prose() -> None:
    abstract = "We answer the question with experiments on many datasets and find a clear yes here."
    text = f"Previous Title\n\nPrevious abstract that is short.\n\nAre Large Models Good?\n\n{abstract}\n\n• 2 authors\n·\nMar 1, 2024"
    papers = parse_listing(text, today=TODAY).papers
    assert [p.title for p in papers] == ["Previous Title", "Are Large Models Good?"]
    assert papers[1].abstract == abstract


def test_a_stated_date_beats_an_inferred_year_on_reimport() -> None:
    from readlist.importers import to_papers

    stated = to_papers(
        parse_listing("T1\n\nAbstract.\n\n• 2 authors\n·\nApr 19, 2023", today=TODAY).papers,
        source="a",
        added="x",
    )[0]
    inferred = to_papers(
        parse_listing("T1\n\nAbstract.\n\n• 2 authors\n·\nApr 19", today=TODAY).papers,
        source="b",
        added="x",
    )[0]
    assert inferred.date_inferred and inferred.published == "2026-04-19"
    assert stated.merged_with(inferred).published == "2023-04-19"
    assert inferred.merged_with(stated).published == "2023-04-19"


def test_reimporting_a_listing_next_year_keeps_its_inferred_date() -> None:
    from readlist.importers import to_papers

    def imported(today: date) -> Paper:
        text = "T1\n\nAbstract.\n\n• 2 authors\n·\nJan 12"
        papers = parse_listing(text, today=today).papers
        return to_papers(papers, source="daily.txt", added="x")[0]

    first = imported(date(2026, 11, 22))
    later = imported(date(2027, 3, 1))
    assert (first.published, later.published) == ("2026-01-12", "2027-01-12")
    assert first.merged_with(later) is first  # nothing new: the library is not rewritten


def test_papers_without_upvote_lines_after_a_card_without_metadata_stay_papers() -> None:
    # Today's layout: a card start ("12"), no metadata, then two papers whose upvote
    # lines were not copied, the second with metadata. The metadata is the last paper's;
    # the titles between are titles, not paragraphs of the first abstract.
    text = (
        "Daily Papers\n\n12\n\nAlpha Networks for Reasoning\n\n"
        "We propose alpha networks. They reason well across many benchmarks.\n\n"
        "Gamma Rays of Attention\n\nWe show gamma attention improves long contexts.\n\n"
        "Delta Tuning Everywhere\n\nDelta tuning works for every model we tried.\n\n"
        "• 3 authors\n·\nMay 28 2\n\n7\n\nEpsilon Is Enough\n\n"
        "Epsilon is enough for all the tasks we consider.\n\nMeta AI\n·\nMay 27"
    )
    papers = parse_listing(text, today=TODAY).papers
    assert [(p.title, p.upvotes, p.comments, p.authors_count, p.organization) for p in papers] == [
        ("Alpha Networks for Reasoning", 12, None, None, None),
        ("Gamma Rays of Attention", None, None, None, None),
        ("Delta Tuning Everywhere", None, 2, 3, None),
        ("Epsilon Is Enough", 7, None, None, "Meta AI"),
    ]
    assert papers[0].abstract == (
        "We propose alpha networks. They reason well across many benchmarks."
    )


def test_a_button_row_starts_with_a_name_and_counts_have_digits_after_a_point() -> None:
    text = (
        "0 arXiv\n\nWe study zero.\n\nGitHub 1.2k  arXiv Page\n\nNext Paper\n\narXiv 0. Is prose."
    )
    assert titles(text) == ["0 arXiv", "Next Paper"]


def test_a_page_cut_inside_the_metadata_keeps_the_bullet_out_of_the_abstract() -> None:
    text = "Alpha Networks for Reasoning\n\nWe propose alpha networks that reason.\n\n    • "
    (paper,) = parse_listing(text, today=TODAY).papers
    assert paper.abstract == "We propose alpha networks that reason."
