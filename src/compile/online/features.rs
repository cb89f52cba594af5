//! Feature values as SQL expressions, printed by the shared expression printer: derived features
//! and table features over the previous level of the lookup, with the features a derived one
//! reads inlined (they are few and small, and a view's features only read earlier ones).

use super::error::OnlineError;
use crate::compile::sql_expr::{self, Postgres};
use crate::plan::{Expr, ExprKind, Feature, FeatureDef, View};
use datafusion::sql::sqlparser::ast as sql;
use std::cell::RefCell;

/// Every feature of `view` as SQL, in declaration order. `base` gives the SQL of features read
/// from a previous level (finished aggregates); `column` of input columns. Derived features are
/// expressions over other features, which are inlined.
pub fn features_sql(
    view: &View,
    base: &dyn Fn(&Feature) -> Option<sql::Expr>,
    column: &dyn Fn(&str) -> Option<sql::Expr>,
) -> Result<Vec<(String, String)>, OnlineError> {
    view.features
        .iter()
        .map(|feature| {
            let expr = feature_sql(view, feature, base, column, 0)?;
            Ok((feature.name.clone(), sql_expr::print(&expr)))
        })
        .collect()
}

fn feature_sql(
    view: &View,
    feature: &Feature,
    base: &dyn Fn(&Feature) -> Option<sql::Expr>,
    column: &dyn Fn(&str) -> Option<sql::Expr>,
    depth: usize,
) -> Result<sql::Expr, OnlineError> {
    let unresolved = |what: &str| OnlineError::Missing {
        kind: "feature",
        name: format!("{}.{what}", view.name),
    };
    if let Some(expr) = base(feature) {
        return Ok(expr);
    }
    // Features only read earlier ones, so a chain is never longer than the view.
    if depth > view.features.len() {
        return Err(unresolved(&feature.name));
    }
    let expr: &Expr = match &feature.def {
        FeatureDef::Derived { expr } | FeatureDef::Column { expr } => expr,
        FeatureDef::Aggregate(_) => return Err(unresolved(&feature.name)),
    };
    let failure: RefCell<Option<OnlineError>> = RefCell::new(None);
    let refs = |kind: &ExprKind| -> Option<sql::Expr> {
        let resolved = match kind {
            ExprKind::Feature { feature: name, .. } => view
                .feature(name)
                .ok_or_else(|| unresolved(name))
                .and_then(|f| feature_sql(view, f, base, column, depth + 1))
                .map(parenthesized),
            ExprKind::Column(name) => column(name).ok_or_else(|| unresolved(name)),
            _ => return None,
        };
        match resolved {
            Ok(e) => Some(e),
            Err(e) => {
                failure.borrow_mut().get_or_insert(e);
                None
            }
        }
    };
    let printed = sql_expr::to_sql(expr, &Postgres, &refs);
    match failure.into_inner() {
        Some(error) => Err(error),
        None => Ok(printed),
    }
}

/// An inlined feature in parentheses, unless it is a plain column reference.
fn parenthesized(expr: sql::Expr) -> sql::Expr {
    match expr {
        sql::Expr::Identifier(_) | sql::Expr::CompoundIdentifier(_) | sql::Expr::Nested(_) => expr,
        other => sql::Expr::Nested(Box::new(other)),
    }
}
