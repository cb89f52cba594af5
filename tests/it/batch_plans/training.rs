//! Point-in-time training sets: a service over two entities, every window kind, a table with
//! `known_at` and `ttl`, a source with `settle`; labels read from a CSV file in file order.

use super::{context, plan_of, register_input, run, s, scratch_dir, ts};
use datafusion::arrow::datatypes::DataType;
use featc::compile::batch::training_sql;
use featc::plan::BatchFormat;
use featc::runtime::batch::labels::{LabelColumns, register_labels};
use featc::types::Value;

const PROJECT: &str = r#"
entity user { key user_id: string }
entity product { key product_id: int }

source clicks {
  schema {
    user_id:    string
    product_id: int
    price:      float?
    ts:         timestamp
  }
  event_time ts
  settle 5m
  batch parquet "clicks"
}

source orders {
  schema {
    user_id:    string
    product_id: int
    amount:     float
    ts:         timestamp
  }
  event_time ts
  batch parquet "orders"
}

table profile {
  schema {
    user_id:    string
    country:    string?
    valid_ts:   timestamp
    written_ts: timestamp
  }
  key user_id
  valid_from valid_ts
  known_at written_ts
  batch parquet "profile"
}

features user_clicks on user from clicks {
  window sliding(1h, 30m)
  clicks_1h  = count(*)
  recent     = last_n(product_id, 2)
  last_price = last(price)
}

features product_orders on product from orders {
  window rolling(2h, hop 1h)
  orders_2h     = count(*)
  revenue_2h    = sum(amount)
  revenue_total = sum(amount) over lifetime
  avg_order     = revenue_2h / nullif(orders_2h, 0)
}

features user_profile on user from profile {
  ttl 2d
  country
}

service model {
  include user_clicks.*, product_orders.revenue_2h, product_orders.revenue_total
  include product_orders.avg_order, user_profile.country as home
  spend_per_click = product_orders.revenue_2h / nullif(user_clicks.clicks_1h, 0)
}
"#;

fn click(user: &str, product: i64, price: Option<f64>, time: &str) -> Vec<Value> {
    vec![
        s(user),
        Value::Int(product),
        price.map_or(Value::Null, Value::Float),
        ts(time),
    ]
}

fn order(product: i64, amount: f64, time: &str) -> Vec<Value> {
    vec![
        s("anyone"),
        Value::Int(product),
        Value::Float(amount),
        ts(time),
    ]
}

fn profile(user: &str, country: &str, valid: &str, written: &str) -> Vec<Value> {
    vec![s(user), s(country), ts(valid), ts(written)]
}

