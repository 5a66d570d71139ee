"""How meaningful `similar_genes`' neighbours are: on well-annotated protein-coding genes, the share of the 10
neighbours that share a specific GO BP term (<= 100 genes, GO_BP of Bioconductor 3.16) with the query, for the
model's neighbours (as `tools.similar_genes` ranks them) and for co-occurrence neighbours (Jaccard over the
model's training sets), on a seeded sample of genes.

    python scripts/bench_neighbours.py [--genes 300] [--seed 0] [--model DIR] [--index DIR]
    python scripts/bench_neighbours.py --timesplit

--timesplit: on the 2020 -> 2022 split's rarely annotated genes (gsfm_model.timesplit_data), the share of each
gene's 10 neighbours (by the 2020 model, ranked as `similar_genes` ranks them; and by co-occurrence over the 2020
corpus) that are already, in 2020, in a GO BP term the gene joins by 2022.
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


def shrunk_top(sims: np.ndarray, support: np.ndarray, allowed: np.ndarray, own: int, prior: float) -> np.ndarray:
    """The K best columns by similarity x n / (n + prior) (as `similar_genes` ranks), among `allowed`, not `own`."""
    rank = np.where(sims > 0, sims * support / np.maximum(support + prior, 1e-12), sims)
    rank = np.where(allowed, rank, -np.inf)
    rank[own] = -np.inf
    return np.argsort(-rank, kind="stable")[:K]


def timesplit_shares() -> dict:
    """Share of neighbours already in a term the gene joins by 2022, for the 2020 model and co-occurrence."""
    from assistant.tools.genes import SUPPORT_PRIOR
    from assistant.tools.state import protein_coding
    from gsfm_model.data.corpus import build_corpus
    from gsfm_model.timesplit import RECIPE, load_model
    from gsfm_model.timesplit_data import load_split, membership

    model, _ = load_model(train_missing=False)
    genes = list(model.genes)
    data = load_split(genes)
    corpus = build_corpus(RECIPE)
    x = corpus.matrix.tocsc()[:, [corpus.genes.index(g) for g in genes]] if list(corpus.genes) != genes else \
        corpus.matrix.tocsc()
    counts = np.asarray(x.sum(0)).ravel().astype(np.float64)
    coding = protein_coding()
    allowed = np.array([g in coding for g in genes])
    old = membership([set(s) for s in data.inputs], genes)  # [terms, genes], 2020 members
    queries = list(data.genes.gene)
    pred = model.predict([[q] for q in queries])
    out = {"model": [], "co-occurrence": []}
    for j, q in enumerate(queries):
        col = model.column[q]
        joined = old[data.hits[:, j]]  # the 2020 members of the terms q joins by 2022
        both = np.asarray((x[:, col].T @ x).todense()).ravel()
        jaccard = both / np.maximum(counts[col] + counts - both, 1)
        for name, top in (("model", shrunk_top(pred[j], counts, allowed, col, SUPPORT_PRIOR)),
                          ("co-occurrence", shrunk_top(jaccard, np.ones_like(counts), allowed, col, 0.0))):
            out[name].append(float(joined[:, top].any(0).mean()))
    return {"query_genes": len(queries), **{k: round(float(np.mean(v)), 3) for k, v in out.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--genes", type=int, default=300, help="query genes sampled (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    parser.add_argument("--index", help="index folder (default: the model's)")
    parser.add_argument("--support-prior", type=float, nargs="*", default=[],
                        help="also rank the model's neighbours with these SUPPORT_PRIOR values")
    parser.add_argument("--timesplit", action="store_true", help="instead: the 2020 -> 2022 split's genes")
    args = parser.parse_args()
    if args.timesplit:
        print(json.dumps(timesplit_shares(), indent=1))
        return

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
