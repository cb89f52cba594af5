//! `featc explain PATHS [--view V | --service S] [--format json|mermaid]`: the logical plan,
//! readable, as JSON, or drawn as a Mermaid flowchart.

use super::{ExplainFormat, Failure, Format, report};
use crate::plan::display::{Only, explain};
use crate::plan::{Plan, Service, View};
use std::path::PathBuf;

pub fn run(
    paths: &[PathBuf],
    view: Option<&str>,
    service: Option<&str>,
    format: ExplainFormat,
) -> Result<(), Failure> {
    let diagnostics = match format {
        ExplainFormat::Json => Format::Json,
        ExplainFormat::Human | ExplainFormat::Mermaid => Format::Human,
    };
    let (_, plan) = report::load_plan(paths, diagnostics)?;
    let only = match (view, service) {
        (Some(v), _) => Some(Only::View(find_view(&plan, v)?)),
        (_, Some(s)) => Some(Only::Service(find_service(&plan, s)?)),
        _ => None,
    };
    match format {
        ExplainFormat::Human => print!("{}", explain(&plan, only)),
        // the picture is of the whole project: a view or service alone has no neighbours
        ExplainFormat::Mermaid => print!("{}", crate::plan::mermaid::flowchart(&plan)),
        ExplainFormat::Json => {
            let json = match only {
                Some(Only::View(v)) => serde_json::to_string_pretty(v),
                Some(Only::Service(s)) => serde_json::to_string_pretty(s),
                None => serde_json::to_string_pretty(&plan),
            };
            println!("{}", json.unwrap_or_default());
        }
    }
    Ok(())
}

/// The view `name`, or a usage error naming the views there are.
pub fn find_view<'p>(plan: &'p Plan, name: &str) -> Result<&'p View, Failure> {
    plan.view(name)
        .ok_or_else(|| unknown("view", name, plan.views.iter().map(|v| v.name.as_str())))
}

/// The service `name`, or a usage error naming the services there are.
pub fn find_service<'p>(plan: &'p Plan, name: &str) -> Result<&'p Service, Failure> {
    plan.service(name).ok_or_else(|| {
        unknown(
            "service",
            name,
            plan.services.iter().map(|s| s.name.as_str()),
        )
    })
}

/// A usage error naming what exists, with a did-you-mean.
pub fn unknown<'a>(
    kind: &str,
    name: &str,
    known: impl Iterator<Item = &'a str> + Clone,
) -> Failure {
    let hint = crate::diagnostic::did_you_mean(name, known.clone())
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default();
    let all: Vec<&str> = known.collect();
    Failure::Usage(format!(
        "no {kind} named `{name}`{hint} (the project has: {})",
        all.join(", ")
    ))
}
