//! The offline engines: the training set of the case's service for its labels, as
//! `featc training-set` computes it, by the sweep or by the statements as written.

use super::case::{Case, Table};
use datafusion::scalar::ScalarValue;
use featc::plan::BatchFormat;
use featc::runtime::arrow::convert::scalar_to_value;
use featc::runtime::batch::{self, Engine, inputs, labels};
use std::collections::BTreeMap;

pub async fn training_set(case: &Case, engine: Engine) -> Table {
    let service = case.service();
    let ctx = batch::session();
    let views: Vec<&str> = service.view_names();
    inputs::register(&ctx, &case.plan, &case.dir, &views, &BTreeMap::new())
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let labels = case.dir.join("labels.csv").to_string_lossy().into_owned();
    labels::register_labels(
        &ctx,
        &labels,
        BatchFormat::Csv,
        "at",
        labels::LabelColumns::of(service),
    )
    .await
    .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let batches = batch::training_set(&ctx, &case.plan, service, engine)
        .await
        .unwrap_or_else(|e| panic!("{}: {engine:?}: {e}", case.name))
        .collect()
        .await
        .unwrap_or_else(|e| panic!("{}: {engine:?}: {e}", case.name));
    let mut table = Table::new();
    for batch in batches {
        let schema = batch.schema();
        for row in 0..batch.num_rows() {
            let values = service
                .outputs
                .iter()
                .map(|output| {
                    let index = schema
                        .index_of(&output.name)
                        .unwrap_or_else(|_| panic!("{}: no output `{}`", case.name, output.name));
                    let scalar =
                        ScalarValue::try_from_array(batch.column(index), row).expect("a cell");
                    (
                        output.name.clone(),
                        scalar_to_value(&scalar).expect("a value"),
                    )
                })
                .collect();
            table.push(values);
        }
    }
    table
}
