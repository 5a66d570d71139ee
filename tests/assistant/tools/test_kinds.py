"""Library kinds and readable labels on the real libraries: every row says what kind of evidence it is, and no
bare Pfam or PROSITE identifier reaches a person or the language model."""
import re

import numpy as np
import pytest

from assistant.main import main
from assistant.tools import views
from assistant.tools.terms import labels
from assistant.tools.views.kinds import GROUP_OF, OTHER, library_kind
from gsfm_model.data.libraries import available_libraries

pytestmark = pytest.mark.usefixtures("real_data")
BARE_DOMAIN = re.compile(r"(?<!protein domain family )(?<!protein motif or domain )\b(?:PF|PS)\d{5}\b")
SCRAMBLASES = ["PLSCR1", "PLSCR2", "PLSCR3", "PLSCR4"]


def test_every_library_has_a_kind():
    kinds = {name: library_kind(name) for name in available_libraries()}
    assert OTHER not in kinds.values(), kinds
    assert kinds["ChEA_2022"] == "TF target (ChIP)" and kinds["ARCHS4_TFs_Coexp"] == "co-expression"
    assert kinds["MGI_Mammalian_Phenotype_Level_4_2021"] == "mouse phenotype" and kinds["HPO"] == "human phenotype"
    assert kinds["Pfam"] == kinds["PROSITE"] == "protein domain" and kinds["gene2pubmed"] == "literature (paper)"


def test_labels_say_what_each_term_is():
    chea, archs4, pfam, mgi = labels(
        ["ChEA_2022", "ARCHS4_TFs_Coexp", "Pfam", "MGI_Mammalian_Phenotype_Level_4_2021"],
        ["NFE2 27457419 Chip-Seq LIVER Mouse", "ZBTB6 human tf ARCHS4 coexpression", "PF03803",
         "abnormal joint morphology MP:0002932"])
    assert chea.startswith("bound by NFE2 in mouse liver (ChIP-seq")
    assert archs4 == "co-expressed with ZBTB6 (ARCHS4)"
    assert pfam.startswith("protein domain family PF03803") and "PLSCR1, PLSCR2, PLSCR3" in pfam
    assert "not available offline" in pfam  # no invented name
    assert mgi == "mouse phenotype: abnormal joint morphology (MP:0002932)"


def test_no_bare_domain_identifier_reaches_a_person_or_the_model(small_tools, capsys):
    tools = small_tools
    enriched = tools.enrich(SCRAMBLASES, libraries=["Pfam", "PROSITE"])
    assert "PF03803" in set(enriched.term)  # the scramblase family is there, as an identifier
    info = tools.gene_info("TMEM41B")
    texts = [views.summarize("enrich_genes", {"genes": SCRAMBLASES}, enriched),
             views.markdown_table(views.VIEWS["enrich_genes"](enriched)),
             views.summarize("gene_info", {"gene": "TMEM41B"}, info),
             views.display_frame(enriched).to_string(), views.display_frame(info).to_string()]
    main(["enrich", *SCRAMBLASES, "--libraries", "Pfam", "PROSITE"])
    main(["gene-info", "TMEM41B"])
    texts.append(capsys.readouterr().out)
    assert "protein domain family PF03803" in texts[0]
    for text in texts:
        assert not BARE_DOMAIN.search(text), BARE_DOMAIN.search(text)


@pytest.mark.parametrize("gene", ["C1orf112", "TMEM41B"])
def test_a_genes_view_reads_functions_before_phenotypes_and_evidence(small_tools, gene):
    """The real annotations of the gene, scored so that phenotype and evidence rows are the most confident."""
    rows = small_tools.gene_annotations(gene)
    groups = rows.kind.map(GROUP_OF).to_numpy()
    assert {0, 1, 2} <= set(groups)  # functions, phenotypes, evidence: all three kinds of rows
    frame = rows.assign(confidence=groups * 0.1 + np.linspace(0.01, 0, len(rows)), known=False)
    view = views.functions_view(frame.sort_values("confidence", ascending=False))
    shown = view.kind.map(GROUP_OF).tolist()
    assert shown[0] == 0 and shown == sorted(shown), view[["label", "kind"]]
