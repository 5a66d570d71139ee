"""How often `tools.enrich` calls a random gene list enriched: seeded random lists of protein-coding genes in the
model (sizes drawn from 8..40), with the share that get any term at FDR <= 0.05, for the FDR `enrich` reports (one
Benjamini-Hochberg correction over all the libraries searched) and for a per-library correction (Enrichr's).

    python scripts/bench_random_lists.py [--lists 100] [--seed 0]
"""
from __future__ import annotations

import argparse

import numpy as np

from gsfm_model.data.kinds import library_kind


def random_list(pool: list[str], rng: np.random.Generator) -> list[str]:
    """One random list of 8..40 genes from `pool`."""
    return list(rng.choice(pool, int(rng.integers(8, 41)), replace=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lists", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    from assistant import tools
    from assistant.tools.ora import bh_fdr
    from assistant.tools.state import coding_genes

    pool = coding_genes()
    rng = np.random.default_rng(args.seed)
    pooled = per_library = 0
    kinds: dict[str, int] = {}
    for _ in range(args.lists):
        df = tools.enrich(random_list(pool, rng), min_overlap=0)
        pooled += bool((df.fdr <= 0.05).any())
        own = np.concatenate([bh_fdr(g.p_value.to_numpy(float)) for _, g in df.groupby("library", sort=False)])
        libs = np.concatenate([g.library.to_numpy() for _, g in df.groupby("library", sort=False)])
        per_library += bool((own <= 0.05).any())
        for lib in set(libs[own <= 0.05]):
            kinds[library_kind(lib)] = kinds.get(library_kind(lib), 0) + 1
    print(f"{args.lists} random lists (seed {args.seed}) with a term at FDR <= 0.05: "
          f"{pooled} with one correction over all libraries (what enrich reports), {per_library} with per-library "
          f"corrections; per-library hits by kind: {kinds}")


if __name__ == "__main__":
    main()
