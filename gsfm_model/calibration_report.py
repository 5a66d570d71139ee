"""The calibration section of docs/benchmarks.md and its reliability diagram (an SVG written by hand)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .benchmark_report import machine
from .calibration import MIN_PAIRS, QUANTILES, TOLERANCE, worst_gap
from .calibration_data import HIDE, HOLD_OUT, CalibrationResult

CALIBRATION_START = "<!-- calibration:start -->"
CALIBRATION_END = "<!-- calibration:end -->"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf",
           "#bcbd22")


def _fmt(x: float) -> str:
    return "-inf" if x == float("-inf") else "inf" if x == float("inf") else f"{x:.1f}"


def render_calibration(result: CalibrationResult, command: str, svg: str) -> str:
    """The section: how the pairs were made, and per kind the reliability table on half B."""
    lines = [CALIBRATION_START, "## Calibrated confidence of predicted functions", "",
             f"Command: `{command}` (it needs the 2020 model of the time split above). It writes the shipped table "
             "`gsfm_model/calibration.json`, this section and the diagram.", "",
             "Each gene ranks the terms it is not yet known in by the shipped ranker (z + 2 x neighbour vote, "
             "standardised within the library) over the library's terms of 5..500 genes. Gene Ontology and protein "
             "domains: the time split's rarely annotated genes rank the 2020 terms of GO BP / MF / CC, Pfam and "
             "PROSITE; a hit is a term the gene joins by 2022. Other kinds: held-out annotations: "
             f"a seeded {HIDE:.0%} of each term's members of {', '.join(HOLD_OUT)} (libraries the 2020 model never "
             "learned from) is hidden, the model reads the rest, a hit is a hidden membership. TF targets (only an "
             "evaluation library has them) and other kinds read the pooled table. Bins: score quantiles "
             f"{', '.join(f'{q:g}' for q in QUANTILES)} of half A, keeping >= {MIN_PAIRS} pairs per bin; rates made "
             "non-decreasing. Fitted on half A of each split's genes (seed 0); the tables below are half B, which "
             "the fit never saw.", "",
             f"![reliability diagram]({svg})", "", "| kind | worst gap | pairs | hits | source |",
             "|---|---|---|---|---|"]
    rel = result.reliability
    for kind, t in rel.groupby("kind", sort=False):
        lines.append(f"| {kind} | {worst_gap(t):.3f} | {int(t.pairs.sum()):,} | {int(t.hits.sum()):,} | "
                     f"{t.source.iat[0]} |")
    for kind, t in rel.groupby("kind", sort=False):
        lines += ["", f"**{kind}** (half B)", "", "| score bin | predicted | observed | pairs | hits |",
                  "|---|---|---|---|---|"]
        lines += [f"| {_fmt(r.low)} .. {_fmt(r.high)} | {r.predicted:.4f} | {r.observed:.4f} | {r.pairs:,} | "
                  f"{r.hits:,} |" for r in t.itertuples()]
    lines += ["", f"Machine: {machine()}. Wall time {result.seconds / 60:.1f} min.", CALIBRATION_END]
    return "\n".join(lines) + "\n"


def reliability_svg(reliability: pd.DataFrame, top: float = 0.5, size: int = 420) -> str:
    """Predicted (x) against observed (y) per bin and kind, with the diagonal and the +-TOLERANCE band."""
    pad, span = 50, size - 70

    def xy(px: float, py: float) -> tuple[float, float]:
        return pad + min(px, top) / top * span, size - pad - min(py, top) / top * span

    (x0, y0), (x1, y1) = xy(0, 0), xy(top, top)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 220}" height="{size}" font-family="sans-serif" '
             f'font-size="11">', f'<rect width="{size + 220}" height="{size}" fill="white"/>',
             f'<polygon points="{x0},{xy(0, TOLERANCE)[1]} {xy(top - TOLERANCE, top)[0]},{y1} {x1},{y1} '
             f'{x1},{xy(top, top - TOLERANCE)[1]} {xy(TOLERANCE, 0)[0]},{y0} {x0},{y0}" fill="#eeeeee"/>',
             f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="#999" stroke-dasharray="4"/>',
             f'<rect x="{x0}" y="{y1}" width="{span}" height="{span}" fill="none" stroke="black"/>',
             f'<text x="{pad + span / 2}" y="{size - 15}" text-anchor="middle">predicted confidence</text>',
             f'<text x="14" y="{size / 2}" transform="rotate(-90 14 {size / 2})" text-anchor="middle">observed rate '
             f'(half B)</text>']
    for tick in (0, 0.1, 0.2, 0.3, 0.4, 0.5):
        tx, ty = xy(tick, tick)
        parts += [f'<text x="{tx}" y="{y0 + 14}" text-anchor="middle">{tick:g}</text>',
                  f'<text x="{x0 - 6}" y="{ty + 4}" text-anchor="end">{tick:g}</text>']
    for i, (kind, t) in enumerate(reliability.groupby("kind", sort=False)):
        colour = COLOURS[i % len(COLOURS)]
        points = " ".join("{:.1f},{:.1f}".format(*xy(p, o)) for p, o in zip(t.predicted, t.observed))
        parts += [f'<polyline points="{points}" fill="none" stroke="{colour}"/>']
        parts += ['<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>'.format(*xy(p, o), colour)
                  for p, o in zip(t.predicted, t.observed)]
        parts += [f'<text x="{size - 10}" y="{30 + 16 * i}" fill="{colour}">{kind}</text>']
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_svg(text: str, path: Path) -> None:
    from .data.fileio import atomic_write

    with atomic_write(path) as tmp:
        tmp.write_text(text)
