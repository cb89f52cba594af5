//! What the stream tests share: the online tests' project and seeded events (reused as they
//! are), the events as Kafka messages, micro-batch rows read back into states, feature values
//! merged from tiles, and a fresh Postgres schema reachable by URL (for the command line too).

// The online tests' project, events and naive oracle, compiled again here (they are private
// to `online_postgres`): the stream must agree with the same independent reading of the spec.
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "online_postgres/fixture.rs"]
pub mod fixture;
#[allow(dead_code, clippy::duplicate_mod)]
#[path = "online_postgres/naive.rs"]
pub mod naive;

use featc::agg::{FieldValue, State};
use featc::compile::online::quote;
use featc::physical::{ColumnRole, view_layout};
use featc::plan::eval::{self, Scope};
use featc::plan::{FeatureDef, Plan, View};
use featc::runtime::store::codec;
use featc::runtime::store::{Cells, ViewRows};
use featc::runtime::stream::{Message, Operator};
use featc::types::{Micros, Type, Value};
use fixture::Event;
use std::collections::BTreeMap;
use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::{Client, Config, NoTls};

/// A Kafka message the tests own.
#[derive(Debug, Clone)]
pub struct Produced {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: Vec<u8>,
    pub payload: Vec<u8>,
}

impl Produced {
    pub fn message(&self) -> Message<'_> {
        Message {
            topic: &self.topic,
            partition: self.partition,
            offset: self.offset,
            key: Some(&self.key),
            payload: Some(&self.payload),
        }
    }
}

/// A value as the JSON a producer would write.
pub fn json_value(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::json!(b),
        Value::Int(i) => serde_json::json!(i),
        Value::Float(f) => serde_json::json!(f),
        Value::String(s) => serde_json::json!(s),
        Value::Decimal(u, s) => {
            let digits = format!("{:0>width$}", u.unsigned_abs(), width = usize::from(*s) + 1);
            let (int, frac) = digits.split_at(digits.len() - usize::from(*s));
            let sign = if *u < 0 { "-" } else { "" };
            serde_json::json!(if *s == 0 {
                format!("{sign}{int}")
            } else {
                format!("{sign}{int}.{frac}")
            })
        }
        Value::Date(d) => {
            let date = chrono::DateTime::from_timestamp(i64::from(*d) * 86_400, 0).expect("a date");
            serde_json::json!(date.format("%Y-%m-%d").to_string())
        }
        Value::Timestamp(t) => {
            let time = chrono::DateTime::from_timestamp_micros(*t).expect("a time");
            serde_json::json!(time.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        }
        Value::List(items) => serde_json::Value::Array(items.iter().map(json_value).collect()),
    }
}

/// The events as messages of `topic`, a partition per key (keys spread over `partitions`),
/// offsets from 0 in each partition, in the events' order.
pub fn messages(topic: &str, events: &[Event], partitions: i32) -> Vec<Produced> {
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    events
        .iter()
        .map(|e| {
            let index = fixture::KEYS.iter().position(|k| *k == e.key).unwrap_or(0) as i32;
            let partition = index % partitions;
            let offset = next.entry(partition).or_insert(0);
            let object: serde_json::Map<String, serde_json::Value> = e
                .columns
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect();
            let produced = Produced {
                topic: topic.to_string(),
                partition,
                offset: *offset,
                key: e.key.as_bytes().to_vec(),
                payload: serde_json::Value::Object(object).to_string().into_bytes(),
            };
            *offset += 1;
            produced
        })
        .collect()
}

pub fn push_all(operator: &mut Operator, messages: &[Produced]) {
    for m in messages {
        operator.push(&m.message());
    }
}

/// A tile: keys, granularity, start.
pub type TileId = (Vec<Value>, Micros, Micros);
/// Every tile's states, one per aggregate of the view, in declaration order.
pub type Tiles = BTreeMap<TileId, Vec<State>>;

