"""Testable hypotheses about a gene or a gene list, each with its evidence rows and an experiment to test it."""
from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gsfm_model.data.matrices import library_matrix

from .genes import LISTED_SCORE, Z_LISTED, function_frame, similar_genes, term_scores
from .inputs import gene_list, one_gene
from .links import MAX_LINK_GENES, gene_links
from .sets import complete_gene_set, enrich
from .state import Context, context
from .terms import term_members
from .views import strength

EXPERIMENTS = (
    (r"GO_CC|Cellular_Component", "localisation imaging",
     "tag {subject} and image it with a marker of {term}"),
    (r"GO_MF|Molecular_Function|Pfam|PROSITE", "biochemical assay / co-IP",
     "assay the activity in vitro, or co-IP {subject} with {partners}"),
    (r"ChEA|TF|ENCODE|TRRUST", "ChIP / CUT&RUN + knockdown",
     "ChIP-qPCR or CUT&RUN for the factor at {subject}, and RT-qPCR of {subject} after the factor's knockdown"),
    (r"HPO|MGI|Phenotype|dbGaP|GWAS|OMIM|Disease", "phenotype screen",
     "CRISPR knockout of {subject} in a relevant cell or animal model, scoring the phenotype '{term}'"),
    (r"Drug|LINCS|CMap", "drug perturbation",
     "treat cells with the perturbagen and measure {subject} (RT-qPCR); test whether knockdown changes the response"),
    (r"KEGG|WikiPathway|Reactome|Pathway", "knockdown + pathway reporter",
     "knock down {subject} and read out {term} with a pathway reporter or phospho-marker; co-IP with {partners}"),
)
DEFAULT_EXPERIMENT = ("knockdown + functional assay",
                      "knock down {subject} and assay {term} (phenotype or reporter); compare with {partners}")


def experiment_for(library: str, category: str = "") -> tuple[str, str]:
    """(experiment type, template) for a term's library: the kind of experiment that tests membership."""
    for pattern, kind, template in EXPERIMENTS:
        if re.search(pattern, library, flags=re.IGNORECASE) or re.search(pattern, category, re.IGNORECASE):
            return kind, template
    return DEFAULT_EXPERIMENT


@dataclass
class Hypotheses:
    """Testable hypotheses as data for a language model to phrase.

    hypotheses: one row per hypothesis — id, subject (gene or genes tested), claim, library, term,
        strength ('strong' / 'moderate' / 'weak'), experiment_type, experiment, evidence (one-line summary).
    evidence: the rows behind each one — id, kind ('predicted_term', 'similar_gene', 'enrichment',
        'predicted_gene', 'shared_term', 'neighbour_rank'), item, value (confidence of a predicted term, similarity
        of a gene, p-value of an enrichment, z of a predicted gene, lowest confidence of a shared term (1 when all
        genes are known in it), rank share of a pair), detail.
    unmapped, note: as for every tool.
    """

    hypotheses: pd.DataFrame
    evidence: pd.DataFrame
    unmapped: list[str] = field(default_factory=list)
    note: str = ""


HYPOTHESIS_COLUMNS = ["id", "subject", "claim", "library", "term", "strength", "experiment_type", "experiment",
                      "evidence"]
EVIDENCE_COLUMNS = ["id", "kind", "item", "value", "detail"]


def hypotheses(genes_or_gene: str | Iterable[str], k: int = 5) -> Hypotheses:
    """Up to k testable hypotheses about one gene (novel predicted functions), a few genes (2..MAX_LINK_GENES: the
    terms they share, and the link itself) or a gene list (shared themes and the genes the model would add to them),
    each with its evidence and an experiment to test it."""
    items = gene_list(genes_or_gene)
    if len(items) == 1:
        return _gene_hypotheses(items[0], k)
    if len(items) <= MAX_LINK_GENES:
        return _link_hypotheses(items, k)
    return _set_hypotheses(items, k)


def _diverse(df: pd.DataFrame, k: int) -> pd.DataFrame:
    """The first k rows, at most ceil(k/2) per library."""
    cap, seen, keep = max(1, math.ceil(k / 2)), {}, []
    for i, lib in enumerate(df.library):
        if seen.get(lib, 0) < cap:
            seen[lib] = seen.get(lib, 0) + 1
            keep.append(i)
        if len(keep) == k:
            break
    return df.iloc[keep]


