#!/usr/bin/env python3
"""Times featc against the DuckDB reference, step by step, and checks that they agree.

Called by bench/run.sh, which prepares the venv, the data and the featc binary. For each step
(sliding materialization, pit_window training set, rolling_hop training set), runs the
reference (../shared/bench/duckdb_baseline.py --steps STEP) and featc's equivalent command, each
in its own process under /usr/bin/time -v, alternating which goes first, --repeat times; then
compares featc's output with DuckDB's (bench/compare.py). Writes one JSON line per run, check
and summary to OUT/results.jsonl, progress to stderr, and a Markdown table to stdout.
"""
import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import compare  # noqa: E402  (bench/ is not a package)

ENGINES = ("duckdb", "featc")


@dataclass(frozen=True)
class Step:
    name: str
    title: str              # what featc runs, for the table
    duckdb_output: str      # file name in the reference's output directory
    featc_output: Path      # featc's output (a file, or a directory for a materialized view)
    featc_args: list
    keys: tuple


def workload(project, data, featc_out):
    """The three steps; the DuckDB step names are those of duckdb_baseline.py."""
    events = f"events={data / 'events.parquet'}"
    labels = str(data / "labels.parquet")

    def training_set(service, out):
        return ["training-set", str(project), "--service", service, "--labels", labels,
                "--at", "observation_ts", "--out", str(out), "--source", events]

    materialized = featc_out / "materialize"
    return [
        Step("sliding", "featc materialize --view user_activity", "sliding_features.parquet",
             materialized / "user_activity",
             ["materialize", str(project), "--view", "user_activity", "--out", str(materialized),
              "--source", events],
             ("user_id", "window_start")),
        Step("pit_window", "featc training-set --service pit_window", "pit_window_training.parquet",
             featc_out / "pit_window_training.parquet",
             training_set("pit_window", featc_out / "pit_window_training.parquet"),
             ("user_id", "observation_ts")),
        Step("rolling_hop", "featc training-set --service rolling_hop", "rolling_7d_hop.parquet",
             featc_out / "rolling_7d_hop.parquet",
             training_set("rolling_hop", featc_out / "rolling_7d_hop.parquet"),
             ("user_id", "observation_ts")),
    ]


# ---------------------------------------------------------------------------------------------
# running one process

def parse_time_v(text):
    """The fields of GNU time's -v report that the benchmark records."""
    fields = {}
    for line in text.splitlines():
        name, _, value = line.strip().rpartition(": ")
        if name == "Maximum resident set size (kbytes)":
            fields["max_rss_kb"] = int(value)
        elif name == "Percent of CPU this job got":
            fields["cpu_pct"] = int(value.rstrip("%") or 0)
        elif name == "User time (seconds)":
            fields["user_s"] = float(value)
        elif name == "System time (seconds)":
            fields["sys_s"] = float(value)
        elif name == "Exit status":
            fields["exit"] = int(value)
    return fields


def load_1m():
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def run_timed(cmd, log_path, time_path):
    """Runs cmd under /usr/bin/time -v; stdout+stderr go to log_path. Wall time is measured
    here (GNU time rounds to 10 ms); peak RSS, CPU share and exit status come from time -v."""
    load = load_1m()
    with open(log_path, "w") as log:
        t0 = time.perf_counter()
        proc = subprocess.run(["/usr/bin/time", "-v", "-o", str(time_path), *cmd],
                              stdout=log, stderr=subprocess.STDOUT)
        wall = time.perf_counter() - t0
    fields = parse_time_v(Path(time_path).read_text()) if Path(time_path).exists() else {}
    fields.setdefault("exit", proc.returncode)
    return {"wall_s": round(wall, 3), "load_1m_before": load, **fields}


def duckdb_step_report(log_path):
    """The JSON line duckdb_baseline.py prints for the step (its own timer: SQL only)."""
    for line in Path(log_path).read_text().splitlines():
        if line.startswith("{") and '"wall_s"' in line:
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                pass
    return {}


def parquet_rows(path):
    path = Path(path)
    files = sorted(path.rglob("*.parquet")) if path.is_dir() else [path]
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


