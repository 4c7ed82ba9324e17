"""Hostile content at the cheap level: the pure render/layout functions and the export
writers over many Hypothesis examples. Everything renders literally (markup is text) and
nothing a terminal would act on survives; nothing crashes, 100 KB bodies included."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from support.hostile_text import (
    FORBIDDEN_IN_FILE,
    MARKUP,
    assert_clean_segments,
    bad_chars,
    bodies,
    fuzz,
    hostile_line,
    hostile_text,
    media_urls,
    statuses,
)

from inbox_tui.core.export import normalise, write_csv, write_jsonl, write_md
from inbox_tui.models import Conversation, Direction, Message
from inbox_tui.text import sanitize
from inbox_tui.ui.screens.detail import detail_text, raw_json
from inbox_tui.ui.widgets.thread_layout import LayoutContext, plan_message, render_message


def squash(text: str) -> str:
    return "".join(text.split())


@st.composite
def messages(draw: st.DrawFn, body: st.SearchStrategy[str] = bodies) -> Message:
    contact = "+1" + draw(st.text(alphabet="0123456789", min_size=10, max_size=10))
    inbox = draw(st.one_of(st.none(), hostile_line.filter(bool)))
    raw_extra = draw(st.dictionaries(hostile_line, hostile_line, max_size=3))
    return Message(
        id=draw(st.one_of(st.integers(1, 10**9).map(str), hostile_line.filter(bool))),
        source=draw(st.sampled_from(["heymarket", "workspace"])),
        conversation_key=f"{inbox}:{contact}" if inbox else contact,
        contact=contact,
        own_number="+14155550100",
        inbox_id=inbox,
        direction=draw(st.sampled_from(list(Direction))),
        kind=draw(st.one_of(st.sampled_from(["sms", "mms", "private"]), hostile_line)),
        status=draw(statuses),
        body=draw(body),
        media_url=draw(media_urls),
        created_at=draw(
            st.datetimes(
                min_value=datetime(1971, 1, 1),
                max_value=datetime(2100, 1, 1),
                timezones=st.just(UTC),
            )
        ),
        author=draw(st.one_of(st.none(), hostile_line)),
        contact_name=draw(st.one_of(st.none(), hostile_line)),
        user_id=draw(st.one_of(st.none(), hostile_line)),
        flagged=draw(st.booleans()),
        broadcast_id=draw(st.one_of(st.none(), hostile_line)),
        provider_sid=draw(st.one_of(st.none(), hostile_line)),
        raw={"text": draw(hostile_text), **raw_extra},
    )


def conversation_of(message: Message) -> Conversation:
    return Conversation(
        key=message.conversation_key,
        contact=message.contact,
        inbox_id=message.inbox_id,
        name=message.contact_name,
        last_message=message,
        last_at=message.created_at,
    )


CONSOLE = Console(width=100, force_terminal=True, color_system="truecolor", file=io.StringIO())


# --- the thread ------------------------------------------------------------------------------


@fuzz(150)
@given(
    messages(),
    st.sampled_from([24, 40, 69, 80, 120, 200]),
    st.booleans(),
    st.booleans(),
)
def test_thread_renders_hostile_messages_literally(
    message: Message, width: int, day: bool, selected: bool
) -> None:
    ctx = LayoutContext(width=width, tz=UTC, contact_label="[b]label[/b]\x1b[2J")
    plan = plan_message(message, ctx, day_header=day)
    strips = render_message(message, plan, ctx, selected=selected, highlighted=not selected)
    assert len(strips) == plan.height
    text = "\n".join(
        assert_clean_segments(strip, f"thread line {n}") for n, strip in enumerate(strips)
    )
    assert all(strip.cell_length == width for strip in strips)
    body = sanitize(message.body)
    if len(body) < 2000 and width >= 40 and not plan.more:
        plain = "".join(strip.text for strip in render_message(message, plan, ctx))
        assert squash(body) in squash(plain)  # every visible character, in order
    assert text


@fuzz(60)
@given(st.lists(st.sampled_from(MARKUP), min_size=1, max_size=4).map(" ".join))
def test_markup_in_the_thread_is_shown_as_typed(body: str) -> None:
    message = Message(
        id="1",
        source="workspace",
        conversation_key="+14155550123",
        contact="+14155550123",
        direction=Direction.INBOUND,
        body=body,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        contact_name=body,
    )
    ctx = LayoutContext(width=200, tz=UTC)
    strips = render_message(message, plan_message(message, ctx, day_header=False), ctx)
    text = "".join(strip.text for strip in strips)
    assert squash(body) in squash(text), text  # wrapped, but every character as typed


# --- the detail screen -------------------------------------------------------------------------


@fuzz(120)
@given(messages())
def test_detail_screen_text_is_literal_and_clean(message: Message) -> None:
    text = detail_text(message, UTC)
    for line in CONSOLE.render_lines(text, CONSOLE.options, pad=False):
        assert_clean_segments(line, "detail screen")
    plain = text.plain
    assert sanitize(message.body) in plain or not message.body
    assert not bad_chars(raw_json(message).replace("\n", ""))


# --- exports -----------------------------------------------------------------------------------


@fuzz(120)
@given(st.lists(messages(), min_size=1, max_size=4))
def test_exports_are_clean_literal_and_round_trip(batch: list[Message]) -> None:
    conversation = conversation_of(batch[0])
    outputs = {}
    for name, writer in (("jsonl", write_jsonl), ("csv", write_csv), ("md", write_md)):
        out = io.StringIO()
        writer(batch, out, conversation)
        text = out.getvalue()
        text.encode("utf-8")  # what the file write does: no lone surrogate may remain
        assert not bad_chars(text, FORBIDDEN_IN_FILE), (name, bad_chars(text, FORBIDDEN_IN_FILE))
        outputs[name] = text

    records = [json.loads(line) for line in outputs["jsonl"].splitlines()]
    assert [r["body"] for r in records] == [sanitize(m.body) for m in batch]
    assert [r["id"] for r in records] == [normalise(m)["id"] for m in batch]

    rows = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert len(rows) == len(batch)
    for row, message in zip(rows, batch, strict=True):
        body = sanitize(message.body)
        assert row["body"] in (body, "'" + body)

    md = outputs["md"]
    assert md.count("<!-- id ") == len(batch)
    for message in batch:
        for line in sanitize(message.body).split("\n")[:3]:
            # Markdown escapes & as &amp; and specials with backslashes: compare escaped.
            visible = squash(line.replace("&", "&amp;").replace("\\", ""))
            if visible:
                assert visible in squash(md.replace("\\", ""))
