"""Small file helpers: atomic writes, checksums, downloads."""
from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import shutil
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tqdm.auto import tqdm

from ..errors import DataError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp path beside `path`; rename it onto `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; the result should look like any written file
    try:
        yield tmp
        os.replace(tmp, path)
    except Exception as exc:  # writers wrap the OS error (pyarrow, safetensors): recognised by errno or message
        if _is_no_space(exc):
            raise _no_space(path, exc) from exc
        raise
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temp folder beside `path`; swap it in for `path` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    old = path.with_name(f".{path.name}.old")
    if old.exists() and not path.exists():  # a swap interrupted by a kill: the previous folder comes back
        os.replace(old, path)
    try:
        yield tmp
        swap_in(tmp, path)
    except Exception as exc:  # writers wrap the OS error (pyarrow, safetensors): recognised by errno or message
        if _is_no_space(exc):
            raise _no_space(path, exc) from exc
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def swap_in(folder: str | os.PathLike, path: str | os.PathLike) -> None:
    """Move a finished folder onto `path` (same file system), replacing what was there; a kill in between leaves
    `.<name>.old`, which the next `atomic_dir(path)` puts back."""
    folder, path = Path(folder), Path(path)
    old = path.with_name(f".{path.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        os.replace(path, old)
    os.replace(folder, path)
    shutil.rmtree(old, ignore_errors=True)


NO_SPACE = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)  # a full disk, a file-size limit, a full quota
_NO_SPACE_RE = re.compile(r"No space left|File too large|FileTooLarge|StorageFull|Disk quota", re.I)


def _is_no_space(exc: BaseException) -> bool:
    return getattr(exc, "errno", None) in NO_SPACE or bool(_NO_SPACE_RE.search(str(exc)))


def _no_space(path: Path, exc: BaseException) -> DataError:
    reason = getattr(exc, "strerror", None) or "no space left"
    return DataError(f"Not enough space to write {path} ({reason}); the previous version, if any, is "
                     f"unchanged. Free some space under {path.parent} and run the command again.")


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


_DIGESTS: dict[tuple, str] = {}
SETTLED_S = 2.0  # a file changed more recently than this is hashed every time: a rewrite in the same clock tick
# would keep its timestamps (git's "racy" rule)


def file_fingerprint(path: str | os.PathLike) -> str:
    """sha256 of a local artifact, hashed again only when the file changed (its inode, size, mtime or ctime).

    For the model and library checks that run on every app poll; downloads are verified with `sha256_file`."""
    st = os.stat(path)
    if time.time() - max(st.st_mtime, st.st_ctime) < SETTLED_S:
        return sha256_file(path)
    key = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_file(path)
    return _DIGESTS[key]


def verify_sha256(path: Path, expected: str | None, label: str | None = None) -> None:
    """Raise DataError (and delete the file) if its sha256 differs from `expected`."""
    if expected is None:
        return
    actual = sha256_file(path)
    if actual != expected:
        path.unlink(missing_ok=True)
        raise DataError(
            f"Checksum mismatch for {label or path.name}: expected sha256 {expected}, got {actual}. "
            "The file was deleted; re-run the command to download it again, or check the source."
        )


def download(url: str, dest: Path, sha256: str | None = None, timeout: float = 60) -> Path:
    """Download `url` to `dest` (atomically, with a progress bar); skip if present and valid."""
    if dest.exists():
        verify_sha256(dest, sha256)
        return dest
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp, atomic_write(dest) as tmp:
            total = int(resp.headers.get("Content-Length") or 0) or None
            with open(tmp, "wb") as out, tqdm(
                total=total, unit="B", unit_scale=True, desc=f"download {dest.name}", leave=False
            ) as bar:
                while block := resp.read(1 << 16):
                    out.write(block)
                    bar.update(len(block))
            verify_sha256(tmp, sha256, dest.name)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        if isinstance(exc, DataError):
            raise
        raise DataError(
            f"Could not download {url}: {exc}. Check the URL and your network connection, "
            "or pass a local file path instead."
        ) from exc
    return dest


def unreadable(path: str | os.PathLike, exc: BaseException, fix: str) -> DataError:
    """The one message for a damaged artifact: which file, what went wrong, and the command that repairs it."""
    detail = str(exc).split("\n")[0][:160]
    return DataError(f"{path} is damaged or incomplete ({type(exc).__name__}: {detail}). {fix}")


def parquet_readable(path: str | os.PathLike) -> bool:
    """Whether a parquet file opens and its footer and row groups check out (a truncated file does not)."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        return meta.num_rows >= 0 and all(meta.row_group(i).num_rows >= 0 for i in range(meta.num_row_groups))
    except Exception:  # any failure to open is damage
        return False
