"""What kind of evidence each library is: one kind per library, declared here for every layer that needs it (the
views label and order result rows by it; the calibration of predictions is estimated per kind).

Built-in libraries are named in BUILT_IN; others (added with `gsfm data add`, Enrichr names, GMT files) get a kind
from the words in their name; a dated snapshot (GO_BP_2020) has its library's kind.
"""
from __future__ import annotations

import re

PROCESS = "biological process or pathway"
FUNCTION = "molecular function"
COMPONENT = "cellular component"
DOMAIN = "protein domain"
HUMAN_PHENOTYPE = "human phenotype"
MOUSE_PHENOTYPE = "mouse phenotype"
DISEASE = "disease or GWAS"
TF_TARGET = "TF target (ChIP)"
COEXPRESSION = "co-expression"
LITERATURE = "literature (paper)"
DRUG = "drug perturbation"
OTHER = "other gene sets"

# The order in which a gene's predictions are read: functions, then phenotypes and disease, then the evidence.
KIND_GROUPS = (
    ("functions", (PROCESS, FUNCTION, COMPONENT)),
    ("phenotypes and disease", (HUMAN_PHENOTYPE, MOUSE_PHENOTYPE, DISEASE)),
    ("supporting evidence", (DOMAIN, COEXPRESSION, TF_TARGET, DRUG, LITERATURE, OTHER)),
)
KIND_ORDER = {kind: i for i, kind in enumerate(k for _, kinds in KIND_GROUPS for k in kinds)}
GROUP_OF = {kind: g for g, (_, kinds) in enumerate(KIND_GROUPS) for kind in kinds}

BUILT_IN = {
    "GO_BP": PROCESS, "GO_Biological_Process_2023": PROCESS, "KEGG_2021_Human": PROCESS,
    "WikiPathway_2023_Human": PROCESS, "GO_MF": FUNCTION, "GO_CC": COMPONENT, "Pfam": DOMAIN, "PROSITE": DOMAIN,
    "HPO": HUMAN_PHENOTYPE, "MGI_Mammalian_Phenotype_Level_4_2021": MOUSE_PHENOTYPE, "dbGaP": DISEASE,
    "ChEA_2022": TF_TARGET, "ARCHS4_TFs_Coexp": COEXPRESSION, "gene2pubmed": LITERATURE, "DrugMatrix": DRUG,
}
# Other libraries: the first pattern matching the name (Enrichr's library names, user GMT files).
BY_NAME = (
    (r"GO_Molecular|Molecular_Function|_MF\b", FUNCTION), (r"GO_Cellular|Cellular_Component|_CC\b", COMPONENT),
    (r"GO_Bio|_BP\b|KEGG|WikiPathway|Reactome|BioCarta|BioPlanet|Hallmark|Panther|Pathway", PROCESS),
    (r"Pfam|PROSITE|InterPro|Domain", DOMAIN), (r"HPO|Human_Phenotype", HUMAN_PHENOTYPE),
    (r"MGI|Mouse_Phenotype|Mammalian_Phenotype", MOUSE_PHENOTYPE),
    (r"GWAS|dbGaP|DisGeNET|OMIM|Disease|ClinVar", DISEASE), (r"ChEA|ENCODE|ChIP|TRRUST|TF_Perturb", TF_TARGET),
    (r"Coexp|ARCHS4|co-?expression", COEXPRESSION), (r"Drug|LINCS|CMap|L1000", DRUG),
    (r"PubMed|pubmed|Rummagene|Literature", LITERATURE),
)


def library_kind(library: str) -> str:
    """The kind of evidence a library holds (one of the constants above; OTHER when nothing says)."""
    base = re.sub(r"_20\d\d$", "", library) if library not in BUILT_IN else library
    if base in BUILT_IN:
        return BUILT_IN[base]
    return next((kind for pattern, kind in BY_NAME if re.search(pattern, library, re.IGNORECASE)), OTHER)
