//! The example projects end to end: their CSV history and labels registered the way the
//! runtime does, their training sets checked against the cases their READMEs work out by hand.

use super::{at, context, run, s};
use featc::compile::batch::training_sql;
use featc::plan::BatchFormat;
use featc::runtime::batch::inputs;
use featc::runtime::batch::labels::{LabelColumns, register_labels};
use featc::source::SourceMap;
use featc::types::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// The training set of `service` in `examples/<example>`, with labels `--at at_column`;
/// checks that it has one row per label row, in order.
async fn training_set(
    example: &str,
    service: &str,
    at_column: &str,
) -> (Vec<String>, Vec<Vec<Value>>) {
    training_set_of(example, service, "labels.csv", at_column).await
}

/// [`training_set`] with the labels in `examples/<example>/<labels>`.
async fn training_set_of(
    example: &str,
    service: &str,
    labels: &str,
    at_column: &str,
) -> (Vec<String>, Vec<Vec<Value>>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example);
    let mut sources = SourceMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .expect("the example's directory")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "feat"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a .feat file");
        // names relative to the project root, as the loader gives them
        let name = file.strip_prefix(&root).unwrap_or(&file);
        sources.add(name.display().to_string(), text);
    }
    let (plan, diagnostics) = featc::project::analyze(&sources);
    let plan = plan.unwrap_or_else(|| panic!("{diagnostics:#?}"));
    let ctx = context(2);
    let views: Vec<&str> = plan.views.iter().map(|v| v.name.as_str()).collect();
    inputs::register(&ctx, &plan, &root, &views, &BTreeMap::new())
        .await
        .expect("the example's CSV files");
    let service = plan.service(service).expect("the service");
    let labels = root.join(labels);
    register_labels(
        &ctx,
        &labels.to_string_lossy(),
        BatchFormat::Csv,
        at_column,
        LabelColumns::of(service),
    )
    .await
    .expect("the example's labels");
    let (names, rows) = run(&ctx, &training_sql(&plan, service).expect("a statement")).await;

    let label_lines = std::fs::read_to_string(&labels).expect("the labels");
    let firsts: Vec<Value> = label_lines
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| s(l.split(',').next().unwrap_or_default()))
        .collect();
    let got: Vec<Value> = rows.iter().map(|r| r[0].clone()).collect();
    assert_eq!(got, firsts, "one row per label row, in file order");
    (names, rows)
}

/// Whether a computed value is what a README writes: `—` for null, floats to 1e-9, times in
/// RFC 3339.
fn matches(value: &Value, written: &str) -> bool {
    match value {
        Value::Null => written == "—",
        Value::Int(i) => written.parse::<i64>() == Ok(*i),
        Value::Float(x) => written.parse::<f64>().is_ok_and(|y| (x - y).abs() < 1e-9),
        Value::Bool(b) => written.parse::<bool>() == Ok(*b),
        Value::String(v) => v == written,
        Value::Timestamp(t) => {
            chrono::DateTime::parse_from_rfc3339(written).is_ok_and(|w| w.timestamp_micros() == *t)
        }
        Value::Decimal(unscaled, scale) => written
            .parse::<f64>()
            .is_ok_and(|y| (*unscaled as f64 / 10f64.powi(i32::from(*scale)) - y).abs() < 1e-9),
        Value::List(items) => {
            let shown: Vec<String> = items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => format!("{other:?}"),
                })
                .collect();
            format!("[{}]", shown.join(", ")) == written
        }
        _ => false,
    }
}

fn check(
    names: &[String],
    row: &[Value],
    what: &str,
    feature: &str,
    written: &str,
    out: &mut Vec<String>,
) {
    let index = names
        .iter()
        .position(|n| n == feature)
        .unwrap_or_else(|| panic!("no column `{feature}` in {names:?}"));
    if !matches(&row[index], written) {
        out.push(format!(
            "{what}: {feature} = {:?}, README says {written}",
            row[index]
        ));
    }
}

