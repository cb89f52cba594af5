//! Plan expressions → SQL syntax trees (sqlparser's AST), for every SQL back end.
//!
//! One printer, parameterised by a [`SqlTarget`] for what differs between engines, so that the
//! offline SQL (DataFusion) and the online SQL (Postgres) compute the same values by
//! construction. Where the engines disagree natively, the printer spells out featc's semantics
//! in both, rather than inheriting either engine's:
//! - `a / b` and `a % b` are null when `b` is zero (docs/language.md#expressions); `int / int` was already cast to
//!   float by semantic analysis;
//! - `round(x, d)` on floats rounds half away from zero, computed as `p = x * 10^d`,
//!   `trunc(p) + sign(p) * (|p − trunc(p)| ≥ 0.5)`, `/ 10^d` — the same IEEE operations in
//!   both engines (Postgres' own `round(double)` rounds half to even);
//! - `ln(x)` is null for x ≤ 0 and `sqrt(x)` null for x < 0 (Postgres raises an error,
//!   DataFusion returns NaN);
//! - `cast(float as int)` truncates toward zero (Postgres rounds, DataFusion truncates).
//!
//! Column and feature references are resolved by the caller (`refs`), since what a column is
//! called depends on the statement (`e."revenue"`, a CTE column, a state merge).

use crate::physical::PgType;
use crate::plan::{BinaryOp, Expr, ExprKind, ScalarFunc, UnaryOp};
use crate::types::{Type, Value, decimal_text};
use datafusion::sql::sqlparser::ast::{
    self as sql, BinaryOperator, CaseWhen, CastKind, DataType, DuplicateTreatment, FunctionArg,
    FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident, ObjectName, ObjectNamePart,
    UnaryOperator,
};
use datafusion::sql::sqlparser::tokenizer::Span;

/// What differs between SQL engines.
pub trait SqlTarget {
    /// The engine's name for a column type.
    fn data_type(&self, ty: &Type) -> DataType;
    /// A timestamp literal from microseconds since the epoch, UTC.
    fn timestamp_literal(&self, micros: i64) -> sql::Expr;
    /// The name of the sign function (`sign` in Postgres, `signum` in DataFusion).
    fn sign_function(&self) -> &'static str;
    /// A date literal from days since the epoch.
    fn date_literal(&self, days: i32) -> sql::Expr {
        let date = chrono::DateTime::from_timestamp(i64::from(days) * 86_400, 0)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        cast(string_literal(&date), DataType::Date)
    }
}

/// Apache DataFusion (the offline engine).
pub struct DataFusion;

/// PostgreSQL (the online store).
pub struct Postgres;

impl SqlTarget for DataFusion {
    fn data_type(&self, ty: &Type) -> DataType {
        match ty {
            Type::String | Type::Null => DataType::Varchar(None),
            Type::Int => DataType::BigInt(None),
            Type::Float => DataType::Double(sql::ExactNumberInfo::None),
            Type::Bool => DataType::Boolean,
            Type::Timestamp => DataType::Timestamp(None, sql::TimezoneInfo::None),
            Type::Date => DataType::Date,
            Type::Decimal { precision, scale } => DataType::Decimal(
                sql::ExactNumberInfo::PrecisionAndScale(u64::from(*precision), i64::from(*scale)),
            ),
            Type::List(inner) => DataType::Array(sql::ArrayElemTypeDef::SquareBracket(
                Box::new(self.data_type(inner)),
                None,
            )),
        }
    }

    fn sign_function(&self) -> &'static str {
        "signum"
    }

    fn timestamp_literal(&self, micros: i64) -> sql::Expr {
        // `to_timestamp_micros` keeps microsecond precision; the result is then compared with
        // timestamp columns of any unit.
        function(
            "to_timestamp_micros",
            vec![number_literal(micros.to_string())],
        )
    }
}

impl SqlTarget for Postgres {
    /// The online store's own type map ([`PgType`]), so that a cast in a lookup spells a type
    /// exactly as the column holding it was created. An untyped `null` (and a list of lists,
    /// which the analyser rejects before a lookup is made) fall back to `text`.
    fn data_type(&self, ty: &Type) -> DataType {
        let sql = PgType::of_type(ty).map_or_else(|_| "text".to_string(), |t| t.sql());
        DataType::Custom(
            sql::ObjectName::from(vec![sql::Ident::new(sql)]),
            Vec::new(),
        )
    }

