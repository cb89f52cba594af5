//! Seeded random data aimed at the edges of docs/language.md#windows-and-point-in-time-semantics: event times and label times exactly on
//! window, slide and hop boundaries and one tick either side, label times shifted by the
//! fixtures' settle, exact ties in event time with different values, nulls in every nullable
//! column, rows in random order, keys without events, labels before the first event and long
//! after the last; table rows with back-filled corrections, `known_at` before and after
//! `valid_from`, and label times on `valid_from + ttl`.

use super::data::{Column, Event, Label, Table};
use super::rng::Rng;
use super::values::{DAY, HOUR, MINUTE, Ty, V};
use crate::support::window::floor;
use std::collections::{BTreeMap, BTreeSet};

/// 2024-03-15T00:00:00Z: a multiple of every window size the fixtures use.
pub const BASE: i64 = 1_710_460_800_000_000;

/// The boundaries events and labels cluster on: every slide, hop and size of the fixtures.
const GRAINS: [i64; 8] = [
    MINUTE,
    5 * MINUTE,
    10 * MINUTE,
    15 * MINUTE,
    30 * MINUTE,
    HOUR,
    2 * HOUR,
    DAY,
];

/// The fixtures' settle times (rolling: 30s, windows' tumbling view: 90s).
const SETTLES: [i64; 3] = [0, 30_000_000, 90_000_000];

pub const USERS_WITH_EVENTS: [&str; 4] = ["u0", "u1", "u2", "u3"];
/// A user that appears in labels (and tables) but never in events.
pub const USER_WITHOUT_EVENTS: &str = "u9";
pub const ITEMS_WITH_EVENTS: [&str; 4] = ["i0", "i1", "i2", "i3"];
pub const ITEM_WITHOUT_EVENTS: &str = "i9";

/// The time resolution of a run: 1 µs, or 1 ms for files whose timestamps are in milliseconds.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub tick: i64,
}

impl Shape {
    /// `t` rounded down to a whole tick.
    pub fn align(self, t: i64) -> i64 {
        floor(t, self.tick)
    }

    /// A multiple of a random grain near `[low, high)`, then exactly on it or one tick off.
    fn on_boundary(self, rng: &mut Rng, low: i64, high: i64) -> i64 {
        let grain = *rng.pick(&GRAINS);
        let t = rng.range(low, high);
        floor(t, grain) + rng.pick(&[0, 0, -self.tick, self.tick])
    }
}

/// Events for every user of [`USERS_WITH_EVENTS`], in random order.
pub fn events(rng: &mut Rng, shape: Shape, count: usize) -> Vec<Event> {
    let mut events: Vec<Event> = Vec::with_capacity(count);
    while events.len() < count {
        let mut event = random_event(rng, shape);
        if let Some(earlier) =
            (!events.is_empty() && rng.chance(15)).then(|| rng.pick(&events).clone())
        {
            // an exact tie in event time for one user, with other values
            event.user_id = earlier.user_id;
            event.ts = earlier.ts;
        }
        events.push(event);
    }
    rng.shuffle(&mut events);
    events
}

fn event_time(rng: &mut Rng, shape: Shape) -> i64 {
    let roll = rng.below(100);
    let t = if roll < 55 {
        shape.on_boundary(rng, BASE - DAY, BASE + DAY)
    } else if roll < 65 {
        // old history, for the 12d/13d rolling windows and lifetime views
        if rng.chance(50) {
            shape.on_boundary(rng, BASE - 14 * DAY, BASE - DAY)
        } else {
            rng.range(BASE - 14 * DAY, BASE - DAY)
        }
    } else {
        rng.range(BASE - DAY, BASE + DAY)
    };
    shape.align(t)
}

fn random_event(rng: &mut Rng, shape: Shape) -> Event {
    let weights = [0, 0, 0, 0, 1, 1, 2, 3];
    let user = USERS_WITH_EVENTS[*rng.pick(&weights)];
    let kind = *rng.pick(&["view", "view", "click", "purchase"]);
    Event {
        user_id: user.to_string(),
        item_id: rng.pick(&ITEMS_WITH_EVENTS).to_string(),
        kind: kind.to_string(),
        amount: (!rng.chance(20)).then(|| {
            if rng.chance(40) {
                *rng.pick(&[1.0, 2.5, 250.0, 250.5, 99.99])
            } else {
                rng.range(1, 50_000) as f64 / 100.0
            }
        }),
        qty: (!rng.chance(15)).then(|| rng.range(0, 13)),
        // refunds: some prices are negative
        price: (!rng.chance(25)).then(|| rng.range(-20_000, 100_000)),
        // byte order: "B" < "a" < "ab" < "é"
        tag: (!rng.chance(25)).then(|| rng.pick(&["a", "b", "c", "ab", "B", "é"]).to_string()),
        flag: (!rng.chance(30)).then(|| rng.chance(50)),
        ts: event_time(rng, shape),
    }
}

