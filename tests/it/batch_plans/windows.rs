//! Materialized views: windows at their boundaries, tiles, table rows.

use super::{at, column, context, plan_of, register_input, run, s, ts};
use featc::compile::batch::view_sql;
use featc::types::{MICROS_PER_HOUR, MICROS_PER_MINUTE, Value};

const EVENTS: &str = r#"
entity user { key user_id: string }
source events {
  schema {
    user_id: string
    qty:     int?
    ts:      timestamp
  }
  event_time ts
  batch parquet "events"
}
"#;

fn event(user: &str, qty: i64, time: &str) -> Vec<Value> {
    vec![s(user), Value::Int(qty), ts(time)]
}

#[tokio::test]
async fn an_event_is_in_every_sliding_window_that_contains_it_and_only_those() {
    let plan = plan_of(&format!(
        "{EVENTS}
features activity on user from events {{
  window sliding(1h, 15m)
  n     = count(*)
  total = sum(qty)
}}"
    ));
    let ctx = context(2);
    register_input(
        &ctx,
        &plan,
        "events",
        &[
            event("u1", 1, "2024-03-15T10:00:00Z"),
            event("u1", 2, "2024-03-15T10:14:59.999999Z"),
            event("u1", 4, "2024-03-15T10:15:00Z"),
            event("u2", 8, "2024-03-15T12:59:00Z"),
        ],
    );
    let view = plan.view("activity").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(
        names,
        [
            "user_id",
            "window_start",
            "window_end",
            "feature_ts",
            "n",
            "total"
        ]
    );
    // [e − 1h, e) for every e on the 15-minute grid: 10:00 and 10:14:59.999999 are in the
    // windows ending 10:15 to 11:00, 10:15 in those ending 10:30 to 11:15
    let window = |user: &str, end: &str, n: i64, total: i64| {
        let end = at(end);
        vec![
            s(user),
            Value::Timestamp(end - MICROS_PER_HOUR),
            Value::Timestamp(end),
            Value::Timestamp(end),
            Value::Int(n),
            Value::Int(total),
        ]
    };
    assert_eq!(
        rows,
        vec![
            window("u1", "2024-03-15T10:15:00Z", 2, 3),
            window("u1", "2024-03-15T10:30:00Z", 3, 7),
            window("u1", "2024-03-15T10:45:00Z", 3, 7),
            window("u1", "2024-03-15T11:00:00Z", 3, 7),
            window("u1", "2024-03-15T11:15:00Z", 1, 4),
            window("u2", "2024-03-15T13:00:00Z", 1, 8),
            window("u2", "2024-03-15T13:15:00Z", 1, 8),
            window("u2", "2024-03-15T13:30:00Z", 1, 8),
            window("u2", "2024-03-15T13:45:00Z", 1, 8),
        ]
    );
}

#[tokio::test]
async fn tumbling_windows_are_aligned_to_the_epoch_and_derive_from_their_aggregates() {
    let plan = plan_of(&format!(
        "{EVENTS}
features daily on user from events {{
  window tumbling(1d)
  n       = count(*)
  big     = count(*) where qty >= 5
  big_pct = 100 * big / n
}}"
    ));
    let ctx = context(3);
    register_input(
        &ctx,
        &plan,
        "events",
        &[
            event("u1", 5, "2024-03-15T00:00:00Z"),
            event("u1", 1, "2024-03-15T23:59:59Z"),
            event("u1", 1, "2024-03-15T12:00:00Z"),
            event("u1", 9, "2024-03-16T00:00:00Z"),
            // before the epoch: floor, not truncation toward zero
            event("u0", 1, "1969-12-31T23:00:00Z"),
        ],
    );
    let view = plan.view("daily").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(
        column(&names, &rows, "user_id"),
        [s("u0"), s("u1"), s("u1")]
    );
    assert_eq!(
        column(&names, &rows, "window_start"),
        [
            ts("1969-12-31T00:00:00Z"),
            ts("2024-03-15T00:00:00Z"),
            ts("2024-03-16T00:00:00Z")
        ]
    );
    assert_eq!(
        column(&names, &rows, "feature_ts"),
        [
            ts("1970-01-01T00:00:00Z"),
            ts("2024-03-16T00:00:00Z"),
            ts("2024-03-17T00:00:00Z")
        ]
    );
    assert_eq!(
        column(&names, &rows, "n"),
        [Value::Int(1), Value::Int(3), Value::Int(1)]
    );
    assert_eq!(
        column(&names, &rows, "big_pct"),
        [
            Value::Float(0.0),
            Value::Float(100.0 / 3.0),
            Value::Float(100.0)
        ]
    );
}

