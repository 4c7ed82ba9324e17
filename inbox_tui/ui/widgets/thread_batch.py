"""Walking a long thread back to its start (``g``) as fast as the pager allows.

One page per worker round trip meant one merge, one re-layout and one repaint per 50
messages (20,000 messages took 15 s although the pager alone does 20k/s). While the view
seeks the first message, :func:`older_batch` keeps asking in the same worker and hands
back one batch per ``BATCH_SECONDS`` or ``BATCH_MESSAGES``, so the view merges and repaints
a few times a second. After each merge :func:`settle` moves what exists into the GC's
permanent generation: the messages live as long as the thread is open, and full
collections walking hundreds of thousands of them paused the app for over a second.
Frozen objects are still freed by reference counting when the thread is closed.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable

from inbox_tui.core.backend import MessagePager
from inbox_tui.models import Message

log = logging.getLogger(__name__)

BATCH_SECONDS = 0.25
BATCH_MESSAGES = 5_000


async def older_batch(pager: MessagePager, keep_going: Callable[[], bool]) -> list[Message]:
    """The next older page, then (while ``keep_going()``) more older pages, oldest first.
    A failure after the first page ends the batch early: what came is kept, and the next
    load meets (and shows) the error."""
    pages = [await pager.older()]
    count = len(pages[0])
    deadline = time.monotonic() + BATCH_SECONDS
    while (
        pages[-1]
        and keep_going()
        and not pager.exhausted
        and count < BATCH_MESSAGES
        and time.monotonic() < deadline
    ):
        try:
            page = await pager.older()
        except Exception as error:
            log.info("older page failed mid-batch: %s", type(error).__name__)
            break
        pages.append(page)
        count += len(page)
    if len(pages) == 1:
        return pages[0]
    return [message for page in reversed(pages) for message in page]


def settle() -> None:
    """Freeze what exists now (see the module docstring)."""
    gc.freeze()
