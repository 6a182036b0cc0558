"""What the tag and note editors store, and how it composes with other processes.

Kept out of the app (and free of Textual) because these rules are about data, not
display. An editor opened earlier applies its *difference* to what is stored now, never
its whole old value: an acknowledged change made elsewhere meanwhile is never reverted.
Tags: the tags it added, removed or respelled. Notes: drafts stored as they are typed,
merged three-way (`merge_notes`) with what another process wrote since this editor
last stored, undone on "Discard" unless the note changed elsewhere since.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from readlist.errors import ReadlistError
from readlist.models import Annotation
from readlist.store.store import Change, Edit

Save = Callable[[list[str], Edit], Change]


def tags_edit(shown: Sequence[str], tags: Sequence[str]) -> Edit:
    """The edit that applies the editor's changes to a paper's tags as they are now.

    The editor opened on `shown`; it saves `tags`. Only its difference is applied
    (compare-and-set per tag, by case-folded name): a tag it added is added, a tag it
    removed is removed, a tag whose spelling it changed is respelled; a tag another
    process removed meanwhile stays removed, one it added stays. The editor's order
    and spelling come first, then the other tags as they are.
    """
    opened = {t.casefold() for t in shown}
    saved = {t.casefold() for t in tags}

    def apply(current: Annotation) -> Annotation:
        now = {t.casefold() for t in current.tags}
        # Ours: added by this editor, or still there (it may have been respelled).
        ours = [t for t in tags if t.casefold() not in opened or t.casefold() in now]
        # Theirs: everything the editor neither saved nor removed.
        theirs = [t for t in current.tags if t.casefold() not in saved | opened]
        return current.with_tags([*ours, *theirs])

    return apply


# -- notes: a three-way merge ---------------------------------------------------------

CONFLICT_MARKER = "\n\n--- also written in another readlist window: ---"
"""Heads the text kept from the other side of a conflict, at the end of the note (once:
a later conflict adds its text under the same heading)."""

# Words, runs of spaces, single other characters: a diff of tokens, not characters,
# does not match stray letters of unrelated words (typing "mine" vs "theirs").
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
# Past this many token comparisons the changed middle is taken as one change (the
# difflib matcher is quadratic at worst; an editor's changes are a few tokens).
_DIFF_LIMIT = 4_000_000


@dataclass(frozen=True, slots=True)
class _Piece:
    """A run of the merged text: `end` characters of ours became `text`; `ours`: it is
    our text (a cursor in it keeps its place), not theirs in place of ours."""

    end: int
    text: str
    ours: bool = True


@dataclass(frozen=True, slots=True)
class Merged:
    """The merged note, and how many passages both sides changed differently."""

    text: str
    conflicts: int = 0
    pieces: tuple[_Piece, ...] = field(default=(), compare=False, repr=False)

    def cursor(self, offset: int) -> int:
        """Where position `offset` of ours is in the merged text (the editor's cursor).

        At the edge of our own text it stays there, before their text inserted next.
        """
        if not self.pieces:  # the merged text is ours, or theirs alone
            return min(offset, len(self.text))
        ours_at = out_at = 0
        for piece in self.pieces:
            if offset <= ours_at + piece.end and (piece.end or offset == ours_at):
                if piece.ours:
                    return out_at + min(offset - ours_at, len(piece.text))
                return out_at + (len(piece.text) if offset > ours_at else 0)
            ours_at += piece.end
            out_at += len(piece.text)
        return out_at


Hunk = tuple[int, int, str]  # base[start:end] becomes the text
Refined = tuple[int, int, str, bool]  # a hunk; False: an insertion that is not typing
_Change = tuple[int, int, str, int, bool]  # a refined hunk and its side: 0 ours, 1 theirs


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def _hunks(base: str, other: str) -> list[Refined]:
    """The changes that turn `base` into `other`, in order, in `base`'s character offsets."""
    a, b = _tokens(base), _tokens(other)
    start = 0
    while start < len(a) and start < len(b) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    offsets = [0]
    for token in a:
        offsets.append(offsets[-1] + len(token))
    if start == end_a and start == end_b:
        return []
    mid_a, mid_b = a[start:end_a], b[start:end_b]
    if not mid_a or not mid_b or len(mid_a) * len(mid_b) > _DIFF_LIMIT:
        return [(*_narrow(base, offsets[start], offsets[end_a], "".join(mid_b)), True)]
    # Spaces match only beside matching words: "kw30 kw29" to "kw29 kw32" deletes a word,
    # it does not rewrite two around a space.
    matcher = SequenceMatcher(str.isspace, mid_a, mid_b, autojunk=False)
    return [
        hunk
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
        for hunk in _refine(base, offsets[start + i1], offsets[start + i2], "".join(mid_b[j1:j2]))
    ]


def _refine(base: str, start: int, end: int, text: str) -> list[Refined]:
    """A token change as character changes where it only adds or only removes characters
    ("x" to "yxy": two insertions), else narrowed to the characters that differ.

    Insertions are typing if they are at one point or add only letters. Others are a
    rewrite ("ab" as "b catb": "b c" and "t" around the "a"): kept as insertions, so
    that text typed after the rewritten word on the other side is not a conflict, but
    never merged with the other side's insertions into the same word (ours typed into
    "ab" would be inside their "catb").
    """
    narrowed = _narrow(base, start, end, text)
    old = base[start:end]
    if narrowed[0] == narrowed[1] or not narrowed[2] or not old or len(old) == len(text):
        return [(*narrowed, True)]
    short, long = (old, text) if len(old) < len(text) else (text, old)
    spans: list[tuple[int, int]] = []  # runs of `long` that are not in `short`
    at = 0
    for char in short:
        found = long.find(char, at)
        if found < 0:
            return [(*narrowed, True)]
        if found > at:
            spans.append((at, found))
        at = found + 1
    if at < len(long):
        spans.append((at, len(long)))
    typing = all(_WORD.fullmatch(long[s:e]) for s, e in spans)
    if long is old:  # deletions
        return [(start + s, start + e, "", typing) for s, e in spans]
    hunks, shift = [], 0
    for s, e in spans:
        point = start + s - shift
        hunks.append((point, point, text[s:e], typing))
        shift += e - s
    return hunks


def _narrow(base: str, start: int, end: int, text: str) -> Hunk:
    """A token change narrowed to the characters that differ: typing into a word
    ("aa" to "aab") is an insertion, which merges with an insertion elsewhere."""
    old = base[start:end]
    prefix = 0
    while prefix < min(len(old), len(text)) and old[prefix] == text[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(text)) - prefix and old[-1 - suffix] == text[-1 - suffix]:
        suffix += 1
    return (start + prefix, end - suffix, text[prefix : len(text) - suffix])


def _apply(base: str, start: int, end: int, hunks: list[Hunk]) -> str:
    """base[start:end] with `hunks` (all inside it) applied."""
    out, position = [], start
    for h_start, h_end, text in hunks:
        out += [base[position:h_start], text]
        position = h_end
    out.append(base[position:end])
    return "".join(out)


def _is_word(chars: str) -> bool:
    """Whether `chars` starts with a word character: a letter, digit or _ ("" does not)."""
    return bool(chars) and bool(_WORD.match(chars))


def _glued(base: str, change: _Change) -> tuple[bool, bool]:
    """Whether `change` changes the word of base that ends at its start (left) and the
    one that starts at its end (right): it removes letters of it, or adds letters to it
    (typed onto it, or joined to the next word by removing the space between)."""
    start, end, text, *_ = change
    removes = start < end
    left = _is_word(base[start - 1 : start]) and (
        (removes and _is_word(base[start])) or _is_word((text + base[end : end + 1])[:1])
    )
    right = _is_word(base[end : end + 1]) and (
        (removes and _is_word(base[end - 1])) or _is_word((base[start - 1 : start] + text)[-1:])
    )
    return left, right


def _extent(base: str, change: _Change) -> tuple[int, int]:
    """The passage of base that `change` changes, widened to the whole words it changes."""
    start, end = change[0], change[1]
    left, right = _glued(base, change)
    while left and start > 0 and _is_word(base[start - 1]):
        start -= 1
    while right and end < len(base) and _is_word(base[end]):
        end += 1
    return start, end


def _trim_common_words(ours: str, theirs: str) -> str:
    """`theirs` without the whole tokens it starts and ends with in common with `ours`."""
    a, b = _tokens(ours), _tokens(theirs)
    prefix = 0
    while prefix < min(len(a), len(b)) and a[prefix] == b[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(a), len(b)) - prefix and a[-1 - suffix] == b[-1 - suffix]:
        suffix += 1
    return "".join(b[prefix : len(b) - suffix])


def _holds(text: str, version: str) -> bool:
    """Whether `text` holds every word and sign of `version`, as often as it does."""
    return Counter(t for t in _tokens(version) if not t.isspace()) <= Counter(
        t for t in _tokens(text) if not t.isspace()
    )


def _touches(change: _Change, group: list[_Change]) -> bool:
    """Whether `change` (sorted after the group's) overlaps the group.

    An insertion right at the edge of a passage the other side rewrote (replaced with
    new text) overlaps it: "mine" replaced by "theirs" while we typed " too" after it
    is a conflict, so that "mine too" is not lost. At the edge of a deletion, or of
    another insertion, it does not.
    """
    end = max(c[1] for c in group)
    if change[0] != end:
        return change[0] < end
    last = group[-1]
    if change[0] == change[1]:  # an insertion after `last`
        return last[0] < last[1] and bool(last[2])
    return last[0] == last[1] and bool(change[2])  # a rewrite after an insertion


@dataclass(slots=True)
class _Group:
    """Changes of one passage; `start`..`end`: the whole words of base they change."""

    changes: list[_Change]
    start: int
    end: int


def _groups(base: str, changes: list[_Change]) -> list[_Group]:
    """`changes` (sorted) grouped where they overlap, touch or change one word.

    A group of insertions only, by both sides, all typing (two people typing into one
    word, or at one point), is split back into its insertions: all are kept, none
    conflicts.
    """
    groups: list[_Group] = []
    for change in changes:
        start, end = _extent(base, change)
        last = groups[-1] if groups else None
        if last is not None and (_touches(change, last.changes) or start < last.end):
            last.changes.append(change)
            last.start, last.end = min(last.start, start), max(last.end, end)
        else:
            groups.append(_Group([change], start, end))
        # A change widened back over the words of an earlier group joins them too.
        while len(groups) > 1 and groups[-1].start < groups[-2].end:
            joined = groups.pop()
            groups[-1].changes += joined.changes
            groups[-1].start = min(groups[-1].start, joined.start)
            groups[-1].end = max(groups[-1].end, joined.end)
    split: list[_Group] = []
    for group in groups:
        if len({c[3] for c in group.changes}) > 1 and all(
            c[0] == c[1] and c[4] for c in group.changes
        ):
            split += [_Group([change], change[0], change[0]) for change in group.changes]
        else:
            split.append(group)
    return split


def merge_notes(base: str, ours: str, theirs: str) -> Merged:
    """Merge two edits of `base`: `ours` (being saved now) and `theirs` (on disk).

    Changes to different passages are both applied, and so are insertions by both sides
    at one place or into one word (ours first: two people typing). Where both changed
    the same or touching passages, or one word, in other ways, ours wins (we are the
    last writer) and their version of it, in whole words, is kept once under
    `CONFLICT_MARKER` at the end, unless the note already holds it. Every character of
    the result comes from `ours` or `theirs` once, so it is never longer than both
    together plus the marker and a line break per conflict: edits bounce between
    editors, never doubling. A word either side added stays whole, in the text or under
    the marker, except where both typed into one word.
    """
    if theirs in (base, ours):
        return Merged(ours)
    if ours == base:
        return Merged(theirs)

    # Sorted by position; at one position insertions first, ours before theirs, except
    # that an insertion continuing the word before it goes first and one continuing the
    # word after it goes last: "kw1" + "2 kw13" (theirs) must stay "kw12 kw13" when we
    # typed "\nkw14" at the same point, not become "kw1\nkw142 kw13".
    def glue(change: _Change) -> int:
        if change[0] != change[1]:
            return 1
        left, right = _glued(base, change)
        return 0 if left else 2 if right else 1

    changes = sorted(
        [(s, e, t, 0, typing) for s, e, t, typing in _hunks(base, ours)]
        + [(s, e, t, 1, typing) for s, e, t, typing in _hunks(base, theirs)],
        key=lambda change: (change[0], change[1], glue(change), change[3]),
    )
    # A group changed by one side only is that side's, a group changed by both is a
    # conflict unless both made it the same.
    groups = _groups(base, changes)
    pieces: list[_Piece] = []
    kept: list[tuple[str, str]] = []  # their version of a conflict, and what to keep
    position = 0
    for index, group in enumerate(groups):
        start, end = group.changes[0][0], max(c[1] for c in group.changes)
        mine = [(s, e, t) for s, e, t, side, _ in group.changes if side == 0]
        other = [(s, e, t) for s, e, t, side, _ in group.changes if side == 1]
        pieces.append(_Piece(start - position, base[position:start]))
        our_text = _apply(base, start, end, mine)
        their_text = _apply(base, start, end, other)
        position = end
        previous = groups[index - 1].changes if index else []
        if len(previous) == 1 and start == end and previous[0][:2] == (start, end):
            # Both inserted at this point (one side's is in already): the same text, or
            # one the start of the other (typed on from it), goes in once; unless the
            # shorter is glued to the word after and the longer is not ("b" typed onto
            # "a" against "bb " typed before it: "bb ba", not "bb a").
            there, here = pieces[-2], our_text if mine else their_text
            short, long = sorted((here, there.text), key=len)
            split = (
                _is_word(short[-1:])
                and _is_word(base[start : start + 1])
                and not _is_word(long[-1:])
            )
            if here.startswith(there.text) and not split:
                pieces[-2] = _Piece(there.end, here, ours=there.ours or bool(mine))
                continue
            if there.text.startswith(here) and not split:
                continue
        if mine:
            pieces.append(_Piece(len(our_text), our_text))
            if other and our_text != their_text:
                # Their version of the whole words changed: a conflict narrowed to
                # characters ("ks7" against "kw3" differ from the second letter) keeps
                # "kw3", not "3". No other group changes these words, so none of their
                # characters is in the text already; the words it starts and ends with
                # in common with ours are, in place.
                version = _apply(base, group.start, group.end, other)
                mine_there = _apply(base, group.start, group.end, mine)
                kept.append((version, _trim_common_words(mine_there, version)))
        else:
            pieces.append(_Piece(len(our_text), their_text, ours=False))
    pieces.append(_Piece(len(base) - position, base[position:]))
    text = "".join(piece.text for piece in pieces)
    # Kept unless the note holds it already, word for word: their "dog dog" against our
    # "dog" keeps "dog" (the other is ours), not nothing.
    fragments = [f for version, f in kept if f.strip() and not _holds(text, version)]
    if fragments:
        if CONFLICT_MARKER not in text:
            text += CONFLICT_MARKER
        text += "".join(f"\n{fragment.strip()}" for fragment in fragments)
    return Merged(text, len(fragments), tuple(p for p in pieces if p.end or p.text))


class NoteDrafts:
    """The note editor's drafts: each stored at once, merged with other writers' edits.

    `base` is the note as this editor last saw it on disk (when it opened, or after its
    last store). A draft whose base is still what the disk holds is stored as it is;
    otherwise another process wrote meanwhile, and the draft is merged three-way
    (`merge_notes`) with what it wrote, so neither edit is lost and none is repeated.
    """

    def __init__(self, pid: str, original: str, save: Save) -> None:
        self.pid = pid
        self.original = original
        self._save = save
        self.base = original
        self.last_stored: str | None = None  # None until this editor stores a draft
        self._restore = original  # what "Discard" puts back
        self.merged: Merged | None = None  # set when another process's edit was merged in

    def store(self, text: str) -> str | None:
        """Store `text` as the note; the error message if that failed, else None.

        If another process changed the note since this editor last stored it, the two
        are merged, and `merged` is set to the result, for the editor to show.
        """
        base = self.base
        if text == base:
            return None
        merges: list[tuple[str, Merged]] = []

        def apply(current: Annotation) -> Annotation:
            if current.note == base:
                return current.with_note(text)
            merged = merge_notes(base, text, current.note)
            merges.append((current.note, merged))
            return current.with_note(merged.text)

        try:
            change = self._save([self.pid], apply)
        except ReadlistError as error:
            return str(error)
        self.last_stored = self.base = change.after[self.pid].note
        if merges:
            theirs, self.merged = merges[-1]
            self._restore = theirs
        return None

    def undo(self) -> Edit | None:
        """The edit that restores the note as it was before this editor's drafts (or as
        another process left it), unless it has changed elsewhere since."""
        if self.last_stored is None:
            return None
        last, restore = self.last_stored, self._restore

        def apply(current: Annotation) -> Annotation:
            return current.with_note(restore) if current.note == last else current

        return apply
