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
                "featc: ok: {} files, {} views, {} features, {} services",
                project.sources.files().count(),
                plan.views.len(),
                features,
                plan.services.len()
            );
        }
    }
    Ok(())
}
