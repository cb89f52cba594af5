//! Walking AST expressions without typing them: the names an expression reads, to order
//! derived features before typing them.

use crate::syntax::ast::{Expr, ExprKind, Ident};

/// The direct sub-expressions of an expression.
fn children(expr: &Expr) -> Vec<&Expr> {
    match &expr.kind {
        ExprKind::Literal(_) | ExprKind::Name(_) | ExprKind::Star => Vec::new(),
        ExprKind::Unary { expr, .. }
        | ExprKind::IsNull { expr, .. }
        | ExprKind::Cast { expr, .. } => {
            vec![expr]
        }
        ExprKind::Binary { left, right, .. } => vec![left, right],
        ExprKind::InList { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
        ExprKind::Like { expr, pattern, .. } => vec![expr, pattern],
        ExprKind::Between {
            expr, low, high, ..
        } => vec![expr, low, high],
        ExprKind::Case {
            operand,
            branches,
            else_result,
        } => operand
            .iter()
            .map(|e| &**e)
            .chain(branches.iter().flat_map(|(w, t)| [w, t]))
            .chain(else_result.iter().map(|e| &**e))
            .collect(),
        ExprKind::Call { args, .. } => args.iter().collect(),
    }
}

/// Every name the expression reads, in source order, with its span; the arguments of calls
/// for which `skip_call` is true are not entered (the arguments of an aggregate are columns,
/// not features).
pub(crate) fn names<'e>(
    expr: &'e Expr,
    skip_call: &dyn Fn(&str) -> bool,
) -> Vec<(&'e [Ident], crate::source::Span)> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.kind {
            ExprKind::Name(parts) => out.push((parts.as_slice(), e.span)),
            ExprKind::Call { name, .. } if skip_call(&name.name) => {}
            _ => {
                // reversed so that names come out in source order
                stack.extend(children(e).into_iter().rev());
            }
        }
    }
    out
}
