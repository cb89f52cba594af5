//! `cargo bench --bench operator`: the stream operator alone, in memory — JSON decoding, the
//! `where` filters and arguments, and the fold of every event into every tile of its view's
//! ladder — over the `fraud` example's views (every aggregate kind but `last_n`) with seeded
//! synthetic payments (no broker, no Postgres). Prints events per second per view set (median of 5 runs after a warm-up) as
//! JSON. Not a test: a number to compare before and after a change to the operator
//! (`bench/stream.sh` measures the whole stream with a broker and Postgres).

use featc::runtime::stream::{ManualClock, Message, Operator, OperatorConfig};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const EVENTS: usize = 200_000;
const PARTITIONS: i32 = 4;
const MICRO_BATCH: usize = 10_000;
/// 2024-03-15T00:00:00Z: the events span the day before, so that nothing is late.
const NOW: i64 = 1_710_460_800_000_000;

/// A tiny deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn plan() -> featc::plan::Plan {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/fraud");
    let project = featc::project::load(&[root]).expect("the example loads");
    let (plan, diagnostics) = featc::project::analyze(&project.sources);
    plan.unwrap_or_else(|| panic!("the example checks: {diagnostics:?}"))
}

/// Payments of the example's `payments` source as the JSON a producer writes, with their
/// partition and offset.
fn messages() -> Vec<(i32, i64, String)> {
    let mut rng = Rng(0x5eed);
    let currencies = ["EUR", "EUR", "EUR", "USD", "GBP"];
    let countries = ["FR", "DE", "NL", "US", "GB", "ES"];
    let mut offsets = [0i64; PARTITIONS as usize];
    (0..EVENTS)
        .map(|i| {
            let card = rng.below(20_000);
            let partition = (card % PARTITIONS as u64) as i32;
            let offset = offsets[partition as usize];
            offsets[partition as usize] += 1;
            let ts = NOW - 86_400_000_000 + rng.below(86_400_000_000) as i64;
            let time = chrono_free_rfc3339(ts / 1_000_000);
            let declined = match rng.below(20) {
                0 => "true",
                1 => "null",
                _ => "false",
            };
            let json = format!(
                r#"{{"payment_id":"p_{i}","card_id":"c_{card:05}","merchant_id":"m_{:04}","amount":{}.{:02},"currency":"{}","country":"{}","is_declined":{declined},"event_ts":"{time}"}}"#,
                rng.below(3_000),
                rng.below(500),
                rng.below(100),
                currencies[rng.below(5) as usize],
                countries[rng.below(6) as usize],
            );
            (partition, offset, json)
        })
        .collect()
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (civil-from-days, so the bench needs no
/// date crate of its own).
fn chrono_free_rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    )
}

fn run(plan: &featc::plan::Plan, views: &[&str], messages: &[(i32, i64, String)]) -> Duration {
    let config = OperatorConfig {
        start: None,
        record_late: true,
    };
    let mut operator = Operator::new(plan, views, Arc::new(ManualClock::new(NOW)), config)
        .expect("an operator for the example's views");
    let started = Instant::now();
    for chunk in messages.chunks(MICRO_BATCH) {
        for (partition, offset, json) in chunk {
            operator.push(&Message {
                topic: "card-payments",
                partition: *partition,
                offset: *offset,
                key: None,
                payload: Some(json.as_bytes()),
            });
        }
        std::hint::black_box(operator.take_batch());
    }
    started.elapsed()
}

fn main() {
    let plan = plan();
    let messages = messages();
    let mut results = Vec::new();
    for views in [
        &["card_velocity"][..],
        &["merchant_velocity"],
        &["card_velocity", "merchant_velocity"],
    ] {
        run(&plan, views, &messages);
        let mut times: Vec<Duration> = (0..5).map(|_| run(&plan, views, &messages)).collect();
        times.sort();
        let median = times[times.len() / 2].as_secs_f64();
        results.push(format!(
            r#"{{"views":{views:?},"events":{EVENTS},"median_s":{median:.4},"events_per_s":{:.0}}}"#,
            EVENTS as f64 / median
        ));
    }
    println!("[{}]", results.join(","));
}