/// The README's table: user, observation time on 2024-03-15, then the features below.
const USER_ACTIVITY_FEATURES: [&str; 9] = [
    "event_count_1h",
    "revenue_1h",
    "session_count_1h",
    "unique_products_1h",
    "purchase_count_1h",
    "last_platform",
    "conversion_rate_1h",
    "country",
    "revenue_per_session",
];
const USER_ACTIVITY_CASES: &str = "
u_001 | 14:00:00 | 2 | —      | 1 | 1 | 0 | web     | 0.0  | US | —
u_001 | 14:14:59 | 2 | —      | 1 | 1 | 0 | web     | 0.0  | US | —
u_001 | 14:15:00 | 2 | 49.90  | 1 | 1 | 1 | web     | 0.5  | US | 49.90
u_001 | 15:00:00 | 1 | 49.90  | 1 | 1 | 1 | web     | 1.0  | US | 49.90
u_002 | 12:45:00 | 2 | —      | 2 | 2 | 0 | web     | 0.0  | DE | —
u_002 | 13:00:00 | 2 | —      | 2 | 2 | 0 | web     | 0.0  | FR | —
u_003 | 10:30:00 | 5 | 19.99  | 1 | 2 | 2 | android | 0.4  | —  | 19.99
u_004 | 12:00:00 | 4 | 129.00 | 2 | 2 | 1 | web     | 0.25 | BR | 64.50
u_005 | 09:00:00 | 0 | —      | 0 | 0 | 0 | —       | —    | IN | —
u_005 | 16:30:00 | 2 | 15.00  | 1 | 1 | 1 | web     | 0.5  | IN | 15.00
u_006 | 12:00:00 | 0 | —      | 0 | 0 | 0 | —       | —    | —  | —
u_007 | 09:30:00 | 0 | —      | 0 | 0 | 0 | —       | —    | —  | —
u_007 | 10:00:00 | 0 | —      | 0 | 0 | 0 | —       | —    | US | —
u_021 | 12:00:00 | 0 | —      | 0 | 0 | 0 | —       | —    | JP | —
u_099 | 12:00:00 | 0 | —      | 0 | 0 | 0 | —       | —    | —  | —
u_099 | 18:45:00 | 0 | —      | 0 | 0 | 0 | —       | —    | —  | —
";

