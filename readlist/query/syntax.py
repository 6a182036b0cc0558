"""The query language documented once: the CLI help, the TUI help and the README table.

Each row is (name, syntax, example, description). `tests/test_query_v2.py` checks that
the README's table is `markdown_table()` exactly, so the three never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Syntax:
    name: str
    syntax: str
    example: str
    description: str


SYNTAX: tuple[Syntax, ...] = (
    Syntax(
        "word", "WORD", "tun", "words starting with it: tuning; any case or accent; C++ is a word"
    ),
    Syntax("prefix", "WORD*", "trans*", "the same, said explicitly"),
    Syntax("phrase", '"WORDS"', '"prompt tuning"', "consecutive words; the last is a prefix"),
    Syntax("substring", "~TEXT", "~former", "anywhere, even inside words: transformer"),
    Syntax("and", "A B", "rlhf reward", "terms side by side: all must match"),
    Syntax("or", "A OR B", "lora OR qlora", "either; also lora | qlora"),
    Syntax("not", "-A", "-survey", "papers without it; also NOT survey"),
    Syntax("group", "( ... )", "(lora OR adapter) tag:ml", "parentheses group terms"),
    Syntax("title", "title:WORD", 'title:"vision language"', "the title only"),
    Syntax("abstract", "abstract:WORD", "abstract:benchmark", "the abstract only"),
    Syntax("author", "author:NAME", "author:hinton", "author names (when a source gave them)"),
    Syntax("org", "org:NAME", "org:deepmind", "the submitting organisation"),
    Syntax("note", "note:WORD", "note:reread", "your note only"),
    Syntax("tag", "tag:NAME", "tag:to-read", "papers with that tag (#NAME too)"),
    Syntax("arxiv", "arxiv:ID", "arxiv:2309.05", "arXiv id prefix"),
    Syntax("cat", "cat:CATEGORY", "cat:cs.CL", "arXiv category; cat:cs for every cs.*"),
    Syntax("has", "has:WHAT", "has:note", "has a note, tags, authors, link or abstract"),
    Syntax("added", "added:WHEN", "added:7d", "added today, in the last N days, 2026-11, 2026"),
    Syntax("is", "is:STATE", "is:unread", "read, unread, rated, unrated or dismissed (in triage)"),
    Syntax("rating", "rating:N", "rating:>=4", "your rating; also =, <, <=, >"),
    Syntax("year", "year:N", "year:2020..2023", "publication year; also year:>=2022"),
    Syntax("upvotes", "upvotes:N", "upvotes:>=10", "upvote count; unknown never matches"),
    Syntax("comments", "comments:N", "comments:>=3", "comment count"),
    Syntax("authors", "authors:N", "authors:>5", "number of authors"),
    Syntax("id", "id:PREFIX", "id:52393aed", "one paper by id prefix"),
    Syntax("saved", "@NAME", "@inbox", "a saved filter (readlist filter save NAME QUERY)"),
)


def help_rows() -> tuple[tuple[str, str], ...]:
    """(example, description) pairs, for the TUI help screen."""
    return tuple((row.example, row.description) for row in SYNTAX)


def cli_help() -> str:
    """The query section of `readlist --help`."""
    width = max(len(row.example) for row in SYNTAX) + 2
    lines = [f"  {row.example.ljust(width)}{row.description}" for row in SYNTAX]
    return "query language (for list, export, tag, untag, rate, read, unread, filter):\n" + (
        "\n".join(lines) + "\n"
    )


def markdown_table() -> str:
    """The README's table of the query language."""

    def cell(text: str) -> str:
        return "`" + text.replace("|", "\\|") + "`"

    lines = ["| Syntax | Example | Matches |", "| --- | --- | --- |"]
    for row in SYNTAX:
        description = row.description.replace("|", "\\|")
        lines.append(f"| {cell(row.syntax)} | {cell(row.example)} | {description} |")
    return "\n".join(lines) + "\n"
