"""Bad input: each case gives one clear error and leaves nothing half-written in the cache."""
import functools
import http.server
import threading
from pathlib import Path

import pytest

from gsfm_model.data import sources
from gsfm_model.data.fileio import atomic_write, download
from gsfm_model.data.gmt import enrichr_library, library_from_gmt, library_from_url, parse_gmt
from gsfm_model.errors import DataError

GMT = "INTERFERON\tmy set\tSTAT1\tIRF9\tisg15\tNOTAGENE\nRIBO\t\tRPL3,1.0\tRPS6,0.5\tRPL4\n"


@pytest.fixture
def tmp_home(tmp_path, monkeypatch, real_data):
    """An empty cache folder (the gene mapper stays loaded from the real cache)."""
    home = tmp_path / "home"
    monkeypatch.setenv("GSFM_HOME", str(home))
    return home


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 serving tmp_path/www."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def _leftovers(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()] if home.exists() else []


def test_gmt_parses_and_normalises(tmp_path, real_data):
    path = tmp_path / "my.gmt"
    path.write_text(GMT)
    lib = library_from_gmt(path)
    sets = lib.gene_sets()
    assert sets["INTERFERON"] == ["IRF9", "ISG15", "STAT1"]   # case fixed, unknown dropped
    assert sets["RIBO"] == ["RPL3", "RPL4", "RPS6"]           # Enrichr ",weight" suffixes stripped
    assert lib.stats["unmapped_symbols"] == 1


def test_malformed_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.gmt"
    path.write_text(GMT + "ONLY_A_NAME\n")
    with pytest.raises(DataError, match=r"bad.gmt: line 3 is not a gene set"):
        parse_gmt(path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.gmt"
    path.write_text("")
    with pytest.raises(DataError, match="holds no gene sets"):
        parse_gmt(path)


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.gmt"
    path.write_bytes(GMT.encode() + "CAF\xc9\t\tTP53\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"line 3 is not valid UTF-8"):
        parse_gmt(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="Cannot read"):
        parse_gmt(tmp_path / "nope.gmt")


def test_library_from_local_url(tmp_home, server):
    root, base = server
    (root / "lib.gmt").write_text(GMT)
    lib = library_from_url(f"{base}/lib.gmt", name="served")
    assert lib.name == "served" and len(lib.terms) == 2
    assert (tmp_home / "downloads" / "url" / "lib.gmt").exists()  # cached for next time


def test_failing_url_leaves_nothing(tmp_home, server):
    _, base = server
    with pytest.raises(DataError, match=r"Could not download .*missing.gmt"):
        library_from_url(f"{base}/missing.gmt")
    assert _leftovers(tmp_home) == []


def test_enrichr_by_name_against_local_copy(tmp_home, server, monkeypatch):
    root, base = server

    class Enrichr(_QuietHandler):  # mimics /geneSetLibrary?mode=text&libraryName=X
        def do_GET(self):
            if self.path == "/geneSetLibrary?mode=text&libraryName=My_Library_2024":
                body = GMT.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Enrichr)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("GSFM_ENRICHR_URL", f"http://127.0.0.1:{httpd.server_port}")
        lib = enrichr_library("My_Library_2024")
        assert lib.gene_sets()["INTERFERON"] == ["IRF9", "ISG15", "STAT1"]
        assert lib.provenance.source == "Enrichr"
        with pytest.raises(DataError, match="Could not download"):
            enrichr_library("No_Such_Library")
    finally:
        httpd.shutdown()


def test_checksum_mismatch_deletes_download(tmp_home, server):
    root, base = server
    (root / "f.txt").write_text("hello")
    dest = tmp_home / "downloads" / "f.txt"
    with pytest.raises(DataError, match="Checksum mismatch for f.txt"):
        download(f"{base}/f.txt", dest, sha256="0" * 64)
    assert _leftovers(tmp_home) == []


def test_missing_apt_get_gives_remedy(tmp_home, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    pkg = sources.Package("r-bioc-org.hs.eg.db", "3.16.0-1", "0" * 64, "deb",
                          "http://127.0.0.1:9/org.Hs.eg.db_3.16.0.tar.gz")
    with pytest.raises(DataError, match=r"apt-get is not available.*Install apt-get"):
        sources.package_dir(pkg)
    assert _leftovers(tmp_home) == []


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "x.parquet"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_write(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed midway")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
