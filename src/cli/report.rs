//! Loading a project and printing its diagnostics, shared by every command.

use super::{Failure, Format};
use crate::diagnostic::{self, Diagnostic};
use crate::plan::Plan;
use crate::project::{self, Project};
use crate::source::SourceMap;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Prints diagnostics: rendered on stderr, or as JSON on stdout.
pub fn print(sources: &SourceMap, diagnostics: &[Diagnostic], format: Format) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diagnostic::to_json(sources, diagnostics))
                .unwrap_or_default()
        ),
        Format::Human if diagnostics.is_empty() => {}
        Format::Human => {
            let text = if std::io::stderr().is_terminal() {
                diagnostic::render_all_colored(sources, diagnostics)
            } else {
                diagnostic::render_all(sources, diagnostics)
            };
            eprint!("{text}");
        }
    }
}

/// Loads and analyses a project; prints diagnostics; the plan if there were no errors.
pub fn load_plan(paths: &[PathBuf], format: Format) -> Result<(Project, Plan), Failure> {
    let project = match project::load(paths) {
        Ok(p) => p,
        Err(d) => {
            print(&SourceMap::new(), &[*d], format);
            return Err(Failure::User);
        }
    };
    let (plan, diagnostics) = project::analyze(&project.sources);
    match plan {
        Some(plan) => {
            // warnings only
            if !diagnostics.is_empty() {
                print(&project.sources, &diagnostics, format);
            }
            Ok((project, plan))
        }
        None => {
            print(&project.sources, &diagnostics, format);
            Err(Failure::User)
        }
    }
}
