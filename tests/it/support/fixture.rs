//! The project under test, and seeded random events and table rows for it: values drawn from
//! small sets so that ties in time and value happen, with nulls.

use super::rng::Rng;
use featc::plan::Plan;
use featc::source::SourceMap;
use featc::types::{MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, Micros, Value};
use std::collections::BTreeMap;

/// Every aggregate kind in one sliding view, a rolling view with per-feature lifetime windows,
/// a table view with `known_at` and `ttl`, and a service over all three.
pub const PROJECT: &str = r#"
entity user {
  key user_id: string
}

source events {
  schema {
    user_id:  string
    kind:     string
    amount:   float?
    qty:      int?
    price:    decimal(12, 2)?
    label:    string?
    flag:     bool?
    day:      date?
    event_ts: timestamp
  }
  event_time event_ts
  settle 1m
  batch parquet "events"
  stream kafka "events" format json
}

table profile {
  schema {
    user_id:    string
    country:    string?
    age_days:   int
    updated_at: timestamp
    written_at: timestamp
  }
  key user_id
  valid_from updated_at
  known_at written_at
  batch parquet "profile"
}

features every_kind on user from events {
  window sliding(1h, 15m)
  n_all           = count(*)
  n_label         = count(label)
  amount_sum      = sum(amount)
  qty_sum         = sum(qty)
  price_sum       = sum(price)
  amount_avg      = avg(amount)
  qty_avg         = avg(qty)
  price_avg       = avg(price)
  qty_min         = min(qty)
  label_max       = max(label)
  flag_min        = min(flag)
  day_max         = max(day)
  first_label     = first(label)
  last_amount     = last(amount)
  recent_labels   = last_n(label, 3)
  recent_qty      = last_n(qty, 2)
  distinct_labels = count_distinct(label)
  distinct_qty    = count_distinct(qty)
  approx_labels   = approx_count_distinct(label)
  amount_var      = var_pop(amount)
  qty_std         = stddev_pop(qty)
  purchases       = count(*) where kind = 'purchase'
  purchase_share  = purchases / nullif(n_all, 0)
  online postgres "every_kind_tiles"
}

features spend on user from events {
  window rolling(2h, hop 10m)
  amount_2h    = sum(amount)
  last_qty     = last(qty)
  amount_ever  = sum(amount) over lifetime
  labels_ever  = count_distinct(label) over lifetime
  first_day    = first(day) over lifetime
}

features profile_features on user from profile {
  ttl 30d
  country
  age_days
  tenure_years = age_days / 365
}

service model {
  include every_kind.*, spend.*, profile_features.*
  spend_per_event = spend.amount_2h / nullif(every_kind.n_all, 0)
}
"#;

pub fn plan() -> Plan {
    let mut sources = SourceMap::new();
    sources.add("online_test.feat", PROJECT);
    let (plan, diagnostics) = featc::project::analyze(&sources);
    plan.unwrap_or_else(|| panic!("the test project does not compile: {diagnostics:#?}"))
}

/// 2024-03-15T00:00:00Z.
pub const START: Micros = 1_710_460_800 * MICROS_PER_SECOND;
pub const KEYS: [&str; 3] = ["u_1", "u 2", "ü\"3"];

/// One event: its key, time and every column by name.
#[derive(Debug, Clone)]
pub struct Event {
    pub key: String,
    pub time: Micros,
    pub columns: BTreeMap<String, Value>,
}

