//! Table views in a training set: the row in force at each label's time.

use super::{Lookup, keys_match, label_times, labels_match};
use crate::compile::batch::BatchError;
use crate::compile::batch::inputs::table_of;
use crate::compile::batch::names::{AT, RANK, cte};
use crate::compile::batch::sql_ast::{
    JoinKind, aliased, and_all, col, derived, eq, item, join, name, row_number_desc, select, table,
};
use crate::compile::batch::time_sql::{duration, micros, minus};
use crate::compile::sql_expr::{DataFusion, binary, number_literal, to_sql};
use crate::plan::{BoundView, ExprKind, Feature, FeatureDef, Plan};
use crate::types::Micros;
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, SelectItem};

pub(super) fn table_lookup(
    plan: &Plan,
    bound: &BoundView,
    needed: &[String],
    ttl: Option<Micros>,
) -> Result<Lookup, BatchError> {
    let view = bound.view;
    let source = table_of(plan, view)?;
    let (times_cte, candidates) = (cte(bound.name, "times"), cte(bound.name, "candidates"));
    let leaves: Vec<&Feature> = view
        .features
        .iter()
        .filter(|f| needed.contains(&f.name) && matches!(f.def, FeatureDef::Column { .. }))
        .collect();

    // the rows visible at T: in force (valid_from ≤ T), known (known_at ≤ T), not expired
    let row = "r";
    let at = col("t", AT);
    let mut on = keys_match(view, row, "t");
    on.push(binary(
        col(row, &source.valid_from),
        BinaryOperator::LtEq,
        at.clone(),
    ));
    if let Some(known_at) = &source.known_at {
        on.push(binary(col(row, known_at), BinaryOperator::LtEq, at.clone()));
    }
    if let Some(ttl) = ttl {
        on.push(binary(
            micros(col(row, &source.valid_from)),
            BinaryOperator::GtEq,
            minus(micros(at.clone()), duration(ttl)),
        ));
    }
    // the greatest valid_from wins; then the latest correction; then, so that the choice is
    // deterministic, the largest values of the columns the features read
    let mut rank_order = vec![col(row, &source.valid_from)];
    if let Some(known_at) = &source.known_at {
        rank_order.push(col(row, known_at));
    }
    let mut read: Vec<&str> = leaves
        .iter()
        .filter_map(|f| match &f.def {
            FeatureDef::Column { expr } => Some(expr.columns()),
            _ => None,
        })
        .flatten()
        .collect();
    read.sort_unstable();
    read.dedup();
    for field in &source.fields {
        let orderable = field.ty.ty.is_orderable();
        if orderable && read.contains(&field.name.as_str()) {
            rank_order.push(col(row, &field.name));
        }
    }
    let mut partition: Vec<Expr> = view.keys.iter().map(|k| col("t", &k.name)).collect();
    partition.push(at.clone());

    let column_refs = |kind: &ExprKind| match kind {
        ExprKind::Column(c) => Some(col(row, c)),
        _ => None,
    };
    let mut items: Vec<SelectItem> = view.keys.iter().map(|k| item(col("t", &k.name))).collect();
    items.push(item(col("t", AT)));
    for feature in &leaves {
        if let FeatureDef::Column { expr } = &feature.def {
            items.push(aliased(
                to_sql(expr, &DataFusion, &column_refs),
                &feature.name,
            ));
        }
    }
    items.push(aliased(row_number_desc(partition, rank_order), RANK));
    let ranked = select(items).from(table(&times_cte, "t")).join(join(
        JoinKind::Inner,
        table(&source.name, row),
        Some(and_all(on)),
    ));

    let mut in_force: Vec<SelectItem> = view.keys.iter().map(|k| item(name(&k.name))).collect();
    in_force.push(item(name(AT)));
    in_force.extend(leaves.iter().map(|f| item(name(&f.name))));
    let in_force = select(in_force)
        .from(derived(ranked.query(), &candidates))
        .filter(eq(name(RANK), number_literal("1")));

    Ok(Lookup {
        ctes: vec![
            (times_cte, label_times(bound, None)),
            (bound.name.to_string(), in_force.query()),
        ],
        on: labels_match(bound),
    })
}
