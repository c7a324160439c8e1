"""Issue 19, pages (cases 7 and 8).

Case 7: a page build that fails keeps the last good page where readers open it, marked stale with the error; the run
fails; the index says which page failed and why, and links only pages that are there (scratchnet.report.publish,
report.index.refresh_index). Case 8: editing a template reruns its own page only; editing a figure module reruns
only the figures of the kinds it defines (per-kind code fingerprints, scratchnet.pipeline.code).

Unit tests on a tiny page first; then the real DAG in a scratch copy of the workflow and the package sources (run
with PYTHONPATH=<copy>/src, so edits to the copy's templates and code are what Snakemake sees), on seed 001's
reduced page."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from conftest import load_merged_config
from test_workflow_behaviour import BIN, copy_workflow, job_counts, listed_files

from scratchnet.pipeline import paths
from scratchnet.report import page as page_module
from scratchnet.report.build import build_report_page
from scratchnet.report.index import build_index, refresh_index
from scratchnet.report.publish import STALE_BEGIN, publish_page, read_status, strip_stale

LAYOUT = paths.Layout()


# --------------------------------------------------------------------------------------------- a tiny page
def build(tmp: Path, report: str = "9") -> None:
    """Build report ``report`` from ``tmp/t.md`` to its staging files, as the report job does."""
    spec = {"title": f"Report {report}", "template": str(tmp / "t.md")}
    staged = [LAYOUT(t, report=report) for t in (paths.PAGE_MD, paths.PAGE_HTML)]
    build_report_page(report, spec, {}, {}, LAYOUT.to_dict(), "0" * 64, [], str(tmp), *staged, str(tmp / "t.md"))


def publish(report: str = "9") -> None:
    publish_page(*(LAYOUT(t, report=report) for t in (paths.PAGE_MD, paths.PAGE_HTML, paths.REPORT_MD,
                                                      paths.REPORT_HTML)))  # fmt: skip


def refresh(reports: tuple[str, ...] = ("8", "9")) -> list[str]:
    return refresh_index({r: {"title": f"Report {r}"} for r in reports}, LAYOUT.to_dict(), "0" * 64, ".")


@pytest.fixture()
def tiny(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a template and report 9 built and published (report 8 never built)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.md").write_text("# Nine\n\nWhat ran:\n{{not_run}}\n")
    build(tmp_path)
    publish()
    return tmp_path


def fail_not_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make {{not_run}} fail when it is filled (the results it would read are unreadable)."""

    def unreadable(self, _: str = "") -> str:
        raise OSError("results/tables/x.json: Input/output error")

    monkeypatch.setattr(page_module.Page, "not_run", unreadable)


def test_a_failed_build_keeps_the_published_page_marked_stale(tiny: Path, monkeypatch) -> None:
    md, html = Path(LAYOUT(paths.REPORT_MD, report="9")), Path(LAYOUT(paths.REPORT_HTML, report="9"))
    good_md, good_html = md.read_text(), html.read_text()
    assert "All experiments of this report ran." in good_md and read_status(LAYOUT, "9")["state"] == "built"
    with monkeypatch.context() as mp:
        fail_not_run(mp)
        with pytest.raises(OSError) as err:
            build(tiny)
        # the error says where: template, line and placeholder, then the cause
        where = f"template {tiny / 't.md'}, line 4: {{{{not_run}}}}"
        assert str(err.value) == f"{where}: results/tables/x.json: Input/output error"
        status = read_status(LAYOUT, "9")
        assert status["state"] == "failed" and status["error"] == str(err.value)
        assert status["log"] == "logs/report/9.log"
        # the last good page is still there, with a banner at its top; under the banner it is unchanged
        stale_md, stale_html = md.read_text(), html.read_text()
        assert stale_md.startswith(STALE_BEGIN) and "**Stale page.** Rebuilding it failed" in stale_md
        assert "{{not_run}}: results/tables/x.json: Input/output error" in stale_md and "logs/report/9.log" in stale_md
        assert re.search(r"<body>\n<!-- scratchnet:stale -->\n<div [^>]*><strong>Stale page.</strong>", stale_html)
        assert strip_stale(stale_md) == good_md and strip_stale(stale_html) == good_html
        # failing again replaces the banner
        with pytest.raises(OSError):
            build(tiny)
        assert md.read_text().count(STALE_BEGIN) == 1 and html.read_text().count(STALE_BEGIN) == 1
    # a build that works again, once published, is the good page without a banner
    build(tiny)
    publish()
    assert md.read_text() == good_md and html.read_text() == good_html
    assert read_status(LAYOUT, "9")["state"] == "built"


