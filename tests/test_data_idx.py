"""IDX reading and writing: round trips and every malformation named with the file."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import DataError, read_idx, write_idx


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


def _raw_idx(array: np.ndarray, code: int = 0x08) -> bytes:
    dt = {0x08: ">u1", 0x0B: ">i2"}[code]
    return (
        bytes([0, 0, code, array.ndim])
        + np.asarray(array.shape, dtype=">u4").tobytes()
        + np.ascontiguousarray(array, dtype=dt).tobytes()
    )


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_uint8_images_and_labels(tmp_path: Path, rng: np.random.Generator, suffix: str) -> None:
    images = rng.integers(0, 256, size=(7, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=7, dtype=np.uint8)
    pi = write_idx(tmp_path / f"images-idx3-ubyte{suffix}", images)
    pl = write_idx(tmp_path / f"labels-idx1-ubyte{suffix}", labels)
    got_i, got_l = read_idx(pi, ndim=3), read_idx(pl, ndim=1)
    assert got_i.dtype == np.uint8 and got_i.shape == (7, 28, 28)
    np.testing.assert_array_equal(got_i, images)
    np.testing.assert_array_equal(got_l, labels)
    assert got_i.flags.writeable and got_i.flags.c_contiguous
    if suffix == ".gz":
        assert pi.read_bytes()[:2] == b"\x1f\x8b"
        assert gzip.decompress(pi.read_bytes()) == _raw_idx(images)
    else:
        assert pi.read_bytes() == _raw_idx(images)


@pytest.mark.parametrize("dtype", [np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_round_trip_other_types(tmp_path: Path, rng: np.random.Generator, dtype: type, suffix: str) -> None:
    a = (rng.standard_normal((3, 4, 5)) * 100).astype(dtype)
    p = write_idx(tmp_path / f"a.idx{suffix}", a)
    b = read_idx(p)
    assert b.dtype == np.dtype(dtype) and b.dtype.isnative
    np.testing.assert_array_equal(a, b)


def test_big_endian_on_disk(tmp_path: Path) -> None:
    a = np.array([1, 258], dtype=np.int16)
    p = write_idx(tmp_path / "x.idx", a)
    assert p.read_bytes() == bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0, 1, 1, 2])
    np.testing.assert_array_equal(read_idx(p), a)


def test_gzip_is_reproducible(tmp_path: Path) -> None:
    a = np.arange(100, dtype=np.uint8)
    assert write_idx(tmp_path / "a.gz", a).read_bytes() == write_idx(tmp_path / "b.gz", a).read_bytes()


def test_empty_array(tmp_path: Path) -> None:
    a = np.zeros((0, 28, 28), dtype=np.uint8)
    assert read_idx(write_idx(tmp_path / "e.gz", a)).shape == (0, 28, 28)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_truncated_payload(tmp_path: Path, suffix: str) -> None:
    raw = _raw_idx(np.zeros((10, 28, 28), dtype=np.uint8))[:-5]
    p = tmp_path / f"short-idx3-ubyte{suffix}"
    p.write_bytes(gzip.compress(raw) if suffix else raw)
    with pytest.raises(DataError) as exc:
        read_idx(p)
    msg = str(exc.value)
    assert p.name in msg and "truncated" in msg
    assert "7840" in msg and "7835" in msg  # expected vs actual payload bytes


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("code, itemsize", [(0x08, 1), (0x0E, 8)])
def test_huge_declared_size_is_refused_before_allocating(tmp_path: Path, suffix: str, code: int, itemsize: int) -> None:
    # 10**6 x 10**6 items: 1 TB (8 TB as float64) that np.empty would fail to allocate; the file holds 100 bytes
    header = bytes([0, 0, code, 2]) + np.asarray([10**6, 10**6], dtype=">u4").tobytes()
    raw = header + bytes(100)
    p = tmp_path / f"huge-idx2{suffix}"
    p.write_bytes(gzip.compress(raw) if suffix else raw)
    with pytest.raises(DataError) as exc:
        read_idx(p)
    msg = str(exc.value)
    what = "the decompressed stream" if suffix else "the file"
    assert msg == (
        f"IDX file {p}: truncated payload: the header declares dims (1000000, 1000000) of "
        f"{'uint8' if code == 0x08 else 'float64'}, i.e. {10**12 * itemsize} bytes after the header, "
        f"but {what} holds 100"
    )


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_trailing_bytes(tmp_path: Path, suffix: str) -> None:
    raw = _raw_idx(np.zeros((10,), dtype=np.uint8)) + b"xyz"
    p = tmp_path / f"long-idx1-ubyte{suffix}"
    p.write_bytes(gzip.compress(raw) if suffix else raw)
    with pytest.raises(DataError) as exc:
        read_idx(p)
    msg = str(exc.value)
    assert p.name in msg and "trailing" in msg and "10" in msg and "13" in msg


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "magic"),  # first two bytes not zero
        (b"\x00\x00\x42\x01\x00\x00\x00\x01\x05", "type code 0x42"),
        (b"\x00\x00\x08\x00\x05", "0 dimensions"),
        (b"\x00\x00", "too short"),
    ],
)
def test_bad_magic(tmp_path: Path, content: bytes, fragment: str) -> None:
    p = tmp_path / "bad-magic.idx"
    p.write_bytes(content)
    with pytest.raises(DataError, match=fragment) as exc:
        read_idx(p)
    assert p.name in str(exc.value)


def test_wrong_number_of_dims(tmp_path: Path) -> None:
    p = write_idx(tmp_path / "labels-idx1-ubyte.gz", np.zeros((4, 2, 2), dtype=np.uint8))
    with pytest.raises(DataError, match="3 dimensions, expected 1") as exc:
        read_idx(p, ndim=1)
    assert p.name in str(exc.value)


def test_truncated_dims_header(tmp_path: Path) -> None:
    p = tmp_path / "hdr.idx"
    p.write_bytes(b"\x00\x00\x08\x03" + b"\x00\x00\x00\x0a" + b"\x00\x00")  # 3 dims declared, 6 bytes given
    with pytest.raises(DataError, match="dims header truncated") as exc:
        read_idx(p)
    assert p.name in str(exc.value) and "12" in str(exc.value)


def test_corrupt_gzip(tmp_path: Path) -> None:
    p = tmp_path / "garbage-idx3-ubyte.gz"
    p.write_bytes(b"this is not gzip at all")
    with pytest.raises(DataError, match="gzip") as exc:
        read_idx(p)
    assert p.name in str(exc.value)


def test_truncated_gzip_stream(tmp_path: Path, rng: np.random.Generator) -> None:
    good = write_idx(tmp_path / "ok.gz", rng.integers(0, 256, size=(50, 28, 28), dtype=np.uint8))
    p = tmp_path / "cut-idx3-ubyte.gz"
    p.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(DataError, match="gzip") as exc:
        read_idx(p)
    assert p.name in str(exc.value)


def test_gzip_crc_error(tmp_path: Path) -> None:
    good = write_idx(tmp_path / "ok.gz", np.arange(200, dtype=np.uint8)).read_bytes()
    bad = good[:-8] + bytes(b ^ 0xFF for b in good[-8:-4]) + good[-4:]  # flip the CRC32 trailer
    p = tmp_path / "crc-idx1-ubyte.gz"
    p.write_bytes(bad)
    with pytest.raises(DataError) as exc:
        read_idx(p)
    assert p.name in str(exc.value)


def test_gzip_content_without_gz_name_gives_hint(tmp_path: Path) -> None:
    p = tmp_path / "images-idx3-ubyte"
    p.write_bytes(gzip.compress(_raw_idx(np.zeros((2, 2, 2), dtype=np.uint8))))
    with pytest.raises(DataError, match="gzip-compressed") as exc:
        read_idx(p)
    assert p.name in str(exc.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist") as exc:
        read_idx(tmp_path / "nope-idx1-ubyte.gz")
    assert "nope-idx1-ubyte.gz" in str(exc.value)


def test_write_rejects_unsupported_dtype(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="uint16"):
        write_idx(tmp_path / "x.idx", np.zeros(3, dtype=np.uint16))
    assert not list(tmp_path.iterdir())
