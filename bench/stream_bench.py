#!/usr/bin/env python3
"""The stream benchmark's harness (bench/stream.sh sets up its arguments and services).

featc stream consumes a local Kafka-protocol broker into a local Postgres, for the sliding view
`user_activity` of bench/features (a copy whose source gets a `stream kafka` clause):

- throughput: every event of the data set is produced first; then featc starts and the clock
  runs until the offsets it stores in Postgres cover every acknowledged message. Reports events/s
  (from the start, and from the first commit), featc's CPU time (events per CPU-second, i.e. per
  core), the share of the time spent in Postgres commits (from featc's per-batch log), featc's
  peak RSS, and what a plain consumer reads from the broker per second (its ceiling).
- freshness: a steady --rate of events with event time = now, for --seconds; every 100 ms a probe
  event of its own user. A poller runs the generated lookup (`online/pit_window.lookup.sql`, at
  the probe's time + 15 minutes, so that its slide is complete) every 10 ms; a probe's freshness
  is from produce() to the lookup seeing it.

Prints the Markdown table; writes every number to OUT/results.json.
"""
import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
import pyarrow.compute as pc
import pyarrow.parquet as pq
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient, NewTopic

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
STREAMS = []  # every featc stream started, killed at exit if still running


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--featc", required=True)
    p.add_argument("--project", required=True, help="bench/features")
    p.add_argument("--events", required=True, help="events.parquet")
    p.add_argument("--scale", default="")
    p.add_argument("--brokers", required=True)
    p.add_argument("--postgres", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--phases", default="throughput,freshness")
    p.add_argument("--rate", type=int, default=20_000, help="freshness: events per second")
    p.add_argument("--seconds", type=int, default=30, help="freshness: how long")
    p.add_argument("--batch-ms", type=int, default=100, help="freshness: featc --batch-ms")
    p.add_argument("--partitions", type=int, default=4)
    p.add_argument("--fetch-wait-ms", type=int, default=50,
                   help="freshness: featc's fetch.wait.max.ms (tansu holds a fetch that long even "
                        "when data is there, Kafka answers at once; librdkafka's default is 500)")
    return p.parse_args()


def log(*parts):
    print("==>", *parts, file=sys.stderr, flush=True)


# --- the project, the topic, the schema ----------------------------------------------------

def project_copy(src, topic, work):
    """bench/features with `stream kafka TOPIC` on the source and a 40-day retention on the
    sliding view (the data set spans 30 days: with --now at its end, nothing is late)."""
    dst = os.path.join(work, "features")
    shutil.copytree(src, dst)
    sources = os.path.join(dst, "sources.feat")
    text = open(sources).read()
    new = re.sub(r'(\n\s*batch parquet "[^"]*")', rf'\1\n  stream kafka "{topic}" format json', text, count=1)
    assert new != text, "no batch line in sources.feat"
    open(sources, "w").write(new)
    views = os.path.join(dst, "views.feat")
    text = open(views).read()
    anchor = "conversion_rate_1h = purchase_count_1h / nullif(event_count_1h, 0)"
    assert anchor in text, "views.feat changed: update stream_bench.py"
    open(views, "w").write(text.replace(anchor, anchor + '\n  online postgres "user_activity" retain 40d', 1))
    return dst


def create_topic(brokers, topic, partitions):
    admin = AdminClient({"bootstrap.servers": brokers})
    for future in admin.create_topics([NewTopic(topic, partitions, 1)]).values():
        future.result()
    time.sleep(0.5)


def delete_topic(brokers, topic):
    try:
        admin = AdminClient({"bootstrap.servers": brokers})
        for future in admin.delete_topics([topic]).values():
            future.result()
    except Exception as e:  # the numbers are taken; a leftover topic only costs broker memory
        log(f"could not delete topic {topic}: {e}")


def fresh_schema(postgres, name):
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{name}"')
    sep = "&" if "?" in postgres else "?"
    return f"{postgres}{sep}options=-c%20search_path%3D{name}"


def drop_schema(postgres, name):
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')


# --- events as JSON messages -----------------------------------------------------------------

def read_events(path):
    table = pq.read_table(path)
    times = pc.strftime(table.column("event_ts"), format="%Y-%m-%dT%H:%M:%SZ")
    cols = {name: table.column(name).to_pylist() for name in
            ("user_id", "event_type", "product_id", "revenue", "session_id", "platform")}
    cols["event_ts"] = times.to_pylist()
    last = pc.max(table.column("event_ts")).as_py()
    return cols, table.num_rows, last


def payload(cols, i, event_ts=None):
    row = {name: cols[name][i] for name in ("user_id", "event_type", "product_id", "revenue", "session_id", "platform")}
    row["event_ts"] = event_ts or cols["event_ts"][i]
    return json.dumps({k: v for k, v in row.items() if v is not None})


class Acks:
    """Delivery reports: the next offset per partition once everything acknowledged is read."""

    def __init__(self):
        self.ends = {}
        self.count = 0
        self.errors = 0

    def __call__(self, err, msg):
        if err is not None:
            self.errors += 1
            return
        self.count += 1
        p = msg.partition()
        self.ends[p] = max(self.ends.get(p, 0), msg.offset() + 1)


def producer(brokers, linger_ms):
    return Producer({
        "bootstrap.servers": brokers,
        "linger.ms": linger_ms,
        "batch.num.messages": 10_000,
        "queue.buffering.max.messages": 2_000_000,
        "queue.buffering.max.kbytes": 1_048_576,
    })


def produce(p, topic, key, value, acks):
    while True:
        try:
            p.produce(topic, key=key, value=value, callback=acks)
            return
        except BufferError:
            p.poll(0.005)


# --- featc stream as a process ---------------------------------------------------------------

class Stream:
    def __init__(self, featc, project, brokers, url, group, log_path, extra):
        self.log_path = log_path
        self.log_file = open(log_path, "w")
        cmd = [featc, "stream", project, "--view", "user_activity", "--brokers", brokers,
               "--postgres", url, "--group", group, *extra]
        self.cmd = cmd
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log_file)
        STREAMS.append(self)
        self.peak_rss_kb = 0

    def sample(self):
        """Peak RSS so far (VmHWM) and CPU seconds (user + system)."""
        try:
            with open(f"/proc/{self.proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.peak_rss_kb = max(self.peak_rss_kb, int(line.split()[1]))
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            self.cpu_s = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
        return self.peak_rss_kb, getattr(self, "cpu_s", 0.0)

    def lines(self, event):
        out = []
        with open(self.log_path) as f:
            for line in f:
                if line.startswith("{"):
                    try:
                        v = json.loads(line)
                    except ValueError:
                        continue
                    if v.get("event") == event:
                        out.append(v)
        return out

    def check_running(self):
        if self.proc.poll() is not None:
            raise SystemExit(f"featc stream exited ({self.proc.returncode}); see {self.log_path}")

    def stop(self):
        self.sample()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log_file.close()


def stored(conn, group):
    rows = conn.execute(
        "SELECT partition, next_offset FROM featc_offsets WHERE consumer_group = %s", (group,)
    ).fetchall() if table_exists(conn) else []
    return dict(rows)


def table_exists(conn):
    return conn.execute("SELECT to_regclass('featc_offsets') IS NOT NULL").fetchone()[0]


def covered(offsets, ends):
    return all(offsets.get(p, 0) >= end for p, end in ends.items())


# --- phases ------------------------------------------------------------------------------------

def throughput(args, cols, n, last, work):
    topic = f"featc-bench-{args.scale}-{int(time.time())}"
    create_topic(args.brokers, topic, args.partitions)
    project = project_copy(args.project, topic, os.path.join(work, "throughput"))
    log(f"producing {n} events to {topic}")
    p = producer(args.brokers, 50)
    acks = Acks()
    t0 = time.time()
    for i in range(n):
        produce(p, topic, cols["user_id"][i].encode(), payload(cols, i), acks)
        if i % 10_000 == 0:
            p.poll(0)
    p.flush(300)
    produce_s = time.time() - t0
    assert acks.count == n and acks.errors == 0, f"{acks.count} of {n} acknowledged, {acks.errors} errors"
    log(f"produced in {produce_s:.1f} s; starting featc stream")

    schema = "featc_bench_stream"
    url = fresh_schema(args.postgres, schema)
    group = f"bench-{topic}"
    now = (last + dt.timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    stream = Stream(args.featc, project, args.brokers, url, group,
                    os.path.join(args.out, "throughput.stream.log"), ["--now", now])
    first = None
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            stream.check_running()
            stream.sample()
            offsets = stored(conn, group)
            if first is None and sum(offsets.values()) > 0:
                first = time.time()
            if covered(offsets, acks.ends):
                done = time.time()
                break
            if time.time() - stream.started > 1800:
                raise SystemExit("featc did not commit every event within 30 minutes")
            time.sleep(0.05)
    stream.stop()
    batches = stream.lines("batch")
    commit_s = sum(b["commit_ms"] for b in batches) / 1000
    merged = sum(b["merged"] for b in batches)
    rows = sum(b["rows"] for b in batches)
    wall = done - stream.started
    steady = done - first
    log(f"featc committed {n} events in {wall:.1f} s; measuring the broker's ceiling")

    c = Consumer({"bootstrap.servers": args.brokers, "group.id": f"ceiling-{topic}",
                  "auto.offset.reset": "earliest", "enable.auto.commit": False})
    c.subscribe([topic])
    read, t0, last_at = 0, time.time(), time.time()
    while read < n and time.time() - last_at < 10:
        for m in c.consume(10_000, 0.5):
            if not m.error():
                read += 1
                last_at = time.time()
    c.close()
    ceiling = read / (last_at - t0)
    delete_topic(args.brokers, topic)
    drop_schema(args.postgres, schema)
    return {
        "events": n,
        "merged": merged,
        "batches": len(batches),
        "rows_upserted": rows,
        "produce_s": produce_s,
        "wall_s": wall,
        "from_first_commit_s": steady,
        "events_per_s": n / wall,
        "events_per_s_after_first_commit": n / steady,
        "featc_cpu_s": stream.cpu_s,
        "events_per_cpu_s": n / stream.cpu_s if stream.cpu_s else None,
        "commit_s": commit_s,
        "commit_share": commit_s / steady,
        "peak_rss_mb": stream.peak_rss_kb / 1024,
        "broker_ceiling_events_per_s": ceiling,
        "command": " ".join(stream.cmd),
    }


def iso_ms(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def freshness(args, cols, n, work):
    topic = f"featc-fresh-{int(time.time())}"
    create_topic(args.brokers, topic, args.partitions)
    project = project_copy(args.project, topic, os.path.join(work, "freshness"))
    compiled = os.path.join(work, "compiled")
    subprocess.run([args.featc, "compile", project, "--out", compiled], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    lookup = open(os.path.join(compiled, "online", "pit_window.lookup.sql")).read()

    schema = "featc_bench_fresh"
    url = fresh_schema(args.postgres, schema)
    group = f"fresh-{topic}"
    stream = Stream(args.featc, project, args.brokers, url, group,
                    os.path.join(args.out, "freshness.stream.log"),
                    ["--batch-ms", str(args.batch_ms),
                     "--kafka-property", f"fetch.wait.max.ms={args.fetch_wait_ms}"])
    probes = {}  # user -> (sent at, event time)
    seen = {}  # user -> seconds from produce() to visible
    lock = threading.Lock()
    stop = threading.Event()

    def poll():
        with psycopg.connect(url, autocommit=True) as conn:
            # the statement's $1 (keys) and $2 (times) as psycopg placeholders; psycopg
            # prepares it server-side after a few runs
            query = lookup.replace("%", "%%").replace("$1", "%(keys)s").replace("$2", "%(times)s")
            while not stop.is_set():
                with lock:
                    waiting = [(u, at) for u, (_, at) in probes.items() if u not in seen]
                if waiting:
                    users = [u for u, _ in waiting]
                    times = [at + dt.timedelta(minutes=15) for _, at in waiting]
                    rows = conn.execute(query, {"keys": users, "times": times}).fetchall()
                    now = time.time()
                    with lock:
                        for row in rows:
                            if row[2] and row[2] >= 1:
                                seen[row[1]] = now - probes[row[1]][0]
                time.sleep(0.01)

    poller = threading.Thread(target=poll, daemon=True)
    p = producer(args.brokers, 5)
    acks = Acks()
    sent, probe_no, i = 0, 0, 0
    start = time.time()
    # the load starts at once; the probes (and the measured window) once featc has committed
    # its first micro-batch, so that the group join is not measured
    probing_from = None
    log(f"producing {args.rate} events/s; probes every 100 ms for {args.seconds} s after featc's first commit")
    while True:
        now = time.time()
        if probing_from is None:
            stream.check_running()
            if stream.lines("batch"):
                probing_from = next_probe = now
                sent_before = sent
                poller.start()  # the tables exist now
            elif now - start > 60:
                raise SystemExit("featc stream committed nothing within 60 s")
        elif now - probing_from >= args.seconds:
            break
        due = int((now - start) * args.rate) - sent
        stamp = iso_ms(dt.datetime.now(dt.timezone.utc))
        for _ in range(min(due, args.rate // 20 + 1)):
            produce(p, topic, cols["user_id"][i % n].encode(), payload(cols, i % n, stamp), acks)
            sent += 1
            i += 1
        if probing_from is not None and now >= next_probe:
            user = f"probe-{probe_no:06d}"
            at = dt.datetime.now(dt.timezone.utc)
            body = json.dumps({"user_id": user, "event_type": "view", "session_id": "probe",
                               "platform": "web", "event_ts": iso_ms(at)})
            with lock:
                probes[user] = (time.time(), at.replace(microsecond=at.microsecond // 1000 * 1000))
            produce(p, topic, user.encode(), body, acks)
            p.poll(0)
            probe_no += 1
            next_probe += 0.1
        p.poll(0)
        stream.sample()
        time.sleep(0.002)
    elapsed = time.time() - probing_from
    sent -= sent_before
    elapsed = time.time() - start
    p.flush(60)
    wait_until = time.time() + 15
    while time.time() < wait_until:
        with lock:
            if len(seen) == len(probes):
                break
        time.sleep(0.05)
    stop.set()
    poller.join(5)
    with psycopg.connect(url, autocommit=True) as conn:
        lag_deadline = time.time() + 60
        while not covered(stored(conn, group), acks.ends) and time.time() < lag_deadline:
            time.sleep(0.1)
        caught_up = covered(stored(conn, group), acks.ends)
    stream.stop()
    delete_topic(args.brokers, topic)
    drop_schema(args.postgres, schema)
    latencies = sorted(seen.values())

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else None

    return {
        "rate_target": args.rate,
        "rate_achieved": sent / elapsed,
        "seconds": elapsed,
        "batch_ms": args.batch_ms,
        "fetch_wait_ms": args.fetch_wait_ms,
        "probes_sent": len(probes),
        "probes_seen": len(latencies),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "max_ms": latencies[-1] * 1000 if latencies else None,
        "mean_ms": statistics.mean(latencies) * 1000 if latencies else None,
        "caught_up": caught_up,
        "peak_rss_mb": stream.peak_rss_kb / 1024,
        "featc_cpu_s": stream.cpu_s,
        "command": " ".join(stream.cmd),
    }


def table(results, args):
    out = ["| measure | value |", "| --- | --- |"]
    out.append(f"| featc | `{args.featc}` |")
    t = results.get("throughput")
    if t:
        out += [
            f"| throughput: events ({args.scale}) | {t['events']:,} over {args.partitions} partitions |",
            f"| throughput: featc start → all committed | {t['wall_s']:.1f} s = **{t['events_per_s']:,.0f} events/s** |",
            f"| throughput: first commit → all committed | {t['from_first_commit_s']:.1f} s = {t['events_per_s_after_first_commit']:,.0f} events/s |",
            f"| featc CPU (user + system) | {t['featc_cpu_s']:.1f} s = **{t['events_per_cpu_s']:,.0f} events per CPU-second** |",
            f"| time in Postgres commits (upserts + offsets) | {t['commit_s']:.1f} s, {100 * t['commit_share']:.0f}% of the steady phase; {t['batches']} micro-batches, {t['rows_upserted']:,} tile rows |",
            f"| broker ceiling (a plain consumer reading the topic) | {t['broker_ceiling_events_per_s']:,.0f} events/s |",
            f"| featc peak RSS (throughput) | {t['peak_rss_mb']:.0f} MB |",
        ]
    f = results.get("freshness")
    if f:
        p50 = "n/a" if f["p50_ms"] is None else f"{f['p50_ms']:.0f}"
        p99 = "n/a" if f["p99_ms"] is None else f"{f['p99_ms']:.0f}"
        mx = "n/a" if f["max_ms"] is None else f"{f['max_ms']:.0f}"
        out += [
            f"| freshness load | {f['rate_achieved']:,.0f} events/s for {f['seconds']:.0f} s (target {f['rate_target']:,}), --batch-ms {f['batch_ms']}, fetch.wait.max.ms={f['fetch_wait_ms']} |",
            f"| freshness produce → visible to the lookup: p50 / p99 / max | **{p50} / {p99} / {mx} ms** ({f['probes_seen']} of {f['probes_sent']} probes seen) |",
            f"| featc kept up (all committed after the load) | {'yes' if f['caught_up'] else 'NO'} |",
            f"| featc peak RSS (freshness) | {f['peak_rss_mb']:.0f} MB |",
        ]
    return "\n".join(out)


def main():
    args = parse_args()
    os.makedirs(args.out, exist_ok=True)
    phases = [p for p in args.phases.split(",") if p]
    log(f"reading {args.events}")
    cols, n, last = read_events(args.events)
    results = {"featc": args.featc, "scale": args.scale, "partitions": args.partitions}
    try:
        with tempfile.TemporaryDirectory(prefix="featc-stream-bench-") as work:
            if "throughput" in phases:
                results["throughput"] = throughput(args, cols, n, last, work)
            if "freshness" in phases:
                results["freshness"] = freshness(args, cols, n, work)
    finally:
        for stream in STREAMS:
            if stream.proc.poll() is None:
                stream.proc.kill()
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(results, f, indent=2, default=str)
    print(table(results, args))


if __name__ == "__main__":
    main()