#[tokio::test]
async fn the_user_activity_training_set_matches_its_readme() {
    let (names, rows) = training_set("user_activity", "churn_model", "observation_ts").await;
    assert_eq!(&names[..3], ["user_id", "observation_ts", "churned"]);
    let mut mismatches = Vec::new();
    for line in USER_ACTIVITY_CASES.lines().filter(|l| !l.trim().is_empty()) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (user, time) = (cells[0], cells[1]);
        let time_value = Value::Timestamp(at(&format!("2024-03-15T{time}Z")));
        let row = rows
            .iter()
            .find(|r| r[0] == s(user) && r[1] == time_value)
            .unwrap_or_else(|| panic!("no label row for {user} at {time}"));
        for (feature, written) in USER_ACTIVITY_FEATURES.iter().zip(&cells[2..]) {
            check(
                &names,
                row,
                &format!("{user} at {time}"),
                feature,
                written,
                &mut mismatches,
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The README's cases: payment id, then `feature=value` pairs.
const FRAUD_CASES: &str = "
pay_00133 | payments_10m=0 amount_10m=— declines_10m=0 payments_24h=1 foreign_currency_24h=0 merchant_payments_1h=2 merchant_cards_1h=1 burst_at_risky_merchant=false
pay_00138 | payments_10m=2 amount_10m=2.00 declines_10m=1 payments_24h=3 foreign_currency_24h=2 merchant_payments_1h=4 merchant_cards_1h=2 burst_at_risky_merchant=false
pay_00139 | payments_10m=3 amount_10m=3.50 declines_10m=1 payments_24h=4 foreign_currency_24h=3 merchant_payments_1h=5 merchant_cards_1h=2 burst_at_risky_merchant=true
pay_00141 | payments_10m=8 amount_10m=10.49 declines_10m=2 payments_24h=9 foreign_currency_24h=8 merchant_payments_1h=0 merchant_cards_1h=0 burst_at_risky_merchant=false home_country=DE last_country_10m=CY countries_total=2 payments_total=11 merchant_risk_score=0.40 declines_24h=2
pay_00089 | payments_10m=0 payments_total=0 first_payment_at=— home_country=—
pay_00090 | payments_10m=1 amount_10m=23.40 first_payment_at=2024-03-15T09:59:30Z
pay_00119 | payments_10m=1 amount_1h=120.00 payments_24h=5 amount_24h=150.00 merchants_24h=3 max_amount_24h=50.00 avg_amount_24h=30.0 stddev_amount_24h=14.142135623730951 foreign_currency_24h=0 payments_total=7 amount_total=662.00 countries_total=3 home_country=ES last_country_10m=FR amount_1h_vs_avg=4.0
pay_00168 | home_country=BE last_country_10m=FR payments_10m=3 amount_10m=66.99 declines_10m=1 decline_rate_24h=0.3333333333333333 countries_total=4 payments_total=5 first_payment_at=2024-03-01T08:00:00Z
pay_00171 | payments_10m=0 amount_10m=— avg_amount_24h=— first_payment_at=— home_country=—
pay_00172 | payments_10m=0 amount_10m=— avg_amount_24h=— first_payment_at=— home_country=—
pay_00126 | merchant_risk_score=0.25
pay_00152 | merchant_risk_score=0.74 merchant_high_risk=true
pay_00107 | merchant_risk_score=0.40
pay_00111 | merchant_risk_score=—
pay_00178 | merchant_risk_score=—
pay_lost_0001 | payments_10m=0 payments_total=0 merchant_payments_1h=0 merchant_risk_score=— home_country=—
pay_00119 | avg_amount_24h=30.0 amount_vs_avg_24h=2.3333333333333335
";

/// The README's transfers: the mule's outgoing transfer and the last transfer into it.
const TRANSFER_CASES: &str = "
tr_0049 | sender_senders_24h=8 sender_received_amount_24h=400.96 sender_sent_count_24h=0 share_of_inflow_sent=1.0474860335195531
tr_0048 | receiver_senders_24h=7 sender_id=a_09 receiver_id=a_07
";

#[tokio::test]
async fn the_fraud_training_set_matches_its_readme() {
    let (names, rows) = training_set("fraud", "fraud_scoring", "observation_ts").await;
    assert_readme_cases(&names, &rows, FRAUD_CASES);
}

#[tokio::test]
async fn the_transfer_training_set_matches_its_readme() {
    let (names, rows) = training_set_of(
        "fraud",
        "transfer_scoring",
        "transfer_labels.csv",
        "observation_ts",
    )
    .await;
    assert_readme_cases(&names, &rows, TRANSFER_CASES);
}

/// Each line of `cases`: the label's first column `|` `feature=value` pairs the README writes.
fn assert_readme_cases(names: &[String], rows: &[Vec<Value>], cases: &str) {
    let mut mismatches = Vec::new();
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let (payment, pairs) = line.split_once('|').expect("`payment | pairs`");
        let payment = payment.trim();
        let row = rows
            .iter()
            .find(|r| r[0] == s(payment))
            .unwrap_or_else(|| panic!("no label row for {payment}"));
        for pair in pairs.split_whitespace() {
            let (feature, written) = pair.split_once('=').expect("`feature=value`");
            check(names, row, payment, feature, written, &mut mismatches);
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The README's cases: user, item, observation time, then `feature=value` pairs (a list is
/// written `[a,b]`, without spaces).
const RECOMMENDER_CASES: &str = "
u_001 i_103 2024-03-15T18:30:00Z | session_items=[i_101] items_viewed_1m=1
u_001 i_105 2024-03-15T18:31:00Z | session_items=[i_103,i_117,i_105,i_103,i_103] items_viewed_1m=3
u_001 i_103 2024-03-15T18:32:00Z | session_items=[i_103] items_viewed_1m=0
u_002 i_120 2024-03-15T18:43:00Z | items_viewed_1m=13
u_003 i_131 2024-03-10T12:00:00Z | spend_last_week=15.00 orders_7d=3
u_003 i_105 2024-03-14T00:00:00Z | spend_last_week=163.74 orders_7d=3 session_items=[i_133]
u_003 i_120 2024-03-15T19:00:00Z | spend_last_week=163.74 orders_7d=3 purchases_30d=5 avg_purchase_price_30d=44.148
u_004 i_105 2024-03-15T18:59:59Z | views_7d=0 purchases_7d=2 purchases_30d=3 avg_purchase_price_30d=70.0 items_bought_lifetime=4 age_bucket=45-54 item_price=129.0 price_vs_usual=1.842857142857143 first_seen_at=2024-02-13T23:59:59Z spend_last_week=160.00 orders_7d=2
u_004 i_105 2024-03-15T19:20:00Z | views_7d=1 purchases_7d=1 purchases_30d=3 avg_purchase_price_30d=70.0 items_bought_lifetime=4 age_bucket=55+ item_price=99.0 price_vs_usual=1.4142857142857144 first_seen_at=2024-02-13T23:59:59Z spend_last_week=160.00 orders_7d=2 affordability=1.6161616161616161
u_005 i_108 2024-03-15T19:00:00Z | session_items=[] items_viewed_1m=0 spend_last_week=— first_seen_at=— age_bucket=— item_category=shoes
u_050 i_140 2024-03-15T19:10:00Z | item_views_1h=0 item_click_through_1h=— item_price=74.50 age_bucket=18-24
u_099 i_141 2024-03-15T19:10:00Z | item_price=— item_category=— session_items=[] spend_last_week=— orders_7d=0
";

#[tokio::test]
async fn the_recommender_training_set_matches_its_readme() {
    let (names, rows) = training_set("recommender", "recommend", "observation_ts").await;
    let mut mismatches = Vec::new();
    for line in RECOMMENDER_CASES.lines().filter(|l| !l.trim().is_empty()) {
        let (label, pairs) = line.split_once('|').expect("`label | pairs`");
        let label: Vec<&str> = label.split_whitespace().collect();
        let time = Value::Timestamp(at(label[2]));
        let row = rows
            .iter()
            .find(|r| r[0] == s(label[0]) && r[1] == s(label[1]) && r[2] == time)
            .unwrap_or_else(|| panic!("no label row for {label:?}"));
        for pair in pairs.split_whitespace() {
            let (feature, written) = pair.split_once('=').expect("`feature=value`");
            let written = written.replace(',', ", ");
            check(
                &names,
                row,
                &label.join(" "),
                feature,
                &written,
                &mut mismatches,
            );
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
