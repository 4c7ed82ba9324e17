"""Fault soak: walk the conversation list and whole threads through both API styles while
the demo server injects faults at random, and count what got lost or repeated.

    python bench/soak.py [--rate 0.2] [--threads N] [--seed S] [--json]

Faults: 429 with Retry-After, 500/502/503, stalls past the read timeout, dropped
connections and truncated JSON (``inbox_tui.demo.faults.FAULT_KINDS``). Every page the
pagers return is checked against the server's own dataset: "lost" counts messages (and
conversations) the server holds that never arrived, "duplicates" those that arrived twice.
Then two hostile servers on the same dataset: one that ignores the paging cursor (every
walk must stop within a few requests with a clear error, and finish losing nothing once the
server behaves again), and one whose first responses drip one byte at a time (each must end
at the per-request deadline and be retried). Exit status 1 when anything was lost or repeated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox_tui.api.auth import BearerToken, HeymarketJWT
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import HttpSettings
from inbox_tui.api.workspace import WorkspaceBackend
from inbox_tui.demo.dataset import Dataset, build_dataset
from inbox_tui.demo.faults import FAULT_KINDS, FaultConfig
from inbox_tui.demo.server import DemoServer
from inbox_tui.errors import ApiError, PagingError
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation, conversation_key

READ_TIMEOUT = 0.3
STALL_SECONDS = 0.8  # past the read timeout: the client must give up and retry
MAX_SURFACED = 200
T = TypeVar("T")


@dataclass
class Tally:
    walks: int = 0
    messages: int = 0
    lost: int = 0
    duplicates: int = 0
    conversations: int = 0
    conversations_lost: int = 0
    conversation_duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    surfaced: int = 0  # errors that outlived the client's retries (the caller tried again)


def settings(max_retries: int) -> HttpSettings:
    return HttpSettings(
        connect_timeout=1.0,
        read_timeout=READ_TIMEOUT,
        max_retries=max_retries,
        backoff_base=0.02,
        backoff_max=0.2,
        total_wait_max=30.0,
    )


def make_backend(kind: str, server: DemoServer, max_retries: int) -> Any:
    if kind == "workspace":
        return WorkspaceBackend(
            server.base_url,
            BearerToken(server.workspace_token),
            server.workspace_id,
            page_size=50,
            settings=settings(max_retries),
        )
    auth = HeymarketJWT(server.heymarket_secret_id, server.heymarket_secret_key)
    return HeymarketBackend(server.base_url, auth, settings=settings(max_retries))


async def again(call: Callable[[], Awaitable[T]], tally: Tally) -> T:
    """Call until it succeeds, as a user pressing r would: an error that outlived the
    client's retries must leave the pager able to carry on without losing anything."""
    for _ in range(MAX_SURFACED):
        try:
            return await call()
        except ApiError:
            tally.surfaced += 1
    raise RuntimeError(f"still failing after {MAX_SURFACED} tries")


def count(ids: list[str], expected: list[str], what: str, tally: Tally, kind: str) -> None:
    got = Counter(ids)
    lost = set(expected) - set(got)
    dups = sum(n - 1 for n in got.values() if n > 1)
    extra = set(got) - set(expected)
    if what == "conversation":
        tally.conversations += len(expected)
        tally.conversations_lost += len(lost)
        tally.conversation_duplicates += dups
    else:
        tally.messages += len(expected)
        tally.lost += len(lost)
        tally.duplicates += dups
    for label, bad in (("lost", lost), ("unexpected", extra)):
        if bad:
            tally.problems.append(f"{kind}: {len(bad)} {what}(s) {label}: {sorted(bad)[:3]}")


async def walk_list(kind: str, backend: Any, ds: Dataset, tally: Tally) -> None:
    pager = backend.conversations(Filters())
    keys: list[str] = []
    while not pager.exhausted:
        keys.extend(c.key for c in await again(pager.next_page, tally))
    if kind == "workspace":
        expected = sorted({"+" + m.contact for m in ds.workspace_messages})
    else:
        expected = sorted({f"{m.inbox_id}:+{m.contact}" for m in ds.messages})
    count(keys, expected, "conversation", tally, kind)


