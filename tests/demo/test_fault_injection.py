"""Every injected fault is observable by a plain httpx client; schedule and stats are exact."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Iterator

import httpx
import pytest

from inbox_tui.demo.dataset import Dataset, build_dataset
from inbox_tui.demo.faults import FaultConfig, FaultInjector
from inbox_tui.demo.server import DemoServer


@pytest.fixture(scope="module")
def small() -> Dataset:
    return build_dataset(11, conversations=10, big_threads=(60,))


@pytest.fixture(scope="module")
def server(small: Dataset) -> Iterator[DemoServer]:
    with DemoServer(dataset=small) as srv:
        yield srv


@pytest.fixture
def client(server: DemoServer) -> Iterator[httpx.Client]:
    server.set_faults(FaultConfig())
    server.reset_stats()
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=5) as c:
        yield c
    server.set_faults(FaultConfig())


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_server_errors(client: httpx.Client, server: DemoServer, kind: str) -> None:
    server.set_faults(FaultConfig(schedule=(kind,)))
    r = client.get("/v1/inboxes")
    assert r.status_code == int(kind)
    assert r.json()["request_id"] == r.headers["x-request-id"]
    assert client.get("/v1/inboxes").status_code == 200  # the schedule is used up


def test_429_retry_after_seconds(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("429", "429"), retry_after=2.0))
    r = client.get("/v1/team")
    assert r.status_code == 429 and r.headers["retry-after"] == "2"
    server.set_faults(FaultConfig(schedule=("429",), retry_after=0.25))
    assert client.get("/v1/team").headers["retry-after"] == "0.25"


def test_429_retry_after_http_date(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("429",), retry_after=30, retry_after_http_date=True))
    r = client.get("/v1/team")
    assert r.status_code == 429
    when = email.utils.parsedate_to_datetime(r.headers["retry-after"])
    assert 25 <= when.timestamp() - time.time() <= 35


def test_stall_times_out_a_short_read_timeout(server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("stall", "stall"), stall_seconds=0.6))
    headers = {"Authorization": f"Bearer {server.heymarket_token}"}
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(server.base_url + "/v1/inboxes", headers=headers, timeout=0.2)
    started = time.monotonic()
    r = httpx.get(server.base_url + "/v1/inboxes", headers=headers, timeout=5)
    assert r.status_code == 200 and time.monotonic() - started >= 0.55


def test_drop_breaks_the_response_midway(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("drop",)))
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.post("/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z"})
    assert client.get("/v1/inboxes").status_code == 200  # a fresh connection works


def test_truncate_answers_200_with_cut_json(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("truncate", "truncate")))
    r = client.post("/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z"})
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()
    count = client.post("/v1/messages/all/count")  # even a tiny body is cut
    assert count.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        count.json()


def test_schedule_then_rate_and_stats(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(schedule=("429", None, "500", None), rate=0.0))
    statuses = [client.get("/v1/inboxes").status_code for _ in range(6)]
    assert statuses == [429, 200, 500, 200, 200, 200]
    stats = server.stats
    assert stats.requests == 6
    assert dict(stats.faults) == {"429": 1, "500": 1}
    assert stats.statuses[200] == 4
    server.reset_stats()
    assert server.stats.requests == 0 and not server.stats.faults


def test_paths_limit_where_faults_land(client: httpx.Client, server: DemoServer) -> None:
    server.set_faults(FaultConfig(rate=1.0, kinds=("503",), paths=("/v1/messages/all",)))
    assert client.get("/v1/inboxes").status_code == 200
    r = client.post("/v1/messages/all", json={"created_at": "2100-01-01T00:00:00Z"})
    assert r.status_code == 503 and "retry-after" in r.headers
    assert server.stats.faults["503"] == 1


def test_rate_is_deterministic_per_seed() -> None:
    def run(seed: int) -> list[str | None]:
        injector = FaultInjector(FaultConfig(rate=0.5, seed=seed))
        return [injector.decide("/v1/inboxes") for _ in range(200)]

    first = run(3)
    assert first == run(3) and first != run(4)
    hits = [k for k in first if k]
    assert 60 < len(hits) < 140 and set(hits) == {
        "429", "500", "502", "503", "stall", "drop", "truncate"
    }  # fmt: skip
    assert FaultInjector(FaultConfig(rate=1.0)).decide("/_demo/stats") is None


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        FaultConfig(kinds=("418",))
    with pytest.raises(ValueError, match="unknown fault"):
        FaultConfig(schedule=("boom",))
    with pytest.raises(ValueError, match="rate"):
        FaultConfig(rate=1.5)


def test_latency(small: Dataset) -> None:
    with DemoServer(dataset=small, latency=0.3) as slow:
        started = time.monotonic()
        r = httpx.get(
            slow.base_url + "/v1/inboxes",
            headers={"Authorization": f"Bearer {slow.heymarket_token}"},
        )
        assert r.status_code == 200 and time.monotonic() - started >= 0.3


def test_control_endpoints(client: httpx.Client, server: DemoServer) -> None:
    base = server.base_url
    r = httpx.put(base + "/_demo/faults", json={"schedule": ["502"], "retry_after": 3})
    assert r.status_code == 200 and r.json()["schedule"] == ["502"]
    assert client.get("/v1/inboxes").status_code == 502
    stats = httpx.get(base + "/_demo/stats").json()
    assert stats["requests"] == 1 and stats["faults"] == {"502": 1}
    assert httpx.put(base + "/_demo/faults", json={"kinds": ["teapot"]}).status_code == 400
    assert httpx.put(base + "/_demo/faults", json={"nope": 1}).status_code == 400
    assert httpx.delete(base + "/_demo/stats").json()["requests"] == 0


def test_stall_does_not_delay_stop(small: Dataset) -> None:
    srv = DemoServer(dataset=small, faults=FaultConfig(schedule=("stall",), stall_seconds=30))
    srv.start()
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            srv.base_url + "/v1/inboxes",
            headers={"Authorization": f"Bearer {srv.heymarket_token}"},
            timeout=0.2,
        )
    uvicorn_server = srv._server
    srv.stop()
    # The graceful shutdown finished despite the stalled request: stop() never had to force
    # the exit (it does after waiting 5 s for a stuck server thread).
    assert uvicorn_server is not None and not uvicorn_server.force_exit


@pytest.mark.parametrize(
    ("status", "says"),
    [(404, "no such endpoint"), (405, "not allowed"), (400, "unknown endpoint"), (501, "not")],
)
def test_missing_paths_answer_like_a_server_without_the_endpoint(
    client: httpx.Client, server: DemoServer, status: int, says: str
) -> None:
    """``missing``: a server without an optional endpoint (heymarket's conversations API)."""
    server.set_faults(FaultConfig(missing=("/v1/conversations",), missing_status=status))
    body = {"id": 7, "filters": {}}
    for _ in range(2):  # every time, not once
        r = client.post("/v1/conversations", json=body)
        assert r.status_code == status and says in r.json()["message"]
        assert r.headers["x-request-id"]
    assert client.post("/v1/messages/all", json={"created_at": "2999-01-01T00:00:00Z"}).is_success
    assert server.stats.paths["/v1/conversations"] == 2  # still counted as received
    control = client.put("/_demo/faults", json={"missing": ["/v1/x"], "missing_status": 501})
    assert control.json()["missing"] == ["/v1/x"] and server.faults.missing_status == 501
    with pytest.raises(ValueError, match="missing_status"):
        FaultConfig(missing=("/v1/x",), missing_status=500)
