"""Results of a benchmark run: ratios to the bare view, the JSON documents under bench/results/ and the
printed tables. Pure functions (tests/bench/test_harness.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SCHEMA_VERSION = 1
REQUIRED_KEYS = {"schema", "name", "scale", "date", "commit", "machine", "figures"}


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference, or None when either is missing or the reference is not positive."""
    if value is None or reference is None or reference <= 0 or math.isnan(value) or math.isnan(reference):
        return None
    return value / reference


def reference_rps(bare_runs: list[dict]) -> float | None:
    """The bare view's requests/s for the run: the mean of its measurements (taken at the start and
    at the end of the pages, so that a machine slowing down mid-run moves both sides)."""
    values = [run["rps"] for run in bare_runs if run and run.get("rps")]
    return sum(values) / len(values) if values else None


def page_ratios(measure: dict, bare: dict) -> dict:
    """Ratios of one page measurement to the bare view's: requests/s (page / bare, higher is better,
    1.0 is the framework's ceiling) and latency multipliers (page / bare, lower is better)."""
    return {
        "rps_ratio": _round(ratio(measure.get("rps"), bare.get("rps"))),
        "p50_x": _round(ratio(measure.get("p50_ms"), bare.get("p50_ms"))),
        "p95_x": _round(ratio(measure.get("p95_ms"), bare.get("p95_ms"))),
    }


def _round(value: float | None, digits: int = 4) -> float | None:
    if value is None:
        return None
    if value == 0:
        return 0.0
    # keep 3 significant figures for small ratios (0.0003 stays 0.0003)
    magnitude = math.floor(math.log10(abs(value)))
    return round(value, max(digits, 2 - magnitude))


def git_commit(cwd: Path | None = None) -> str:
    """HEAD (with "+dirty" when tracked files differ); in a tree exported with `git archive` for a
    benchmark, the commit written to its `.commit` file."""
    exported = (cwd or RESULTS_DIR.parent.parent) / ".commit"
    if exported.exists():
        return exported.read_text("utf-8").strip() + " (archive)"
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=cwd or RESULTS_DIR.parent.parent, capture_output=True, text=True
        )
        commit = out.stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd or RESULTS_DIR.parent.parent,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return f"{commit}{'+dirty' if dirty else ''}" if commit else "unknown"
    except OSError:
        return "unknown"


