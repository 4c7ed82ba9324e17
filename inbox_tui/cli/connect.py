"""From a profile and its credentials to a :class:`~inbox_tui.core.backend.Backend`.

Transport rules live here: TLS verification stays on, and a plain ``http://`` base URL is
refused for any host that is not loopback unless the user passes ``--insecure``. Proxies
come from the standard environment variables (httpx reads them).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from inbox_tui.config import ConfigError, Profile
from inbox_tui.credentials import Credentials

if TYPE_CHECKING:
    import httpx

    from inbox_tui.api.http import HttpSettings
    from inbox_tui.core.backend import Backend
    from inbox_tui.demo.endpoint import DemoEndpoint


def is_loopback(host: str) -> bool:
    """True for ``localhost``, ``*.localhost``, 127.0.0.0/8 and ``::1`` (no DNS lookup)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_transport(base_url: str, *, insecure: bool) -> bool:
    """Raise :class:`ConfigError` for a URL we won't send credentials to. Returns True
    when the connection is plain http to a non-loopback host (allowed by ``insecure``):
    the UI must then show a warning."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"base URL '{base_url}' is not an http(s) URL")
    if parts.username or parts.password:
        raise ConfigError(
            "the base URL must not contain a user or password: credentials come from "
            "the environment or token_command"
        )
    if parts.scheme == "https" or is_loopback(parts.hostname):
        return False
    if not insecure:
        raise ConfigError(
            f"refusing plain http:// to {parts.hostname}: your credentials would cross the "
            "network unencrypted; use https://, or pass --insecure if you really mean it"
        )
    return True


def auth_for(credentials: Credentials) -> httpx.Auth:
    """The httpx auth for ``credentials``: a bearer token, or a heymarket signed JWT."""
    from inbox_tui.api.auth import BearerToken, HeymarketJWT

    if credentials.kind == "jwt":
        assert credentials.secret_id and credentials.secret_key
        return HeymarketJWT(credentials.secret_id, credentials.secret_key)
    assert credentials.token
    return BearerToken(credentials.token)


def build_backend(profile: Profile, credentials: Credentials, *, insecure: bool = False) -> Backend:
    """The backend for ``profile`` (after :func:`check_transport`)."""
    check_transport(profile.url, insecure=insecure)
    auth = auth_for(credentials)
    kwargs: dict[str, Any] = {"settings": http_settings(profile)}
    if profile.page_size:
        kwargs["page_size"] = profile.page_size
    if profile.backend == "workspace":
        from inbox_tui.api.workspace import WorkspaceBackend

        assert profile.workspace  # the Profile validator guarantees it
        return WorkspaceBackend(profile.url, auth, profile.workspace, **kwargs)
    from inbox_tui.api.heymarket import HeymarketBackend

    return HeymarketBackend(
        profile.url, auth, inbox_id=profile.inbox, member_id=profile.member_id, **kwargs
    )


def http_settings(profile: Profile) -> HttpSettings | None:
    """The profile's ``timeout`` / ``max_retries`` over the client defaults (TLS verify on)."""
    from inbox_tui.api.http import HttpSettings

    changes: dict[str, float | int] = {}
    if profile.timeout is not None:
        changes["read_timeout"] = profile.timeout
    if profile.max_retries is not None:
        changes["max_retries"] = profile.max_retries
    return HttpSettings(verify=True, **changes) if changes else None  # type: ignore[arg-type]


DEMO_MEMBER_ID = 7  # the demo dataset's "Demo User", a member of every demo inbox


def demo_profile(server: DemoEndpoint, backend: str) -> tuple[Profile, Credentials]:
    """The profile and credentials that reach an embedded demo server."""
    if backend == "workspace":
        profile = Profile(
            backend="workspace", base_url=server.base_url, workspace=server.workspace_id
        )
        return profile, Credentials("token", "demo server", token=server.workspace_token)
    profile = Profile(backend="heymarket", base_url=server.base_url, member_id=DEMO_MEMBER_ID)
    return profile, Credentials("token", "demo server", token=server.heymarket_token)
