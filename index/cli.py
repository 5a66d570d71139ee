"""`gsfm index build|info`: thin wrappers over `index.build_index` and the manifest checks."""
from __future__ import annotations

import argparse
import json


def cmd_build(args: argparse.Namespace) -> None:
    from .build import build_index

    out = build_index(args.model, libraries=args.libraries, out=args.out, text_genes=not args.no_gene_text,
                      embed_text=not args.no_text_embeddings)
    manifest = json.loads((out / "manifest.json").read_text())
    counts = manifest["counts"]
    print(f"index for model {manifest['model']['name']} -> {out}: {counts['genes']:,} genes, "
          f"{counts['terms']:,} terms from {len(manifest['libraries'])} libraries, "
          f"{counts['text_rows']:,} text rows ({manifest['build_seconds']} s)")


def cmd_info(args: argparse.Namespace) -> None:
    from gsfm_model.data.paths import model_folder
    from gsfm_model.errors import DataError

    from .store import check_manifest, index_dir, read_manifest

    model_dir = args.model or model_folder()
    path = args.index or index_dir(model_dir)
    manifest = read_manifest(path)
    try:
        check_manifest(manifest, model_dir)
        status = "up to date"
    except DataError as exc:
        status = f"STALE: {exc}"
    if args.json:
        print(json.dumps({**manifest, "path": str(path), "status": status}, indent=1))
        return
    print(f"index: {path}\nstatus: {status}\nmodel: {manifest['model']['name']} "
          f"(sha256 {manifest['model']['sha256'][:12]}…)\nbuilt: {manifest['built_at']} "
          f"in {manifest['build_seconds']} s\ncounts: {manifest['counts']}\nlibraries:")
    for name, info in manifest["libraries"].items():
        print(f"  {name}: {info['terms_indexed']:,} terms ({info['category']})")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("index", help="build or inspect the FAISS indexes and term activations of a model")
    sub = p.add_subparsers(dest="index_cmd", required=True)
    b = sub.add_parser("build", help="encode genes and terms with the model and write the indexes")
    b.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    b.add_argument("--libraries", nargs="+", help="libraries to index (default: all cached but gene2pubmed)")
    b.add_argument("--out", help="index folder (default: $GSFM_HOME/indexes/<model folder name>)")
    b.add_argument("--no-gene-text", action="store_true", help="leave gene names out of the text index (faster)")
    b.add_argument("--no-text-embeddings", action="store_true",
                   help="text search by words instead of sentence embeddings (saves ~12 minutes on 2 cores)")
    b.set_defaults(func=cmd_build)
    i = sub.add_parser("info", help="show the index manifest and whether it matches the model and libraries")
    i.add_argument("--model", help="model folder (default: $GSFM_HOME/models/default)")
    i.add_argument("--index", help="index folder (default: $GSFM_HOME/indexes/<model folder name>)")
    i.add_argument("--json", action="store_true", help="print the manifest as JSON")
    i.set_defaults(func=cmd_info)
