"""The tag editor: a one-line modal with completion from the library's tags.

Tab completes the word being typed and, pressed again, cycles through every known tag
it could become (shift+tab backwards, wrapping); the candidates are listed on a line
under the field, the one in the field highlighted. A ghost suggestion would show only
one of them, so there is none: the line shows them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from readlist.models import normalize_tags, tag_name

SEPARATORS = " ,"
SHOWN = 8  # candidates on the line at once; a window around the current one


def completions(value: str, known: Sequence[str]) -> tuple[str, str, list[str]]:
    """(text before the word being typed, that word, the known tags it may become).

    The word is the text after the last space or comma (empty right after one, when
    every known tag not typed yet is a candidate). A leading "#" is how tags are shown,
    so it is typed for one too and is not part of the match. Candidates are in
    alphabetical order, ignoring case, so that cycling through them is predictable;
    tags typed earlier in the field are left out.
    """
    cut = max(value.rfind(sep) for sep in SEPARATORS) + 1
    stem, word = value[:cut], value[cut:]
    folded = tag_name(word).casefold()
    present = {t.casefold() for t in normalize_tags([stem])}
    found = sorted(
        (t for t in dict.fromkeys(known) if t.casefold().startswith(folded)),
        key=lambda t: (t.casefold(), t),
    )
    return stem, word, [t for t in found if t.casefold() not in present]


@dataclass(frozen=True, slots=True)
class Cycle:
    """Where Tab completion is: the candidates of one word, and which one is in the field."""

    stem: str
    candidates: tuple[str, ...]
    index: int

    @property
    def value(self) -> str:
        return self.stem + self.candidates[self.index]


def candidates_line(candidates: Sequence[str], current: int | None) -> Content:
    """ "todo · tools · topic", the current one highlighted (tags are data, not markup)."""
    if not candidates:
        return Content("")
    start = 0 if current is None else max(0, min(current - 2, len(candidates) - SHOWN))
    window = range(start, min(start + SHOWN, len(candidates)))
    parts: list[str | tuple[str, str]] = ["… · "] if start else []
    for n, i in enumerate(window):
        if n:
            parts.append(" · ")
        tag = candidates[i]
        parts.append((tag, "reverse bold") if i == current else tag)
    if window.stop < len(candidates):
        parts.append(" · …")
    if current is not None:
        parts.append(f"  ({current + 1}/{len(candidates)})")
    return Content.assemble(*parts)


class TagEditor(ModalScreen[tuple[str, ...] | None]):
    """Dismisses with the new tags once `on_save` stored them, or None when cancelled.

    `on_save` returns an error message when the tags could not be stored (a full disk):
    the editor then stays open with what was typed, so Enter can try again.
    """

    # Priority bindings act as the key arrives (after the keys before it), so keys typed
    # right after Enter or Esc reach the list, not this dialog's field.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "save", "Save", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
        Binding("tab", "complete(1)", "Complete", show=False, priority=True),
        Binding("shift+tab", "complete(-1)", "Complete (back)", show=False, priority=True),
    ]

    def __init__(
        self,
        title: str,
        tags: Sequence[str],
        known: Sequence[str],
        on_save: Callable[[tuple[str, ...]], str | None] | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        super().__init__()
        # Bulk mode (marked papers): `tags` are those common to all, and the hint says
        # what saving does to each paper's own tags.
        self.hint = hint
        self.paper_title = title
        self.tags = tuple(tags)
        self.known = known
        self.on_save = on_save
        self._cycle: Cycle | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Content.assemble(("Tags · ", "bold"), self.paper_title), classes="dialog-title"
            )
            value = " ".join(self.tags) + (" " if self.tags else "")
            # Not selected on focus: the first key would replace every existing tag.
            yield Input(value=value, select_on_focus=False, id="tags-input")
            yield Static(Content(""), id="tags-candidates")
            if self.hint is not None:
                yield Static(Content(self.hint), classes="dialog-hint")
            yield Static(
                Content(
                    "Spaces or commas separate tags · Tab / shift+Tab complete · "
                    "Enter saves · Esc cancels"
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self._show_candidates(self.query_one(Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if self._cycle is not None and event.value == self._cycle.value:
            return  # our own completion: the line already shows it
        self._cycle = None
        self._show_candidates(event.value)

    def _show_candidates(self, value: str) -> None:
        _stem, word, found = completions(value, self.known)
        # Right after a separator every tag would be listed: only once Tab is pressed.
        self._candidates_shown(found if word else [], None)

    def _candidates_shown(self, candidates: Sequence[str], current: int | None) -> None:
        self.query_one("#tags-candidates", Static).update(candidates_line(candidates, current))

    def action_complete(self, step: int = 1) -> None:
        """Put the next (`step` 1) or previous (-1) candidate in place of the word."""
        field = self.query_one(Input)
        cycle = self._cycle
        if cycle is not None and field.value == cycle.value:
            index = (cycle.index + step) % len(cycle.candidates)
            cycle = Cycle(cycle.stem, cycle.candidates, index)
        else:
            stem, word, found = completions(field.value, self.known)
            if not found:
                what = f"starts with “{word}”" if word else "is left to add"
                self.query_one("#tags-candidates", Static).update(
                    Content.assemble(f"No other tag in the library {what}.")
                )
                return
            folded = [t.casefold() for t in found]
            typed = tag_name(word).casefold()
            # A word that already is a candidate moves on from it, not back to it.
            at = folded.index(typed) if typed in folded else (-1 if step > 0 else 0)
            cycle = Cycle(stem, tuple(found), (at + step) % len(found))
        self._cycle = cycle
        field.value = cycle.value
        field.cursor_position = len(field.value)
        self._candidates_shown(cycle.candidates, cycle.index)

    def action_save(self) -> None:
        tags = normalize_tags([self.query_one(Input).value])
        if self.on_save is not None and (error := self.on_save(tags)) is not None:
            self.notify(error, title="Not saved", severity="error", markup=False, timeout=10)
            return
        self.dismiss(tags)

    def action_cancel(self) -> None:
        self.dismiss(None)
