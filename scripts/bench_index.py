"""FAISS at scale: build time, query latency, recall@10 against exact search, memory per vector.

    python scripts/bench_index.py                      # 1M clustered synthetic vectors, d=256 (the model's width)
    python scripts/bench_index.py --n 100000 --methods flat ivf

The vectors have a low intrinsic dimension (32 latent factors mapped to d dimensions, plus 20% noise), like
learned embeddings, and no cluster gaps, so approximate indexes cannot get recall for free (well separated
Gaussian clusters give recall 1.0 at any setting). Queries are fresh draws from the same distribution.
"""
from __future__ import annotations

import argparse
import time

import faiss
import numpy as np


def synthetic(n: int, dim: int, rank: int, seed: int, noise: float) -> np.ndarray:
    """n unit vectors x = z·A + noise with z ~ N(0, I_rank): low intrinsic dimension and no cluster gaps, like
    learned embeddings. A is fixed (seed 12345); `seed` picks the draws."""
    basis = np.random.default_rng(12345).normal(size=(rank, dim)).astype(np.float32) / np.sqrt(rank)
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(start + 100_000, n)
        out[start:stop] = rng.normal(size=(stop - start, rank)).astype(np.float32) @ basis
        out[start:stop] += noise * rng.normal(size=(stop - start, dim)).astype(np.float32) / np.sqrt(dim)
    faiss.normalize_L2(out)
    return out


def build(method: str, x: np.ndarray) -> faiss.Index:
    dim, nlist = x.shape[1], int(4 * np.sqrt(len(x)))
    if method == "flat":
        index = faiss.IndexFlatIP(dim)
    elif method == "hnsw":
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
    else:
        spec = f"IVF{nlist},Flat" if method == "ivf" else f"IVF{nlist},PQ{dim // 8}"
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        sample = x[np.random.default_rng(0).choice(len(x), min(len(x), 32 * nlist), replace=False)]
        index.train(sample)
    for start in range(0, len(x), 200_000):
        index.add(x[start:start + 200_000])
    return index


def settings(method: str) -> list[tuple[str, object]]:
    """(label, search parameters) to sweep per method."""
    if method == "hnsw":
        return [(f"efSearch={e}", faiss.SearchParametersHNSW(efSearch=e)) for e in (32, 64, 128)]
    if method in ("ivf", "ivfpq"):
        return [(f"nprobe={p}", faiss.SearchParametersIVF(nprobe=p)) for p in (8, 32, 128)]
    return [("exact", None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=256)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rank", type=int, default=32, help="latent dimensions of the synthetic vectors")
    parser.add_argument("--noise", type=float, default=0.2, help="isotropic noise (relative norm)")
    parser.add_argument("--methods", nargs="+", default=["flat", "ivf", "ivfpq", "hnsw"])
    args = parser.parse_args()
    faiss.omp_set_num_threads(args.threads)

    t = time.perf_counter()
    x = synthetic(args.n, args.dim, args.rank, seed=0, noise=args.noise)
    q = synthetic(args.queries, args.dim, args.rank, seed=1, noise=args.noise)
    print(f"{args.n:,} vectors, d={args.dim}, {args.queries} queries, {args.threads} threads "
          f"(data {time.perf_counter() - t:.1f} s)")
    exact = faiss.IndexFlatIP(args.dim)
    exact.add(x)
    _, truth = exact.search(q, 10)
    del exact

    print(f"{'index':<22}{'setting':<14}{'build s':>9}{'MB':>9}{'B/vec':>8}{'ms/query':>10}{'batch q/s':>11}"
          f"{'recall@10':>11}")
    for method in args.methods:
        t = time.perf_counter()
        index = build(method, x)
        build_s = time.perf_counter() - t
        size = len(faiss.serialize_index(index))
        for label, params in settings(method):
            kw = {"params": params} if params is not None else {}
            single = []
            for i in range(min(50, len(q))):  # one query at a time: what an interactive tool call sees
                t = time.perf_counter()
                index.search(q[i:i + 1], 10, **kw)
                single.append(time.perf_counter() - t)
            t = time.perf_counter()
            _, found = index.search(q, 10, **kw)
            batch = len(q) / (time.perf_counter() - t)
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth)])
            name = {"flat": "IndexFlatIP", "ivf": f"IVF{int(4 * np.sqrt(args.n))},Flat",
                    "ivfpq": f"IVF{int(4 * np.sqrt(args.n))},PQ{args.dim // 8}", "hnsw": "HNSW32,Flat"}[method]
            print(f"{name:<22}{label:<14}{build_s:>9.1f}{size / 2**20:>9.0f}{size / args.n:>8.0f}"
                  f"{1000 * np.median(single):>10.2f}{batch:>11.0f}{recall:>11.3f}", flush=True)
        del index


if __name__ == "__main__":
    main()
