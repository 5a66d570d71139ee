"""Latency of the tools as a user sees them (after the one-off load): predict_functions, similar_genes, enrich.

    python scripts/bench_tools.py                                   # default model and its index
    python scripts/bench_tools.py --model DIR --index DIR           # another model folder / index folder
"""
from __future__ import annotations

import argparse
import time

import numpy as np


def timed(fn, *args, **kwargs) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the two differ a lot."""
    t, c = time.perf_counter(), time.process_time()
    fn(*args, **kwargs)
    return time.perf_counter() - t, time.process_time() - c


def summary(times: list[tuple[float, float]], unit: float = 1000) -> str:
    wall, cpu = unit * np.array(times).T
    return (f"wall p50 {np.percentile(wall, 50):.1f} / p95 {np.percentile(wall, 95):.1f} ms; "
            f"CPU p50 {np.percentile(cpu, 50):.1f} / p95 {np.percentile(cpu, 95):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    parser.add_argument("--index", help="index folder (default: the model's index in $GSFM_HOME/indexes)")
    parser.add_argument("--genes", type=int, default=100, help="genes to time predict_functions and similar_genes on")
    parser.add_argument("--list-size", type=int, default=500, help="genes in the enrichment list")
    parser.add_argument("--repeats", type=int, default=10, help="enrichment runs")
    args = parser.parse_args()

    from assistant import tools
    from gsfm_model.data.matrices import default_libraries

    tools.configure(args.model, args.index)
    t = time.perf_counter()
    ctx = tools.context()
    print(f"load model + index: {time.perf_counter() - t:.1f} s ({len(ctx.index.terms):,} terms, "
          f"{len(ctx.vocab_pos):,} genes, {len(ctx.index.manifest['libraries'])} libraries)")

    rng = np.random.default_rng(0)
    genes = rng.choice(sorted(ctx.vocab_pos), args.genes + 1, replace=False).tolist()
    tools.predict_functions(genes.pop())  # warm-up
    print(f"predict_functions, {len(genes)} genes: {summary([timed(tools.predict_functions, g) for g in genes])}")
    print(f"similar_genes (k 20), {len(genes)} genes: {summary([timed(tools.similar_genes, g) for g in genes])}")

    libraries = default_libraries()
    t = time.perf_counter()
    tools.enrich(genes[:5], libraries=libraries)  # first call builds the library matrices
    print(f"enrich first call (loads {len(libraries)} library matrices): {time.perf_counter() - t:.1f} s")
    with open("/proc/loadavg") as fh:
        print(f"machine load average (1 min): {fh.read().split()[0]}")
    universe = sorted(ctx.vocab_pos)
    lists = [rng.choice(universe, args.list_size, replace=False).tolist() for _ in range(args.repeats)]
    times = [timed(tools.enrich, g, libraries=libraries) for g in lists]
    n_rows = len(tools.enrich(lists[0], libraries=libraries))
    print(f"enrich, {args.list_size}-gene list vs {len(libraries)} libraries ({n_rows:,} terms with overlap), "
          f"{args.repeats} lists: {summary(times)}")


if __name__ == "__main__":
    main()
