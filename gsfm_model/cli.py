"""`gsfm` subcommands of the model layer: data, train, complete, benchmark. Thin wrappers over the library."""
from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from .train_options import add_train_arguments


def print_frame(df: pd.DataFrame, as_json: bool = False, max_colwidth: int = 60) -> None:
    """Print a DataFrame as a plain table, or as JSON records with --json."""
    if as_json:
        print(df.to_json(orient="records", indent=1, force_ascii=False))
        return
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", max_colwidth):
        print(df.to_string(index=False) if len(df) else "(no rows)")


def add_json_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print JSON records instead of a table")


# ---- gsfm data ----------------------------------------------------------------------------------------------
def cmd_data_build(args: argparse.Namespace) -> None:
    from .data.loaders import build_all

    built = build_all(force=args.force, only=args.only)
    print(f"built {len(built)} libraries: {', '.join(built)}" if built else "all libraries already built")


def cmd_data_list(args: argparse.Namespace) -> None:
    from .data.libraries import list_libraries

    df = list_libraries()
    if not args.json:
        from .data.genes import GENES_PROVENANCE, load_gene_table

        genes = load_gene_table()
        pc = int((genes.gene_type == "protein-coding").sum())
        print(f"genes: {len(genes):,} ({pc:,} protein-coding) from {GENES_PROVENANCE['source']} "
              f"{GENES_PROVENANCE['version']} ({GENES_PROVENANCE['date']}, {GENES_PROVENANCE['licence']})\n")
    print_frame(df.drop(columns=["source"]) if not args.json else df, args.json, max_colwidth=40)


def cmd_data_show(args: argparse.Namespace) -> None:
    from .data.libraries import find_term, load_library

    lib = load_library(args.library)
    row = find_term(lib, args.term)
    out = {"library": lib.name, "term": row.term, "description": row.description,
           "n_genes": len(row.genes), "genes": list(row.genes)}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{row.term}  [{lib.name}, {len(row.genes)} genes]")
        if row.description:
            print(row.description)
        print(" ".join(row.genes))


def cmd_data_add(args: argparse.Namespace) -> None:
    from .data.gmt import enrichr_library, library_from_gmt, library_from_url
    from .data.libraries import save_library

    src = args.source
    if args.enrichr:
        lib = enrichr_library(src)
    elif src.startswith(("http://", "https://")):
        lib = library_from_url(src, args.name)
    else:
        lib = library_from_gmt(src, args.name)
    if args.name:
        lib.name = args.name
    path = save_library(lib)
    print(f"added {lib.name}: {len(lib.terms)} terms, {len(lib.genes())} genes "
          f"({lib.stats.get('unmapped_symbols', 0)} unmapped symbols) -> {path}")


