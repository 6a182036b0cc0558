"""The library on disk. The only package that talks to TinyDB."""

from readlist.store.store import Change, ImportReport, Store

__all__ = ["Change", "ImportReport", "Store"]
