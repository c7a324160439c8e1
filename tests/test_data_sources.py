"""fetch(): dest, mirror (both layouts), emnist zip cache, download (faked), and failure messages.

No test touches the network: ``pooch.retrieve`` is replaced by a fake in every test of this module.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pooch
import pytest

from scratchnet.data import (
    DataError,
    fetch,
    load_emnist_letters,
    load_mnist_like,
    read_idx,
    sources,
    verify,
    write_idx,
)
from scratchnet.data.sources import (
    ARCHIVES,
    DEFAULT_EMNIST_ZIP_CACHE,
    MIRROR_ENV,
    RAW_FILES,
    Archive,
    RawFile,
    resolve_emnist_zip_cache,
    resolve_mirror,
)
from scratchnet.pipeline.data_steps import fetch_raw

TOY_NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
LETTER_NAMES = tuple(
    f"emnist-letters-{s}-{k}-ubyte.gz" for s in ("train", "test") for k in ("images-idx3", "labels-idx1")
)


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write_toy_files(folder: Path, names: tuple[str, ...], seed: int = 0) -> dict[str, Path]:
    """Tiny valid IDX .gz files: 6 train and 4 test images of 4x5 with labels."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name in names:
        n = 6 if "train" in name else 4
        if "images" in name:
            arr = rng.integers(0, 256, size=(n, 4, 5), dtype=np.uint8)
        else:
            arr = rng.integers(1, 27, size=n, dtype=np.uint8)
        out[name] = write_idx(folder / name, arr)
    return out


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Make any download attempt fail (and record it); isolate from the user's environment."""
    calls: list[dict] = []

    def offline(url: str, **kwargs: object) -> str:
        calls.append({"url": url, **kwargs})
        raise ConnectionError(f"no network in tests ({url})")

    monkeypatch.setattr(pooch, "retrieve", offline)
    monkeypatch.delenv(MIRROR_ENV, raising=False)
    return calls


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A registry entry 'toy' whose hashes are those of tiny files in ``tmp_path/src``."""
    src = _write_toy_files(tmp_path / "src", TOY_NAMES)
    files = tuple(
        RawFile(
            name,
            f"md5:{_md5(p)}" if "labels" in name else f"sha256:{_sha256(p)}",
            f"https://example.invalid/toy/{name}",
            "toy",
        )
        for name, p in src.items()
    )
    monkeypatch.setitem(RAW_FILES, "toy", files)
    return {"src": src, "files": files, "mirror": tmp_path / "mirror", "dest": tmp_path / "dest"}


def _place(src: dict[str, Path], folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, p in src.items():
        shutil.copyfile(p, folder / name)


def _only_final_names(dest: Path) -> set[str]:
    names = {p.name for p in dest.iterdir()} if dest.exists() else set()
    assert not [n for n in names if n.startswith(".") or n.endswith(".part")], names
    return names


# ------------------------------------------------------------------------------------------------ registry
def test_registry_shape() -> None:
    assert set(RAW_FILES) >= {"mnist", "fashion_mnist", "emnist_letters"}
    assert [f.name for f in RAW_FILES["mnist"]] == list(TOY_NAMES)
    assert [f.name for f in RAW_FILES["fashion_mnist"]] == list(TOY_NAMES)
    assert [f.name for f in RAW_FILES["emnist_letters"]] == list(LETTER_NAMES)
    assert all(f.url and f.url.startswith("https://ossci-datasets.s3.amazonaws.com/mnist/") for f in RAW_FILES["mnist"])
    assert all(f.url is None and f.subdir == "emnist" for f in RAW_FILES["emnist_letters"])
    assert ARCHIVES["emnist_letters"].file.known_hash == "md5:58c8d27c78d21e728a6bc7b3cc06412e"
    assert ARCHIVES["emnist_letters"].member_prefix == "gzip/"


@pytest.mark.parametrize("bad", ["58c8d27c78d21e728a6bc7b3cc06412e", "md5:xyz", "md5:abc", "nohash:00"])
def test_rawfile_rejects_malformed_hash(bad: str) -> None:
    with pytest.raises(DataError, match="malformed hash"):
        RawFile("x.gz", bad, None, "x")


def test_verify(tmp_path: Path) -> None:
    p = tmp_path / "f.bin"
    p.write_bytes(b"hello")
    verify(p, "md5:" + hashlib.md5(b"hello").hexdigest())
    verify(p, "sha256:" + hashlib.sha256(b"hello").hexdigest())
    with pytest.raises(DataError) as exc:
        verify(p, "md5:" + "0" * 32)
    msg = str(exc.value)
    assert "f.bin" in msg and "0" * 32 in msg and hashlib.md5(b"hello").hexdigest() in msg


def test_unknown_dataset_lists_known(tmp_path: Path) -> None:
    with pytest.raises(DataError) as exc:
        fetch("mnsit", tmp_path)
    msg = str(exc.value)
    assert "mnsit" in msg and "mnist" in msg and "fashion_mnist" in msg and "emnist_letters" in msg


# ------------------------------------------------------------------------------------------------ mirror
@pytest.mark.parametrize("layout", ["subdir", "flat"])
def test_mirror_layouts(toy: dict, layout: str) -> None:
    _place(toy["src"], toy["mirror"] / "toy" if layout == "subdir" else toy["mirror"])
    got = fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)
    assert list(got) == list(TOY_NAMES)
    for name, path in got.items():
        assert path == toy["dest"] / name
        assert path.read_bytes() == toy["src"][name].read_bytes()
    assert _only_final_names(toy["dest"]) == set(TOY_NAMES)
    data = load_mnist_like(got)
    assert data["X_train"].shape == (6, 4, 5) and data["y_test"].shape == (4,)


def test_mirror_from_environment(toy: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    _place(toy["src"], toy["mirror"] / "toy")
    monkeypatch.setenv(MIRROR_ENV, str(toy["mirror"]))
    assert set(fetch("toy", toy["dest"], allow_download=False)) == set(TOY_NAMES)


def test_resolve_mirror_and_emnist_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    assert resolve_mirror(None) is None and resolve_mirror("") is None  # no argument and no $SCRATCHNET_DATA_MIRROR
    monkeypatch.setenv(MIRROR_ENV, " ~/env-mirror ")
    for not_given in (None, "", "  "):  # a config's `mirror: null` or an empty string fall back to the variable
        assert resolve_mirror(not_given) == home / "env-mirror"
    assert resolve_mirror("~/given") == home / "given"  # an explicit folder beats the variable
    assert resolve_mirror(tmp_path / "p") == tmp_path / "p"
    assert resolve_emnist_zip_cache(None) == resolve_emnist_zip_cache(" ") == home / ".cache" / "emnist" / "emnist.zip"
    assert resolve_emnist_zip_cache(None) == DEFAULT_EMNIST_ZIP_CACHE.expanduser()
    assert resolve_emnist_zip_cache("~/z.zip") == home / "z.zip"


@pytest.mark.parametrize("mirror_cfg", ["null", "empty", "given"])
def test_pipeline_fetch_step_finds_the_mirror_like_fetch(
    toy: dict, monkeypatch: pytest.MonkeyPatch, mirror_cfg: str
) -> None:
    """The pipeline's fetch step resolves config through the same functions: null / "" -> the variable."""
    _place(toy["src"], toy["mirror"] / "toy")
    if mirror_cfg == "given":
        monkeypatch.setenv(MIRROR_ENV, str(toy["mirror"] / "wrong"))
        mirror = str(toy["mirror"])
    else:
        monkeypatch.setenv(MIRROR_ENV, str(toy["mirror"]))
        mirror = None if mirror_cfg == "null" else ""
    cfg = {"mirror": mirror, "allow_download": False, "emnist_zip_cache": None}
    status = fetch_raw("toy", cfg, toy["dest"] / "status.json")
    assert status["available"], status
    assert set(status["files"]) == set(TOY_NAMES)


