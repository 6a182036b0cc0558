"""HTTP for enrichment: one client, an on-disk cache, polite pacing, bounded retries.

Every response body that enrichment reads comes through `Fetcher.get`, so the cache,
the retry policy and arXiv's pacing (one request every 3 s, one connection) live in one
place. Requests go through huggingface_hub's shared HTTP session (its client honours
`HF_ENDPOINT` and proxies the way `HfApi` does); bodies are parsed by `sources`.

The cache holds the bodies of successful responses, one file per URL (named by its
SHA-256), written atomically (a temporary file, then `os.replace`), and trusted for
`max_age` seconds: a re-run is instant and works offline for what was fetched before.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlencode

from readlist.errors import ReadlistError

CACHE_ENV = "READLIST_CACHE"
ARXIV_ENV = "READLIST_ARXIV_API"
ARXIV_DEFAULT = "https://export.arxiv.org/api/query"
ARXIV_DELAY = 3.0
"""arXiv's terms: no more than one request every three seconds."""
MAX_AGE = 7 * 24 * 3600.0
TIMEOUT = 20.0
RETRY_BUDGET = 60.0
"""At most this many seconds are spent waiting on 429/503 answers for one request."""
MAX_ATTEMPTS = 6
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_T = TypeVar("_T")


class EnrichError(ReadlistError):
    """The network or a service failed; nothing was written. The CLI exits 1."""

    exit_code = 1


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """`$READLIST_CACHE`, else `http` in the platform's user cache directory."""
    if value := environ.get(CACHE_ENV, "").strip():
        return Path(value).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("readlist", appauthor=False) / "http"


class Fetcher:
    """GET text from a URL, from the cache when fresh, else from the network."""

    def __init__(
        self,
        cache: Path,
        *,
        max_age: float = MAX_AGE,
        timeout: float = TIMEOUT,
        arxiv_delay: float = ARXIV_DELAY,
        retry_budget: float = RETRY_BUDGET,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.cache = cache
        self.max_age = max_age
        self.timeout = timeout
        self.arxiv_delay = arxiv_delay
        self.retry_budget = retry_budget
        self.sleep = sleep
        self.clock = clock
        self.requests = 0
        """HTTP requests made (cache hits are not requests)."""
        self._last_paced: float | None = None

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None,
        parse: Callable[[str], _T],
        *,
        paced: bool = False,
    ) -> _T:
        """`parse` of the body of a 200 answer (a 404 is the body ""), cached when fresh.

        A body is cached only once `parse` accepted it, so a malformed answer is never
        kept. `paced` requests (arXiv) are spaced `arxiv_delay` seconds apart. Raises
        `EnrichError` when the network fails, the request times out, or the service
        keeps refusing beyond the retry budget.
        """
        full = f"{url}?{urlencode(sorted((params or {}).items()))}" if params else url
        cached = self.cached(full)
        if cached is not None:
            try:
                return parse(cached)
            except EnrichError:
                pass  # a cache file from an older readlist: fetch it again
        body = self._download(full, paced=paced)
        value = parse(body)
        if body:
            self.remember(full, body)
        return value

    def cached(self, key: str) -> str | None:
        """What was remembered under `key` within `max_age`, or None."""
        path = self._path(key)
        try:
            if time.time() - path.stat().st_mtime <= self.max_age:
                return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            pass
        return None

    def remember(self, key: str, body: str) -> None:
        self._store(self._path(key), body)

    def _path(self, key: str) -> Path:
        return self.cache / hashlib.sha256(key.encode("utf-8")).hexdigest()

    def _download(self, url: str, *, paced: bool) -> str:
        import httpx2
        from huggingface_hub import get_session

        waited = 0.0
        delay = 1.0
        attempts = 0
        host = url.split("/")[2] if "://" in url else url
        while True:
            if paced and self._last_paced is not None:
                gap = self.arxiv_delay - (self.clock() - self._last_paced)
                if gap > 0:
                    self.sleep(gap)
            self.requests += 1
            try:
                response = get_session().get(url, timeout=self.timeout, follow_redirects=True)
            except httpx2.TimeoutException:
                raise EnrichError(f"{host}: no answer within {self.timeout:g} s") from None
            except httpx2.HTTPError as error:
                raise EnrichError(f"no network: {host} cannot be reached ({error})") from None
            finally:
                if paced:
                    self._last_paced = self.clock()
            if response.status_code == 200:
                return response.text
            if response.status_code == 404:
                return ""
            if response.status_code not in _RETRY_STATUSES:
                raise EnrichError(f"{host}: answered HTTP {response.status_code}")
            wait = _retry_after(response.headers.get("Retry-After"), delay)
            attempts += 1
            if waited + wait > self.retry_budget or attempts >= MAX_ATTEMPTS:
                raise EnrichError(
                    f"{host}: still answering HTTP {response.status_code} "
                    f"after {attempts} tries; try again later"
                )
            self.sleep(wait)
            waited += wait
            delay *= 2

    def _store(self, path: Path, body: str) -> None:
        """Write atomically; a cache that cannot be written is not an error."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as out:
                    out.write(body)
                os.replace(tmp, path)
            except BaseException:
                os.unlink(tmp)
                raise
        except OSError:
            pass


def default_fetcher(
    environ: Mapping[str, str] = os.environ, sleep: Callable[[float], None] = time.sleep
) -> Fetcher:
    """The fetcher the CLI and the TUI use: the user's cache, arXiv's pacing.

    `READLIST_ARXIV_DELAY` may shorten the pacing for tests and mirrors; nobody else
    should. `sleep` lets the TUI make waits (pacing, Retry-After) cancellable.
    """
    delay = float(environ.get("READLIST_ARXIV_DELAY", ARXIV_DELAY))
    return Fetcher(cache_dir(environ), arxiv_delay=delay, sleep=sleep)


def _retry_after(header: str | None, default: float) -> float:
    """Seconds a 429/503 asks to wait (capped at 30), else the backoff delay."""
    try:
        return min(max(float(header), 0.0), 30.0) if header is not None else default
    except ValueError:
        return default
