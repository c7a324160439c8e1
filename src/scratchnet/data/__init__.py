"""Data layer: official raw files (registry, verified retrieval), IDX reading, loaders, synthetic datasets,
seeded stratified splits and train-only standardisation. Every failure raises :class:`DataError`.
"""

from __future__ import annotations

from .errors import DataError
from .idx import read_idx, write_idx
from .loaders import fix_emnist_orientation, letters_subset, load_emnist_letters, load_mnist_like
from .sources import (
    ARCHIVES,
    DEFAULT_EMNIST_ZIP_CACHE,
    MIRROR_ENV,
    RAW_FILES,
    Archive,
    RawFile,
    download_allowed,
    fetch,
    file_hash,
    locate,
    resolve_emnist_zip_cache,
    resolve_mirror,
    verify,
)
from .split import Standardizer, holdout_split, part_sizes, stratified_split
from .synthetic import GENERATORS, blobs, circles, gaussian_pair, generate, moons

__all__ = [
    "download_allowed",
    "locate",
    "ARCHIVES",
    "DEFAULT_EMNIST_ZIP_CACHE",
    "GENERATORS",
    "MIRROR_ENV",
    "RAW_FILES",
    "Archive",
    "DataError",
    "RawFile",
    "Standardizer",
    "blobs",
    "circles",
    "fetch",
    "file_hash",
    "fix_emnist_orientation",
    "gaussian_pair",
    "generate",
    "holdout_split",
    "letters_subset",
    "load_emnist_letters",
    "load_mnist_like",
    "moons",
    "part_sizes",
    "read_idx",
    "resolve_emnist_zip_cache",
    "resolve_mirror",
    "stratified_split",
    "verify",
    "write_idx",
]