def _gene_hypotheses(symbol: str, k: int) -> Hypotheses:
    ctx = context()
    gene = one_gene(symbol, ctx.vocab_pos)
    scores = term_scores(ctx, gene)
    rows = np.flatnonzero(~scores.known)
    rows = rows[np.lexsort((-scores.rank[rows], -scores.calibrated[rows]))][:200]
    preds = function_frame(ctx, gene, rows, scores)
    neighbours = similar_genes(gene, k=50)
    neighbour_rows = [ctx.index.gene_pos[g] for g in neighbours.gene]
    term_index = {(lib, t): j for j, (lib, t) in enumerate(zip(ctx.index.terms.library, ctx.index.terms.term))}
    chosen = _diverse(preds, k)
    hyps, evidence = [], []
    for h, row in enumerate(chosen.itertuples(index=False), start=1):
        j = term_index[(row.library, row.term)]
        col = ctx.index.membership[neighbour_rows, j].toarray().ravel()
        support = neighbours[col > 0]
        partners = ", ".join(support.gene.head(3)) or "the term's known members"
        kind, template = experiment_for(row.library, ctx.index.manifest["libraries"][row.library]["category"])
        evidence.append((h, "predicted_term", row.label, float(row.confidence),
                         f"{row.library}; confidence {row.confidence:.2f}; rank score {row.rank_score:.1f}; "
                         f"z {row.z:.1f}; term AUROC {row.term_auroc:.2f}"))
        evidence += [(h, "similar_gene", g, float(s), f"known member of the term; {n}")
                     for g, s, n in zip(support.gene.head(5), support.similarity.head(5), support.name.head(5))]
        hyps.append({
            "id": h, "subject": gene, "claim": f"{gene} takes part in '{row.label}' ({row.kind})",
            "library": row.library, "term": row.term, "strength": row.strength,
            "experiment_type": kind, "experiment": template.format(subject=gene, term=row.label, partners=partners),
            "evidence": f"confidence {row.confidence:.2f} (share of such predictions confirmed on held-out data); "
                        f"{len(support)} of its 50 nearest genes "
                        f"are members" + (f" ({', '.join(support.gene.head(3))})" if len(support) else ""),
        })
    listed = int((chosen.rank_score >= LISTED_SCORE).sum())
    note = "" if listed == len(chosen) else (f"{len(chosen) - listed} of these do not pass the listing rule "
                                             f"(rank score >= {LISTED_SCORE:g}): they are the best remaining novel "
                                             f"terms (weak).")
    return Hypotheses(pd.DataFrame(hyps, columns=HYPOTHESIS_COLUMNS), pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
                      [], note)


def link_experiment(a: str, b: str, term: str) -> str:
    """The experiment that tests whether two genes act together in a term (hypotheses and the chat word it so)."""
    return f"knock out {a} and ask whether {b}'s part in {term} is lost (and the reverse)"


