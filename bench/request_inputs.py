"""What a request-time feature costs a lookup: fraud_scoring's generated lookup with
`request amount` and `amount_vs_avg_24h`, and the same service without them, under pgbench
(1 connection, generic plans as featc serve uses), alternating, in one run, against one
schema published from examples/fraud.

    python3 bench/request_inputs.py [REPEATS]

Needs target/release/featc (or $FEATC_BIN), pgbench and psql, and a Postgres
($FEATC_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/featc_test). Prints each
run to stderr and the medians and ratios as JSON."""
import importlib.util
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
featc = os.environ.get("FEATC_BIN", f"{repo}/target/release/featc")
spec = importlib.util.spec_from_file_location("sb", f"{repo}/bench/serve_bench.py")
sb = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sb)
pg = sb.Postgres(os.environ.get("FEATC_BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432/featc_test"))
schema = "featc_ab_request"
pg.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
for view in sb.views_of(f"{repo}/examples/fraud"):
    subprocess.run([featc, "publish", f"{repo}/examples/fraud", "--view", view,
                    "--postgres", pg.schema_url(schema), "--now", "2024-03-16T00:00:00Z"],
                   check=True, capture_output=True)
tmp = tempfile.mkdtemp(prefix="featc-request-inputs-")
work = f"{tmp}/work"
os.makedirs(work)
# the variant: the fraud example without `request amount` and `amount_vs_avg_24h`
variant = f"{tmp}/fraud_without_request"
shutil.copytree(f"{repo}/examples/fraud", variant)
svc = open(f"{variant}/services.feat").read()
svc = re.sub(r"\n  request amount: float\n", "\n", svc)
svc = re.sub(r"\n  (amount_vs_avg_24h|share_of_inflow_sent) = [^\n]*\n", "\n", svc)
open(f"{variant}/services.feat", "w").write(svc)
scripts = {}
for tag, project in [("with_request", f"{repo}/examples/fraud"), ("without", variant)]:
    out = f"{tmp}/compiled_{tag}"
    subprocess.run([featc, "compile", project, "--out", out], check=True, capture_output=True)
    lookup = open(f"{out}/online/fraud_scoring.lookup.sql").read()
    # the two variants must differ in exactly what is measured
    if ("request input" in lookup) != (tag == "with_request"):
        raise SystemExit(f"{tag}: the lookup does not match the variant (examples/fraud changed?)")
    body = "\n".join(l for l in lookup.splitlines() if not l.startswith("--"))
    path = f"{work}/{tag}.sql"
    with open(path, "w") as f:
        f.write(sb.pgbench_params(body))
    scripts[tag] = path
params = {"p1": "{c_0003}", "p2": "{m_005}", "p3": "{2024-03-15T23:30:00Z}"}
results = {t: [] for t in scripts}
for rep in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
    for tag, script in scripts.items():
        p = dict(params)
        if tag == "with_request":
            p["p4"] = "{70.0}"
        r = sb.pgbench(pg, schema, script, p, 1, 10, work, f"{tag}{rep}")
        results[tag].append(r)
        print(tag, rep, round(r["p50_us"] / 1000, 3), round(r["p99_us"] / 1000, 3), file=sys.stderr)
summary = {t: {"p50_ms": statistics.median(r["p50_us"] for r in rs) / 1000,
               "p99_ms": statistics.median(r["p99_us"] for r in rs) / 1000} for t, rs in results.items()}
summary["ratio_p50"] = summary["with_request"]["p50_ms"] / summary["without"]["p50_ms"]
summary["ratio_p99"] = summary["with_request"]["p99_ms"] / summary["without"]["p99_ms"]
print(json.dumps(summary, indent=1))
pg.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
shutil.rmtree(tmp, ignore_errors=True)