async def walk_thread(kind: str, backend: Any, ds: Dataset, conv: Any, tally: Tally) -> None:
    number = "+" + conv.contact
    if kind == "workspace":
        expected = [m.workspace_id for m in ds.workspace_messages if m.contact == conv.contact]
        inbox = None
    else:
        expected = [str(m.id) for m in ds.thread(conv.inbox_id, conv.contact)]
        inbox = str(conv.inbox_id)
    key = conversation_key(number, inbox)
    conversation = Conversation(key=key, contact=number, inbox_id=inbox, last_at=ds.now)
    pager = backend.thread(conversation)
    ids: list[str] = []
    while not pager.exhausted:
        ids.extend(m.id for m in await again(pager.older, tally))
    tally.walks += 1
    count(ids, expected, "message", tally, kind)


async def soak(server: DemoServer, threads: int, max_retries: int) -> tuple[Tally, int]:
    ds = server.dataset
    tally = Tally()
    retries = 0
    for kind in ("heymarket", "workspace"):
        backend = make_backend(kind, server, max_retries)
        try:
            await walk_list(kind, backend, ds, tally)
            for conv in ds.biggest_threads(threads):
                await walk_thread(kind, backend, ds, conv, tally)
        finally:
            retries += backend.stats.retries
            await backend.aclose()
    return tally, retries


def run(
    rate: float,
    threads: int,
    seed: int,
    conversations: int,
    big: list[int],
    max_retries: int = 10,
) -> dict:
    dataset = build_dataset(7, conversations=conversations, big_threads=tuple(big))
    config = FaultConfig(
        rate=rate,
        kinds=FAULT_KINDS,
        retry_after=0.05,
        stall_seconds=STALL_SECONDS,
        seed=seed,
    )
    started = time.perf_counter()
    with DemoServer(dataset=dataset, faults=config) as server:
        tally, retries = asyncio.run(soak(server, threads, max_retries))
        stats = server.stats.snapshot()
    wall = time.perf_counter() - started
    return {
        "rate": rate,
        "threads_walked": tally.walks,
        "requests": stats["requests"],
        "faults_total": stats["faults_total"],
        "faults": {k: stats["faults"].get(k, 0) for k in FAULT_KINDS},
        "retries": retries,
        "max_retries": max_retries,
        "errors_surfaced": tally.surfaced,
        "messages_expected": tally.messages,
        "messages_lost": tally.lost,
        "duplicates": tally.duplicates,
        "conversations_expected": tally.conversations,
        "conversations_lost": tally.conversations_lost,
        "conversation_duplicates": tally.conversation_duplicates,
        "wall_seconds": round(wall, 2),
        "problems": tally.problems,
    }


def report(result: dict) -> str:
    faults = ", ".join(f"{k} {v}" for k, v in result["faults"].items())
    return "\n".join(
        [
            f"fault soak: rate {result['rate']:.0%}, {result['threads_walked']} thread walks "
            "(heymarket + workspace) and both conversation lists",
            f"  requests            {result['requests']}",
            f"  faults injected     {result['faults_total']}  ({faults})",
            f"  client retries      {result['retries']} (at most {result['max_retries']} each)",
            f"  errors surfaced     {result['errors_surfaced']} (each retried by the caller)",
            f"  messages expected   {result['messages_expected']}",
            f"  messages lost       {result['messages_lost']}",
            f"  duplicates          {result['duplicates']}",
            f"  conversations       {result['conversations_expected']} expected, "
            f"{result['conversations_lost']} lost, "
            f"{result['conversation_duplicates']} duplicated",
            f"  wall time           {result['wall_seconds']:.1f} s",
            *(f"  PROBLEM: {p}" for p in result["problems"]),
        ]
    )


