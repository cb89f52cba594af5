//! Expression typing: promotions made explicit, nullability, SQL's rules.

use super::{plan_with, view};
use crate::agg::AggFunc;
use crate::plan::{BinaryOp, Expr, ExprKind, FeatureDef, ScalarFunc};
use crate::types::{ColumnType, Type, Value};

fn feature_def<'p>(plan: &'p crate::plan::Plan, view_name: &str, feature: &str) -> &'p FeatureDef {
    &view(plan, view_name)
        .feature(feature)
        .unwrap_or_else(|| panic!("no feature `{feature}`"))
        .def
}

fn derived_expr<'p>(plan: &'p crate::plan::Plan, view_name: &str, feature: &str) -> &'p Expr {
    match feature_def(plan, view_name, feature) {
        FeatureDef::Derived { expr } | FeatureDef::Column { expr } => expr,
        other => panic!("`{feature}` is not an expression: {other:?}"),
    }
}

fn aggregate_parts<'p>(
    plan: &'p crate::plan::Plan,
    view_name: &str,
    feature: &str,
) -> (&'p AggFunc, Option<&'p Expr>, Option<&'p Expr>) {
    match feature_def(plan, view_name, feature) {
        FeatureDef::Aggregate(a) => (&a.func, a.arg.as_ref(), a.filter.as_ref()),
        other => panic!("`{feature}` is not an aggregate: {other:?}"),
    }
}

fn binary(expr: &Expr) -> (BinaryOp, &Expr, &Expr) {
    match &expr.kind {
        ExprKind::Binary { op, left, right } => (*op, left, right),
        other => panic!("not a binary expression: {other:?}"),
    }
}

fn cast_of(expr: &Expr) -> (&Expr, &Type) {
    match &expr.kind {
        ExprKind::Cast { expr, to } => (expr, to),
        other => panic!("not a cast: {other:?}"),
    }
}

fn feature_ref(view: &str, feature: &str) -> ExprKind {
    ExprKind::Feature {
        view: view.into(),
        feature: feature.into(),
    }
}

const COUNTS: &str = r#"
features activity on user from events {
  window sliding(1h, 15m)
  events_1h    = count(*)
  purchases_1h = count(*) where event_type = 'purchase'
  rate         = purchases_1h / events_1h
  half         = events_1h / 2
  remainder    = events_1h % 7
  spend        = sum(amount + qty)
}
"#;

#[test]
fn integer_division_casts_both_sides_to_float() {
    let plan = plan_with(COUNTS);
    let rate = derived_expr(&plan, "activity", "rate");
    let (op, left, right) = binary(rate);
    assert_eq!(op, BinaryOp::Div);
    let (inner, to) = cast_of(left);
    assert_eq!(
        (&inner.kind, to),
        (&feature_ref("activity", "purchases_1h"), &Type::Float)
    );
    let (inner, to) = cast_of(right);
    assert_eq!(
        (&inner.kind, to),
        (&feature_ref("activity", "events_1h"), &Type::Float)
    );
    // a zero divisor yields null
    assert_eq!(rate.ty, ColumnType::nullable(Type::Float));
}

#[test]
fn dividing_by_a_nonzero_literal_keeps_the_result_non_null() {
    let plan = plan_with(COUNTS);
    let half = derived_expr(&plan, "activity", "half");
    let (_, _, right) = binary(half);
    // the integer literal became a float literal rather than a cast
    assert_eq!(right.kind, ExprKind::Literal(Value::Float(2.0)));
    assert_eq!(half.ty, ColumnType::required(Type::Float));
}

#[test]
fn integer_modulo_stays_integer() {
    let plan = plan_with(COUNTS);
    let remainder = derived_expr(&plan, "activity", "remainder");
    assert_eq!(remainder.ty, ColumnType::required(Type::Int));
    let (op, left, _) = binary(remainder);
    assert_eq!(op, BinaryOp::Mod);
    assert_eq!(left.kind, feature_ref("activity", "events_1h"));
}

