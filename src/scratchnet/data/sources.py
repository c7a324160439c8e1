"""Registry of the official raw dataset files, and :func:`fetch`, which puts verified copies in a folder.

For each file, :func:`fetch` tries in order:

1. ``dest/<name>`` if its hash is right (a file there with a wrong hash is deleted, never trusted);
2. a local mirror of the official files (``mirror`` argument, else ``$SCRATCHNET_DATA_MIRROR``):
   ``<mirror>/<subdir>/<name>``, then ``<mirror>/<name>``; for files that live inside an archive (EMNIST), also
   ``<mirror>/<subdir>/gzip.zip`` and ``<mirror>/gzip.zip``;
3. for archive members: an archive already in ``dest``, then the ``emnist`` PyPI package's cache
   (``~/.cache/emnist/emnist.zip``, which is NIST's ``gzip.zip``);
4. a download with pooch, if ``allow_download`` (for archive members: the archive, then extraction).

Every copy is written to a temporary file in ``dest``, hashed, and moved into place with ``os.replace`` only if
the hash matches, so no half-written or unverified file ever carries a final name. If a file cannot be found,
:class:`~scratchnet.data.errors.DataError` names it and lists every place looked.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import pooch

from ..atomic import commit, raise_naming_path
from .errors import DataError

__all__ = [
    "ARCHIVES",
    "DEFAULT_EMNIST_ZIP_CACHE",
    "DOWNLOAD_TIMEOUT",
    "EMNIST_ZIP",
    "MIRROR_ENV",
    "RAW_FILES",
    "Archive",
    "RawFile",
    "fetch",
    "file_hash",
    "resolve_emnist_zip_cache",
    "resolve_mirror",
    "verify",
    "download_allowed",
    "locate",
]

log = logging.getLogger(__name__)

#: Environment variable naming the offline mirror folder (used when ``fetch(mirror=None)``).
MIRROR_ENV = "SCRATCHNET_DATA_MIRROR"
#: Cache of the ``emnist`` PyPI package: a copy of NIST's ``gzip.zip``. The one home of this default: the config's
#: ``data.emnist_zip_cache: null`` means this path.
DEFAULT_EMNIST_ZIP_CACHE = Path("~/.cache/emnist/emnist.zip")
#: Seconds without a byte before a download is abandoned (requests' connect/read timeout, not a total).
DOWNLOAD_TIMEOUT = 60.0
_CHUNK = 1 << 20
_HASH_RE = re.compile(r"^(?P<alg>[a-z0-9_]+):(?P<hex>[0-9a-fA-F]+)$")


def _parse_hash(known_hash: str) -> tuple[str, str]:
    """Split a pooch-style ``"alg:hex"`` hash; DataError naming the value if malformed."""
    m = _HASH_RE.match(known_hash)
    if m is None:
        raise DataError(f"malformed hash {known_hash!r}: expected 'md5:<hex>' or 'sha256:<hex>'")
    alg, hexdigest = m["alg"], m["hex"].lower()
    try:
        size = hashlib.new(alg).digest_size
    except ValueError as exc:
        raise DataError(f"malformed hash {known_hash!r}: unknown algorithm {alg!r}") from exc
    if len(hexdigest) != 2 * size:
        raise DataError(f"malformed hash {known_hash!r}: {alg} needs {2 * size} hex digits, got {len(hexdigest)}")
    return alg, hexdigest


@dataclass(frozen=True)
class RawFile:
    """One official raw file.

    Attributes
    ----------
    name : str
        Official file name, e.g. ``"train-images-idx3-ubyte.gz"``.
    known_hash : str
        pooch-style ``"md5:<hex>"`` or ``"sha256:<hex>"`` of the file as distributed.
    url : str or None
        Direct download URL; None if the file only comes inside an archive (see :data:`ARCHIVES`).
    subdir : str
        Folder for it in a mirror (``<mirror>/<subdir>/<name>``).
    """

    name: str
    known_hash: str
    url: str | None
    subdir: str

    def __post_init__(self) -> None:
        _parse_hash(self.known_hash)
        if not self.name or "/" in self.name or self.name in (".", ".."):
            raise DataError(f"RawFile name {self.name!r} must be a plain file name")


@dataclass(frozen=True)
class Archive:
    """A zip archive whose members ``member_prefix + RawFile.name`` are raw files of a dataset."""

    file: RawFile
    member_prefix: str = ""


# MNIST: the original http://yann.lecun.com/exdb/mnist/ URLs are dead (they answer 403/404 or time out);
# this is the byte-identical mirror torchvision uses. The md5s are LeCun's published ones.
_MNIST_BASE = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_FASHION_BASE = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

#: NIST's EMNIST archive (535 MB); EMNIST Letters has no direct per-file URL.
EMNIST_ZIP = RawFile(
    "gzip.zip",
    "md5:58c8d27c78d21e728a6bc7b3cc06412e",
    "https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip",
    "emnist",
)


def _mnist_like(base: str, subdir: str, md5s: Mapping[str, str]) -> tuple[RawFile, ...]:
    return tuple(RawFile(name, f"md5:{md5}", base + name, subdir) for name, md5 in md5s.items())


#: Official raw files by dataset key, in the order train images, train labels, test images, test labels.
RAW_FILES: dict[str, tuple[RawFile, ...]] = {
    "mnist": _mnist_like(
        _MNIST_BASE,
        "mnist",
        {
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    ),
    "fashion_mnist": _mnist_like(
        _FASHION_BASE,
        "fashion-mnist",
        {
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    ),
    # Image hashes: sha256 of the official files (sizes 30804864 and 5039157 bytes); label hashes: md5 of the
    # official files. All four are members gzip/<name> of EMNIST_ZIP.
    "emnist_letters": (
        RawFile(
            "emnist-letters-train-images-idx3-ubyte.gz",
            "sha256:6288f418a917e007bf5fddb823a2dc7a5c6a35031401b93292a539cb12bd881f",
            None,
            "emnist",
        ),
        RawFile("emnist-letters-train-labels-idx1-ubyte.gz", "md5:c16de4f1848ddcdddd39ab65d2a7be52", None, "emnist"),
        RawFile(
            "emnist-letters-test-images-idx3-ubyte.gz",
            "sha256:50f0e93d75b99b463e9760b8345866f22587fa2c2fba472730a5ba09c693412d",
            None,
            "emnist",
        ),
        RawFile("emnist-letters-test-labels-idx1-ubyte.gz", "md5:d4108920cd86601ec7689a97f2de7f59", None, "emnist"),
    ),
}

#: Datasets whose files (also) come inside an archive.
ARCHIVES: dict[str, Archive] = {"emnist_letters": Archive(EMNIST_ZIP, member_prefix="gzip/")}


# --------------------------------------------------------------------------------------------------- hashing
def file_hash(path: str | os.PathLike, algorithm: str = "sha256") -> str:
    """Hex digest of a file, read in 1 MiB chunks."""
    h = hashlib.new(algorithm)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except OSError as exc:
        raise DataError(f"cannot read {path} to hash it: {exc}") from exc
    return h.hexdigest()


def verify(path: str | os.PathLike, known_hash: str) -> None:
    """Check a file against a pooch-style hash (``"md5:<hex>"``, ``"sha256:<hex>"``).

    Raises
    ------
    DataError
        Naming the file, the algorithm, the expected and the actual digest.
    """
    alg, expected = _parse_hash(known_hash)
    actual = file_hash(path, alg)
    if actual != expected:
        raise DataError(f"{path}: wrong {alg}: expected {expected}, actual {actual}")


def _install_stream(src: BinaryIO, target: Path, known_hash: str, source_label: str) -> Path:
    """Copy ``src`` to a temp file next to ``target`` while hashing; move it to ``target`` only if it matches."""
    alg, expected = _parse_hash(known_hash)
    h = hashlib.new(alg)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := src.read(_CHUNK):
                h.update(chunk)
                out.write(chunk)
        actual = h.hexdigest()
        if actual != expected:
            raise DataError(
                f"{source_label} has the wrong {alg}: expected {expected}, actual {actual}; not copied to {target}"
            )
        os.chmod(tmp, 0o644)
        commit(tmp, target)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise_naming_path(exc, target, tmp)  # a full disk names the file being written
        raise
    return target


def _install_copy(src: Path, target: Path, known_hash: str) -> Path:
    try:
        with open(src, "rb") as fh:
            return _install_stream(fh, target, known_hash, f"mirror file {src}")
    except OSError as exc:
        raise DataError(f"cannot copy mirror file {src} to {target}: {exc}") from exc


def _extract_member(zip_path: Path, member: str, target: Path, known_hash: str) -> Path:
    try:
        with zipfile.ZipFile(zip_path) as zf:
            try:
                info = zf.getinfo(member)
            except KeyError as exc:
                raise DataError(f"archive {zip_path} has no member {member!r}") from exc
            with zf.open(info) as fh:
                return _install_stream(fh, target, known_hash, f"member {member!r} of {zip_path}")
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise DataError(f"cannot extract {member!r} from {zip_path}: {exc}") from exc


# --------------------------------------------------------------------------------------------------- fetch
def _blank(value: str | os.PathLike | None) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def resolve_mirror(mirror: str | os.PathLike | None = None) -> Path | None:
    """The offline mirror folder: ``mirror`` if given, else ``$SCRATCHNET_DATA_MIRROR``, else None.

    ``None`` and blank strings count as not given (a config's ``mirror: null`` or ``""``); ``~`` is expanded.
    """
    if _blank(mirror):
        env = os.environ.get(MIRROR_ENV, "").strip()
        return Path(env).expanduser() if env else None
    return Path(mirror).expanduser()


def resolve_emnist_zip_cache(cache: str | os.PathLike | None = None) -> Path:
    """Where to look for the ``emnist`` package's copy of NIST's ``gzip.zip``: ``cache`` if given (not None or
    blank), else :data:`DEFAULT_EMNIST_ZIP_CACHE`; ``~`` is expanded."""
    return Path(DEFAULT_EMNIST_ZIP_CACHE if _blank(cache) else cache).expanduser()


def download_allowed(setting: bool | str, mirror: Path | None) -> bool:
    """``data.allow_download``: true, false, or ``"auto"`` (download only when no offline mirror is given: a machine
    with a mirror is taken to be offline, so what the mirror lacks is reported missing instead of attempted)."""
    if setting == "auto":
        return mirror is None
    return bool(setting)


def locate(
    dataset: str,
    dest: str | os.PathLike,
    *,
    mirror: Path | None,
    allow_download: bool,
    emnist_zip_cache: Path,
) -> dict[str, Any]:
    """Where :func:`fetch` would take each raw file from, by looking only (no hashing, no copying, no network):
    ``{"available": bool, "plan": {name: place}, "reason": str}``. Cheap enough for every DAG build; checksums are
    verified by :func:`fetch` in the job. ``reason`` names each missing file and every place looked."""
    if dataset not in RAW_FILES:
        raise DataError(f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(RAW_FILES))}")
    dest = Path(dest).expanduser()
    archive = ARCHIVES.get(dataset)
    plan: dict[str, str] = {}
    missing = []
    for rf in RAW_FILES[dataset]:
        candidates = [dest / rf.name]
        if mirror is not None:
            candidates += [mirror / rf.subdir / rf.name, mirror / rf.name]
        if archive is not None:
            az = archive.file
            if mirror is not None:
                candidates += [mirror / az.subdir / az.name, mirror / az.name]
            candidates += [dest / az.name, emnist_zip_cache]
        found = next((c for c in candidates if c.is_file()), None)
        url = rf.url or (archive.file.url if archive is not None else None)
        if found is not None:
            plan[rf.name] = str(found)
        elif allow_download and url:
            plan[rf.name] = f"download {url}"
        else:
            looked = [str(c) for c in candidates] + ([] if mirror is not None else [f"no mirror (${MIRROR_ENV} unset)"])
            why = "downloads not allowed" if url else "no download URL known"
            missing.append(f"{rf.name} not found: looked in {'; '.join(looked)} ({why})")
    reason = f"{len(missing)} raw file(s) missing\n" + "\n".join(missing) if missing else ""
    return {"available": not missing, "plan": plan, "reason": reason}


def _short(exc: BaseException, limit: int = 500) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _downloader() -> pooch.HTTPDownloader:
    return pooch.HTTPDownloader(progressbar=False, timeout=DOWNLOAD_TIMEOUT)


@dataclass
class _Fetch:
    """State shared by the files of one :func:`fetch` call."""

    dataset: str
    dest: Path
    mirror: Path | None
    archive: Archive | None
    cache: Path
    allow_download: bool
    verified_archives: dict[Path, str | None] = field(default_factory=dict)  # path -> None if OK, else reason
    archive_download: tuple[Path | None, str] | None = None  # (path, failure reason)

    def _archive_ok(self, path: Path) -> str | None:
        """None if ``path`` is the archive with the right hash (memoised: it may be 535 MB), else why not."""
        assert self.archive is not None
        if path not in self.verified_archives:
            try:
                verify(path, self.archive.file.known_hash)
                self.verified_archives[path] = None
            except DataError as exc:
                self.verified_archives[path] = str(exc)
        return self.verified_archives[path]

    def one(self, rf: RawFile) -> tuple[Path | None, list[str]]:
        """Return (verified path in dest or None, places looked)."""
        looked: list[str] = []
        target = self.dest / rf.name

        # 1. already in dest
        if target.is_file():
            try:
                verify(target, rf.known_hash)
                log.debug("%s: %s already present and verified", self.dataset, target)
                return target, looked
            except DataError as exc:
                log.warning("%s: deleting %s: %s", self.dataset, target, exc)
                target.unlink()
                looked.append(f"{target} (wrong hash, deleted)")
        else:
            looked.append(f"{target} (absent)")

        # 2. mirror: the file itself, then the archive
        archive = self.archive
        if self.mirror is None:
            looked.append(f"no mirror (mirror argument not given and ${MIRROR_ENV} unset)")
        elif not self.mirror.is_dir():
            looked.append(f"mirror {self.mirror} (not a directory)")
        else:
            for cand in (self.mirror / rf.subdir / rf.name, self.mirror / rf.name):
                if cand.is_file():
                    log.info("%s: copying %s from mirror %s", self.dataset, rf.name, cand)
                    return _install_copy(cand, target, rf.known_hash), looked
                looked.append(f"{cand} (absent)")
            if archive is not None:
                az = archive.file
                for cand in (self.mirror / az.subdir / az.name, self.mirror / az.name):
                    if cand.is_file():
                        reason = self._archive_ok(cand)
                        if reason is not None:
                            raise DataError(f"mirror archive {reason}")
                        log.info("%s: extracting %s from mirror archive %s", self.dataset, rf.name, cand)
                        member = archive.member_prefix + rf.name
                        return _extract_member(cand, member, target, rf.known_hash), looked
                    looked.append(f"{cand} (absent)")

        # 3. archive already downloaded into dest, then the emnist package's cache
        if archive is not None:
            for label, cand in (("", self.dest / archive.file.name), ("emnist package cache ", self.cache)):
                if not cand.is_file():
                    looked.append(f"{label}{cand} (absent)")
                    continue
                reason = self._archive_ok(cand)
                if reason is not None:
                    looked.append(f"{label}{cand} (present but unusable: {reason})")
                    continue
                log.info("%s: extracting %s from %s", self.dataset, rf.name, cand)
                return _extract_member(cand, archive.member_prefix + rf.name, target, rf.known_hash), looked

        # 4. download
        url = rf.url or (archive.file.url if archive is not None else None)
        if url is None:
            looked.append("no download URL known")
        elif not self.allow_download:
            looked.append(f"download from {url} not attempted (allow_download=False)")
        elif rf.url is not None:
            try:
                log.info("%s: downloading %s", self.dataset, rf.url)
                path = self._retrieve(rf)
                verify(path, rf.known_hash)
                return path, looked
            except Exception as exc:  # network, HTTP, hash mismatch: all reported, none fatal here
                looked.append(f"download from {rf.url} failed: {_short(exc)}")
        else:
            assert archive is not None
            zip_path, reason = self._download_archive()
            if zip_path is None:
                looked.append(f"download from {url} failed: {reason}")
            else:
                return _extract_member(zip_path, archive.member_prefix + rf.name, target, rf.known_hash), looked
        return None, looked

    def _retrieve(self, rf: RawFile) -> Path:
        """Download ``rf`` with pooch (temporary file, hash checked before it is moved into place)."""
        try:
            return Path(
                pooch.retrieve(
                    rf.url,
                    known_hash=rf.known_hash,
                    fname=rf.name,
                    path=self.dest,
                    progressbar=False,
                    downloader=_downloader(),
                )
            )
        except OSError as exc:
            raise_naming_path(exc, self.dest / rf.name)  # a full disk names the file being written

    def _download_archive(self) -> tuple[Path | None, str]:
        assert self.archive is not None
        if self.archive_download is None:
            az = self.archive.file
            try:
                log.info("%s: downloading %s", self.dataset, az.url)
                path = self._retrieve(az)
                self.verified_archives[path] = None  # pooch verified the hash before moving it into place
                self.archive_download = (path, "")
            except Exception as exc:
                self.archive_download = (None, _short(exc))
        return self.archive_download


def fetch(
    dataset: str,
    dest: str | os.PathLike,
    *,
    mirror: str | os.PathLike | None = None,
    allow_download: bool = True,
    emnist_zip_cache: str | os.PathLike | None = None,
) -> dict[str, Path]:
    """Make verified copies of a dataset's official raw files in ``dest``.

    Parameters
    ----------
    dataset : str
        A key of :data:`RAW_FILES` (``"mnist"``, ``"fashion_mnist"``, ``"emnist_letters"``).
    dest : path-like
        Folder for the files (created if needed).
    mirror : path-like, optional
        Offline mirror folder; None or blank: ``$SCRATCHNET_DATA_MIRROR`` (unset or empty: no mirror). See
        :func:`resolve_mirror`.
    allow_download : bool
        Whether to download (with pooch) what no local source has.
    emnist_zip_cache : path-like, optional
        Where the ``emnist`` package caches NIST's ``gzip.zip``; None or blank: :data:`DEFAULT_EMNIST_ZIP_CACHE`.

    Returns
    -------
    dict of str to Path
        ``{official file name: verified path in dest}``, in registry order. A downloaded archive (EMNIST's
        535 MB ``gzip.zip``) stays in ``dest`` so that a rerun needs no download; it may be deleted afterwards.

    Raises
    ------
    DataError
        Unknown dataset (the known names are listed); a mirror file or mirror archive with the wrong hash (naming
        it, the expected and the actual hash); files not found anywhere (each one named, with every place looked
        and the download error).
    """
    if dataset not in RAW_FILES:
        raise DataError(f"unknown dataset {dataset!r}; known datasets: {', '.join(sorted(RAW_FILES))}")
    dest = Path(dest).expanduser()
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot create data folder {dest}: {exc}") from exc
    cache = resolve_emnist_zip_cache(emnist_zip_cache)
    state = _Fetch(dataset, dest, resolve_mirror(mirror), ARCHIVES.get(dataset), cache, allow_download)

    found: dict[str, Path] = {}
    missing: list[str] = []
    files = RAW_FILES[dataset]
    for rf in files:
        path, looked = state.one(rf)
        if path is None:
            missing.append(f"{rf.name} not found: looked in {'; '.join(looked)}")
        else:
            found[rf.name] = path
    if missing:
        lines = "\n  - ".join(missing)
        raise DataError(
            f"dataset {dataset!r}: {len(missing)} of {len(files)} raw files unavailable:\n  - {lines}\n"
            f"Put the official files in a mirror folder (mirror=... or ${MIRROR_ENV}: <mirror>/<subdir>/<name> "
            f"or <mirror>/<name>) or allow the download."
        )
    return found