/// A micro-batch's rows of `view` read back into states, through the column names only.
pub fn tiles_of(view: &View, rows: &ViewRows) -> Tiles {
    let values = |name: &str| match rows.column(name) {
        Some(Cells::Values(v)) => v.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let fields = |name: &str| match rows.column(name) {
        Some(Cells::Fields(f)) => f.clone(),
        other => panic!("{name}: {other:?}"),
    };
    let keys: Vec<Vec<Value>> = view.keys.iter().map(|k| values(&k.name)).collect();
    let starts = values("tile_start");
    let granularities = values("tile_us");
    let mut out = Tiles::new();
    for row in 0..rows.rows {
        let key: Vec<Value> = keys.iter().map(|k| k[row].clone()).collect();
        let (Value::Timestamp(start), Value::Int(g)) = (&starts[row], &granularities[row]) else {
            panic!("tile {row}");
        };
        let states = view
            .aggregates()
            .map(|(f, a)| {
                let arg = a.arg.as_ref().map(|x| &x.ty.ty);
                let layout = featc::agg::state_fields(&a.func, arg);
                let cells: Vec<FieldValue> = layout
                    .iter()
                    .map(|field| {
                        fields(&featc::plan::naming::state_column(&f.name, field.suffix))[row]
                            .clone()
                    })
                    .collect();
                State::from_fields(&a.func, arg, &cells).expect("the fields decode")
            })
            .collect();
        assert!(
            out.insert((key, *g, *start), states).is_none(),
            "a tile twice in one batch"
        );
    }
    out
}

/// Merges `more` into `into`, as the upsert does.
pub fn merge_tiles(into: &mut Tiles, more: Tiles) {
    for (tile, states) in more {
        match into.get_mut(&tile) {
            Some(stored) => stored.iter_mut().zip(&states).for_each(|(a, b)| a.merge(b)),
            None => {
                into.insert(tile, states);
            }
        }
    }
}

struct Finished<'a>(&'a BTreeMap<String, Value>);

impl Scope for Finished<'_> {
    fn column(&self, _: &str) -> Option<&Value> {
        None
    }
    fn feature(&self, _: &str, feature: &str) -> Option<&Value> {
        self.0.get(feature)
    }
}

/// Every feature of `view` for `key` at `t`, merged from `tiles` as a lookup does: per
/// aggregate, the tiles `Window::tile_ranges(t − settle)` lists; derived features evaluated.
pub fn values_at(
    view: &View,
    tiles: &Tiles,
    key: &[Value],
    t: Micros,
    settle: Micros,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let aggregates: Vec<_> = view.aggregates().collect();
    for feature in &view.features {
        let value = match &feature.def {
            FeatureDef::Aggregate(a) => {
                let index = aggregates
                    .iter()
                    .position(|(f, _)| f.name == feature.name)
                    .expect("an aggregate");
                let mut state = State::new(&a.func, a.arg.as_ref().map(|x| &x.ty.ty));
                for range in a.window.tile_ranges(t - settle) {
                    let from = (
                        key.to_vec(),
                        range.granularity,
                        range.start.unwrap_or(Micros::MIN),
                    );
                    let to = (key.to_vec(), range.granularity, range.end);
                    for (_, states) in tiles.range(from..to) {
                        state.merge(&states[index]);
                    }
                }
                state.finish()
            }
            FeatureDef::Derived { expr } | FeatureDef::Column { expr } => {
                eval::eval(expr, &Finished(&out)).expect("a derived feature evaluates")
            }
        };
        out.insert(feature.name.clone(), value);
    }
    out
}

/// Floats agree to 1e-9 relative (or absolute, near zero); everything else exactly.
pub fn close(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => {
            x == y
                || (x.is_nan() && y.is_nan())
                || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Value::List(xs), Value::List(ys)) => {
            xs.len() == ys.len() && xs.iter().zip(ys).all(|(x, y)| close(x, y))
        }
        _ => a == b,
    }
}

/// Two sets of tiles hold the same states: the same tiles, each aggregate finishing to close
/// values (a compensated sum's fields depend on grouping; its value does not).
pub fn assert_same_tiles(view: &View, expected: &Tiles, found: &Tiles, what: &str) {
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        found.keys().collect::<Vec<_>>(),
        "{what}: {}: the tiles",
        view.name
    );
    let names: Vec<&str> = view.aggregates().map(|(f, _)| f.name.as_str()).collect();
    for (tile, states) in expected {
        for (i, (a, b)) in states.iter().zip(&found[tile]).enumerate() {
            assert!(
                close(&a.finish(), &b.finish()),
                "{what}: {}.{} at {tile:?}:\n expected {a:?}\n found    {b:?}",
                view.name,
                names[i]
            );
        }
    }
}

/// A fresh schema on the test Postgres, reachable by URL (its `search_path` is set in the URL,
/// so commands run by URL use it too). `FEATC_TEST_POSTGRES=skip` skips the test.
pub struct TestDb {
    pub url: String,
}

impl TestDb {
    pub async fn client(&self) -> Client {
        connect(&self.url)
            .await
            .expect("connect to the test schema")
    }
}

