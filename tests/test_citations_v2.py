"""Citations worth pasting: author names, arXiv ids and links, keys people recognise.

The compile test exports an enriched library (names, ids, venues, a DOI, an incomplete
author list, non-ASCII names) with the real `readlist export -o refs.bib` and runs
bibtex on it: the `.blg` must hold no warning (before authors were written, every entry
gave "need author or key").
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import bibtexparser
import pytest

from readlist.citations import (
    ETAL_AFTER,
    FORMATS,
    bibtex,
    bibtex_key,
    cite,
    cite_many,
    markdown,
    plain,
)
from readlist.export import to_bibtex
from readlist.models import Annotation, Paper, paper_id
from readlist.store import Store

from .conftest import RunCli
from .test_tex_injection import _tex_tools_or_skip, compile_bibliography


def paper(title: str, **fields: object) -> Paper:
    return Paper(id=paper_id(title), title=title, **fields)  # type: ignore[arg-type]


DEPT = paper(
    "DePT: Decomposed Prompt Tuning for Parameter-Efficient Fine-tuning",
    authors=("Zhengxiang Shi", "Aldo Lipani"),
    published="2023-09-08",
    arxiv_id="2309.05173",
    categories=("cs.CL", "cs.AI"),
    links=("https://github.com/ZhengxiangShi/DePT",),
)
MANY = paper(
    "The Power of Scale for Parameter-Efficient Prompt Tuning",
    authors=("Brian Lester", "Rami Al-Rfou", "Noah Constant", "Jean-Pierre Müller"),
    published="2021-04-18",
    arxiv_id="2104.08691",
    categories=("cs.CL",),
    venue="Proceedings of the 2021 Conference on Empirical Methods in Natural Language Processing",
    doi="10.18653/v1/2021.emnlp-main.243",
)
JOURNAL = paper(
    "A Survey of Large Language Models",
    authors=("Wayne Xin Zhao", "Kun Zhou"),
    authors_count=22,
    published="2023-03-31",
    venue="Journal of Machine Learning Research",
)
ENTRIES = [(p, Annotation()) for p in (DEPT, MANY, JOURNAL)]


def test_plain_reads_like_a_reference_list() -> None:
    assert plain(DEPT) == (
        "Shi, Z. and Lipani, A. (2023). DePT: Decomposed Prompt Tuning for "
        "Parameter-Efficient Fine-tuning. arXiv:2309.05173."
    )
    assert len(MANY.authors) > ETAL_AFTER
    assert plain(MANY).startswith("Lester, B. et al. (2021). The Power of Scale")
    assert plain(MANY).endswith("Natural Language Processing. arXiv:2104.08691.")
    # Two names known of 22: never pretend the list is complete.
    assert plain(JOURNAL).startswith("Zhao, W. X. et al. (2023). A Survey")
    three = replace(MANY, authors=MANY.authors[1:])
    assert plain(three).startswith("Al-Rfou, R., Constant, N. and Müller, J.-P. (2021).")


def test_markdown_links_the_arxiv_page_not_the_code() -> None:
    assert markdown(DEPT) == (
        "[DePT: Decomposed Prompt Tuning for Parameter-Efficient Fine-tuning]"
        "(https://arxiv.org/abs/2309.05173) — Shi, Z. and Lipani, A., September 8, 2023"
    )
    no_id = replace(DEPT, arxiv_id=None)
    assert "(https://github.com/ZhengxiangShi/DePT)" in markdown(no_id)


def test_bibtex_is_what_arxiv_writes_for_a_preprint() -> None:
    [entry] = bibtexparser.parse_string(bibtex(DEPT)).entries
    assert entry.entry_type == "misc"
    assert entry.key == "shi2023dept"
    assert entry["author"] == "Zhengxiang Shi and Aldo Lipani"
    assert (entry["eprint"], entry["archivePrefix"], entry["primaryClass"]) == (
        "2309.05173",
        "arXiv",
        "cs.CL",
    )
    assert entry["url"] == "https://arxiv.org/abs/2309.05173"
    assert entry["year"] == "2023"


def test_a_venue_makes_an_inproceedings_or_an_article() -> None:
    conference, journal = bibtexparser.parse_string(bibtex(MANY) + bibtex(JOURNAL)).entries
    assert conference.entry_type == "inproceedings"
    assert conference["booktitle"].startswith("Proceedings of the 2021 Conference")
    assert conference["doi"] == "10.18653/v1/2021.emnlp-main.243"
    assert conference["author"].endswith("Jean-Pierre Müller")
    assert journal.entry_type == "article"
    assert journal["journal"] == "Journal of Machine Learning Research"
    assert journal["author"] == "Wayne Xin Zhao and Kun Zhou and others"


def test_keys_are_surname_year_word_ascii_folded_never_a_stopword() -> None:
    assert bibtex_key(DEPT) == "shi2023dept"
    assert bibtex_key(MANY) == "lester2021power"  # "The" is skipped
    assert bibtex_key(replace(DEPT, authors=("José Ñúñez",))) == "nunez2023dept"
    assert bibtex_key(replace(DEPT, authors=("Shi, Zhengxiang",))) == "shi2023dept"
    # No names: a title word and the year; the year from the arXiv id when undated.
    assert bibtex_key(paper("On the Art of Tuning", published="2024-01-02")) == "art2024"
    assert bibtex_key(paper("A Study", arxiv_id="2309.05173")) == "study2023"
    assert bibtex_key(paper("Of The And")) == "paper"


def test_clashing_keys_get_a_b_suffixes_that_survive_resorting() -> None:
    twins = [
        paper(f"DePT {n}", authors=("Zhengxiang Shi",), published="2023-09-0" + n, added=f"t{n}")
        for n in "123"
    ]
    rows = [(p, Annotation()) for p in twins]
    keyed = {e["title"]: e.key for e in bibtexparser.parse_string(to_bibtex(rows)).entries}
    assert sorted(keyed.values()) == ["shi2023depta", "shi2023deptb", "shi2023deptc"]
    resorted = {e["title"]: e.key for e in bibtexparser.parse_string(to_bibtex(rows[::-1])).entries}
    assert resorted == keyed
    assert keyed["{DePT 1}"] == "shi2023depta"


def test_export_picks_the_format_from_the_extension(
    store: Store, cli: RunCli, tmp_path: Path
) -> None:
    store.import_listings([[DEPT, MANY]])
    refs = tmp_path / "refs.bib"
    result = cli("export", "-o", str(refs))
    assert result.returncode == 0, result.stderr
    assert result.stderr == f"exported 2 papers as BibTeX to {refs} (a new file)\n"
    keys = {e.key for e in bibtexparser.parse_string(refs.read_text()).entries}
    assert keys == {"shi2023dept", "lester2021power"}
    md = tmp_path / "list.MD"
    assert cli("export", "-o", str(md)).returncode == 0
    assert "(https://arxiv.org/abs/2309.05173)" in md.read_text()
    forced = tmp_path / "refs2.bib"
    result = cli("export", "--format", "json", "-o", str(forced))
    assert result.stderr.startswith("exported 2 papers as JSON")
    assert forced.read_text().startswith('{\n  "readlist": "export"')
    other = tmp_path / "refs.txt"
    assert cli("export", "-o", str(other)).returncode == 0
    assert other.read_text().startswith(
        '{\n  "readlist": "export"'
    )  # unknown extension: JSON, as before


def test_an_enriched_library_compiles_with_bibtex_without_warnings(
    sample_store: Store, cli: RunCli, tmp_path: Path
) -> None:
    _tex_tools_or_skip()
    enriched = [
        replace(p, authors=(f"Ada Lovelace{'' if i % 3 else ' Jr'}", "Grace Hopper"))
        for i, p in enumerate(sample_store.papers()[:40])
    ]
    sample_store.import_listings([enriched, [DEPT, MANY, JOURNAL]])  # DePT is a sample
    papers = sample_store.papers()
    assert len(papers) == 103
    build = tmp_path / "build"
    build.mkdir()
    result = cli("export", "-o", str(build / "refs.bib"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("exported 103 papers as BibTeX")
    text = compile_bibliography(build, ["refs"])
    log = (build / "doc.blg").read_text(errors="replace")
    assert not re.findall(r"(?m)^Warning--|There (?:was|were) \d+ warnings?|error message", log), (
        log
    )
    printed = " ".join(text.split())
    assert "Wayne Xin Zhao, Kun Zhou, et al. A Survey of Large Language Models." in printed
    assert "Brian Lester, Rami Al-Rfou, Noah Constant, and Jean-Pierre" in printed
    entries = bibtexparser.parse_string((build / "refs.bib").read_text()).entries
    assert sum("author" in e for e in entries) == sum(bool(p.authors) for p in papers) >= 42


def test_the_chat_format_is_the_title_and_the_page_on_one_line() -> None:
    assert cite(DEPT, "chat") == (
        "DePT: Decomposed Prompt Tuning for Parameter-Efficient Fine-tuning "
        "https://arxiv.org/abs/2309.05173"
    )
    listed = paper("Tuning\tin  Two\nLines", links=("https://example.org/a b",))
    assert cite(listed, "chat") == "Tuning in Two Lines https://example.org/a%20b"
    assert cite(paper("No Link Known"), "chat") == "No Link Known"
    assert "chat" in FORMATS


def test_citations_of_several_papers_are_copied_together() -> None:
    twin = replace(DEPT, id=paper_id("DePT 2"), title="DePT 2", added="later")
    many = [DEPT, MANY, twin]
    bib = cite_many(many, "bibtex")
    entries = bibtexparser.parse_string(bib).entries
    assert [e.key for e in entries] == ["shi2023depta", "lester2021power", "shi2023deptb"]
    assert bib.count("\n\n@") == 2 and bib.endswith("}\n")
    pinned = bibtexparser.parse_string(cite_many(many, "bibtex", ["k1", "k2", "k3"])).entries
    assert [e.key for e in pinned] == ["k1", "k2", "k3"]
    for fmt in ("plain", "markdown", "chat"):
        text = cite_many(many, fmt)
        assert text.splitlines() == [cite(p, fmt) for p in many]
        assert text.endswith("\n") and "\n\n" not in text
    assert cite_many([], "chat") == ""


BIBLATEX_DOCUMENT = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage[backend=biber,style=numeric]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def _biber_or_skip() -> None:
    _tex_tools_or_skip()
    if shutil.which("biber") is None:
        reason = "biber not installed (apt-get install biber)"
        if os.environ.get("READLIST_TEX_REQUIRED"):
            pytest.fail(f"READLIST_TEX_REQUIRED is set but {reason}")
        pytest.skip(reason)


def test_an_enriched_library_compiles_with_biblatex_and_biber_without_warnings(
    sample_store: Store, cli: RunCli, tmp_path: Path
) -> None:
    _biber_or_skip()
    enriched = [
        replace(p, authors=(f"Ada Lovelace{'' if i % 3 else ' Jr'}", "Grace Hopper"))
        for i, p in enumerate(sample_store.papers()[:40])
    ]
    sample_store.import_listings([enriched, [DEPT, MANY, JOURNAL]])
    build = tmp_path / "build"
    build.mkdir()
    result = cli("export", "-o", str(build / "refs.bib"))
    assert result.returncode == 0, result.stderr
    (build / "doc.tex").write_text(BIBLATEX_DOCUMENT)
    latex = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "doc.tex"]

    def run(command: list[str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            command, cwd=build, capture_output=True, text=True, errors="replace", timeout=300,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip

    run(latex)
    biber = run(["biber", "doc"])
    assert biber.returncode == 0, biber.stdout[-3000:]
    blg = (build / "doc.blg").read_text(errors="replace")
    assert not re.findall(r"(?m)^\[\d+\] .*?> (?:WARN|ERROR) ", blg), blg[-5000:]
    run(latex)
    run(latex)
    log = (build / "doc.log").read_text(errors="replace")
    assert not re.findall(r"(?m)^(?:Package biblatex Warning|LaTeX Warning: Citation)", log), log[
        -3000:
    ]
    text = run(["pdftotext", "-enc", "UTF-8", "doc.pdf", "-"]).stdout
    printed = " ".join(text.split())
    assert "DePT: Decomposed Prompt Tuning" in printed
    assert "arXiv: 2309.05173 [cs.CL]" in printed  # eprint, archivePrefix, primaryClass
    assert "Brian Lester et al." in printed  # biblatex's maxnames=3
    assert "doi: 10.18653/v1/2021" in printed
    assert "In: Journal of Machine Learning Research" in printed  # an @article
    assert printed.count("Grace Hopper") == 40
