"""The tool table and the ToolBox that runs it."""
from assistant.tools.registry import ToolBox


def test_toolbox_accepts_a_gene_string_and_reports_errors(small_tools):
    box = ToolBox(context_genes=["MLH1", "MSH2"])
    call = box.run("complete_gene_set", {"genes": "MLH1, MSH2 MSH6"})
    assert call.error is None and call.args["genes"] == ["MLH1", "MSH2", "MSH6"]
    assert box.run("complete_gene_set", {}).args["genes"] == ["MLH1", "MSH2"]  # empty = the pasted list
    bad = box.run("gene_functions", {"gene": "FOOBAR1"})
    assert bad.error and bad.result is None and bad.summary.startswith("gene_functions: Error")
    assert box.run("no_such_tool", {}).error