def remove(path):
    path = Path(path)
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def tail(path, lines=15):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# ---------------------------------------------------------------------------------------------
# the benchmark

class Bench:
    def __init__(self, a):
        self.a = a
        self.out = Path(a.out)
        self.duckdb_out = self.out / "duckdb"
        self.featc_out = self.out / "featc"
        self.logs = self.out / "logs"
        for d in (self.duckdb_out, self.featc_out, self.logs):
            d.mkdir(parents=True, exist_ok=True)
        self.results_path = self.out / "results.jsonl"
        self.results = open(self.results_path, "w")
        self.engines = ENGINES if a.engine == "both" else (a.engine,)
        self.runs = []       # every run record
        self.checks = {}     # step -> check record
        self.failed = False

    def record(self, rec):
        self.results.write(json.dumps(rec) + "\n")
        self.results.flush()

    def command(self, engine, step):
        if engine == "duckdb":
            return [sys.executable, str(Path(self.a.shared) / "duckdb_baseline.py"),
                    "--data", self.a.data, "--out", str(self.duckdb_out), "--steps", step.name]
        return [self.a.featc, *step.featc_args]

    def run_once(self, engine, step, rep, position):
        if engine == "featc":
            remove(step.featc_output)    # featc writes from scratch every time, like DuckDB's COPY
        name = f"{step.name}.{engine}.{rep}"
        log, timing = self.logs / f"{name}.log", self.logs / f"{name}.time"
        cmd = self.command(engine, step)
        rec = {"kind": "run", "scale": self.a.scale, "step": step.name, "engine": engine, "rep": rep,
               "position": position, **run_timed(cmd, log, timing)}
        output = self.duckdb_out / step.duckdb_output if engine == "duckdb" else step.featc_output
        if engine == "duckdb":
            report = duckdb_step_report(log)
            rec["step_wall_s"] = report.get("wall_s")
            rec["rows_out"] = report.get("rows_out")
        elif rec["exit"] == 0 and output.exists():
            rec["rows_out"] = parquet_rows(output)
        rec["ok"] = rec["exit"] == 0 and rec.get("rows_out") is not None
        rec["cmd"] = cmd
        rec["log"] = str(log)
        self.record(rec)
        self.runs.append(rec)
        rss = f"{rec['max_rss_kb'] / 1024:.0f} MiB" if "max_rss_kb" in rec else "?"
        print(f"  {step.name:<12} rep {rep}  {engine:<6} {rec['wall_s']:8.3f} s  {rss:>9}  "
              f"{'ok' if rec['ok'] else 'FAILED (exit %s)' % rec['exit']}", file=sys.stderr, flush=True)
        if not rec["ok"]:
            self.failed = True
            print(f"    {' '.join(map(str, cmd))}\n    log {log}:\n{tail(log)}", file=sys.stderr)

    def run_step(self, step):
        print(f"==> {step.name}", file=sys.stderr, flush=True)
        for rep in range(1, self.a.repeat + 1):
            # Alternate which engine goes first, so that neither always inherits a warm cache.
            order = self.engines if rep % 2 else tuple(reversed(self.engines))
            for position, engine in enumerate(order, 1):
                self.run_once(engine, step, rep, position)
        self.check(step)

    def check(self, step):
        expected = self.duckdb_out / step.duckdb_output
        if "featc" not in self.engines:
            return
        rec = {"kind": "check", "scale": self.a.scale, "step": step.name}
        last_featc = [r for r in self.runs if r["step"] == step.name and r["engine"] == "featc"][-1]
        if not expected.exists():
            rec.update(ok=None, summary=f"not checked: no reference output at {expected}")
        elif not last_featc["ok"]:
            rec.update(ok=None, summary="not checked: featc failed")
        else:
            result = compare(str(expected), str(step.featc_output), list(step.keys))
            rec.update(ok=result.ok, summary=result.summary(), problems=result.problems[:20],
                       notes=result.notes, differing=result.differing)
        self.record(rec)
        self.checks[step.name] = rec
        print(f"  check: {rec['summary']}", file=sys.stderr)
        for line in rec.get("problems", []) + rec.get("notes", []):
            print(f"    {line}", file=sys.stderr)
        if rec["ok"] is False:
            self.failed = True


