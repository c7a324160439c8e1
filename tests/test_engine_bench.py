"""The benchmark runs end to end at tiny sizes and prints its table (no timing is asserted)."""

from __future__ import annotations

import pytest

from scratchnet import bench


@pytest.fixture
def tiny_workloads(monkeypatch: pytest.MonkeyPatch) -> None:
    real = bench.workloads

    def tiny(quick: bool) -> list[bench.Workload]:
        out = real(quick)
        for w in out:
            w.n_rows = 160
            w.sizes = [w.sizes[0], *(min(s, 16) for s in w.sizes[1:-1]), w.sizes[-1]]
            if w.max_updates is not None:
                w.max_updates = 40
        return out

    monkeypatch.setattr(bench, "workloads", tiny)
    monkeypatch.setattr(bench, "memory_workload", lambda quick: (200, [784, 16, 10], 64, 0.01))


def test_quick_bench_prints_a_table_with_rows(tiny_workloads, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--impl", "ours,sklearn", "--repeat", "1", "--threads", "1"]) == 0
    out = capsys.readouterr().out
    print(out)
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("workload"))
    for column in ("implementation", "seconds", "updates/s", "peak MB", "ours/torch", "ours/sklearn"):
        assert column in lines[header]
    rows = [line for line in lines[header + 2 :] if " | " in line]
    impls = [row.split(" | ")[1].strip() for row in rows]
    assert impls == ["ours", "sklearn", "ours", "sklearn", "ours"], out
    for row in rows:
        cells = [c.strip() for c in row.split(" | ")]
        assert float(cells[2]) > 0, row  # seconds
        assert "failed" not in cells[1], row
    assert "4. memory" in out
    assert "training + train-set evaluation" in out


def test_bad_options_are_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        bench.main(["--impl", "jax"])
    assert exc.value.code == 2
    assert "unknown implementation(s) ['jax']; known: ['ours', 'sklearn', 'torch']" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        bench.main(["--repeat", "0"])
    assert exc.value.code == 2
    assert "--repeat must be >= 1, got 0" in capsys.readouterr().err
