//! Parser tests. Expected values are written out by hand (or computed by the small printers
//! below, which know nothing of the parser), never obtained from the code under test.

mod declarations;
mod docs;
mod errors;
mod expressions;
mod language_example;
mod recovery;
mod robustness;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, SourceFile};
use crate::syntax::ast::{
    Decl, Expr, ExprKind, FeatureDecl, File, Literal, TypeExpr, TypeExprKind, UnaryOp, ViewItem,
};

/// The example project of docs/language.md, verbatim.
const LANGUAGE_EXAMPLE: &str = include_str!("language_example.feat");

fn parse(text: &str) -> (File, Vec<Diagnostic>) {
    super::parse(FileId(0), text)
}

/// Parses text that must have no diagnostics.
fn parse_clean(text: &str) -> File {
    let (file, diags) = parse(text);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:#?}");
    file
}

/// The diagnostics of a text that must not parse cleanly.
fn diagnostics(text: &str) -> Vec<Diagnostic> {
    let (_, diags) = parse(text);
    assert!(!diags.is_empty(), "expected diagnostics for {text:?}");
    diags
}

fn codes(diags: &[Diagnostic]) -> Vec<Code> {
    diags.iter().map(|d| d.code).collect()
}

/// The text under a diagnostic's primary label.
fn primary_text<'t>(text: &'t str, diagnostic: &Diagnostic) -> &'t str {
    let span = diagnostic.primary.as_ref().expect("a primary label").span;
    &text[span.range()]
}

/// The 1-based line of a diagnostic's primary label.
fn primary_line(text: &str, diagnostic: &Diagnostic) -> usize {
    let span = diagnostic.primary.as_ref().expect("a primary label").span;
    SourceFile::new("t.feat", text)
        .line_col(span.start as usize)
        .0
}

/// The feature lines of the single `features` declaration in `text`.
fn features_of(file: &File) -> Vec<&FeatureDecl> {
    file.decls
        .iter()
        .filter_map(|decl| match decl {
            Decl::Features(view) => Some(view),
            _ => None,
        })
        .flat_map(|view| &view.items)
        .filter_map(|item| match item {
            ViewItem::Feature(feature) => Some(feature),
            _ => None,
        })
        .collect()
}

/// The value of `x` in `features f on e from s { x = EXPR }`.
fn parse_expr(expr: &str) -> Expr {
    let text = format!("features f on e from s {{\n  x = {expr}\n}}\n");
    let file = parse_clean(&text);
    let features = features_of(&file);
    features[0].value.clone().expect("a value")
}

/// An expression as a fully parenthesised S-expression, to assert on structure.
fn sexpr(expr: &Expr) -> String {
    let list = |head: &str, parts: Vec<String>| format!("({head} {})", parts.join(" "));
    match &expr.kind {
        ExprKind::Literal(Literal::String(s)) => format!("'{s}'"),
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Float(f)) => format!("{f:?}"),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Null) => "null".to_string(),
        ExprKind::Name(parts) => parts
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join("."),
        ExprKind::Star => "*".to_string(),
        ExprKind::Unary { op, expr } => {
            let head = match op {
                UnaryOp::Neg => "-",
                UnaryOp::Not => "not",
            };
            list(head, vec![sexpr(expr)])
        }
        ExprKind::Binary { op, left, right } => {
            use crate::syntax::ast::BinaryOp::*;
            let head = match op {
                Or => "or",
                And => "and",
                Eq => "=",
                NotEq => "<>",
                Lt => "<",
                LtEq => "<=",
                Gt => ">",
                GtEq => ">=",
                Concat => "||",
                Add => "+",
                Sub => "-",
                Mul => "*",
                Div => "/",
                Mod => "%",
            };
            list(head, vec![sexpr(left), sexpr(right)])
        }
        ExprKind::IsNull { expr, negated } => list(
            if *negated { "is-not-null" } else { "is-null" },
            vec![sexpr(expr)],
        ),
        ExprKind::InList {
            expr,
            list: items,
            negated,
        } => {
            let mut parts = vec![sexpr(expr)];
            parts.extend(items.iter().map(sexpr));
            list(if *negated { "not-in" } else { "in" }, parts)
        }
        ExprKind::Like {
            expr,
            pattern,
            negated,
        } => list(
            if *negated { "not-like" } else { "like" },
            vec![sexpr(expr), sexpr(pattern)],
        ),
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => list(
            if *negated { "not-between" } else { "between" },
            vec![sexpr(expr), sexpr(low), sexpr(high)],
        ),
        ExprKind::Case {
            operand,
            branches,
            else_result,
        } => {
            let mut parts: Vec<String> = operand.iter().map(|o| sexpr(o)).collect();
            for (condition, result) in branches {
                parts.push(list("when", vec![sexpr(condition), sexpr(result)]));
            }
            if let Some(e) = else_result {
                parts.push(list("else", vec![sexpr(e)]));
            }
            list("case", parts)
        }
        ExprKind::Call { name, args } => format!(
            "{}({})",
            name.name,
            args.iter().map(sexpr).collect::<Vec<_>>().join(", ")
        ),
        ExprKind::Cast { expr, ty } => list("cast", vec![sexpr(expr), type_string(ty)]),
    }
}

/// A type as written, normalised.
fn type_string(ty: &TypeExpr) -> String {
    let base = match &ty.kind {
        TypeExprKind::Named(name) => name.name.clone(),
        TypeExprKind::Decimal { precision, scale } => format!("decimal({precision}, {scale})"),
        TypeExprKind::List(inner) => format!("list<{}>", type_string(inner)),
    };
    if ty.nullable {
        format!("{base}?")
    } else {
        base
    }
}
