//! `featc check PATHS`: parse and type-check; exit 0, or 1 with diagnostics.

use super::{Failure, Format, report};
use std::path::PathBuf;

pub fn run(paths: &[PathBuf], format: Format) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(paths, format)?;
    match format {
        Format::Json => report::print(&project.sources, &[], format),
        Format::Human => {
            let features: usize = plan.views.iter().map(|v| v.features.len()).sum();
            eprintln!(
                "featc: ok: {}, {}, {}, {}",
                counted(project.sources.files().count(), "file"),
                counted(plan.views.len(), "view"),
                counted(features, "feature"),
                counted(plan.services.len(), "service")
            );
        }
    }
    Ok(())
}

/// `1 service`, `2 services`.
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}
