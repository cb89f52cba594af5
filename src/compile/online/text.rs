//! The few pieces of SQL text every statement shares: the one identifier quoting function, time
//! conversions between microseconds and `timestamptz`, and provenance comments.
//!
//! Only identifiers (validated by semantic analysis, or made by `plan::naming`) and numbers
//! from the plan ever reach SQL text; request data and events travel as bind parameters.

use crate::compile::sql_expr;
use crate::source::Location;
use crate::types::Micros;

/// `"name"`, with any `"` doubled: the one quoting function of the online SQL (it is the shared
/// printer's, so generated expressions and templates quote alike).
pub fn quote(name: &str) -> String {
    sql_expr::ident(name).to_string()
}

/// `timestamptz` from an SQL expression of microseconds since the epoch: exact (an interval
/// times an integer-valued double is rounded back to whole microseconds) for times up to
/// 2^53 µs, the year 2255.
pub fn micros_to_timestamptz(micros_sql: &str) -> String {
    format!(
        "to_timestamp(0) + {} * interval '1 microsecond'",
        operand(micros_sql)
    )
}

/// `expr` as an operand of a binary operator: parenthesised unless it is a single term (no
/// space outside parentheses).
fn operand(expr: &str) -> String {
    let mut depth = 0i32;
    let mut top_level_space = false;
    for c in expr.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ' ' if depth == 0 => top_level_space = true,
            _ => {}
        }
    }
    if top_level_space {
        format!("({expr})")
    } else {
        expr.to_string()
    }
}

/// Microseconds since the epoch from a `timestamptz` expression: `extract` returns an exact
/// `numeric` since Postgres 14.
pub fn timestamptz_to_micros(timestamp_sql: &str) -> String {
    format!("(extract(epoch FROM {timestamp_sql}) * 1000000)::bigint")
}

/// `floor(t, d)` of docs/language.md#windows-and-point-in-time-semantics in SQL over bigint microseconds: Postgres' `%` truncates toward
/// zero, so the remainder is made non-negative for times before 1970.
pub fn floor_micros(t_sql: &str, d: Micros) -> String {
    if d == 1 {
        t_sql.to_string()
    } else {
        format!("({t_sql} - (({t_sql} % {d}) + {d}) % {d})")
    }
}

/// `-- featc: view user_activity (views.feat)`: where a statement comes from.
pub fn provenance(kind: &str, name: &str, location: &Location) -> String {
    format!(
        "-- featc: {}",
        super::super::provenance::provenance(kind, name, location)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_double_quoted_with_quotes_doubled() {
        assert_eq!(quote("user_id"), r#""user_id""#);
        assert_eq!(quote(r#"a"b"#), r#""a""b""#);
        assert_eq!(quote("in sliding(1h, 15m)"), r#""in sliding(1h, 15m)""#);
    }

    #[test]
    fn conversions_parenthesise_compound_operands_only() {
        let ts = |e: &str| micros_to_timestamptz(e);
        assert_eq!(
            ts("c.t"),
            "to_timestamp(0) + c.t * interval '1 microsecond'"
        );
        assert_eq!(
            ts("(a - b)"),
            "to_timestamp(0) + (a - b) * interval '1 microsecond'"
        );
        assert_eq!(
            ts("(a) - b"),
            "to_timestamp(0) + ((a) - b) * interval '1 microsecond'"
        );
    }

    #[test]
    fn floors_are_euclidean_and_exact_level_is_identity() {
        assert_eq!(floor_micros("t", 1), "t");
        assert_eq!(floor_micros("t", 60), "(t - ((t % 60) + 60) % 60)");
    }
}