    fn sign_function(&self) -> &'static str {
        "sign"
    }

    fn timestamp_literal(&self, micros: i64) -> sql::Expr {
        // to_timestamp(0) + n µs is exact; to_timestamp(double) would round.
        sql::Expr::BinaryOp {
            left: Box::new(function("to_timestamp", vec![number_literal("0")])),
            op: BinaryOperator::Plus,
            right: Box::new(sql::Expr::BinaryOp {
                left: Box::new(number_literal(micros.to_string())),
                op: BinaryOperator::Multiply,
                right: Box::new(sql::Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: Box::new(string_literal("1 microsecond")),
                    data_type: DataType::Interval {
                        fields: None,
                        precision: None,
                    },
                    array: false,
                    format: None,
                }),
            }),
        }
    }
}

/// A quoted identifier: `"name"` (a `"` inside is doubled by the printer).
pub fn ident(name: &str) -> Ident {
    Ident::with_quote('"', name)
}

/// `"a"."b"`
pub fn qualified(parts: &[&str]) -> sql::Expr {
    sql::Expr::CompoundIdentifier(parts.iter().map(|p| ident(p)).collect())
}

/// A function name, unquoted (function names are featc's own or the engine's built-ins).
pub fn function_name(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(Ident::new(name))])
}

/// `name(args)`.
pub fn function(name: &str, args: Vec<sql::Expr>) -> sql::Expr {
    sql::Expr::Function(sql::Function {
        name: function_name(name),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: Vec::new(),
        }),
        filter: None,
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

/// An aggregate call with optional `DISTINCT`, `*` argument and `FILTER (WHERE ...)`.
pub fn aggregate(
    name: &str,
    args: Vec<sql::Expr>,
    distinct: bool,
    filter: Option<sql::Expr>,
) -> sql::Expr {
    let args = if args.is_empty() {
        vec![FunctionArg::Unnamed(FunctionArgExpr::Wildcard)]
    } else {
        args.into_iter()
            .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
            .collect()
    };
    sql::Expr::Function(sql::Function {
        name: function_name(name),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: distinct.then_some(DuplicateTreatment::Distinct),
            args,
            clauses: Vec::new(),
        }),
        filter: filter.map(Box::new),
        null_treatment: None,
        over: None,
        within_group: Vec::new(),
    })
}

pub fn string_literal(s: &str) -> sql::Expr {
    sql::Expr::value(sql::Value::SingleQuotedString(s.to_string()))
}

pub fn number_literal(n: impl Into<String>) -> sql::Expr {
    sql::Expr::value(sql::Value::Number(n.into(), false))
}

pub fn null_literal() -> sql::Expr {
    sql::Expr::value(sql::Value::Null)
}

pub fn cast(expr: sql::Expr, data_type: DataType) -> sql::Expr {
    sql::Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        array: false,
        format: None,
    }
}

pub fn binary(left: sql::Expr, op: BinaryOperator, right: sql::Expr) -> sql::Expr {
    sql::Expr::BinaryOp {
        left: Box::new(nest(left)),
        op,
        right: Box::new(nest(right)),
    }
}

/// Parenthesises compound operands, so the printed text never depends on the engine's
/// precedence rules.
fn nest(e: sql::Expr) -> sql::Expr {
    match e {
        sql::Expr::BinaryOp { .. }
        | sql::Expr::UnaryOp { .. }
        | sql::Expr::IsNull(_)
        | sql::Expr::IsNotNull(_)
        | sql::Expr::InList { .. }
        | sql::Expr::Like { .. } => sql::Expr::Nested(Box::new(e)),
        other => other,
    }
}

/// `CASE WHEN c THEN r ... ELSE e END`.
pub fn case(branches: Vec<(sql::Expr, sql::Expr)>, else_result: Option<sql::Expr>) -> sql::Expr {
    sql::Expr::Case {
        case_token: sql::helpers::attached_token::AttachedToken::empty(),
        end_token: sql::helpers::attached_token::AttachedToken::empty(),
        operand: None,
        conditions: branches
            .into_iter()
            .map(|(condition, result)| CaseWhen { condition, result })
            .collect(),
        else_result: else_result.map(Box::new),
    }
}

