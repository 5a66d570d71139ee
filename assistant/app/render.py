"""Turn tool results and assistant events into what the Gradio app shows and hands out: markdown, plots, TSV
files. The only files written are TSV downloads inside a fresh temporary folder."""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assistant.tools.views import STEP_ROWS, format_cell, markdown_table


def format_args(args: Mapping[str, Any] | None) -> str:
    """Tool arguments as `name=value` pairs in code spans."""
    if not args:
        return "_(no arguments)_"
    return ", ".join(f"`{k}={v!r}`" for k, v in args.items())


def result_markdown(result: Any, rows: int = STEP_ROWS) -> str:
    """A tool result (DataFrame, dataclass of DataFrames, dict, list or text) as markdown, with its note
    (the tools' `attrs["note"]`: unmapped input symbols and the like)."""
    if isinstance(result, pd.DataFrame):
        note = result.attrs.get("note")
        if len(result) == 1 and len(result.columns) > 4:  # one record (gene_info): a list reads better
            text = "\n".join(f"- **{str(k).replace('_', ' ')}**: {format_cell(v, 'markdown')}"
                              for k, v in result.iloc[0].items())
        else:
            text = markdown_table(result, rows)
        return text + (f"\n\n_Note: {note}_" if note else "")
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        parts = []
        for f in dataclasses.fields(result):
            value = getattr(result, f.name)
            if isinstance(value, pd.DataFrame | list | tuple) and len(value):
                parts.append(f"**{f.name.replace('_', ' ')}**\n\n{result_markdown(value, rows)}")
            elif value not in (None, "", [], {}) and not isinstance(value, pd.DataFrame):
                parts.append(f"**{f.name.replace('_', ' ')}**: {format_cell(value, 'markdown')}")
        return "\n\n".join(parts)
    if isinstance(result, Mapping):
        return "\n".join(f"- **{k}**: {format_cell(v, 'markdown')}" for k, v in result.items())
    if isinstance(result, list | tuple) and result and isinstance(result[0], Mapping):
        return markdown_table(pd.DataFrame(result), rows)
    if isinstance(result, list | tuple) and result and dataclasses.is_dataclass(result[0]):
        return markdown_table(pd.DataFrame([dataclasses.asdict(r) for r in result]), rows)
    return str(result) if result is not None else ""


def tool_step(name: str, args: Mapping[str, Any] | None, result: Any = None, error: str | None = None,
              seconds: float | None = None, pending: bool = False) -> dict[str, Any]:
    """A chat message that Gradio renders as a collapsible step for one tool call."""
    body = "**Arguments:** " + format_args(args)
    if error:
        body += f"\n\n⚠ {error}"
    elif not pending:
        body += "\n\n" + result_markdown(result)
    metadata: dict[str, Any] = {"title": f"Tool: {name}", "status": "pending" if pending else "done",
                                "log": short_args(args) + (" · failed" if error else "")}
    if seconds is not None:
        metadata["duration"] = round(float(seconds), 2)
    return {"role": "assistant", "content": body, "metadata": metadata}


def short_args(args: Mapping[str, Any] | None, limit: int = 60) -> str:
    """Arguments on one line for a step's title, e.g. `gene=C1orf112` or `genes=IFNG, STAT1 … (12)`."""
    parts = []
    for key, value in (args or {}).items():
        if isinstance(value, list | tuple):
            text = ", ".join(map(str, value[:4])) + (f" … ({len(value)})" if len(value) > 4 else "")
        else:
            text = str(value)
        parts.append(f"{key}={text}")
    line = "; ".join(parts)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def backend_banner(info: Mapping[str, Any]) -> str:
    """One markdown line naming the LLM backend and model, and saying so when it fell back to no-LLM mode."""
    backend, model = info.get("backend"), info.get("model")
    if backend == "none":
        return ("**Backend:** `none` (no-LLM mode): answers are the tools' tables with templated text, "
                "no generated prose.")
    line = f"**Backend:** `{backend}`" + (f" · **model:** `{model}`" if model else "")
    if info.get("mode") == "rules":
        reason = info.get("fallback_reason") or "it did not start"
        return (f"{line} · ⚠ **The language model is unavailable** ({reason}). Running in no-LLM mode: the same "
                "tools and tables, with templated text instead of prose.")
    return line


def model_banner() -> str:
    """The served model as one markdown line (what `state.model_status` says)."""
    from assistant.tools.state import model_status

    return f"**Model:** {model_status()}"


def gene_card(info: pd.DataFrame) -> str:
    """The one-row `tools.gene_info` table as a short markdown card."""
    row = info.iloc[0].to_dict()
    facts = [str(row[k]) for k in ("gene_type", "location") if row.get(k)]
    if row.get("entrez_id"):
        facts.append(f"Entrez {row['entrez_id']}")
    lines = [f"### {row['symbol']} — {row.get('name', '')}", " · ".join(facts)]
    if len(row.get("aliases", [])):
        lines.append(f"**Aliases:** {', '.join(row['aliases'])}")
    n_known = int(row.get("n_known_terms", 0))
    if n_known:
        lines.append(f"**Known annotations:** {n_known} terms ({', '.join(row.get('libraries', []))})")
    else:
        lines.append("**Known annotations:** none in the indexed libraries (uncharacterised here)")
    top_terms = list(row.get("top_terms", []))
    if top_terms:
        lines.append("**Most specific known terms:**\n" + "\n".join(f"- {t}" for t in top_terms[:6]))
    if not row.get("in_model", True):
        lines.append("⚠ Not in the model's vocabulary (too rarely seen in the training gene sets): no predictions.")
    return "\n\n".join(lines)


def pca_2d(vectors: np.ndarray) -> np.ndarray:
    """Project row vectors onto their first two principal components."""
    x = np.asarray(vectors, dtype=np.float64)
    x = x - x.mean(axis=0, keepdims=True)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    out = x @ vt[:2].T
    if out.shape[1] < 2:
        out = np.pad(out, ((0, 0), (0, 2 - out.shape[1])))
    return out


def write_tsvs(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Write each non-empty table as `<name>.tsv` in a new temporary folder; return the paths."""
    folder = Path(tempfile.mkdtemp(prefix="gsfm-app-"))
    paths = []
    for name, df in tables.items():
        if df is None or df.empty:
            continue
        path = folder / f"{name}.tsv"
        df.to_csv(path, sep="\t", index=False)
        paths.append(str(path))
    return paths