def test_second_fetch_uses_dest(toy: dict) -> None:
    _place(toy["src"], toy["mirror"])
    fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)
    shutil.rmtree(toy["mirror"])
    assert set(fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)) == set(TOY_NAMES)


def test_mirror_file_with_wrong_hash(toy: dict) -> None:
    _place(toy["src"], toy["mirror"] / "toy")
    bad = toy["mirror"] / "toy" / "t10k-images-idx3-ubyte.gz"
    bad.write_bytes(b"corrupted copy")
    rf = next(f for f in toy["files"] if f.name == bad.name)
    with pytest.raises(DataError) as exc:
        fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)
    msg = str(exc.value)
    assert str(bad) in msg
    assert rf.known_hash.split(":")[1] in msg  # expected
    assert hashlib.sha256(b"corrupted copy").hexdigest() in msg  # actual
    assert bad.name not in _only_final_names(toy["dest"])  # nothing unverified under the final name


def test_missing_file_lists_places(toy: dict) -> None:
    src = dict(toy["src"])
    del src["train-labels-idx1-ubyte.gz"]
    _place(src, toy["mirror"] / "toy")
    with pytest.raises(DataError) as exc:
        fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)
    msg = str(exc.value)
    assert "train-labels-idx1-ubyte.gz not found" in msg
    assert str(toy["mirror"] / "toy" / "train-labels-idx1-ubyte.gz") in msg
    assert str(toy["mirror"] / "train-labels-idx1-ubyte.gz") in msg
    assert "allow_download=False" in msg and "https://example.invalid/toy/train-labels-idx1-ubyte.gz" in msg
    assert "1 of 4" in msg
    # the other three were fetched and verified; nothing else is in dest
    assert _only_final_names(toy["dest"]) == set(TOY_NAMES) - {"train-labels-idx1-ubyte.gz"}


