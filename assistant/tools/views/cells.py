"""The one cell formatter, and tables of results: text for a language model or a terminal, markdown for people,
and interactive-table copies for the app."""
from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

MAX_ROWS = 6  # table rows shown to the language model per result (default)
MAX_LIST = 4  # list items (e.g. overlapping genes) shown per cell to the model
STEP_ROWS = 8  # rows of a tool's markdown table shown by default
MAX_CELL = 60  # characters of one markdown table cell
MARKDOWN_ITEMS = 8  # list items per markdown cell


def format_cell(value: Any, style: str = "text", max_items: int | None = MAX_LIST) -> str:
    """One table value as short text: the one cell formatter.

    style "text" (what a language model or a terminal reads): yes/no, floats to 3 significant digits, lists
    cut to `max_items` ("and N more"; None keeps all). style "markdown" (tables for people): ✓ for true,
    small and large floats in e-notation, lists cut to MARKDOWN_ITEMS, pipes escaped, cut to MAX_CELL characters.
    """
    markdown = style == "markdown"
    if isinstance(value, bool | np.bool_):
        return ("✓" if value else "") if markdown else ("yes" if value else "no")
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if not markdown:
            return f"{value:.3g}"
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.2e}"
        return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}"
    if isinstance(value, list | tuple | set | np.ndarray):
        items = [str(v) for v in value]
        cap = MARKDOWN_ITEMS if markdown else max_items
        if cap is None or len(items) <= cap:
            value = ", ".join(items)
        else:
            value = ", ".join(items[:cap]) + (f" … (+{len(items) - cap})" if markdown else
                                              f" and {len(items) - cap} more")
        if not markdown:
            return value
    if not markdown:
        return str(value)
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


def table_text(df: pd.DataFrame, rows: int = MAX_ROWS) -> str:
    """Header line plus the first `rows` rows, pipe-separated, with a count of what was left out (for a model)."""
    if df.empty:
        return "(no rows)"
    head = df.head(rows)
    lines = [" | ".join(map(str, head.columns))]
    lines += [" | ".join(format_cell(v) for v in row) for row in head.itertuples(index=False)]
    if len(df) > rows:
        lines.append(f"({len(df) - rows} more rows not shown)")
    return "\n".join(lines)


def markdown_table(df: pd.DataFrame, rows: int = STEP_ROWS) -> str:
    """A GitHub-style markdown table of the first `rows` rows, with a line saying how many were left out."""
    if df.empty:
        return "_(no rows)_"
    head = df.head(rows)
    cell = lambda v: format_cell(v, "markdown")  # noqa: E731
    lines = ["| " + " | ".join(cell(c) for c in head.columns) + " |", "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in head.itertuples(index=False)]
    if len(df) > rows:
        lines.append(f"\n_… {len(df) - rows} more rows_")
    return "\n".join(lines)


def display_frame(df: pd.DataFrame | None, digits: int = 3) -> pd.DataFrame:
    """A copy for a person's table (the app, the terminal): the readable label instead of the raw term name
    (no bare identifier), floats to `digits` significant digits (still numbers, so columns sort), list cells
    joined, metadata dropped."""
    if df is None:
        return pd.DataFrame()
    out = df.drop(columns=["term"]) if {"term", "label"} <= set(df.columns) else df.copy()
    out.attrs = {}
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].map(lambda v: float(f"{v:.{digits}g}"))
        elif out[col].map(lambda v: isinstance(v, list | tuple | np.ndarray)).any():
            out[col] = out[col].map(lambda v: format_cell(v, max_items=None)
                                    if isinstance(v, list | tuple | np.ndarray) else v)
    return out
