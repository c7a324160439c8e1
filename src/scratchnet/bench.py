"""Speed and memory benchmark: scratchnet side by side with scikit-learn and (when installed) PyTorch on CPU.

Run ``python -m scratchnet.bench`` (or ``scratchnet-bench``). All data are synthetic float32 drawn from a seeded
Generator; every implementation trains the same architecture with the same batch size, optimiser and learning rate
on the same arrays, in this process, one after the other.

Workloads:

1. one epoch over 50,000 x 784, MLP 784-500-250-100-10, sigmoid hidden, softmax cross-entropy, batch 64, plain SGD
   (lr 0.01): ours, scikit-learn's ``MLPClassifier`` and PyTorch.
2. one epoch over 50,000 x 784, MLP 784-64-32-10, ReLU hidden, batch 128, Adam (lr 1e-3): the same three.
3. per-sample SGD (batch 1) on 784-128-1 with a sigmoid output (seed 000's EMNIST model), 10,000 updates.
4. peak memory of one epoch of workload 1's model on 60,000 x 784 rows (training only, and with the end-of-epoch
   evaluation on the training set), next to the dataset's size: no full-dataset copy means a peak far below it.
5. (opt-in, ``--workloads 5``) workload 2 at batch 8: seed 002's smallest batch, where per-update Python overhead
   shows; compare its seconds per update with workload 2's.

``--quick`` shrinks the data (2,000 rows; 500 per-sample updates; 3,000 rows for workload 4) for a smoke test.

Columns: ``seconds`` is the best of ``--repeat`` timed runs, taken in rounds that run each implementation once in
turn (after one untimed warm-up run each, which is also the run whose memory is measured); ``updates/s`` is
parameter updates (batches) per second; ``peak MB`` is the peak of Python/NumPy
allocations during the run (``tracemalloc``; PyTorch's allocator is invisible to it: "-"); ``+RSS MB`` is how far
the process's resident-set high-water mark rose during the run (all three; needs Linux's ``/proc/self/clear_refs``).
``ours/torch`` and ``ours/sklearn`` divide our seconds by theirs (below 1: we are faster).

``--threads N`` caps the BLAS threads of NumPy and scikit-learn (threadpoolctl) and PyTorch's intra-op threads.
No timing is asserted anywhere: the numbers depend on the machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import platform
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .models import MLPClassifier

IMPLEMENTATIONS = ("ours", "sklearn", "torch")


@dataclass
class Workload:
    """One training job, described once and run by every implementation."""

    key: str
    sizes: list[int]
    activation: str  # hidden activation: "sigmoid" or "relu"
    optimizer: str  # "sgd" or "adam"
    lr: float
    batch_size: int
    n_rows: int
    max_updates: int | None = None  # None: one epoch
    impls: tuple[str, ...] = IMPLEMENTATIONS

    @property
    def title(self) -> str:
        arch = "-".join(map(str, self.sizes))
        opt = {"sgd": "SGD", "adam": "Adam"}[self.optimizer]
        how = "per-sample SGD" if self.batch_size == 1 else f"{opt} lr {self.lr:g}, batch {self.batch_size}"
        return f"{arch} {self.activation}, {how} ({self.n_updates:,} updates on {self.n_rows:,} x {self.sizes[0]})"

    @property
    def n_updates(self) -> int:
        per_epoch = math.ceil(self.n_rows / self.batch_size)
        return per_epoch if self.max_updates is None else min(per_epoch, self.max_updates)


@dataclass
class Result:
    workload: Workload
    impl: str
    seconds: float = math.nan
    peak_mb: float | None = None
    rss_mb: float | None = None
    note: str = ""
    times: list[float] = field(default_factory=list)

    @property
    def updates_per_s(self) -> float:
        return self.workload.n_updates / self.seconds if self.seconds > 0 else math.nan


def make_data(n: int, d: int, k: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic float32 inputs in [0, 1) (like scaled pixels) and labels from a random linear teacher."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d), dtype=np.float32)
    teacher = rng.standard_normal((d, max(k, 2)), dtype=np.float32)
    scores = (X - 0.5) @ teacher
    y = scores.argmax(axis=1) if k > 1 else (scores[:, 0] > scores[:, 1]).astype(np.int64)
    return X, y.astype(np.int64)


# --- memory probes ------------------------------------------------------------------------------------------------


def _rss_kib(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_rss_peak() -> bool:
    """Reset the resident-set high-water mark (Linux >= 4.0); False when not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


