//! The evaluator against SQL semantics written out by hand (what Postgres answers for the
//! same expression, checked with psql where the engines could differ).

use super::*;
use crate::plan::expr::ScalarFunc;
use crate::types::ColumnType;
use std::collections::BTreeMap;

struct Row(BTreeMap<&'static str, Value>);

impl Scope for Row {
    fn column(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
    fn feature(&self, view: &str, feature: &str) -> Option<&Value> {
        (view == "v").then(|| self.0.get(feature)).flatten()
    }
}

fn row() -> Row {
    Row(BTreeMap::from([
        ("i", Value::Int(7)),
        ("f", Value::Float(2.5)),
        ("s", Value::String("purchase".into())),
        ("n", Value::Null),
        ("t", Value::Bool(true)),
        ("d", Value::Decimal(1250, 2)),
        ("big", Value::Int(i64::MAX)),
    ]))
}

fn ty_of(v: &Value) -> Type {
    match v {
        Value::Int(_) => Type::Int,
        Value::Float(_) => Type::Float,
        Value::String(_) => Type::String,
        Value::Bool(_) => Type::Bool,
        Value::Decimal(_, s) => Type::Decimal {
            precision: 38,
            scale: *s,
        },
        Value::Timestamp(_) => Type::Timestamp,
        Value::Date(_) => Type::Date,
        _ => Type::Null,
    }
}

fn lit(v: Value) -> Expr {
    let ty = ty_of(&v);
    Expr::new(ExprKind::Literal(v), ColumnType::nullable(ty))
}

fn null(ty: Type) -> Expr {
    Expr::new(ExprKind::Literal(Value::Null), ColumnType::nullable(ty))
}

fn col(name: &str) -> Expr {
    let ty = row().0.get(name).map_or(Type::Null, ty_of);
    Expr::new(ExprKind::Column(name.into()), ColumnType::nullable(ty))
}

fn bin(op: BinaryOp, l: Expr, r: Expr, ty: Type) -> Expr {
    Expr::new(
        ExprKind::Binary {
            op,
            left: Box::new(l),
            right: Box::new(r),
        },
        ColumnType::nullable(ty),
    )
}

fn call(func: ScalarFunc, args: Vec<Expr>, ty: Type) -> Expr {
    Expr::new(ExprKind::Call { func, args }, ColumnType::nullable(ty))
}

fn cast_to(e: Expr, to: Type) -> Expr {
    Expr::new(
        ExprKind::Cast {
            expr: Box::new(e),
            to: to.clone(),
        },
        ColumnType::nullable(to),
    )
}

fn run(e: &Expr) -> Value {
    eval(e, &row()).unwrap_or_else(|err| panic!("{e:?}: {err}"))
}

fn b(x: Option<bool>) -> Expr {
    x.map_or(null(Type::Bool), |x| lit(Value::Bool(x)))
}

#[test]
fn and_or_follow_three_valued_logic() {
    let (t, f, n) = (Some(true), Some(false), None);
    // (left, right, and, or) from the SQL truth tables
    let table = [
        (t, t, t, t),
        (t, f, f, t),
        (t, n, n, t),
        (f, t, f, t),
        (f, f, f, f),
        (f, n, f, n),
        (n, t, n, t),
        (n, f, f, n),
        (n, n, n, n),
    ];
    let as_value = |x: Option<bool>| x.map_or(Value::Null, Value::Bool);
    for (l, r, and, or) in table {
        let e = bin(BinaryOp::And, b(l), b(r), Type::Bool);
        assert_eq!(run(&e), as_value(and), "{l:?} and {r:?}");
        let e = bin(BinaryOp::Or, b(l), b(r), Type::Bool);
        assert_eq!(run(&e), as_value(or), "{l:?} or {r:?}");
    }
    let not = |x| {
        Expr::new(
            ExprKind::Unary {
                op: UnaryOp::Not,
                expr: Box::new(b(x)),
            },
            ColumnType::nullable(Type::Bool),
        )
    };
    assert_eq!(run(&not(n)), Value::Null);
    assert_eq!(run(&not(t)), Value::Bool(false));
}

#[test]
fn nulls_propagate_through_operators_and_functions() {
    let n = || col("n");
    for e in [
        bin(BinaryOp::Add, col("i"), null(Type::Int), Type::Int),
        bin(BinaryOp::Eq, col("s"), null(Type::String), Type::Bool),
        bin(BinaryOp::Concat, col("s"), null(Type::String), Type::String),
        call(ScalarFunc::Abs, vec![n()], Type::Int),
        call(ScalarFunc::Lower, vec![n()], Type::String),
        cast_to(n(), Type::Int),
    ] {
        assert_eq!(run(&e), Value::Null, "{e:?}");
    }
    let is_null = |negated| {
        Expr::new(
            ExprKind::IsNull {
                expr: Box::new(n()),
                negated,
            },
            ColumnType::required(Type::Bool),
        )
    };
    assert_eq!(run(&is_null(false)), Value::Bool(true));
    assert_eq!(run(&is_null(true)), Value::Bool(false));
    // a filter keeps only true
    let filter = bin(BinaryOp::Eq, n(), lit(Value::Int(1)), Type::Bool);
    assert_eq!(is_true(&filter, &row()), Ok(false));
}

#[test]
fn division_by_zero_is_null_and_int_division_arrives_as_float() {
    let zero = || lit(Value::Float(0.0));
    let f = || col("f");
    assert_eq!(
        run(&bin(BinaryOp::Div, f(), zero(), Type::Float)),
        Value::Null
    );
    assert_eq!(
        run(&bin(BinaryOp::Mod, col("i"), lit(Value::Int(0)), Type::Int)),
        Value::Null
    );
    // 7 / 2 as semantic analysis writes it: cast(7 as float) / cast(2 as float) = 3.5
    let e = bin(
        BinaryOp::Div,
        cast_to(col("i"), Type::Float),
        cast_to(lit(Value::Int(2)), Type::Float),
        Type::Float,
    );
    assert_eq!(run(&e), Value::Float(3.5));
    // -7 % 3 = -1 (the sign of the dividend)
    let e = bin(
        BinaryOp::Mod,
        lit(Value::Int(-7)),
        lit(Value::Int(3)),
        Type::Int,
    );
    assert_eq!(run(&e), Value::Int(-1));
    // overflow is null, not a wrap-around
    let e = bin(BinaryOp::Add, col("big"), lit(Value::Int(1)), Type::Int);
    assert_eq!(run(&e), Value::Null);
}

#[test]
fn decimals_are_exact_and_fit_their_type() {
    let dec = |precision, scale| Type::Decimal { precision, scale };
    // 12.50 + 0.125 = 12.625 in decimal(38, 3)
    let e = bin(
        BinaryOp::Add,
        col("d"),
        lit(Value::Decimal(125, 3)),
        dec(38, 3),
    );
    assert_eq!(run(&e), Value::Decimal(12_625, 3));
    // 12.50 * 12.50 = 156.2500 at scale 4
    let e = bin(BinaryOp::Mul, col("d"), col("d"), dec(38, 4));
    assert_eq!(run(&e), Value::Decimal(1_562_500, 4));
    // a result beyond the precision is null
    let e = bin(BinaryOp::Mul, col("d"), col("d"), dec(4, 2));
    assert_eq!(run(&e), Value::Null);
    // 12.50 = 12.5 whatever the scales
    let e = bin(
        BinaryOp::Eq,
        col("d"),
        lit(Value::Decimal(125, 1)),
        Type::Bool,
    );
    assert_eq!(run(&e), Value::Bool(true));
    assert_eq!(
        run(&cast_to(lit(Value::Decimal(-2_555, 3)), dec(10, 2))),
        Value::Decimal(-256, 2)
    );
}

#[test]
fn comparisons_follow_postgres_for_floats_and_strings() {
    let cmp = |op, l: Value, r: Value| run(&bin(op, lit(l), lit(r), Type::Bool));
    assert_eq!(
        cmp(BinaryOp::Eq, Value::Float(-0.0), Value::Float(0.0)),
        Value::Bool(true)
    );
    assert_eq!(
        cmp(BinaryOp::Eq, Value::Float(f64::NAN), Value::Float(f64::NAN)),
        Value::Bool(true)
    );
    assert_eq!(
        cmp(
            BinaryOp::Gt,
            Value::Float(f64::NAN),
            Value::Float(f64::INFINITY)
        ),
        Value::Bool(true)
    );
    // bytes order: 'B' (0x42) < 'a' (0x61)
    let s = |x: &str| Value::String(x.into());
    assert_eq!(cmp(BinaryOp::Lt, s("B"), s("a")), Value::Bool(true));
    assert_eq!(cmp(BinaryOp::GtEq, s("é"), s("z")), Value::Bool(true));
}

#[test]
fn in_lists_with_nulls() {
    let in_list = |x: Expr, items: Vec<Expr>, negated| {
        Expr::new(
            ExprKind::InList {
                expr: Box::new(x),
                list: items,
                negated,
            },
            ColumnType::nullable(Type::Bool),
        )
    };
    let one = || lit(Value::Int(1));
    let seven = || lit(Value::Int(7));
    assert_eq!(
        run(&in_list(col("i"), vec![one(), seven()], false)),
        Value::Bool(true)
    );
    assert_eq!(
        run(&in_list(col("i"), vec![one()], false)),
        Value::Bool(false)
    );
    assert_eq!(
        run(&in_list(col("i"), vec![one(), null(Type::Int)], false)),
        Value::Null
    );
    assert_eq!(
        run(&in_list(col("i"), vec![seven(), null(Type::Int)], false)),
        Value::Bool(true)
    );
    assert_eq!(
        run(&in_list(col("i"), vec![one(), null(Type::Int)], true)),
        Value::Null
    );
    assert_eq!(
        run(&in_list(col("i"), vec![seven()], true)),
        Value::Bool(false)
    );
    assert_eq!(run(&in_list(col("n"), vec![one()], false)), Value::Null);
}

#[test]
fn like_case_and_coalesce() {
    let like = |pattern: &str, negated| {
        Expr::new(
            ExprKind::Like {
                expr: Box::new(col("s")),
                pattern: Box::new(lit(Value::String(pattern.into()))),
                negated,
            },
            ColumnType::nullable(Type::Bool),
        )
    };
    assert_eq!(run(&like("pur%", false)), Value::Bool(true));
    assert_eq!(run(&like("p_rchase", false)), Value::Bool(true));
    assert_eq!(run(&like("pur", false)), Value::Bool(false));
    assert_eq!(run(&like("%chase", true)), Value::Bool(false));

    // case when n > 1 then 'a' when i > 1 then 'b' else 'c' end → 'b' (null is not true)
    let case = Expr::new(
        ExprKind::Case {
            branches: vec![
                (
                    bin(BinaryOp::Gt, col("n"), lit(Value::Int(1)), Type::Bool),
                    lit(Value::String("a".into())),
                ),
                (
                    bin(BinaryOp::Gt, col("i"), lit(Value::Int(1)), Type::Bool),
                    lit(Value::String("b".into())),
                ),
            ],
            else_result: Some(Box::new(lit(Value::String("c".into())))),
        },
        ColumnType::nullable(Type::String),
    );
    assert_eq!(run(&case), Value::String("b".into()));
    let coalesce = call(
        ScalarFunc::Coalesce,
        vec![col("n"), null(Type::Int), col("i")],
        Type::Int,
    );
    assert_eq!(run(&coalesce), Value::Int(7));
    let nullif = call(
        ScalarFunc::Nullif,
        vec![col("i"), lit(Value::Int(7))],
        Type::Int,
    );
    assert_eq!(run(&nullif), Value::Null);
    let greatest = call(
        ScalarFunc::Greatest,
        vec![col("n"), lit(Value::Int(3)), col("i")],
        Type::Int,
    );
    assert_eq!(run(&greatest), Value::Int(7));
    let least = call(
        ScalarFunc::Least,
        vec![col("n"), null(Type::Int)],
        Type::Int,
    );
    assert_eq!(run(&least), Value::Null);
}

#[test]
fn round_is_half_away_from_zero() {
    let round = |x: Value, digits: Option<i64>| {
        let ty = ty_of(&x);
        let mut args = vec![lit(x)];
        args.extend(digits.map(|d| lit(Value::Int(d))));
        run(&call(ScalarFunc::Round, args, ty))
    };
    assert_eq!(round(Value::Float(2.5), None), Value::Float(3.0));
    assert_eq!(round(Value::Float(-2.5), None), Value::Float(-3.0));
    assert_eq!(
        round(Value::Float(0.49999999999999994), None),
        Value::Float(0.0)
    );
    assert_eq!(round(Value::Float(1.25), Some(1)), Value::Float(1.3));
    assert_eq!(round(Value::Float(1234.5), Some(-2)), Value::Float(1200.0));
    assert_eq!(round(Value::Int(15), Some(-1)), Value::Int(20));
    assert_eq!(round(Value::Int(-15), Some(-1)), Value::Int(-20));
    assert_eq!(
        round(Value::Decimal(-1_250, 2), None),
        Value::Decimal(-1_300, 2)
    );
    assert_eq!(
        round(Value::Decimal(1_249, 2), Some(1)),
        Value::Decimal(1_250, 2)
    );
}

#[test]
fn math_functions_are_null_outside_their_domain() {
    let f = |func, x: f64| run(&call(func, vec![lit(Value::Float(x))], Type::Float));
    assert_eq!(f(ScalarFunc::Ln, 0.0), Value::Null);
    assert_eq!(f(ScalarFunc::Ln, -1.0), Value::Null);
    assert_eq!(f(ScalarFunc::Ln, 1.0), Value::Float(0.0));
    assert_eq!(f(ScalarFunc::Sqrt, -4.0), Value::Null);
    assert_eq!(f(ScalarFunc::Sqrt, 4.0), Value::Float(2.0));
    assert_eq!(f(ScalarFunc::Floor, -1.5), Value::Float(-2.0));
    assert_eq!(f(ScalarFunc::Ceil, -1.5), Value::Float(-1.0));
    let decimal_floor = call(
        ScalarFunc::Floor,
        vec![lit(Value::Decimal(-1_250, 2))],
        Type::Decimal {
            precision: 38,
            scale: 2,
        },
    );
    assert_eq!(run(&decimal_floor), Value::Decimal(-1_300, 2));
    let length = call(
        ScalarFunc::Length,
        vec![lit(Value::String("día".into()))],
        Type::Int,
    );
    assert_eq!(run(&length), Value::Int(3));
    let upper = call(ScalarFunc::Upper, vec![col("s")], Type::String);
    assert_eq!(run(&upper), Value::String("PURCHASE".into()));
}

#[test]
fn casts_convert_like_the_sql_engines() {
    let c = |v: Value, to: Type| cast::cast(&v, &to);
    assert_eq!(c(Value::Float(-2.7), Type::Int), Ok(Value::Int(-2)));
    assert_eq!(c(Value::Float(f64::NAN), Type::Int), Ok(Value::Null));
    assert_eq!(c(Value::Float(1e19), Type::Int), Ok(Value::Null));
    assert_eq!(c(Value::Bool(true), Type::Int), Ok(Value::Int(1)));
    assert_eq!(c(Value::Int(0), Type::Bool), Ok(Value::Bool(false)));
    assert_eq!(
        c(Value::String(" 42 ".into()), Type::Int),
        Ok(Value::Int(42))
    );
    assert_eq!(
        c(Value::String("yes".into()), Type::Bool),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        c(
            Value::String("12.345".into()),
            Type::Decimal {
                precision: 5,
                scale: 2
            }
        ),
        Ok(Value::Decimal(1_235, 2))
    );
    assert_eq!(
        c(Value::Timestamp(86_400_000_000 + 1), Type::Date),
        Ok(Value::Date(1))
    );
    assert_eq!(c(Value::Timestamp(-1), Type::Date), Ok(Value::Date(-1)));
    assert_eq!(
        c(Value::Float(0.5), Type::String),
        Ok(Value::String("0.5".into()))
    );
    assert_eq!(
        c(Value::Decimal(-5, 2), Type::String),
        Ok(Value::String("-0.05".into()))
    );
    assert_eq!(
        c(Value::Timestamp(1_500_000), Type::String),
        Ok(Value::String("1970-01-01T00:00:01.500Z".into()))
    );
    assert!(matches!(
        c(Value::String("abc".into()), Type::Int),
        Err(EvalError::Cast { .. })
    ));
    assert_eq!(
        c(
            Value::List(vec![Value::Int(1), Value::Null]),
            Type::List(Box::new(Type::Float))
        ),
        Ok(Value::List(vec![Value::Float(1.0), Value::Null]))
    );
}

#[test]
fn references_resolve_through_the_scope_or_fail() {
    let feature = Expr::new(
        ExprKind::Feature {
            view: "v".into(),
            feature: "i".into(),
        },
        ColumnType::nullable(Type::Int),
    );
    assert_eq!(run(&feature), Value::Int(7));
    assert_eq!(
        eval(&col("missing"), &row()),
        Err(EvalError::Unbound("missing".into()))
    );
    // a string where a number is expected is an error, not a panic
    let bad = bin(BinaryOp::Add, col("s"), col("i"), Type::Int);
    assert!(matches!(eval(&bad, &row()), Err(EvalError::Type { .. })));
}
