"""config.toml: parsing, validation messages (file, line, key, fix), profiles, permissions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from inbox_tui.cli.main import main
from inbox_tui.config import ConfigError, Profile, find_line, load_config

GOOD = """\
default_profile = "work"

[profiles.work]
backend = "heymarket"
inbox = 413
token_command = "pass show heymarket/api-key"
poll_seconds = 30

[profiles.work.keys]
quit = "ctrl+q"

[profiles.ws]
backend = "workspace"
base_url = "https://app.example.com/"
workspace = "ws_1"
page_size = 100
bell = true
"""


def write(home: Path, text: str, mode: int = 0o600) -> Path:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def error_of(text: str, home: Path) -> str:
    path = write(home, text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    return str(info.value)


def test_good_config_parses_with_defaults(isolated_dirs: Path) -> None:
    config = load_config(write(isolated_dirs, GOOD))
    name, work = config.profile(None)
    assert name == "work"
    assert work.inbox == "413"  # integer ids become strings
    assert work.url == "https://api.heymarket.com"
    assert work.keys == {"quit": "ctrl+q"}
    assert work.poll_seconds == 30 and work.bell is False
    _, ws = config.profile("ws")
    assert ws.base_url == "https://app.example.com"  # trailing slash dropped
    assert ws.poll_seconds == 15 and ws.bell is True and ws.page_size == 100
    assert config.warnings == ()


def test_bad_toml_names_file_and_line(isolated_dirs: Path) -> None:
    text = '[profiles.work]\nbackend = "heymarket"\ninbox = 413\ntoken_command = "pass show\n'
    message = error_of(text, isolated_dirs)
    assert f"{os.environ['INBOX_TUI_CONFIG']}:4:" in message
    assert "invalid TOML" in message and "fix the syntax" in message


def test_unknown_key_has_line_and_suggestion(isolated_dirs: Path) -> None:
    text = GOOD.replace('token_command = "pass show heymarket/api-key"', 'tokn_comand = "pass"')
    message = error_of(text, isolated_dirs)
    path = os.environ["INBOX_TUI_CONFIG"]
    assert message == (
        f"unknown key 'tokn_comand' in [profiles.work] at {path}:6; did you mean 'token_command'?"
    )


def test_unknown_top_level_key(isolated_dirs: Path) -> None:
    message = error_of('default_profle = "x"\n', isolated_dirs)
    assert "unknown key 'default_profle' in the top level" in message
    assert ":1;" in message and "did you mean 'default_profile'?" in message


def test_bad_value_names_key_line_and_value(isolated_dirs: Path) -> None:
    text = GOOD.replace("page_size = 100", 'page_size = "lots"')
    message = error_of(text, isolated_dirs)
    assert "bad value for 'page_size' in [profiles.ws]" in message
    assert f"{os.environ['INBOX_TUI_CONFIG']}:16" in message
    assert "'lots'" in message and "integer" in message


def test_bad_backend_value(isolated_dirs: Path) -> None:
    message = error_of('[profiles.a]\nbackend = "heymarkt"\n', isolated_dirs)
    assert "'backend'" in message and ":2" in message and "'heymarket' or 'workspace'" in message


def test_several_problems_are_counted(isolated_dirs: Path) -> None:
    message = error_of("[profiles.a]\nfoo = 1\nbar = 2\npage_size = 0\n", isolated_dirs)
    assert "(and 2 more problems)" in message


def test_workspace_without_id_points_at_profile(isolated_dirs: Path) -> None:
    text = 'default_profile = "w"\n\n[profiles.w]\nbackend = "workspace"\nbase_url = "https://x.example"\n'
    message = error_of(text, isolated_dirs)
    assert "profile [profiles.w]" in message and ":3" in message
    assert 'workspace = "ID"' in message


def test_bad_url(isolated_dirs: Path) -> None:
    message = error_of('[profiles.a]\nbase_url = "api.heymarket.com"\n', isolated_dirs)
    assert "not an http(s) URL" in message and ":2" in message


def test_default_profile_must_exist(isolated_dirs: Path) -> None:
    message = error_of('\ndefault_profile = "wrok"\n[profiles.work]\n', isolated_dirs)
    assert "default_profile 'wrok' is not defined" in message and ":2" in message


def test_missing_profile_suggests(isolated_dirs: Path) -> None:
    config = load_config(write(isolated_dirs, GOOD))
    pattern = r"no profile 'wrk'.*profiles: work, ws.*did you mean 'work'"
    with pytest.raises(ConfigError, match=pattern):
        config.profile("wrk")


def test_several_profiles_without_default(isolated_dirs: Path) -> None:
    config = load_config(write(isolated_dirs, GOOD.replace('default_profile = "work"', "")))
    with pytest.raises(ConfigError, match="no default_profile"):
        config.profile(None)


def test_missing_file(isolated_dirs: Path) -> None:
    with pytest.raises(ConfigError, match=r"no config file at .*inbox-tui --demo"):
        load_config()
    assert load_config(missing_ok=True).profiles == {}


def test_not_utf8(isolated_dirs: Path) -> None:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_bytes(b'[profiles.a]\nbase_url = "\xff"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)


def test_secret_value_is_not_echoed_in_errors(isolated_dirs: Path) -> None:
    message = error_of("[profiles.a]\ntoken = 12345678901\n", isolated_dirs)
    assert "'token'" in message and "12345678901" not in message


@pytest.mark.parametrize(
    ("loc", "line"),
    [
        (("default_profile",), 1),
        (("profiles", "work"), 3),
        (("profiles", "work", "inbox"), 5),
        (("profiles", "work", "keys", "quit"), 8),
        (("profiles", "we ird", "backend"), 11),
        (("profiles", "dotted", "page_size"), 2),
        (("profiles", "work", "nowhere"), 3),
    ],
)
def test_find_line(loc: tuple[str, ...], line: int) -> None:
    text = (
        'default_profile = "work"\nprofiles.dotted.page_size = 5\n[profiles.work]\n'
        '# inbox = 1\ninbox = 413\n\n[ profiles.work.keys ]  # comment\nquit = "q"\n\n'
        '[profiles."we ird"]\nbackend = "x"\n'
    )
    assert find_line(text, loc) == line


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_readable_file_with_secret_command_warns(isolated_dirs: Path) -> None:
    path = write(isolated_dirs, GOOD, mode=0o644)
    (warning,) = load_config(path).warnings
    assert f"chmod 600 {path}" in warning


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_private_file_or_no_secret_no_warning(isolated_dirs: Path) -> None:
    assert load_config(write(isolated_dirs, GOOD, mode=0o600)).warnings == ()
    plain = '[profiles.a]\nbackend = "heymarket"\n'
    assert load_config(write(isolated_dirs, plain, mode=0o644)).warnings == ()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_cli_warns_once(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = "tok_in_file_0123456789"
    text = GOOD.replace('token_command = "pass show heymarket/api-key"', f'token = "{token}"')
    path = write(isolated_dirs, text, mode=0o640)
    assert main(["config", "show"]) == 0
    captured = capsys.readouterr()
    assert captured.err.count(f"chmod 600 {path}") == 1
    assert token not in captured.out + captured.err


def test_config_path_and_show(isolated_dirs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(isolated_dirs, GOOD)
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == os.environ["INBOX_TUI_CONFIG"]
    assert main(["config", "show"]) == 0
    out = capsys.readouterr().out
    assert "[profiles.work]" in out and 'token_command = "pass show heymarket/api-key"' in out
    assert 'default_profile = "work"' in out and "# base_url defaults to" in out
    assert "# secret from: token_command" in out and "# secret from: none" in out


def test_config_show_masks_file_and_env_secrets(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    file_token, env_token, env_key = "file-secret-abcdef", "env-secret-ghijkl", "env-key-mnopqr"
    text = (
        '[profiles.a]\ntoken = "' + file_token + '"\nsecret_id = "id-1"\n'
        'secret_key = "file-key-stuvwx"\n'
    )
    write(isolated_dirs, text)
    monkeypatch.setenv("INBOX_TUI_TOKEN", env_token)
    monkeypatch.setenv("INBOX_TUI_SECRET_KEY", env_key)
    assert main(["config", "show"]) == 0
    captured = capsys.readouterr()
    everything = captured.out + captured.err
    for secret in (file_token, env_token, env_key, "file-key-stuvwx"):
        assert secret not in everything
    assert 'token = "*** (18 chars)"' in captured.out  # quoted: valid TOML
    assert "INBOX_TUI_TOKEN is set: ***" in captured.out
    assert 'secret_id = "id-1"' in captured.out
    assert "# secret from: INBOX_TUI_SECRET_ID + INBOX_TUI_SECRET_KEY (JWT)" in captured.out


def test_config_show_unknown_profile_exits_2(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(isolated_dirs, GOOD)
    assert main(["config", "show", "--profile", "nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no profile 'nope'" in err


def test_cli_config_error_is_one_line_exit_2(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(isolated_dirs, '[profiles.work]\ntokn = "x"\n')
    assert main(["--profile", "work"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown key 'tokn'" in err and "Traceback" not in err


# --- bad input never crashes -------------------------------------------------------------------

_values = st.one_of(
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3),
)
_keys = st.one_of(st.sampled_from(sorted(Profile.model_fields)), st.text("abcdekn_y", min_size=1))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, str):
        return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else "?" for c in value) + '"'
    return repr(value)


@given(st.dictionaries(_keys, _values, max_size=6), st.text(max_size=3))
def test_any_profile_table_loads_or_fails_cleanly(fields: dict[str, object], name: str) -> None:
    lines = [f"[profiles.{_toml(name or 'p')}]"] + [
        f"{_toml(k)} = {_toml(v)}" for k, v in fields.items()
    ]
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        load_config(path)
    except ConfigError as exc:
        message = str(exc)
        assert str(path) in message and "\n" not in message


@given(st.text(max_size=200))
def test_any_text_loads_or_fails_cleanly(text: str) -> None:
    path = Path(os.environ["INBOX_TUI_CONFIG"])
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_config(path)
    except ConfigError as exc:
        assert str(path) in str(exc)


def test_config_check_lists_every_problem(
    isolated_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(isolated_dirs, '[profiles.a]\ntokn = "x"\npage_size = 0\n')
    assert main(["config", "check"]) == 2
    err = sorted(capsys.readouterr().err.splitlines())
    assert len(err) == 2
    assert err[0].startswith("inbox-tui: bad value for 'page_size'") and "config.toml:3:" in err[0]
    assert err[1].startswith("inbox-tui: unknown key 'tokn'") and "config.toml:2;" in err[1]
