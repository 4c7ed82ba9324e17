"""What every demo handler needs: the data, the credentials and the behaviour knobs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inbox_tui.demo.auth import DemoCredentials
from inbox_tui.demo.dataset import Dataset


@dataclass(slots=True)
class DemoContext:
    dataset: Dataset
    credentials: DemoCredentials
    workspace_end_date_inclusive: bool = False
    # Every write request body the heymarket API received, in order: (path, body).
    writes: list[tuple[str, Any]] = field(default_factory=list)
