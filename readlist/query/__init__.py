"""The filter language shared by the CLI and the TUI (see `syntax.SYNTAX` for all of it).

`parse` turns a string into a `Query` (a tree of nodes) or raises `QueryError` with the
position of the problem; `readlist.search.SearchIndex` evaluates it. Parsing is separate
so that the TUI can show an error inline while the user is still typing.
"""

from __future__ import annotations

from readlist.query.nodes import (
    FLAGS,
    HAS,
    Added,
    And,
    Category,
    Flag,
    Has,
    Leaf,
    Node,
    Not,
    Number,
    Or,
    Prefix,
    Query,
    Range,
    Tag,
    Words,
)
from readlist.query.parser import FIELDS, NUMERIC_FIELDS, parse
from readlist.query.syntax import SYNTAX, cli_help, help_rows, markdown_table
from readlist.query.words import normalize, searchable, words

__all__ = [
    "FIELDS",
    "FLAGS",
    "HAS",
    "NUMERIC_FIELDS",
    "SYNTAX",
    "Added",
    "And",
    "Category",
    "Flag",
    "Has",
    "Leaf",
    "Node",
    "Not",
    "Number",
    "Or",
    "Prefix",
    "Query",
    "Range",
    "Tag",
    "Words",
    "cli_help",
    "help_rows",
    "markdown_table",
    "normalize",
    "parse",
    "searchable",
    "words",
]