#[test]
fn int_operand_of_a_float_operation_is_cast_and_nullability_propagates() {
    let plan = plan_with(COUNTS);
    let (func, arg, _) = aggregate_parts(&plan, "activity", "spend");
    assert_eq!(*func, AggFunc::Sum);
    let arg = arg.expect("sum has an argument");
    let (op, left, right) = binary(arg);
    assert_eq!(op, BinaryOp::Add);
    assert_eq!(left.kind, ExprKind::Column("amount".into()));
    let (inner, to) = cast_of(right);
    assert_eq!(
        (&inner.kind, to),
        (&ExprKind::Column("qty".into()), &Type::Float)
    );
    // amount is float?, so the sum's argument may be null
    assert_eq!(arg.ty, ColumnType::nullable(Type::Float));
    // and sum of float is float, null for an empty window
    assert_eq!(
        view(&plan, "activity")
            .feature("spend")
            .map(|f| f.ty.clone()),
        Some(ColumnType::nullable(Type::Float))
    );
}

#[test]
fn aggregate_result_types_come_from_the_aggregate() {
    let plan = plan_with(
        r#"
features totals on user from events {
  window rolling(7d)
  n        = count(*)
  qty_sum  = sum(qty)
  paid     = sum(price)
  kinds    = count_distinct(event_type)
  recent   = last_n(event_type, 5)
  avg_qty  = avg(qty)
}
"#,
    );
    let types: Vec<String> = view(&plan, "totals")
        .features
        .iter()
        .map(|f| f.ty.to_string())
        .collect();
    assert_eq!(
        types,
        [
            "int",
            "int?",
            "decimal(38, 2)?",
            "int",
            "list<string>",
            "float?"
        ]
    );
    let (func, _, _) = aggregate_parts(&plan, "totals", "recent");
    assert_eq!(*func, AggFunc::LastN { n: 5 });
}

#[test]
fn decimal_times_int_promotes_the_int_to_decimal() {
    let plan = plan_with(
        r#"
features revenue on user from events {
  window tumbling(1d)
  revenue = sum(price * qty)
}
"#,
    );
    let (_, arg, _) = aggregate_parts(&plan, "revenue", "revenue");
    let arg = arg.expect("an argument");
    let (_, left, right) = binary(arg);
    assert_eq!(left.kind, ExprKind::Column("price".into()));
    let (_, to) = cast_of(right);
    assert_eq!(
        *to,
        Type::Decimal {
            precision: 19,
            scale: 0
        }
    );
    // precision p1 + p2 + 1 = 12 + 19 + 1, scale s1 + s2 = 2
    assert_eq!(
        arg.ty,
        ColumnType::required(Type::Decimal {
            precision: 32,
            scale: 2
        })
    );
}

#[test]
fn comparing_with_null_takes_the_other_sides_type_and_is_nullable() {
    let plan = plan_with(
        r#"
features notes on user from events {
  window lifetime
  without_note = count(*) where note = null
  with_note    = count(*) where note is not null
}
"#,
    );
    let (_, _, filter) = aggregate_parts(&plan, "notes", "without_note");
    let filter = filter.expect("a filter");
    let (_, _, right) = binary(filter);
    assert_eq!(right.kind, ExprKind::Literal(Value::Null));
    assert_eq!(right.ty, ColumnType::nullable(Type::String));
    assert_eq!(filter.ty, ColumnType::nullable(Type::Bool));
    let (_, _, filter) = aggregate_parts(&plan, "notes", "with_note");
    assert_eq!(
        filter.map(|f| f.ty.clone()),
        Some(ColumnType::required(Type::Bool))
    );
}