#[tokio::test]
async fn rolling_and_lifetime_views_materialize_tiles_of_partial_states() {
    let plan = plan_of(&format!(
        "{EVENTS}
features spend on user from events {{
  window rolling(2h, hop 1h)
  n     = count(*)
  total = sum(qty) over lifetime
}}"
    ));
    let ctx = context(2);
    register_input(
        &ctx,
        &plan,
        "events",
        &[
            event("u1", 1, "2024-03-15T10:00:30Z"),
            event("u1", 2, "2024-03-15T10:00:30Z"),
            event("u1", 4, "2024-03-15T10:40:00Z"),
        ],
    );
    let view = plan.view("spend").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(
        names,
        ["user_id", "tile_start", "tile_us", "n__count", "total__sum"]
    );
    let (m, h, d) = (MICROS_PER_MINUTE, MICROS_PER_HOUR, 24 * MICROS_PER_HOUR);
    let tile = |start: &str, granularity: i64, n: i64, total: i128| {
        vec![
            s("u1"),
            ts(start),
            Value::Int(granularity),
            Value::Int(n),
            Value::Decimal(total, 0),
        ]
    };
    // one tile per granularity of the ladder (1d, 1h, 1m, exact) that holds events
    assert_eq!(
        rows,
        vec![
            tile("2024-03-15T00:00:00Z", d, 3, 7),
            tile("2024-03-15T10:00:00Z", h, 3, 7),
            tile("2024-03-15T10:00:00Z", m, 2, 3),
            tile("2024-03-15T10:40:00Z", m, 1, 4),
            tile("2024-03-15T10:00:30Z", 1, 2, 3),
            tile("2024-03-15T10:40:00Z", 1, 1, 4),
        ]
    );

    // the value at T is the merge of the tiles that `tile_ranges` lists: at 10:40 the rolling
    // count covers [08:00, 10:40), i.e. the two events at 10:00:30
    let window = view.feature("n").map(|f| match &f.def {
        featc::plan::FeatureDef::Aggregate(a) => a.window,
        _ => unreachable!("`n` is an aggregate"),
    });
    let t = at("2024-03-15T10:40:00Z");
    let ranges = window.expect("the feature `n`").tile_ranges(t);
    let count: i64 = rows
        .iter()
        .filter(|row| {
            let (Value::Timestamp(start), Value::Int(g)) = (&row[1], &row[2]) else {
                return false;
            };
            ranges.iter().any(|r| {
                r.granularity == *g && r.start.is_none_or(|s| s <= *start) && *start < r.end
            })
        })
        .map(|row| match row[3] {
            Value::Int(n) => n,
            _ => 0,
        })
        .sum();
    assert_eq!(count, 2);
}

#[tokio::test]
async fn table_views_materialize_every_row_with_its_validity() {
    let plan = plan_of(
        r#"
entity user { key user_id: string }
table profile {
  schema {
    user_id:  string
    country:  string?
    age:      int
    valid_ts: timestamp
    known_ts: timestamp
  }
  key user_id
  valid_from valid_ts
  known_at known_ts
  batch parquet "profile"
}
features user_profile on user from profile {
  ttl 30d
  country
  age_next_year = age + 1
}
"#,
    );
    let ctx = context(2);
    let row = |user: &str, country: Value, age: i64, valid: &str, known: &str| {
        vec![s(user), country, Value::Int(age), ts(valid), ts(known)]
    };
    register_input(
        &ctx,
        &plan,
        "profile",
        &[
            row(
                "u2",
                s("US"),
                40,
                "2024-01-02T00:00:00Z",
                "2024-01-02T00:00:00Z",
            ),
            row(
                "u1",
                Value::Null,
                30,
                "2024-02-01T00:00:00Z",
                "2024-02-03T00:00:00Z",
            ),
            row(
                "u1",
                s("FR"),
                29,
                "2024-01-01T00:00:00Z",
                "2024-01-01T00:00:00Z",
            ),
        ],
    );
    let view = plan.view("user_profile").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(
        names,
        [
            "user_id",
            "valid_from",
            "known_at",
            "country",
            "age_next_year"
        ]
    );
    assert_eq!(
        rows,
        vec![
            vec![
                s("u1"),
                ts("2024-01-01T00:00:00Z"),
                ts("2024-01-01T00:00:00Z"),
                s("FR"),
                Value::Int(30)
            ],
            vec![
                s("u1"),
                ts("2024-02-01T00:00:00Z"),
                ts("2024-02-03T00:00:00Z"),
                Value::Null,
                Value::Int(31)
            ],
            vec![
                s("u2"),
                ts("2024-01-02T00:00:00Z"),
                ts("2024-01-02T00:00:00Z"),
                s("US"),
                Value::Int(41)
            ],
        ]
    );
}
