"""Tool results as markdown tables (for answers, the app and the CLI)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

STEP_ROWS = 8  # rows of a tool's table shown by default
MAX_CELL = 60  # characters of one table cell in markdown


def cell(value: Any) -> str:
    """One table value as short markdown text."""
    if isinstance(value, bool | np.bool_):
        return "✓" if value else ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.2e}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, list | tuple | set | np.ndarray):
        items = [str(v) for v in value]
        value = ", ".join(items[:8]) + (f" … (+{len(items) - 8})" if len(items) > 8 else "")
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def markdown_table(df: pd.DataFrame, rows: int = STEP_ROWS) -> str:
    """A GitHub-style markdown table of the first `rows` rows, with a line saying how many were left out."""
    if df.empty:
        return "_(no rows)_"
    head = df.head(rows)
    lines = ["| " + " | ".join(cell(c) for c in head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in head.itertuples(index=False)]
    if len(df) > rows:
        lines.append(f"\n_… {len(df) - rows} more rows_")
    return "\n".join(lines)
