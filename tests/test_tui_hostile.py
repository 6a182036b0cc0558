"""Hostile text is data: markup, actions, escape sequences render literally and inertly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from readlist.importers import read_listing
from readlist.store import Store
from readlist.tui.app import ReadListApp
from readlist.tui.widgets.detail import DetailPane

from . import hostile


@pytest.fixture
def hostile_store(tmp_path: Path) -> Store:
    source = tmp_path / "hostile.txt"
    source.write_text(hostile.listing(), encoding="utf-8")
    store = Store.open(tmp_path / "library.json")
    store.import_listings([read_listing(source, today=date(2026, 11, 22)).papers])
    return store


def test_importer_cleans_the_corpus(hostile_store: Store) -> None:
    titles = [p.title for p in hostile_store.papers()]
    assert titles == hostile.CLEAN_TITLES
    for paper in hostile_store.papers():
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in paper.title + paper.abstract)


async def test_list_and_detail_show_hostile_text_literally(
    hostile_store: Store, tmp_path: Path
) -> None:
    copied: list[str] = []
    app = ReadListApp(
        hostile_store, copy=lambda text, _t: copied.append(text) or "x", watch_interval=3600
    )
    async with app.run_test(size=(200, 60)) as pilot:
        screen_text = "\n".join(app.papers.render_line(y).text for y in range(len(hostile.TITLES)))
        for title in hostile.CLEAN_TITLES[:5]:
            assert title in screen_text
        for position, paper in enumerate(app.library.papers):
            app.papers.move_to(app.papers.selection.rows.index(position))
            await pilot.pause()
            shown = app.query_one("#detail", DetailPane).text
            # Literally the paper's text, whatever the wrapping (a 5,000-letter word is
            # folded over many lines): compare with all whitespace removed.
            squashed = "".join(shown.split())
            assert "".join(paper.title.split()) in squashed
            assert "".join(paper.abstract.split()) in squashed
            await pilot.press("c")  # the notification names the title: must not parse it
            await pilot.press("t", *"[red]", "enter")  # a tag that looks like markup is a tag
        assert app.is_running
        # Clicking on the row whose title carries [@click=app.quit] does nothing but select it.
        row = app.papers.selection.rows.index(1)
        await pilot.click("#papers", offset=(40, row))
        await pilot.click("#detail", offset=(5, 0))
        await pilot.pause()
        assert app.is_running
    assert all(
        a.tags == ("[red]",)
        for a in Store.open(hostile_store.paths.annotations).annotations().values()
    )
    assert len(copied) == len(hostile.TITLES)


async def test_markup_in_a_note_and_a_filter_is_inert(hostile_store: Store) -> None:
    app = ReadListApp(hostile_store, copy=lambda text, _t: "x", watch_interval=3600)
    async with app.run_test(size=(120, 40)) as pilot:
        note = "[@click=app.quit]q[/] and [/] and [link=file:///etc/passwd]x[/link]"
        await pilot.press("n", *note, "ctrl+s")
        await pilot.pause()
        assert app.is_running
        assert app.library.annotation_at(app.papers.current).note == note  # type: ignore[arg-type]
        # "[/]" has no words to search for: its error quotes it as text, not markup.
        await pilot.press("slash", *"[/]")
        drawn = " ".join(
            app.papers.render_line(y).text.strip() for y in range(app.papers.size.height)
        )
        assert "'[/]' has no letters or digits" in drawn
        # Control characters in a message (a saved filter's query is read from a file)
        # are not sent to the terminal.
        app.papers.show([], problem="bad query: 'nope:\x1b[31mred\x07'")
        drawn = "".join(app.papers.render_line(y).text for y in range(app.papers.size.height))
        assert "nope:" in drawn and "\x1b" not in drawn and "\x07" not in drawn
        # Brackets only separate words: the title "[bold]x[/]" is the phrase "bold x".
        await pilot.press("ctrl+u", *'title:"[bold]x"', "enter")
        await pilot.pause()
        assert app.is_running
        assert [app.library.papers[i].title for i in app.papers.selection.rows] == ["[bold]x[/]"]
