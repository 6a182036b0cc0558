"""The library's data: papers (what a listing says) and annotations (what the user says).

Both are frozen dataclasses. A `Paper` comes from importers and changes only when a
listing is imported again; an `Annotation` is the user's judgement of one paper and is
replaced whole on every change, which keeps cross-process merging simple: a change is
"paper id -> new Annotation", computed from the current value under the store's lock.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from readlist.text import clean_block, clean_multiline

MAX_RATING = 5
_T = TypeVar("_T")
_NOT_WORD = re.compile(r"[\W_]+")
_TAG_SPLIT = re.compile(r"[\s,]+")


def identity_key(title: str) -> str:
    """What makes two listings' titles the same paper.

    Case, punctuation, spacing and Unicode compatibility forms are ignored, so
    "HFT: Half Fine-Tuning" and "HFT - half fine tuning" are one paper.
    """
    # ASCII is already NFKC, and lower() is casefold() for it.
    folded = title.lower() if title.isascii() else unicodedata.normalize("NFKC", title).casefold()
    return _NOT_WORD.sub(" ", folded).strip()


def paper_id(title: str) -> str:
    """A stable 16-hex-digit id derived from the title's identity key."""
    digest = hashlib.blake2b(identity_key(title).encode("utf-8"), digest_size=8)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as listings describe it. Immutable; merged on re-import."""

    id: str
    """Stable id derived from the title (see `paper_id`)."""
    title: str
    """The title, one line, control characters removed."""
    abstract: str = ""
    """The abstract as one paragraph; may be empty for a listing cut off mid-paper."""
    authors_count: int | None = None
    """How many authors the listing said the paper has, if it said."""
    published: str | None = None
    """Publication date as ISO `YYYY-MM-DD`, if the listing gave one."""
    upvotes: int | None = None
    """The upvote count shown on the listing, if one was shown."""
    links: tuple[str, ...] = ()
    """URLs found in the abstract, in order, without trailing punctuation."""
    sources: tuple[str, ...] = ()
    """Files this paper was imported from, first import first."""
    added: str | None = None
    """When the paper first entered the library (ISO timestamp, UTC)."""
    date_inferred: bool = False
    """The listing gave the date without a year, so the year was inferred."""

    @property
    def year(self) -> int | None:
        return int(self.published[:4]) if self.published else None

    @property
    def short_id(self) -> str:
        return self.id[:8]

    def merged_with(self, newer: Paper) -> Paper:
        """This paper updated with what a later listing says about it.

        Nothing known is forgotten: a field the newer listing leaves out keeps its old
        value. Counts that change over time (upvotes) take the newer value. An abstract
        is replaced only by a longer one, since a cut-off page gives a truncated one.
        Returns `self` itself when the newer listing adds nothing (the re-import case).
        """
        published, inferred = self.published, self.date_inferred
        # A stated date beats an inferred year: "Apr 19" met after "Apr 19, 2023" keeps 2023.
        # An inferred date never replaces a known one: the year was guessed from the day
        # of the import, and the first import was the one nearest the listing's date.
        if newer.published is not None and (published is None or not newer.date_inferred):
            published, inferred = newer.published, newer.date_inferred
        if (
            len(newer.abstract) <= len(self.abstract)
            and newer.authors_count in (None, self.authors_count)
            and (published, inferred) == (self.published, self.date_inferred)
            and newer.upvotes in (None, self.upvotes)
            and all(link in self.links for link in newer.links)
            and all(source in self.sources for source in newer.sources)
        ):
            return self
        links = self.links + tuple(link for link in newer.links if link not in self.links)
        sources = self.sources + tuple(s for s in newer.sources if s not in self.sources)
        abstract = newer.abstract if len(newer.abstract) > len(self.abstract) else self.abstract
        return replace(
            self,
            abstract=abstract,
            authors_count=_newer(self.authors_count, newer.authors_count),
            published=published,
            date_inferred=inferred,
            upvotes=_newer(self.upvotes, newer.upvotes),
            links=links,
            sources=sources,
        )

    def with_abstract(self, abstract: str) -> Paper:
        """This paper with its abstract filled in (fast: no field introspection)."""
        return Paper(
            self.id,
            self.title,
            abstract,
            self.authors_count,
            self.published,
            self.upvotes,
            self.links,
            self.sources,
            self.added,
            self.date_inferred,
        )

    def same_except_sources(self, other: Paper) -> bool:
        """Whether `other` says nothing new about this paper beyond where it was seen."""
        return (
            self.abstract == other.abstract
            and self.authors_count == other.authors_count
            and self.published == other.published
            and self.date_inferred == other.date_inferred
            and self.upvotes == other.upvotes
            and self.links == other.links
        )


def _newer(old: _T | None, new: _T | None) -> _T | None:
    return old if new is None else new


@dataclass(frozen=True, slots=True)
class Annotation:
    """What the user has said about one paper."""

    tags: tuple[str, ...] = ()
    """Tags in the order they were added; unique ignoring case; no spaces or commas."""
    rating: int = 0
    """0 (unrated) to 5."""
    read: bool = False
    note: str = ""
    """Free text, Markdown."""
    updated: str | None = None
    """When the user last changed this annotation (ISO timestamp, UTC)."""

    def __post_init__(self) -> None:
        if not 0 <= self.rating <= MAX_RATING:
            raise ValueError(f"rating must be 0..{MAX_RATING}, not {self.rating}")

    @property
    def is_empty(self) -> bool:
        """True when the user has said nothing about the paper."""
        return not (self.tags or self.rating or self.read or self.note)

    def with_tags(self, tags: Iterable[str]) -> Annotation:
        return replace(self, tags=normalize_tags(tags))

    def with_tags_added(self, tags: Iterable[str]) -> Annotation:
        return self.with_tags((*self.tags, *tags))

    def with_tags_removed(self, tags: Iterable[str]) -> Annotation:
        gone = {tag.casefold() for tag in normalize_tags(tags)}
        return replace(self, tags=tuple(t for t in self.tags if t.casefold() not in gone))

    def with_rating(self, rating: int) -> Annotation:
        return replace(self, rating=rating)

    def with_read(self, read: bool) -> Annotation:
        return replace(self, read=read)

    def with_note(self, note: str) -> Annotation:
        return replace(self, note=clean_multiline(note))


EMPTY = Annotation()


def split_tags(text: str) -> list[str]:
    """Tags typed as one string, separated by spaces and/or commas."""
    return [part for part in _TAG_SPLIT.split(text) if part]


def tag_name(typed: str) -> str:
    """The tag meant by `typed`: tags are shown as #name, so "#name" is typed for one."""
    return typed.lstrip("#")


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Clean, split and de-duplicate (ignoring case) tags, keeping first spellings."""
    seen: set[str] = set()
    out: list[str] = []
    for raw in tags:
        for typed in split_tags(clean_block(raw)):
            if not (tag := tag_name(typed)):
                continue
            key = tag.casefold()
            if key not in seen:
                seen.add(key)
                out.append(tag)
    return tuple(out)
