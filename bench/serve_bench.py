#!/usr/bin/env python3
"""The serving benchmark (bench/serve.sh sets up, then runs this): `featc serve` under wrk,
against the same rows read by a bare prepared SELECT under pgbench, in the same run.

Per example (fraud: fraud_scoring, user_activity: churn_model, recommender: recommend):

1. a schema `featc_bench_serve_<example>` filled with `featc publish` of every view, as of
   --now (the day after the examples' data), and the project compiled for its lookup;
2. three loads per request shape (1 key, 100 keys per request; --connections at once):
   - `featc`: wrk POSTing the request to `featc serve` on loopback (the whole path: HTTP, JSON,
     the pool, the lookup and the freshness query pipelined, the answer);
   - `lookup`: pgbench running the generated lookup statement itself, prepared, with the same
     parameters (the Postgres share of a featc request);
   - `floor`: pgbench running, in one pipeline (one round trip, like featc), one bare SELECT
     per view of the rows the lookup reads: the lookup's own request CTE, time bounds and join
     conditions, without folding the tiles;
   the same three with 1 key on a single connection (latency without queueing); and featc
   with a pool of --connections Postgres connections instead of --pool (the tail it causes);
3. `featc serve --log` against the same service without it (1 key, --connections).

Every load runs --duration seconds after a short warm-up, --repeat times; the table gives
medians. Latency percentiles: wrk's histogram of every request; pgbench's per-transaction log.
stdout is the Markdown table; every run is a line of OUT/results.jsonl.
"""

import argparse
import csv
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request

EXAMPLES = {"fraud": "fraud_scoring", "user_activity": "churn_model", "recommender": "recommend"}
REQUEST_CTE = re.compile(r"(WITH featc_request AS \(\n.*?\n\))\nSELECT\n", re.S)
PARAMETER = re.compile(r'^--   \$(\d+): "([^"]+)" (\S+)\[\]$', re.M)
# A request input (`request amount: float`): sent with each entity, bound after the times.
REQUEST_INPUT = re.compile(r'^--   \$(\d+): request input "([^"]+)" (.+)\[\]$', re.M)
# The tiles a view's LATERAL reads: its time bounds, and its index range per granularity.
TILES = re.compile(
    r"FROM \(\n\s+SELECT\n((?:\s+to_timestamp[^\n]*\n)+)(\s+FROM \(SELECT [^\n]*? AS t\) AS clock)\n"
    r"\s+\) AS bound\n\s+CROSS JOIN LATERAL \(\n((?:[^\n]*\n)+?)\s+\) AS stored\n\s+\) AS tile\n"
)
# The row of a table view: the newest row in force at the request time.
ROWS = re.compile(
    r"SELECT stored\.\*\n\s+FROM (\"[^\"]+\") AS stored\n\s+WHERE ((?:[^\n]*\n)+?)"
    r"\s+ORDER BY ([^\n]*)\n\s+LIMIT 1\n"
)


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kwargs)


class Postgres:
    def __init__(self, url):
        self.url = url
        parts = urllib.parse.urlsplit(url)
        self.env = {
            "PGHOST": parts.hostname or "127.0.0.1",
            "PGPORT": str(parts.port or 5432),
            "PGUSER": parts.username or "postgres",
            "PGDATABASE": parts.path.lstrip("/") or "postgres",
        }
        if parts.password:
            self.env["PGPASSWORD"] = parts.password

    def schema_url(self, schema):
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-c%20search_path%3D{schema}"

    def psql(self, sql):
        run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], env={**os.environ, **self.env})

    def pgbench_env(self, schema):
        # featc serve forces generic plans (src/serve/store.rs); pgbench gets the same.
        options = f"-c search_path={schema} -c plan_cache_mode=force_generic_plan"
        return {**os.environ, **self.env, "PGOPTIONS": options}


def views_of(example_dir):
    """The example's views that have an online copy (not `offline only`)."""
    names = []
    for path in sorted(glob.glob(os.path.join(example_dir, "**", "*.feat"), recursive=True)):
        with open(path) as f:
            text = f.read()
        for name, body in re.findall(r"^features\s+(\w+)\s+on\s[^{]*\{(.*?)^\}", text, re.M | re.S):
            if not re.search(r"^\s*offline\s+only\b", body, re.M):
                names.append(name)
    return names


def label_keys(example_dir, columns, inputs=()):
    """The distinct keys of the example's labels.csv, in first-seen order, each followed by
    the first label's request inputs for it."""
    seen, keys = set(), []
    with open(os.path.join(example_dir, "labels.csv")) as f:
        for row in csv.DictReader(f):
            key = tuple(row[c] for c in columns)
            if key not in seen:
                seen.add(key)
                keys.append(key + tuple(row[c] for c in inputs))
    return keys