# -- hostile servers (issue 10 items 4 and 5) ------------------------------------------------
NO_PROGRESS_MAX_REQUESTS = 10  # a walk against a cursor-ignoring server must stop within this
DRIP_SECONDS = 0.2  # per byte: far inside the read timeout, so only the deadline can stop it
DRIP_DEADLINE = 0.6


async def _walk_stopped(pager: Any, older: str, backend: Any, tally: Tally) -> list[str]:
    """Walk until the pager gives up on the cursor-ignoring server (checking it does so
    within NO_PROGRESS_MAX_REQUESTS), then, with the server fixed, until the end."""
    ids: list[str] = []
    sent = backend.stats.requests
    try:
        for _ in range(NO_PROGRESS_MAX_REQUESTS * 10):
            if pager.exhausted:  # it fit in one page: the cursor never mattered
                return ids
            batch = await getattr(pager, older)()
            ids.extend(getattr(x, "key", None) or x.id for x in batch)
        tally.problems.append("no-progress: a walk never noticed the ignored cursor")
    except PagingError:
        tally.walks += 1
    used = backend.stats.requests - sent
    if used > NO_PROGRESS_MAX_REQUESTS:
        tally.problems.append(f"no-progress: a walk took {used} requests to stop")
    return ids


async def _no_progress(server: DemoServer, threads: int) -> tuple[Tally, int]:
    """Each walk (both lists, the biggest threads) meets a server that ignores the cursor,
    must stop within a few requests, and must then finish losing nothing once it behaves."""
    ds = server.dataset
    tally = Tally()
    requests = 0
    for kind in ("heymarket", "workspace"):
        backend = make_backend(kind, server, 2)
        try:
            server.set_faults(FaultConfig(ignore_cursor=True))
            walk = backend.conversations(Filters())
            keys = await _walk_stopped(walk, "next_page", backend, tally)
            server.set_faults(FaultConfig())
            while not walk.exhausted:
                keys.extend(c.key for c in await walk.next_page())
            if kind == "workspace":
                expected = sorted({"+" + m.contact for m in ds.workspace_messages})
            else:
                expected = sorted({f"{m.inbox_id}:+{m.contact}" for m in ds.messages})
            count(keys, expected, "conversation", tally, f"no-progress {kind}")
            for conv in ds.biggest_threads(threads):
                server.set_faults(FaultConfig(ignore_cursor=True))
                pager, expected_ids = _thread_pager(kind, backend, ds, conv)
                ids = await _walk_stopped(pager, "older", backend, tally)
                server.set_faults(FaultConfig())
                while not pager.exhausted:
                    ids.extend(m.id for m in await pager.older())
                count(ids, expected_ids, "message", tally, f"no-progress {kind}")
        finally:
            requests += backend.stats.requests
            await backend.aclose()
            server.set_faults(FaultConfig())
    return tally, requests


def _thread_pager(kind: str, backend: Any, ds: Dataset, conv: Any) -> tuple[Any, list[str]]:
    number = "+" + conv.contact
    if kind == "workspace":
        expected = [m.workspace_id for m in ds.workspace_messages if m.contact == conv.contact]
        inbox = None
    else:
        expected = [str(m.id) for m in ds.thread(conv.inbox_id, conv.contact)]
        inbox = str(conv.inbox_id)
    key = conversation_key(number, inbox)
    conversation = Conversation(key=key, contact=number, inbox_id=inbox, last_at=ds.now)
    return backend.thread(conversation), expected


async def _dripping(server: DemoServer, threads: int, drips: int) -> tuple[Tally, int]:
    """The first ``drips`` responses of each walk drip one byte every DRIP_SECONDS: each
    must end at the per-request deadline and be retried, losing nothing."""
    ds = server.dataset
    tally = Tally()
    retries = 0
    for kind in ("heymarket", "workspace"):
        backend = make_backend(kind, server, 3)
        backend.client.settings = replace(backend.client.settings, total_timeout=DRIP_DEADLINE)
        try:
            server.set_faults(FaultConfig(schedule=("drip",) * drips, drip_seconds=DRIP_SECONDS))
            await walk_list(kind, backend, ds, tally)
            for conv in ds.biggest_threads(threads):
                server.set_faults(
                    FaultConfig(schedule=("drip",) * drips, drip_seconds=DRIP_SECONDS)
                )
                await walk_thread(kind, backend, ds, conv, tally)
        finally:
            retries += backend.stats.retries
            await backend.aclose()
            server.set_faults(FaultConfig())
    return tally, retries


