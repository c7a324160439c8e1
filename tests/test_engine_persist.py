"""Files the package writes: their permissions, and every way a saved model can be broken, each refused with a
message that names the file (and the other file of the pair when the two do not belong together)."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from scratchnet.atomic import atomic_open
from scratchnet.data import write_idx
from scratchnet.models import MLPClassifier
from scratchnet.persist import FORMAT, content_digest, load_model, save_model, weights_digest
from scratchnet.pipeline.io import write_json, write_npz, write_text

# --- file modes ---------------------------------------------------------------------------------------------------


@pytest.fixture
def umask() -> Iterator[Callable[[int], int]]:
    """``umask(m)`` sets the process umask for the test; the original is restored afterwards."""
    original = os.umask(0o022)
    os.umask(original)
    yield os.umask
    os.umask(original)


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def _model(seed: int = 0) -> MLPClassifier:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((30, 4)).astype(np.float32)
    return MLPClassifier([4, 5, 3], activation="tanh", seed=seed).fit(X, np.arange(30) % 3, epochs=1, batch_size=10)


def _write_everything(folder: Path) -> list[Path]:
    write_json(folder / "a.json", {"x": 1})
    write_npz(folder / "b.npz", x=np.arange(3))
    write_text(folder / "c.md", "text\n")
    npz, meta = save_model(_model(), folder / "sub" / "model")
    idx = write_idx(folder / "d-idx1-ubyte.gz", np.arange(5, dtype=np.uint8))
    return [folder / "a.json", folder / "b.npz", folder / "c.md", npz, meta, idx]


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_mode_a_plain_open_would_give(tmp_path: Path, umask, mask: int, expected: int) -> None:
    umask(mask)
    files = _write_everything(tmp_path)
    for f in files:
        assert _mode(f) == expected, f"{f.name}: {oct(_mode(f))}, expected {oct(expected)} under umask {oct(mask)}"
    with open(tmp_path / "plain", "wb"):
        pass
    assert _mode(tmp_path / "plain") == expected  # the reference: what open() gives under this umask
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()], "temporary files left behind"


def test_atomic_open_leaves_the_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target) as fh:
        fh.write(b"half-written")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


# --- model files --------------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    return save_model(_model(0), tmp_path / "m", metadata={"seed": 0})


def _load_error(path: Path, exc_type: type[Exception] = ValueError) -> str:
    with pytest.raises(exc_type) as exc:
        load_model(path)
    return str(exc.value)


def _rewrite(npz: Path, meta: Path, arrays: dict[str, np.ndarray] | None = None, **changes) -> None:
    """Write ``arrays`` into ``npz`` and apply ``changes`` to the JSON, then record digests that match both: a
    consistent pair, so the check under test is the only one that can refuse it."""
    doc = json.loads(meta.read_text())
    if arrays is not None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        npz.write_bytes(buf.getvalue())
        doc["weights_sha256"] = weights_digest(arrays)
    doc.update(changes)
    doc["content_sha256"] = content_digest(doc)
    meta.write_text(json.dumps(doc))


def test_round_trip_records_both_digests(saved) -> None:
    npz, meta = saved
    doc = json.loads(meta.read_text())
    assert doc["format"] == FORMAT == "scratchnet-model/2"
    with np.load(npz, allow_pickle=False) as data:
        assert doc["weights_sha256"] == weights_digest({k: data[k] for k in data.files})
    assert doc["content_sha256"] == content_digest(doc)
    loaded = load_model(meta)
    for k, v in _model(0).parameters().items():
        np.testing.assert_array_equal(loaded.parameters()[k], v)


@pytest.mark.parametrize("which", ["npz", "json"])
def test_missing_file_is_named(saved, which: str) -> None:
    npz, meta = saved
    gone = npz if which == "npz" else meta
    gone.unlink()
    msg = _load_error(npz.with_suffix(""), FileNotFoundError)
    assert msg.startswith(f"{gone}: model file not found")


def test_random_bytes_are_not_a_weights_file(saved) -> None:
    npz, _ = saved
    npz.write_bytes(np.random.default_rng(0).bytes(4096))
    msg = _load_error(npz)
    assert msg.startswith(f"{npz}: not a scratchnet model weights file")
    assert "pickle" not in msg


def test_npy_file_is_not_a_weights_file(saved) -> None:
    npz, _ = saved
    buf = io.BytesIO()
    np.save(buf, np.zeros(3))
    npz.write_bytes(buf.getvalue())
    assert _load_error(npz).startswith(f"{npz}: not a scratchnet model weights file")


@pytest.mark.parametrize("damage", ["truncated", "flipped"])
def test_corrupt_npz_is_named(saved, damage: str) -> None:
    npz, _ = saved
    raw = bytearray(npz.read_bytes())
    if damage == "truncated":
        raw = raw[: len(raw) // 2]
    else:  # np.savez stores members uncompressed: flip bytes inside the first array, caught by the zip CRC
        raw[100:110] = bytes(b ^ 0xFF for b in raw[100:110])
    npz.write_bytes(bytes(raw))
    msg = _load_error(npz)
    assert msg.startswith(f"{npz}: not a scratchnet model weights file (")


def test_invalid_json_is_named(saved) -> None:
    npz, meta = saved
    meta.write_text('{"format": ')
    assert _load_error(npz).startswith(f"{meta}: not a scratchnet model metadata file (not valid JSON")


def test_old_format_is_refused_with_a_reason(saved) -> None:
    npz, meta = saved
    _rewrite(npz, meta, format="scratchnet-model/1")
    msg = _load_error(npz)
    assert msg.startswith(f"{meta}: model format 'scratchnet-model/1' is no longer read")
    assert "train the model again" in msg and npz.name in msg


def test_foreign_json_is_refused(saved) -> None:
    npz, meta = saved
    meta.write_text(json.dumps({"format": "something-else/3"}))
    assert _load_error(npz) == (
        f"{meta}: not a scratchnet model metadata file (format 'something-else/3', expected 'scratchnet-model/2')"
    )


def test_hand_edited_json_is_refused_naming_both_files(saved) -> None:
    npz, meta = saved
    doc = json.loads(meta.read_text())
    doc["metadata"]["seed"] = 1  # an innocent-looking edit: the weights were not trained with seed 1
    meta.write_text(json.dumps(doc, indent=2))
    msg = _load_error(npz)
    assert msg.startswith(f"{meta}: edited after it was saved") and str(npz) in msg


def test_swapped_npz_is_refused_naming_both_files(tmp_path: Path, saved) -> None:
    npz, meta = saved
    other_npz, _ = save_model(_model(1), tmp_path / "other")  # same architecture, different weights
    npz.write_bytes(other_npz.read_bytes())
    msg = _load_error(meta)
    assert msg.startswith(f"{npz} and {meta} do not belong together: the weights' SHA-256 is ")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused_naming_file_and_parameter(saved, bad: float) -> None:
    npz, meta = saved
    with np.load(npz, allow_pickle=False) as data:
        arrays = {k: data[k].copy() for k in data.files}
    arrays["2.W"][1, 2] = bad
    arrays["2.W"][0, 0] = bad
    _rewrite(npz, meta, arrays)  # digests that match: only the finiteness check can refuse it
    assert _load_error(npz) == f"{npz}: parameter '2.W' holds non-finite weights (NaN or inf): 2 of 15"


def test_save_refuses_non_finite_weights(tmp_path: Path) -> None:
    model = _model(0)
    model.parameters()["0.b"][3] = np.nan
    with pytest.raises(ValueError) as exc:
        save_model(model, tmp_path / "m")
    npz = tmp_path / "m.npz"
    expected = f"cannot save model to {npz}: parameter '0.b' holds non-finite weights (NaN or inf): 1 of 5"
    assert str(exc.value) == expected
    assert not list(tmp_path.iterdir())


def test_weights_that_do_not_fit_the_described_model(saved) -> None:
    npz, meta = saved
    with np.load(npz, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    _rewrite(npz, meta, {**arrays, "0.W": np.zeros((4, 6), np.float32)})
    msg = _load_error(npz)
    assert msg == f"{npz}: parameter '0.W' is float32 (4, 6), the model described in {meta} needs float32 (4, 5)"
    _rewrite(npz, meta, {**arrays, "0.W": arrays["0.W"].astype(np.float64)})
    assert "is float64 (4, 5)" in _load_error(npz)
    _rewrite(npz, meta, {k: v for k, v in arrays.items() if k != "2.b"})
    assert _load_error(npz) == (
        f"{npz}: parameters do not match the model described in {meta} (missing ['2.b'], extra [])"
    )


def test_unknown_model_class_names_the_json(saved) -> None:
    npz, meta = saved
    _rewrite(npz, meta, **{"class": "Transformer"})
    assert _load_error(npz).startswith(f"{meta}: cannot rebuild the model: unknown model 'Transformer'")


def test_weights_digest_covers_names_dtypes_shapes_and_bytes() -> None:
    a = np.arange(6, dtype=np.float32)
    base = weights_digest({"w": a})
    assert weights_digest({"w": a.copy()}) == base
    assert weights_digest({"v": a}) != base
    assert weights_digest({"w": a.reshape(2, 3)}) != base
    assert weights_digest({"w": a.view(np.int32)}) != base  # same bytes, other dtype
    assert weights_digest({"w": a.astype(">f4")}) != base  # same values, other byte order
    b = a.copy()
    b[5] = np.nextafter(b[5], np.float32(10))
    assert weights_digest({"w": b}) != base
    # names are sorted: insertion order does not matter, but which array has which name does
    x, y = np.zeros(2, np.float32), np.ones(2, np.float32)
    assert weights_digest({"x": x, "y": y}) == weights_digest({"y": y, "x": x})
    assert weights_digest({"x": x, "y": y}) != weights_digest({"x": y, "y": x})


def test_read_npz_names_the_file(tmp_path) -> None:
    from scratchnet.pipeline.io import read_npz

    bad = tmp_path / "junk.npz"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"junk\.npz: not a readable \.npz array file"):
        read_npz(bad)
    with pytest.raises(FileNotFoundError, match=r"gone\.npz: not found"):
        read_npz(tmp_path / "gone.npz")
