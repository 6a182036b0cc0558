"""Triage mode: one paper fills the screen and one key decides, saves and moves on.

`T` in the list opens it on the highlighted paper. The walk is the list as it was then
(the filter's papers in its sort), fixed for the whole pass: a paper dismissed under
`is:unread` leaves the list but stays in the walk, so `b` can go back to it and the
position ("12 / 40") keeps its meaning. Leaving returns the list's cursor to the paper
reached (see `ReadListApp._triage_left`).

The screen changes nothing itself. Every decision goes through `ReadListApp.run_command`
as the list's keys do (one undoable write, the list behind updated), and tags, notes,
links and citations through the app's own flows for a given paper, so the editors behave
exactly as they do from the list. What a decision did is said on a line above the footer
instead of in a notification: a notification per key would pile up over the abstract in
a fast pass. Errors are still notifications. The card is the detail pane's widget (the same
bounded, markup-free rendering) with the note cut to its first lines, under a header that
says where the pass is.

The walk's order is the app's to choose (see `ReadListApp.action_triage`): "for you" when
the list is in its default sort and the ranking has enough to learn from, else the list's.
A ranking not computed yet is computed in the app's ranking worker while the screen
waits ("ranking…", Esc leaves); `begin` then starts the pass. The header says "for you"
when that is the order; the line above the footer says why it is not, once, on entry.

The decision keys and the keep tag come from a `TriageKeys` (the app's `triage_keys`,
read each time the screen opens, so a config file can set them). The bindings are built
per screen from it, each with an id (`triage_keep`, ...), and shown in the footer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar, cast

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Container
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from readlist import commands
from readlist.commands import Outcome
from readlist.errors import ReadlistError
from readlist.models import Annotation, Paper, normalize_tags
from readlist.query import Query
from readlist.text import strip_controls
from readlist.tui.widgets.detail import DetailPane

if TYPE_CHECKING:
    from readlist.tui.app import ReadListApp

NOTE_LINES = 6  # of the note shown on the card; `n` opens all of it
NOTE_CHARACTERS = 2_000
REFRESH_INTERVAL = 0.5  # seconds between looks for changes made elsewhere (another process)

# Keys that keep their meaning from the list (rate, tags, note, open, cite, undo) or move
# the card, and so are not free for a decision.
FIXED_KEYS: dict[str, str] = {
    **{str(n): f"rate {n}" for n in range(6)},
    "t": "tags",
    "n": "note",
    "o": "open",
    "c": "cite",
    "u": "undo",
    "U": "redo",
    "ctrl+r": "redo",
    "q": "leave",
    "escape": "leave",
    "J": "scroll",
    "K": "scroll",
    "down": "scroll",
    "up": "scroll",
    "pagedown": "scroll",
    "pageup": "scroll",
}


DECISIONS = ("keep", "dismiss", "skip", "back")


@dataclass(frozen=True, slots=True)
class TriageKeys:
    """The triage mode's decision keys (Textual key names, comma-separated) and keep tag.

    The defaults: `l` keeps for *later* and `d` dismisses; `s` skips and `b` goes back,
    and so do `j` / `→` and `k` / `←`: in the list j and k move without changing anything,
    and here they do the same (next / previous paper, no decision). So `k` is never
    "keep", which a hand used to the list would press to go up. None of them takes a key
    that keeps its meaning from the list (0-5, t, n, o, c, u, q, Esc) or scrolls the card.
    """

    keep: str = "l"
    """Add `keep_tag` and go to the next paper."""
    dismiss: str = "d"
    """Mark dismissed (and read) and go to the next paper."""
    skip: str = "s,j,right"
    """Next paper, no decision."""
    back: str = "b,k,left"
    """Previous paper."""
    keep_tag: str = "to-read"
    """The tag "keep for later" adds."""

    def __post_init__(self) -> None:
        if normalize_tags([self.keep_tag]) != (self.keep_tag,):
            raise ReadlistError(
                f"triage keep tag {self.keep_tag!r} is not one tag (no spaces, commas or #)"
            )
        taken: dict[str, str] = dict(FIXED_KEYS)
        for decision, keys in self.decisions().items():
            if not keys:
                raise ReadlistError(f"triage key for {decision} is empty")
            for key in keys:
                if key in taken:
                    raise ReadlistError(
                        f"triage key {key!r} for {decision} is taken by {taken[key]}"
                    )
                taken[key] = decision

    def decisions(self) -> dict[str, list[str]]:
        """Decision -> its keys."""
        return {
            name: [key.strip() for key in getattr(self, name).split(",") if key.strip()]
            for name in DECISIONS
        }

    @classmethod
    def from_settings(cls, keys: Mapping[str, str], keep_tag: str | None = None) -> TriageKeys:
        """The defaults with the decisions a user set (`{"keep": "k"}`), for a config file.

        A key the user gave one decision is taken from the defaults of the others (so
        `keep = "k"` leaves back on `b` and `←`); two decisions the user gave the same
        key, or one that would be left with none, are an error (`ReadlistError`).
        """
        unknown = sorted(set(keys) - set(DECISIONS))
        if unknown:
            raise ReadlistError(
                f"unknown triage decision {unknown[0]!r} (known: {', '.join(DECISIONS)})"
            )
        given = {key.strip() for value in keys.values() for key in value.split(",")}
        defaults = cls().decisions()
        chosen = {
            name: keys[name]
            if name in keys
            else ",".join(key for key in defaults[name] if key not in given)
            for name in DECISIONS
        }
        if keep_tag is not None:
            chosen["keep_tag"] = keep_tag
        return cls(**chosen)


def _display(key: str) -> str:
    return {"right": "→", "left": "←", "escape": "Esc", "space": "Space"}.get(key, key)


def triage_bindings(keys: TriageKeys) -> list[Binding]:
    """The screen's bindings, in footer order; priority bindings act as each key arrives
    (in order in a burst, see keyorder.py)."""
    decisions = keys.decisions()

    def decision(name: str, action: str, label: str) -> Binding:
        chosen = decisions[name]
        return Binding(
            ",".join(chosen),
            action,
            label,
            key_display=_display(chosen[0]),
            priority=True,
            id=f"triage_{name}",
        )

    return [
        decision("keep", "decide_keep", "Keep"),
        decision("dismiss", "decide_dismiss", "Dismiss"),
        Binding("1", "rate(1)", "Rate", key_display="1-5", priority=True, id="triage_rate_1"),
        *(
            Binding(
                str(n), f"rate({n})", f"Rate {n}", show=False, priority=True, id=f"triage_rate_{n}"
            )
            for n in (2, 3, 4, 5, 0)
        ),
        decision("skip", "skip", "Skip"),
        decision("back", "back", "Back"),
        Binding("u", "undo", "Undo", priority=True, id="triage_undo"),
        Binding(
            "U,ctrl+r", "redo", "Redo", key_display="U", show=False, priority=True, id="triage_redo"
        ),
        Binding("t", "edit_tags", "Tags", priority=True, id="triage_tags"),
        Binding("n", "edit_note", "Note", priority=True, id="triage_note"),
        Binding("o", "open_link", "Open", priority=True, id="triage_open"),
        # Not in the footer (80 columns hold the rest); the header names it.
        Binding("c", "copy_citation", "Cite", show=False, priority=True, id="triage_cite"),
        Binding(
            "J,down", "scroll(1)", "Scroll down", show=False, priority=True, id="triage_scroll_down"
        ),
        Binding(
            "K,up", "scroll(-1)", "Scroll up", show=False, priority=True, id="triage_scroll_up"
        ),
        Binding(
            "pagedown",
            "scroll_page(1)",
            "Page down",
            show=False,
            priority=True,
            id="triage_page_down",
        ),
        Binding(
            "pageup", "scroll_page(-1)", "Page up", show=False, priority=True, id="triage_page_up"
        ),
        Binding("escape,q", "leave", "Leave", key_display="Esc", priority=True, id="triage_leave"),
    ]


def _short(title: str, limit: int = 50) -> str:
    shown = strip_controls(title[: 2 * limit])  # a title may be megabytes long
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def first_lines(note: str) -> str:
    """The start of a note for the card, saying how much more there is."""
    lines = note[: NOTE_CHARACTERS + 1].splitlines()
    shown = lines[:NOTE_LINES]
    text = "\n".join(shown)
    if len(text) > NOTE_CHARACTERS:
        text = text[:NOTE_CHARACTERS]
    if text == note.rstrip("\n"):
        return note
    more = note.count("\n") + 1 - len(shown)
    rest = f"{more:,} more line{'' if more == 1 else 's'}" if more > 0 else "more"
    return f"{text}\n\n*… {rest}: n opens the note*"


class TriageCard(DetailPane):
    """The detail pane's rendering of one paper, or a message (the end of the walk)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._message: RenderableType | None = None

    def show_message(self, message: RenderableType) -> None:
        self._message = message
        self.show(None, Annotation())

    def show_paper(
        self, paper: Paper, annotation: Annotation, *, abstract_pending: bool, query: Query
    ) -> None:
        self._message = None
        self.show(paper, annotation, abstract_pending=abstract_pending, query=query)

    def _content(self) -> RenderableType:
        return self._message if self._message is not None else super()._content()


