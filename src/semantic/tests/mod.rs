//! Unit tests of semantic analysis, on projects parsed from text.

mod errors;
mod lowering;
mod robustness;
mod typing;

use crate::diagnostic::{Diagnostic, render_all};
use crate::plan::{Plan, View};
use crate::source::SourceMap;

/// Entities and inputs most tests build on.
pub(super) const BASE: &str = r#"
entity user {
  key user_id: string
}

source events {
  schema {
    user_id:    string
    event_type: string
    amount:     float?
    qty:        int
    price:      decimal(12, 2)
    note:       string?
    event_ts:   timestamp
  }
  event_time event_ts
  batch parquet "data/events"
}

table profile {
  schema {
    user_id:    string
    country:    string?
    age_days:   int
    updated_at: timestamp
  }
  key user_id
  valid_from updated_at
}
"#;

/// Parses and analyses the files; returns the plan and every diagnostic.
pub(super) fn run(files: &[(&str, &str)]) -> (SourceMap, Option<Plan>, Vec<Diagnostic>) {
    let mut sources = SourceMap::new();
    for (name, text) in files {
        sources.add(*name, *text);
    }
    let mut diagnostics = Vec::new();
    let mut parsed = Vec::new();
    for (id, file) in sources.files() {
        let (ast, errors) = crate::syntax::parse(id, &file.text);
        diagnostics.extend(errors);
        parsed.push((id, ast));
    }
    let (plan, semantic) = super::analyze(&sources, &parsed);
    diagnostics.extend(semantic);
    (sources, plan, diagnostics)
}

/// The plan of a valid project (the test fails with the rendered diagnostics otherwise).
pub(super) fn plan(files: &[(&str, &str)]) -> Plan {
    let (sources, plan, diagnostics) = run(files);
    match plan {
        Some(plan) if diagnostics.is_empty() => plan,
        _ => panic!(
            "expected no diagnostics:\n{}",
            render_all(&sources, &diagnostics)
        ),
    }
}

/// The plan of [`BASE`] plus `extra`, in one file.
pub(super) fn plan_with(extra: &str) -> Plan {
    plan(&[("project.feat", &format!("{BASE}\n{extra}"))])
}

/// The diagnostics of [`BASE`] plus `extra`.
pub(super) fn diagnostics_with(extra: &str) -> Vec<Diagnostic> {
    run(&[("project.feat", &format!("{BASE}\n{extra}"))]).2
}

pub(super) fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.code.0).collect()
}

pub(super) fn view<'p>(plan: &'p Plan, name: &str) -> &'p View {
    plan.view(name)
        .unwrap_or_else(|| panic!("no view `{name}`"))
}
