"""Cleaning text that comes from outside: pasted pages, user input, old library files.

Text from a file is data. Nothing in it may reach the terminal as a control sequence, so
control characters are removed at the door: C0 controls except newline and tab, DEL, and
C1 controls (U+0080-U+009F, which some terminals treat like ESC). Whole escape sequences
(CSI, OSC, DCS...) are removed rather than just their ESC byte, so `\\x1b[2J` disappears
instead of leaving a stray `[2J`. Bidirectional override characters are removed too: they
are invisible and can make text display in a different order than it is stored.
"""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences: CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC (ESC ] ... BEL or
# ESC \\), and two-character escapes (ESC + one byte in 0x40-0x5F or similar).
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]?                 # CSI
    | \x1b[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?  # OSC, DCS, SOS, PM, APC up to BEL or ST
    | \x9b[0-?]*[ -/]*[@-~]?                 # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?         # 8-bit OSC
    | \x1b[ -~]?                             # any other ESC + one char
    """,
    re.VERBOSE,
)
# C0 except \t and \n, DEL, C1; the bidi embedding/override/isolate controls.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Line breaks other than \n and \r (which are handled with str.replace, much faster).
_OTHER_BREAK_CHARS = "\x0b\x0c\x85\u2028\u2029"
_OTHER_BREAKS = re.compile(f"[{_OTHER_BREAK_CHARS}]")
_ESCAPE_STARTS = ("\x1b", "\x9b", "\x9d")


def strip_controls(text: str) -> str:
    """Remove escape sequences and control characters; keep newlines and tabs."""
    if text.isprintable():
        return text
    # The escape-sequence pattern is an alternation the regex engine scans slowly; only
    # run it when an introducer is present (a fast substring check).
    if any(start in text for start in _ESCAPE_STARTS):
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def normalize_newlines(text: str) -> str:
    """Turn every line-break convention (CRLF, CR, U+2028...) into `\n`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in text for c in _OTHER_BREAK_CHARS):  # substring checks beat a regex scan
        text = _OTHER_BREAKS.sub("\n", text)
    return text


def clean_text(text: str) -> str:
    """Pasted text made safe: NFC, `\n` line breaks, no controls or escape sequences."""
    return strip_controls(normalize_newlines(unicodedata.normalize("NFC", text)))


# Whitespace that separates words; no-break spaces are characters of the text (a
# "no-break space stays one") and are kept as they are.
_BREAKING_SPACE = re.compile(r"[^\S\u00a0\u2007\u202f]+")


def squeeze(text: str) -> str:
    """Runs of whitespace (spaces, tabs, newlines) as one space; ends trimmed.

    No-break spaces are kept exactly: they are part of the text, not layout.
    """
    if text.isascii():
        if "  " not in text and "\t" not in text and "\n" not in text:
            return text.strip(" ")  # the common case, without splitting into words
        return " ".join(text.split())
    return _BREAKING_SPACE.sub(" ", text).strip(" \t\n\r\f\v\u3000\u2028\u2029")


def clean_block(text: str) -> str:
    """Text for display as a paragraph: NFC, no controls, runs of spaces collapsed."""
    return squeeze(clean_text(text))


def clean_multiline(text: str) -> str:
    """User-written text that keeps its lines (a note): no controls, `\n` line breaks."""
    text = strip_controls(normalize_newlines(text))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")