def test_no_mirror_configured_is_said(toy: dict) -> None:
    with pytest.raises(DataError, match=MIRROR_ENV):
        fetch("toy", toy["dest"], allow_download=False)


def test_bad_file_in_dest_is_replaced(toy: dict) -> None:
    _place(toy["src"], toy["mirror"])
    toy["dest"].mkdir()
    stale = toy["dest"] / "train-images-idx3-ubyte.gz"
    stale.write_bytes(b"stale partial download")
    got = fetch("toy", toy["dest"], mirror=toy["mirror"], allow_download=False)
    assert got[stale.name].read_bytes() == toy["src"][stale.name].read_bytes()


def test_bad_file_in_dest_is_deleted_even_if_nothing_replaces_it(toy: dict) -> None:
    toy["dest"].mkdir()
    stale = toy["dest"] / "train-images-idx3-ubyte.gz"
    stale.write_bytes(b"stale")
    with pytest.raises(DataError, match="wrong hash, deleted"):
        fetch("toy", toy["dest"], allow_download=False)
    assert not stale.exists()


# ------------------------------------------------------------------------------------------------ download
def test_download_with_pooch(toy: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_retrieve(url: str, known_hash: str, fname: str, path: Path, progressbar: bool, downloader) -> str:
        calls.append((url, known_hash, fname, progressbar, downloader))
        shutil.copyfile(toy["src"][fname], Path(path) / fname)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = fetch("toy", toy["dest"])
    assert set(got) == set(TOY_NAMES) and len(calls) == 4
    url, known_hash, fname, progressbar, downloader = calls[0]
    assert url == f"https://example.invalid/toy/{fname}"
    assert known_hash == next(f.known_hash for f in toy["files"] if f.name == fname)
    assert progressbar is False and isinstance(downloader, pooch.HTTPDownloader)
    assert downloader.kwargs.get("timeout") == sources.DOWNLOAD_TIMEOUT


def test_download_failure_is_reported(toy: dict, no_network: list[dict]) -> None:
    with pytest.raises(DataError) as exc:
        fetch("toy", toy["dest"], mirror=toy["mirror"])
    msg = str(exc.value)
    assert "download from https://example.invalid/toy/train-images-idx3-ubyte.gz failed" in msg
    assert "no network in tests" in msg
    assert len(no_network) == 4
    assert _only_final_names(toy["dest"]) == set()


# ------------------------------------------------------------------------------------------------ archives
@pytest.fixture
def letters(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Registry 'toy_letters' (no direct URLs) + archive gzip.zip holding gzip/<name> members."""
    src = _write_toy_files(tmp_path / "src", LETTER_NAMES, seed=1)
    files = tuple(RawFile(n, f"md5:{_md5(p)}", None, "emnist") for n, p in src.items())
    zpath = tmp_path / "zips" / "gzip.zip"
    zpath.parent.mkdir()
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("gzip/emnist-balanced-train-images-idx3-ubyte.gz", b"another split")
        for name, p in src.items():
            zf.write(p, f"gzip/{name}")
    archive = Archive(RawFile("gzip.zip", f"md5:{_md5(zpath)}", "https://example.invalid/gzip.zip", "emnist"), "gzip/")
    monkeypatch.setitem(RAW_FILES, "toy_letters", files)
    monkeypatch.setitem(ARCHIVES, "toy_letters", archive)
    return {"src": src, "zip": zpath, "archive": archive, "dest": tmp_path / "dest", "mirror": tmp_path / "mirror"}


def test_emnist_zip_cache(letters: dict) -> None:
    got = fetch("toy_letters", letters["dest"], allow_download=False, emnist_zip_cache=letters["zip"])
    assert list(got) == list(LETTER_NAMES)
    for name, path in got.items():
        assert path.read_bytes() == letters["src"][name].read_bytes()
    assert _only_final_names(letters["dest"]) == set(LETTER_NAMES)
    data = load_emnist_letters(got)
    raw = read_idx(letters["src"]["emnist-letters-train-images-idx3-ubyte.gz"])
    np.testing.assert_array_equal(data["X_train"], raw.transpose(0, 2, 1))


def test_emnist_zip_cache_with_wrong_hash_is_skipped(letters: dict) -> None:
    bad = letters["zip"].with_name("other.zip")
    bad.write_bytes(b"PK not really")
    with pytest.raises(DataError) as exc:
        fetch("toy_letters", letters["dest"], allow_download=False, emnist_zip_cache=bad)
    msg = str(exc.value)
    assert f"emnist package cache {bad} (present but unusable" in msg
    assert "emnist-letters-train-images-idx3-ubyte.gz not found" in msg


@pytest.mark.parametrize("where", ["emnist", "."])
def test_archive_in_mirror(letters: dict, where: str) -> None:
    (letters["mirror"] / where).mkdir(parents=True, exist_ok=True)
    shutil.copyfile(letters["zip"], letters["mirror"] / where / "gzip.zip")
    got = fetch(
        "toy_letters",
        letters["dest"],
        mirror=letters["mirror"],
        allow_download=False,
        emnist_zip_cache=letters["dest"] / "absent.zip",
    )
    assert set(got) == set(LETTER_NAMES)


def test_loose_files_in_mirror_beat_archive(letters: dict) -> None:
    # labels loose in the mirror (like /work/shared/datasets/emnist), images from the cache zip
    _place({n: p for n, p in letters["src"].items() if "labels" in n}, letters["mirror"] / "emnist")
    got = fetch(
        "toy_letters", letters["dest"], mirror=letters["mirror"], allow_download=False, emnist_zip_cache=letters["zip"]
    )
    assert set(got) == set(LETTER_NAMES)


def test_mirror_archive_with_wrong_hash(letters: dict) -> None:
    letters["mirror"].mkdir()
    bad = letters["mirror"] / "gzip.zip"
    bad.write_bytes(b"truncated zip")
    with pytest.raises(DataError) as exc:
        fetch("toy_letters", letters["dest"], mirror=letters["mirror"], allow_download=False)
    msg = str(exc.value)
    assert str(bad) in msg and letters["archive"].file.known_hash.split(":")[1] in msg
    assert hashlib.md5(b"truncated zip").hexdigest() in msg


def test_archive_download_once_then_extract(letters: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def fake_retrieve(url: str, known_hash: str, fname: str, path: Path, **kwargs: object) -> str:
        calls.append(url)
        shutil.copyfile(letters["zip"], Path(path) / fname)
        return str(Path(path) / fname)

    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    got = fetch("toy_letters", letters["dest"], emnist_zip_cache=letters["dest"] / "absent.zip")
    assert set(got) == set(LETTER_NAMES)
    assert calls == ["https://example.invalid/gzip.zip"]


def test_archive_download_failure_message(letters: dict, tmp_path: Path) -> None:
    cache = tmp_path / "home" / ".cache" / "emnist" / "emnist.zip"
    with pytest.raises(DataError) as exc:
        fetch("toy_letters", letters["dest"], mirror=letters["mirror"], emnist_zip_cache=cache)
    msg = str(exc.value)
    assert "emnist-letters-test-images-idx3-ubyte.gz not found" in msg
    assert f"emnist package cache {cache} (absent)" in msg
    assert "download from https://example.invalid/gzip.zip failed" in msg and "no network in tests" in msg


def test_extracted_member_with_wrong_hash_leaves_nothing(letters: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    files = tuple(
        RawFile(f.name, "md5:" + "0" * 32, None, "emnist") if "train-images" in f.name else f
        for f in RAW_FILES["toy_letters"]
    )
    monkeypatch.setitem(RAW_FILES, "toy_letters", files)
    with pytest.raises(DataError, match="0" * 32):
        fetch("toy_letters", letters["dest"], allow_download=False, emnist_zip_cache=letters["zip"])
    assert "emnist-letters-train-images-idx3-ubyte.gz" not in _only_final_names(letters["dest"])


# ------------------------------------------------------------------------------------------------ real mirror
def _real_mirror() -> Path | None:
    env = os.environ.get(MIRROR_ENV, "").strip()
    for cand in (env, "/work/shared/datasets"):
        if cand and (Path(cand) / "mnist").is_dir():
            return Path(cand)
    return None


REAL_MIRROR = _real_mirror()
needs_mirror = pytest.mark.skipif(REAL_MIRROR is None, reason="offline dataset mirror not available")


@needs_mirror
def test_registry_matches_manifest() -> None:
    manifest = REAL_MIRROR / "MANIFEST.tsv"
    if not manifest.is_file():
        pytest.skip("no MANIFEST.tsv in the mirror")
    key = {"mnist": "mnist", "fashion-mnist": "fashion_mnist", "emnist": "emnist_letters"}
    rows = [line.split("\t") for line in manifest.read_text().splitlines()[1:] if line.strip()]
    checked = 0
    for row in rows:
        dataset, name, md5 = key[row[0]], row[1], row[3]
        rf = next(f for f in RAW_FILES[dataset] if f.name == name)
        if rf.known_hash.startswith("md5:"):
            assert rf.known_hash == f"md5:{md5}", name
            checked += 1
    assert checked == 10


@needs_mirror
@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_real_mirror_mnist_like(dataset: str, tmp_path: Path) -> None:
    got = fetch(dataset, tmp_path, mirror=REAL_MIRROR, allow_download=False)
    data = load_mnist_like(got)
    assert data["X_train"].shape == (60000, 28, 28) and data["X_train"].dtype == np.uint8
    assert data["X_test"].shape == (10000, 28, 28)
    assert data["y_train"].shape == (60000,) and data["y_test"].shape == (10000,)
    assert set(np.unique(data["y_train"]).tolist()) == set(range(10))
    assert np.bincount(data["y_test"]).min() >= 800
    assert 0 < data["X_train"].mean() < 128


@needs_mirror
def test_real_mirror_emnist_images_missing(tmp_path: Path) -> None:
    if (REAL_MIRROR / "emnist" / "emnist-letters-train-images-idx3-ubyte.gz").exists():
        pytest.skip("this mirror has the EMNIST image files")
    with pytest.raises(DataError) as exc:
        fetch(
            "emnist_letters",
            tmp_path / "dest",
            mirror=REAL_MIRROR,
            allow_download=False,
            emnist_zip_cache=tmp_path / "empty-cache" / "emnist.zip",
        )
    msg = str(exc.value)
    assert "emnist-letters-train-images-idx3-ubyte.gz not found" in msg
    assert "emnist-letters-test-images-idx3-ubyte.gz not found" in msg
    assert str(REAL_MIRROR / "emnist" / "emnist-letters-train-images-idx3-ubyte.gz") in msg
    assert str(tmp_path / "empty-cache" / "emnist.zip") in msg
    # the label files, which the mirror has, were fetched and verified
    assert _only_final_names(tmp_path / "dest") == {
        "emnist-letters-train-labels-idx1-ubyte.gz",
        "emnist-letters-test-labels-idx1-ubyte.gz",
    }
    assert read_idx(tmp_path / "dest" / "emnist-letters-test-labels-idx1-ubyte.gz").shape == (20800,)
