"""The tools' `gsfm` twins on the real data and the small model."""
import json

INTERFERON = ["ISG15", "IFIT1", "IFIT3", "MX1", "OAS1", "IRF7", "STAT1", "IFI6", "IFI44L", "RSAD2", "OAS2", "MX2"]
KEGG = "KEGG_2021_Human"


def test_cli_twins_print_json(small_tools, capsys):
    from assistant.main import main

    main(["enrich", *INTERFERON, "--libraries", KEGG, "--json", "--top", "3"])
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and rows[0]["library"] == KEGG
    main(["predict-functions", "ATP5F1A", "--top", "5"])
    out = capsys.readouterr().out
    assert "confidence" in out and "strength" in out
