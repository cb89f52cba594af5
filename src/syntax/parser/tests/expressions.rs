//! Expression structure: SQL precedence and every kind of expression.

use super::{parse_expr, sexpr};
use crate::syntax::ast::{ExprKind, Literal};

fn shape(expr: &str) -> String {
    sexpr(&parse_expr(expr))
}

#[test]
fn boolean_operators_bind_or_then_and_then_not_then_comparison() {
    assert_eq!(
        shape("a or b and not c = d"),
        "(or a (and b (not (= c d))))"
    );
    assert_eq!(shape("not a and b"), "(and (not a) b)");
    assert_eq!(shape("a and b or c and d"), "(or (and a b) (and c d))");
    assert_eq!(shape("not not a"), "(not (not a))");
}

#[test]
fn concatenation_binds_tighter_than_comparison() {
    assert_eq!(shape("x || 'a' = y"), "(= (|| x 'a') y)");
    assert_eq!(shape("a || b + c"), "(|| a (+ b c))");
}

#[test]
fn arithmetic_follows_school_rules_and_associates_left() {
    assert_eq!(shape("-a * b"), "(* (- a) b)");
    assert_eq!(shape("a + b * c - d"), "(- (+ a (* b c)) d)");
    assert_eq!(shape("a / b % c"), "(% (/ a b) c)");
    assert_eq!(shape("a - -b"), "(- a (- b))");
    assert_eq!(shape("(a + b) * c"), "(* (+ a b) c)");
    assert_eq!(shape("a - b - c"), "(- (- a b) c)");
}

#[test]
fn comparison_operators_are_all_recognised() {
    assert_eq!(shape("a < b"), "(< a b)");
    assert_eq!(shape("a <= b"), "(<= a b)");
    assert_eq!(shape("a > b"), "(> a b)");
    assert_eq!(shape("a >= b"), "(>= a b)");
    assert_eq!(shape("a <> b"), "(<> a b)");
    assert_eq!(shape("a != b"), "(<> a b)");
    assert_eq!(shape("a=b"), "(= a b)");
}

#[test]
fn predicates_share_the_comparison_level() {
    assert_eq!(shape("a is null"), "(is-null a)");
    assert_eq!(shape("a is not null and b"), "(and (is-not-null a) b)");
    assert_eq!(shape("not a is null"), "(not (is-null a))");
    assert_eq!(shape("-a is null"), "(is-null (- a))");
    assert_eq!(shape("a + 1 in (1, 2)"), "(in (+ a 1) 1 2)");
    assert_eq!(shape("a not in ('x')"), "(not-in a 'x')");
    assert_eq!(shape("a like 'x' || '%'"), "(like a (|| 'x' '%'))");
    assert_eq!(shape("a not like 'x%' or b"), "(or (not-like a 'x%') b)");
    assert_eq!(shape("x between 1 and 2 and y"), "(and (between x 1 2) y)");
    assert_eq!(
        shape("x not between -1 and a + 1"),
        "(not-between x (- 1) (+ a 1))"
    );
    // one level, left to right
    assert_eq!(shape("a = b is null"), "(is-null (= a b))");
}

#[test]
fn literals_keep_their_values() {
    assert_eq!(shape("'it''s'"), "'it's'");
    assert_eq!(shape("''"), "''");
    assert_eq!(shape("12"), "12");
    assert_eq!(shape("1.5"), "1.5");
    assert_eq!(shape("1e3"), "1000.0");
    assert_eq!(shape("2.5E-1"), "0.25");
    assert_eq!(shape("true or false"), "(or true false)");
    assert_eq!(shape("null"), "null");
    assert_eq!(shape("9223372036854775807"), i64::MAX.to_string());
}

#[test]
fn calls_names_casts_and_cases() {
    assert_eq!(shape("count(*)"), "count(*)");
    assert_eq!(shape("now()"), "now()");
    assert_eq!(shape("coalesce(a, b.c, 1)"), "coalesce(a, b.c, 1)");
    assert_eq!(shape("last_n(x, 5)"), "last_n(x, 5)");
    assert_eq!(
        shape("cast(a as decimal(10, 2))"),
        "(cast a decimal(10, 2))"
    );
    assert_eq!(shape("cast(a as list<int?>)"), "(cast a list<int?>)");
    assert_eq!(
        shape("case when a > 1 then 'big' when a > 0 then 'small' else 'none' end"),
        "(case (when (> a 1) 'big') (when (> a 0) 'small') (else 'none'))"
    );
    assert_eq!(
        shape("case platform when 'ios' then 1 end"),
        "(case platform (when 'ios' 1))"
    );
    assert_eq!(
        shape("case when a then b end + 1"),
        "(+ (case (when a b)) 1)"
    );
}

#[test]
fn expressions_may_span_lines_and_hold_comments() {
    let expr = "case\n    when a then 1 # first\n    else 2\n  end";
    assert_eq!(shape(expr), "(case (when a 1) (else 2))");
}

#[test]
fn spans_cover_operands_and_their_parentheses() {
    let text = "features f on e from s {\n  x = (a + b) * c where d is not null\n}";
    let file = super::parse_clean(text);
    let feature = super::features_of(&file)[0];
    let value = feature.value.as_ref().expect("value");
    assert_eq!(&text[value.span.range()], "(a + b) * c");
    let ExprKind::Binary { left, right, .. } = &value.kind else {
        panic!("{value:?}");
    };
    assert_eq!(&text[left.span.range()], "(a + b)");
    assert_eq!(&text[right.span.range()], "c");
    let filter = feature.filter.as_ref().expect("filter");
    assert_eq!(&text[filter.span.range()], "d is not null");
}

#[test]
fn a_string_literal_may_hold_a_hash() {
    let expr = parse_expr("'#1' # a comment");
    assert_eq!(expr.kind, ExprKind::Literal(Literal::String("#1".into())));
}
