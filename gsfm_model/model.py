"""The gene-set denoising autoencoder: one config dataclass, the network, its loss, and how a batch is made.

Reads top to bottom: GSFMConfig -> Sets (a batch of input sets) -> SparseLinear / MLP
-> fit_item_item / ItemItemHead (a closed-form item-item scorer next to the network)
-> GeneSetDAE.forward(x, targets) -> (logits, loss); GeneSetDAE.scores(x) (what `predict` returns)
-> make_batch (input masking, which genes are scored).
Shapes: B sets per batch, V genes, d = d_model, n sets in a corpus.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn as nn
import torch.nn.functional as F

from .errors import InputError

LOSSES = ("bce", "softmax")
SCORED = ("all", "hidden")


@dataclass
class GSFMConfig:
    """Everything that defines the model and its training objective; config.json stores it, __init__ takes it back.

    The defaults are the reference GSFM: V -> 512 -> 256 (embedding) -> 256 -> V, ReLU, dropout 0.2, BCE over the
    whole vocabulary, no masking.

    vocab_size: number of genes (input rows and output columns).
    d_model: embedding width. Hidden widths are d_model * 2**(n-1), as in the reference
        (depth 2: V -> 2d -> d and d -> d -> V; depth 3: V -> 4d -> 2d -> d and d -> d -> 2d -> V).
    depth: linear layers in the encoder, and in the decoder.
    dropout: after every hidden ReLU.
    mask_fraction: fraction of each training set hidden from the encoder (0 = plain autoencoder). At least one
        gene of a set always stays visible.
    scored: which genes the loss scores: "all" (reconstruct the whole set from the visible part) or "hidden"
        (the visible input genes are left out of the loss; positives are the hidden genes only).
    loss: "bce" (binary cross-entropy of every scored gene, the reference) or "softmax" (multinomial: each
        positive gene's cross-entropy against all scored genes, averaged over the set's positives).
    pos_weight: weight of the positive (member) terms in the BCE loss; sets are ~60 of ~20,000 genes.
    item_item: add the fitted item-item head (ItemItemHead, a fixed float16 [V, V] buffer `item_item.weight`);
        `scores` (and so `GSFM.predict`) then come from it instead of the DAE logits. False by default so that
        configs written before it existed (and reference folders) load as the pure DAEs they are; the training
        presets turn it on.
    item_p, item_beta: the head's set-size weight exponent and candidate-side normalisation (fit_item_item).
    dae_weight: with the head, the DAE's per-set standardised logits are added to the head's standardised
        scores with this weight (0 = head only); see GeneSetDAE.scores.
    """

    vocab_size: int
    d_model: int = 256
    depth: int = 2
    dropout: float = 0.2
    mask_fraction: float = 0.0
    scored: str = "all"
    loss: str = "bce"
    pos_weight: float = 1.0
    item_item: bool = False
    item_p: float = 1.0
    item_beta: float = 0.5
    dae_weight: float = 0.0

    def __post_init__(self):
        if self.loss not in LOSSES:
            raise InputError(f"loss must be one of {LOSSES}, not {self.loss!r}.")
        if self.scored not in SCORED:
            raise InputError(f"scored must be one of {SCORED}, not {self.scored!r}.")
        if not 0 <= self.mask_fraction < 1:
            raise InputError(f"mask_fraction must be in [0, 1), not {self.mask_fraction}.")
        if self.depth < 1 or self.d_model < 1 or self.vocab_size < 1:
            raise InputError("vocab_size, d_model and depth must be positive.")
        if self.dae_weight < 0:
            raise InputError(f"dae_weight must be >= 0, not {self.dae_weight}.")

    @classmethod
    def from_dict(cls, data: dict) -> GSFMConfig:
        """The config from a dict that may hold other keys too (e.g. a whole config.json)."""
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    def to_dict(self) -> dict:
        return asdict(self)

    def encoder_widths(self) -> list[int]:
        """[V, ..., d]: e.g. [V, 512, 256] for depth 2, d_model 256."""
        return [self.vocab_size, *[self.d_model * 2 ** (n - 1) for n in range(self.depth, 1, -1)], self.d_model]

    def decoder_widths(self) -> list[int]:
        """[d, ..., V]: e.g. [256, 256, V] for depth 2, d_model 256."""
        return [self.d_model, *[self.d_model * 2 ** (n - 1) for n in range(1, self.depth)], self.vocab_size]


class Sets(NamedTuple):
    """A batch of gene sets, the model's input: the multi-hot [B, V] matrix in CSR form (genes of set i are
    genes[offsets[i]:offsets[i + 1]])."""

    genes: torch.Tensor  # [nnz] int64 gene columns
    offsets: torch.Tensor  # [B + 1] int64

    @classmethod
    def from_csr(cls, m: sp.csr_matrix, device: torch.device | str = "cpu") -> Sets:
        return cls(torch.from_numpy(m.indices.astype(np.int64)).to(device),
                   torch.from_numpy(m.indptr.astype(np.int64)).to(device))

    def to(self, device: torch.device | str) -> Sets:
        return Sets(self.genes.to(device), self.offsets.to(device))


class SparseLinear(nn.Module):
    """Linear layer on a multi-hot input: the sum of the set's gene rows, plus a bias.

    Same maths as nn.Linear on the dense [B, V] vector, but costs ~60 row reads per set instead of a V-wide
    matmul. weight is [V, out] (one row per gene; the transpose of nn.Linear's [out, V]).
    """

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        bound = 1 / math.sqrt(n_in)  # nn.Linear's initialisation
        self.weight = nn.Parameter(torch.empty(n_in, n_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(n_out).uniform_(-bound, bound))

    def extra_repr(self) -> str:
        return f"in_features={self.weight.shape[0]}, out_features={self.weight.shape[1]}"

    def forward(self, x: Sets) -> torch.Tensor:
        # x: B sets -> [B, out]
        return F.embedding_bag(x.genes, self.weight, x.offsets, mode="sum", include_last_offset=True) + self.bias


class MLP(nn.Module):
    """Linear - ReLU - Dropout - ... - Linear (no activation after the last layer), as a ModuleList named `layers`.

    With sparse_input the first layer is a SparseLinear. The module layout (layers.0, layers.3, ...) matches the
    reference's, so its weights map one to one.
    """

    def __init__(self, widths: list[int], dropout: float, sparse_input: bool = False):
        super().__init__()
        layers: list[nn.Module] = []
        for i, (n_in, n_out) in enumerate(zip(widths, widths[1:])):
            layers += [SparseLinear(n_in, n_out) if sparse_input and i == 0 else nn.Linear(n_in, n_out),
                       nn.ReLU(), nn.Dropout(dropout)]
        self.layers = nn.ModuleList(layers[:-2])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


# ---- the item-item head ------------------------------------------------------------------------------------
def fit_item_item(matrix: sp.csr_matrix, p: float = 1.0, beta: float = 0.5, block: int = 1024) -> np.ndarray:
    """The head's weight W, float16 [V, V], from a binary corpus matrix [n, V] (pass the training rows only).

    X is the 0/1 matrix and size[s] the number of genes of set s:
        G = Xᵀ diag(size ** -p) X                      (co-membership; a set of k genes contributes k ** -p)
        W[i, j] = G[i, j] / (sqrt(G[i, i]) * G[j, j] ** beta),   W[i, i] = 0
    With p = 1, beta = 0.5 this is a cosine similarity of genes over size-weighted sets. Deterministic; computed
    `block` rows at a time (extra memory ~ block x V x 4 bytes).
    """
    x = matrix.tocsr().astype(np.float32)  # [n, V]
    x.data[:] = 1.0
    sizes = np.maximum(np.diff(x.indptr), 1).astype(np.float32)  # [n]
    xwt = (sp.diags(sizes ** -p) @ x).T.tocsr()  # [V, n], each set weighted by size ** -p
    diag = np.maximum(np.asarray(xwt.sum(axis=1), np.float32).ravel(), 1e-12)  # [V] G[i, i]
    n_genes = x.shape[1]
    w = np.empty((n_genes, n_genes), np.float16)  # [V, V]
    for a in range(0, n_genes, block):
        w[a:a + block] = item_item_rows((xwt[a:a + block] @ x).toarray(), a, diag, beta)  # from rows a.. of G
    return w


def item_item_rows(g: np.ndarray, start: int, diag: np.ndarray, beta: float) -> np.ndarray:
    """Rows start.. of W from the same rows of G [b, V] (overwritten) and G's diagonal [V] (see fit_item_item)."""
    g /= np.sqrt(diag[start:start + g.shape[0], None])
    g /= diag[None, :] ** beta
    g[np.arange(g.shape[0]), np.arange(start, start + g.shape[0])] = 0.0  # a gene is predicted from the others only
    return g


class ItemItemHead(nn.Module):
    """Scores [B, V] = the mean over each set's genes of W's rows. W is fitted (fit_item_item), not trained: a
    float16 buffer, so model.safetensors stores it as `item_item.weight` and optimizers never see it."""

    def __init__(self, n_genes: int):
        super().__init__()
        self.register_buffer("weight", torch.zeros(n_genes, n_genes, dtype=torch.float16))  # [V, V], filled later

    def fit(self, matrix: sp.csr_matrix, p: float, beta: float) -> None:
        """Set W from a corpus matrix [n, V] (fit_item_item)."""
        with torch.no_grad():
            self.weight.copy_(torch.from_numpy(fit_item_item(matrix, p, beta)))

    def forward(self, x: Sets) -> torch.Tensor:
        # x: B sets -> [B, V] float32
        return F.embedding_bag(x.genes, self.weight, x.offsets, mode="mean", include_last_offset=True).float()


def standardise(scores: torch.Tensor) -> torch.Tensor:
    """Each row [B, V] to mean 0, standard deviation 1 (a constant row becomes 0)."""
    centred = scores - scores.mean(1, keepdim=True)
    return centred / centred.std(1, keepdim=True).clamp_min(1e-12)


class GeneSetDAE(nn.Module):
    """Denoising autoencoder over gene sets: encoder (sparse multi-hot -> d) and decoder (d -> V logits), plus,
    with config.item_item, the fitted item-item head that `scores` uses."""

    def __init__(self, config: GSFMConfig):
        super().__init__()
        self.config = config
        self.encoder = MLP(config.encoder_widths(), config.dropout, sparse_input=True)
        self.decoder = MLP(config.decoder_widths(), config.dropout)
        self.item_item = ItemItemHead(config.vocab_size) if config.item_item else None

    def init_output_bias(self, frequency: np.ndarray) -> None:
        """Start each gene's output at its prior log-odds (frequency: [V], the fraction of training sets holding
        the gene), so training does not spend its first thousands of steps learning how rare each gene is."""
        p = torch.as_tensor(np.clip(frequency, 1e-6, 1 - 1e-6), dtype=torch.float32)
        with torch.no_grad():
            self.decoder.layers[-1].bias.copy_(torch.log(p) - torch.log1p(-p))

    def encode(self, x: Sets) -> torch.Tensor:
        # x: B sets -> [B, d] set embeddings
        return self.encoder(x)

    def scores(self, x: Sets, part: str = "all") -> torch.Tensor:
        """x: B sets -> [B, V], higher = more likely a member. Without the head: the DAE logits. With it: the
        head's cosine-scale scores h, plus dae_weight * std(h) * standardise(DAE logits) per set (so the ranking
        is that of standardise(h) + dae_weight * standardise(logits), on h's scale; dae_weight 0 gives h).
        part="head" or "dae" gives that part alone (for ablations)."""
        if part not in ("all", "head", "dae"):
            raise InputError(f"part must be 'all', 'head' or 'dae', not {part!r}.")
        if self.item_item is None or part == "dae":
            return self.forward(x)[0]
        head = self.item_item(x)  # [B, V]
        if self.config.dae_weight == 0 or part == "head":
            return head
        dae = standardise(self.forward(x)[0])  # [B, V]
        return head + self.config.dae_weight * head.std(1, keepdim=True) * dae

    def forward(self, x: Sets, targets: torch.Tensor | None = None,
                scored: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x: B input sets; targets: dense [B, V] 0/1; scored: dense bool [B, V], the entries
        the loss sees (None = all). Returns logits [B, V] and the loss (None without targets)."""
        logits = self.decoder(self.encode(x))  # [B, V]
        if targets is None:
            return logits, None
        return logits, self.loss(logits, targets, scored)

    def loss(self, logits: torch.Tensor, targets: torch.Tensor, scored: torch.Tensor | None) -> torch.Tensor:
        cfg = self.config
        if cfg.loss == "bce":
            pos_weight = None if cfg.pos_weight == 1 else logits.new_tensor(cfg.pos_weight)
            weight = None if scored is None else scored.to(logits.dtype)
            return F.binary_cross_entropy_with_logits(logits, targets, weight=weight, pos_weight=pos_weight)
        # softmax: -mean over a set's positives of log p(gene), p normalised over the scored genes
        if scored is not None:
            logits = logits.masked_fill(~scored, float("-inf"))
        logp = torch.log_softmax(logits, dim=1).masked_fill(targets == 0, 0)  # [B, V]
        n_pos = targets.sum(1)  # [B]
        keep = n_pos > 0
        return -(logp.sum(1)[keep] / n_pos[keep]).mean()


# ---- batches ----------------------------------------------------------------------------------------------
def make_batch(sets: sp.csr_matrix, config: GSFMConfig, rng: np.random.Generator,
               device: torch.device | str = "cpu") -> tuple[Sets, torch.Tensor, torch.Tensor | None]:
    """Training inputs from a batch of sets (csr [B, V], 1 = member).

    Hides mask_fraction of each set's genes (chosen with rng) from the input. Returns x (the visible genes of
    each set), targets (dense [B, V]: the whole set, or only the hidden genes when scored="hidden")
    and scored (dense bool [B, V], False on the visible genes when scored="hidden"; else None).
    """
    n_sets, n_genes = sets.shape
    sizes = np.diff(sets.indptr)
    row = np.repeat(np.arange(n_sets), sizes)  # [nnz] set of each member
    n_hide = np.minimum(np.floor(sizes * config.mask_fraction).astype(np.int64), sizes - 1)
    if config.mask_fraction > 0:
        order = np.lexsort((rng.random(len(row)), row))  # members grouped by set, shuffled within a set
        rank = np.empty(len(row), np.int64)
        rank[order] = np.arange(len(row)) - sets.indptr[row[order]]
        hidden = rank < n_hide[row]  # [nnz]
    else:
        hidden = np.zeros(len(row), bool)
    visible = ~hidden
    gene = torch.from_numpy(sets.indices.astype(np.int64))  # [nnz] gene column of each member
    set_of = torch.from_numpy(row)
    counts = np.bincount(row[visible], minlength=n_sets)
    x = Sets(gene[visible], torch.from_numpy(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)))
    targets = torch.zeros(n_sets, n_genes)  # [B, V]
    positive = torch.from_numpy(hidden) if config.scored == "hidden" else slice(None)
    targets[set_of[positive], gene[positive]] = 1
    scored = None
    if config.scored == "hidden":
        scored = torch.ones(n_sets, n_genes, dtype=torch.bool)  # [B, V]
        scored[set_of[visible], gene[visible]] = False
        scored = scored.to(device)
    return x.to(device), targets.to(device), scored
