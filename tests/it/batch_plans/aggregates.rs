//! Every aggregate of docs/language.md#aggregates in one window, values worked out by hand.

use super::{column, context, plan_of, register_input, run, s, ts};
use featc::compile::batch::view_sql;
use featc::types::Value;

const PROJECT: &str = r#"
entity user { key user_id: string }
source events {
  schema {
    user_id: string
    kind:    string
    amount:  float?
    qty:     int?
    price:   decimal(10, 2)?
    item:    string?
    ts:      timestamp
  }
  event_time ts
  batch parquet "events"
}
features all_aggregates on user from events {
  window tumbling(1h)
  n_all          = count(*)
  n_qty          = count(qty)
  qty_sum        = sum(qty)
  amount_sum     = sum(amount)
  price_sum      = sum(price)
  amount_avg     = avg(amount)
  item_min       = min(item)
  amount_max     = max(amount)
  first_item     = first(item)
  last_item      = last(item)
  recent_items   = last_n(item, 2)
  distinct_items = count_distinct(item)
  approx_items   = approx_count_distinct(item)
  qty_sd         = stddev_pop(qty)
  qty_var        = var_pop(qty)
  buys           = count(*) where kind = 'buy'
  buy_share      = buys / n_all
}
"#;

fn event(
    kind: &str,
    amount: Option<f64>,
    qty: Option<i64>,
    price: Option<i128>,
    item: Option<&str>,
    time: &str,
) -> Vec<Value> {
    vec![
        s("u1"),
        s(kind),
        amount.map_or(Value::Null, Value::Float),
        qty.map_or(Value::Null, Value::Int),
        price.map_or(Value::Null, |cents| Value::Decimal(cents, 2)),
        item.map_or(Value::Null, s),
        ts(time),
    ]
}

#[tokio::test]
async fn every_aggregate_follows_the_spec_table() {
    let plan = plan_of(PROJECT);
    // four partitions: partial states are merged across them
    let ctx = context(4);
    let events = [
        event(
            "view",
            None,
            Some(1),
            Some(150),
            Some("b"),
            "2024-03-15T10:00:00Z",
        ),
        event(
            "buy",
            Some(2.5),
            Some(3),
            None,
            Some("a"),
            "2024-03-15T10:10:00Z",
        ),
        event(
            "buy",
            Some(1.0),
            None,
            Some(225),
            Some("c"),
            "2024-03-15T10:10:00Z",
        ),
        event(
            "view",
            None,
            Some(5),
            None,
            Some("y"),
            "2024-03-15T10:50:00Z",
        ),
        event(
            "buy",
            Some(4.0),
            None,
            None,
            Some("x"),
            "2024-03-15T10:50:00Z",
        ),
        event(
            "view",
            None,
            None,
            None,
            None,
            "2024-03-15T10:59:59.999999Z",
        ),
        event(
            "buy",
            Some(10.0),
            Some(7),
            Some(1),
            Some("z"),
            "2024-03-15T11:00:00Z",
        ),
    ];
    register_input(&ctx, &plan, "events", &events);
    let view = plan.view("all_aggregates").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(
        rows.len(),
        2,
        "two windows: [10:00, 11:00) and [11:00, 12:00)"
    );
    let get = |name: &str| column(&names, &rows, name);
    let f = Value::Float;
    let i = Value::Int;
    assert_eq!(get("n_all"), [i(6), i(1)]);
    assert_eq!(get("n_qty"), [i(3), i(1)], "nulls are not counted");
    assert_eq!(get("qty_sum"), [i(9), i(7)]);
    assert_eq!(get("amount_sum"), [f(7.5), f(10.0)]);
    assert_eq!(
        get("price_sum"),
        [Value::Decimal(375, 2), Value::Decimal(1, 2)],
        "decimal(38, 2)"
    );
    assert_eq!(
        get("amount_avg"),
        [f(2.5), f(10.0)],
        "over the non-null amounts"
    );
    assert_eq!(get("item_min"), [s("a"), s("z")]);
    assert_eq!(get("amount_max"), [f(4.0), f(10.0)]);
    assert_eq!(get("first_item"), [s("b"), s("z")]);
    // the latest non-null: 10:59:59.999999 has no item; at 10:50 'x' and 'y' tie, the larger wins
    assert_eq!(get("last_item"), [s("y"), s("z")]);
    assert_eq!(
        get("recent_items"),
        [Value::List(vec![s("y"), s("x")]), Value::List(vec![s("z")])],
        "newest first, ties by larger value first"
    );
    assert_eq!(get("distinct_items"), [i(5), i(1)]);
    assert_eq!(get("approx_items"), [i(5), i(1)]);
    // qty 1, 3, 5: mean 3, population variance (4 + 0 + 4) / 3
    let Value::Float(var) = get("qty_var")[0] else {
        panic!("var_pop is a float");
    };
    assert!((var - 8.0 / 3.0).abs() < 1e-12, "{var}");
    let Value::Float(sd) = get("qty_sd")[0] else {
        panic!("stddev_pop is a float");
    };
    assert!((sd - (8.0f64 / 3.0).sqrt()).abs() < 1e-12, "{sd}");
    assert_eq!(get("qty_var")[1], f(0.0));
    assert_eq!(get("buys"), [i(3), i(1)]);
    assert_eq!(get("buy_share"), [f(0.5), f(1.0)]);
}

#[tokio::test]
async fn a_filter_that_matches_nothing_gives_the_empty_values() {
    let plan = plan_of(&PROJECT.replace("window tumbling(1h)", "window tumbling(1h)\n  refunds = count(*) where kind = 'refund'\n  refund_qty = sum(qty) where kind = 'refund'\n  refund_items = last_n(item, 3) where kind = 'refund'\n  refund_last = last(item) where kind = 'refund'"));
    let ctx = context(2);
    register_input(
        &ctx,
        &plan,
        "events",
        &[event(
            "buy",
            Some(1.0),
            Some(1),
            None,
            Some("a"),
            "2024-03-15T10:00:00Z",
        )],
    );
    let view = plan.view("all_aggregates").unwrap();
    let (names, rows) = run(&ctx, &view_sql(&plan, view).unwrap()).await;
    assert_eq!(column(&names, &rows, "refunds"), [Value::Int(0)]);
    assert_eq!(column(&names, &rows, "refund_qty"), [Value::Null]);
    assert_eq!(column(&names, &rows, "refund_items"), [Value::List(vec![])]);
    assert_eq!(column(&names, &rows, "refund_last"), [Value::Null]);
}
