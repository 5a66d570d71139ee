"""How meaningful `similar_genes`' neighbours are: on well-annotated protein-coding genes, the share of the 10
neighbours that share a specific GO BP term (<= 100 genes, GO_BP of Bioconductor 3.16) with the query, for the
model's neighbours (as `tools.similar_genes` ranks them) and for co-occurrence neighbours (Jaccard over the
model's training sets), on a seeded sample of genes.

    python scripts/bench_neighbours.py [--genes 300] [--seed 0] [--model DIR] [--index DIR]
"""
from __future__ import annotations

import argparse
import json

import numpy as np

SPECIFIC = 100  # a GO BP term of at most this many genes is specific
MIN_TERMS = 10  # a query gene is well annotated with at least this many specific terms
K = 10


def specific_terms() -> dict[str, set[int]]:
    """Gene -> the specific GO BP terms (row numbers) it is in."""
    from gsfm_model.data.matrices import library_matrix

    lm = library_matrix("GO_BP")
    keep = np.flatnonzero(lm.sizes <= SPECIFIC)
    sub = lm.by_gene[keep].tocsc()
    return {g: set(keep[sub.indices[sub.indptr[j]:sub.indptr[j + 1]]].tolist()) for j, g in enumerate(lm.genes)}


def share(query: str, neighbours: list[str], terms: dict[str, set[int]]) -> float:
    """Share of `neighbours` that share a specific GO BP term with `query`."""
    mine = terms.get(query, set())
    return float(np.mean([bool(mine & terms.get(g, set())) for g in neighbours])) if neighbours else 0.0


def cooccurrence_neighbours(queries: list[str], allowed: set[str], recipe: str) -> dict[str, list[str]]:
    """The K genes with the highest Jaccard co-occurrence with each query over the recipe's training sets."""
    from gsfm_model.data.corpus import build_corpus

    corpus = build_corpus(recipe)
    x = corpus.matrix.tocsc()
    pos = {g: i for i, g in enumerate(corpus.genes)}
    counts = np.asarray(x.sum(0)).ravel()
    ok = np.array([g in allowed for g in corpus.genes])
    out = {}
    for q in queries:
        both = np.asarray((x[:, pos[q]].T @ x).todense()).ravel()
        jaccard = np.where(ok, both / np.maximum(counts[pos[q]] + counts - both, 1), -1.0)
        jaccard[pos[q]] = -1.0
        out[q] = [corpus.genes[i] for i in np.argsort(-jaccard, kind="stable")[:K]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=300, help="query genes sampled (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    parser.add_argument("--index", help="index folder (default: the model's)")
    parser.add_argument("--support-prior", type=float, nargs="*", default=[],
                        help="also rank the model's neighbours with these SUPPORT_PRIOR values")
    args = parser.parse_args()

    from pathlib import Path

    from assistant import tools
    from assistant.tools import genes as gene_tools
    from assistant.tools.state import protein_coding

    tools.configure(args.model, args.index)
    ctx = tools.context()
    terms = specific_terms()
    coding = protein_coding()
    pool = sorted(g for g, t in terms.items() if len(t) >= MIN_TERMS and g in ctx.vocab_pos and g in coding)
    queries = sorted(np.random.default_rng(args.seed).choice(pool, size=min(args.genes, len(pool)), replace=False))
    model = {q: tools.similar_genes(q, k=K).gene.tolist() for q in queries}
    variants = {}
    for prior in args.support_prior:
        default, gene_tools.SUPPORT_PRIOR = gene_tools.SUPPORT_PRIOR, prior
        ranked = {q: tools.similar_genes(q, k=K).gene.tolist() for q in queries}
        gene_tools.SUPPORT_PRIOR = default
        variants[f"model, support prior {prior:g}"] = round(np.mean([share(q, ranked[q], terms) for q in queries]), 3)
    recipe = json.loads((Path(ctx.model_dir) / "config.json").read_text())["corpus"]["recipe"]["name"]
    cooc = cooccurrence_neighbours(queries, coding & set(ctx.vocab_pos), recipe)
    result = {"query_genes": len(queries), "pool": len(pool), "model": round(np.mean(
        [share(q, model[q], terms) for q in queries]), 3), "co-occurrence": round(np.mean(
            [share(q, cooc[q], terms) for q in queries]), 3), **variants, "recipe": recipe,
        "support_prior": gene_tools.SUPPORT_PRIOR}
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
