"""The TUI's side of the remembered state (readlist/state.py): what is remembered, how it
is put back at start, and when it is written.

`Memory.values` is the one table of what is remembered: the filter text, sort, citation
format, theme and highlighted paper, plus the list/detail split and reverse sort once
the app has them (`ReadListApp.split`, `ReadListApp.reverse`). A new remembered setting
is one entry there and one in `restore`.

Nothing is written on a key's path: every `EVERY` seconds a timer compares the values
with the last ones written and, if they differ, writes them in a thread; at exit they
are written at once. The config's sort, citation format and theme are remembered too:
a setting the user has changed in the config since the last run wins over the
remembered one (editing the config must have an effect).
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from textual.css.query import NoMatches

from readlist.citations import FORMATS
from readlist.errors import ReadlistError
from readlist.library import SORT_KEYS
from readlist.query import parse
from readlist.state import StateFile, Value

if TYPE_CHECKING:
    from readlist.tui.app import ReadListApp

EVERY = 1.0  # seconds between checks whether the remembered state changed
CONFIGURED = ("sort", "citation_format", "theme")
LATER = ("split", "sort_reversed")  # the app's list/detail split (w) and reverse sort (R)


class Memory:
    def __init__(self, app: ReadListApp, state: StateFile | None) -> None:
        self.app = app
        self.state = state
        self.written: dict[str, Value] = {}
        # Writes in threads may finish out of order: each has a number, and one that
        # is not the latest by the time it holds the lock is dropped (a newer follows).
        self._lock = threading.Lock()
        self._latest = 0

    def values(self) -> dict[str, Value]:
        """What is remembered now, by name. Raises NoMatches once the screen is gone."""
        app = self.app
        current = app.papers.current
        values: dict[str, Value] = {
            "filter": app.filter_bar.input.value,
            "sort": app.sort,
            "citation_format": app.citation_format,
            "theme": app.theme,
            "paper": None if current is None else app.library.papers[current].id,
        }
        for name in CONFIGURED:
            values[f"config.{name}"] = getattr(app.config, name)
        for name in LATER:
            value = getattr(app, name, None)
            if isinstance(value, (str, int, float, bool)):
                values[name] = value
        return values

    def restore(self) -> str | None:
        """Put back what the last run remembered; returns the paper to highlight, if any."""
        app = self.app
        if self.state is None:
            return None
        values, problem = self.state.load()
        if problem is not None:
            app.notify(problem, title="Remembered state", severity="warning", markup=False)
        self.written = values

        def kept(name: str) -> Value:
            now = getattr(app.config, name)
            return values.get(name) if values.get(f"config.{name}", now) == now else None

        if (sort := kept("sort")) in SORT_KEYS:
            app.sort = str(sort)
        if (fmt := kept("citation_format")) in FORMATS:
            app.citation_format = str(fmt)
        if isinstance(theme := kept("theme"), str) and theme in app.available_themes:
            app.theme = theme
        for name in LATER:
            value = values.get(name)
            if value is not None and type(value) is type(getattr(app, name, None)):
                with contextlib.suppress(ValueError):  # a split this version lacks
                    setattr(app, name, value)
        text = values.get("filter")
        if isinstance(text, str) and text:
            try:
                parse(text, saved=app.saved_filters)
            except ReadlistError:
                pass  # e.g. it names a saved filter removed since: start unfiltered
            else:
                app.filter_bar.input.value = text  # the app's watcher filters at once
        paper = values.get("paper")
        return paper if isinstance(paper, str) else None

    def start(self) -> None:
        if self.state is not None:
            self.app.set_interval(EVERY, self.save)

    def save(self, *, now: bool = False) -> None:
        """Write the values if they changed: in a thread, or at once (`now`, at exit)."""
        if self.state is None:
            return
        try:
            values = self.values()
        except NoMatches:  # the screen is gone already (exit): nothing new to remember
            return
        if values == self.written:
            return
        self.written = values
        self._latest += 1
        number, state = self._latest, self.state
        if now:
            if (problem := self._write(state, values, number)) is not None:
                self._failed(problem)
            return

        def write() -> None:
            if (problem := self._write(state, values, number)) is not None:
                self.app.call_from_thread(self._failed, problem)

        self.app.run_worker(write, thread=True, exclusive=True, group="state")

    def _write(self, state: StateFile, values: dict[str, Value], number: int) -> str | None:
        with self._lock:
            return state.save(values) if number == self._latest else None

    def _failed(self, problem: str) -> None:
        self.app.notify(problem, title="Settings not remembered", severity="warning", markup=False)