def run_hostile(conversations: int, big: list[int], threads: int, drips: int = 2) -> dict:
    """The no-progress server and the dripping body, on the soak's dataset."""
    dataset = build_dataset(7, conversations=conversations, big_threads=tuple(big))
    started = time.perf_counter()
    with DemoServer(dataset=dataset) as server:
        stuck, stuck_requests = asyncio.run(_no_progress(server, threads))
        server.reset_stats()
        drip, drip_retries = asyncio.run(_dripping(server, threads, drips))
        drip_faults = server.stats.snapshot()["faults"].get("drip", 0)
    return {
        "no_progress": {
            "walks_stopped": stuck.walks,
            "requests": stuck_requests,
            "max_requests_per_walk": NO_PROGRESS_MAX_REQUESTS,
            "messages_expected": stuck.messages,
            "messages_lost": stuck.lost,
            "duplicates": stuck.duplicates,
            "conversations_lost": stuck.conversations_lost,
            "conversation_duplicates": stuck.conversation_duplicates,
        },
        "drip": {
            "drips": drip_faults,
            "deadline": DRIP_DEADLINE,
            "retries": drip_retries,
            "errors_surfaced": drip.surfaced,
            "messages_expected": drip.messages,
            "messages_lost": drip.lost,
            "duplicates": drip.duplicates,
            "conversations_lost": drip.conversations_lost,
            "conversation_duplicates": drip.conversation_duplicates,
        },
        "wall_seconds": round(time.perf_counter() - started, 2),
        "problems": stuck.problems + drip.problems,
    }


def report_hostile(result: dict) -> str:
    stuck, drip = result["no_progress"], result["drip"]
    return "\n".join(
        [
            "hostile servers: a server that ignores the paging cursor, then a dripping body",
            f"  no-progress walks   {stuck['walks_stopped']} stopped with a clear error "
            f"(at most {stuck['max_requests_per_walk']} requests each), "
            f"{stuck['requests']} requests in all",
            f"  then, server fixed  {stuck['messages_expected']} messages expected, "
            f"{stuck['messages_lost']} lost, {stuck['duplicates']} duplicates; "
            f"{stuck['conversations_lost']} conversations lost, "
            f"{stuck['conversation_duplicates']} duplicated",
            f"  dripping bodies     {drip['drips']} cut at the {drip['deadline']:g} s deadline, "
            f"{drip['retries']} client retries, {drip['errors_surfaced']} errors surfaced",
            f"  messages lost       {drip['messages_lost']} of {drip['messages_expected']}",
            f"  duplicates          {drip['duplicates']}",
            f"  conversations       {drip['conversations_lost']} lost, "
            f"{drip['conversation_duplicates']} duplicated",
            f"  wall time           {result['wall_seconds']:.1f} s",
            *(f"  PROBLEM: {p}" for p in result["problems"]),
        ]
    )


