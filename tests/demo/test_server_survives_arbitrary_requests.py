"""Arbitrary query strings and bodies never make the demo server fail: every answer is a
deliberate 2xx/4xx with a JSON body and an X-Request-Id."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inbox_tui.demo.dataset import build_dataset
from inbox_tui.demo.server import DemoServer

texts = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "0", "-1", "1e309", "nan", "2026-01-01", "2026-01-01T00:00:00.123456789Z", "+1555"]
    ),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    ds = build_dataset(
        6, conversations=10, big_threads=(120,), now=datetime(2026, 3, 1, tzinfo=UTC)
    )
    with DemoServer(dataset=ds) as srv:
        yield srv


@pytest.fixture(scope="module")
def http(server: DemoServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=5) as client:
        yield client


def check(r: httpx.Response) -> None:
    assert r.status_code < 500, r.text
    assert r.headers["x-request-id"].startswith("req_")
    r.json()


@settings(max_examples=120)
@given(
    params=st.dictionaries(
        st.sampled_from(["phoneNumber", "inboxID", "timestamp", "x"]), texts, max_size=4
    )
)
def test_heymarket_thread_params(
    server: DemoServer, http: httpx.Client, params: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    check(http.get("/v1/messages", params=params, headers=headers))


@settings(max_examples=120)
@given(
    path=st.sampled_from(["/v1/messages/all", "/v1/messages/all/count", "/v1/conversations"]),
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {},
            optional={
                "created_at": json_values | texts,
                "order": json_values,
                "ascending": json_values,
                "limit": json_values,
                "filters": json_values,
                "date": json_values | texts,
                "id": json_values,
            },
        ),
    ),
)
def test_heymarket_bodies(server: DemoServer, http: httpx.Client, path: str, body: object) -> None:
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    check(http.post(path, json=body, headers=headers))


@settings(max_examples=150)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["page", "limit", "direction", "status", "from", "to", "startDate", "endDate"]
        ),
        texts,
        max_size=5,
    )
)
def test_workspace_params(server: DemoServer, http: httpx.Client, params: dict[str, str]) -> None:
    headers = {"Authorization": f"Bearer {server.workspace_token}"}
    url = f"/api/ui/workspaces/{server.workspace_id}/messages"
    check(http.get(url, params=params, headers=headers))


@settings(max_examples=60)
@given(
    token=st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=80
    )
)
def test_arbitrary_tokens_are_refused_cleanly(
    server: DemoServer, http: httpx.Client, token: str
) -> None:
    for url in ("/v1/inboxes", f"/api/ui/workspaces/{server.workspace_id}/messages"):
        r = http.get(url, headers={"Authorization": f"Bearer {token}"})
        check(r)
        assert r.status_code == 401 or token in (server.heymarket_token, server.workspace_token)
