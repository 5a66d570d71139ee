"""`gsfm` twins of the tools (`gsfm predict-functions TP53 --json`, ...): parse, call, print. No logic here."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from assistant.tools.inputs import read_gene_file
from assistant.tools.views import display_frame
from gsfm_model.cli import print_frame
from gsfm_model.data.genes import split_gene_text
from gsfm_model.errors import InputError


def _genes(args: argparse.Namespace) -> list[str]:
    """Genes from the positional arguments and/or --file (a list, or a CSV/TSV's gene column; '-' = stdin)."""
    genes = list(args.genes or [])
    if args.file == "-":
        genes += split_gene_text(sys.stdin.read())
    elif args.file:
        found, note = read_gene_file(args.file, any_type=True)
        if note != Path(args.file).name:
            print(f"note: {note}", file=sys.stderr)
        genes += found
    return genes


def _print(result: object, as_json: bool) -> None:
    """Each DataFrame of a result as a table (the person's view: labels, rounded numbers) or as JSON records."""
    frames = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)} \
        if dataclasses.is_dataclass(result) else {"": result}
    for name, value in frames.items():
        if isinstance(value, pd.DataFrame):
            if name and not as_json:
                print(f"\n== {name} ==")
            print_frame(value if as_json else display_frame(value), as_json)
    first = next((v for v in frames.values() if isinstance(v, pd.DataFrame)), None)
    note = getattr(result, "note", None) or (first.attrs.get("note") if first is not None else "")
    if note:
        print(f"note: {note}", file=sys.stderr)


def _runner(call: Callable[[argparse.Namespace], object]) -> Callable[[argparse.Namespace], None]:
    return lambda args: _print(call(args), args.json)


def register(subparsers: argparse._SubParsersAction) -> None:
    from assistant import tools

    def add(name: str, help_: str, call: Callable, gene: str | None = None) -> argparse.ArgumentParser:
        p = subparsers.add_parser(name, help=help_)
        if gene == "one":
            p.add_argument("gene", help="gene symbol or alias")
        elif gene == "list":
            p.add_argument("genes", nargs="*", help="gene symbols (or use --file)")
            p.add_argument("--file", help="file with gene symbols ('-' for stdin)")
        p.add_argument("--json", action="store_true", help="print JSON records instead of a table")
        p.set_defaults(func=_runner(call))
        return p

    add("gene-info", "facts and known annotations of one gene", lambda a: tools.gene_info(a.gene), "one")
    p = add("predict-functions", "predicted functions of one gene (score, z, known/novel, term AUROC)",
            lambda a: tools.predict_functions(a.gene, a.libraries, a.top, a.novel_only), "one")
    p.add_argument("--libraries", nargs="+", help="only these libraries")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--novel-only", action="store_true", help="only terms the gene is not annotated to")
    p = add("similar-genes", "nearest genes in the model's embedding (protein-coding unless --all-types)",
            lambda a: tools.similar_genes(a.gene, a.k, protein_coding_only=not a.all_types), "one")
    p.add_argument("-k", type=int, default=20)
    p.add_argument("--all-types", action="store_true", help="also pseudogenes, ncRNAs and other non-coding genes")
    p = add("complete-gene-set", "the gene set augmented by the model",
            lambda a: tools.complete_gene_set(_genes(a), a.top), "list")
    p.add_argument("--top", type=int, default=50)
    for name, fn, help_ in (("enrich", tools.enrich, "Fisher enrichment against the libraries"),
                            ("gsfm-enrich", tools.gsfm_enrich, "enrichment of the GSFM-augmented set beside plain")):
        p = add(name, help_, lambda a, fn=fn: _rows(fn(_genes(a), a.libraries, _background(a)), a.top), "list")
        p.add_argument("--libraries", nargs="+", help="only these libraries (default: all but gene2pubmed)")
        p.add_argument("--background", help="file of background genes (default: each library's genes)")
        p.add_argument("--top", type=int, default=30, help="rows to print")
    _register_experiment(add, tools)
    p = add("search-terms", "gene sets matching free text", lambda a: tools.search_terms(" ".join(a.text), a.k))
    p.add_argument("text", nargs="+")
    p.add_argument("-k", type=int, default=10)
    p = add("search-genes", "genes whose names match free text", lambda a: tools.search_genes(" ".join(a.text), a.k))
    p.add_argument("text", nargs="+")
    p.add_argument("-k", type=int, default=10)
    p = add("similar-terms", "terms nearest to a gene set in the model's embedding",
            lambda a: tools.similar_terms(_genes(a), a.k), "list")
    p.add_argument("-k", type=int, default=10)
    p = add("hypotheses", "testable hypotheses with evidence and experiments",
            lambda a: tools.hypotheses(_genes(a), a.k), "list")
    p.add_argument("-k", type=int, default=5)


def _register_experiment(add: Callable, tools) -> None:
    """`gsfm gsea` and `gsfm enrich-table`: a ranked list or an expression table."""
    p = add("gsea", "preranked GSEA of a ranked list (gene and statistic columns) or an expression table",
            lambda a: _rows(tools.gsea(a.file, a.libraries, a.min_size, a.max_size, a.permutations, a.seed), a.top))
    p.add_argument("file", help="TSV/CSV: gene and statistic, or a DESeq2/edgeR/limma/Seurat/scanpy table")
    p.add_argument("--libraries", nargs="+", help="only these libraries")
    p.add_argument("--min-size", type=int, default=5)
    p.add_argument("--max-size", type=int, default=500)
    p.add_argument("--permutations", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--top", type=int, default=30, help="rows to print")
    p = add("enrich-table", "enrichment of an expression table's up/down genes against the table's genes",
            lambda a: _rows(tools.enrich_table(a.file, a.direction, a.libraries, a.padj, a.min_lfc), a.top))
    p.add_argument("file", help="a DESeq2/edgeR/limma/Seurat/scanpy table (CSV/TSV)")
    p.add_argument("--direction", choices=["up", "down", "all"], default="up")
    p.add_argument("--libraries", nargs="+", help="only these libraries")
    p.add_argument("--padj", type=float, default=0.05, help="adjusted p cut-off (default 0.05)")
    p.add_argument("--min-lfc", type=float, default=1.0, help="|log2 fold change| cut-off (default 1)")
    p.add_argument("--top", type=int, default=30, help="rows to print")


def _rows(df: pd.DataFrame, top: int) -> pd.DataFrame:
    """The first `top` rows to print (top >= 1)."""
    if top < 1:
        raise InputError(f"--top must be 1 or more (got {top}).")
    return df.head(top)


def _background(args: argparse.Namespace) -> list[str] | None:
    return read_gene_file(args.background, any_type=True)[0] if args.background else None
