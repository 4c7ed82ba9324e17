"""token_command / secret_command output is bounded and checked (issue 10, item 9).

Real subprocesses: a command that never stops printing must end quickly with a clear
error instead of filling memory, and a value that cannot be a token is refused without
being echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from inbox_tui.config import Profile
from inbox_tui.credentials import MAX_COMMAND_OUTPUT, CredentialError, resolve


def test_endless_output_is_refused_and_the_command_killed() -> None:
    profile = Profile(token_command="yes acc-token", command_timeout=60)
    with pytest.raises(CredentialError) as info:
        resolve("work", profile)
    message = str(info.value)
    assert "token_command of profile 'work' printed more than 8 KiB" in message
    assert "acc-token" not in message


def test_endless_secret_command_is_refused() -> None:
    profile = Profile(secret_command="yes 'sid_1 key_secret_123'", command_timeout=60)
    with pytest.raises(CredentialError, match="secret_command of profile 'hm' printed more"):
        resolve("hm", profile)


def test_endless_output_after_a_token_is_refused_too(tmp_path: Path) -> None:
    profile = Profile(token_command="echo tok_good_123; cat /dev/zero", command_timeout=60)
    with pytest.raises(CredentialError, match="printed more than"):
        resolve("work", profile)


def test_output_just_under_the_limit_is_fine() -> None:
    filler = MAX_COMMAND_OUTPUT - 100
    command = f"echo tok_fine_123456; head -c {filler} /dev/zero | tr '\\0' x"
    assert resolve("work", Profile(token_command=command)).token == "tok_fine_123456"


@pytest.mark.parametrize(
    ("output", "why"),
    [
        ("tok with space", "spaces, control or non-ASCII"),
        ("tok\\033[31mred", "spaces, control or non-ASCII"),
        ("tok\\001ctl_123", "spaces, control or non-ASCII"),
        ("tok_é_unicode", "spaces, control or non-ASCII"),
    ],
)
def test_a_token_that_is_not_one_word_is_refused(output: str, why: str) -> None:
    with pytest.raises(CredentialError) as info:
        resolve("work", Profile(token_command=f"printf '{output}\\n'"))
    message = str(info.value)
    assert "token_command of profile 'work'" in message and why in message
    assert "tok" not in message.replace("token", "")


def test_an_absurdly_long_token_is_refused() -> None:
    command = "head -c 5000 /dev/zero | tr '\\0' a; echo"
    with pytest.raises(CredentialError) as info:
        resolve("work", Profile(token_command=command))
    assert "5000 characters" in str(info.value) and "aaaa" not in str(info.value)


def test_secret_command_key_with_a_control_character_is_refused() -> None:
    command = "printf 'sid_1||key\\001secret_123\\n'"
    with pytest.raises(CredentialError, match="secret_command of profile 'hm' printed a value"):
        resolve("hm", Profile(secret_command=command))


def test_env_token_with_a_newline_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INBOX_TUI_TOKEN", "tok_part_one\nX-Evil: 1")
    with pytest.raises(CredentialError) as info:
        resolve("work", Profile())
    assert "INBOX_TUI_TOKEN" in str(info.value) and "Evil" not in str(info.value)