def _link_hypotheses(genes: list[str], k: int) -> Hypotheses:
    """A few genes: that they act together in each term they share, and, when they are close neighbours, that they
    act together at all; each experiment also tests the link (one gene's loss changes the other's readout)."""
    ctx = context()
    links = gene_links(genes)
    symbols = list(links.completion.gene)
    subject, a, b = " and ".join(symbols), symbols[0], symbols[1]
    hyps, evidence = [], []
    for h, row in enumerate(_diverse(links.shared, k).itertuples(index=False), start=1):
        all_known = row.n_known == len(symbols)
        kind, template = experiment_for(row.library, ctx.index.manifest["libraries"][row.library]["category"])
        evidence.append((h, "shared_term", row.label, 1.0 if all_known else float(row.min_confidence),
                         f"{row.library}; " + "; ".join(row.status)))
        hyps.append({
            "id": h, "subject": subject, "claim": f"{subject} act together in '{row.label}' ({row.kind})",
            "library": row.library, "term": row.term,
            "strength": "strong" if all_known else strength(row.min_confidence),
            "experiment_type": kind,
            "experiment": template.format(subject=subject, term=row.label, partners="each other")
                          + f"; to test the link, {link_experiment(a, b, row.label)}",
            "evidence": ("all are already annotated to it" if all_known else "; ".join(row.status)),
        })
    best = links.pairs.sort_values("share").iloc[0]
    if best.strength != "weak":
        h = len(hyps) + 1
        evidence.append((h, "neighbour_rank", f"{best.gene_a} ~ {best.gene_b}", float(best.share),
                         f"ranks {best.rank_b_for_a} and {best.rank_a_for_b}"))
        hyps.append({
            "id": h, "subject": f"{best.gene_a} and {best.gene_b}",
            "claim": f"{best.gene_a} and {best.gene_b} act together (close neighbours in the model)",
            "library": "", "term": "", "strength": best.strength, "experiment_type": "co-IP + epistasis",
            "experiment": f"co-immunoprecipitate {best.gene_a} with {best.gene_b}, and compare single and double "
                          "knockdowns: one shared pathway gives no added effect",
            "evidence": f"{best.gene_b} ranks {best.rank_b_for_a:,} among {best.gene_a}'s neighbours and "
                        f"{best.gene_a} {best.rank_a_for_b:,} among {best.gene_b}'s (closest {best.share:.1%})",
        })
    note = links.note if hyps else " ".join(filter(None, [links.note, "No hypothesis: the genes share no confident "
                                                                     "term and are not close neighbours."]))
    return Hypotheses(pd.DataFrame(hyps[:k], columns=HYPOTHESIS_COLUMNS),
                      pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS), links.unmapped, note)


def _set_hypotheses(genes: list[str], k: int) -> Hypotheses:
    ctx = context()
    plain = enrich(genes)
    added = complete_gene_set(genes, top=50)
    added = added.gene[~added.input].tolist()
    top = _diverse(plain[(plain.fdr <= 0.05) & (plain.overlap >= 2)], k)
    hyps, evidence = [], []
    for h, row in enumerate(top.itertuples(index=False), start=1):
        picks, zs = _members_to_add(ctx, row.library, row.term, added)
        kind, template = experiment_for(row.library, library_matrix(row.library).category)
        subject = ", ".join(picks) if picks else ", ".join(row.genes[:3])
        evidence.append((h, "enrichment", row.label, float(row.p_value),
                         f"{row.library}; FDR {row.fdr:.2g}; overlap {row.overlap}: {', '.join(row.genes[:10])}"))
        evidence += [(h, "predicted_gene", g, zs[g], "added to the input set by the model; value = its z given "
                      "the term's members") for g in picks]
        claim = (f"The input genes converge on '{row.label}' ({row.kind})"
                 + (f"; {', '.join(picks)}, which the model adds to the set, may take part too" if picks else ""))
        hyps.append({
            "id": h, "subject": subject, "claim": claim, "library": row.library, "term": row.term,
            "strength": strength(fdr=row.fdr, overlap=row.overlap),
            "experiment_type": kind,
            "experiment": template.format(subject=subject, term=row.label, partners=", ".join(row.genes[:3])),
            "evidence": f"FDR {row.fdr:.2g} with {row.overlap} input genes ({', '.join(row.genes[:5])})"
                        + (f"; model adds {', '.join(picks)}" if picks else ""),
        })
    note = plain.attrs["note"] or ("" if hyps else "No term is enriched at FDR <= 0.05 with 2+ input genes.")
    return Hypotheses(pd.DataFrame(hyps, columns=HYPOTHESIS_COLUMNS), pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS),
                      plain.attrs["unmapped"], note)


def _members_to_add(ctx: Context, library: str, term: str, added: list[str], n: int = 3
                    ) -> tuple[list[str], dict[str, float]]:
    """Of the model-added genes not in the term, the n with the highest z given the term's members
    (only those with z > 1.645)."""
    members = term_members(library, term)
    inside = [g for g in members if g in ctx.vocab_pos]
    in_term = set(members)
    outside = [g for g in added if g not in in_term]
    if not inside or not outside:
        return [], {}
    logits = np.asarray(ctx.model.predict([inside]), dtype=np.float64)[0]
    valid = logits[ctx.valid]
    zs = {g: float((logits[ctx.vocab_pos[g]] - valid.mean()) / max(valid.std(), 1e-12)) for g in outside}
    picks = [g for g in sorted(outside, key=lambda g: -zs[g]) if zs[g] > Z_LISTED][:n]
    return picks, zs
