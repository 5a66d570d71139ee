"""Trained models as a library: `gsfm_model.load()` -> `GSFM` (predict, encode, normalize, complete).

A model folder (Hugging Face `save_pretrained` style) holds config.json, model.safetensors, vocab.txt (one gene
per line, the score columns in order) and, after training, train_log.jsonl and checkpoint/. Two layouts load:
this project's (config.json has "model_type": "gsfm-dae") and the reference GSFM's published folders
(maayanlab/gsfm-rummagene etc.: vocab.txt starts with <unk>, <pad>; the input layer is an nn.Linear). Nothing is
ever unpickled: weights are safetensors, everything else JSON or text.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from .data.fileio import atomic_dir, unreadable
from .data.genes import NormalizedGenes, default_mapper, load_gene_table
from .data.paths import model_folder
from .errors import DataError, InputError
from .model import GeneSetDAE, GSFMConfig, Sets

MODEL_TYPE = "gsfm-dae"
REFERENCE_SPECIALS = ["<unk>", "<pad>"]  # entries 0 and 1 of a reference vocab.txt; never fed, never scored
MODEL_FILES = ("config.json", "model.safetensors", "vocab.txt")


# ---- model folders ------------------------------------------------------------------------------------------
def write_folder(folder: Path, model: GeneSetDAE, genes: Sequence[str], info: dict) -> None:
    """Write config.json (the model config plus `info`, e.g. corpus and training summary), model.safetensors and
    vocab.txt into an existing folder (callers wrap this in `atomic_dir`)."""
    if len(genes) != model.config.vocab_size:
        raise ValueError(f"{len(genes)} genes for a model with vocab_size {model.config.vocab_size}")
    config = {"model_type": MODEL_TYPE, **model.config.to_dict(), **info}
    (folder / "config.json").write_text(json.dumps(config, indent=1, sort_keys=True) + "\n")
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
              str(folder / "model.safetensors"))
    (folder / "vocab.txt").write_text("".join(f"{g}\n" for g in genes))


def _repair(folder: Path) -> str:
    return (f"Run `gsfm setup` to retrain the default model, or `gsfm train --out {folder}`."
            if folder == model_folder() else f"Re-train it (`gsfm train --out {folder}`) or copy it again.")


def read_config(folder: str | Path) -> dict:
    """A model folder's config.json (DataError naming the file and the fix when it is missing or damaged)."""
    folder = Path(folder).expanduser()
    try:
        return json.loads((folder / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise unreadable(folder / "config.json", exc, _repair(folder)) from exc


def read_folder(folder: str | Path) -> tuple[GeneSetDAE, list[str], dict]:
    """(model, genes, config.json) from a model folder of either layout; missing or unexpected weights fail."""
    folder = Path(folder).expanduser()
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise DataError(f"{folder} is not a model folder (missing {', '.join(missing)}). Train one with "
                        "`gsfm train --out DIR`, or pass the folder of a trained or published GSFM model.")
    fix = _repair(folder)
    config = read_config(folder)
    vocab = [line.strip() for line in (folder / "vocab.txt").read_text().splitlines() if line.strip()]
    try:
        weights = load_file(str(folder / "model.safetensors"))
    except (OSError, SafetensorError) as exc:
        raise unreadable(folder / "model.safetensors", exc, fix) from exc
    if config.get("model_type") == MODEL_TYPE:
        cfg, genes = GSFMConfig.from_dict(config), vocab
    elif vocab[:2] == REFERENCE_SPECIALS and {"d_model", "depth", "vocab_size"} <= set(config):
        cfg, weights, genes = convert_reference(config, vocab, weights)
        config = {"model_type": MODEL_TYPE, **cfg.to_dict(), "reference": config}
    else:
        raise DataError(f"{folder}/config.json is neither a gsfm-dae model nor a reference GSFM folder "
                        "(vocab.txt starting with <unk>, <pad>; config with vocab_size, d_model, depth).")
    if len(genes) != cfg.vocab_size:
        raise DataError(f"{folder}: vocab.txt has {len(genes)} genes but config.json says vocab_size "
                        f"{cfg.vocab_size}. The folder is inconsistent; re-save or re-train it.")
    model = GeneSetDAE(cfg)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise DataError(f"{folder}/model.safetensors does not match config.json: {exc}") from exc
    return model.eval(), genes, config


def convert_reference(config: dict, vocab: list[str], weights: dict[str, torch.Tensor]
                      ) -> tuple[GSFMConfig, dict[str, torch.Tensor], list[str]]:
    """A reference GSFM (MaayanLab/gsfm DAE) as a GeneSetDAE over official symbols.

    Keeps the vocab columns whose symbol maps to an official human symbol (first occurrence wins), which drops
    <unk> and <pad>: never feeding <pad> is the reference's zeroed pad column. The input Linear's weight
    [hidden, V] becomes SparseLinear's [V, hidden]; the output layer keeps the same rows.
    """
    if int(config["vocab_size"]) != len(vocab):
        raise DataError(f"Reference config says vocab_size {config['vocab_size']} but vocab.txt has "
                        f"{len(vocab)} entries.")
    mapper, seen, keep, genes = default_mapper(), set(), [], []
    for col, token in enumerate(vocab):
        symbol = None if token in REFERENCE_SPECIALS else mapper.lookup(token)
        if isinstance(symbol, str) and symbol not in seen:
            seen.add(symbol)
            keep.append(col)
            genes.append(symbol)
    cfg = GSFMConfig(vocab_size=len(genes), d_model=int(config["d_model"]), depth=int(config["depth"]),
                     dropout=float(config.get("dropout", 0.2)), mask_fraction=float(config.get("partition", 0)),
                     scored="hidden" if config.get("partition") else "all")
    weights = dict(weights)
    if config.get("weighted_loss") == "balance":
        weights.pop("bias", None)  # gene counts kept for the training loss, not part of the network
    idx, last = torch.tensor(keep), f"decoder.layers.{3 * (cfg.depth - 1)}"
    try:
        weights["encoder.layers.0.weight"] = weights["encoder.layers.0.weight"].T[idx].contiguous()
        weights[f"{last}.weight"] = weights[f"{last}.weight"][idx].contiguous()
        weights[f"{last}.bias"] = weights[f"{last}.bias"][idx].contiguous()
    except (KeyError, IndexError) as exc:
        raise DataError(f"Reference weights lack or misshape {exc}; expected encoder.layers.0.* and {last}.* "
                        f"for depth {cfg.depth} and {len(vocab)} vocab entries.") from exc
    return cfg, weights, genes


# ---- the inference API --------------------------------------------------------------------------------------
class GSFM:
    """A trained gene-set model.

    genes: the vocabulary (official symbols), in score-column order.
    config: the folder's config.json (model config, corpus recipe and versions, training summary).
    """

    def __init__(self, model: GeneSetDAE, genes: Sequence[str], config: dict | None = None,
                 path: Path | None = None, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.genes: list[str] = list(genes)
        self.config = config or {"model_type": MODEL_TYPE, **model.config.to_dict()}
        self.path = path
        self.column = {g: i for i, g in enumerate(self.genes)}

    @property
    def scores_are_logits(self) -> bool:
        """True for a pure DAE (predict gives logits); False when the item-item head scores (cosine scale)."""
        return self.model.item_item is None

    def __repr__(self) -> str:
        cfg = self.model.config
        return f"GSFM({len(self.genes)} genes, d_model={cfg.d_model}, depth={cfg.depth}, path={self.path})"

    def normalize(self, genes: Iterable[str]) -> NormalizedGenes:
        """Map symbols to the model's genes: `symbols` are in the vocabulary; `unknown` lists the inputs that
        are not gene symbols or whose gene is not in the vocabulary; `ambiguous` the unresolved aliases."""
        norm = default_mapper().normalize(genes)
        out_of_vocab = [raw for raw, sym in norm.mapping.items() if sym not in self.column]
        return NormalizedGenes(symbols=[s for s in norm.symbols if s in self.column],
                               mapping={r: s for r, s in norm.mapping.items() if s in self.column},
                               unknown=norm.unknown + out_of_vocab, ambiguous=norm.ambiguous)

    def predict(self, gene_sets: Sequence[Sequence[str]], batch_size: int = 1024) -> np.ndarray:
        """Scores of every vocabulary gene for each set: float32 [len(gene_sets), len(genes)], higher = more
        likely a member. For a model with the item-item head (config item_item, the default for trained models)
        they are cosine-scale scores, higher = more likely member (about 0..1; not logits, not probabilities);
        for a pure DAE (e.g. a reference folder) they are its raw logits. Unknown symbols are ignored; a set with
        no known gene raises InputError."""
        return self._run(gene_sets, batch_size, embed=False)

    def encode(self, gene_sets: Sequence[Sequence[str]], batch_size: int = 1024) -> np.ndarray:
        """Set embeddings, float32 [len(gene_sets), d_model]; `encode([[g]])` is gene g's embedding."""
        return self._run(gene_sets, batch_size, embed=True)

    def complete(self, genes: Sequence[str], top: int = 20) -> pd.DataFrame:
        """The `top` highest-scoring genes not in the input: columns rank, gene, score (as `predict`), name."""
        logits = self.predict([genes])[0]
        logits[[self.column[g] for g in self.normalize(genes).symbols]] = -np.inf
        best = np.argsort(-logits, kind="stable")[:top]
        best = best[np.isfinite(logits[best])]
        names = load_gene_table().drop_duplicates("symbol").set_index("symbol")["name"]
        symbols = [self.genes[i] for i in best]
        return pd.DataFrame({"rank": np.arange(1, len(best) + 1), "gene": symbols, "score": logits[best],
                             "name": [names.get(s, "") for s in symbols]})

    def save(self, path: str | Path) -> Path:
        """Write this model as a folder (config.json, model.safetensors, vocab.txt) that `load` reads back."""
        path = Path(path).expanduser()
        if path.exists() and any(path.iterdir()) and not (path / "config.json").exists():
            raise InputError(f"{path} exists and is not a model folder; save to a new or a model folder.")
        info = {k: v for k, v in self.config.items() if k != "model_type" and k not in self.model.config.to_dict()}
        with atomic_dir(path) as tmp:
            write_folder(tmp, self.model, self.genes, info)
        return path

    @torch.inference_mode()
    def _run(self, gene_sets: Sequence[Sequence[str]], batch_size: int, embed: bool, part: str = "all") -> np.ndarray:
        if isinstance(gene_sets, str) or (len(gene_sets) and isinstance(gene_sets[0], str)):
            raise InputError("Pass a list of gene sets (a list of lists of symbols), e.g. [['TP53', 'MDM2']].")
        columns = self._columns(gene_sets)
        out = np.empty((len(columns), self.model.config.d_model if embed else len(self.genes)), np.float32)
        for start in range(0, len(columns), batch_size):
            chunk = columns[start:start + batch_size]
            offsets = np.concatenate([[0], np.cumsum([len(c) for c in chunk])])
            x = Sets(torch.from_numpy(np.concatenate(chunk)), torch.from_numpy(offsets)).to(self.device)
            scores = self.model.encode(x) if embed else self.model.scores(x, part)
            out[start:start + len(chunk)] = scores.float().cpu()
        return out

    def _columns(self, gene_sets: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """The vocabulary columns of each set (unknown symbols dropped); a set without any raises InputError."""
        mapper, cache, out = default_mapper(), {}, []
        for i, genes in enumerate(gene_sets):
            for raw in genes:
                if raw not in cache:  # each distinct symbol is looked up once per call
                    hit = mapper.lookup(str(raw))
                    cache[raw] = self.column.get(hit) if isinstance(hit, str) else None
            cols = np.unique([c for c in (cache[raw] for raw in genes) if c is not None]).astype(np.int64)
            if not len(cols):
                norm = self.normalize(genes)
                which = "The gene set" if len(gene_sets) == 1 else f"Gene set {i} (of {len(gene_sets)})"
                if not norm.unknown and not norm.ambiguous:
                    raise InputError(f"{which} is empty; give at least one gene symbol.")
                raise InputError(f"{which} has no gene in the model's vocabulary. {unknown_message(norm)}")
            out.append(cols)
        return out


def unknown_message(norm: NormalizedGenes) -> str:
    """One line naming the inputs a model ignores ('' when every input was used)."""
    parts = []
    if norm.unknown:
        shown = ", ".join(norm.unknown[:20]) + (f" (+{len(norm.unknown) - 20} more)" if len(norm.unknown) > 20 else "")
        parts.append(f"Ignored (not a gene symbol, or not in the model's vocabulary): {shown}")
    if norm.ambiguous:
        parts.append("ambiguous aliases (use the official symbol): " + "; ".join(
            f"{k} -> {'/'.join(v[:5])}" for k, v in list(norm.ambiguous.items())[:10]))
    return ". ".join(parts)


def load(path: str | Path | None = None, device: str | None = None) -> GSFM:
    """The model in `path` (default: the trained default model, `$GSFM_HOME/models/default`).

    device: "cpu", "cuda", ... (default: cuda when available, else cpu).
    """
    folder = Path(path).expanduser() if path is not None else model_folder()
    if not (folder / "config.json").exists():
        hint = "Run `gsfm train` to train it (about 15 minutes on 2 cores)." if path is None else \
            "Pass the folder of a trained model (`gsfm train --out DIR` writes one)."
        raise DataError(f"No trained model at {folder}. {hint}")
    model, genes, config = read_folder(folder)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    return GSFM(model, genes, config, folder, device)
