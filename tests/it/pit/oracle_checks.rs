//! The oracle checked by hand: a few cases worked out on paper from the sentences of docs/language.md, so
//! that a disagreement with featc points at featc, not at a slip in `naive.rs`.

use super::data::{Data, Event, Label};
use super::fixtures;
use super::generate::{BASE, plans_table, profile_table};
use super::model::Agg;
use super::naive::{aggregate, evaluate};
use super::sql::{and, div, ne};
use super::values::{DAY, HOUR, MINUTE, V};
use crate::support::window::{Window, floor, window_range};

fn event(user: &str, ts: i64, tag: Option<&str>, qty: Option<i64>) -> Event {
    Event {
        user_id: user.into(),
        item_id: "i0".into(),
        kind: "view".into(),
        amount: None,
        qty,
        price: None,
        tag: tag.map(str::to_string),
        flag: None,
        ts,
    }
}

fn tag(e: &Event) -> V {
    e.tag.clone().map_or(V::Null, V::Str)
}
fn qty(e: &Event) -> V {
    e.qty.map_or(V::Null, V::Int)
}
fn always(_: &Event) -> V {
    V::Bool(true)
}

#[test]
fn oracle_floors_before_1970_too() {
    assert_eq!(floor(-1, 10), -10);
    assert_eq!(floor(-10, 10), -10);
    assert_eq!(floor(19, 10), 10);
}

#[test]
fn oracle_window_edges() {
    let ten = BASE + 10 * HOUR;
    let sliding = Window::Sliding {
        size: HOUR,
        slide: 15 * MINUTE,
    };
    // at 10:00 the completed window is [09:00, 10:00); one µs earlier it is [08:45, 09:45)
    assert_eq!(window_range(sliding, ten), ten - HOUR..ten);
    assert_eq!(window_range(sliding, ten + 1), ten - HOUR..ten);
    assert_eq!(
        window_range(sliding, ten - 1),
        ten - HOUR - 15 * MINUTE..ten - 15 * MINUTE
    );
    let tumbling = Window::Tumbling { size: 30 * MINUTE };
    assert_eq!(
        window_range(tumbling, ten + 29 * MINUTE),
        ten - 30 * MINUTE..ten
    );
    // rolling(2h, hop 1m) at 10:00:30.5: [08:00, 10:00:30.5)
    let rolling = Window::Rolling {
        size: 2 * HOUR,
        hop: MINUTE,
    };
    let t = ten + 30_500_000;
    assert_eq!(window_range(rolling, t), ten - 2 * HOUR..t);
    assert_eq!(window_range(Window::Lifetime, t), i64::MIN..t);
}

#[test]
fn oracle_first_last_and_last_n_break_ties_by_value() {
    let t = BASE;
    let events = [
        event("u0", t, Some("b"), Some(1)),
        event("u0", t, Some("a"), Some(5)),
        event("u0", t - 1, Some("z"), Some(9)),
        event("u0", t + 1, None, None),
    ];
    let refs: Vec<&Event> = events.iter().collect();
    assert_eq!(
        aggregate(Agg::First, tag, always, &refs),
        V::Str("z".into())
    );
    assert_eq!(aggregate(Agg::Last, tag, always, &refs), V::Str("b".into()));
    assert_eq!(
        aggregate(Agg::LastN(2), qty, always, &refs),
        V::List(vec![V::Int(5), V::Int(1)])
    );
    assert_eq!(aggregate(Agg::CountStar, qty, always, &refs), V::Int(4));
    assert_eq!(aggregate(Agg::Count, qty, always, &refs), V::Int(3));
    assert_eq!(aggregate(Agg::Sum, qty, always, &[]), V::Null);
    assert_eq!(aggregate(Agg::LastN(3), qty, always, &[]), V::List(vec![]));
    assert_eq!(
        aggregate(Agg::VarPop, qty, always, &refs[..2]),
        V::Float(4.0)
    );
}