/// Labels for keys drawn from `keysets`, at times around the `anchors` of each keyset (its
/// event times, table times...), on window boundaries (also shifted by each settle), before
/// all data and long after it; some duplicated; in random order.
pub fn labels(
    rng: &mut Rng,
    shape: Shape,
    count: usize,
    keysets: &[BTreeMap<&'static str, String>],
    anchors: &dyn Fn(&BTreeMap<&'static str, String>) -> Vec<i64>,
) -> Vec<Label> {
    let mut labels: Vec<Label> = Vec::with_capacity(count);
    while labels.len() < count {
        let keys = rng.pick(keysets).clone();
        let settle = *rng.pick(&SETTLES);
        let nudge = *rng.pick(&[0, 0, -shape.tick, shape.tick]);
        let around = anchors(&keys);
        let roll = rng.below(100);
        let t = if roll < 35 {
            shape.on_boundary(rng, BASE - DAY, BASE + 2 * DAY) + settle
        } else if roll < 70 && !around.is_empty() {
            rng.pick(&around) + settle + nudge
        } else if roll < 75 {
            BASE - 30 * DAY
        } else if roll < 80 {
            BASE + 40 * DAY + rng.range(0, DAY)
        } else if roll < 88 && !labels.is_empty() {
            // the same keys and time as an earlier label
            let earlier = rng.pick(&labels).clone();
            labels.push(Label {
                id: labels.len() as i64,
                ..earlier
            });
            continue;
        } else {
            rng.range(BASE - DAY, BASE + 2 * DAY)
        };
        labels.push(Label {
            id: labels.len() as i64,
            keys,
            t: shape.align(t),
            y: (!rng.chance(20)).then(|| rng.below(2) as f64),
            request: BTreeMap::new(),
        });
    }
    rng.shuffle(&mut labels);
    labels
}

pub fn user_keysets() -> Vec<BTreeMap<&'static str, String>> {
    USERS_WITH_EVENTS
        .iter()
        .chain([&USER_WITHOUT_EVENTS])
        .map(|u| BTreeMap::from([("user_id", u.to_string())]))
        .collect()
}

pub fn user_item_keysets() -> Vec<BTreeMap<&'static str, String>> {
    let users = USERS_WITH_EVENTS.iter().chain([&USER_WITHOUT_EVENTS]);
    users
        .flat_map(|u| {
            ITEMS_WITH_EVENTS
                .iter()
                .chain([&ITEM_WITHOUT_EVENTS])
                .map(move |i| {
                    BTreeMap::from([("user_id", u.to_string()), ("item_id", i.to_string())])
                })
        })
        .collect()
}

/// `profile(user_id, tier, score?, credit, valid_ts, known_ts)`: rows written before, at or
/// after the time they take effect, and corrections (same `valid_ts`, later `known_ts`).
pub fn profile(rng: &mut Rng, shape: Shape) -> Table {
    let mut rows: Vec<Vec<V>> = Vec::new();
    let mut seen = BTreeSet::new();
    for user in USERS_WITH_EVENTS.iter().chain([&USER_WITHOUT_EVENTS]) {
        for _ in 0..rng.below(6) {
            let valid = shape.on_boundary(rng, BASE - 5 * DAY, BASE + DAY);
            let mut known =
                shape.align(valid + rng.pick(&[-HOUR, 0, shape.tick, 3 * HOUR, 2 * DAY, 3 * DAY]));
            let corrections = if rng.chance(25) { 2 } else { 1 };
            for _ in 0..corrections {
                if seen.insert((user.to_string(), valid, known)) {
                    rows.push(profile_row(rng, user, valid, known));
                }
                known += rng.pick(&[HOUR, DAY]);
            }
        }
    }
    rng.shuffle(&mut rows);
    profile_table(rows)
}

