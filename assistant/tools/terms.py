"""What every result row says about its term: the kind of evidence (the library's kind) and a label a person can
read (`views.kinds`), with a few member genes to name a protein domain family that has no offline name."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

import pandas as pd

from gsfm_model.data.matrices import library_matrix

from .views import library_kind, term_label

SHARED_SHOWN = 3  # member genes named in a domain family's label


@lru_cache(maxsize=64)
def term_rows(library: str) -> dict[str, int]:
    """Term name -> its row in the library's matrix (cached)."""
    return {t: i for i, t in enumerate(library_matrix(library).terms.term)}


def term_members(library: str, term: str) -> list[str]:
    """The genes of one term of a library (sorted)."""
    lm = library_matrix(library)
    row = term_rows(library).get(term)
    return [] if row is None else sorted(lm.genes[lm.matrix[row].indices].tolist())


def labels(libraries: Sequence[str], terms: Sequence[str], exclude: Iterable[str] = (),
           members: Sequence[Sequence[str]] | None = None) -> list[str]:
    """Readable labels of (library, term) pairs; a domain family is named by SHARED_SHOWN of its genes (`members`
    per row, else the term's genes), leaving out `exclude` (the gene the row is about)."""
    skip = set(exclude)
    out = []
    for i, (library, term) in enumerate(zip(libraries, terms, strict=True)):
        shared: list[str] = []
        if library_kind(library) == "protein domain":
            genes = members[i] if members is not None else term_members(library, term)
            shared = [g for g in genes if g not in skip][:SHARED_SHOWN]
        out.append(term_label(library, term, shared))
    return out


def with_kind_and_label(df: pd.DataFrame, exclude: Iterable[str] = (), members: str | None = None) -> pd.DataFrame:
    """`df` (columns library, term, ...) with `kind` and `label` columns after `term`; `members` names a column
    of genes to name domain families by (e.g. the overlapping genes of an enrichment)."""
    kinds = [library_kind(lib) for lib in df["library"]]
    named = labels(df["library"].tolist(), df["term"].tolist(), exclude,
                   df[members].tolist() if members else None)
    at = df.columns.get_loc("term") + 1
    out = df.copy()
    out.insert(at, "kind", pd.Series(kinds, index=df.index, dtype=object))
    out.insert(at + 1, "label", pd.Series(named, index=df.index, dtype=object))
    out.attrs = dict(df.attrs)
    return out