#[test]
fn oracle_settle_moves_the_window() {
    // rolling fixture: settle 30s, `events_2h` over rolling(2h) (hop 1m)
    let service = fixtures::rolling();
    let ten = BASE + 10 * HOUR;
    let mut data = Data::default();
    data.sources.insert(
        "events",
        vec![
            event("u0", ten, None, None),
            event("u0", ten - 2 * HOUR, None, None),
        ],
    );
    let at = |t: i64| {
        let label = Label {
            id: 0,
            keys: [("user_id", "u0".to_string())].into(),
            t,
            y: None,
            request: Default::default(),
        };
        evaluate(&service, &data, &label)[0].clone()
    };
    // as of 10:00:00 exactly the event at 10:00 is not seen; [08:00, 10:00) holds the other
    assert_eq!(at(ten + 30_000_000), V::Int(1));
    assert_eq!(at(ten + 30_000_001), V::Int(2));
    // as of 10:00:59: floor to the minute 10:00, tail 08:00 still included
    assert_eq!(at(ten + 89_000_000), V::Int(2));
    // as of 10:01: the tail moves to 08:01
    assert_eq!(at(ten + 90_000_000), V::Int(1));
}

#[test]
fn oracle_tables_honour_known_at_ttl_and_corrections() {
    let service = fixtures::table();
    let row = |valid: i64, known: i64, tier: &str| {
        vec![
            V::Str("u0".into()),
            V::Str(tier.into()),
            V::Float(0.25),
            V::Int(100),
            V::Ts(valid),
            V::Ts(known),
        ]
    };
    let profile = profile_table(vec![
        row(BASE, BASE + HOUR, "gold"),
        row(BASE, BASE + 5 * HOUR, "silver"),
    ]);
    let plans = plans_table(vec![vec![V::Str("u0".into()), V::Null, V::Ts(BASE)]]);
    let mut data = Data::default();
    data.tables.insert("profile", profile);
    data.tables.insert("plans", plans);
    let at = |t: i64, output: &str| {
        let label = Label {
            id: 0,
            keys: [("user_id", "u0".to_string())].into(),
            t,
            y: None,
            request: Default::default(),
        };
        let index = service
            .outputs
            .iter()
            .position(|o| o.name == output)
            .expect("an output of the fixture");
        evaluate(&service, &data, &label)[index].clone()
    };
    let tier = |t| at(t, "tier");
    assert_eq!(tier(BASE + HOUR - 1), V::Null, "not written yet");
    assert_eq!(tier(BASE + HOUR), V::Str("gold".into()));
    assert_eq!(
        tier(BASE + 5 * HOUR),
        V::Str("silver".into()),
        "the correction"
    );
    assert_eq!(
        tier(BASE + 2 * DAY),
        V::Str("silver".into()),
        "T − valid_from = ttl"
    );
    assert_eq!(tier(BASE + 2 * DAY + 1), V::Null, "older than the ttl");
    assert_eq!(at(BASE + HOUR, "credit_k"), V::Float(0.1));
    assert_eq!(at(BASE + HOUR, "high"), V::Bool(false));
    assert_eq!(at(BASE + HOUR, "tier_len"), V::Int(4));
    assert_eq!(at(BASE, "current_plan"), V::Null);
    assert_eq!(
        at(BASE, "plan_or_none"),
        V::Str("none".into()),
        "a row whose plan is null"
    );
    assert_eq!(at(BASE - 1, "plan_or_none"), V::Null, "no row at all");
    assert_eq!(at(BASE + HOUR, "credit_per_score"), V::Float(400.0));
}

#[test]
fn oracle_sql_nulls() {
    assert_eq!(div(&V::Int(1), &V::Int(2)), V::Float(0.5));
    assert_eq!(div(&V::Int(1), &V::Int(0)), V::Null);
    assert_eq!(and(&V::Null, &V::Bool(false)), V::Bool(false));
    assert_eq!(and(&V::Null, &V::Bool(true)), V::Null);
    assert_eq!(ne(&V::Null, &V::Str("toys".into())), V::Null);
}