/// The `profile` table holding `rows` (see [`profile_row`]).
pub fn profile_table(rows: Vec<Vec<V>>) -> Table {
    Table {
        columns: vec![
            Column::new("user_id", Ty::Str, false),
            Column::new("tier", Ty::Str, false),
            Column::new("score", Ty::Float, true),
            Column::new("credit", Ty::Int, false),
            Column::new("valid_ts", Ty::Ts, false),
            Column::new("known_ts", Ty::Ts, false),
        ],
        rows,
        key: "user_id",
        valid_from: "valid_ts",
        known_at: Some("known_ts"),
    }
}

pub fn profile_row(rng: &mut Rng, user: &str, valid: i64, known: i64) -> Vec<V> {
    let score = if rng.chance(20) {
        V::Null
    } else if rng.chance(25) {
        V::Float(*rng.pick(&[0.0, 0.5]))
    } else {
        V::Float(rng.below(1000) as f64 / 1000.0)
    };
    vec![
        V::Str(user.to_string()),
        V::Str(rng.pick(&["gold", "silver", "bronze"]).to_string()),
        score,
        V::Int(rng.range(0, 5000)),
        V::Ts(valid),
        V::Ts(known),
    ]
}

/// `plans(user_id, plan?, valid_ts)`: no `known_at`, no ttl.
pub fn plans(rng: &mut Rng, shape: Shape) -> Table {
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for user in USERS_WITH_EVENTS.iter().chain([&USER_WITHOUT_EVENTS]) {
        for _ in 0..rng.below(4) {
            let valid = shape.on_boundary(rng, BASE - 3 * DAY, BASE + DAY);
            if seen.insert((user.to_string(), valid)) {
                rows.push(plan_row(rng, user, valid));
            }
        }
    }
    rng.shuffle(&mut rows);
    plans_table(rows)
}

/// The `plans` table holding `rows` (see [`plan_row`]).
pub fn plans_table(rows: Vec<Vec<V>>) -> Table {
    Table {
        columns: vec![
            Column::new("user_id", Ty::Str, false),
            Column::new("plan", Ty::Str, true),
            Column::new("valid_ts", Ty::Ts, false),
        ],
        rows,
        key: "user_id",
        valid_from: "valid_ts",
        known_at: None,
    }
}

pub fn plan_row(rng: &mut Rng, user: &str, valid: i64) -> Vec<V> {
    let plan = if rng.chance(20) {
        V::Null
    } else {
        V::Str(rng.pick(&["free", "pro", "team"]).to_string())
    };
    vec![V::Str(user.to_string()), plan, V::Ts(valid)]
}

/// `item_catalog(item_id, category?, list_price, updated_at)`.
pub fn item_catalog(rng: &mut Rng, shape: Shape) -> Table {
    let mut rows = Vec::new();
    let mut seen = BTreeSet::new();
    for item in ITEMS_WITH_EVENTS.iter().chain([&ITEM_WITHOUT_EVENTS]) {
        for _ in 0..rng.below(4) {
            let valid = shape.on_boundary(rng, BASE - 2 * DAY, BASE + DAY);
            if !seen.insert((item.to_string(), valid)) {
                continue;
            }
            let category = if rng.chance(20) {
                V::Null
            } else {
                V::Str(rng.pick(&["toys", "books", "garden"]).to_string())
            };
            rows.push(vec![
                V::Str(item.to_string()),
                category,
                V::Float(rng.range(0, 10_000) as f64 / 100.0),
                V::Ts(valid),
            ]);
        }
    }
    rng.shuffle(&mut rows);
    Table {
        columns: vec![
            Column::new("item_id", Ty::Str, false),
            Column::new("category", Ty::Str, true),
            Column::new("list_price", Ty::Float, false),
            Column::new("updated_at", Ty::Ts, false),
        ],
        rows,
        key: "item_id",
        valid_from: "updated_at",
        known_at: None,
    }
}

/// The times of a table's rows for one key worth asking at: `valid_from`, `known_at`, and
/// `valid_from + ttl`.
pub fn table_times(table: &Table, key: &str, ttl: Option<i64>) -> Vec<i64> {
    let key_index = table.index(table.key);
    let mut times = Vec::new();
    for row in table
        .rows
        .iter()
        .filter(|r| r[key_index] == V::Str(key.to_string()))
    {
        let valid = table.time(row, table.valid_from);
        times.push(valid);
        times.extend(table.known_at.map(|k| table.time(row, k)));
        times.extend(ttl.map(|ttl| valid + ttl));
    }
    times
}
