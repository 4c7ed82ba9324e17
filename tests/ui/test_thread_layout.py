"""Pure layout: wrapping in cells, message plans/strips, and the line index."""

from __future__ import annotations

from datetime import UTC, timedelta

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from support.thread_view_kit import START, make_message, make_thread

from inbox_tui.models import Direction
from inbox_tui.ui.widgets.thread_layout import (
    Fenwick,
    LayoutContext,
    ThreadIndex,
    message_height,
    plan_message,
    render_message,
    wrap_text,
)

WIDE = LayoutContext(width=100, tz=UTC)
NARROW = LayoutContext(width=50, tz=UTC)

HOSTILE_BODIES = [
    "[red]x[/] [bold]bold[/bold] [link=https://evil]click[/link] \\[escaped]",
    "ansi \x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared?",
    "osc8 \x1b]8;;https://evil.example\x1b\\click me\x1b]8;;\x1b\\ done",
    "title \x1b]0;pwned\x07 bell \x07 c1 \x9b31m \x85 nul \x00 del \x7f",
    "bidi \u202eevil\u202c \u2066iso\u2069 end",
    "emoji 👩‍👩‍👧‍👦🎉🇺🇸 cjk 漢字かなカナ한국어 rtl שלום عربى mixed",
    "tabs\tand\r\nwindows\rnewlines",
    "x" * 5000,
    ("word " * 20_000) + "\n" * 300,
]


def make_all_exact(index: ThreadIndex) -> None:
    """Lay out every message exactly (the view does it for what is on screen)."""
    for pos in range(index.first_pos, index.last_pos + 1):
        index.make_exact(pos)


def height_of(ctx: LayoutContext):  # type: ignore[no-untyped-def]
    return lambda m, day: message_height(m, ctx, day_header=day)


@given(st.text(max_size=400), st.integers(min_value=1, max_value=120))
def test_wrap_never_exceeds_width_and_keeps_the_text(text: str, width: int) -> None:
    text = text.replace("\r", "")
    lines, total = wrap_text(text, width)
    assert total == len(lines) >= 1
    for line in lines:
        # A lone double-width character in a 1-cell column is the only allowed overflow.
        assert cell_len(line) <= max(width, 2)
    assert "".join(lines).replace(" ", "") == text.replace("\t", "").replace(" ", "").replace(
        "\n", ""
    )


def test_wrap_caps_lines_but_counts_all() -> None:
    lines, total = wrap_text("\n".join(str(i) for i in range(1000)), 10, max_lines=200)
    assert len(lines) == 200 and total == 1000