def pg_array(values):
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def floor_script(lookup):
    """One bare SELECT per view of the rows the lookup reads, in one pipeline."""
    cte = REQUEST_CTE.search(lookup).group(1)
    statements = []
    for bounds, clock, levels in TILES.findall(lookup):
        # the same index range per granularity the lookup reads, without merging anything
        statements.append(
            f'{cte}\nSELECT featc_request."request index", stored.*\nFROM featc_request\n'
            f"CROSS JOIN LATERAL (\n  SELECT\n{bounds}{clock}\n) AS bound\n"
            f"CROSS JOIN LATERAL (\n{levels}) AS stored;"
        )
    for table, where, order in ROWS.findall(lookup):
        statements.append(
            f'{cte}\nSELECT featc_request."request index", latest.*\nFROM featc_request\n'
            f"CROSS JOIN LATERAL (\n  SELECT stored.*\n  FROM {table} AS stored\n"
            f"  WHERE {where.strip()}\n  ORDER BY {order}\n  LIMIT 1\n) AS latest;"
        )
    views = lookup.count("LEFT JOIN LATERAL")
    if len(statements) != views:
        raise SystemExit(f"the floor found {len(statements)} of the lookup's {views} views")
    return "\\startpipeline\n" + "\n".join(statements) + "\n\\endpipeline\n"


def pgbench_params(text):
    return re.sub(r"\$(\d+)", r":p\1", text)


def percentiles(latencies_us):
    ordered = sorted(latencies_us)

    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50_us": at(0.50), "p99_us": at(0.99), "p999_us": at(0.999), "max_us": ordered[-1]}


def pgbench(pg, schema, script, params, clients, seconds, workdir, tag):
    prefix = os.path.join(workdir, f"pgbench.{tag}")
    for old in glob.glob(prefix + ".*"):
        os.remove(old)
    cmd = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)),
           "-T", str(seconds), "-f", script, "--log", "--log-prefix", prefix]
    for name, value in params.items():
        cmd += ["-D", f"{name}={value}"]
    out = run(cmd, env=pg.pgbench_env(schema)).stdout
    failed = re.search(r"number of failed transactions: (\d+)", out)
    if failed and int(failed.group(1)) > 0:
        raise SystemExit(f"pgbench {tag}: failed transactions\n{out}")
    latencies = []
    for path in glob.glob(prefix + ".*"):
        with open(path) as f:
            latencies += [int(line.split()[2]) for line in f if line.strip()]
        os.remove(path)
    tps = float(re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out).group(1))
    return {**percentiles(latencies), "rps": tps, "requests": len(latencies),
            "mean_us": statistics.fmean(latencies), "cmd": " ".join(cmd)}


