"""Manifests of the pipeline's artefacts (scratchnet.pipeline.manifest), the job runner that writes and checks them,
the rebuild of what a manifest outlives (scratchnet.pipeline.rebuild), ``verify`` and the page's inputs row."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from scratchnet.pipeline import manifest, rebuild, verify
from scratchnet.pipeline.io import read_json, read_npz, write_json, write_npz
from scratchnet.pipeline.manifest import IntegrityError, check, manifest_path, record
from scratchnet.pipeline.runner import run_step
from scratchnet.report.page import provenance_md
from scratchnet.report.provenance import inputs_verified


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def built(tmp_path: Path) -> dict[str, Path]:
    """A two-step "pipeline": data.npz (no inputs), then metrics.json made from it, each recorded by its job."""
    data, metrics = tmp_path / "results" / "data.npz", tmp_path / "results" / "run" / "metrics.json"
    write_npz(data, X=[[1.0, 2.0]], y=[0])
    data_checks = record([data], {}, "split", {"split": "s"}, code="c0de")
    write_json(metrics, {"test": {"acc": 0.65}})
    record([metrics], manifest.verify_inputs([data]), "evaluate", {"seed": 0}, code="c0de")
    assert data_checks[0].sha256 == sha(data)
    manifest._CACHE.clear()  # as a new job would see them
    return {"data": data, "metrics": metrics}


def edit_keeping_size(path: Path) -> None:
    text = path.read_text()
    path.write_text(text.replace("0.65", "0.99"))


# --------------------------------------------------------------------------------------------- manifest
def test_record_writes_one_manifest_per_output_with_its_job(built: dict[str, Path]) -> None:
    doc = json.loads(manifest_path(built["metrics"]).read_text())
    assert manifest_path(built["metrics"]).name == ".metrics.json.manifest.json"
    assert doc["format"] == manifest.FORMAT and doc["artefact"] == "metrics.json"
    assert doc["sha256"] == sha(built["metrics"]) and doc["size"] == built["metrics"].stat().st_size
    assert doc["job"]["rule"] == "evaluate" and doc["job"]["code"] == "c0de"
    assert doc["job"]["wildcards"] == {"seed": "0"}
    assert doc["job"]["inputs"] == {str(built["data"]): sha(built["data"])}
    assert doc["job"]["outputs"] == {str(built["metrics"]): sha(built["metrics"])}


def test_check_verifies_and_hashes_a_file_once_per_process(built: dict[str, Path]) -> None:
    first = check(built["metrics"])
    assert first.verified and first.sha256 == sha(built["metrics"]) and first.hashed == built["metrics"].stat().st_size
    assert check(built["metrics"]).hashed == 0  # cached: same size, mtime and inode


def test_an_edited_file_is_named_with_both_digests_and_its_job(built: dict[str, Path]) -> None:
    recorded = sha(built["metrics"])
    edit_keeping_size(built["metrics"])
    with pytest.raises(IntegrityError) as err:
        read_json(built["metrics"])  # the reader verifies; an IntegrityError is not a ValueError nobody catches
    msg = str(err.value)
    assert err.value.kind == "edited" and err.value.path == str(built["metrics"])
    assert f"{built['metrics']}: edited after the evaluate job wrote it" in msg
    assert recorded in msg and sha(built["metrics"]) in msg and str(manifest_path(built["metrics"])) in msg


def test_a_truncated_file_is_named(built: dict[str, Path]) -> None:
    size = built["data"].stat().st_size
    with open(built["data"], "r+b") as fh:
        fh.truncate(size // 2)
    with pytest.raises(IntegrityError) as err:
        read_npz(built["data"])
    assert err.value.kind == "truncated"
    assert "truncated or edited after the split job wrote it" in str(err.value)
    assert f"({size} bytes) in its manifest" in str(err.value) and f"({size // 2} bytes) now" in str(err.value)


def test_a_large_file_is_trusted_by_size_and_mtime_and_hashed_when_they_differ(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manifest, "TRUST_STAT_ABOVE", 10)
    data = built["data"]
    st = data.stat()
    raw = bytearray(data.read_bytes())
    raw[-1] ^= 0xFF  # same size; the old mtime put back: only a full hash sees it
    data.write_bytes(bytes(raw))
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert check(data).hashed == 0
    with pytest.raises(IntegrityError):
        check(data, full=True)
    os.utime(data)  # a new mtime: hashed, and caught
    manifest._CACHE.clear()
    with pytest.raises(IntegrityError, match="edited after the split job"):
        check(data)


def test_a_large_file_touched_after_its_job_is_hashed_once_then_trusted_again(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manifest, "TRUST_STAT_ABOVE", 10)
    data = built["data"]
    data.touch()  # as Snakemake touches every output after its job
    assert check(data).hashed == data.stat().st_size  # the first reader hashes it...
    assert json.loads(manifest_path(data).read_text())["mtime_ns"] == data.stat().st_mtime_ns  # ...and records it
    manifest._CACHE.clear()  # the next job
    assert check(data).hashed == 0


def test_a_file_without_manifest_is_read_and_counted_unverified(tmp_path: Path) -> None:
    f = tmp_path / "by_hand.json"
    write_json(f, {"a": 1})
    assert check(f) is None and read_json(f) == {"a": 1}
    c = check(f, hash_unrecorded=True)
    assert c is not None and not c.verified and c.sha256 == sha(f)
    with pytest.raises(FileNotFoundError, match="nowhere.json: not found"):
        check(tmp_path / "nowhere.json")


def test_a_file_gone_while_its_manifest_remains_is_named(built: dict[str, Path]) -> None:
    built["metrics"].unlink()
    with pytest.raises(IntegrityError) as err:
        check(built["metrics"])
    assert err.value.kind == "missing" and "written by the evaluate job" in str(err.value)


def test_an_unreadable_manifest_is_named(built: dict[str, Path]) -> None:
    manifest_path(built["metrics"]).write_text("{not json")
    with pytest.raises(IntegrityError, match=r"its manifest .*\.metrics\.json\.manifest\.json cannot be read") as err:
        check(built["metrics"])
    assert err.value.kind == "manifest"


def test_reject_marks_for_rebuilding_and_the_job_that_rewrites_it_forgets(built: dict[str, Path]) -> None:
    root = built["data"].parent
    assert manifest.to_rebuild([root]) == {}
    edit_keeping_size(built["metrics"])
    bad = sha(built["metrics"])
    kept = manifest.reject(built["metrics"], "why")
    assert kept == built["metrics"].with_name("metrics.json.rejected") and sha(kept) == bad
    assert sha(built["metrics"]) == bad  # left in place: other jobs reading it fail the same way
    assert manifest.marker_path(built["metrics"]).read_text() == "why\n"
    assert manifest.to_rebuild([root]) == {str(built["metrics"]): "it failed verification; the bad copy is "
                                           "metrics.json.rejected"}  # fmt: skip
    manifest.forget([built["metrics"]])  # the evaluate job starts again
    assert manifest.to_rebuild([root]) == {} and not manifest_path(built["metrics"]).exists() and kept.exists()


def test_a_deleted_artefact_whose_manifest_remains_is_rebuilt(built: dict[str, Path]) -> None:
    built["metrics"].unlink()
    assert manifest.to_rebuild([built["data"].parent]) == {str(built["metrics"]): "deleted"}
    assert manifest.reject(built["metrics"], "gone") is None  # nothing to keep


def test_record_skips_an_output_that_was_not_written(tmp_path: Path) -> None:
    assert record([tmp_path / "never.json"], {}, "rule") == []
    assert not manifest_path(tmp_path / "never.json").exists()


# --------------------------------------------------------------------------------------------- the job runner
def fake_job(tmp_path: Path, inputs: list[Path], outputs: list[Path]) -> SimpleNamespace:
    log = tmp_path / "logs" / "job.log"
    log.parent.mkdir(exist_ok=True)
    return SimpleNamespace(
        input=[str(p) for p in inputs], output=[str(p) for p in outputs], log=[str(log)], threads=1, rule="aggregate",
        params=SimpleNamespace(code="f00d"), wildcards={"e": "x"},
    )  # fmt: skip


def test_run_step_verifies_inputs_and_records_outputs(built: dict[str, Path], tmp_path: Path) -> None:
    table = tmp_path / "tables" / "x.json"
    job = fake_job(tmp_path, [built["metrics"]], [table])
    run_step(job, lambda: write_json(table, read_json(built["metrics"])))
    doc = json.loads(manifest_path(table).read_text())
    assert doc["job"]["rule"] == "aggregate" and doc["job"]["code"] == "f00d"
    assert doc["job"]["inputs"] == {str(built["metrics"]): sha(built["metrics"])}
    log = Path(job.log[0]).read_text()
    assert "integrity: 1 inputs (1 verified against their manifests, 0 without one)" in log
    assert "integrity: 1 outputs recorded" in log


def test_run_step_marks_a_bad_input_for_rebuilding_and_says_how(
    built: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    table = tmp_path / "tables" / "x.json"
    write_json(table, {"old": True})
    record([table], {}, "aggregate")  # the previous run's output and manifest
    recorded = sha(built["metrics"])
    edit_keeping_size(built["metrics"])
    edited = sha(built["metrics"])
    with pytest.raises(SystemExit):
        run_step(fake_job(tmp_path, [built["metrics"]], [table]), lambda: pytest.fail("the step must not run"))
    err = capsys.readouterr().err
    assert f"ERROR in aggregate: {built['metrics']}: edited after the evaluate job wrote it" in err
    assert recorded in err and edited in err
    assert f"Kept as {built['metrics']}.rejected for inspection." in err
    assert "The next run of the same snakemake command rebuilds it, and what is made from it" in err
    assert f"snakemake --cores 1 --forcerun {built['metrics']} (with this run's --configfile)" in err
    assert sha(Path(f"{built['metrics']}.rejected")) == edited and manifest.marker_path(built["metrics"]).exists()
    assert not manifest_path(table).exists()  # the job's own outputs lose their manifests when it starts


# --------------------------------------------------------------------------------------------- rebuild at DAG build
def test_force_rebuild_adds_the_files_of_this_dag_to_its_forced_files(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    manifest.reject(built["metrics"], "edited")
    root = str(built["data"].parent)
    calls = []

    async def original(dag) -> None:
        calls.append(dag)

    monkeypatch.setattr(rebuild, "_ORIGINAL", original)  # installed already: force_rebuild only collects the files
    assert list(rebuild.force_rebuild([root, str(built["data"].parent / "absent")])) == [str(built["metrics"])]
    other = SimpleNamespace(output=[os.path.join(root, "other.json")])
    producer = SimpleNamespace(output=[str(built["metrics"]), os.path.join(root, "run", "predictions.npz")])
    dag = SimpleNamespace(jobs=[other, producer], forcefiles=set())
    asyncio.run(rebuild._check_incomplete(dag))
    assert calls == [dag] and dag.forcefiles == {str(built["metrics"])}
    err = capsys.readouterr().err
    assert "Integrity: 1 file(s) to rebuild, with what is made from them:" in err
    assert f"{built['metrics']} (it failed verification; the bad copy is metrics.json.rejected)" in err


def test_force_rebuild_wraps_snakemakes_check_incomplete_once(
    built: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import snakemake.api  # noqa: F401 - snakemake.dag imports only after it (circular imports), as in a run
    from snakemake.dag import DAG

    built["metrics"].unlink()
    monkeypatch.setattr(rebuild, "_ORIGINAL", None)
    monkeypatch.setattr(DAG, "check_incomplete", DAG.check_incomplete)  # put back after the test
    original = DAG.check_incomplete
    rebuild.force_rebuild([str(built["data"].parent)])
    assert DAG.check_incomplete is rebuild._check_incomplete and rebuild._ORIGINAL is original
    rebuild.force_rebuild([str(built["data"].parent)])  # another DAG build in the same process: wrapped once
    assert rebuild._ORIGINAL is original


# --------------------------------------------------------------------------------------------- verify
def test_verify_a_clean_tree(built: dict[str, Path], capsys: pytest.CaptureFixture) -> None:
    assert verify.main([str(built["data"].parent)]) == 0
    assert "2 artefacts" in capsys.readouterr().out


def test_verify_lists_edited_truncated_missing_orphaned_and_notes(built: dict[str, Path], tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:  # fmt: skip
    root = tmp_path / "tree"
    root.mkdir()
    for name in ("edited.json", "truncated.json", "gone.json", "ok.json"):
        write_json(root / name, {"acc": 0.65, "pad": "x" * 40})
        record([root / name], {}, "evaluate")
    edit_keeping_size(root / "edited.json")
    (root / "truncated.json").write_text("{")
    (root / "gone.json").unlink()
    write_json(root / "by_hand.csv", {"a": 1})
    write_json(root / "marked.json", {"acc": 0.5})
    record([root / "marked.json"], {}, "evaluate")
    manifest.reject(root / "marked.json", "found edited")  # a job found it bad (it is fine again: restored by hand)
    (root / ".ok.json.0123456789ab.tmp").write_text("")
    manifest._CACHE.clear()
    assert verify.main([str(root)]) == 1
    out = capsys.readouterr().out
    lines = {line.split()[1].rstrip(":"): line.split()[0] for line in out.splitlines() if not line.startswith("verify")}
    expected = {"edited.json": "edited", "truncated.json": "truncated", "gone.json": "missing",
                "by_hand.csv": "orphaned", "marked.json": "marked", "marked.json.rejected": "rejected",
                ".ok.json.0123456789ab.tmp": "leftover"}  # fmt: skip
    assert lines == {str(root / name): kind for name, kind in expected.items()}
    assert "1 edited, 1 truncated, 1 missing, 1 orphaned" in out.splitlines()[-1]
    assert "5 artefacts" in out.splitlines()[-1]  # edited, truncated, ok, by_hand, marked (gone: not counted)
    assert verify.main([str(root), "--reject"]) == 1
    assert (root / "edited.json.rejected").exists() and manifest.marker_path(root / "edited.json").exists()
    assert verify.main(["/nonexistent/results"]) == 2


# --------------------------------------------------------------------------------------------- the page
def test_page_provenance_counts_verified_inputs(built: dict[str, Path], tmp_path: Path) -> None:
    template = tmp_path / "template.md"
    template.write_text("text")
    by_hand = built["data"].parent / "by_hand.json"
    write_json(by_hand, {})
    inp = inputs_verified([built["data"], built["metrics"], template], [built["data"].parent])
    assert inp == {"n": 2, "verified": 2, "unverified": [], "other": 1}
    assert "| inputs | all 2 inputs verified (SHA-256" in provenance_md({"inputs": inp})
    inp = inputs_verified([built["data"], by_hand], [built["data"].parent])
    assert "1 of 2 inputs verified" in provenance_md({"inputs": inp}) and str(by_hand) in provenance_md({"inputs": inp})
    edit_keeping_size(built["metrics"])
    with pytest.raises(IntegrityError):
        inputs_verified([built["metrics"]], [built["data"].parent])
