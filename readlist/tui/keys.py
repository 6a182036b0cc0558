"""The keys of the triage screen: bindings, the help screen's table, the palette commands.

One table of keys, apart from the app's behaviour, so that the footer, the help screen
and the command palette say the same thing, and a config file for keys can later
replace `BINDINGS` without touching the app.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

from readlist.citations import FORMATS
from readlist.library import SORT_KEYS

# All priority bindings: Textual checks them as each key arrives, in order, so keys
# typed in a burst ("r3jj/model") act on what had focus when they were typed,
# before "/" moves focus to the filter. A text field with focus consumes printable
# keys, and Textual then leaves these bindings out, so typing is never captured.
BINDINGS: list[BindingType] = [
    # Moving is here too, not on the list widget: a key that waits in the list's
    # queue would run after a priority key typed later ("G3" rated the first paper).
    Binding("j,down", "move('cursor_down')", "Down", show=False, priority=True, id="down"),
    Binding("k,up", "move('cursor_up')", "Up", show=False, priority=True, id="up"),
    Binding(
        "pagedown", "move('page_down')", "Page down", show=False, priority=True, id="page_down"
    ),
    Binding("pageup", "move('page_up')", "Page up", show=False, priority=True, id="page_up"),
    Binding("g,home", "move('first')", "First", show=False, priority=True, id="first"),
    Binding("G,end", "move('last')", "Last", show=False, priority=True, id="last"),
    Binding("slash", "focus_filter", "Filter", key_display="/", priority=True, id="filter"),
    # Leaving the filter moves focus at once too, for keys typed right after it.
    Binding("enter", "leave_filter", show=False, priority=True, id="leave_filter"),
    Binding("escape", "leave_filter(True)", show=False, priority=True, id="clear_filter"),
    Binding("r", "toggle_read", "Read", priority=True, id="toggle_read"),
    # One footer entry for six keys: "0-5 Rate".
    Binding("1", "rate(1)", "Rate", key_display="0-5", priority=True, id="rate_1"),
    *(
        Binding(str(n), f"rate({n})", f"Rate {n}", show=False, priority=True, id=f"rate_{n}")
        for n in (2, 3, 4, 5, 0)
    ),
    Binding("t", "edit_tags", "Tags", priority=True, id="edit_tags"),
    Binding("n", "edit_note", "Note", priority=True, id="edit_note"),
    Binding("c", "copy_citation", "Cite", priority=True, id="copy_citation"),
    Binding(
        "C",
        "pick_citation",
        "Cite as",
        key_display="C",
        show=False,
        priority=True,
        id="pick_citation",
    ),
    Binding("s", "cycle_sort", "Sort", priority=True, id="cycle_sort"),
    # Not in the footer: 80 columns hold the keys above and "q Quit"; help and palette list it.
    Binding("f", "saved_filters", "Saved filters", show=False, priority=True, id="saved_filters"),
    Binding("o", "open_link", "Open", priority=True, id="open_link"),
    # "Add" rather than "Import": the footer must fit in 80 columns with "q Quit" last.
    Binding("i", "import", "Add", priority=True, id="import"),
    Binding(
        "x,delete", "remove", "Remove", key_display="x", show=False, priority=True, id="remove"
    ),
    Binding(
        "J", "scroll_detail(3)", "Scroll details down", show=False, priority=True, id="scroll_down"
    ),
    Binding(
        "K", "scroll_detail(-3)", "Scroll details up", show=False, priority=True, id="scroll_up"
    ),
    Binding("u", "undo", "Undo", show=False, priority=True, id="undo"),
    Binding("U,ctrl+r", "redo", "Redo", key_display="U", show=False, priority=True, id="redo"),
    Binding("question_mark", "help", "Help", key_display="?", priority=True, id="help"),
    # "q" quits from the list; ctrl+q (Textual's) quits from anywhere, saving drafts.
    Binding("q", "leave", "Quit", priority=True, id="quit"),
]

# -- marking and bulk actions (issue 13): while papers are marked, r, 0-5, t, x and c
# act on all of them (see ReadListApp.targets). Not in the footer (it is full at 80).
BINDINGS += [
    Binding("space", "toggle_mark", "Mark", show=False, priority=True, id="toggle_mark"),
    Binding(
        "asterisk",
        "mark_all",
        "Mark all shown",
        key_display="*",
        show=False,
        priority=True,
        id="mark_all",
    ),
    Binding("M", "clear_marks", "Clear marks", show=False, priority=True, id="clear_marks"),
]
MARK_ACTIONS = frozenset({"toggle_mark", "mark_all", "clear_marks", "export_marked"})

# Actions on the paper list: off while a dialog is open (see ReadListApp.check_action).
LIST_ACTIONS = MARK_ACTIONS | frozenset(
    {
        "move", "focus_filter", "toggle_read", "rate", "edit_tags", "edit_note", "copy_citation",
        "pick_citation", "cycle_sort", "open_link", "help", "leave", "scroll_detail", "import",
        "remove", "saved_filters", "undo", "redo",
    }
)  # fmt: skip

# The command palette (ctrl+p): title, help, action.
COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Toggle read", "Mark the highlighted paper read / unread (r)", "toggle_read"),
    *((f"Rate {n}", f"Rate the highlighted paper {n}/5 ({n})", f"rate({n})") for n in range(1, 6)),
    ("Clear rating", "Remove the rating (0)", "rate(0)"),
    ("Edit tags", "Edit the highlighted paper's tags (t)", "edit_tags"),
    ("Edit note", "Write a Markdown note (n)", "edit_note"),
    ("Copy citation", "Copy a citation to the clipboard (c)", "copy_citation"),
    ("Copy citation as…", "Choose plain, BibTeX or Markdown (C)", "pick_citation"),
    ("Cycle sort", "Date, upvotes, rating, title (s)", "cycle_sort"),
    ("Open link", "Open the paper's first link (o)", "open_link"),
    ("Import", "Paste a page or give a file to import (i)", "import"),
    ("Remove paper", "Remove the highlighted paper; readlist restore brings it back (x)", "remove"),
    ("Undo", "Undo the last change, from this or any readlist (u)", "undo"),
    ("Redo", "Redo the last undone change (U or ctrl+r)", "redo"),
    ("Filter", "Focus the filter (/)", "focus_filter"),
    ("Saved filters", "Pick a saved filter, with its counts (f)", "saved_filters"),
    ("Keys and filter help", "Show the help screen (?)", "help"),
    # -- marking and bulk actions
    ("Mark / unmark", "Mark the highlighted paper for a bulk action (space)", "toggle_mark"),
    ("Mark all shown", "Mark every paper the filter shows (*)", "mark_all"),
    ("Clear marks", "Unmark every paper (M)", "clear_marks"),
    (
        "Export marked…",
        "Write the marked papers to a file: .bib, .md, .csv or .json",
        "export_marked",
    ),
)


def key_help(citation_format: str) -> list[tuple[str, str]]:
    """The help screen's table of keys; `c` names the citation format it copies now."""
    return [
        ("j / k / ↓ / ↑", "move down / up"),
        ("PgDn / PgUp", "page down / up"),
        ("g / G / Home / End", "first / last paper"),
        ("J / K", "scroll the details down / up"),
        ("/", "filter (Enter: back to the list, Esc: clear)"),
        ("f", "saved filters with counts; 1-9 picks one"),
        ("r", "toggle read"),
        ("1 … 5", "rate; 0 clears the rating"),
        ("t", "edit tags (Tab completes)"),
        ("n", "edit the note (Markdown; ctrl+s saves)"),
        ("c", f"copy a citation ({FORMATS[citation_format]})"),
        ("C", "choose the citation format, then copy"),
        ("s", "cycle the sort: " + ", ".join(SORT_KEYS)),
        ("o", "open the paper's first link"),
        ("i", "import: paste a page or give a file path"),
        ("x / Delete", "remove the paper (asks; u undoes)"),
        ("u", "undo the last change (this or any readlist process)"),
        ("U / ctrl+r", "redo"),
        # -- marking and bulk actions
        ("space", "mark / unmark the paper (and move down)"),
        ("*", "mark every paper shown"),
        ("M", "clear the marks"),
        ("r 0-5 t x c", "with papers marked: act on all of them"),
        ("ctrl+p", "command palette"),
        ("?", "this help"),
        ("q", "quit (everything is already saved)"),
    ]
