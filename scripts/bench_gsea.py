"""Speed of preranked GSEA (`tools.gsea`): a seeded 20,000-gene ranking against every default library.

    python scripts/bench_gsea.py [--genes 20000] [--permutations 1000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=20_000)
    parser.add_argument("--permutations", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    from assistant import tools
    from gsfm_model.data.genes import load_gene_table
    from gsfm_model.data.matrices import default_libraries, library_matrix

    libraries = default_libraries()
    t = time.perf_counter()
    for name in libraries:
        library_matrix(name)
    print(f"load {len(libraries)} library matrices: {time.perf_counter() - t:.1f} s")
    table = load_gene_table()
    coding = sorted(table.symbol[table.gene_type == "protein-coding"])
    rng = np.random.default_rng(0)
    genes = list(rng.choice(coding, min(args.genes, len(coding)), replace=False))
    ranked = pd.Series(rng.normal(size=len(genes)), index=genes)
    times, n_terms = [], 0
    for _ in range(args.repeats):
        t = time.perf_counter()
        df = tools.gsea(ranked, permutations=args.permutations)
        times.append(time.perf_counter() - t)
        n_terms = len(df)
    with open("/proc/loadavg") as fh:
        load = fh.read().split()[0]
    print(f"gsea, {len(genes):,} ranked genes x {n_terms:,} terms ({len(libraries)} libraries), "
          f"{args.permutations} permutations: median {np.median(times):.1f} s over {args.repeats} runs "
          f"(min {min(times):.1f}, max {max(times):.1f}); load average {load}")


if __name__ == "__main__":
    main()