def machine() -> dict:
    info = {
        "host": platform.node(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }
    try:
        info["loadavg"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            info["mem_total_kb"] = int(meminfo.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return info


def document(name: str, scale: float, figures: list[dict], **extra) -> dict:
    return {
        "schema": SCHEMA_VERSION,
        "name": name,
        "scale": scale,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "figures": figures,
        **extra,
    }


def validate(doc: dict) -> list[str]:
    """What is wrong with a results document ([] when nothing)."""
    problems = [f"missing {key}" for key in sorted(REQUIRED_KEYS - doc.keys())]
    if problems:
        return problems
    if doc["schema"] != SCHEMA_VERSION:
        problems.append(f"schema {doc['schema']} is not {SCHEMA_VERSION}")
    if not isinstance(doc["scale"], int | float) or doc["scale"] <= 0:
        problems.append("scale must be a positive number")
    if not isinstance(doc["figures"], list) or not all(
        isinstance(f, dict) and "name" in f for f in doc["figures"]
    ):
        problems.append("figures must be a list of objects with a name")
    try:
        dt.datetime.fromisoformat(doc["date"])
    except (TypeError, ValueError):
        problems.append("date is not ISO 8601")
    return problems


def scale_tag(scale: float) -> str:
    """0.1 -> '0.1x', 1 -> '1x', 10.0 -> '10x'."""
    return f"{scale:g}x"


def write(doc: dict, directory: Path = RESULTS_DIR) -> Path:
    problems = validate(doc)
    if problems:
        raise ValueError(f"results document {doc.get('name')}: {', '.join(problems)}")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{doc['name']}-{scale_tag(doc['scale'])}.json"
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8")
    return path


def fmt(value, digits: int = 3) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        if value == 0:
            return "0"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def markdown_table(headers: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join("---" for _ in headers) + " |"]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def pages_table(docs_by_scale: dict[float, dict]) -> str:
    """The issue's table: one row per page, for every scale run: cached and uncached ratio, queries
    and SQL ms (uncached)."""
    scales = sorted(docs_by_scale)
    headers = ["page"]
    for scale in scales:
        tag = scale_tag(scale)
        headers += [f"cached {tag}", f"uncached {tag}", f"p95× unc. {tag}", f"queries {tag}", f"SQL ms {tag}"]
    names: list[str] = []
    by_scale: dict[float, dict[str, dict]] = {}
    for scale in scales:
        figures = {f["name"]: f for f in docs_by_scale[scale]["figures"]}
        by_scale[scale] = figures
        names += [n for n in figures if n not in names]
    rows = []
    for name in names:
        row: list = [name]
        for scale in scales:
            f = by_scale[scale].get(name, {})
            cached = (f.get("cached") or {}).get("rps_ratio")
            uncached = (f.get("uncached") or {}).get("rps_ratio")
            row += [
                cached,
                uncached,
                (f.get("uncached") or {}).get("p95_x"),
                f.get("queries"),
                f.get("sql_ms"),
            ]
        rows.append(row)
    return markdown_table(headers, rows)


def cases_table(docs: list[dict]) -> str:
    rows = []
    for doc in docs:
        for figure in doc["figures"]:
            rows.append(
                [
                    doc["name"],
                    figure["name"],
                    scale_tag(doc["scale"]),
                    figure.get("seconds"),
                    figure.get("queries"),
                    figure.get("rows_per_s"),
                    figure.get("ratio"),
                    figure.get("peak_mb"),
                    figure.get("note") or figure.get("skipped") or figure.get("error", ""),
                ]
            )
    return markdown_table(
        ["case", "figure", "scale", "seconds", "queries", "rows/s", "ratio", "peak MB", "note"], rows
    )


def _arrow(before, after) -> str:
    if before is None and after is None:
        return "–"
    return f"{fmt(before)} → {fmt(after)}"


def compare_pages(before: dict, after: dict) -> str:
    """Two `pages` documents (one scale, two commits) side by side: uncached and cached ratio,
    queries and SQL ms, each as before → after."""
    old = {f["name"]: f for f in before["figures"]}
    new = {f["name"]: f for f in after["figures"]}
    names = list(old) + [n for n in new if n not in old]
    rows = []
    for name in names:
        a, b = old.get(name, {}), new.get(name, {})
        rows.append(
            [
                name,
                _arrow(
                    (a.get("uncached") or {}).get("rps_ratio"), (b.get("uncached") or {}).get("rps_ratio")
                ),
                _arrow((a.get("cached") or {}).get("rps_ratio"), (b.get("cached") or {}).get("rps_ratio")),
                _arrow(a.get("queries"), b.get("queries")),
                _arrow(a.get("sql_ms"), b.get("sql_ms")),
            ]
        )
    return markdown_table(["page", "uncached ratio", "cached ratio", "queries", "SQL ms"], rows)


def compare_cases(before: dict, after: dict) -> str:
    """Two documents of one case (one scale, two commits): seconds, queries, rows/s, ratio, peak MB."""
    old = {f["name"]: f for f in before["figures"]}
    new = {f["name"]: f for f in after["figures"]}
    names = list(old) + [n for n in new if n not in old]
    rows = [
        [name]
        + [
            _arrow(old.get(name, {}).get(k), new.get(name, {}).get(k))
            for k in ("seconds", "queries", "rows_per_s")
        ]
        + [_arrow(old.get(name, {}).get(k), new.get(name, {}).get(k)) for k in ("ratio", "peak_mb")]
        for name in names
    ]
    return markdown_table(["figure", "seconds", "queries", "rows/s", "ratio", "peak MB"], rows)


def main(argv=None) -> None:
    """python -m bench.report compare BEFORE.json AFTER.json — a markdown table of the two runs."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[0] != "compare":
        raise SystemExit("usage: python -m bench.report compare BEFORE.json AFTER.json")
    before, after = (json.loads(Path(p).read_text("utf-8")) for p in args[1:])
    print(f"before: {before['commit']} ({before['date']}), after: {after['commit']} ({after['date']})\n")
    print(compare_pages(before, after) if before["name"] == "pages" else compare_cases(before, after))


if __name__ == "__main__":
    main()