# Actions that act on the paper shown: off at the end of the walk and on a removed paper.
ON_A_PAPER = frozenset(
    {
        "decide_keep",
        "decide_dismiss",
        "rate",
        "edit_tags",
        "edit_note",
        "open_link",
        "copy_citation",
    }
)


class TriageScreen(Screen[list[str]]):
    """Walks `walk` (paper ids) from `start`; dismisses with the ids to put the list's
    cursor on, best first: the paper reached, the ones after it, then the ones before."""

    DEFAULT_CSS = """
    TriageScreen #triage-body { height: 1fr; align-horizontal: center; }
    TriageScreen #triage-header {
        width: 100%; height: 1; padding: 0 1;
        background: $panel; color: $text-primary; text-style: bold;
    }
    TriageScreen #triage-said { width: 100%; height: 1; padding: 0 1; color: $text-muted; }
    TriageScreen TriageCard { width: 104; max-width: 100%; height: 1fr; padding: 1 2; }
    """
    BINDINGS: ClassVar[list[BindingType]] = []  # built per screen from TriageKeys, see __init__

    def __init__(
        self,
        walk: Sequence[str],
        start: int,
        keys: TriageKeys,
        *,
        order: str = "",
        said: str = "",
        waiting: bool = False,
    ) -> None:
        super().__init__()
        self.walk = list(walk)
        self.index = max(0, min(start, len(self.walk)))
        self.keys = keys
        self.order = order
        """What the header names the walk's order by ("for you"); empty: the list's."""
        self.waiting = waiting
        """True until `begin`: the walk's order is being computed (a ranking)."""
        self._mounted_once = False
        self.decided: dict[str, str] = {}  # paper id -> what this pass decided ("kept"...)
        self.skipped: set[str] = set()
        self._shown: tuple[str, Paper | None, Annotation] | None = None
        self.said = said  # what the last decision, undo or redo did (or why this order)
        # The keys come from the instance's TriageKeys, not the class: a BindingsMap of
        # our own (Textual copies the class's one into `_bindings` otherwise). Keymaps
        # (App.set_keymap) still apply to them by id.
        self._bindings = BindingsMap(triage_bindings(keys))
        keep = _display(keys.decisions()["keep"][0])
        self._hint = f"   {keep} adds #{keys.keep_tag} · c copies a citation · J/K scroll"

    @property
    def host(self) -> ReadListApp:
        return cast("ReadListApp", self.app)

    @property
    def done(self) -> bool:
        return self.index >= len(self.walk)

    def compose(self) -> ComposeResult:
        yield Static(id="triage-header", markup=False)
        with Container(id="triage-body"):  # centres the card on a wide terminal
            yield TriageCard(id="triage-card")
        # What the last key did, in place of a notification per key (a fast pass would
        # pile them up over the abstract); errors are still notifications.
        yield Static(id="triage-said", markup=False)
        yield Footer(compact=True, show_command_palette=False)

    def begin(self, walk: Sequence[str], start: int, *, order: str = "", said: str = "") -> None:
        """Start the pass the screen was waiting for, over `walk` from `start`."""
        self.walk = list(walk)
        self.index = max(0, min(start, len(self.walk)))
        self.order, self.said, self.waiting = order, said, False
        if self._mounted_once:  # else on_mount shows it (begun as the screen was pushed)
            self.query_one("#triage-said", Static).update(Content(said))
            self.show_current()

    def on_mount(self) -> None:
        self._mounted_once = True
        self.query_one("#triage-said", Static).update(Content(self.said))
        self.show_current()
        self.set_interval(REFRESH_INTERVAL, self._refresh_if_changed)

    def on_screen_resume(self) -> None:
        self.show_current()  # back from the tag or note editor: show what it saved

    @property
    def card(self) -> TriageCard:
        return self.query_one(TriageCard)

    # -- showing ---------------------------------------------------------------------------

    def current(self) -> tuple[str, Paper | None, Annotation] | None:
        """(id, paper, annotation) of the paper shown; paper None when it was removed."""
        if self.done:
            return None
        pid = self.walk[self.index]
        library = self.host.library
        position = library.position.get(pid)
        if position is None:
            return pid, None, Annotation()
        paper = library.papers[position]
        return pid, paper, library.annotation_at(position)

    def show_current(self) -> None:
        current = self.current()
        self._shown = current
        header = self.query_one("#triage-header", Static)
        total = len(self.walk)
        if self.waiting:
            header.update(Content("Triage · ranking… — Esc leaves"))
            self.card.show_message(
                Text("Ranking the papers for you… the pass starts when it is ready.")
            )
        elif current is None:
            header.update(Content(f"Triage · done: {total} / {total} — Esc returns"))
            self.card.show_message(self._summary())
        else:
            pid, paper, annotation = current
            decided = self.decided.get(pid) or ("skipped" if pid in self.skipped else "")
            where = f"Triage · {self.index + 1} / {total}"
            where += "".join(f" · {part}" for part in (self.order, decided) if part)
            header.update(Content.assemble(where, (self._hint, "not bold $text-muted")))
            if paper is None:
                self.card.show_message(
                    Text(
                        "This paper was removed from the library (by another readlist "
                        "process?). s goes on to the next one.",
                        style="italic",
                    )
                )
            else:
                self._show_paper(paper, annotation)
        self.refresh_bindings()

    def _show_paper(self, paper: Paper, annotation: Annotation) -> None:
        host = self.host
        if not paper.abstract and host.abstracts is not None:  # a large library, loading
            paper = paper.with_abstract(host.abstracts.get(paper.id, ""))
        pending = not host.search_ready and host.abstracts is None
        if annotation.note:
            annotation = replace(annotation, note=first_lines(annotation.note))
        # The filter's words are marked, as in the detail pane.
        self.card.show_paper(paper, annotation, abstract_pending=pending, query=host.filter_query)

    def _summary(self) -> Text:
        counts = Counter(self.decided.values())
        decided = [f"{what} {count}" for what, count in sorted(counts.items())]
        skipped = len(self.skipped - self.decided.keys())
        parts = [*decided, *([f"skipped {skipped}"] if skipped else [])]
        text = Text(f"done: {len(self.walk)} / {len(self.walk)} — Esc returns\n\n", style="bold")
        text.append(" · ".join(parts) if parts else "Nothing decided in this pass.")
        text.append("\n\nb goes back to the last paper; u undoes the last decision.")
        return text

    def _refresh_if_changed(self) -> None:
        """Another process (or a catalogue reload) changed the paper shown: show it."""
        if self.is_current and self.current() != self._shown:
            self.show_current()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Hidden from the footer where they cannot act: past the end, or on a paper
        # removed meanwhile; while the walk's order is computed, only leaving.
        if self.waiting:
            return action == "leave"
        if action in ON_A_PAPER:
            current = self.current()
            return current is not None and current[1] is not None
        if action == "skip":
            return not self.done
        return True

    # -- deciding --------------------------------------------------------------------------

    def _decide(self, command: commands.Command, what: str, *, advance: bool = True) -> None:
        current = self.current()
        if current is None or current[1] is None:
            return
        # The app's writer saves it off the event loop, in order; the walk moves on at
        # once, so keys typed fast decide for the papers they were typed on. The line
        # above the footer says what was saved (and how to undo it) once it is.
        pid, paper = current[0], current[1]
        self.decided[pid] = what

        def not_saved(error: ReadlistError) -> None:
            # The app shows the error; the paper counts as undecided again.
            if self.decided.get(pid) == what:
                del self.decided[pid]
            self.show_current()

        self._run(command, paper, failed=not_saved)
        if advance:
            self.index += 1
        self.show_current()

    def _run(
        self,
        command: commands.Command,
        paper: Paper | None = None,
        *,
        then: Callable[[Outcome], None] | None = None,
        failed: Callable[[ReadlistError], None] | None = None,
    ) -> None:
        """Run `command` through the app, quietly: the outcome goes on the `said` line."""

        def done(outcome: Outcome) -> None:
            said = outcome.message[:1].upper() + outcome.message[1:]
            if outcome.undoable:
                said += " — u to undo"
            if paper is not None:  # last: at 80 columns the title is what gets cut
                said += f" · {_short(paper.title)}"
            self.said = said
            if self.is_attached:
                self.query_one("#triage-said", Static).update(Content(said))
            if then is not None:
                then(outcome)

        self.host.run_command(command, quiet=True, then=done, failed=failed)

    def _pid(self) -> str:
        return self.walk[self.index]

    def action_decide_keep(self) -> None:
        if not self.done:
            self._decide(commands.AddTags([self._pid()], (self.keys.keep_tag,)), "kept")

    def action_decide_dismiss(self) -> None:
        if not self.done:
            self._decide(commands.Dismiss([self._pid()]), "dismissed")

    def action_rate(self, rating: int) -> None:
        if not self.done:
            what = f"rated {rating}" if rating else "rating cleared"
            self._decide(commands.Rate([self._pid()], rating), what, advance=rating > 0)

    def action_skip(self) -> None:
        if not self.done:
            self.skipped.add(self._pid())
            self.index += 1
            self.show_current()

    def action_back(self) -> None:
        if self.index > 0 and not self.waiting:
            self.index -= 1
            self.show_current()

    def action_undo(self) -> None:
        """Undo the last change (as `u` does in the list) and go back to its paper."""
        self._step_history(commands.Undo())

    def action_redo(self) -> None:
        """Redo the last undone change (`U`, ctrl+r) and go to its paper."""
        self._step_history(commands.Redo())

    def _step_history(self, command: commands.Undo | commands.Redo) -> None:
        self._run(command, then=self._stepped)

    def _stepped(self, outcome: Outcome) -> None:
        if outcome.undone is None or not self.is_attached:
            return
        touched = {*outcome.undone.restored, *outcome.undone.skipped}
        for pid in touched:
            self.decided.pop(pid, None)
        places = [i for i, pid in enumerate(self.walk) if pid in touched]
        if places:
            # The latest of them up to here (a decision just made), else the first.
            before = [i for i in places if i <= self.index]
            self.index = before[-1] if before else places[0]
        self.show_current()

    # -- the list's own flows, for the paper shown -------------------------------------------

    def _paper(self) -> Paper | None:
        current = self.current()
        return None if current is None else current[1]

    def action_edit_tags(self) -> None:
        if (paper := self._paper()) is not None:
            self.host.edit_tags(paper)

    def action_edit_note(self) -> None:
        if (paper := self._paper()) is not None:
            self.host.edit_note(paper)

    def action_open_link(self) -> None:
        if (paper := self._paper()) is not None:
            self.host.open_link(paper)

    def action_copy_citation(self) -> None:
        if (paper := self._paper()) is not None:
            self.host.copy_citation(paper, self.host.citation_format)

    def action_scroll(self, lines: int) -> None:
        self.card.scroll_lines(lines)

    def action_scroll_page(self, pages: int) -> None:
        self.card.scroll_lines(pages * max(1, self.card.scrollable_content_region.height - 1))

    def action_leave(self) -> None:
        at = min(self.index, len(self.walk))
        self.dismiss([*self.walk[at:], *reversed(self.walk[:at])])
