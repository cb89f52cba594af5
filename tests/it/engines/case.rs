//! A case of the engine corpus: its plan, its events (read with the source's declared schema)
//! and its labels, in file order.

use crate::support::values::value_rows;
use datafusion::prelude::SessionContext;
use featc::plan::{BatchFormat, Input, Plan, Service, Source};
use featc::runtime::batch::context::register_input;
use featc::source::SourceMap;
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Per label row, every output by name.
pub type Table = Vec<BTreeMap<String, Value>>;

/// A label: the service's keys, its request inputs and the time `at`.
#[derive(Debug, Clone)]
pub struct Label {
    pub keys: Vec<Value>,
    /// In `Service::request` order.
    pub request: Vec<Value>,
    pub at: Micros,
}

impl Label {
    pub fn describe(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(|k| format!("{k:?}")).collect();
        let at = chrono::DateTime::from_timestamp_micros(self.at)
            .map_or_else(|| self.at.to_string(), |t| t.to_rfc3339());
        format!("{} at {at}", keys.join(", "))
    }
}

pub struct Case {
    pub name: String,
    pub dir: PathBuf,
    pub plan: Plan,
    /// The service every case declares.
    pub service: String,
    /// Each source's events, in file order, as values in schema order.
    pub events: BTreeMap<String, Vec<Vec<Value>>>,
    pub labels: Vec<Label>,
}

impl Case {
    pub fn service(&self) -> &Service {
        self.plan
            .service(&self.service)
            .expect("the case's service")
    }

    /// The source a view reads.
    pub fn source_of(&self, view: &str) -> &Source {
        let view = self.plan.view(view).expect("a view");
        match &view.input {
            Input::Source(name) => self.plan.source(name).expect("its source"),
            Input::Table(name) => panic!("the corpus has no table views ({name})"),
        }
    }

    /// "Now" for the online engines: a day after every event and label.
    pub fn now(&self) -> Micros {
        let events = self.events.values().flatten().flat_map(|row| {
            row.iter().filter_map(|v| match v {
                Value::Timestamp(t) => Some(*t),
                _ => None,
            })
        });
        let labels = self.labels.iter().map(|l| l.at);
        events.chain(labels).max().unwrap_or(0) + featc::types::MICROS_PER_DAY
    }
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/engines")
}

/// Every case, by name.
pub async fn all() -> Vec<Case> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/cases/engines")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut cases = Vec::new();
    for dir in dirs {
        cases.push(load(&dir).await);
    }
    cases
}

async fn load(dir: &Path) -> Case {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut sources = SourceMap::new();
    let text = std::fs::read_to_string(dir.join("case.feat")).expect("case.feat");
    sources.add("case.feat", text);
    let (plan, diagnostics) = featc::project::analyze(&sources);
    let plan = plan.unwrap_or_else(|| panic!("{name}: {diagnostics:#?}"));
    let service = plan
        .services
        .first()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| panic!("{name}: no service"));
    let mut events = BTreeMap::new();
    for source in &plan.sources {
        let batch = source.batch.as_ref().expect("a batch location");
        let location = dir.join(&batch.path).to_string_lossy().into_owned();
        let rows = read(&source.name, &source.fields, &location).await;
        events.insert(source.name.clone(), rows);
    }
    let labels = read_labels(&dir.join("labels.csv"), &plan, &service);
    Case {
        name,
        dir: dir.to_path_buf(),
        plan,
        service,
        events,
        labels,
    }
}

/// A CSV file's rows as values of the declared `fields`, in file order (one partition).
async fn read(name: &str, fields: &[featc::plan::Field], location: &str) -> Vec<Vec<Value>> {
    let ctx = SessionContext::new_with_config(
        datafusion::prelude::SessionConfig::new().with_target_partitions(1),
    );
    register_input(&ctx, name, fields, BatchFormat::Csv, location)
        .await
        .expect("the events read");
    let batches = ctx
        .table(name)
        .await
        .expect("a table")
        .collect()
        .await
        .expect("the rows");
    batches.iter().flat_map(value_rows).collect()
}

/// `labels.csv`: the service's keys (as strings: every corpus key is a string), its request
/// inputs (by their declared types; an empty cell is null) and `at`.
fn read_labels(path: &Path, plan: &Plan, service: &str) -> Vec<Label> {
    let service = plan.service(service).expect("the service");
    let text = std::fs::read_to_string(path).expect("labels.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .unwrap_or_else(|| panic!("{}: no column `{name}`", path.display()))
    };
    let keys: Vec<usize> = service.keys.iter().map(|k| column(&k.name)).collect();
    let inputs: Vec<(usize, &Type)> = (service.request.iter())
        .map(|f| (column(&f.name), &f.ty.ty))
        .collect();
    let at = column("at");
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split(',').map(str::trim).collect();
            let time = chrono::DateTime::parse_from_rfc3339(cells[at])
                .unwrap_or_else(|e| panic!("{}: `{}`: {e}", path.display(), cells[at]));
            Label {
                keys: keys
                    .iter()
                    .map(|&k| Value::String(cells[k].to_string()))
                    .collect(),
                request: inputs
                    .iter()
                    .map(|&(i, ty)| request_value(cells[i], ty))
                    .collect(),
                at: time.timestamp_micros(),
            }
        })
        .collect()
}

/// A request input's cell as its declared type (the corpus uses these four).
fn request_value(cell: &str, ty: &Type) -> Value {
    let parsed = match ty {
        _ if cell.is_empty() => return Value::Null,
        Type::Float => cell.parse().ok().map(Value::Float),
        Type::Int => cell.parse().ok().map(Value::Int),
        Type::Bool => cell.parse().ok().map(Value::Bool),
        Type::String => Some(Value::String(cell.to_string())),
        other => panic!("the corpus sends no `{other}` request input"),
    };
    parsed.unwrap_or_else(|| panic!("`{cell}` is not a `{ty}`"))
}
