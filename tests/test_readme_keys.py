"""The README's key table is the one the app generates, so the two cannot drift."""

from __future__ import annotations

from pathlib import Path

from readlist.tui.keys import BINDINGS, key_help, markdown_table


def test_the_readme_key_table_is_the_generated_one() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    start, end = "<!-- keys-table:start -->\n", "<!-- keys-table:end -->"
    table = readme[readme.index(start) + len(start) : readme.index(end)]
    assert table == markdown_table()
    assert len(table.splitlines()) == len(key_help("plain")) + 2


def test_every_shown_binding_is_in_the_key_table() -> None:
    table = markdown_table()
    for binding in BINDINGS:
        key = getattr(binding, "key", "")
        description = getattr(binding, "description", "")
        if description and getattr(binding, "show", True):
            first = key.split(",")[0].replace("question_mark", "?").replace("slash", "/")
            assert f"`{first}" in table, (first, description)
