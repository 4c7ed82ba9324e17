"""Scroll a 10,000-message thread back to its first message through the pager, for both API
styles, over loopback HTTP against the demo server.

Prints the HTTP requests made against the floor ⌈N/page⌉ (one extra request is allowed per
same-second burst that a page boundary can split), messages per second through the pager,
and whether the result is exactly the dataset's thread. Run: ``python bench/paging.py``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from inbox_tui.api.auth import BearerToken, HeymarketJWT
from inbox_tui.api.heymarket import THREAD_PAGE_SIZE, HeymarketBackend
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer
from inbox_tui.models import Conversation, Message, conversation_key

N = 10_000


async def walk(pager: object) -> tuple[list[Message], float]:
    start = time.perf_counter()
    batches: list[list[Message]] = []
    while not pager.exhausted:  # type: ignore[attr-defined]
        batches.append(await pager.older())  # type: ignore[attr-defined]
    elapsed = time.perf_counter() - start
    return [m for batch in reversed(batches) for m in batch], elapsed


def bursts(times: list[datetime]) -> int:
    """Seconds holding more than one message (where a page boundary can split a burst)."""
    return sum(
        1 for count in Counter(t.replace(microsecond=0) for t in times).values() if count > 1
    )


def report(style: str, n: int, requests: int, floor: int, allowed: int, secs: float, ok: bool):
    print(f"{style}:")
    print(f"  messages            {n}")
    print(f"  HTTP requests       {requests}")
    print(f"  floor ceil(N/page)  {floor}")
    print(f"  extra allowed       {allowed} (bursts a boundary can split)")
    print(f"  extra used          {requests - floor}")
    print(f"  wall                {secs:.2f} s")
    print(f"  messages/second     {n / secs:,.0f}")
    print(f"  equals dataset      {ok}")
    return ok and requests <= floor + allowed


async def main() -> int:
    dataset = build_dataset(7, big_threads=(N,))
    big = dataset.biggest_threads()[0]
    number = "+" + big.contact
    conv = Conversation(
        key=conversation_key(number, str(big.inbox_id)),
        contact=number,
        inbox_id=str(big.inbox_id),
        last_at=datetime.now(UTC),
    )
    good = True
    with DemoServer(dataset=dataset) as server:
        expected = dataset.thread(big.inbox_id, big.contact)
        hm = HeymarketBackend(
            server.base_url, HeymarketJWT(server.heymarket_secret_id, server.heymarket_secret_key)
        )
        await hm.team_members()  # reference data, not paging: fetched before timing
        pager = hm.thread(conv)
        got, secs = await walk(pager)
        await hm.aclose()
        ok = [m.id for m in got] == [str(m.id) for m in expected] and pager.complete
        good &= report(
            "heymarket GET /v1/messages (50/page, Unix-second cursor)",
            len(got),
            pager.requests,
            -(-len(expected) // THREAD_PAGE_SIZE),
            bursts([m.created_at for m in expected]),
            secs,
            ok,
        )

        ws_expected = [m for m in dataset.workspace_messages if m.contact_e164 == number]
        ws = WorkspaceBackend(
            server.base_url, BearerToken(server.workspace_token), server.workspace_id
        )
        merged = ws.thread(conv)
        got, secs = await walk(merged)
        await ws.aclose()
        ok = sorted(m.id for m in got) == sorted(m.workspace_id for m in ws_expected)
        ok &= got == sorted(got, key=lambda m: m.sort_key) and merged.complete
        floor = sum(
            -(-sum(1 for m in ws_expected if m.direction == d) // ws.page_size) or 1
            for d in ("inbound", "outbound")
        )
        good &= report(
            "workspace GET …/messages from=X + to=X merged (100/page, endDate cursor)",
            len(got),
            merged.requests,
            floor,
            bursts([m.created_at for m in ws_expected]),
            secs,
            ok,
        )
    print("PASS" if good else "FAIL")
    return 0 if good else 1


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
