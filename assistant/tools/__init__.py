"""The tool layer: what the agent calls, the chat shows and a notebook imports (`from assistant import tools`).

Every tool returns a pandas DataFrame (or, for `hypotheses`, a small dataclass of DataFrames) with the
columns documented in its docstring. Conventions shared by all tools:

- Gene lists are read by one parser and normalised (case, aliases, previous symbols, Ensembl and Entrez IDs,
  mouse/rat symbols) in `tools.inputs`.
- Inputs that were not used are listed in `df.attrs["unmapped"]` (list of the input strings: unknown,
  ambiguous aliases, or genes the model/libraries do not contain) and explained in `df.attrs["note"]`
  (one line, '' when everything mapped). Dataclass results carry the same two fields.
- Empty input, more than MAX_GENES genes, or nothing usable left raises `gsfm_model.errors.InputError`.
- Only genes and terms that are in the model vocabulary, the gene table or the libraries are returned.
- The model and its index load once per process on first use (thread-safe) and are shared read-only;
  `configure(model_dir)` points the process at another model folder.

Modules: `inputs` (gene lists in), `state` (the loaded model and index), `genes` (one gene: facts, functions,
neighbours), `sets` (a gene list: completion, enrichment), `ora` (the enrichment kernel), `tables` (expression
tables), `ranked` (GSEA, a table's up/down enrichment), `gsea_kernel` (the GSEA kernel), `search`,
`hypotheses`, `links` (evidence that a few genes act together), `views` (how results are shown), `registry` (the
tool table the chat and MCP use).
"""
from .genes import (
    FUNCTION_LIBRARIES,
    Z_LISTED,
    gene_annotations,
    gene_embeddings,
    gene_info,
    predict_functions,
    similar_genes,
)
from .hypotheses import EVIDENCE_COLUMNS, EXPERIMENTS, HYPOTHESIS_COLUMNS, Hypotheses, experiment_for, hypotheses
from .inputs import MAX_GENES
from .links import MAX_LINK_GENES, GeneLinks, gene_links
from .ora import ENRICH_COLUMNS
from .ranked import GSEA_COLUMNS, gsea
from .search import search_genes, search_terms
from .sets import GeneSetAnalysis, analyse_gene_set, complete_gene_set, enrich, enrich_table, gsfm_enrich, similar_terms
from .state import Context, configure, context, warm_up
from .tables import ExpressionTable, read_table

__all__ = [
    "ENRICH_COLUMNS", "EVIDENCE_COLUMNS", "EXPERIMENTS", "FUNCTION_LIBRARIES", "GSEA_COLUMNS", "HYPOTHESIS_COLUMNS",
    "MAX_GENES", "MAX_LINK_GENES", "Z_LISTED", "Context", "ExpressionTable", "GeneLinks", "GeneSetAnalysis",
    "Hypotheses", "analyse_gene_set", "complete_gene_set", "configure", "context", "enrich", "enrich_table",
    "experiment_for", "gene_annotations", "gene_embeddings", "gene_info", "gene_links", "gsea", "gsfm_enrich",
    "hypotheses", "predict_functions", "read_table", "search_genes", "search_terms", "similar_genes", "similar_terms",
    "warm_up",
]