def test_a_first_build_that_fails_publishes_nothing(tiny: Path, monkeypatch) -> None:
    fail_not_run(monkeypatch)
    with pytest.raises(OSError, match="line 4"):
        build(tiny, report="8")
    assert read_status(LAYOUT, "8")["state"] == "failed"
    assert not Path(LAYOUT(paths.REPORT_MD, report="8")).exists()
    assert not Path(LAYOUT(paths.PAGE_MD, report="8")).exists()


def index_links(index_md: Path) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", index_md.read_text())


def test_the_index_says_which_page_failed_and_links_only_pages_that_are_there(tiny: Path, monkeypatch) -> None:
    index = Path(LAYOUT(paths.INDEX_MD))
    assert refresh() == [] and not index.exists()  # nothing failed, no index: nothing to say
    with monkeypatch.context() as mp:
        fail_not_run(mp)
        for report in ("9", "8"):  # 9 has a good page, 8 never had one
            with pytest.raises(OSError):
                build(tiny, report=report)
    assert refresh() == ["8", "9"]
    text = index.read_text()
    line8, line9 = (next(line for line in text.splitlines() if line.startswith(f"- {x}")) for x in
                    ("Report 8", "[Report 9]"))  # fmt: skip
    assert line8.startswith("- Report 8 — **not built**; its last build failed: `template ") and "(8." not in line8
    assert line9.startswith("- [Report 9](9.html) ([Markdown](9.md)) — **stale**, its last build failed: `template ")
    assert "{{not_run}}: results/tables/x.json: Input/output error` <!-- failed: 9 -->" in line9
    assert all((index.parent / link).exists() for link in index_links(index))
    assert "<strong>stale</strong>" in Path(LAYOUT(paths.INDEX_HTML)).read_text()
    before = index.read_text()
    assert refresh() == ["8", "9"] and index.read_text() == before  # nothing changed: not rewritten
    # once 9 builds again, the next refresh drops its note (8 still failed)
    build(tiny)
    publish()
    assert refresh() == ["8"]
    line9 = next(line for line in index.read_text().splitlines() if "Report 9" in line)
    assert line9 == "- [Report 9](9.html) ([Markdown](9.md))"


def test_build_index_lists_a_missing_page_without_a_link(tmp_path: Path) -> None:
    (tmp_path / "1.md").write_text("**Claims audit:** 2 claims: 2 reproduced\n")
    reports = {"1": {"title": "One"}, "2": {"title": "Two"}}
    build_index(reports, [str(tmp_path / "1.md"), str(tmp_path / "2.md")], tmp_path / "i.md", tmp_path / "i.html",
                provenance={})  # fmt: skip
    lines = (tmp_path / "i.md").read_text().splitlines()
    assert "- [One](1.html) ([Markdown](1.md)) — 2 claims: 2 reproduced" in lines
    assert "- Two — **not built**" in lines


# --------------------------------------------------------------------------------------------- the real DAG
PAGE = "reports/reduced/001.html"
STAGED_MD = "results/reduced/pages/001.md"
TEMPLATES = "src/scratchnet/report/templates"
FIGURE_CODE = "src/scratchnet/pipeline/figures"
# a placeholder every dry-run check accepts (a known experiment, variant and metric form) that fails when filled:
# moons has two classes, so the confusion matrix has no row 5
BAD_VALUE = "{{value:s001_mlp_moons:default:confusion.test.5.5}}"


def run(workdir: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    cmd = [str(BIN / "snakemake"), *args, "--cores", "2", "--configfile", "config/ci.yaml"]
    return subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=1800, env=env)


def ok(proc: subprocess.CompletedProcess) -> str:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(proc.args)} failed ({proc.returncode}):\n{out[-6000:]}"
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """A copy of the workflow and the package sources with seed 001's reduced page built (and up to date)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("pages"), with_sources=True)
    env = {**os.environ, "PYTHONPATH": str(workdir / "src")}
    ok(run(workdir, env, PAGE))
    assert (workdir / PAGE).is_file() and (workdir / STAGED_MD).is_file()
    assert job_counts(ok(run(workdir, env, PAGE, "-n"))) == {}
    return workdir, env


def dry_run_after_appending(workdir: Path, env: dict, line: str, *files: str) -> tuple[dict[str, int], str]:
    """Append ``line`` to the copy's ``files``, dry-run the page, restore the files."""
    originals = {f: (workdir / f).read_text() for f in files}
    try:
        for f, text in originals.items():
            (workdir / f).write_text(text + line)
        out = ok(run(workdir, env, PAGE, "-n"))
    finally:
        for f, text in originals.items():
            (workdir / f).write_text(text)
    return job_counts(out), out