def hostile_bad(result: dict) -> int:
    parts = (result["no_progress"], result["drip"])
    keys = ("messages_lost", "duplicates", "conversations_lost", "conversation_duplicates")
    return sum(part[k] for part in parts for k in keys) + len(result["problems"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=0.2, help="fault rate 0..1 (default 0.2)")
    parser.add_argument("--threads", type=int, default=4, help="biggest threads to walk")
    parser.add_argument("--seed", type=int, default=1, help="fault schedule seed")
    parser.add_argument("--conversations", type=int, default=60, help="dataset size")
    parser.add_argument(
        "--big", type=int, nargs="*", default=[1200, 400], help="sizes of the big threads"
    )
    parser.add_argument(
        "--max-retries",
        type=int,
        default=10,
        help="client retries per request (0: every fault reaches the caller, who retries)",
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON line")
    parser.add_argument(
        "--no-hostile", action="store_true", help="skip the no-progress and dripping servers"
    )
    args = parser.parse_args(argv)
    result = run(args.rate, args.threads, args.seed, args.conversations, args.big, args.max_retries)
    print(report(result), flush=True)
    hostile = 0
    if not args.no_hostile:
        extra = run_hostile(args.conversations, args.big, args.threads)
        print(report_hostile(extra), flush=True)
        result = {**result, "hostile": extra}
        hostile = hostile_bad(extra)
    bad = (
        result["messages_lost"]
        + result["duplicates"]
        + result["conversations_lost"]
        + result["conversation_duplicates"]
        + len(result["problems"])
        + hostile
    )
    locked_bad = locked_cache_scenario()
    if args.json:  # last, on one line: the whole run's numbers for scripts and tests
        print(json.dumps({**result, "locked_cache_problems": locked_bad}), flush=True)
    return 1 if bad + locked_bad else 0


def locked_cache_scenario(hold: float = 0.6, busy: float = 0.1, pages: int = 10) -> int:
    """Another connection holds ``BEGIN EXCLUSIVE`` on the cache while a Store opens it and
    writes pages of messages (each refused write is retried, as the user's r would), then
    releases it. Prints the soak's lines; returns how many things went wrong."""
    import sqlite3
    import tempfile
    import threading
    from datetime import UTC, datetime, timedelta

    from inbox_tui.models import Direction, Message
    from inbox_tui.store import Store
    from inbox_tui.store.db import CacheLocked

    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    batches = [
        [
            Message(id=f"m{p}-{i}", source="workspace", conversation_key="+14155550100",
                    contact="+14155550100", direction=Direction.INBOUND, status="received",
                    body=f"page {p} message {i}", created_at=t0 + timedelta(seconds=p * 50 + i))
            for i in range(50)
        ]
        for p in range(pages)
    ]  # fmt: skip
    refused = 0

    async def create(path: Path) -> None:
        await (await Store.open(path)).close()

    async def write_all(path: Path) -> str:
        nonlocal refused
        store = await Store.open(path, busy_timeout=busy, check=True)
        try:
            for batch in batches:
                for _ in range(int(30 / busy)):  # bounded: 30 s at most
                    try:
                        await store.upsert_messages(batch)
                        break
                    except CacheLocked:
                        refused += 1
                        await asyncio.sleep(busy)
            return store.mode
        finally:
            await store.close()

    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "locked.sqlite3"
        asyncio.run(create(path))
        holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        holder.execute("BEGIN EXCLUSIVE")
        release = threading.Timer(hold, lambda: (holder.execute("ROLLBACK"), holder.close()))
        release.start()
        try:
            mode = asyncio.run(write_all(path))
        finally:
            release.join()
        conn = sqlite3.connect(path)
        ids = [row[0] for row in conn.execute("SELECT id FROM messages")]
        conn.close()
        moved = len(list(Path(folder).glob("*.corrupt-*")))
    expected = [m.id for batch in batches for m in batch]
    lost = len(set(expected) - set(ids))
    dups = len(ids) - len(set(ids))
    lines = [
        f"locked cache: another connection held BEGIN EXCLUSIVE for {hold:.1f} s while a "
        f"store opened and wrote {pages} pages (busy timeout {busy:.1f} s)",
        f"  store opened as     {mode}",
        f"  writes refused      {refused} (typed CacheLocked, each retried by the caller)",
        f"  messages expected   {len(expected)}",
        f"  messages lost       {lost}",
        f"  duplicates          {dups}",
        f"  moved aside         {moved}",
        f"  wall time           {time.perf_counter() - started:.1f} s",
    ]
    print("\n".join(lines), flush=True)
    return lost + dups + moved + (mode != "normal")


if __name__ == "__main__":
    sys.exit(main())
