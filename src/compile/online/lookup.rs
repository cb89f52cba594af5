//! The lookup of a service: one parameterized query that answers a batch of (keys, time)
//! requests in one round trip, with the values a training set would hold (docs/language.md#windows-and-point-in-time-semantics).
//!
//! Per included view, a `LEFT JOIN LATERAL` reads the view's online rows for the request's key:
//! - a view over a source merges, per aggregate, exactly the tiles that `Window::tile_ranges`
//!   lists for the request time minus the source's `settle` ([`super::bounds`]), folds them into
//!   one state and finishes it ([`super::lookup_fold`]); derived features are computed from the
//!   finished ones;
//! - a view over a table takes the row with the greatest `valid_from` ≤ t among the rows
//!   known at t, and gives nulls if it is older than the view's `ttl`.
//!
//! Service outputs are the views' features or expressions over them and the request inputs
//! (bound like the keys, never written into the SQL), cast to their types.

use super::error::OnlineError;
use super::render::{LOOKUP, render};
use super::text::{provenance, quote, timestamptz_to_micros};
use super::view_read::{Named, REQUEST, REQUEST_MICROS, view_read};
use crate::compile::sql_expr::{self, Postgres};
use crate::physical::PgType;
use crate::plan::naming;
use crate::plan::{BoundView, ExprKind, Field, OutputDef, Plan, Service};
use datafusion::sql::sqlparser::ast as sql;
use minijinja::context;
use minijinja::value::{Serde, Value};
use serde::Serialize;

/// The request CTE's internal columns. Names with a space cannot collide with a key.
const REQUEST_INDEX: &str = "request index";
const REQUEST_TIME: &str = "request time";
/// The output column numbering the requests from 1, in request order.
pub const REQUEST_INDEX_OUTPUT: &str = "request_index";

#[derive(Serialize)]
struct KeyParam {
    name: String,
    wire: String,
    select: String,
}

/// The lookup statement of `service`. Parameters: one array per service key (in
/// `service.keys` order, bound as [`PgType::wire`] says), a `timestamptz[]` of request
/// times, then one array per request input (in `service.request` order). Columns:
/// `request_index` (1-based), the keys, the request inputs, then the outputs in order.
pub fn service_lookup(plan: &Plan, service: &Service) -> Result<String, OnlineError> {
    let mut parameters = Vec::new();
    let mut keys = Vec::new();
    for (i, key) in service.keys.iter().enumerate() {
        let (line, param) = array_parameter(i + 1, "", key)?;
        parameters.push(line);
        keys.push(param);
    }
    parameters.push(format!(
        "${}: request times timestamptz[]",
        service.keys.len() + 1
    ));
    let mut inputs = Vec::new();
    for (i, input) in service.request.iter().enumerate() {
        let (line, param) = array_parameter(service.keys.len() + 2 + i, "request input ", input)?;
        parameters.push(line);
        inputs.push(param);
    }

    let mut columns = vec![Named {
        name: REQUEST_INDEX_OUTPUT.into(),
        sql: format!("{REQUEST}.{}", quote(REQUEST_INDEX)),
    }];
    for field in service.keys.iter().chain(&service.request) {
        columns.push(Named {
            name: field.name.clone(),
            sql: format!("{REQUEST}.{}", quote(&field.name)),
        });
    }
    for output in &service.outputs {
        let value = match &output.def {
            OutputDef::Feature { view, feature } => {
                format!("{}.{}", quote(view), quote(feature))
            }
            OutputDef::Derived { expr } => {
                let refs = |kind: &ExprKind| match kind {
                    ExprKind::Feature { view, feature } => {
                        Some(sql::Expr::CompoundIdentifier(vec![
                            sql_expr::ident(view),
                            sql_expr::ident(feature),
                        ]))
                    }
                    // a request input, as the request CTE holds it
                    ExprKind::Column(input) => Some(sql::Expr::CompoundIdentifier(vec![
                        sql_expr::ident(REQUEST),
                        sql_expr::ident(input),
                    ])),
                    _ => None,
                };
                sql_expr::print(&sql_expr::to_sql(expr, &Postgres, &refs))
            }
        };
        columns.push(Named {
            name: output.name.clone(),
            sql: format!("CAST({value} AS {})", PgType::of_type(&output.ty.ty)?.sql()),
        });
    }

    let views = included_views(plan, service)?
        .into_iter()
        .map(|bound| view_read(plan, bound))
        .collect::<Result<Vec<_>, _>>()?;

    render(
        LOOKUP,
        context! {
            provenance => provenance("service", &service.name, &service.location),
            parameters => parameters,
            request => REQUEST,
            names => context! {
                index => REQUEST_INDEX,
                time => REQUEST_TIME,
                micros => REQUEST_MICROS,
                valid_from => naming::VALID_FROM,
                known_at => naming::KNOWN_AT,
            },
            request_micros => timestamptz_to_micros(&format!("request.{}", quote(REQUEST_TIME))),
            keys => Value::from(Serde(&keys)),
            inputs => Value::from(Serde(&inputs)),
            columns => Value::from(Serde(&columns)),
            views => Value::from(Serde(&views)),
        },
    )
}

/// Parameter `$position`, an array of `field`'s values (a key or a request input): its line
/// in the statement's header, and how the request CTE unnests it.
fn array_parameter(
    position: usize,
    what: &str,
    field: &Field,
) -> Result<(String, KeyParam), OnlineError> {
    let ty = PgType::of_type(&field.ty.ty)?;
    let line = format!(
        "${position}: {what}{} {}[]",
        quote(&field.name),
        ty.wire_sql()
    );
    let param = KeyParam {
        name: field.name.clone(),
        wire: ty.wire_sql(),
        select: ty.from_wire(&format!("request.{}", quote(&field.name))),
    };
    Ok((line, param))
}

/// What the service reads (its included views, then any view only a derived output names),
/// each bound to the request's key columns.
fn included_views<'p>(
    plan: &'p Plan,
    service: &'p Service,
) -> Result<Vec<BoundView<'p>>, OnlineError> {
    service
        .read_views()
        .into_iter()
        .map(|name| {
            plan.bound_view(service, name)
                .ok_or_else(|| OnlineError::Missing {
                    kind: "view",
                    name: name.to_string(),
                })
        })
        .collect()
}