/// A value as a literal of `target` (typed where the engine would guess another type).
pub fn value_literal(target: &dyn SqlTarget, value: &Value) -> sql::Expr {
    match value {
        Value::Null => null_literal(),
        Value::Bool(b) => sql::Expr::value(sql::Value::Boolean(*b)),
        Value::Int(i) => number_literal(i.to_string()),
        // `{:?}` prints the shortest text that round-trips, always with a `.` or exponent,
        // so the engine reads it back as the same double.
        Value::Float(x) if x.is_finite() => number_literal(format!("{x:?}")),
        Value::Float(x) => cast(
            string_literal(if x.is_nan() {
                "NaN"
            } else if *x > 0.0 {
                "Infinity"
            } else {
                "-Infinity"
            }),
            target.data_type(&Type::Float),
        ),
        Value::String(s) => string_literal(s),
        Value::Timestamp(t) => target.timestamp_literal(*t),
        Value::Date(d) => target.date_literal(*d),
        Value::Decimal(unscaled, decimal_scale) => cast(
            number_literal(decimal_text(*unscaled, *decimal_scale)),
            target.data_type(&Type::Decimal {
                precision: 38,
                scale: *decimal_scale,
            }),
        ),
        Value::List(items) => sql::Expr::Array(sql::Array {
            elem: items.iter().map(|v| value_literal(target, v)).collect(),
            named: true,
        }),
    }
}

/// `x` if it is nonzero, else NULL: the divisor of `/` and `%`.
fn nonzero(e: sql::Expr) -> sql::Expr {
    function("nullif", vec![e, number_literal("0")])
}

/// Round half away from zero, with the same IEEE operations on every engine.
fn round_half_away(target: &dyn SqlTarget, x: sql::Expr, digits: Option<sql::Expr>) -> sql::Expr {
    let float = target.data_type(&Type::Float);
    let scale =
        digits.map(|d| function("power", vec![cast(number_literal("10"), float.clone()), d]));
    let p = match &scale {
        Some(s) => binary(x, BinaryOperator::Multiply, s.clone()),
        None => x,
    };
    let t = function("trunc", vec![p.clone()]);
    let frac = function(
        "abs",
        vec![binary(p.clone(), BinaryOperator::Minus, t.clone())],
    );
    let bump = case(
        vec![(
            binary(frac, BinaryOperator::GtEq, number_literal("0.5")),
            function(target.sign_function(), vec![p]),
        )],
        Some(cast(number_literal("0"), float)),
    );
    let rounded = binary(t, BinaryOperator::Plus, bump);
    match scale {
        Some(s) => binary(rounded, BinaryOperator::Divide, s),
        None => rounded,
    }
}

/// Prints a plan expression. `refs` maps `Column` and `Feature` nodes to SQL; a reference it
/// does not resolve prints as a bare quoted name.
pub fn to_sql(
    expr: &Expr,
    target: &dyn SqlTarget,
    refs: &dyn Fn(&ExprKind) -> Option<sql::Expr>,
) -> sql::Expr {
    let go = |e: &Expr| to_sql(e, target, refs);
    match &expr.kind {
        ExprKind::Literal(v) => {
            let lit = value_literal(target, v);
            // A typed null keeps its type through the engines' coercion rules.
            if v.is_null() && expr.ty.ty != Type::Null {
                cast(lit, target.data_type(&expr.ty.ty))
            } else {
                lit
            }
        }
        ExprKind::Column(name) => {
            refs(&expr.kind).unwrap_or_else(|| sql::Expr::Identifier(ident(name)))
        }
        ExprKind::Feature { feature, .. } => {
            refs(&expr.kind).unwrap_or_else(|| sql::Expr::Identifier(ident(feature)))
        }
        ExprKind::Unary { op, expr: inner } => sql::Expr::UnaryOp {
            op: match op {
                UnaryOp::Neg => UnaryOperator::Minus,
                UnaryOp::Not => UnaryOperator::Not,
            },
            expr: Box::new(nest(go(inner))),
        },
        ExprKind::Binary { op, left, right } => {
            let (l, r) = (go(left), go(right));
            match op {
                BinaryOp::Div => binary(l, BinaryOperator::Divide, nonzero(r)),
                BinaryOp::Mod => binary(l, BinaryOperator::Modulo, nonzero(r)),
                other => binary(
                    l,
                    match other {
                        BinaryOp::Or => BinaryOperator::Or,
                        BinaryOp::And => BinaryOperator::And,
                        BinaryOp::Eq => BinaryOperator::Eq,
                        BinaryOp::NotEq => BinaryOperator::NotEq,
                        BinaryOp::Lt => BinaryOperator::Lt,
                        BinaryOp::LtEq => BinaryOperator::LtEq,
                        BinaryOp::Gt => BinaryOperator::Gt,
                        BinaryOp::GtEq => BinaryOperator::GtEq,
                        BinaryOp::Concat => BinaryOperator::StringConcat,
                        BinaryOp::Add => BinaryOperator::Plus,
                        BinaryOp::Sub => BinaryOperator::Minus,
                        BinaryOp::Mul => BinaryOperator::Multiply,
                        BinaryOp::Div | BinaryOp::Mod => BinaryOperator::Divide,
                    },
                    r,
                ),
            }
        }
        ExprKind::IsNull {
            expr: inner,
            negated,
        } => {
            let e = Box::new(nest(go(inner)));
            if *negated {
                sql::Expr::IsNotNull(e)
            } else {
                sql::Expr::IsNull(e)
            }
        }
        ExprKind::InList {
            expr: inner,
            list,
            negated,
        } => sql::Expr::InList {
            expr: Box::new(nest(go(inner))),
            list: list.iter().map(go).collect(),
            negated: *negated,
        },
        ExprKind::Like {
            expr: inner,
            pattern,
            negated,
        } => sql::Expr::Like {
            negated: *negated,
            any: false,
            expr: Box::new(nest(go(inner))),
            pattern: Box::new(nest(go(pattern))),
            escape_char: None,
        },
        ExprKind::Case {
            branches,
            else_result,
        } => case(
            branches.iter().map(|(w, t)| (go(w), go(t))).collect(),
            else_result.as_deref().map(go),
        ),
        ExprKind::Call { func, args } => call(target, *func, args.iter().map(go).collect(), args),
        ExprKind::Cast { expr: inner, to } => {
            let e = go(inner);
            let e = if inner.ty.ty == Type::Float && *to == Type::Int {
                function("trunc", vec![e])
            } else {
                e
            };
            cast(e, target.data_type(to))
        }
    }
}

