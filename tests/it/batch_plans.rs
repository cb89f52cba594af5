//! (being written) — temporary experiments
use datafusion::prelude::*;

async fn show(ctx: &SessionContext, sql: &str) {
    match ctx.sql(sql).await {
        Ok(df) => {
            let schema = df.schema().clone();
            match df.collect().await {
                Ok(batches) => {
                    println!("SQL: {sql}\nSCHEMA: {:?}", schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect::<Vec<_>>());
                    println!("{}", datafusion::arrow::util::pretty::pretty_format_batches(&batches).unwrap());
                }
                Err(e) => println!("SQL: {sql}\nEXEC ERROR: {e}"),
            }
        }
        Err(e) => println!("SQL: {sql}\nPLAN ERROR: {e}"),
    }
}

#[tokio::test]
async fn experiments() {
    let ctx = SessionContext::new();
    for sql in [
        "SELECT * FROM generate_series(1, 3) AS o(j)",
        "SELECT o.value FROM generate_series(1, 3) AS o",
        "SELECT to_timestamp_micros(CAST(1000000 AS BIGINT)) AS t",
        "SELECT arrow_cast(CAST(1000000 AS BIGINT), 'Timestamp(Microsecond, Some(\"UTC\"))') AS t",
        "SELECT CAST(arrow_cast(CAST(1000000 AS BIGINT), 'Timestamp(Microsecond, Some(\"UTC\"))') AS BIGINT) AS t",
        "SELECT date_bin(INTERVAL '15 minutes', arrow_cast(CAST(-1000000 AS BIGINT), 'Timestamp(Microsecond, Some(\"UTC\"))')) AS t",
        "SELECT arrow_cast(CAST(1000000 AS BIGINT), 'Timestamp(Microsecond, Some(\"UTC\"))') = to_timestamp_micros(1000000) AS t",
        "SELECT sum(x) FILTER (WHERE x > 10) AS s, avg(x) AS a, count(*) FILTER (WHERE x > 10) AS c, count(DISTINCT x) FILTER (WHERE x > 10) AS d FROM (VALUES (CAST(1 AS BIGINT)), (2)) AS t(x)",
        "SELECT coalesce(CAST(NULL AS BIGINT[]), make_array()) AS l",
        "SELECT coalesce(CAST(NULL AS BIGINT[]), CAST(make_array() AS BIGINT[])) AS l",
        "SELECT CAST([] AS BIGINT[]) AS l",
        "SELECT (-7) % 5 AS m",
        "SELECT sum(x) FROM (VALUES (CAST(9223372036854775807 AS BIGINT)), (1)) AS t(x)",
        "SELECT sum(x) AS s FROM (VALUES (CAST(1.5 AS DECIMAL(10,2))), (1)) AS t(x)",
        "SELECT CAST(TIMESTAMP '2024-01-01T00:00:00Z' AS BIGINT) AS t",
    ] {
        show(&ctx, sql).await;
    }
}
