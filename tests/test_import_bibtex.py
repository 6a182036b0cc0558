"""BibTeX files (Zotero, JabRef, arXiv's "Export BibTeX", DBLP), through bibtexparser 2.

Also the end-to-end check that the same paper from a .bib file and from an arXiv listing
is one paper in the library (the arXiv id identifies it even when the titles differ).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readlist.errors import ImportFileError
from readlist.importers import read_listing, read_text
from readlist.importers.base import RawPaper
from readlist.importers.bibtex import latex_to_text, parse
from readlist.importers.formats import sniff
from tests.conftest import RunCli

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "samples"
TODAY = date(2026, 11, 22)


def bib(text: str) -> list[RawPaper]:
    parsed = parse(text, TODAY)
    assert parsed.problem is None, parsed.problem
    return parsed.papers


def zotero() -> dict[str, RawPaper]:
    parsed = parse((DATA / "zotero.bib").read_text(encoding="utf-8"), TODAY)
    return {p.title: p for p in parsed.papers}


def test_arxiv_export_entry() -> None:
    paper = zotero()["Self-Correcting Code Generation with Execution Traces"]
    assert paper.authors == ("Ana Lima", "Wei Zhang", "Priya Natarajan", "Tomás García")
    assert paper.arxiv_id == "2411.01234"  # eprint without its version
    assert paper.categories == ("cs.CL",)  # primaryClass
    assert paper.links == ("https://arxiv.org/abs/2411.01234",)
    assert paper.published is None  # a year alone is no date
    assert paper.doi is None and paper.venue is None and paper.abstract == ""


def test_journal_article_with_string_macro_full_date_doi_and_abstract() -> None:
    paper = zotero()["Counting Words in Forty Languages: A Tokenizer-Free Benchmark"]
    # "Last, First" names, TeX accents, a braced name; order kept.
    assert paper.authors == ("Ingrid Olsen", "Kwame Mensah", "Lucía Fernández", "Jörg Müller")
    assert paper.venue == "Transactions of the Association for Computational Linguistics"
    assert paper.published == "2025-03-14"  # year + month macro + day
    assert paper.doi == "10.1162/tacl_a_00701"  # the doi.org prefix removed
    # A bare % is a per-cent sign (not a LaTeX comment); paragraphs kept.
    assert paper.abstract == (
        "We count words in forty languages without a tokenizer; subword models miss 12% of "
        "them.\n\nWe release the data at https://example.org/wordcount."
    )
    assert paper.paragraphs == 2
    assert paper.links == ("https://example.org/wordcount",)
    assert paper.arxiv_id is None


def test_booktitle_venue_ampersand_and_others() -> None:
    paper = zotero()["Sparse Mixtures of Small Experts: On-Device Translation & Beyond"]
    assert paper.venue == "Proceedings of EMNLP 2024"
    assert paper.authors == ("Nadia Rahman", "Piotr Kowalski")  # "and others" is no name


def test_dblp_corr_entry_gives_the_arxiv_id_not_a_venue() -> None:
    paper = zotero()["Quantized Adapters Revisited"]
    assert paper.arxiv_id == "2305.14314"
    assert paper.venue is None  # CoRR is arXiv, not a venue
    assert paper.authors == ("Eun-ji Park", "Martin Dubois")  # Eun{-}ji


def test_broken_entries_are_reported_by_line_and_the_rest_is_kept() -> None:
    parsed = parse((DATA / "zotero.bib").read_text(encoding="utf-8"), TODAY)
    assert len(parsed.papers) == 4  # the entry after the broken one too
    assert parsed.skipped == 2
    assert parsed.notes == [
        "entry at line 41 skipped: unbalanced braces",
        "entry at line 47 skipped: no title",
    ]


def test_comment_string_and_preamble_blocks_are_no_papers() -> None:
    text = (
        "@comment{Exported for the reading group}\n"
        '@string{acl = "Proceedings of ACL"}\n'
        '@preamble{"\\newcommand{\\x}{y}"}\n'
        "@inproceedings{k, title = {Real Paper}, booktitle = acl, year = 2023}\n"
    )
    parsed = parse(text, TODAY)
    assert [(p.title, p.venue) for p in parsed.papers] == [("Real Paper", "Proceedings of ACL")]
    assert parsed.skipped == 0 and parsed.notes == []


def test_latex_in_titles_and_names_becomes_text() -> None:
    (paper,) = bib(
        "@article{k,\n"
        '  title = {{T}he {\\"u}ber-{Model}: 10--20\\% Faster $\\alpha$-Nets \\& {GPUs}},\n'
        "  author = {M{\\\"u}ller, Hans and Fran{\\c{c}}ois {\\'E}mile and von Neumann, John"
        " and {Barnes and Noble Research} and King, Jr., Martin Luther},\n"
        "  url = {https://example.org/~user/a_b%20c},\n"
        "}\n"
    )
    assert paper.title == "The über-Model: 10–20% Faster α-Nets & GPUs"
    assert paper.authors == (
        "Hans Müller",
        "François Émile",
        "John von Neumann",
        "Barnes and Noble Research",
        "Martin Luther King Jr.",
    )
    assert paper.links == ("https://example.org/~user/a_b%20c",)  # URLs are not LaTeX


def test_latex_to_text_keeps_text_it_cannot_read() -> None:
    assert latex_to_text("plain words") == "plain words"
    assert latex_to_text("a 50% gain") == "a 50% gain"
    assert latex_to_text("Jos\\'e") == "José"
    assert latex_to_text("The \\LaTeX{} and \\BibTeX{} Way") == "The LaTeX and BibTeX Way"
    assert latex_to_text("unbalanced {brace") == "unbalanced brace"


@pytest.mark.parametrize(
    ("fields", "published"),
    [
        ("year = 2024", None),
        ("year = 2024, month = nov", None),
        ("year = 2024, month = nov, day = 3", "2024-11-03"),
        ("year = {2024}, month = {November}, day = {3}", "2024-11-03"),
        ("year = 2024, month = {11}, day = {30}", "2024-11-30"),
        ("year = 2024, month = feb, day = 30", None),  # no such day
        ("date = {2022-06-01}", "2022-06-01"),
        ("date = {2022-06}", None),
    ],
)
def test_published_only_from_a_full_date(fields: str, published: str | None) -> None:
    (paper,) = bib(f"@misc{{k, title = {{T}}, {fields}}}\n")
    assert paper.published == published


@pytest.mark.parametrize(
    ("fields", "arxiv_id", "doi"),
    [
        ("eprint = {2411.01234v3}, archivePrefix = {arXiv}", "2411.01234", None),
        ("eprint = {hep-th/9901001}, eprinttype = {arxiv}", "hep-th/9901001", None),
        ("eprint = {12345}, archivePrefix = {PubMed}", None, None),
        ("url = {https://arxiv.org/pdf/2411.01234v2}", "2411.01234", None),
        ("journal = {arXiv preprint arXiv:2411.01234}", "2411.01234", None),
        ("doi = {10.48550/ARXIV.2411.01234}", "2411.01234", None),
        ("doi = {doi:10.1145/3580305.3599999}", None, "10.1145/3580305.3599999"),
        ("doi = {not a doi}", None, None),
    ],
)
def test_ids(fields: str, arxiv_id: str | None, doi: str | None) -> None:
    (paper,) = bib(f"@misc{{k, title = {{T}}, {fields}}}\n")
    assert (paper.arxiv_id, paper.doi) == (arxiv_id, doi)


def test_crlf_and_bom() -> None:
    path = DATA / "jabref-crlf.bib"
    raw = path.read_bytes()
    assert b"\r\n" in raw
    text = raw.decode("utf-8")
    assert sniff("\ufeff" + text) == "bibtex"
    papers = bib("\ufeff" + text)
    assert papers == bib(text.replace("\r\n", "\n"))
    assert [(p.title, p.authors, p.published) for p in papers] == [
        ("Quantized Adapters Revisited", ("Eun-ji Park", "Martin Dubois"), None),
        ("A Note on Attention Sinks", ("Sam Okafor",), "2024-12-02"),
    ]
    assert papers[0].arxiv_id == "2305.14314"
    # Line numbers count CRLF lines as lines.
    broken = text.replace('title     = "A Note', "title     = {A Note")
    parsed = parse(broken, TODAY)
    assert parsed.notes == ["entry at line 11 skipped: unbalanced braces"]


def test_no_entries_and_no_usable_entries_are_refused_in_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "refs.bib"
    empty.write_text("% nothing here yet\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as error:
        read_listing(empty, today=TODAY, fmt="bibtex")
    assert (
        str(error.value) == f"{empty}: no BibTeX entries found (no `@article{{key, ...}}` blocks)"
    )
    broken = tmp_path / "broken.bib"
    broken.write_text("@article{a, author = {X}}\n@misc{b, title = {Open\n", encoding="utf-8")
    with pytest.raises(ImportFileError) as error:
        read_listing(broken, today=TODAY)
    message = str(error.value)
    assert "\n" not in message
    assert message == (
        f"{broken}: holds 2 BibTeX entries but none usable (entry at line 1 skipped: no title)"
    )


def test_read_text_records_bibtex_as_the_source_kind() -> None:
    text = (DATA / "zotero.bib").read_text(encoding="utf-8")
    listing = read_text(text, shown="refs.bib", source="refs.bib", today=TODAY)
    assert listing.format == "bibtex" and listing.skipped == 2
    assert listing.notes[0] == "entry at line 41 skipped: unbalanced braces"
    paper = next(p for p in listing.papers if p.arxiv_id == "2411.01234")
    assert ("arxiv_id", "bibtex") in paper.said


def test_sniffing_bibtex() -> None:
    for path in [*SHARED.glob("*.txt"), *DATA.glob("hf-*.txt"), *DATA.glob("arxiv-*.txt")]:
        assert sniff(path.read_text(encoding="utf-8")) != "bibtex", path.name
    readme = "# tracefix\n\nIf you use this code, please cite:\n\n@misc{lima2024, title={T}}\n"
    assert sniff(readme) != "bibtex"  # a README quoting a citation is not a .bib file
    assert sniff("%% Created with BibDesk\n\n\n  @Article{k, title={T}}\n") == "bibtex"
    mendeley = (
        "Automatically generated by Mendeley Desktop 1.19.8\n"
        "Any changes to this file will be lost if it is overwritten.\n\n"
        "@article{a, title={One}}\n@article{b, title={Two}}\n"
    )
    assert sniff(mendeley) == "bibtex"
    assert [p.title for p in bib(mendeley)] == ["One", "Two"]
    letter = "Dear all,\n\n" + "we read these papers this term.\n" * 6 + mendeley
    assert sniff(letter) != "bibtex"


PATHOLOGICAL = {
    "100k open braces": "'@misc{k, title={' + '{' * 100_000 + '}\\n@misc{j, title={Kept}}\\n'",
    "20k TeX accents": "'@misc{k, title={' + '{\\\\\\\"u}' * 20_000 + '}}\\n'",
    "20k entries": "''.join(f'@misc{{k{i}, title={{T{i}}}, author={{A and B}}}}\\n' for i in range(20_000))",
}


@pytest.mark.parametrize("expression", PATHOLOGICAL.values(), ids=list(PATHOLOGICAL))
def test_pathological_bibtex_finishes(expression: str) -> None:
    code = (
        "from datetime import date\n"
        "from readlist.importers.bibtex import parse\n"
        f"parsed = parse({expression}, date(2026, 1, 1))\n"
        "print(len(parsed.papers), parsed.skipped)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=90
    )
    assert result.returncode == 0, result.stderr
    papers, _ = map(int, result.stdout.split())
    assert papers >= 1


# -- property: generated .bib files come back exactly ------------------------------------

# Letter -> the TeX a .bib file may spell it with.
ACCENTS = {"ü": '{\\"u}', "é": "{\\'e}", "ç": "{\\c{c}}", "ø": "{\\o}", "ñ": "{\\~n}"}
WORDS = ["model", "graph", "über", "café", "façade", "søren", "niño", "sparse", "attention"]
GIVEN = ["Ana", "Wei", "José", "Zoë", "Mei-Ling", "Jörg", "Søren", "Çelik"]
FAMILY = ["Lima", "Zhang", "Müller", "García", "Olsen", "Núñez", "Øster"]


def tex(text: str, rng: random.Random) -> str:
    return "".join(ACCENTS.get(c, c) if rng.random() < 0.7 else c for c in text)


entry = st.fixed_dictionaries(
    {
        "title": st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(
            lambda w: " ".join(w).capitalize()
        ),
        "authors": st.lists(
            st.tuples(st.sampled_from(GIVEN), st.sampled_from(FAMILY)),
            min_size=1,
            max_size=6,
            unique=True,
        ),
        "arxiv": st.booleans(),
        "date": st.none() | st.dates(date(1990, 1, 1), date(2030, 12, 31)),
        "venue": st.none() | st.sampled_from(["Proceedings of ACL", "Nature", "JMLR"]),
    }
)


def render_entry(n: int, item: dict[str, object], arxiv_id: str, rng: random.Random) -> str:
    def value(text: str) -> str:
        return f'"{text}"' if rng.random() < 0.3 else "{" + text + "}"

    names = [
        f"{family}, {given}" if rng.random() < 0.5 else f"{given} {family}"
        for given, family in item["authors"]
    ]
    fields = [
        ("title", value(tex(str(item["title"]), rng))),
        ("author", value(" and ".join(tex(name, rng) for name in names))),
    ]
    if item["arxiv"]:
        fields += [("eprint", value(arxiv_id)), ("archivePrefix", value("arXiv"))]
    if isinstance(item["date"], date):
        day = item["date"]
        month = rng.choice([str(day.month), day.strftime("%b").lower(), day.strftime("%B")])
        fields += [
            ("year", str(day.year)),
            ("month", month if month[0].islower() else value(month)),
            ("day", str(day.day)),
        ]
    if item["venue"]:
        fields.append((rng.choice(["journal", "booktitle"]), value(str(item["venue"]))))
    rng.shuffle(fields)
    sep = rng.choice([",\n  ", ", ", ",\n\t"])
    body = sep.join(f"{key}{rng.choice(['=', ' = ', '  =  '])}{val}" for key, val in fields)
    kind = rng.choice(["article", "misc", "InProceedings"])
    return f"@{kind}{{key{n}{sep}{body}{rng.choice(['', ','])}\n}}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=st.lists(entry, min_size=1, max_size=12), seed=st.integers(0, 2**32))
def test_generated_bib_files_parse_back_exactly(items: list[dict[str, object]], seed: int) -> None:
    rng = random.Random(seed)
    numbers = rng.sample(range(10_000, 99_999), len(items))
    blocks = [
        render_entry(n, item, f"2411.{number}", rng)
        for n, (item, number) in enumerate(zip(items, numbers, strict=True))
    ]
    extras = ["@comment{generated}", "@string{unused = {x}}", "% a comment line", ""]
    for extra in extras:
        blocks.insert(rng.randint(1, len(blocks)), extra)  # never before the first entry
    text = rng.choice(["\n", "\n\n", "\r\n"]).join(blocks)
    assert sniff(text) == "bibtex"
    parsed = parse(text, TODAY)
    assert parsed.problem is None and parsed.skipped == 0
    assert len(parsed.papers) == len(items)
    for paper, item, number in zip(parsed.papers, items, numbers, strict=True):
        assert paper.title == item["title"]
        assert paper.authors == tuple(f"{g} {f}" for g, f in item["authors"])
        assert paper.arxiv_id == (f"2411.{number}" if item["arxiv"] else None)
        day = item["date"]
        assert paper.published == (day.isoformat() if isinstance(day, date) else None)
        assert paper.venue == item["venue"]


# -- end to end: one paper from two sources ----------------------------------------------


def test_bib_and_arxiv_listing_of_the_same_paper_merge_into_one(
    cli: RunCli, tmp_path: Path
) -> None:
    refs = tmp_path / "refs.bib"
    # The .bib spells the title differently: only the arXiv id says it is the same paper.
    refs.write_text(
        "@misc{lima2024,\n"
        "  title = {{Self-Correcting} Code Generation from Execution Traces},\n"
        "  author = {Lima, Ana and Zhang, Wei and Natarajan, Priya and Garc{\\'i}a, Tom{\\'a}s},\n"
        "  year = {2024}, eprint = {2411.01234}, archivePrefix = {arXiv}, primaryClass = {cs.CL},\n"
        "  doi = {10.18653/v1/2024.findings-emnlp.42},\n"
        "}\n",
        encoding="utf-8",
    )
    first = cli("import", str(refs))
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no parser log noise
    second = cli("import", str(DATA / "arxiv-list-new.txt"))
    assert second.returncode == 0, second.stderr
    exported = cli("export", "--format", "json")
    assert exported.returncode == 0, exported.stderr
    library = json.loads(exported.stdout)["papers"]
    assert len(library) == 5  # the listing's five papers, the .bib's one among them
    (paper,) = [p for p in library if p["arxiv_id"] == "2411.01234"]
    assert paper["title"] == "Self-Correcting Code Generation from Execution Traces"
    assert paper["doi"] == "10.18653/v1/2024.findings-emnlp.42"  # from the .bib
    assert paper["categories"] == ["cs.CL", "cs.LG", "cs.SE"]  # the listing's longer list
    assert paper["abstract"].startswith("Large language models")  # from the listing
    assert paper["authors"] == ["Ana Lima", "Wei Zhang", "Priya Natarajan", "Tomás García"]
    assert [Path(s).name for s in paper["sources"]] == ["refs.bib", "arxiv-list-new.txt"]


def test_broken_bib_file_exits_2_with_one_line(cli: RunCli, tmp_path: Path) -> None:
    refs = tmp_path / "refs.bib"
    refs.write_text("@article{a,\n  author = {Nobody},\n}\n", encoding="utf-8")
    result = cli("import", str(refs))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "refs.bib" in result.stderr and "none usable" in result.stderr
    assert "no title" in result.stderr


def test_a_key_used_twice_still_gives_both_papers() -> None:
    papers = bib(
        "@string{acl = {Proceedings of ACL}}\n"
        "@article{smith2024, title = {First Paper}, year = 2024}\n"
        '@inproceedings{smith2024, title = {{S}econd {\\"U}ber Paper},\n'
        "  author = {Smith, Ann and Doe, Jo}, booktitle = acl}\n"
    )
    assert [p.title for p in papers] == ["First Paper", "Second Über Paper"]
    assert papers[1].authors == ("Ann Smith", "Jo Doe")
    assert papers[1].venue == "Proceedings of ACL"


def test_partly_broken_bib_file_imports_the_rest_without_parser_noise(
    cli: RunCli, tmp_path: Path
) -> None:
    refs = tmp_path / "refs.bib"
    refs.write_text("@misc{a, title = {Open\n@misc{b, title = {Kept}}\n", encoding="utf-8")
    result = cli("import", str(refs))
    assert result.returncode == 0
    assert result.stderr == ""  # bibtexparser's own log of the broken entry is not shown
    line, *notes = result.stdout.splitlines()
    assert line == f"{refs}: 1 paper (bibtex): 1 added, 0 updated, 1 incomplete entry skipped"
    assert notes and all(note.startswith("  entry at line ") for note in notes)  # which, why