fn call(
    target: &dyn SqlTarget,
    func: ScalarFunc,
    mut args: Vec<sql::Expr>,
    typed: &[Expr],
) -> sql::Expr {
    let is_float = typed.first().is_some_and(|a| a.ty.ty == Type::Float);
    match func {
        ScalarFunc::Round if is_float => {
            let x = args.remove(0);
            round_half_away(target, x, args.pop())
        }
        ScalarFunc::Ln => {
            let x = args.remove(0);
            let guarded = case(
                vec![(
                    binary(x.clone(), BinaryOperator::Gt, number_literal("0")),
                    x,
                )],
                None,
            );
            function("ln", vec![guarded])
        }
        ScalarFunc::Sqrt => {
            let x = args.remove(0);
            let guarded = case(
                vec![(
                    binary(x.clone(), BinaryOperator::GtEq, number_literal("0")),
                    x,
                )],
                None,
            );
            function("sqrt", vec![guarded])
        }
        // Both engines count characters as a 32-bit int; the language's `int` is 64-bit.
        ScalarFunc::Length => cast(
            function("character_length", args),
            target.data_type(&Type::Int),
        ),
        other => function(other.name(), args),
    }
}

/// Prints a SQL syntax tree (sqlparser's Display: deterministic, identifiers quoted as built).
pub fn print(e: &sql::Expr) -> String {
    e.to_string()
}

/// A SQL `Span` for nodes that need one (none of ours come from parsed text).
pub fn no_span() -> Span {
    Span::empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ColumnType;

    fn col(name: &str, ty: Type) -> Expr {
        Expr::new(ExprKind::Column(name.into()), ColumnType::nullable(ty))
    }

    #[test]
    fn division_guards_zero_and_quotes_identifiers() {
        let e = Expr::new(
            ExprKind::Binary {
                op: BinaryOp::Div,
                left: Box::new(col("a", Type::Float)),
                right: Box::new(col("b\"x", Type::Float)),
            },
            ColumnType::nullable(Type::Float),
        );
        let printed = print(&to_sql(&e, &Postgres, &|_| None));
        assert_eq!(printed, r#""a" / nullif("b""x", 0)"#);
    }

    #[test]
    fn decimals_print_exactly() {
        let lit = |u: i128, s: u8| print(&value_literal(&DataFusion, &Value::Decimal(u, s)));
        assert_eq!(lit(-5, 2), "CAST(-0.05 AS DECIMAL(38,2))");
        assert_eq!(lit(12345, 0), "CAST(12345 AS DECIMAL(38,0))");
    }
}