async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let config = Config::from_str(url)?;
    let (client, connection) = config.connect(NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// Runs `body` with a fresh schema, dropped afterwards (also when `body` panics).
pub async fn with_db<F, Fut>(body: F)
where
    F: FnOnce(Arc<TestDb>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = std::env::var("FEATC_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/featc_test".to_string());
    if base == "skip" {
        eprintln!("FEATC_TEST_POSTGRES=skip: stream Postgres test skipped");
        return;
    }
    let admin = match connect(&base).await {
        Ok(client) => client,
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::INVALID_CATALOG_NAME) => {
            let config = Config::from_str(&base).expect("a URL");
            let database = config.get_dbname().unwrap_or("featc_test").to_string();
            let mut root = config.clone();
            root.dbname("postgres");
            let (client, connection) = root.connect(NoTls).await.expect("connect to `postgres`");
            tokio::spawn(async move {
                let _ = connection.await;
            });
            let _ = client
                .batch_execute(&format!("CREATE DATABASE {}", quote(&database)))
                .await;
            connect(&base)
                .await
                .expect("connect to the new test database")
        }
        Err(e) => panic!(
            "cannot reach the test Postgres at `{base}` ({e}); set FEATC_TEST_POSTGRES=skip to skip"
        ),
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let schema = format!(
        "featc_s_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    );
    admin
        .batch_execute(&format!("CREATE SCHEMA {}", quote(&schema)))
        .await
        .expect("create the test schema");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let db = Arc::new(TestDb { url });
    let outcome = tokio::spawn(body(db)).await;
    admin
        .batch_execute(&format!("DROP SCHEMA {} CASCADE", quote(&schema)))
        .await
        .expect("drop the test schema");
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("test task failed: {e}");
    }
}

/// Every stored tile of `view`, read back into states.
pub async fn stored_tiles(client: &Client, plan: &Plan, view: &View) -> Tiles {
    let layout = view_layout(plan, view).expect("layout");
    let columns: Vec<String> = layout.columns.iter().map(|c| quote(&c.name)).collect();
    let sql = format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        quote(&layout.table)
    );
    let rows = client.query(&sql, &[]).await.expect("the tiles read");
    let mut out = Tiles::new();
    for row in rows {
        let mut key = Vec::new();
        let (mut g, mut start) = (0, 0);
        let mut fields: BTreeMap<&str, Vec<FieldValue>> = BTreeMap::new();
        for (i, column) in layout.columns.iter().enumerate() {
            match &column.role {
                ColumnRole::Key => {
                    let ty = view
                        .keys
                        .iter()
                        .find(|k| k.name == column.name)
                        .map_or(Type::String, |k| k.ty.ty.clone());
                    key.push(codec::decode_value(&row, i, &ty).expect("a key"));
                }
                ColumnRole::TileGranularity => g = row.get(i),
                ColumnRole::TileStart => {
                    start = row
                        .get::<_, chrono::DateTime<chrono::Utc>>(i)
                        .timestamp_micros()
                }
                ColumnRole::State { feature, field, .. } => fields
                    .entry(feature.as_str())
                    .or_default()
                    .push(codec::decode_field(&row, i, &field.ty).expect("a state field")),
                other => panic!("{other:?}"),
            }
        }
        let states = view
            .aggregates()
            .map(|(f, a)| {
                State::from_fields(
                    &a.func,
                    a.arg.as_ref().map(|x| &x.ty.ty),
                    &fields[f.name.as_str()],
                )
                .unwrap_or_else(|e| panic!("{}: {e}", f.name))
            })
            .collect();
        out.insert((key, g, start), states);
    }
    out
}

/// A query's rows as text, in the given order: byte-for-byte comparisons of whole tables.
pub async fn dump(client: &Client, table: &str, order: &str) -> Vec<String> {
    let sql = format!("SELECT t::text FROM {} AS t ORDER BY {order}", quote(table));
    client
        .query(&sql, &[])
        .await
        .expect("the table reads")
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Every row of a Parquet file, as values by column name.
pub fn read_parquet_rows(path: &std::path::Path) -> Vec<BTreeMap<String, Value>> {
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::scalar::ScalarValue;
    let file = std::fs::File::open(path).expect("the Parquet file");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .build()
        .expect("a reader");
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch.expect("a batch");
        let schema = batch.schema();
        for row in 0..batch.num_rows() {
            let mut values = BTreeMap::new();
            for (field, column) in schema.fields().iter().zip(batch.columns()) {
                let scalar = ScalarValue::try_from_array(column, row).expect("a cell");
                let value =
                    featc::runtime::arrow::convert::scalar_to_value(&scalar).expect("a value");
                values.insert(field.name().clone(), value);
            }
            out.push(values);
        }
    }
    out
}
