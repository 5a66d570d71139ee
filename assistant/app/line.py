"""The line of chat questions: a few answered at once, a bounded number waiting (each told its place), the rest told
to come back in a moment instead of hanging."""
from __future__ import annotations

import threading
from collections.abc import Iterator

MAX_WAITING = 16  # questions that may wait for a free slot; one more is told the assistant is busy
BUSY = ("The assistant is busy: its line of waiting questions is full ({n}). Try again in a moment; your question "
        "is still in the box below, to send again.")
WAITING = "⏳ Waiting for the assistant: your question is number {place} in line."


class ChatLine:
    """At most `slots` chats answered at once and `max_waiting` waiting, first come first served (thread-safe)."""

    def __init__(self, slots: int, max_waiting: int = MAX_WAITING) -> None:
        self.slots, self.max_waiting = slots, max_waiting
        self._cond = threading.Condition()
        self._active = 0
        self._waiting: list[object] = []

    def join(self) -> object | None:
        """A ticket in the line, or None when `max_waiting` questions already wait."""
        with self._cond:
            if len(self._waiting) >= self.max_waiting:
                return None
            ticket = object()
            self._waiting.append(ticket)
            return ticket

    def waiting(self) -> int:
        with self._cond:
            return len(self._waiting)

    def wait(self, ticket: object, poll_s: float = 1.0) -> Iterator[int]:
        """Yield the ticket's place (1 = next) whenever it changes, until a slot is free for it; closing the
        generator early (the browser left) gives the place up."""
        shown = None
        try:
            while True:
                with self._cond:
                    place = self._waiting.index(ticket) + 1
                    if place == 1 and self._active < self.slots:
                        self._waiting.pop(0)
                        self._active += 1
                        self._cond.notify_all()  # everyone behind moves up
                        ticket = None
                        return
                    if place != shown:
                        shown = place
                    else:
                        self._cond.wait(poll_s)
                        continue
                yield place
        finally:
            if ticket is not None:
                with self._cond:
                    self._waiting.remove(ticket)
                    self._cond.notify_all()

    def leave(self) -> None:
        """Free the slot of an answered question."""
        with self._cond:
            self._active -= 1
            self._cond.notify_all()
