//! `featc check PATHS`: parse and type-check; exit 0, or 1 with diagnostics.

use super::{Failure, Format, report};
use crate::diagnostic::plural;
use std::path::PathBuf;

pub fn run(paths: &[PathBuf], format: Format) -> Result<(), Failure> {
    let (project, plan) = report::load_plan(paths, format)?;
    match format {
        Format::Json => report::print(&project.sources, &[], format),
        Format::Human => {
            let features: usize = plan.views.iter().map(|v| v.features.len()).sum();
            eprintln!(
                "featc: ok: {}, {}, {}, {}",
                plural(project.sources.files().count(), "file"),
                plural(plan.views.len(), "view"),
                plural(features, "feature"),
                plural(plan.services.len(), "service")
            );
        }
    }
    Ok(())
}