# ---------------------------------------------------------------------------------------------
# summaries

def runs_of(runs, step, engine):
    return [r for r in runs if r["step"] == step and r["engine"] == engine and r["ok"]]


def stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values)}


def summarize(runs, step, engine):
    rs = runs_of(runs, step, engine)
    if not rs:
        return None
    return {"process": stats([r["wall_s"] for r in rs]),
            "step": stats([r.get("step_wall_s") for r in rs]),
            "max_rss_kb": max(r.get("max_rss_kb", 0) for r in rs),
            "rows_out": rs[-1].get("rows_out"), "runs": len(rs)}


def summarize_chain(runs, steps, engine):
    """Per repetition, the sum of several steps (DuckDB's sliding + pit_window from events)."""
    per_step = [runs_of(runs, s, engine) for s in steps]
    reps = set.intersection(*({r["rep"] for r in rs} for rs in per_step)) if per_step else set()
    if not reps:
        return None
    by_rep = [{r["rep"]: r for r in rs} for rs in per_step]
    total = lambda rep, key: sum(x[rep].get(key) or 0 for x in by_rep)
    return {"process": stats([total(rep, "wall_s") for rep in reps]),
            "step": stats([total(rep, "step_wall_s") for rep in reps]),
            "max_rss_kb": max(x[rep].get("max_rss_kb", 0) for x in by_rep for rep in reps),
            "rows_out": by_rep[-1][max(reps)].get("rows_out"), "runs": len(reps)}


def seconds(s):
    if s is None:
        return "–"
    return f"{s['median']:.2f} s ({s['min']:.2f})" if s["median"] < 10 else f"{s['median']:.1f} s ({s['min']:.1f})"


def ratio(featc, duckdb):
    if not featc or not duckdb or not duckdb["median"]:
        return "–"
    return f"{featc['median'] / duckdb['median']:.2f}×"


def rss(kb):
    if not kb:
        return "–"
    return f"{kb / 1024 / 1024:.2f} GiB" if kb >= 1024 * 1024 else f"{kb / 1024:.0f} MiB"


def check_cell(check):
    if check is None:
        return "–"
    if check["ok"] is None:
        return "featc failed" if "featc failed" in check["summary"] else "not checked"
    return "yes" if check["ok"] else "**no**"


