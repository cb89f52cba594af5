//! Features as SQL expressions: derived features are expanded into expressions over the
//! view's *leaf* features (aggregates, or column features of a table view), so that a derived
//! feature is always computed from the values its leaves have in that statement — in a
//! training set, from the aggregates' empty values when a window has no events.

use super::BatchError;
use crate::compile::sql_expr::{DataFusion, to_sql};
use crate::plan::{ExprKind, Feature, FeatureDef, View};
use datafusion::sql::sqlparser::ast::Expr;
use std::cell::RefCell;
use std::collections::BTreeSet;

/// The SQL of feature `name` of `view`. `leaf` gives the SQL of an aggregate or column
/// feature; a derived feature is expanded over the features declared before it.
pub fn feature_sql(
    view: &View,
    name: &str,
    leaf: &dyn Fn(&Feature) -> Expr,
) -> Result<Expr, BatchError> {
    let unknown = || BatchError::UnknownFeature {
        owner: view.name.clone(),
        view: view.name.clone(),
        feature: name.to_string(),
    };
    let index = view
        .features
        .iter()
        .position(|f| f.name == name)
        .ok_or_else(unknown)?;
    expand(view, index, leaf)
}

fn expand(view: &View, index: usize, leaf: &dyn Fn(&Feature) -> Expr) -> Result<Expr, BatchError> {
    let feature = &view.features[index];
    let expr = match &feature.def {
        FeatureDef::Aggregate(_) | FeatureDef::Column { .. } => return Ok(leaf(feature)),
        FeatureDef::Derived { expr } => expr,
    };
    // `to_sql` cannot fail, so an unresolvable reference is remembered and reported after
    let error = RefCell::new(None);
    let refs = |kind: &ExprKind| -> Option<Expr> {
        let ExprKind::Feature {
            view: referenced_view,
            feature: referenced,
        } = kind
        else {
            return None;
        };
        // only earlier features of the same view: this also makes the expansion terminate
        let earlier = view.features[..index]
            .iter()
            .position(|f| f.name == *referenced)
            .filter(|_| *referenced_view == view.name);
        match earlier.map(|i| expand(view, i, leaf)) {
            Some(Ok(sql)) => Some(sql),
            Some(Err(e)) => {
                error.borrow_mut().get_or_insert(e);
                None
            }
            None => {
                error
                    .borrow_mut()
                    .get_or_insert(BatchError::UnknownFeature {
                        owner: format!("{}.{}", view.name, feature.name),
                        view: referenced_view.clone(),
                        feature: referenced.clone(),
                    });
                None
            }
        }
    };
    let sql = to_sql(expr, &DataFusion, &refs);
    match error.into_inner() {
        Some(e) => Err(e),
        None => Ok(sql),
    }
}

/// The features of `view` that computing `roots` reads, `roots` included: derived features
/// pull in what they are derived from.
pub fn closure(view: &View, roots: &[&str]) -> BTreeSet<String> {
    let mut needed: BTreeSet<String> = roots.iter().map(|r| r.to_string()).collect();
    // derived features only read earlier ones: one pass from the end finds everything
    for feature in view.features.iter().rev() {
        if !needed.contains(&feature.name) {
            continue;
        }
        if let FeatureDef::Derived { expr } = &feature.def {
            for (v, f) in expr.features() {
                if v == view.name {
                    needed.insert(f.to_string());
                }
            }
        }
    }
    needed
}
