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


def _error(capsys, argv) -> str:
    """The one-line error `gsfm ARGS` prints (exit status 2, no traceback)."""
    import pytest

    from assistant.main import main

    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err and err.count("\n") == 1, err
    return err


def test_cli_reads_latin1_and_csv_files_and_refuses_bad_ones(small_tools, capsys, tmp_path):
    from assistant.main import main

    latin = tmp_path / "genes.txt"
    latin.write_bytes("# Gènes du crible\nISG15\nIFIT1\nMX1\n".encode("latin-1"))
    main(["enrich", "--file", str(latin), "--libraries", KEGG, "--json", "--top", "1"])
    captured = capsys.readouterr()
    assert "not UTF-8" in captured.err and json.loads(captured.out)[0]["overlap"] >= 2
    table = tmp_path / "de.csv"
    table.write_text('"gene","log2FoldChange","padj"\n"ISG15",3.2,1e-20\n"IFIT1",2.9,1e-15\n"MX1",2.5,1e-9\n')
    main(["enrich", "--file", str(table), "--libraries", KEGG, "--json", "--top", "1"])
    captured = capsys.readouterr()
    assert "log2FoldChange" not in captured.err and "1e-20" not in captured.err  # no header or number as a gene
    binary = tmp_path / "genes.xlsx"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 4)
    assert "binary file" in _error(capsys, ["enrich", "--file", str(binary)])
    assert "no such file" in _error(capsys, ["enrich", "--file", str(tmp_path / "missing.txt")])
    assert "top must be 1 or more" in _error(capsys, ["predict-functions", "TP53", "--top", "-5"])
    assert "--top must be 1 or more" in _error(capsys, ["enrich", "TP53", "MDM2", "--top", "-5"])
    small = tmp_path / "bg.txt"
    small.write_text("ISG15\nIFIT1\n")
    assert "fewer than the 3 genes" in _error(capsys, ["enrich", "ISG15", "IFIT1", "MX1", "--background", str(small)])


def test_cli_gsea_and_enrich_table(small_tools, capsys, tmp_path):
    import numpy as np

    from assistant.main import main
    from gsfm_model.data.matrices import library_matrix

    genes = library_matrix(KEGG).genes[:400]
    stat = np.random.default_rng(0).normal(size=len(genes))
    ranked = tmp_path / "ranked.tsv"
    ranked.write_text("gene\tstat\n" + "".join(f"{g}\t{s:.4f}\n" for g, s in zip(genes, stat)))
    main(["gsea", str(ranked), "--libraries", KEGG, "--permutations", "200", "--json", "--top", "3"])
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 3 and {"nes", "fdr", "leading_edge"} <= set(rows[0])
    de = tmp_path / "de.csv"
    de.write_text('"","log2FoldChange","padj"\n' + "".join(
        f'"{g}",{3 if g in INTERFERON else 0.1},{1e-9 if g in INTERFERON else 0.5}\n'
        for g in INTERFERON + list(genes[:50])))
    main(["enrich-table", str(de), "--libraries", KEGG, "--json", "--top", "2"])
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["direction"] == "up" and set(rows[0]["genes"]) <= set(INTERFERON)
    assert "Unknown libraries ['NOPE']" in _error(capsys, ["enrich-table", str(de), "--libraries", "NOPE"])
    short = tmp_path / "short.tsv"
    short.write_text("gene\tstat\n" + "".join(f"{g}\t{i}\n" for i, g in enumerate(INTERFERON)))
    assert "at least 50 genes" in _error(capsys, ["gsea", str(short)])
