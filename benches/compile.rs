//! `cargo bench --bench compile`: check + compile of a generated project with 1,000 features
//! over 100 views (10 sources, 10 services), in memory — parse, analyse, lower, and build every
//! artifact `featc compile` writes. Prints the median and min of 30 runs (after 3 warm-ups) as
//! JSON. Not a test: a number to record in BENCHMARKS.md.

use featc::source::SourceMap;
use std::fmt::Write;
use std::time::{Duration, Instant};

const SOURCES: usize = 10;
const VIEWS_PER_SOURCE: usize = 10;
const FEATURES_PER_VIEW: usize = 10;

/// A realistic mix: every window kind, filters, several aggregates, derived features.
fn generate() -> SourceMap {
    let mut sources = SourceMap::new();
    let mut decls = String::from("entity customer {\n  key customer_id: string\n}\n\n");
    for s in 0..SOURCES {
        writeln!(
            decls,
            "source events_{s} {{\n  schema {{\n    customer_id: string\n    kind: string\n    amount: float?\n    quantity: int\n    channel: string?\n    event_ts: timestamp\n  }}\n  event_time event_ts\n  batch parquet \"data/events_{s}\"\n  stream kafka \"events-{s}\" format json\n}}\n"
        )
        .ok();
    }
    sources.add("sources.feat", decls);
    let windows = [
        "sliding(1h, 15m)",
        "tumbling(1d)",
        "rolling(7d)",
        "rolling(24h, hop 10m)",
        "lifetime",
    ];
    let aggregates = [
        "count(*)",
        "sum(amount) where kind = 'purchase'",
        "avg(amount)",
        "max(quantity)",
        "count_distinct(channel)",
        "last(channel)",
        "min(amount) where quantity > 1 and channel is not null",
        "stddev_pop(amount)",
    ];
    for s in 0..SOURCES {
        let mut text = String::new();
        for v in 0..VIEWS_PER_SOURCE {
            let window = windows[(s + v) % windows.len()];
            writeln!(
                text,
                "features view_{s}_{v} on customer from events_{s} {{\n  window {window}"
            )
            .ok();
            // the derived features below read f_0 (an int) and f_1 (a float); the others vary
            for f in 0..FEATURES_PER_VIEW - 2 {
                let aggregate = match f {
                    0 => aggregates[0],
                    1 => aggregates[1],
                    _ => aggregates[(f + v) % aggregates.len()],
                };
                writeln!(text, "  f_{s}_{v}_{f} = {aggregate}").ok();
            }
            writeln!(
                text,
                "  d_{s}_{v}_a = f_{s}_{v}_1 / nullif(cast(f_{s}_{v}_0 as float), 0)"
            )
            .ok();
            writeln!(
                text,
                "  d_{s}_{v}_b = coalesce(f_{s}_{v}_1, 0.0) * 2 + 1\n}}\n"
            )
            .ok();
        }
        writeln!(
            text,
            "service model_{s} {{\n  include view_{s}_0.*, view_{s}_1.*, view_{s}_2.f_{s}_2_0 as renamed_{s}\n  ratio_{s} = view_{s}_0.d_{s}_0_b / nullif(view_{s}_1.d_{s}_1_b, 0)\n}}"
        )
        .ok();
        sources.add(format!("views_{s}.feat"), text);
    }
    sources
}

fn run_once(sources: &SourceMap) -> Duration {
    let start = Instant::now();
    let (plan, diagnostics) = featc::project::analyze(sources);
    let plan = match plan {
        Some(p) => p,
        None => {
            let text = featc::diagnostic::render_all(sources, &diagnostics);
            panic!("the generated project does not check:\n{text}");
        }
    };
    let artifacts = featc::compile::build_artifacts(&plan).expect("artifacts");
    std::hint::black_box(artifacts);
    start.elapsed()
}

fn main() {
    let sources = generate();
    let (plan, _) = featc::project::analyze(&sources);
    let features: usize = plan
        .as_ref()
        .map_or(0, |p| p.views.iter().map(|v| v.features.len()).sum());
    for _ in 0..3 {
        run_once(&sources);
    }
    let mut times: Vec<Duration> = (0..30).map(|_| run_once(&sources)).collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{{\"bench\": \"check+compile\", \"views\": {}, \"features\": {features}, \"runs\": {}, \"median_ms\": {:.2}, \"min_ms\": {:.2}, \"max_ms\": {:.2}}}",
        SOURCES * VIEWS_PER_SOURCE,
        times.len(),
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    );
}
