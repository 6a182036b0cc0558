"""A corpus of hostile paper text, shared by the importer, TUI and export tests."""

from __future__ import annotations

TITLES = [
    "[bold]x[/]",
    "[@click=app.quit]Click me[/]",
    "[link=file:///etc/passwd]secret[/link]",
    "Unbalanced [/] closing tag",
    "Array[int] [2024]",
    "Erase \x1b[2J screen",
    "Title \x1b]0;PWNED-TITLE\x07 change",
    "Clipboard \x1b]52;c;ZXZpbA==\x07 grab",
    "C1 \x9b31m control",
    "NUL \x00 and DEL \x7f bytes",
    "Right-to-left עברית ومرحبا and \u202eoverride",
    "Emoji 🚀🤖 and wide 日本語 text",
    "A" * 300,
]
ABSTRACTS = [
    "Abstract with [bold red]markup[/] and [@click=app.bell]action[/] and [/].",
    "Escape \x1b[31mred\x1b[0m and OSC \x1b]8;;http://evil\x07link\x1b]8;;\x07 and \x1bP dcs \x1b\\.",
    "A very long word " + "x" * 5000 + " end.",
]
# What each title must look like once imported (controls and escape sequences removed).
CLEAN_TITLES = [
    "[bold]x[/]",
    "[@click=app.quit]Click me[/]",
    "[link=file:///etc/passwd]secret[/link]",
    "Unbalanced [/] closing tag",
    "Array[int] [2024]",
    "Erase screen",
    "Title change",
    "Clipboard grab",
    "C1 control",
    "NUL and DEL bytes",
    "Right-to-left עברית ومرحبا and override",
    "Emoji 🚀🤖 and wide 日本語 text",
    "A" * 300,
]


def listing() -> str:
    """The corpus as a listing file's text."""
    blocks = []
    for i, title in enumerate(TITLES):
        blocks += [
            title,
            ABSTRACTS[i % len(ABSTRACTS)],
            f"  • {i + 1} authors\n·\nMar {i + 1}, 2024",
        ]
    return "\n\n".join(blocks) + "\n"
