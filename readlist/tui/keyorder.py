"""Keys are handled one at a time, each to the end, in the order they were typed.

Textual routes a key in the app's task (priority bindings), then posts it to the
focused widget's own queue; a key the widget does not take bubbles up, widget by
widget, and comes back to the app's queue behind every key typed after it, where the
other bindings run. Typed one at a time that cannot be seen; typed in a burst (a
paste, a fast typist, an SSH link) keys overtake each other: in the tag editor,
`foo1 Enter 4` saved the tag "foo14", because Enter reached the dialog after "4" had
been typed into it, and Backspace ran after the letters typed behind it.

`KeyOrder` closes those gaps. Before a key is routed, everything the focused widget
and its ancestors hold is handled (a dialog just opened has composed and has focus; a
submitted one is gone). After it is routed, it is followed down the same chain; if it
comes back to the app unhandled, its bindings run at once instead of from the back of
the queue. Each wait is a marker posted to a widget's queue, so it ends as soon as
the widget has handled what was before it (a widget that holds nothing but repaints is
not waited for); a widget that never answers (it closed) is waited for at most
`PATIENCE` seconds, and then keys flow as Textual routes them.

Dialogs bind their submit and cancel keys with `priority=True` on top of this: the app
runs them as the key arrives, the dialog is dismissed (popped at once), and the next
key already goes to the screen below.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from textual import events, messages
from textual.app import App
from textual.message import Message
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.widget import Widget

Route = Callable[[events.Event], Awaitable[None]]
PATIENCE = 1.0  # seconds to wait for one widget to handle what it holds
ROUNDS = 4  # passes down the chain while messages keep coming (Changed, Submitted...)


async def _handled(pump: MessagePump) -> None:
    """Return once `pump` has handled every message posted to it before this call."""
    done = asyncio.Event()
    if not pump.call_later(done.set):  # closed or closing: it will handle nothing more
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(done.wait(), PATIENCE)


def _chain(app: App[Any]) -> list[Widget]:
    """The focused widget (or the screen) and its ancestors, up to the screen."""
    node = app.focused or app.screen
    chain: list[Widget] = []
    for ancestor in node.ancestors_with_self:
        if isinstance(ancestor, Widget):
            chain.append(ancestor)
        if isinstance(ancestor, Screen):
            break
    return chain


# Messages about drawing only: a key need not wait for a repaint, only for what the
# keys before it did (keys themselves, and what they post: Changed, Submitted...).
_DRAWING = (
    messages.Update,
    messages.Layout,
    messages.UpdateScroll,
    messages.ScrollToRegion,
    messages.Prompt,
    events.Idle,
)


def _waiting(widget: Widget) -> bool:
    """Whether `widget` holds messages that are not only about drawing."""
    if not widget.is_mounted:
        return True  # a dialog just opened: composed and focused once it has mounted
    queue = getattr(widget._message_queue, "values", None)  # textual._queue.Queue's deque
    if queue is None:  # another Textual: wait whenever anything is queued
        return widget.message_queue_size > 0
    return any(not isinstance(message, _DRAWING) for message in tuple(queue))


def _live(app: App[Any]) -> bool:
    """The app still takes keys: it is not leaving (a key after "q" does nothing, and
    one handled while the screens are being torn down would fail)."""
    return not (app._exit or app._closing or app._closed) and bool(app.screen_stack)


class KeyOrder:
    """Runs each key of an app to completion before the next (see the module docstring)."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._key: events.Key | events.Paste | None = None  # the key being followed
        self._returned: events.Key | events.Paste | None = None  # it, back at the app

    @property
    def busy(self) -> bool:
        """A key is being followed."""
        return self._key is not None

    async def settle(self) -> None:
        """Wait until the focus chain has handled everything it holds.

        A widget with nothing queued is not waited for (its handlers run to the end
        before another task runs): keys on the list, bound at the app, cost nothing.
        """
        for _ in range(ROUNDS):
            if not _live(self.app):
                return
            waited = False
            for widget in _chain(self.app):
                if _waiting(widget):
                    await _handled(widget)
                    waited = True
            if not waited:
                return

    async def handle(self, key: events.Key | events.Paste, route: Route) -> None:
        """Route `key` (or a paste) with `route` (Textual's own) and follow it to its end."""
        await self.settle()
        if not _live(self.app):
            return
        self._key = key
        try:
            await route(key)  # priority bindings, or posted to the focused widget
            if key.is_forwarded:
                await self.settle()
                if (returned := self._returned) is not None and _live(self.app):
                    self._returned = None
                    await route(returned)  # the other bindings, in order
        finally:
            self._key = self._returned = None

    def catch(self, message: Message) -> bool:
        """Keep the key being followed when it comes back to the app unhandled
        (`App.post_message` asks); True if it was kept, to be handled at once."""
        if message is self._key and self._key is not None and self._key.is_forwarded:
            self._returned = self._key
            return True
        return False
