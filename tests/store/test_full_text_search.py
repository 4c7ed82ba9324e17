"""FTS5 search: any user text is safe, matches are found and highlighted correctly."""

from __future__ import annotations

import logging
import re
import sqlite3
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.messages import contact_of, msg

from inbox_tui.store import Store
from inbox_tui.store.db import connect
from inbox_tui.store.messages import upsert_messages
from inbox_tui.store.search import build_match, search

BODIES = [
    "Is my order #4412 ready? Call me at (415) 555-0199",
    "Café crème at 7pm — see you there!",
    'She said "NEAR the station" AND then left',
    "مرحبا، هل الطلب جاهز؟",
    "日本語のメッセージです",
    "C++ and C# developers: 50% off* today ^_^",
    "Naïve résumé with ümlauts",
    "emoji only 🎉🎉 party",
    "e-mail: ada@example.test; path C:\\temp\\x",
]

NASTY = [
    "",
    " ",
    '"',
    '""',
    '"unterminated',
    "'",
    "*",
    "^",
    "-",
    "+",
    ":",
    "(",
    ")",
    "()",
    "{}",
    "[]",
    "AND",
    "OR",
    "NOT",
    "NEAR",
    "NEAR(a b, 2)",
    "a AND OR NOT b",
    "body:order",
    "search_name:ada",
    "{body search_name}: x",
    "^order",
    "order*",
    "*order",
    '"order" "ready',
    "c++",
    "c#",
    "50%",
    "--",
    "/* comment */",
    "'; DROP TABLE messages; --",
    "\\",
    "\x00",
    "\x1b[31m",
    "🎉",
    "é",
    "\u0301",
    "\ufeff",
    "\ue000order\ue001",
    "x" * 5000,
    " ".join(["word"] * 200),
]


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    db = connect(tmp_path_factory.mktemp("search") / "s.sqlite3")
    upsert_messages(db, [msg(i, 0, body=b, name="Ada Lovelace") for i, b in enumerate(BODIES)])
    upsert_messages(db, [msg(50, 1, body="nothing to see", name="Zoë Ångström")])
    return db


@pytest.mark.parametrize("query", NASTY)
def test_nasty_queries_never_raise(
    conn: sqlite3.Connection, query: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A query with a letter or digit in it is searched, with an expression SQLite accepts
    (``search`` swallows a refused expression, so a bare "returns a list" would pass even
    then); a query with none is no search at all."""
    match = build_match(query)
    searchable = bool(re.search(r"[^\W_]", unicodedata.normalize("NFKC", query)))
    assert (match is not None) == searchable
    if match is not None:
        conn.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (match,))
    with caplog.at_level(logging.WARNING, logger="inbox_tui.store.search"):
        hits = search(conn, query)
    assert not [r for r in caplog.records if "search failed" in r.getMessage()]
    if match is None:
        assert hits == []


@given(st.text(max_size=60))
def test_any_text_is_a_valid_query(query: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE f USING fts5(a, b, tokenize='unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO f VALUES ('some text', 'more')")
    match = build_match(query)
    if match is not None:
        db.execute("SELECT * FROM f WHERE f MATCH ?", (match,)).fetchall()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("order", {0}),
        ("ORD", {0}),  # prefix, case-insensitive
        ("ready order", {0}),  # AND of words, any order
        ('"order ready"', set()),  # a phrase must be adjacent
        ('"my order"', {0}),
        ("cafe creme", {1}),  # diacritics folded
        ("café", {1}),
        ("naive resume", {6}),
        ("NEAR", {2}),  # operator words are searched as words
        ('"NEAR the station" AND', {2}),
        ("مرحبا", {3}),
        ("日本語", {4}),
        ("c++", {5, 8}),  # the tokenizer keeps "c"
        ("50%", {5}),
        ("ada@example", {8}),
        ("party", {7}),
        ("4412", {0}),
    ],
)
def test_queries_find_what_a_person_expects(
    conn: sqlite3.Connection, query: str, expected: set[int]
) -> None:
    hits = search(conn, query, limit=100)
    found = {int(h.message_id.split("-")[0][1:]) for h in hits}
    assert found == expected


def test_contact_names_and_numbers(conn: sqlite3.Connection) -> None:
    assert len(search(conn, "lovelace", limit=100)) == len(BODIES)
    assert [h.message_id for h in search(conn, "angstrom")] == ["c50-m1"]
    number = contact_of(3)  # +14155550003
    for query in (number, "415 555 0003", "(415) 555-0003", "4155550003", "0003", "555000"):
        ids = {h.message_id for h in search(conn, query)}
        assert "c3-m0" in ids, query


def test_highlights_point_at_the_match(conn: sqlite3.Connection) -> None:
    [hit] = search(conn, "creme")
    assert hit.conversation_key == contact_of(1)
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["crème"]
    [hit] = search(conn, "angstr")
    # A prefix search highlights the part typed.
    assert [hit.name[a:b] for a, b in hit.name_highlights] == ["Ångstr"]
    assert hit.highlights == ()


async def test_search_through_the_store_orders_newest_first(tmp_path: Path) -> None:
    async with await Store.open(tmp_path / "c.sqlite3") as store:
        await store.upsert_messages([msg(1, n, body=f"invoice {n}") for n in range(30)])
        await store.upsert_messages([msg(2, 0, body="invoice elsewhere", inbox_id="B")])
        hits = await store.search("invoice", limit=5)
        assert [h.message_id for h in hits] == [f"c1-m{n}" for n in range(29, 24, -1)]
        ranked = await store.search("invoice", limit=50, order="rank")
        assert len(ranked) == 31
        assert [h.message_id for h in await store.search("invoice", inbox_id="B")] == ["c2-m0"]
        scoped = await store.search("invoice", conversation_key=contact_of(1), limit=100)
        assert len(scoped) == 30
        around = await store.thread_around(hits[0].conversation_key, hits[0].cursor)
        assert hits[0].message_id in [m.id for m in around]


def test_recent_order_is_exact_below_the_cap_and_bounded_above(tmp_path: Path) -> None:
    db = connect(tmp_path / "cap.sqlite3")
    # Cached out of time order: the newest messages are inserted first.
    upsert_messages(db, [msg(1, n, body=f"parcel {n}") for n in range(100, 0, -1)])
    exact = search(db, "parcel", limit=5, cap=1000)
    assert [h.message_id for h in exact] == [f"c1-m{n}" for n in range(100, 95, -1)]
    bounded = search(db, "parcel", limit=5, cap=10)
    assert len(bounded) == 5 and all("parcel" in h.snippet for h in bounded)
    ranked = search(db, "parcel", limit=200, order="rank")
    assert len(ranked) == 100


def test_long_bodies_are_cut_around_the_first_match(tmp_path: Path) -> None:
    db = connect(tmp_path / "long.sqlite3")
    body = "filler " * 100 + "the Needle is here " + "tail " * 100
    upsert_messages(db, [msg(1, 1, body=body)])
    [hit] = search(db, "needle")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert len(hit.snippet) <= 122
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["Needle"]


def test_fold_keeps_offsets() -> None:
    from inbox_tui.store.search import fold, highlight

    for text in ("Ångström", "ﬁsh", "Straße", "İstanbul", "日本語", "🎉x"):
        assert len(fold(text)) == len(text)
    assert highlight("Café CRÈME brûlée", (("creme", False), ("bru", True))) == (
        (5, 10),
        (11, 14),
    )
