//! Registering the batch inputs a command reads, and only those: a source the command does not
//! read need not have data on this machine.

use super::Failure;
use super::runtime::data_error;
use crate::backend::batch::context::{format_of, register_input};
use crate::plan::{BatchFormat, Field, Input, Plan};
use datafusion::prelude::SessionContext;
use std::collections::BTreeMap;
use std::path::Path;

/// The locations read, by input name, for the output's lineage.
pub type Locations = BTreeMap<String, String>;

fn input_of<'p>(
    plan: &'p Plan,
    input: &Input,
) -> Option<(&'p str, &'p [Field], Option<&'p crate::plan::Batch>)> {
    match input {
        Input::Source(name) => plan
            .source(name)
            .map(|s| (s.name.as_str(), s.fields.as_slice(), s.batch.as_ref())),
        Input::Table(name) => plan
            .table(name)
            .map(|t| (t.name.as_str(), t.fields.as_slice(), t.batch.as_ref())),
    }
}

/// Registers the inputs of `views` under their names; returns where each was read from.
pub async fn register(
    ctx: &SessionContext,
    plan: &Plan,
    root: &Path,
    views: &[&str],
    overrides: &BTreeMap<String, String>,
) -> Result<Locations, Failure> {
    let mut locations = Locations::new();
    for view in views {
        let Some(view) = plan.view(view) else {
            continue;
        };
        let Some((name, fields, batch)) = input_of(plan, &view.input) else {
            continue;
        };
        if locations.contains_key(name) {
            continue;
        }
        let location = match (overrides.get(name), batch) {
            (Some(location), _) => location.clone(),
            (None, Some(batch)) => root.join(&batch.path).to_string_lossy().into_owned(),
            (None, None) => {
                eprintln!(
                    "error: `{name}` has no `batch` location, and none was given\n  = help: pass --source {name}=PATH (a Parquet or CSV file, directory or glob)"
                );
                return Err(Failure::User);
            }
        };
        let default = batch.map_or(BatchFormat::Parquet, |b| b.format);
        register_input(ctx, name, fields, format_of(&location, default), &location)
            .await
            .map_err(|e| data_error(&format!("cannot read `{name}`"), e))?;
        locations.insert(name.to_string(), location);
    }
    Ok(locations)
}