def reasons(out: str, rule: str) -> list[str]:
    """The ``reason:`` of every job of ``rule`` in a dry run's listing."""
    return re.findall(rf"rule {rule}:(?:\n\s+(?!reason:).*)*\n\s+reason: (.*)", out)


@pytest.mark.slow
def test_editing_a_template_reruns_its_own_page_only(built) -> None:
    """Both 000's and 001's templates edited: page 001 reruns because its own template changed, and for nothing
    else (no code fingerprint holds a template, so 000's edit cannot reach it)."""
    workdir, env = built
    counts, out = dry_run_after_appending(workdir, env, "\nA new sentence.\n", f"{TEMPLATES}/000.md",
                                          f"{TEMPLATES}/001.md")  # fmt: skip
    assert counts == {"report": 1, "publish": 1}
    (why,) = reasons(out, "report")
    assert why == f"Updated input files: {TEMPLATES}/001.md", why  # inputs are named relative to the workflow


def figures_of_kind(report: str, *kinds: str) -> list[str]:
    """The reduced figures of ``report`` of any of ``kinds`` (every figure when none is given)."""
    figures = load_merged_config(reduced=True)["reports"][report]["figures"]
    return sorted(f"results/reduced/figures/{report}/{name}.png" for name, f in figures.items()
                  if not kinds or f["kind"] in kinds)  # fmt: skip


@pytest.mark.slow
def test_editing_a_figure_module_reruns_only_the_figures_of_its_kinds(built) -> None:
    workdir, env = built
    expected = figures_of_kind("001", "confusion", "probability_histogram", "roc", "scatter")  # classification.py
    assert 0 < len(expected) < len(figures_of_kind("001"))  # the page has figures of other kinds too
    counts, out = dry_run_after_appending(workdir, env, "# edited\n", f"{FIGURE_CODE}/classification.py")
    assert counts == {"figure": len(expected), "report": 1, "publish": 1}
    assert sorted(f for f in listed_files(out, "output") if f.endswith(".png")) == expected
    assert all("Params have changed" in why for why in reasons(out, "figure"))


@pytest.mark.slow
def test_a_failed_page_keeps_the_good_one_and_the_index_says_why(built) -> None:
    workdir, env = built
    page, page_md, staged = workdir / PAGE, workdir / "reports/reduced/001.md", workdir / STAGED_MD
    good_html, good_md = page.read_text(), page_md.read_text()
    template = workdir / TEMPLATES / "001.md"
    original = template.read_text()
    lines = original.splitlines()
    at = lines.index("{{not_run}}") + 1  # a line of its own, after {{not_run}} (1-based: the line below it)
    template.write_text("\n".join([*lines[:at], f"The confusion count {BAD_VALUE}.", *lines[at:]]) + "\n")
    try:
        proc = run(workdir, env, PAGE)
        out = proc.stdout + proc.stderr
        assert proc.returncode != 0, out[-4000:]
        # the message names the template, the line and the placeholder, and the cause
        where = f"template {TEMPLATES}/001.md, line {at + 1}: {BAD_VALUE}: list index out of range"
        assert f"ERROR in report: {where} (log: logs/reduced/report/001.log)" in out, out[-4000:]
        # the last good page is still published, marked stale with that error; under the banner it is unchanged
        assert page.is_file() and page_md.is_file()
        assert page_md.read_text().startswith(STALE_BEGIN) and where in page_md.read_text()
        assert "<strong>Stale page.</strong>" in page.read_text()
        assert strip_stale(page.read_text()) == good_html and strip_stale(page_md.read_text()) == good_md
        assert not staged.exists()  # the staged page, a job output, is gone
        state = json.loads((workdir / "results/reduced/pages/001.status.json").read_text())
        assert state["state"] == "failed" and state["error"] == where
        # the index (written at the end of the failed run) says so, and links only pages that are there
        index = workdir / "reports/reduced/index.md"
        text = index.read_text()
        line = next(x for x in text.splitlines() if "(001.html)" in x)
        assert "**stale**, its last build failed:" in line and BAD_VALUE in line
        assert all((index.parent / link).exists() for link in index_links(index)), text
        assert "— **not built**" in text  # the other reports' pages were not built here
    finally:
        template.write_text(original)
    # the template mended: the page is rebuilt as it was, and the index drops the note
    ok(run(workdir, env, PAGE))
    assert page.read_text() == good_html and page_md.read_text() == good_md
    assert "**stale**" not in (workdir / "reports/reduced/index.md").read_text()
