//! Time arithmetic in the generated SQL, on integer microseconds since the Unix epoch: exact,
//! and the same numbers as [`crate::plan::window`] (no interval types, no calendar, no time
//! zones). Timestamps are converted to microseconds once, where they are read, and back to
//! `Timestamp(Microsecond, "UTC")` where they are written.

use crate::compile::sql_expr::{binary, cast, function, number_literal, string_literal};
use crate::types::{Micros, format_duration};
use datafusion::sql::sqlparser::ast::{BinaryOperator, DataType, Expr};

/// Microseconds since the epoch of a timestamp of any unit.
pub fn micros(timestamp: Expr) -> Expr {
    cast(
        function("to_timestamp_micros", vec![timestamp]),
        DataType::BigInt(None),
    )
}

/// A `Timestamp(Microsecond, "UTC")` from microseconds since the epoch.
pub fn timestamp(micros: Expr) -> Expr {
    function(
        "arrow_cast",
        vec![
            micros,
            string_literal(r#"Timestamp(Microsecond, Some("UTC"))"#),
        ],
    )
}

/// A duration (or time) in microseconds, as a literal.
pub fn duration(d: Micros) -> Expr {
    // the number, and what it means for a reader: `900000000 /* 15m */`
    number_literal(format!("{d} /* {} */", format_duration(d)))
}

/// `floor(t, d)`: the greatest multiple of `d` that is ≤ `t`, also for times before 1970
/// (SQL's `%` keeps the dividend's sign): `t - ((t % d) + d) % d`.
pub fn floor(t: Expr, d: Expr) -> Expr {
    let remainder = binary(
        binary(
            binary(t.clone(), BinaryOperator::Modulo, d.clone()),
            BinaryOperator::Plus,
            d.clone(),
        ),
        BinaryOperator::Modulo,
        d,
    );
    binary(t, BinaryOperator::Minus, remainder)
}

/// `a - b`
pub fn minus(a: Expr, b: Expr) -> Expr {
    binary(a, BinaryOperator::Minus, b)
}

/// `a + b`
pub fn plus(a: Expr, b: Expr) -> Expr {
    binary(a, BinaryOperator::Plus, b)
}

/// `a * b`
pub fn times(a: Expr, b: Expr) -> Expr {
    binary(a, BinaryOperator::Multiply, b)
}

/// `t - settle`, or `t` when there is nothing to subtract.
pub fn settled(t: Expr, settle: Micros) -> Expr {
    if settle == 0 {
        t
    } else {
        minus(t, duration(settle))
    }
}
