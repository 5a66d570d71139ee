"""Training corpora: a recipe (a small TOML file) names the libraries; the corpus is a sparse set x gene matrix."""
from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from .libraries import GeneSetLibrary, load_library
from .loaders import EVALUATION_LIBRARIES, ensure_built

RECIPES_DIR = Path(__file__).parent / "recipes"


@dataclass
class Recipe:
    """Which libraries form a training corpus, and how sets and genes are filtered.

    Sets keep min_size <= size <= max_size genes (the reference uses 5 < size < 1000); the vocabulary is
    every gene seen in at least `min_gene_count` sets. A dated recipe (`cutoff`, an ISO date) refuses every library
    whose provenance date is later than the cutoff, or unknown: a time split's model sees only what existed then.
    """

    name: str
    libraries: list[str]
    min_size: int = 6
    max_size: int = 999
    min_gene_count: int = 5
    allow_evaluation: bool = False  # evaluation libraries never enter a corpus unless this is set
    cutoff: str = ""  # "YYYY-MM-DD": no library dated after it (or undated) may enter the corpus
    notes: str = ""

    def __post_init__(self):
        if self.cutoff:
            try:
                date.fromisoformat(str(self.cutoff))
            except ValueError as exc:
                raise InputError(f"Recipe {self.name!r}: cutoff {self.cutoff!r} is not an ISO date "
                                 "(YYYY-MM-DD).") from exc
            self.cutoff = str(self.cutoff)
        leaked = sorted(set(self.libraries) & set(EVALUATION_LIBRARIES))
        if leaked and not self.allow_evaluation:
            raise InputError(f"Recipe {self.name!r} includes evaluation libraries {leaked}; they are held out "
                             "for the benchmark. Remove them, or set allow_evaluation = true on purpose.")
        if not self.libraries:
            raise InputError(f"Recipe {self.name!r} names no libraries.")


def load_recipe(name_or_path: str | Path) -> Recipe:
    """A recipe by name (a file in gsfm_model/data/recipes/) or by path to a TOML file."""
    path = Path(name_or_path)
    if not path.suffix:
        path = RECIPES_DIR / f"{name_or_path}.toml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in RECIPES_DIR.glob("*.toml")))
        raise InputError(f"No recipe {str(name_or_path)!r}. Built-in recipes: {known}; or give a .toml path.")
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    data.setdefault("name", path.stem)
    try:
        return Recipe(**data)
    except TypeError as exc:
        raise InputError(f"{path}: {exc}. Allowed keys: {', '.join(Recipe.__dataclass_fields__)}.") from exc


@dataclass
class Corpus:
    """Training sets as a binary sparse matrix.

    genes: vocabulary (official symbols), the matrix columns.
    matrix: csr float32 [n_sets, n_genes], 1 where the gene is in the set.
    terms: DataFrame with columns library, term (one row per matrix row).
    """

    genes: list[str]
    matrix: sp.csr_matrix
    terms: pd.DataFrame
    recipe: Recipe
    data_versions: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return self.matrix.shape[0]

    def fingerprint(self) -> str:
        """A short hash of the recipe and data versions (for caches and manifests)."""
        recipe = {k: v for k, v in asdict(self.recipe).items() if k != "cutoff" or v}  # undated: as before cutoffs
        blob = json.dumps([recipe, self.data_versions], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def gene_sets(self) -> list[list[str]]:
        """The sets as lists of symbols."""
        genes = np.asarray(self.genes)
        m = self.matrix
        return [genes[m.indices[m.indptr[i]:m.indptr[i + 1]]].tolist() for i in range(m.shape[0])]


def check_cutoff(recipe: Recipe, lib: GeneSetLibrary) -> None:
    """Refuse a library dated after the recipe's cutoff, or without a date, when the recipe has a cutoff."""
    if not recipe.cutoff:
        return
    dated = lib.provenance.date
    try:
        when = date.fromisoformat(dated[:10])
    except ValueError:
        raise InputError(f"Recipe {recipe.name!r} has cutoff {recipe.cutoff}, but library {lib.name} has no "
                         f"provenance date ({dated!r}); a dated recipe takes only dated libraries.") from None
    if when > date.fromisoformat(recipe.cutoff):
        raise InputError(f"Recipe {recipe.name!r} has cutoff {recipe.cutoff}, but library {lib.name} is dated "
                         f"{dated} ({lib.provenance.source} {lib.provenance.version}); remove it from the recipe.")


def build_corpus(recipe: Recipe | str) -> Corpus:
    """Assemble the recipe's libraries: dedupe exact duplicates, filter sizes, build the vocabulary.

    On-demand libraries (the 2020 snapshot) are built first if the cache lacks them."""
    if isinstance(recipe, str):
        recipe = load_recipe(recipe)
    ensure_built(recipe.libraries)
    seen: set[frozenset] = set()
    sets, rows = [], []
    versions = {}
    for name in recipe.libraries:
        lib = load_library(name)
        check_cutoff(recipe, lib)
        versions[name] = f"{lib.provenance.source} {lib.provenance.version} {lib.provenance.date}".strip()
        for term, genes in zip(lib.terms.term, lib.terms.genes):
            key = frozenset(g.upper() for g in genes)
            if not recipe.min_size <= len(key) <= recipe.max_size or key in seen:
                continue
            seen.add(key)
            sets.append(genes)
            rows.append((name, term))
    counts = pd.Series([g for s in sets for g in s]).value_counts()
    vocab = sorted(counts.index[counts >= recipe.min_gene_count])
    col = {g: i for i, g in enumerate(vocab)}
    indptr, indices, keep = [0], [], []
    for i, genes in enumerate(sets):
        idx = sorted(col[g] for g in genes if g in col)
        if len(idx) >= recipe.min_size:
            indices.extend(idx)
            indptr.append(len(indices))
            keep.append(i)
    matrix = sp.csr_matrix((np.ones(len(indices), np.float32), np.asarray(indices, np.int32),
                            np.asarray(indptr, np.int64)), shape=(len(keep), len(vocab)))
    terms = pd.DataFrame([rows[i] for i in keep], columns=["library", "term"])
    return Corpus(vocab, matrix, terms, recipe, versions)
