"""EMNIST Letters through the ``emnist`` PyPI package, on a small zip in NIST's ``gzip.zip`` layout built from the
genuine F and L test images of the offline mirror (``emnist-samples/letters-test-F-L.npz``)."""

from __future__ import annotations

import os
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import DataError, file_hash, load_emnist_letters, write_idx
from scratchnet.data.emnist_package import load_emnist_letters_via_package, locate_emnist_zip, parse_idx_bytes
from scratchnet.data.sources import EMNIST_ZIP

emnist = pytest.importorskip("emnist", reason='the emnist package is not installed (pip install -e ".[emnist]")')

MIRROR = Path(os.environ.get("SCRATCHNET_DATA_MIRROR", "/work/shared/datasets"))
SAMPLES = MIRROR / "emnist-samples" / "letters-test-F-L.npz"
pytestmark = pytest.mark.skipif(not SAMPLES.exists(), reason=f"no genuine EMNIST sample at {SAMPLES}")

NAMES = {
    ("train", "images"): "emnist-letters-train-images-idx3-ubyte.gz",
    ("train", "labels"): "emnist-letters-train-labels-idx1-ubyte.gz",
    ("test", "images"): "emnist-letters-test-images-idx3-ubyte.gz",
    ("test", "labels"): "emnist-letters-test-labels-idx1-ubyte.gz",
}


@pytest.fixture(scope="module")
def official_layout(tmp_path_factory) -> tuple[Path, dict[str, Path], dict[str, np.ndarray]]:
    """(zip in gzip.zip's layout, the same four IDX files loose, the stored arrays): even samples train, odd test."""
    d = np.load(SAMPLES)
    stored = {
        "X_train": d["images"][0::2],
        "y_train": d["labels"][0::2],
        "X_test": d["images"][1::2],
        "y_test": d["labels"][1::2],
    }
    tmp = tmp_path_factory.mktemp("emnist")
    loose = {}
    for (part, kind), name in NAMES.items():
        loose[name] = write_idx(tmp / "loose" / name, stored[f"{'X' if kind == 'images' else 'y'}_{part}"])
    zip_path = tmp / "gzip.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for name, path in loose.items():
            zf.write(path, f"gzip/{name}")
        zf.writestr("gzip/emnist-digits-test-labels-idx1-ubyte.gz", b"another split, never read")
    return zip_path, loose, stored


def md5_of(path: Path) -> str:
    return f"md5:{file_hash(path, 'md5')}"


def test_package_reads_the_letters_upright_as_our_loader_does(official_layout, monkeypatch, tmp_path) -> None:
    zip_path, loose, stored = official_layout
    monkeypatch.setenv("HOME", str(tmp_path))  # the package's default cache would be here
    data = load_emnist_letters_via_package(zip_path, known_hash=md5_of(zip_path))
    ours = load_emnist_letters(loose)
    assert sorted(data) == sorted(ours) == ["X_test", "X_train", "y_test", "y_train"]
    for key in ours:
        assert data[key].dtype == ours[key].dtype and np.array_equal(data[key], ours[key]), key
    assert np.array_equal(data["y_train"], stored["y_train"].astype(np.int64))  # 6 = F, 12 = L, as in the file
    assert data["X_train"].shape == (800, 28, 28)
    # upright: an F has more ink in its top third than in its bottom third, an L the other way round
    X, y = data["X_train"].astype(float), data["y_train"]
    f, l_ = X[y == 6].mean(0), X[y == 12].mean(0)
    assert f[:9].sum() > f[19:].sum() and l_[19:].sum() > l_[:9].sum()
    # the package was pointed at our zip only for the call, and downloaded nothing
    assert emnist.CACHE_FILE_PATH == "~/.cache/emnist/emnist.zip"
    assert not (tmp_path / ".cache").exists()


def test_a_zip_failing_its_checksum_is_never_read(official_layout, monkeypatch) -> None:
    zip_path, _, _ = official_layout

    def must_not_run(*args, **kwargs):
        raise AssertionError("the package read an unverified archive")

    monkeypatch.setattr(emnist, "extract_training_samples", must_not_run)
    with pytest.raises(DataError, match=r"gzip\.zip: wrong md5: expected 58c8d27c"):
        load_emnist_letters_via_package(zip_path)  # the official md5: our small zip is not NIST's


def test_a_missing_member_is_named(tmp_path) -> None:
    zip_path = tmp_path / "gzip.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        zf.writestr("gzip/emnist-digits-test-labels-idx1-ubyte.gz", b"")
    with pytest.raises(DataError, match=r"emnist-letters-train-images-idx3-ubyte\.gz"):
        load_emnist_letters_via_package(zip_path, known_hash=md5_of(zip_path))


def test_missing_package_is_a_clear_error(official_layout, monkeypatch) -> None:
    zip_path, _, _ = official_layout
    monkeypatch.setitem(sys.modules, "emnist", None)  # import emnist now raises ImportError
    with pytest.raises(DataError, match=r'pip install -e "\.\[emnist\]"'):
        load_emnist_letters_via_package(zip_path, known_hash=md5_of(zip_path))


def test_locate_finds_the_mirror_zip_and_lists_every_place(official_layout, tmp_path, monkeypatch) -> None:
    zip_path, _, _ = official_layout
    monkeypatch.delenv("SCRATCHNET_DATA_MIRROR", raising=False)
    mirror = tmp_path / "mirror"
    (mirror / "emnist").mkdir(parents=True)
    (mirror / "emnist" / EMNIST_ZIP.name).write_bytes(zip_path.read_bytes())
    cache = tmp_path / "cache" / "emnist.zip"
    found = locate_emnist_zip(tmp_path / "raw", mirror=mirror, emnist_zip_cache=cache, known_hash=md5_of(zip_path))
    assert found == mirror / "emnist" / EMNIST_ZIP.name
    with pytest.raises(DataError) as err:
        locate_emnist_zip(tmp_path / "raw", mirror=mirror, emnist_zip_cache=cache)  # official md5: nothing matches
    message = str(err.value)
    for place in (mirror / "emnist" / "gzip.zip", mirror / "gzip.zip", tmp_path / "raw" / "gzip.zip", cache):
        assert str(place) in message
    assert "wrong md5" in message


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", "not an IDX file"),
        (b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc", "unknown IDX type code"),
        (b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + b"abc", r"shape \(4,\) \(4 bytes\), found 3"),
        (b"\x00\x00\x08\x02" + (3).to_bytes(4, "big"), "truncated"),
    ],
)
def test_idx_parser_rejects_malformed_data(data: bytes, match: str) -> None:
    with pytest.raises(DataError, match=match):
        parse_idx_bytes(data, where="member X")


def test_idx_parser_reads_big_endian_values() -> None:
    values = np.array([[1, -2], [300, 40000]], dtype=">i4")
    data = b"\x00\x00\x0c\x02" + (2).to_bytes(4, "big") + (2).to_bytes(4, "big") + values.tobytes()
    out = parse_idx_bytes(data)
    assert out.dtype == np.dtype("int32") and np.array_equal(out, values.astype(np.int32))