@given(
    st.text(max_size=300),
    st.sampled_from([WIDE, NARROW, LayoutContext(width=20, tz=UTC)]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_strips_match_plan_height_and_width(
    body: str, ctx: LayoutContext, day: bool, note: bool, outbound: bool
) -> None:
    message = make_message(
        1,
        body=body,
        kind="private" if note else "sms",
        direction=Direction.OUTBOUND if outbound else Direction.INBOUND,
        media_url="https://m.example/a.jpg" if len(body) % 2 else None,
    )
    plan = plan_message(message, ctx, day_header=day)
    strips = render_message(message, plan, ctx, selected=True, highlighted=True)
    assert len(strips) == plan.height == message_height(message, ctx, day_header=day)
    assert all(strip.cell_length == ctx.width for strip in strips)


def test_hostile_text_renders_literally_and_safely() -> None:
    for ctx in (WIDE, NARROW):
        for i, body in enumerate(HOSTILE_BODIES):
            message = make_message(i, body=body, author="[b]Eve[/b]\x1b[5m", contact_name=None)
            plan = plan_message(message, ctx, day_header=True)
            assert plan.height == message_height(message, ctx, day_header=True)
            strips = render_message(message, plan, ctx)
            text = "\n".join(strip.text for strip in strips)
            for bad in ("\x1b", "\x07", "\x9b", "\x85", "\x00", "\x7f", "\u202e", "\u2066", "\r"):
                assert bad not in text
            assert all(strip.cell_length == ctx.width for strip in strips)
            assert len(strips) <= 210  # long bodies are capped
    m = make_message(0, body=HOSTILE_BODIES[0])
    wide = "\n".join(
        s.text for s in render_message(m, plan_message(m, WIDE, day_header=False), WIDE)
    )
    assert "[red]x[/] [bold]bold[/bold] [link=https://evil]click[/link] \\[escaped]" in wide


def test_long_body_is_capped_with_more_line() -> None:
    message = make_message(0, body="\n".join(f"line {i}" for i in range(1000)))
    plan = plan_message(message, WIDE, day_header=False)
    assert len(plan.body) == 200 and plan.more == 800
    text = [s.text for s in render_message(message, plan, WIDE)]
    assert any("… 800 more lines (enter for detail)" in line for line in text)


def test_status_markers_are_text_not_just_colour() -> None:
    def header(**kw: object) -> str:
        m = make_message(1, **kw)
        return render_message(m, plan_message(m, WIDE, day_header=False), WIDE)[0].text

    assert "✗ failed" in header(status="failed")
    assert "✗ undelivered" in header(status="undelivered")
    assert "✓ delivered" in header(status="delivered")
    assert "carrier_hold" in header(status="Carrier_Hold")  # unknown: as typed
    assert "⚑" in header(flagged=True)
    assert "✎ note" in header(kind="private", author="Grace")
    inbound = make_message(0, contact_name=None)
    plan = plan_message(inbound, WIDE, day_header=False)
    assert "+1 (415) 555-0100" in render_message(inbound, plan, WIDE)[0].text


def test_day_separators_between_days_only() -> None:
    msgs = [make_message(i, minutes=60 * 7) for i in range(10)]  # ~3.4 per day
    index = ThreadIndex(height_of(WIDE), UTC)
    index.rebuild(msgs)
    days = [index.has_day_header(p) for p in range(index.first_pos, index.last_pos + 1)]
    expected = [
        i == 0 or (msgs[i].created_at.date() != msgs[i - 1].created_at.date()) for i in range(10)
    ]
    assert days == expected


def _assert_index_consistent(index: ThreadIndex, ctx: LayoutContext) -> None:
    fresh = ThreadIndex(height_of(ctx), UTC)
    fresh.rebuild(index.messages())
    make_all_exact(fresh)
    make_all_exact(index)
    assert index.total_lines == fresh.total_lines
    assert [m.id for m in index.messages()] == [m.id for m in fresh.messages()]
    for offset, pos in enumerate(range(index.first_pos, index.last_pos + 1)):
        fpos = fresh.first_pos + offset
        assert index.top_of(pos) == fresh.top_of(fpos)
        assert index.height(pos) == fresh.height(fpos)
        assert index.locate(index.top_of(pos)) == (pos, 0)
        assert index.locate(index.top_of(pos) + index.height(pos) - 1) == (
            pos,
            index.height(pos) - 1,
        )
    assert index.locate(-1) is None and index.locate(index.total_lines) is None


@given(
    st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=200),
    st.integers(min_value=1, max_value=600),
)
def test_prepending_pages_equals_a_full_rebuild(pages: list[int], n_new: int, step: int) -> None:
    total = sum(pages)
    msgs = [make_message(i, minutes=step) for i in range(total + n_new)]
    index = ThreadIndex(height_of(WIDE), UTC)
    end = total
    for size in pages:  # newest page first, then older ones prepended
        index.merge(msgs[end - size : end])
        end -= size
    index.merge(msgs[total:])  # polling appends
    _assert_index_consistent(index, WIDE)


def test_updates_and_out_of_order_merge() -> None:
    msgs = make_thread(100)
    index = ThreadIndex(height_of(WIDE), UTC)
    assert index.merge(msgs[50:]) == "append"
    assert index.merge(msgs[:50]) == "prepend"
    long = msgs[10].model_copy(update={"body": "long " * 400})
    assert index.merge([long]) == "update"
    assert index.merge([msgs[70].model_copy(update={"body": "x " * 300})]) == "update"
    _assert_index_consistent(index, WIDE)
    assert index.merge([msgs[5]]) == "none"  # unchanged duplicate
    odd = make_message(10_000, created_at=msgs[40].created_at + timedelta(seconds=1))
    assert index.merge([odd]) == "rebuild"
    assert len(index) == 101
    _assert_index_consistent(index, WIDE)
    assert index.messages()[41].id == odd.id
    moved = msgs[3].model_copy(update={"created_at": START + timedelta(days=999)})
    assert index.merge([moved]) == "rebuild"
    assert index.messages()[-1].id == moved.id and len(index) == 101


@given(
    st.one_of(st.text(max_size=200), st.text(alphabet="ab \n\t", max_size=300)),
    st.one_of(st.none(), st.text(max_size=120)),
    st.integers(min_value=8, max_value=140),
    st.booleans(),
)
def test_fast_height_equals_the_plan(body: str, media: str | None, width: int, note: bool) -> None:
    ctx = LayoutContext(width=width, tz=UTC, max_body_lines=5)
    message = make_message(2, body=body, media_url=media, kind="private" if note else "sms")
    for day in (False, True):
        plan = plan_message(message, ctx, day_header=day)
        assert message_height(message, ctx, day_header=day) == plan.height


@given(
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=80),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=30))),
)
def test_fenwick_matches_naive_prefix_sums(
    values: list[int], updates: list[tuple[int, int]]
) -> None:
    tree = Fenwick()
    naive: list[int] = []
    for v in values:
        tree.append(v)
        naive.append(v)
    for index, new in updates:
        i = index % len(naive)
        new = max(1, new)
        tree.add(i, new - naive[i])
        naive[i] = new
    assert tree.total == sum(naive) and list(tree.values) == naive
    for count in range(len(naive) + 1):
        assert tree.prefix(count) == sum(naive[:count])
    y = 0
    for i, v in enumerate(naive):
        for off in range(v):
            assert tree.find(y) == (i, off)
            y += 1


def test_relayout_and_rebuild_use_estimates_until_made_exact() -> None:
    msgs = make_thread(300)
    index = ThreadIndex(height_of(WIDE), UTC, lambda m, d: 3)
    index.rebuild(msgs)
    assert index.total_lines == 900 and not index.is_exact(0)
    assert index.make_exact(5) != 0 or index.height(5) == 3
    assert index.is_exact(5)
    make_all_exact(index)
    exact_total = index.total_lines
    narrow = ThreadIndex(height_of(NARROW), UTC)
    narrow.rebuild(msgs)
    make_all_exact(narrow)
    index._height_of = height_of(NARROW)  # the width changed
    index.relayout()
    assert index.total_lines == exact_total  # old heights kept as estimates
    make_all_exact(index)
    assert index.total_lines == narrow.total_lines