@contextlib.contextmanager
def measure_memory(out: dict[str, float | None]) -> Iterator[None]:
    """Peak of traced (Python/NumPy) allocations made inside the block, in MB, and the rise of the RSS
    high-water mark, in MB (None where unavailable)."""
    gc.collect()
    can_rss = _reset_rss_peak()
    rss0 = _rss_kib("VmRSS") if can_rss else None
    tracemalloc.start()
    try:
        yield
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        hwm = _rss_kib("VmHWM") if can_rss else None
        out["peak_mb"] = peak / 1e6
        out["rss_mb"] = (hwm - rss0) * 1024 / 1e6 if (hwm is not None and rss0 is not None) else None


# --- the three implementations ------------------------------------------------------------------------------------


def _ours(w: Workload, X: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    def run() -> Any:
        model = MLPClassifier(w.sizes, activation=w.activation, seed=0)
        budget = {"epochs": 1} if w.max_updates is None else {"epochs": None, "max_updates": w.max_updates}
        return model.fit(X, y, optimizer=w.optimizer, lr=w.lr, batch_size=w.batch_size, eval_train=False, **budget)

    return run


def _sklearn(w: Workload, X: np.ndarray, y: np.ndarray) -> Callable[[], Any]:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SkMLP

    activation = {"sigmoid": "logistic", "relu": "relu", "tanh": "tanh"}[w.activation]
    solver = {"sgd": {"solver": "sgd", "momentum": 0.0, "nesterovs_momentum": False}, "adam": {"solver": "adam"}}

    def run() -> Any:
        model = SkMLP(
            hidden_layer_sizes=tuple(w.sizes[1:-1]),
            activation=activation,
            batch_size=w.batch_size,
            learning_rate_init=w.lr,
            max_iter=1,
            alpha=0.0,
            shuffle=True,
            random_state=0,
            **solver[w.optimizer],
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return model.fit(X, y)

    return run


def _torch(w: Workload, X: np.ndarray, y: np.ndarray, threads: int) -> Callable[[], Any]:
    import torch

    torch.set_num_threads(threads)
    Xt = torch.from_numpy(X)  # shares memory: no copy
    yt = torch.from_numpy(y)
    n = len(X)
    single = w.sizes[-1] == 1

    def run() -> Any:
        torch.manual_seed(0)
        layers: list[Any] = []
        for i in range(len(w.sizes) - 1):
            layers.append(torch.nn.Linear(w.sizes[i], w.sizes[i + 1]))
            if i < len(w.sizes) - 2:
                layers.append(torch.nn.Sigmoid() if w.activation == "sigmoid" else torch.nn.ReLU())
        model = torch.nn.Sequential(*layers)
        opt = (
            torch.optim.SGD(model.parameters(), lr=w.lr)
            if w.optimizer == "sgd"
            else torch.optim.Adam(model.parameters(), lr=w.lr)
        )
        loss_fn = torch.nn.BCEWithLogitsLoss() if single else torch.nn.CrossEntropyLoss()
        gen = torch.Generator().manual_seed(0)
        order = torch.randperm(n, generator=gen)
        targets = yt.to(torch.float32).reshape(-1, 1) if single else yt
        for u in range(w.n_updates):
            idx = order[u * w.batch_size : (u + 1) * w.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(Xt[idx]), targets[idx])
            loss.backward()
            opt.step()
        return model

    return run


def _runner(impl: str, w: Workload, X: np.ndarray, y: np.ndarray, threads: int) -> Callable[[], Any]:
    if impl == "ours":
        return _ours(w, X, y)
    if impl == "sklearn":
        return _sklearn(w, X, y)
    return _torch(w, X, y, threads)


def torch_available() -> str | None:
    """PyTorch's version if ``import torch`` works, else None (it is optional, never a dependency)."""
    try:
        import torch
    except Exception:
        return None
    return str(torch.__version__)


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[None]:
    if n is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n):
        yield


def run_workload(w: Workload, impls: Sequence[str], repeat: int, threads: int, seed: int = 0) -> list[Result]:
    """One untimed warm-up run per implementation (with the memory probes), then ``repeat`` rounds that time each
    implementation once, in turn (so a burst of load from other jobs hits all of them alike); seconds is the best."""
    X, y = make_data(w.n_rows, w.sizes[0], w.sizes[-1], seed)
    results: list[Result] = []
    runs: dict[str, Callable[[], Any]] = {}
    for impl in impls:
        if impl not in w.impls:
            continue
        res = Result(w, impl)
        results.append(res)
        try:
            run = _runner(impl, w, X, y, threads)
            mem: dict[str, float | None] = {}
            with measure_memory(mem):
                run()
            res.peak_mb = None if impl == "torch" else mem["peak_mb"]
            res.rss_mb = mem["rss_mb"]
            runs[impl] = run
        except Exception as exc:  # one failing implementation must not hide the others' numbers
            res.note = f"failed: {type(exc).__name__}: {exc}"
    for _ in range(repeat):
        for res in results:
            run = runs.get(res.impl)
            if run is None:
                continue
            gc.collect()
            t0 = time.perf_counter()
            try:
                run()
            except Exception as exc:
                res.note = f"failed: {type(exc).__name__}: {exc}"
                runs.pop(res.impl)
                continue
            res.times.append(time.perf_counter() - t0)
    for res in results:
        if res.times and not res.note:
            res.seconds = min(res.times)
    return results


def memory_workload(quick: bool) -> tuple[int, list[int], int, float]:
    """Workload 4: rows, layer sizes, batch size, learning rate."""
    return (3_000 if quick else 60_000), [784, 500, 250, 100, 10], 64, 0.01


def memory_run(n_rows: int, sizes: list[int], batch_size: int, lr: float) -> dict[str, Any]:
    """Workload 4: one epoch of ``sizes`` on ``n_rows`` float32 rows, without and with the end-of-epoch evaluation
    on the training set; traced peaks (allocations made inside ``fit``) beside the dataset's size."""
    X, y = make_data(n_rows, sizes[0], sizes[-1], seed=1)
    out: dict[str, Any] = {"rows": n_rows, "sizes": sizes, "batch_size": batch_size}
    out["dataset_mb"] = (X.nbytes + y.nbytes) / 1e6
    for key, eval_train in (("train", False), ("train_eval", True)):
        mem: dict[str, float | None] = {}
        with measure_memory(mem):
            model = MLPClassifier(sizes, activation="sigmoid", seed=0)
            model.fit(X, y, epochs=1, batch_size=batch_size, lr=lr, eval_train=eval_train)
        out[key] = mem
    out["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    return out


def workloads(quick: bool) -> list[Workload]:
    n12 = 2_000 if quick else 50_000
    n3 = 500 if quick else 10_000
    return [
        Workload("1", [784, 500, 250, 100, 10], "sigmoid", "sgd", 0.01, 64, n12),
        Workload("2", [784, 64, 32, 10], "relu", "adam", 1e-3, 128, n12),
        Workload("3", [784, 128, 1], "sigmoid", "sgd", 0.1, 1, n3, max_updates=n3, impls=("ours", "torch")),
        Workload("5", [784, 64, 32, 10], "relu", "adam", 1e-3, 8, n12),
    ]


# --- printing -----------------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "unknown"


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else format(v, spec)


def format_table(results: list[Result]) -> list[str]:
    head = ["workload", "implementation", "seconds", "updates/s", "peak MB", "+RSS MB", "ours/torch", "ours/sklearn"]
    rows = []
    by_key: dict[str, dict[str, Result]] = {}
    for r in results:
        by_key.setdefault(r.workload.key, {})[r.impl] = r
    for r in results:
        group = by_key[r.workload.key]
        ratios = ["", ""]
        if r.impl == "ours":
            for j, other in enumerate(("torch", "sklearn")):
                o = group.get(other)
                ratios[j] = _fmt(r.seconds / o.seconds, ".2f") if o is not None and o.seconds > 0 else "-"
        rows.append(
            [
                f"{r.workload.key}. {r.workload.title}",
                r.impl + (f" [{r.note}]" if r.note else ""),
                _fmt(r.seconds, ".3f"),
                _fmt(r.updates_per_s, ",.0f"),
                _fmt(r.peak_mb, ".1f"),
                _fmt(r.rss_mb, ".1f"),
                *ratios,
            ]
        )
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]
    left = {0, 1}

    def line(cells: list[str]) -> str:
        return " | ".join(
            c.ljust(wd) if i in left else c.rjust(wd) for i, (c, wd) in enumerate(zip(cells, widths, strict=True))
        )

    sep = "-+-".join("-" * wd for wd in widths)
    return [line(head), sep, *(line(row) for row in rows)]


def format_memory(mem: dict[str, Any]) -> str:
    arch = "-".join(map(str, mem["sizes"]))
    data = mem["dataset_mb"]
    lines = [
        f"4. memory: one epoch of {arch} (batch {mem['batch_size']}, SGD) on {mem['rows']:,} x {mem['sizes'][0]} "
        f"float32; dataset (X float32 + y int64) {data:.1f} MB, made before tracing starts",
        f"   {'run':<34} {'traced peak MB':>14} {'peak/dataset':>12} {'+RSS MB':>8}",
    ]
    for key, title in (("train", "training only (as workload 1)"), ("train_eval", "training + train-set evaluation")):
        m = mem[key]
        lines.append(f"   {title:<34} {m['peak_mb']:14.1f} {m['peak_mb'] / data:12.3f} {_fmt(m['rss_mb'], '8.1f')}")
    lines.append(
        f"   process ru_maxrss so far: {mem['maxrss_mb']:.1f} MB (a full float32 copy would add {data:.0f} MB)"
    )
    return "\n".join(lines)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scratchnet-bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small sizes (a smoke test, seconds)")
    p.add_argument("--repeat", type=int, default=1, metavar="N", help="timed runs per cell; report the best (1)")
    p.add_argument("--threads", type=int, default=None, metavar="N", help="cap BLAS / torch threads (default: all)")
    p.add_argument(
        "--impl",
        default=",".join(IMPLEMENTATIONS),
        help="comma-separated implementations to run (default: ours,sklearn,torch; torch only if importable)",
    )
    p.add_argument("--workloads", default="1,2,3,4", help="comma-separated workloads 1-5 to run (default: 1,2,3,4)")
    args = p.parse_args(argv)
    if args.repeat < 1:
        p.error(f"--repeat must be >= 1, got {args.repeat}")
    if args.threads is not None and args.threads < 1:
        p.error(f"--threads must be >= 1, got {args.threads}")
    args.impl = [s.strip() for s in args.impl.split(",") if s.strip()]
    bad = sorted(set(args.impl) - set(IMPLEMENTATIONS))
    if bad:
        p.error(f"unknown implementation(s) {bad}; known: {list(IMPLEMENTATIONS)}")
    args.workloads = [s.strip() for s in args.workloads.split(",") if s.strip()]
    bad = sorted(set(args.workloads) - {"1", "2", "3", "4", "5"})
    if bad:
        p.error(f"unknown workload(s) {bad}; known: 1, 2, 3, 4, 5")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    cores = os.cpu_count() or 1
    threads = args.threads or cores
    torch_version = torch_available() if "torch" in args.impl else None
    impls = [i for i in args.impl if i != "torch" or torch_version is not None]
    import sklearn

    print(
        f"scratchnet bench{' (quick)' if args.quick else ''}: {platform.machine()}, {cores} cores, "
        f"threads {args.threads or 'all'}, best of {args.repeat}; python {platform.python_version()}, "
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"torch {torch_version or 'not installed'}; load average {_load()} (other jobs slow multi-threaded BLAS a lot)",
        flush=True,
    )
    results: list[Result] = []
    with blas_threads(args.threads):
        for w in workloads(args.quick):
            if w.key in args.workloads:
                results.extend(run_workload(w, impls, args.repeat, threads))
        mem = memory_run(*memory_workload(args.quick)) if "4" in args.workloads else None
    print()
    for row in format_table(results):
        print(row)
    if mem is not None:
        print()
        print(format_memory(mem))
    print(f"\nload average at the end: {_load()}")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
