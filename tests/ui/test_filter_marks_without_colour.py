"""Which statuses and whether "flagged only" are chosen must be visible without colour:
Textual draws the same "X" on every option and tells them apart by colour alone."""

from __future__ import annotations

from support.fake_backend import FakeBackend, make_app
from support.wait import wait_for


async def test_only_chosen_statuses_and_flag_are_marked() -> None:
    app = make_app(FakeBackend(5))
    async with app.run_test(size=(150, 45)) as pilot:
        await pilot.press("f")
        await wait_for(pilot, lambda: app.filter_pane is not None and app.filter_pane.is_mounted)
        pane = app.filter_pane
        statuses = pane.query_one("#statuses")
        await wait_for(pilot, lambda: statuses.option_count > 0)

        def marked(label: str) -> bool:
            text = "\n".join(pane.query_one("#statuses").render_line(y).text for y in range(10))
            text += "\n" + pane.query_one("#flagged_only").render().plain
            line = next(row for row in text.splitlines() if label in row)
            return "X" in line.split(label)[0]

        assert not marked("failed") and not marked("sent") and not marked("Flagged only")
        statuses.select("failed")
        pane.query_one("#flagged_only").value = True
        await pilot.pause()
        assert marked("failed") and not marked("sent") and marked("Flagged only")
