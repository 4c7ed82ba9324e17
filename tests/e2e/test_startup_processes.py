"""Start-up speed measures (issue 3 item 9) must not change behaviour: the demo server in a
child process, the deferred httpx CLI module and the TLS context of plain-http clients."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import httpx
import pytest

from inbox_tui.api.auth import BearerToken
from inbox_tui.api.heymarket import HeymarketBackend
from inbox_tui.api.http import _tls_verify
from inbox_tui.demo.process import DemoServerProcess, supported
from inbox_tui.demo.server import DemoServer
from inbox_tui.filters import Filters
from inbox_tui.models import Conversation

needs_process = pytest.mark.skipif(not supported(), reason="needs POSIX fd passing")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@needs_process
async def test_demo_server_process_serves_real_conversations_and_stops(
    demo_server: DemoServer,
) -> None:
    expected = await _first_page(demo_server.base_url, demo_server.heymarket_token)
    server = DemoServerProcess()
    with server:
        assert server.base_url.startswith("http://127.0.0.1:")
        pid = server.pid
        assert pid is not None
        # The first request may be sent before the child serves: it waits in the backlog.
        page = await _first_page(server.base_url, server.heymarket_token)
        assert len(page) >= 50
        # The same data as the in-thread server (media URLs differ by port only).
        assert [(c.key, c.name, c.unread, c.last_message.body) for c in page] == [  # type: ignore[union-attr]
            (c.key, c.name, c.unread, c.last_message.body)  # type: ignore[union-attr]
            for c in expected
        ]
    assert _wait_gone(pid)
    with pytest.raises(RuntimeError):
        _ = server.base_url
    server.stop()  # twice is fine


async def _first_page(base_url: str, token: str) -> list[Conversation]:
    backend = HeymarketBackend(base_url, BearerToken(token))
    try:
        return await backend.conversations(Filters()).next_page()
    finally:
        await backend.aclose()


@needs_process
def test_demo_server_process_refuses_connections_once_stopped() -> None:
    with DemoServerProcess() as server:
        url = server.base_url
        response = httpx.get(f"{url}/v1/inboxes", headers={"Authorization": "Bearer nope"})
        assert response.status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/v1/inboxes", timeout=2)


@needs_process
def test_demo_server_child_exits_when_the_app_is_killed() -> None:
    """SIGKILL leaves no chance to clean up: the child notices its stdin closing."""
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import sys, time
                from inbox_tui.demo.process import DemoServerProcess
                server = DemoServerProcess().start()
                print(server.pid, flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    assert _wait_gone(child), "the demo server outlived the app"


def test_plain_http_client_gets_a_fail_closed_tls_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("all_proxy", raising=False)
    context = _tls_verify("http://127.0.0.1:8765", True)
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.get_ca_certs() == []  # trusts nothing: no TLS peer would be accepted
    # https, an explicit verify=False, and an https proxy keep httpx's own handling.
    assert _tls_verify("https://api.example.com", True) is True
    assert _tls_verify("HTTPS://api.example.com", True) is True
    assert _tls_verify("http://127.0.0.1:8765", False) is False
    monkeypatch.setenv("HTTPS_PROXY", "https://proxy.example.com:3128")
    assert _tls_verify("http://127.0.0.1:8765", True) is True


def test_fail_closed_context_refuses_a_tls_server(tmp_path: Path) -> None:
    """If a plain-http client ever reached TLS, the handshake would fail, not go unverified."""
    import asyncio
    import shutil

    from inbox_tui.demo.listen import listen

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    context = _tls_verify("http://127.0.0.1:1", True)
    assert isinstance(context, ssl.SSLContext)

    async def run() -> None:
        sock = listen()
        server = await asyncio.start_server(lambda r, w: w.close(), sock=sock, ssl=server_context)
        port = sock.getsockname()[1]
        async with server, httpx.AsyncClient(verify=context) as client:
            await client.get(f"https://localhost:{port}/")

    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        asyncio.run(run())


def test_httpx_cli_module_is_deferred_but_still_works() -> None:
    code = textwrap.dedent(
        """
        import sys
        import inbox_tui.api
        import httpx
        assert "click" not in sys.modules and "pygments" not in sys.modules, "eager CLI"
        assert callable(httpx.main)
        from httpx._main import print_response  # the real module, loaded on first use
        assert "click" in sys.modules
        import httpx._main
        assert httpx._main.print_response is print_response
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_gc_is_off_during_startup_on_while_the_app_runs_and_restored_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import gc

    from inbox_tui.cli import commands as cli_commands
    from inbox_tui.cli import main as cli

    seen: dict[str, object] = {}

    class FakeApp:
        return_code = 0

        def run(self) -> None:
            seen["running"] = (gc.isenabled(), gc.get_freeze_count() > 0)

    def build_app(args: object, stack: object) -> FakeApp:
        seen["building"] = gc.isenabled()
        return FakeApp()

    def config_command(args: object) -> int:
        seen["config"] = gc.isenabled()
        return 0

    monkeypatch.setattr(cli_commands, "build_app", build_app)
    monkeypatch.setattr(cli_commands, "config", config_command)
    assert gc.isenabled()
    assert cli.main(["--demo"]) == 0
    assert seen == {"building": False, "running": (True, True)}
    assert gc.isenabled() and gc.get_freeze_count() == 0
    assert cli.main(["config", "path"]) == 0
    assert seen["config"] is True
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        assert cli.main(["config", "path"]) == 0
        assert not gc.isenabled()  # the caller's setting is restored
    finally:
        gc.enable()


async def test_concurrent_first_pages_share_one_team_request() -> None:
    """At start-up the list and the poller both need member names: one ``/v1/team``."""
    import asyncio

    with DemoServer() as server:
        backend = HeymarketBackend(server.base_url, BearerToken(server.heymarket_token))
        try:
            first, latest = await asyncio.gather(
                backend.conversations(Filters()).next_page(), backend.latest()
            )
            assert first and latest
            assert any(m.author for m in latest)  # names resolved for both callers
            assert server.stats.paths["/v1/team"] == 1
            await backend.latest()
            assert server.stats.paths["/v1/team"] == 1  # fetched once, then kept
        finally:
            await backend.aclose()


async def test_team_unavailable_is_one_request_for_concurrent_callers() -> None:
    """A server error on ``/v1/team`` means "no names" (as before) for every waiting caller."""
    import asyncio

    from inbox_tui.api.http import HttpSettings
    from inbox_tui.demo.faults import FaultConfig

    faults = FaultConfig(schedule=("500",), paths=("/v1/team",))
    with DemoServer(faults=faults) as server:
        backend = HeymarketBackend(
            server.base_url,
            BearerToken(server.heymarket_token),
            settings=HttpSettings(max_retries=0),
        )
        try:
            names = await asyncio.gather(backend._names(), backend._names(), backend._names())
        finally:
            await backend.aclose()
        assert names == [{}, {}, {}]
        assert server.stats.paths["/v1/team"] == 1