class Server:
    """`featc serve` for one example, on loopback."""

    def __init__(self, args, example, schema_url, log_dir=None, pool=None):
        self.port = args.port
        cmd = [args.bin, "serve", os.path.join(args.repo, "examples", example), "--postgres",
               schema_url, "--listen", f"127.0.0.1:{self.port}", "--now", args.now,
               "--connections", str(pool or args.pool)]
        if log_dir:
            cmd += ["--log", log_dir]
        self.cmd = cmd
        self.stderr = open(os.path.join(args.out, f"serve.{example}.log"), "a")
        self.process = subprocess.Popen(cmd, stdout=self.stderr, stderr=self.stderr)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.url("/healthz"), timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    self.process.kill()
                    raise SystemExit(f"featc serve did not come up: {' '.join(cmd)}")
                time.sleep(0.2)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def post(self, service, body):
        request = urllib.request.Request(self.url(f"/v1/services/{service}"), data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def server_seconds(self, service):
        """featc's own histogram: (sum of request seconds, count) for the service."""
        text = urllib.request.urlopen(self.url("/metrics"), timeout=5).read().decode()

        def value(kind):
            pattern = rf'featc_serve_request_duration_seconds_{kind}{{service="{service}"}} (\S+)'
            found = re.search(pattern, text)
            return float(found.group(1)) if found else 0.0  # no request yet

        return value("sum"), value("count")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.stderr.close()


def wrk(args, server, service, body_file, clients, seconds):
    threads = min(clients, args.threads)
    # A timeout well above any latency measured, so that a slow lookup is a number, not an error.
    cmd = ["wrk", f"-t{threads}", f"-c{clients}", f"-d{seconds}s", "--timeout", "60s", "-s",
           os.path.join(args.repo, "bench", "serve.lua"), server.url(f"/v1/services/{service}")]
    env = {**os.environ, "BODY_FILE": body_file}
    before = server.server_seconds(service)
    out = run(cmd, env=env).stdout
    after = server.server_seconds(service)
    result = json.loads(re.search(r"^RESULT (.*)$", out, re.M).group(1))
    if result["non2xx"] or result["socket_errors"]:
        raise SystemExit(f"wrk saw errors: {out}")
    served = after[1] - before[1]
    result["server_mean_us"] = (after[0] - before[0]) / served * 1e6 if served else None
    result["cmd"] = f"BODY_FILE={body_file} " + " ".join(cmd)
    return result


def prepare(args, pg, example):
    service = EXAMPLES[example]
    schema = f"featc_bench_serve_{example}"
    example_dir = os.path.join(args.repo, "examples", example)
    log(f"{example}: schema {schema}, publish every view as of {args.now}")
    pg.psql(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
    for view in views_of(example_dir):
        run([args.bin, "publish", example_dir, "--view", view, "--postgres",
             pg.schema_url(schema), "--now", args.now])
    compiled = os.path.join(args.out, "compiled", example)
    run([args.bin, "compile", example_dir, "--out", compiled])
    with open(os.path.join(compiled, "online", f"{service}.lookup.sql")) as f:
        lookup = f.read()
    parameters = PARAMETER.findall(lookup)
    columns = [name for _, name, _ in parameters]
    inputs = [(name, wire) for _, name, wire in REQUEST_INPUT.findall(lookup)]
    keys = label_keys(example_dir, columns, [name for name, _ in inputs])
    work = os.path.join(args.out, example)
    os.makedirs(work, exist_ok=True)
    shapes = {}
    for size in (1, 100):
        chosen = [keys[i % len(keys)] for i in range(size)]
        def entity(key):
            sent = dict(zip(columns, key))
            for j, (name, wire) in enumerate(inputs):
                text = key[len(columns) + j]
                sent[name] = {"double precision": float, "bigint": int}.get(wire, str)(text)
            return sent
        body = {"entities": [entity(key) for key in chosen], "at": args.at}
        body_file = os.path.join(work, f"body.{size}.json")
        with open(body_file, "w") as f:
            json.dump(body, f)
        params = {f"p{i + 1}": pg_array([key[i] for key in chosen]) for i in range(len(columns))}
        params[f"p{len(columns) + 1}"] = pg_array([args.at] * size)
        for j in range(len(inputs)):
            values = [key[len(columns) + j] for key in chosen]
            params[f"p{len(columns) + 2 + j}"] = pg_array(values)
        shapes[size] = {"body_file": body_file, "params": params, "distinct": len(set(chosen))}
    body_lookup = "\n".join(line for line in lookup.splitlines() if not line.startswith("--"))
    scripts = {"lookup": os.path.join(work, "lookup.pgbench.sql"),
               "floor": os.path.join(work, "floor.pgbench.sql")}
    with open(scripts["lookup"], "w") as f:
        f.write(pgbench_params(body_lookup))
    with open(scripts["floor"], "w") as f:
        f.write(pgbench_params(floor_script(lookup)))
    return {"example": example, "service": service, "schema": schema, "shapes": shapes,
            "scripts": scripts, "work": work}


def check(server, setup):
    """The measured requests are answered in full before they are timed."""
    for size, shape in setup["shapes"].items():
        with open(shape["body_file"], "rb") as f:
            answer = server.post(setup["service"], f.read())
        if len(answer["features"]) != size:
            raise SystemExit(f"{setup['service']}: {len(answer['features'])} answers for {size} keys")


def measure(args, pg, setup, rep, results):
    service, schema = setup["service"], setup["schema"]
    record = lambda **row: results.append({"type": "run", "rep": rep, "service": service, **row})
    server = Server(args, setup["example"], pg.schema_url(schema))
    try:
        check(server, setup)
        loads = [(1, args.connections), (100, args.connections), (1, 1)]
        for size, clients in loads:
            shape = setup["shapes"][size]
            for kind in ["floor", "lookup", "featc"]:
                log(f"rep {rep}: {service}, {size} key(s), {clients} connection(s): {kind}")
                if kind == "featc":
                    wrk(args, server, service, shape["body_file"], clients, args.warmup)
                    row = wrk(args, server, service, shape["body_file"], clients, args.duration)
                else:
                    tag = f"{kind}.{size}.{clients}"
                    script = setup["scripts"][kind]
                    pgbench(pg, schema, script, shape["params"], clients, args.warmup, setup["work"], tag)
                    row = pgbench(pg, schema, script, shape["params"], clients, args.duration,
                                  setup["work"], tag)
                record(kind=kind, keys=size, clients=clients, **row)
    finally:
        server.stop()
    if args.pool != args.connections:
        # As many Postgres connections as clients: the tail that --pool avoids.
        server = Server(args, setup["example"], pg.schema_url(schema), pool=args.connections)
        try:
            shape = setup["shapes"][1]
            log(f"rep {rep}: {service}, 1 key, {args.connections} connections, pool {args.connections}")
            wrk(args, server, service, shape["body_file"], args.connections, args.warmup)
            row = wrk(args, server, service, shape["body_file"], args.connections, args.duration)
            record(kind=f"featc, pool {args.connections}", keys=1, clients=args.connections, **row)
        finally:
            server.stop()
    if service == args.log_service:
        shape = setup["shapes"][1]
        for logging in (False, True):
            log_dir = os.path.join(args.out, "serving-log") if logging else None
            server = Server(args, setup["example"], pg.schema_url(schema), log_dir=log_dir)
            try:
                log(f"rep {rep}: {service}, 1 key, --log {'on' if logging else 'off'}")
                wrk(args, server, service, shape["body_file"], args.connections, args.warmup)
                row = wrk(args, server, service, shape["body_file"], args.connections, args.duration)
                record(kind="featc --log" if logging else "featc (no --log)", keys=1,
                       clients=args.connections, **row)
            finally:
                server.stop()


def table(results):
    runs = [r for r in results if r["type"] == "run"]
    groups = {}
    for r in runs:
        groups.setdefault((r["service"], r["keys"], r["clients"], r["kind"]), []).append(r)
    med = lambda rows, k: statistics.median(r[k] for r in rows)
    ms = lambda us: f"{us / 1000:.3f}"
    lines = [
        "| service | keys / request | connections | what | p50 ms | p99 ms | p99.9 ms | requests/s "
        "| featc server mean ms ¹ | featc / floor p50 | featc / floor p99 |",
        "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    order = {"featc": 0, "lookup": 1, "floor": 2, "featc (no --log)": 3, "featc --log": 4}
    order.update({k: 5 for _, _, _, k in groups if k.startswith("featc, pool")})
    for key in sorted(groups, key=lambda k: (k[0], k[1], -k[2], order[k[3]])):
        service, keys, clients, kind = key
        rows = groups[key]
        floor = groups.get((service, keys, clients, "floor"))
        ratio = lambda k: f"{med(rows, k) / med(floor, k):.1f}×" if kind == "featc" and floor else ""
        server = [r["server_mean_us"] for r in rows if r.get("server_mean_us") is not None]
        cells = [service, str(keys), str(clients), kind, ms(med(rows, "p50_us")),
                 ms(med(rows, "p99_us")), ms(med(rows, "p999_us")), f"{med(rows, 'rps'):,.0f}",
                 ms(statistics.median(server)) if server else "", ratio("p50_us"), ratio("p99_us")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--postgres", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--examples", default="fraud,user_activity,recommender")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8, help="clients at once (wrk -c, pgbench -c)")
    parser.add_argument("--pool", type=int, default=4, help="featc serve --connections")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--now", default="2024-03-16T00:00:00Z")
    parser.add_argument("--at", default="2024-03-15T23:30:00Z")
    parser.add_argument("--log-service", default="churn_model")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pg = Postgres(args.postgres)
    examples = args.examples.split(",")
    unknown = [e for e in examples if e not in EXAMPLES]
    if unknown:
        raise SystemExit(f"unknown examples {unknown}; known: {', '.join(EXAMPLES)}")
    commit = run(["git", "-C", args.repo, "rev-parse", "--short", "HEAD"]).stdout.strip()
    dirty = bool(run(["git", "-C", args.repo, "status", "--porcelain", "--untracked-files=no"]).stdout)
    results = [{"type": "run_info", "commit": commit, "dirty": dirty, "bin": args.bin,
                "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "nproc": os.cpu_count(), "load": os.getloadavg(), "args": vars(args)}]
    setups = [prepare(args, pg, e) for e in examples]
    results[0]["floor_scripts"] = {s["service"]: s["scripts"]["floor"] for s in setups}
    for rep in range(1, args.repeat + 1):
        for setup in setups:
            results.append({"type": "load", "rep": rep, "service": setup["service"],
                            "load_1m": os.getloadavg()[0]})
            measure(args, pg, setup, rep, results)
        with open(os.path.join(args.out, "results.jsonl"), "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in results)
    for setup in setups:
        pg.psql(f"DROP SCHEMA IF EXISTS {setup['schema']} CASCADE")
    print(f"commit {commit}{' (with uncommitted changes)' if dirty else ''}, "
          f"{time.strftime('%Y-%m-%d', time.gmtime())}, medians of {args.repeat} runs of "
          f"{args.duration} s, `at` {args.at}\n")
    print(table(results))
    print("\n¹ featc's own latency histogram (`/metrics`): sum / count over the run, request "
          "received to response written.")


if __name__ == "__main__":
    main()