#[tokio::test]
async fn training_rows_see_exactly_what_was_known_at_their_time() {
    let plan = plan_of(PROJECT);
    let ctx = context(3);
    register_input(
        &ctx,
        &plan,
        "clicks",
        &[
            click("u1", 1, Some(1.0), "2024-03-15T09:40:00Z"),
            click("u1", 2, None, "2024-03-15T09:55:00Z"),
            click("u1", 3, Some(3.0), "2024-03-15T10:00:00Z"),
            click("u1", 4, Some(4.0), "2024-03-15T10:04:00Z"),
            click("u1", 5, None, "2024-03-15T10:30:00Z"),
        ],
    );
    register_input(
        &ctx,
        &plan,
        "orders",
        &[
            order(1, 10.0, "2024-03-15T08:10:00Z"),
            order(1, 20.0, "2024-03-15T09:30:00Z"),
            order(1, 40.0, "2024-03-15T10:00:00Z"),
            order(2, 5.0, "2024-03-15T09:00:00Z"),
        ],
    );
    register_input(
        &ctx,
        &plan,
        "profile",
        &[
            profile("u1", "FR", "2024-03-14T00:00:00Z", "2024-03-14T00:00:00Z"),
            // a correction in force from 09:00 but only written at 11:00
            profile("u1", "DE", "2024-03-15T09:00:00Z", "2024-03-15T11:00:00Z"),
            profile("u2", "US", "2024-03-13T00:00:00Z", "2024-03-13T00:00:00Z"),
        ],
    );
    let dir = scratch_dir("training");
    let labels = dir.join("labels.csv");
    std::fs::write(
        &labels,
        "user_id,product_id,obs_ts,y\n\
         u1,1,2024-03-15T11:30:00Z,1\n\
         u1,1,2024-03-15T10:05:00Z,0\n\
         u1,1,2024-03-15T10:35:00Z,1\n\
         u2,2,2024-03-15T10:00:00Z,0\n\
         u1,3,2024-03-15T10:05:00Z,1\n\
         u2,1,2024-03-15T10:00:00Z,0\n",
    )
    .unwrap();
    let service = plan.service("model").unwrap();
    register_labels(
        &ctx,
        labels.to_str().unwrap(),
        BatchFormat::Csv,
        "obs_ts",
        LabelColumns::of(service),
    )
    .await
    .unwrap();

    let (names, rows) = run(&ctx, &training_sql(&plan, service).unwrap()).await;
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(
        names,
        [
            "user_id",
            "product_id",
            "obs_ts",
            "y",
            "clicks_1h",
            "recent",
            "last_price",
            "revenue_2h",
            "revenue_total",
            "avg_order",
            "home",
            "spend_per_click"
        ]
    );
    let (i, f, null) = (Value::Int, Value::Float, Value::Null);
    let list = |items: &[i64]| Value::List(items.iter().map(|&p| Value::Int(p)).collect());
    let features: Vec<Vec<Value>> = rows.iter().map(|r| r[4..].to_vec()).collect();
    let labels: Vec<Vec<Value>> = rows.iter().map(|r| r[..2].to_vec()).collect();
    assert_eq!(
        labels,
        [
            [s("u1"), i(1)],
            [s("u1"), i(1)],
            [s("u1"), i(1)],
            [s("u2"), i(2)],
            [s("u1"), i(3)],
            [s("u2"), i(1)],
        ],
        "every label row, in file order"
    );
    assert_eq!(
        features,
        [
            // 11:30: clicks as of 11:25 → window [10:00, 11:00): 10:00, 10:04, 10:30; orders in
            // [09:00, 11:30); the DE correction was written at 11:00
            vec![
                i(3),
                list(&[5, 4]),
                f(4.0),
                f(60.0),
                f(70.0),
                f(30.0),
                s("DE"),
                f(20.0)
            ],
            // 10:05: clicks as of 10:00 → [09:00, 10:00); orders in [08:00, 10:05); the
            // correction is not known yet
            vec![
                i(2),
                list(&[2, 1]),
                f(1.0),
                f(70.0),
                f(70.0),
                f(70.0 / 3.0),
                s("FR"),
                f(35.0)
            ],
            // 10:35: as of 10:30, exactly a window end: [09:30, 10:30) leaves out 10:30
            vec![
                i(4),
                list(&[4, 3]),
                f(4.0),
                f(70.0),
                f(70.0),
                f(70.0 / 3.0),
                s("FR"),
                f(17.5)
            ],
            // u2 never clicked: count 0, empty list; its profile is older than the 2d ttl
            vec![
                i(0),
                list(&[]),
                null.clone(),
                f(5.0),
                f(5.0),
                f(5.0),
                null.clone(),
                null.clone()
            ],
            // product 3 was never ordered
            vec![
                i(2),
                list(&[2, 1]),
                f(1.0),
                null.clone(),
                null.clone(),
                null.clone(),
                s("FR"),
                null.clone()
            ],
            // 10:00 exactly: the order at 10:00 is not before T
            vec![
                i(0),
                list(&[]),
                null.clone(),
                f(30.0),
                f(30.0),
                f(15.0),
                null.clone(),
                null
            ],
        ]
    );
    assert_eq!(
        rows[0][2],
        ts("2024-03-15T11:30:00Z"),
        "label columns as read"
    );
    assert_eq!(rows[0][3], i(1));
}

#[tokio::test]
async fn label_keys_are_read_as_their_declared_types() {
    let plan = plan_of(
        r#"
entity user { key user_id: string }
source clicks {
  schema {
    user_id: string
    ts:      timestamp
  }
  event_time ts
  batch parquet "clicks"
}
features user_clicks on user from clicks {
  window tumbling(1h)
  clicks_1h = count(*)
}
service model { include user_clicks.* }
"#,
    );
    let ctx = context(2);
    register_input(
        &ctx,
        &plan,
        "clicks",
        &[
            vec![s("007"), ts("2024-03-15T09:10:00Z")],
            vec![s("7"), ts("2024-03-15T09:20:00Z")],
            vec![s("7"), ts("2024-03-15T09:30:00Z")],
        ],
    );
    let dir = scratch_dir("label-keys");
    let labels = dir.join("labels.csv");
    // CSV inference alone would read both keys as the integer 7
    std::fs::write(
        &labels,
        "user_id,at\n007,2024-03-15T10:00:00Z\n7,2024-03-15T10:00:00Z\n",
    )
    .unwrap();
    let service = plan.service("model").unwrap();
    let label_schema = register_labels(
        &ctx,
        labels.to_str().unwrap(),
        BatchFormat::Csv,
        "at",
        LabelColumns::of(service),
    )
    .await
    .unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(label_schema.field(0).data_type(), &DataType::Utf8);
    let (_, rows) = run(&ctx, &training_sql(&plan, service).unwrap()).await;
    assert_eq!(
        rows,
        [
            vec![s("007"), ts("2024-03-15T10:00:00Z"), Value::Int(1)],
            vec![s("7"), ts("2024-03-15T10:00:00Z"), Value::Int(2)],
        ]
    );
}