#[test]
fn between_and_simple_case_are_desugared() {
    let plan = plan_with(
        r#"
features shapes on user from events {
  window lifetime
  mid   = count(*) where qty between 1 and 5
  kinds = sum(case event_type when 'a' then 1 when 'b' then 2 end)
}
"#,
    );
    let (_, _, filter) = aggregate_parts(&plan, "shapes", "mid");
    let (op, low, high) = binary(filter.expect("a filter"));
    assert_eq!(op, BinaryOp::And);
    assert_eq!(binary(low).0, BinaryOp::GtEq);
    assert_eq!(binary(high).0, BinaryOp::LtEq);
    let (_, arg, _) = aggregate_parts(&plan, "shapes", "kinds");
    let arg = arg.expect("an argument");
    let ExprKind::Case {
        branches,
        else_result,
    } = &arg.kind
    else {
        panic!("not a case: {arg:?}");
    };
    assert!(else_result.is_none());
    let (when, _) = &branches[0];
    let (op, left, right) = binary(when);
    assert_eq!(op, BinaryOp::Eq);
    assert_eq!(left.kind, ExprKind::Column("event_type".into()));
    assert_eq!(right.kind, ExprKind::Literal(Value::String("a".into())));
    // no else: null when no branch matches
    assert_eq!(arg.ty, ColumnType::nullable(Type::Int));
}

#[test]
fn case_branches_unify_to_float() {
    let plan = plan_with(
        r#"
features weights on user from events {
  window lifetime
  weight = sum(case when qty > 0 then 1 else 2.5 end)
}
"#,
    );
    let (_, arg, _) = aggregate_parts(&plan, "weights", "weight");
    let arg = arg.expect("an argument");
    let ExprKind::Case {
        branches,
        else_result,
    } = &arg.kind
    else {
        panic!("not a case: {arg:?}");
    };
    assert_eq!(branches[0].1.kind, ExprKind::Literal(Value::Float(1.0)));
    assert_eq!(
        else_result.as_ref().map(|e| e.ty.clone()),
        Some(ColumnType::required(Type::Float))
    );
    assert_eq!(arg.ty, ColumnType::required(Type::Float));
}

#[test]
fn table_features_are_row_expressions_with_sql_nullability() {
    let plan = plan_with(
        r#"
features profile_features on user from profile {
  country
  tenure_years = age_days / 365
  region       = coalesce(country, 'unknown')
  shout        = upper(country)
  name_length  = length(region)
  rounded      = round(tenure_years, 1)
  older        = greatest(age_days, 30)
}
"#,
    );
    let v = view(&plan, "profile_features");
    let types: Vec<String> = v.features.iter().map(|f| f.ty.to_string()).collect();
    assert_eq!(
        types,
        [
            "string?", "float", "string", "string?", "int", "float", "int"
        ]
    );
    // a feature named in another feature of a table view is inlined
    let length = derived_expr(&plan, "profile_features", "name_length");
    let ExprKind::Call { func, args } = &length.kind else {
        panic!("not a call: {length:?}");
    };
    assert_eq!(*func, ScalarFunc::Length);
    assert!(matches!(
        args[0].kind,
        ExprKind::Call {
            func: ScalarFunc::Coalesce,
            ..
        }
    ));
    assert_eq!(
        derived_expr(&plan, "profile_features", "country").kind,
        ExprKind::Column("country".into())
    );
}

#[test]
fn math_functions_return_float_and_ln_may_be_null() {
    let plan = plan_with(
        r#"
features math on user from profile {
  log_age  = ln(age_days)
  exp_age  = exp(age_days)
  abs_age  = abs(age_days)
  floor_age = floor(age_days)
}
"#,
    );
    let types: Vec<String> = view(&plan, "math")
        .features
        .iter()
        .map(|f| f.ty.to_string())
        .collect();
    assert_eq!(types, ["float?", "float", "int", "int"]);
    let ln = derived_expr(&plan, "math", "log_age");
    let ExprKind::Call { args, .. } = &ln.kind else {
        panic!("not a call");
    };
    assert_eq!(cast_of(&args[0]).1, &Type::Float);
}