def markdown(bench, steps, info):
    a, runs = bench.a, bench.runs
    rows = []
    for step in steps:
        d, f = summarize(runs, step.name, "duckdb"), summarize(runs, step.name, "featc")
        rows.append((f"{step.name}: `{step.title}`" + (" ³" if step.name == "pit_window" else ""),
                     d, f, bench.checks.get(step.name)))
        bench.record({"kind": "summary", "scale": a.scale, "step": step.name, "duckdb": d, "featc": f})
    chain = summarize_chain(runs, ["sliding", "pit_window"], "duckdb")
    if chain:
        rows.append(("pit_window from events: DuckDB sliding + pit_window vs featc ³", chain,
                     summarize(runs, "pit_window", "featc"), bench.checks.get("pit_window")))
        bench.record({"kind": "summary", "scale": a.scale, "step": "sliding+pit_window", "duckdb": chain,
                      "featc": summarize(runs, "pit_window", "featc")})

    data = info["data"]
    lines = [
        f"#### Scale `{a.scale}`: {data['events']:,} events, {data['labels']:,} labels — "
        f"median (min) of {a.repeat} run{'s' if a.repeat > 1 else ''}",
        "",
        "| step | rows out | DuckDB step ¹ | DuckDB process ² | featc process ² | featc / DuckDB step "
        "| featc / DuckDB process | peak RSS DuckDB | peak RSS featc | featc = DuckDB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for title, d, f, check in rows:
        count = (d or f or {}).get("rows_out")
        lines.append(" | ".join([
            f"| {title}", f"{count:,}" if count is not None else "–",
            seconds(d and d["step"]), seconds(d and d["process"]), seconds(f and f["process"]),
            ratio(f and f["process"], d and d["step"]), ratio(f and f["process"], d and d["process"]),
            rss(d and d["max_rss_kb"]), rss(f and f["max_rss_kb"]), check_cell(check)]) + " |")
    m, v = info["machine"], info["versions"]
    lines += [
        "",
        "¹ DuckDB's own timer around the step's SQL (read Parquet, compute, write Parquet), the "
        "protocol of `../shared/bench/README.md`: excludes starting Python and importing DuckDB.  ",
        "² The whole process, exec to exit, timed by the harness; featc's includes reading and "
        "compiling the `.feat` project. Peak RSS is the largest over the runs (`/usr/bin/time -v`).  ",
        "³ DuckDB's `pit_window` joins the labels to the sliding table it has already "
        "materialized; featc's `training-set` computes the windows from the events (featc has no "
        "command that joins labels to its own materialized table), so the like-for-like "
        "comparison is the last row, DuckDB's sliding + pit_window per repetition.",
        "",
        f"Machine: {m['cpu_model']}, {m['nproc']} cores, {m['mem_total']} RAM, {m['system']}; "
        f"1-minute load average at start {m['load_1m']}. DuckDB {v['duckdb']} (`threads=2`), "
        f"{v['featc'] or 'featc not run'}; featc commit {info['git']}. {info['date']}.",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# context of the run

def machine():
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError):
        pass
    return {"cpu_model": cpu, "nproc": os.cpu_count(), "mem_total": mem,
            "system": f"{platform.system()} {platform.release()}", "load_1m": load_1m()}


def capture(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def run_info(a):
    import duckdb
    repo = Path(a.project).resolve().parent.parent
    rev = capture(["git", "rev-parse", "--short", "HEAD"], cwd=repo)
    dirty = capture(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo)
    data = Path(a.data)
    return {"kind": "run_info", "scale": a.scale, "repeat": a.repeat, "engine": a.engine,
            "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": machine(),
            "versions": {"duckdb": duckdb.__version__, "python": platform.python_version(),
                         "featc": capture([a.featc, "--version"]) if a.featc else None},
            "git": f"{rev}{' (with uncommitted changes)' if dirty else ''}" if rev else "unknown",
            "data": {"dir": str(data), "events": parquet_rows(data / "events.parquet"),
                     "labels": parquet_rows(data / "labels.parquet")}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engine", choices=["both", *ENGINES], default="both")
    ap.add_argument("--data", required=True, help="directory with events.parquet and labels.parquet")
    ap.add_argument("--out", required=True, help="output directory (bench/out/<scale>)")
    ap.add_argument("--project", required=True, help="the benchmark's .feat project")
    ap.add_argument("--shared", required=True, help="the reference workload (../shared/bench)")
    ap.add_argument("--featc", help="the featc binary (required unless --engine duckdb)")
    ap.add_argument("--steps", default="sliding,pit_window,rolling_hop",
                    help="comma list of steps (default all; DuckDB's pit_window reads its sliding output)")
    a = ap.parse_args(argv)
    if a.engine != "duckdb" and not a.featc:
        ap.error("--featc is required unless --engine duckdb")

    chosen = [s.strip() for s in a.steps.split(",") if s.strip()]
    steps = [s for s in workload(Path(a.project), Path(a.data), Path(a.out) / "featc") if s.name in chosen]
    unknown = set(chosen) - {s.name for s in steps}
    if unknown or not steps:
        ap.error(f"unknown steps {sorted(unknown)}; choose from sliding, pit_window, rolling_hop")

    bench = Bench(a)
    info = run_info(a)
    bench.record(info)
    print(f"==> scale {a.scale}: {info['data']['events']:,} events, {info['data']['labels']:,} labels; "
          f"{a.repeat} run(s) per engine and step; results in {bench.results_path}", file=sys.stderr)
    for step in steps:
        bench.run_step(step)
    print(markdown(bench, steps, info))
    bench.results.close()
    sys.exit(1 if bench.failed else 0)


if __name__ == "__main__":
    main()
