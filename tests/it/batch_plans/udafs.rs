//! featc's UDAFs on their own: tie-breaks, nulls, and partial states merged across partitions.

use super::{context, register_rows, run, s};
use datafusion::prelude::SessionConfig;
use featc::plan::Field;
use featc::runtime::batch::context::session_context;
use featc::types::{ColumnType, Type, Value};

fn fields() -> Vec<Field> {
    let field = |name: &str, ty: Type, nullable: bool| Field {
        name: name.into(),
        ty: ColumnType::new(ty, nullable),
    };
    vec![
        field("k", Type::String, false),
        field("v", Type::String, true),
        field("n", Type::Int, true),
        field("t", Type::Timestamp, false),
    ]
}

fn row(k: &str, v: Option<&str>, n: Option<i64>, t: i64) -> Vec<Value> {
    vec![
        s(k),
        v.map_or(Value::Null, s),
        n.map_or(Value::Null, Value::Int),
        Value::Timestamp(t),
    ]
}

#[tokio::test]
async fn last_breaks_time_ties_by_the_larger_value_and_skips_nulls() {
    // four partitions of one batch each, so partial states meet in merge_batch
    let ctx = context(4);
    let rows = [
        row("k1", Some("a"), Some(1), 5),
        row("k1", Some("c"), Some(2), 5),
        row("k1", Some("b"), None, 5),
        row("k1", None, Some(3), 9),
        row("k1", Some("z"), Some(4), 1),
        row("k2", None, None, 3),
    ];
    register_rows(&ctx, "t", &fields(), &rows, 4);
    let (_, result) = run(
        &ctx,
        "SELECT k, featc_last(v, t), featc_first(v, t), featc_last_n(v, t, 3), \
         featc_count_distinct(v), featc_approx_count_distinct(v), featc_sum(n) \
         FROM t GROUP BY k ORDER BY k",
    )
    .await;
    let list = |items: &[&str]| Value::List(items.iter().map(|v| s(v)).collect());
    assert_eq!(
        result,
        vec![
            vec![
                s("k1"),
                // at t = 5 'a', 'c' and 'b' tie; the null at t = 9 is not a value
                s("c"),
                s("z"),
                list(&["c", "b", "a"]),
                Value::Int(4),
                Value::Int(4),
                Value::Int(10),
            ],
            vec![
                s("k2"),
                Value::Null,
                Value::Null,
                list(&[]),
                Value::Int(0),
                Value::Int(0),
                Value::Null
            ],
        ]
    );
}

#[tokio::test]
async fn partial_states_are_portable_structs() {
    let ctx = context(4);
    let rows = [
        row("k1", Some("a"), Some(1), 5),
        row("k1", Some("c"), Some(2), 5),
        row("k1", Some("b"), Some(-7), 2),
    ];
    register_rows(&ctx, "t", &fields(), &rows, 3);
    let (names, result) = run(
        &ctx,
        "SELECT get_field(featc_last_state(v, t), 'ts') AS ts, \
         get_field(featc_last_state(v, t), 'value') AS value, \
         get_field(featc_sum_state(n), 'sum') AS sum, \
         get_field(featc_count_all_state(1), 'count') AS count FROM t",
    )
    .await;
    assert_eq!(names, ["ts", "value", "sum", "count"]);
    assert_eq!(
        result,
        vec![vec![
            Value::Int(5),
            s("c"),
            Value::Decimal(-4, 0),
            Value::Int(3)
        ]]
    );
}

#[tokio::test]
async fn int_sums_saturate_instead_of_wrapping() {
    let ctx = context(2);
    let rows = [
        row("k", None, Some(i64::MAX), 1),
        row("k", None, Some(1), 2),
        row("k", None, Some(i64::MIN), 3),
        row("k", None, Some(i64::MIN), 4),
        row("k", None, Some(i64::MIN), 5),
    ];
    register_rows(&ctx, "t", &fields(), &rows, 2);
    // the exact sum is 2^63 + 3·(−2^63) = −2^64: below the bigint range
    let (_, result) = run(&ctx, "SELECT featc_sum(n) FROM t").await;
    assert_eq!(result, vec![vec![Value::Int(i64::MIN)]]);
}

/// Many groups over many batches: each group's `last` and `last_n` equal a brute-force
/// maximum over (time, value), whatever the partitioning.
#[tokio::test]
async fn merges_across_partitions_agree_with_brute_force() {
    let rows: Vec<Vec<Value>> = (0..500i64)
        .map(|i| {
            let value = format!("v{:03}", (i * 37) % 101);
            let value = (i % 11 != 0).then_some(value);
            row(
                &format!("k{}", i % 7),
                value.as_deref(),
                Some(i),
                (i * 13) % 17,
            )
        })
        .collect();
    // one partition, four, and four with partial aggregation skipped (rows go straight to
    // states, `convert_to_state`)
    for (partitions, skip_partial) in [(1, false), (4, false), (4, true)] {
        let ctx = if skip_partial {
            let config = SessionConfig::new()
                .with_target_partitions(partitions)
                .set_usize(
                    "datafusion.execution.skip_partial_aggregation_probe_rows_threshold",
                    1,
                )
                .set_str(
                    "datafusion.execution.skip_partial_aggregation_probe_ratio_threshold",
                    "0.0",
                );
            session_context(config)
        } else {
            context(partitions)
        };
        register_rows(&ctx, "t", &fields(), &rows, 5);
        let (_, result) = run(
            &ctx,
            "SELECT k, featc_last(v, t), featc_last_n(v, t, 3), featc_avg(n) \
             FROM t GROUP BY k ORDER BY k",
        )
        .await;
        assert_eq!(result.len(), 7);
        for out in result {
            let key = out[0].clone();
            let mut pairs: Vec<(Value, Value)> = rows
                .iter()
                .filter(|r| r[0] == key && !r[1].is_null())
                .map(|r| (r[3].clone(), r[1].clone()))
                .collect();
            pairs.sort();
            pairs.reverse();
            assert_eq!(out[1], pairs[0].1, "{key:?}");
            let newest: Vec<Value> = pairs.iter().take(3).map(|p| p.1.clone()).collect();
            assert_eq!(out[2], Value::List(newest), "{key:?}");
            let ns: Vec<i64> = rows
                .iter()
                .filter(|r| r[0] == key)
                .filter_map(|r| match r[2] {
                    Value::Int(n) => Some(n),
                    _ => None,
                })
                .collect();
            let mean = ns.iter().sum::<i64>() as f64 / ns.len() as f64;
            assert_eq!(out[3], Value::Float(mean), "{key:?}");
        }
    }
}