# ---- gsfm benchmark -----------------------------------------------------------------------------------------
def cmd_timesplit(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .benchmark_report import TIMESPLIT_END, TIMESPLIT_START, render_timesplit, write_report
    from .data.fileio import atomic_write
    from .data.paths import cache_dir
    from .timesplit import run_timesplit

    result = run_timesplit()
    print_frame(result.genes.round(3), args.json)
    print_frame(result.terms.round(4), args.json)
    tsv = cache_dir("benchmarks") / "timesplit_2020_genes.tsv"
    with atomic_write(tsv) as tmp:
        result.per_gene.to_csv(tmp, sep="\t", index=False)
    print(f"per-gene results: {tsv}")
    if args.out:
        write_report(render_timesplit(result, "gsfm benchmark --timesplit"), Path(args.out),
                     TIMESPLIT_START, TIMESPLIT_END)
        print(f"wrote {args.out}")


def cmd_calibrate(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .benchmark_report import write_report
    from .calibration_data import run_calibration
    from .calibration_report import CALIBRATION_END, CALIBRATION_START, reliability_svg, render_calibration, write_svg

    result = run_calibration()
    print_frame(result.reliability.drop(columns="source").round(4), args.json)
    print(f"calibration table: {result.calibration.save()}")
    if args.out:
        out = Path(args.out)
        svg = out.with_name("reliability.svg")
        write_svg(reliability_svg(result.reliability), svg)
        write_report(render_calibration(result, "gsfm benchmark --calibrate", svg.name), out,
                     CALIBRATION_START, CALIBRATION_END)
        print(f"wrote {args.out} and {svg}")


def cmd_benchmark(args: argparse.Namespace) -> None:
    from pathlib import Path

    from .benchmark import run_benchmark
    from .benchmark_report import render_report, write_report

    if args.timesplit:
        return cmd_timesplit(args)
    if args.calibrate:
        return cmd_calibrate(args)
    command = "gsfm benchmark" + (f" --variants {' '.join(args.variants)}" if args.variants else "") + (
        f" --max-terms {args.max_terms}" if args.max_terms else "") + (f" --seed {args.seed}" if args.seed else "") + (
        " --ablate" if args.ablate else "")
    result = run_benchmark(args.variants, max_terms=args.max_terms, seed=args.seed, ablate=args.ablate)
    print_frame(result.scores.round(3), args.json)
    if args.out:
        write_report(render_report(result, command), Path(args.out))
        print(f"wrote {args.out}")


# ---- gsfm train, gsfm complete -------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> None:
    from .train import run

    run(args)


def cmd_complete(args: argparse.Namespace) -> None:
    from .data.genes import split_gene_text
    from .inference import load, unknown_message

    genes = list(args.genes)
    if args.file:
        with open(args.file, encoding="utf-8") as fh:
            genes += split_gene_text(fh.read())
    model = load(args.model)
    norm = model.normalize(genes)
    if norm.symbols and (norm.unknown or norm.ambiguous):
        print(f"warning: {unknown_message(norm)}", file=sys.stderr)
    print_frame(model.complete(genes, top=args.top).round({"score": 3}), args.json)


def register(sub: argparse._SubParsersAction) -> None:
    """Add this layer's subcommands to the `gsfm` parser."""
    data = sub.add_parser("data", help="build, list and inspect gene-set libraries")
    dsub = data.add_subparsers(dest="data_cmd", required=True)
    p = dsub.add_parser("build", help="download sources and build every built-in library (the 2020 snapshot's "
                                      "only with --only)")
    p.add_argument("--force", action="store_true", help="rebuild even if cached (the gene table too)")
    p.add_argument("--only", nargs="+", metavar="LIB",
                   help="build only these libraries; the 2020 snapshot's (GO_BP_2020, GO_MF_2020, GO_CC_2020, "
                        "Pfam_2020, PROSITE_2020, gene2pubmed_2020) are built only when named here or by a recipe")
    p.set_defaults(func=cmd_data_build)
    p = dsub.add_parser("list", help="table of cached libraries")
    add_json_flag(p)
    p.set_defaults(func=cmd_data_list)
    p = dsub.add_parser("show", help="print one term of a library")
    p.add_argument("library")
    p.add_argument("term")
    add_json_flag(p)
    p.set_defaults(func=cmd_data_show)
    p = dsub.add_parser("add", help="add a GMT/Enrichr file (path or URL), or an Enrichr library by name")
    p.add_argument("source", help="file path, URL, or Enrichr library name with --enrichr")
    p.add_argument("--name", help="library name (default: from the file name)")
    p.add_argument("--enrichr", action="store_true", help="download SOURCE by name from Enrichr")
    p.set_defaults(func=cmd_data_add)

    p = sub.add_parser("train", help="train the gene-set model (default: 15 minutes -> $GSFM_HOME/models/default)")
    add_train_arguments(p)
    p.set_defaults(func=cmd_train)
    p = sub.add_parser("complete", help="genes the model predicts to belong with the given genes")
    p.add_argument("genes", nargs="*", metavar="GENE", help="gene symbols")
    p.add_argument("--file", help="file of gene symbols (separated by whitespace, commas or semicolons)")
    p.add_argument("--top", type=int, default=20, help="number of genes to list (default 20)")
    p.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    add_json_flag(p)
    p.set_defaults(func=cmd_complete)

    p = sub.add_parser("benchmark", help="gene-set completion benchmark: baselines and model variants side by side")
    p.add_argument("--variants", nargs="*", default=[], metavar="NAME",
                   help="model variants ($GSFM_HOME/models/NAME, trained if missing)")
    p.add_argument("--max-terms", type=int, default=None, metavar="N", help="score a seeded sample of N terms")
    p.add_argument("--seed", type=int, default=0, help="seed of the splits and term sample")
    p.add_argument("--out", default="docs/benchmarks.md", help="markdown report to update ('' to skip)")
    p.add_argument("--ablate", action="store_true",
                   help="also score each variant's item-item head alone and its autoencoder alone")
    p.add_argument("--timesplit", action="store_true",
                   help="instead: the 2020 -> 2022 time split (Bioconductor 3.12 -> 3.16 GO BP), its model trained "
                        "if missing")
    p.add_argument("--calibrate", action="store_true",
                   help="instead: fit the confidence of predicted functions on the time split and held-out "
                        "annotations (writes gsfm_model/calibration.json and a reliability diagram)")
    add_json_flag(p)
    p.set_defaults(func=cmd_benchmark)

