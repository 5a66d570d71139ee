"""How results are shown, in one place: `kinds` (what kind of evidence each library is, and readable term
labels), `cells` (the one cell formatter and tables), `results` (the one strength rule, the per-tool views, the
text a model reads, one line of prose per row)."""
from .cells import MAX_LIST, MAX_ROWS, STEP_ROWS, display_frame, format_cell, markdown_table, table_text
from .facts import (
    CUES,
    FACT_TOOLS,
    FUNCTION_KINDS,
    LINES,
    RELATIONS,
    core_name,
    partner,
    row_line,
    subject_of,
    top_result,
)
from .kinds import GROUP_OF, KIND_GROUPS, KIND_ORDER, library_kind, term_label
from .results import (
    DESCRIPTION_CHARS,
    GROUP_SHOWN,
    KNOWN_SHOWN,
    LINK_MODERATE,
    LINK_STRONG,
    MAX_FDR,
    MODERATE,
    NEIGHBOUR_TERMS,
    NOT_FOR_MODEL,
    NOVEL_SHOWN,
    PER_LIBRARY,
    ROWS,
    STRONG,
    VIEWS,
    enrichment_view,
    functions_view,
    known_first,
    links_view,
    notes,
    strength,
    summarize,
    term_key,
)

__all__ = [
    "CUES", "FACT_TOOLS", "FUNCTION_KINDS", "LINK_MODERATE", "LINK_STRONG", "MODERATE", "RELATIONS", "STRONG",
    "core_name", "known_first", "links_view", "partner", "subject_of",
    "DESCRIPTION_CHARS", "GROUP_OF", "GROUP_SHOWN", "KIND_GROUPS", "KIND_ORDER", "KNOWN_SHOWN", "LINES", "MAX_FDR",
    "MAX_LIST", "MAX_ROWS", "NEIGHBOUR_TERMS", "NOT_FOR_MODEL", "NOVEL_SHOWN", "PER_LIBRARY", "ROWS", "STEP_ROWS",
    "VIEWS", "display_frame", "enrichment_view", "format_cell", "functions_view", "library_kind", "markdown_table",
    "notes", "row_line", "strength", "summarize", "table_text", "term_key", "term_label", "top_result",
]
