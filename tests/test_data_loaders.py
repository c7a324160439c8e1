"""Loaders, the EMNIST orientation fix (checked on real EMNIST images when available), letters_subset."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest

from scratchnet.data import (
    DataError,
    fix_emnist_orientation,
    letters_subset,
    load_emnist_letters,
    load_mnist_like,
    write_idx,
)

MNIST_NAMES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}
EMNIST_NAMES = {
    (s, k): f"emnist-letters-{s}-{k}-idx{3 if k == 'images' else 1}-ubyte.gz"
    for s in ("train", "test")
    for k in ("images", "labels")
}


def _write_set(folder: Path, names: dict, arrays: dict[tuple[str, str], np.ndarray]) -> dict[str, Path]:
    return {names[role]: write_idx(folder / names[role], arr) for role, arr in arrays.items()}


def _toy_arrays(rng: np.random.Generator, n_train: int = 8, n_test: int = 5, low: int = 0, high: int = 10) -> dict:
    return {
        ("train", "images"): rng.integers(0, 256, size=(n_train, 28, 28), dtype=np.uint8),
        ("train", "labels"): rng.integers(low, high, size=n_train, dtype=np.uint8),
        ("test", "images"): rng.integers(0, 256, size=(n_test, 28, 28), dtype=np.uint8),
        ("test", "labels"): rng.integers(low, high, size=n_test, dtype=np.uint8),
    }


# ------------------------------------------------------------------------------------------------ MNIST-like
def test_load_mnist_like(tmp_path: Path) -> None:
    arrays = _toy_arrays(np.random.default_rng(0))
    data = load_mnist_like(_write_set(tmp_path, MNIST_NAMES, arrays))
    assert set(data) == {"X_train", "y_train", "X_test", "y_test"}
    np.testing.assert_array_equal(data["X_train"], arrays[("train", "images")])
    np.testing.assert_array_equal(data["y_test"], arrays[("test", "labels")])
    assert data["X_train"].dtype == np.uint8 and data["y_train"].dtype == np.int64


def test_count_mismatch_names_both_files(tmp_path: Path) -> None:
    arrays = _toy_arrays(np.random.default_rng(0))
    arrays[("test", "labels")] = arrays[("test", "labels")][:-1]
    with pytest.raises(DataError) as exc:
        load_mnist_like(_write_set(tmp_path, MNIST_NAMES, arrays))
    msg = str(exc.value)
    assert "t10k-images-idx3-ubyte.gz" in msg and "t10k-labels-idx1-ubyte.gz" in msg
    assert "5 images" in msg and "4 labels" in msg


def test_missing_role(tmp_path: Path) -> None:
    files = _write_set(tmp_path, MNIST_NAMES, _toy_arrays(np.random.default_rng(0)))
    del files["t10k-labels-idx1-ubyte.gz"]
    with pytest.raises(DataError, match="test labels"):
        load_mnist_like(files)


def test_images_must_be_3d(tmp_path: Path) -> None:
    arrays = _toy_arrays(np.random.default_rng(0))
    arrays[("train", "images")] = arrays[("train", "images")].reshape(8, 784)
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        load_mnist_like(_write_set(tmp_path, MNIST_NAMES, arrays))


# ------------------------------------------------------------------------------------------------ EMNIST
def test_load_emnist_letters_transposes(tmp_path: Path) -> None:
    arrays = _toy_arrays(np.random.default_rng(1), low=1, high=27)
    data = load_emnist_letters(_write_set(tmp_path, EMNIST_NAMES, arrays))
    for split in ("train", "test"):
        stored = arrays[(split, "images")]
        np.testing.assert_array_equal(data[f"X_{split}"], stored.transpose(0, 2, 1))
        np.testing.assert_array_equal(data[f"y_{split}"], arrays[(split, "labels")])
    assert data["X_train"].flags.c_contiguous


def test_emnist_label_range_checked(tmp_path: Path) -> None:
    arrays = _toy_arrays(np.random.default_rng(1), low=1, high=27)
    arrays[("test", "labels")][2] = 0
    with pytest.raises(DataError) as exc:
        load_emnist_letters(_write_set(tmp_path, EMNIST_NAMES, arrays))
    assert "emnist-letters-test-labels-idx1-ubyte.gz" in str(exc.value) and "[0]" in str(exc.value)


def test_fix_orientation_single_image_and_shape_check() -> None:
    img = np.arange(6, dtype=np.uint8).reshape(2, 3)
    np.testing.assert_array_equal(fix_emnist_orientation(img), img.T)
    with pytest.raises(DataError, match=r"shape \(N, H, W\) or \(H, W\), got \(5,\)"):
        fix_emnist_orientation(np.zeros(5))


def test_letters_subset_order_and_labels() -> None:
    y = np.array([6, 1, 12, 12, 26, 6, 3])
    X = np.arange(7)[:, None] * np.ones((1, 4))
    Xs, ys = letters_subset(X, y)
    np.testing.assert_array_equal(Xs[:, 0], [0, 2, 3, 5])
    np.testing.assert_array_equal(ys, [0, 1, 1, 0])
    assert ys.dtype == np.int64
    _, ys_rev = letters_subset(X, y, letters=("l", "F"))
    np.testing.assert_array_equal(ys_rev, [1, 0, 0, 1])
    _, ys3 = letters_subset(X, y, letters="CAZ")
    np.testing.assert_array_equal(ys3, [1, 2, 0])


@pytest.mark.parametrize(
    "letters, fragment",
    [
        (("F", "F"), "letters ('F', 'F') repeat a letter"),
        (("F", "1"), "'1' is not a single letter A-Z"),
        (("FL",), "'FL' is not a single letter A-Z"),
        ((), "no letters given"),
    ],
)
def test_letters_subset_rejects_bad_letters(letters: tuple, fragment: str) -> None:
    with pytest.raises(DataError, match=re.escape(fragment)):
        letters_subset(np.zeros((3, 2)), np.array([6, 12, 1]), letters=letters)


# ------------------------------------------------------------------------------------ orientation on real images
def _samples_path() -> Path | None:
    env = os.environ.get("SCRATCHNET_DATA_MIRROR", "").strip()
    for root in (env, "/work/shared/datasets"):
        if root and (p := Path(root) / "emnist-samples" / "letters-test-F-L.npz").is_file():
            return p
    return None


SAMPLES = _samples_path()
needs_samples = pytest.mark.skipif(SAMPLES is None, reason="EMNIST F/L samples not available")


def _shape_stats(mean_image: np.ndarray) -> dict[str, float]:
    """Geometry of the ink of a class-mean image.

    Ink = pixels above 25 % of the maximum; inside its bounding box (height h, width w), ``top_width`` /
    ``bottom_width`` are the mean number of ink pixels per row over the top / bottom quarter of rows,
    ``left_height`` / ``right_height`` the mean ink pixels per column over the left / right quarter of columns,
    and ``tallness`` the ratio of the vertical to the horizontal second moment of the ink-weighted pixels.
    """
    m = mean_image.astype(np.float64)
    mask = m > 0.25 * m.max()
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    box = mask[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = box.shape
    qh, qw = max(1, h // 4), max(1, w // 4)
    rr, cc = np.indices(m.shape)
    wts = m / m.sum()
    var_r = (wts * (rr - (wts * rr).sum()) ** 2).sum()
    var_c = (wts * (cc - (wts * cc).sum()) ** 2).sum()
    return {
        "top_width": box[:qh].sum(axis=1).mean(),
        "bottom_width": box[-qh:].sum(axis=1).mean(),
        "left_height": box[:, :qw].sum(axis=0).mean(),
        "right_height": box[:, -qw:].sum(axis=0).mean(),
        "tallness": var_r / var_c,
    }


def _upright_F(mean_image: np.ndarray) -> bool:
    """Upright F: tall stem, long bar on top (top rows wider than bottom rows), stem on the left."""
    s = _shape_stats(mean_image)
    return (
        s["tallness"] > 1.3 and s["top_width"] > 1.15 * s["bottom_width"] and s["left_height"] > 1.5 * s["right_height"]
    )


def _upright_L(mean_image: np.ndarray) -> bool:
    """Upright L: tall stem, foot at the bottom (bottom rows much wider than top rows).

    Left/right is not tested on L: EMNIST's label 12 mixes "L" and "l" and handwriting slants, so the mean L has
    no clear left stem; the F test above pins down left versus right.
    """
    s = _shape_stats(mean_image)
    return s["tallness"] > 1.3 and s["bottom_width"] > 1.3 * s["top_width"]


def _dihedral(X: np.ndarray) -> dict[str, np.ndarray]:
    """The 8 rotations/reflections of a stack of images (N, H, W)."""
    out = {}
    for k in range(4):
        r = np.rot90(X, k, axes=(1, 2))
        out[f"rot{90 * k}"] = r
        out[f"rot{90 * k}+transpose"] = r.transpose(0, 2, 1)
    return out


@pytest.fixture(scope="module")
def samples() -> dict[str, np.ndarray]:
    with np.load(SAMPLES, allow_pickle=False) as d:
        return {k: d[k] for k in d.files}


@needs_samples
def test_samples_file(samples: dict[str, np.ndarray]) -> None:
    assert samples["images"].shape == (1600, 28, 28) and samples["images"].dtype == np.uint8
    assert np.bincount(samples["labels"], minlength=13)[[6, 12]].tolist() == [800, 800]


@needs_samples
def test_orientation_fix_makes_letters_upright(samples: dict[str, np.ndarray]) -> None:
    X, y = samples["images"], samples["labels"]
    fixed = fix_emnist_orientation(X)
    assert _upright_F(fixed[y == 6].mean(axis=0))
    assert _upright_L(fixed[y == 12].mean(axis=0))
    # the images as stored (transposed) fail the same tests
    assert not _upright_F(X[y == 6].mean(axis=0))
    assert not _upright_L(X[y == 12].mean(axis=0))


@needs_samples
def test_orientation_fix_is_the_only_upright_symmetry(samples: dict[str, np.ndarray]) -> None:
    """Of the 8 rotations/reflections of the stored images, exactly one shows an upright F and L: the fix."""
    X, y = samples["images"], samples["labels"]
    upright = [
        name
        for name, Z in _dihedral(X).items()
        if _upright_F(Z[y == 6].mean(axis=0)) and _upright_L(Z[y == 12].mean(axis=0))
    ]
    assert upright == ["rot0+transpose"]


@needs_samples
def test_loader_on_real_images(samples: dict[str, np.ndarray], tmp_path: Path) -> None:
    """Real images through IDX files, load_emnist_letters and letters_subset: F -> 0 and L -> 1, upright."""
    X, y = samples["images"], samples["labels"].astype(np.uint8)
    arrays = {
        ("train", "images"): X[::2],
        ("train", "labels"): y[::2],
        ("test", "images"): X[1::2],
        ("test", "labels"): y[1::2],
    }
    data = load_emnist_letters(_write_set(tmp_path, EMNIST_NAMES, arrays))
    np.testing.assert_array_equal(data["X_test"], fix_emnist_orientation(X[1::2]))
    Xs, ys = letters_subset(data["X_train"], data["y_train"], ("F", "L"))
    assert len(ys) == len(X[::2]) and set(ys.tolist()) == {0, 1}
    assert _upright_F(Xs[ys == 0].mean(axis=0)) and _upright_L(Xs[ys == 1].mean(axis=0))
