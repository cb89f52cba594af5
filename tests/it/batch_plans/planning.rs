//! Every statement generated for the example projects and the accepted test cases plans on
//! DataFusion, against empty tables of the declared schemas.

use super::{context, register_rows};
use featc::compile::batch::names::{AT, LABELS, ROW};
use featc::compile::batch::{training_sql, view_sql};
use featc::plan::{Field, Plan};
use featc::source::SourceMap;
use featc::types::{ColumnType, Type};
use std::path::{Path, PathBuf};

fn feat_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            feat_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "feat") {
            out.push(path);
        }
    }
}

/// The plans of every example project and of every `tests/cases/ok` file.
fn projects() -> Vec<(String, Plan)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut projects: Vec<(String, Vec<PathBuf>)> = Vec::new();
    if let Ok(examples) = std::fs::read_dir(root.join("examples")) {
        let mut dirs: Vec<PathBuf> = examples.flatten().map(|e| e.path()).collect();
        dirs.sort();
        for dir in dirs {
            let mut files = Vec::new();
            feat_files(&dir, &mut files);
            projects.push((dir.display().to_string(), files));
        }
    }
    let mut cases = Vec::new();
    feat_files(&root.join("tests/cases/ok"), &mut cases);
    projects.extend(
        cases
            .into_iter()
            .map(|f| (f.display().to_string(), vec![f])),
    );

    let mut plans = Vec::new();
    for (name, files) in projects {
        if files.is_empty() {
            continue;
        }
        let mut sources = SourceMap::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("a readable .feat file");
            sources.add(file.display().to_string(), text);
        }
        let (plan, diagnostics) = featc::project::analyze(&sources);
        match plan {
            Some(plan) => plans.push((name, plan)),
            None => panic!("{name} does not compile: {diagnostics:#?}"),
        }
    }
    plans
}

#[tokio::test]
async fn every_generated_statement_plans() {
    let projects = projects();
    assert!(!projects.is_empty(), "no example project found");
    let mut planned = 0;
    let mut failures = Vec::new();
    for (name, plan) in &projects {
        for view in &plan.views {
            let sql = view_sql(plan, view).unwrap_or_else(|e| panic!("{name}: {e}"));
            if let Err(e) = plan_statement(plan, None, &sql).await {
                failures.push(format!("{name}, view {}: {e}", view.name));
            }
            planned += 1;
        }
        for service in &plan.services {
            let sql = training_sql(plan, service).unwrap_or_else(|e| panic!("{name}: {e}"));
            // the labels carry the keys and the request inputs
            let label_fields: Vec<Field> = service
                .keys
                .iter()
                .chain(&service.request)
                .cloned()
                .collect();
            if let Err(e) = plan_statement(plan, Some(&label_fields), &sql).await {
                failures.push(format!("{name}, service {}: {e}", service.name));
            }
            planned += 1;
        }
    }
    assert!(planned > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Plans and runs `sql` in a context with every input registered empty, and the labels of a
/// service with `keys`.
async fn plan_statement(plan: &Plan, keys: Option<&[Field]>, sql: &str) -> Result<(), String> {
    let ctx = context(2);
    for source in &plan.sources {
        register_rows(&ctx, &source.name, &source.fields, &[], 1);
    }
    for table in &plan.tables {
        register_rows(&ctx, &table.name, &table.fields, &[], 1);
    }
    if let Some(keys) = keys {
        let mut fields = keys.to_vec();
        fields.push(Field {
            name: "label".into(),
            ty: ColumnType::required(Type::Int),
        });
        fields.push(Field {
            name: AT.into(),
            ty: ColumnType::required(Type::Timestamp),
        });
        fields.push(Field {
            name: ROW.into(),
            ty: ColumnType::required(Type::Int),
        });
        register_rows(&ctx, LABELS, &fields, &[], 1);
    }
    let frame = ctx
        .sql(sql)
        .await
        .map_err(|e| format!("planning failed: {e}\n{sql}"))?;
    frame
        .collect()
        .await
        .map_err(|e| format!("execution failed: {e}\n{sql}"))?;
    Ok(())
}
