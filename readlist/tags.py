"""Tags across the library: listing them with counts, renaming and merging.

Tags are unique ignoring case, so a tag is named by any spelling. A rename onto a tag
that already exists (in any spelling) is a merge, and the merged tag keeps the existing
tag's spelling, so the library does not end up with "NLP" on some papers and "nlp" on
others. A rename that changes only the case respells the tag everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from readlist.errors import ReadlistError
from readlist.models import Annotation, normalize_tags
from readlist.text import strip_controls


@dataclass(frozen=True, slots=True)
class TagCount:
    tag: str
    """The first spelling met (papers in library order)."""
    count: int
    unread: int


def tag_counts(annotations: Mapping[str, Annotation]) -> list[TagCount]:
    """Every tag with how many papers carry it and how many of those are unread.

    Most used first, then by name.
    """
    spelling: dict[str, str] = {}
    count: dict[str, int] = {}
    unread: dict[str, int] = {}
    for annotation in annotations.values():
        for tag in annotation.tags:
            key = tag.casefold()
            spelling.setdefault(key, tag)
            count[key] = count.get(key, 0) + 1
            unread[key] = unread.get(key, 0) + (not annotation.read)
    return sorted(
        (TagCount(spelling[k], count[k], unread[k]) for k in count),
        key=lambda t: (-t.count, t.tag.casefold()),
    )


def tagged(annotations: Mapping[str, Annotation], tag: str) -> list[str]:
    """Ids of the papers carrying `tag` (any case)."""
    key = tag.casefold()
    return [pid for pid, a in annotations.items() if any(t.casefold() == key for t in a.tags)]


def target_spelling(annotations: Mapping[str, Annotation], old: str, new: str) -> str:
    """The spelling a rename of `old` to `new` gives: an existing `new` tag's, if merging."""
    if old.casefold() == new.casefold():
        return new
    for existing in tag_counts(annotations):
        if existing.tag.casefold() == new.casefold():
            return existing.tag
    return new


def renaming(old: str, new: str) -> Callable[[Annotation], Annotation]:
    """The edit that renames tag `old` (any case) to `new` on one paper, in place.

    A paper that already carries `new` keeps it where it is and loses `old`. Nothing else
    about the annotation changes.
    """
    key, new_key = old.casefold(), new.casefold()

    def edit(annotation: Annotation) -> Annotation:
        if not any(t.casefold() == key for t in annotation.tags):
            return annotation
        tags = [new if t.casefold() in (key, new_key) else t for t in annotation.tags]
        return replace(annotation, tags=normalize_tags(tags))

    return edit


@dataclass(frozen=True, slots=True)
class Rename:
    """A rename (or merge) worked out from the annotations: which papers, which spelling."""

    old: str
    new: str
    """The spelling the papers get: `new` as typed, or the existing tag's when merging."""
    ids: tuple[str, ...]
    """The papers carrying `old` (none: nothing to do)."""
    merging: bool

    def done(self, changed: int) -> str:
        """What was done, once `changed` papers were written: "renamed #a to #b on 3 papers"."""
        verb, into = ("merged", "into") if self.merging else ("renamed", "to")
        papers = "paper" if changed == 1 else "papers"
        return f"{verb} #{self.old} {into} #{self.new} on {changed:,} {papers}"


def plan_rename(
    annotations: Mapping[str, Annotation], old_typed: str, new_typed: str, *, what: str
) -> Rename:
    """The rename of `old_typed` to `new_typed` over `annotations` (every paper's, removed
    ones too). `what` names the command in errors. Raises `ReadlistError` for a name
    that is not one tag. Apply it with `renaming(plan.old, plan.new)` on `plan.ids`.
    """
    old_tags, new_tags = normalize_tags([old_typed]), normalize_tags([new_typed])
    for typed, tags in ((old_typed, old_tags), (new_typed, new_tags)):
        if len(tags) != 1:
            raise ReadlistError(
                f"{what}: {strip_controls(typed)!r} is not one tag (a tag has no spaces or commas)"
            )
    old, new = old_tags[0], new_tags[0]
    target = target_spelling(annotations, old, new)
    merging = old.casefold() != target.casefold() and bool(tagged(annotations, target))
    return Rename(old, target, tuple(tagged(annotations, old)), merging)


_PLAIN_TAG = re.compile(r"[\w.+:#@-]+")


def tag_query(tag: str) -> str:
    """The filter that lists the papers carrying `tag`: `tag:NAME`, quoted if need be.

    (A double quote inside a tag cannot be written in a query: the parser drops quotes.)
    """
    return f"tag:{tag}" if _PLAIN_TAG.fullmatch(tag) else f'tag:"{tag}"'
