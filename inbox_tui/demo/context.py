"""What every demo handler needs: the data, the credentials and the behaviour knobs."""

from __future__ import annotations

from dataclasses import dataclass

from inbox_tui.demo.auth import DemoCredentials
from inbox_tui.demo.dataset import Dataset


@dataclass(slots=True)
class DemoContext:
    dataset: Dataset
    credentials: DemoCredentials
    workspace_end_date_inclusive: bool = False
