//! `featc explain --format mermaid`: the project as its users think of it — inputs (with their
//! batch files and Kafka topics), views (with their window and their rung of the freshness
//! ladder), services (with the roles they read views under) — as a Mermaid flowchart, which
//! GitHub renders in Markdown. Deterministic: the plan's order, names as node ids.

use super::{Freshness, Input, Plan, ViewKind};
use std::fmt::Write;

/// The whole plan as a Mermaid flowchart (left to right: inputs, views, services).
pub fn flowchart(plan: &Plan) -> String {
    let mut out = String::from("flowchart LR\n");
    // Writing to a String cannot fail.
    let _ = write_flowchart(&mut out, plan);
    out
}

fn write_flowchart(out: &mut String, plan: &Plan) -> std::fmt::Result {
    for source in &plan.sources {
        let mut label = vec![format!("source {}", source.name)];
        if let Some(batch) = &source.batch {
            label.push(format!("{} {}", batch.format.name(), batch.path));
        }
        if let Some(stream) = &source.stream {
            label.push(format!("kafka {}", stream.topic));
        }
        writeln!(out, "  source_{}[({})]", source.name, text(&label))?;
    }
    for table in &plan.tables {
        let mut label = vec![format!("table {}", table.name)];
        if let Some(batch) = &table.batch {
            label.push(format!("{} {}", batch.format.name(), batch.path));
        }
        writeln!(out, "  table_{}[({})]", table.name, text(&label))?;
    }
    for view in &plan.views {
        let shape = match &view.kind {
            ViewKind::Windowed { window } => window.to_string(),
            ViewKind::Table { ttl: Some(ttl) } => {
                format!("ttl {}", crate::types::format_duration(*ttl))
            }
            ViewKind::Table { ttl: None } => "row in force".to_string(),
        };
        let label = vec![
            format!("{} on {}", view.name, view.entity),
            shape,
            freshness(&view.freshness),
        ];
        writeln!(out, "  view_{}[{}]", view.name, text(&label))?;
        let input = match &view.input {
            Input::Source(name) => format!("source_{name}"),
            Input::Table(name) => format!("table_{name}"),
        };
        if view.key_columns.is_empty() {
            writeln!(out, "  {input} --> view_{}", view.name)?;
        } else {
            let roles = view.key_columns.join(", ");
            writeln!(out, "  {input} -->|{}| view_{}", quoted(&roles), view.name)?;
        }
        if view.freshness.is_offline_only() {
            writeln!(out, "  class view_{} offline", view.name)?;
        }
    }
    for service in &plan.services {
        let mut label = vec![format!("service {}", service.name)];
        if !service.request.is_empty() {
            let inputs: Vec<&str> = service.request.iter().map(|f| f.name.as_str()).collect();
            label.push(format!("request {}", inputs.join(", ")));
        }
        writeln!(out, "  service_{}{{{{{}}}}}", service.name, text(&label))?;
        for read in service.read_views() {
            match service.role(read) {
                Some(role) => writeln!(
                    out,
                    "  view_{} -->|{}| service_{}",
                    role.view,
                    quoted(&role.keys.join(", ")),
                    service.name
                )?,
                None => writeln!(out, "  view_{read} --> service_{}", service.name)?,
            }
        }
    }
    writeln!(out, "  classDef offline stroke-dasharray: 5 5")
}

fn freshness(freshness: &Freshness) -> String {
    match freshness {
        Freshness::Unscheduled => "refreshed by hand".to_string(),
        Freshness::OfflineOnly => freshness.to_string(),
        other => format!("refresh {other}"),
    }
}

/// A node label: lines joined by `<br/>`, in quotes.
fn text(lines: &[String]) -> String {
    quoted(&lines.join("<br/>"))
}

/// Mermaid text in double quotes; a quote inside is written as its entity.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "#quot;"))
}

#[cfg(test)]
mod tests {
    use super::quoted;

    #[test]
    fn quotes_inside_a_label_do_not_end_it() {
        assert_eq!(
            quoted(r#"every "0 * * * *""#),
            r#""every #quot;0 * * * *#quot;""#
        );
    }
}