pub fn events(rng: &mut Rng, per_key: usize) -> Vec<Event> {
    let s = MICROS_PER_SECOND;
    // Few distinct instants, so that events share times (ties) and tiles.
    let offsets = [
        0,
        1,
        s,
        90 * s,
        7 * MICROS_PER_MINUTE + 3,
        15 * MICROS_PER_MINUTE,
    ];
    let mut out = Vec::new();
    for key in KEYS {
        for _ in 0..per_key {
            let slot = rng.below(6 * 60 / 7) as i64 * 7 * MICROS_PER_MINUTE;
            let time = START + slot + rng.pick(&offsets);
            let null_or = |rng: &mut Rng, value: Value| {
                if rng.below(4) == 0 {
                    Value::Null
                } else {
                    value
                }
            };
            let amount = rng.pick(&[1.5, 2.25, 10.0, 99.99, 0.1, 1e6 + 0.3]);
            let qty = rng.pick(&[-3, 0, 1, 7, 42]);
            let price = rng.pick(&[1234, 1, 10000, 999_999]);
            let label = rng.pick(&["a", "B", "b", "é", "a b", "\"q\"", "z"]);
            let flag = rng.below(2) == 0;
            let day = rng.pick(&[19_000, 19_797, -5]);
            let columns = BTreeMap::from([
                ("user_id".to_string(), Value::String(key.into())),
                (
                    "kind".to_string(),
                    Value::String(rng.pick(&["view", "purchase"]).into()),
                ),
                ("amount".to_string(), null_or(rng, Value::Float(amount))),
                ("qty".to_string(), null_or(rng, Value::Int(qty))),
                ("price".to_string(), null_or(rng, Value::Decimal(price, 2))),
                (
                    "label".to_string(),
                    null_or(rng, Value::String(label.into())),
                ),
                ("flag".to_string(), null_or(rng, Value::Bool(flag))),
                ("day".to_string(), null_or(rng, Value::Date(day))),
                ("event_ts".to_string(), Value::Timestamp(time)),
            ]);
            out.push(Event {
                key: key.to_string(),
                time,
                columns,
            });
        }
    }
    out
}

/// The times worth asking the fixture's features at (the source settles 1m): before any event,
/// on and just after window boundaries, inside windows, long after every event, and at events'
/// own times + settle (the event itself excluded) and one µs later.
pub fn probe_times(events: &[Event]) -> Vec<Micros> {
    let (m, h, start) = (MICROS_PER_MINUTE, MICROS_PER_HOUR, START);
    let mut times = vec![
        start - 3 * h,
        start - h,
        start,
        start + m,
        start + 16 * m,
        start + h + m,
        start + h + m + 1,
        start + 2 * h + 37 * m + 12_345_678,
        start + 3 * h,
        start + 6 * h + m,
        start + 9 * h,
        start + 3 * 24 * h,
    ];
    times.extend(events.iter().step_by(17).take(6).map(|e| e.time + m));
    times.extend(events.iter().step_by(11).map(|e| e.time + m));
    times.extend(events.iter().step_by(13).map(|e| e.time + m + 1));
    times.sort_unstable();
    times.dedup();
    times
}

/// A version of a profile row.
#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub key: String,
    pub valid_from: Micros,
    pub known_at: Micros,
    pub country: Value,
    pub age_days: i64,
}

/// A few versions per key with distinct `valid_from`s; some written long after they took
/// effect (invisible before that), one key's last version older than the 30d ttl at some times.
pub fn profile_rows(rng: &mut Rng) -> Vec<ProfileRow> {
    let h = MICROS_PER_HOUR;
    let mut out = Vec::new();
    for (k, key) in KEYS.iter().enumerate() {
        let versions = [-40 * 24 * h, -2 * h, h, 3 * h + 7];
        for (v, offset) in versions.iter().enumerate().skip(k % 2) {
            let valid_from = START + offset;
            let delay = rng.pick(&[0, 0, 30 * MICROS_PER_MINUTE, 5 * h]);
            out.push(ProfileRow {
                key: key.to_string(),
                valid_from,
                known_at: valid_from + delay,
                country: if v == 2 {
                    Value::Null
                } else {
                    Value::String(rng.pick(&["DE", "FR", "US"]).into())
                },
                age_days: 100 + 365 * v as i64 + k as i64,
            });
        }
    }
    out
}
