"""The app's plots as matplotlib figures (for `gr.Plot`): the enrichment dot plot and the GSEA running-score plot.
No logic: they draw what the tools returned.

Several requests draw at once (one per worker thread), so the figures are plain `Figure` objects, not pyplot's shared
state, and no text goes through mathtext (whose parser is shared): a log axis is labelled with plain numbers.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from assistant.tools.gsea_kernel import running_sum
from assistant.tools.views import KIND_ORDER

LABELLED = 8  # the dot plot names its best terms
COLOURS = colormaps["tab10"].colors


def dot_plot(df: pd.DataFrame, rows: int = 40) -> Figure:
    """-log10 FDR against odds ratio for the best `rows` terms (by p): dot size = input genes in the term, colour =
    the library's kind; the LABELLED best are named."""
    best = df.sort_values("p_value").head(rows)
    fig = Figure(figsize=(8, 5), dpi=100)
    ax = fig.subplots()
    if best.empty:
        ax.text(0.5, 0.5, "no term overlaps the list", ha="center", va="center", transform=ax.transAxes)
        return fig
    y = -np.log10(best.fdr.clip(lower=1e-300).to_numpy(np.float64))
    x = best.odds_ratio.clip(lower=1e-3).to_numpy(np.float64)
    for i, kind in enumerate(sorted(best.kind.unique(), key=lambda k: KIND_ORDER.get(k, 99))):
        rows_ = (best.kind == kind).to_numpy()
        ax.scatter(x[rows_], y[rows_], s=20 + 12 * best.overlap.to_numpy()[rows_], alpha=0.7,
                   color=COLOURS[i % len(COLOURS)], label=kind, edgecolor="black", linewidth=0.4)
    for xi, yi, label in list(zip(x, y, best.label))[:LABELLED]:
        ax.annotate(label[:45], (xi, yi), fontsize=7, xytext=(4, 2), textcoords="offset points")
    ax.axhline(-np.log10(0.05), color="grey", linestyle="--", linewidth=0.8)
    ax.set(xscale="log", xlabel="odds ratio", ylabel="-log10 FDR", title="Enrichment (size = genes in the term)")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def running_score_plot(ranked: pd.Series, members: list[str], title: str) -> Figure:
    """A term's GSEA running sum along the ranking, its members as ticks below."""
    positions = np.flatnonzero(ranked.index.isin(members))
    curve = running_sum(ranked.to_numpy(np.float64), positions)
    fig = Figure(figsize=(8, 4), dpi=100)
    top, ticks = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1]})
    top.plot(curve, color="#1f77b4")
    top.axhline(0, color="grey", linewidth=0.6)
    top.set(ylabel="running enrichment score", title=title[:90])
    ticks.vlines(positions, 0, 1, color="black", linewidth=0.5)
    ticks.set(yticks=[], xlabel=f"rank in the list ({len(ranked):,} genes, highest statistic first)")
    fig.tight_layout()
    return fig
