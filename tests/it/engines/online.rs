//! The online engines over one store: the case's events as Kafka messages through the stream
//! operator into Postgres (one upsert transaction per micro-batch, with offsets), then read by
//! the generated lookup, by merging the stored tiles in Rust, and by `featc serve`.

use super::case::{Case, Table};
use crate::serve::{client, harness};
use crate::support::db::{TestDb, refs};
use crate::support::stream::json_value;
use crate::support::tiles::{stored_tiles, values_at};
use featc::compile::online::service_lookup;
use featc::physical::PgType;
use featc::plan::eval::{self, Scope};
use featc::plan::{OutputDef, Service};
use featc::runtime::serve::json::{format_time, value_to_json};
use featc::runtime::store::{OnlineWriter, PostgresStateStore, StateStore, codec, connect};
use featc::runtime::stream::{ManualClock, Message, Operator, OperatorConfig};
use featc::types::{Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const PARTITIONS: i32 = 3;
/// Messages per micro-batch: small, so that tiles are merged across many upserts.
const MICRO_BATCH: usize = 5;

/// Each online engine's values for the case's labels.
pub async fn run(case: &Case, db: &TestDb) -> Vec<(&'static str, Table)> {
    stream_into_postgres(case, db).await;
    let client = db.client().await;
    let tiles = merged_tiles(case, &client).await;
    let lookup = lookup(case, &client).await;
    let served = serve(case, &db.url).await;
    vec![("lookup", lookup), ("tiles", tiles), ("serve", served)]
}

/// A message per event, in a seeded shuffled order, spread over partitions by key.
fn messages(case: &Case, source: &featc::plan::Source, topic: &str) -> Vec<(i32, i64, Vec<u8>)> {
    // partitioned by a key column where the source has one (a view with roles reads keys
    // under other names: then by the first column; partitioning only changes the order)
    let key = source
        .fields
        .iter()
        .position(|f| case.service().keys.iter().any(|k| k.name == f.name))
        .unwrap_or(0);
    let mut rows: Vec<&Vec<Value>> = case.events[&source.name].iter().collect();
    // a fixed shuffle: reverse every other block, so order within keys is mixed
    for (i, block) in rows.chunks_mut(4).enumerate() {
        if i % 2 == 1 {
            block.reverse();
        }
    }
    let mut next = [0i64; PARTITIONS as usize];
    rows.into_iter()
        .map(|row| {
            let partition = match &row[key] {
                Value::String(s) => {
                    (s.bytes().map(u32::from).sum::<u32>() % PARTITIONS as u32) as i32
                }
                _ => 0,
            };
            let object: serde_json::Map<String, serde_json::Value> = source
                .fields
                .iter()
                .zip(row)
                .filter(|(_, v)| !v.is_null())
                .map(|(f, v)| (f.name.clone(), json_value(v)))
                .collect();
            let offset = next[partition as usize];
            next[partition as usize] += 1;
            let _ = topic;
            (
                partition,
                offset,
                serde_json::Value::Object(object).to_string().into_bytes(),
            )
        })
        .collect()
}

/// Every view of the service streamed into the test schema.
async fn stream_into_postgres(case: &Case, db: &TestDb) {
    let service = case.service();
    let views: Vec<&str> = service.view_names();
    let client = connect(&db.url).await.expect("connect");
    let writer = OnlineWriter::prepare(client, &case.plan, &views)
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let mut store = PostgresStateStore::new(writer, "corpus");
    let config = OperatorConfig {
        start: None,
        record_late: true,
    };
    let clock = Arc::new(ManualClock::new(case.now()));
    let mut operator = Operator::new(&case.plan, &views, clock, config)
        .unwrap_or_else(|e| panic!("{}: {e}", case.name));
    let mut produced = Vec::new();
    for source in &case.plan.sources {
        let Some(stream) = &source.stream else {
            continue;
        };
        for (partition, offset, payload) in messages(case, source, &stream.topic) {
            produced.push((stream.topic.clone(), partition, offset, payload));
        }
    }
    for chunk in produced.chunks(MICRO_BATCH) {
        for (topic, partition, offset, payload) in chunk {
            operator.push(&Message {
                topic,
                partition: *partition,
                offset: *offset,
                key: None,
                payload: Some(payload),
            });
        }
        let batch = operator.take_batch();
        assert!(
            batch.dead_letters.is_empty() && batch.late_events.is_empty(),
            "{}: dead letters {:?}, late events {:?}",
            case.name,
            batch.dead_letters,
            batch.late_events
        );
        store
            .commit(&batch)
            .await
            .unwrap_or_else(|e| panic!("{}: commit: {e}", case.name));
    }
}

/// The service's generated lookup, all labels in one call.
async fn lookup(case: &Case, client: &tokio_postgres::Client) -> Table {
    let service = case.service();
    let sql = service_lookup(&case.plan, service).unwrap_or_else(|e| panic!("{e}"));
    let mut params = Vec::new();
    for (i, key) in service.keys.iter().enumerate() {
        let ty = PgType::of_type(&key.ty.ty).expect("a key type");
        let values: Vec<Value> = case.labels.iter().map(|l| l.keys[i].clone()).collect();
        params.push(codec::encode_values(&ty, &values).expect("keys"));
    }
    let times: Vec<Value> = case.labels.iter().map(|l| Value::Timestamp(l.at)).collect();
    let timestamp = PgType::of_type(&Type::Timestamp).expect("timestamptz");
    params.push(codec::encode_values(&timestamp, &times).expect("times"));
    for (i, input) in service.request.iter().enumerate() {
        let ty = PgType::of_type(&input.ty.ty).expect("a request input type");
        let values: Vec<Value> = case.labels.iter().map(|l| l.request[i].clone()).collect();
        params.push(codec::encode_values(&ty, &values).expect("request inputs"));
    }
    let rows = client
        .query(&sql, &refs(&params))
        .await
        .unwrap_or_else(|e| panic!("{}: the lookup: {e:?}", case.name));
    let first_output = 1 + service.keys.len() + service.request.len();
    rows.iter()
        .map(|row| {
            service
                .outputs
                .iter()
                .enumerate()
                .map(|(j, output)| {
                    let value = codec::decode_value(row, first_output + j, &output.ty.ty)
                        .expect("an output decodes");
                    (output.name.clone(), value)
                })
                .collect()
        })
        .collect()
}

/// A label's scope for the service's derived outputs: the features by read name (a view's,
/// or a role's), and the request inputs.
struct Features<'a> {
    service: &'a Service,
    features: &'a BTreeMap<String, BTreeMap<String, Value>>,
    request: &'a [Value],
}

impl Scope for Features<'_> {
    fn column(&self, name: &str) -> Option<&Value> {
        let i = self.service.request.iter().position(|f| f.name == name)?;
        self.request.get(i)
    }
    fn feature(&self, view: &str, feature: &str) -> Option<&Value> {
        self.features.get(view).and_then(|f| f.get(feature))
    }
}

/// The stored tiles merged in Rust per label (`Window::tile_ranges`, `agg::State`), derived
/// features and outputs by `plan::eval`.
async fn merged_tiles(case: &Case, client: &tokio_postgres::Client) -> Table {
    let service = case.service();
    let mut stored = BTreeMap::new();
    for name in service.view_names() {
        let view = case.plan.view(name).expect("a view");
        stored.insert(name, stored_tiles(client, &case.plan, view).await);
    }
    case.labels
        .iter()
        .map(|label| {
            let features: BTreeMap<String, BTreeMap<String, Value>> = service
                .views
                .iter()
                .map(|read| {
                    let bound = case.plan.bound_view(service, read).expect("a read");
                    let view = bound.view;
                    // the label's column that carries each of the view's keys
                    let keys: Vec<Value> = (0..view.keys.len())
                        .map(|k| {
                            let i = service
                                .keys
                                .iter()
                                .position(|s| s.name == bound.column(k))
                                .expect("a service key");
                            label.keys[i].clone()
                        })
                        .collect();
                    let settle = case.source_of(&view.name).settle;
                    let values =
                        values_at(view, &stored[view.name.as_str()], &keys, label.at, settle);
                    (read.clone(), values)
                })
                .collect();
            let scope = Features {
                service,
                features: &features,
                request: &label.request,
            };
            outputs(service, &scope)
        })
        .collect()
}

fn outputs(service: &Service, scope: &Features) -> BTreeMap<String, Value> {
    service
        .outputs
        .iter()
        .map(|output| {
            let value = match &output.def {
                OutputDef::Feature { view, feature } => scope.features[view][feature].clone(),
                OutputDef::Derived { expr } => {
                    eval::eval(expr, scope).expect("a derived output evaluates")
                }
            };
            (output.name.clone(), value)
        })
        .collect()
}

/// `featc serve` in-process: one request per label; the JSON answer decoded by type.
async fn serve(case: &Case, url: &str) -> Table {
    let service = case.service();
    let server = harness::start(&case.plan, url, 100, case.now()).await;
    let mut table = Table::new();
    for label in &case.labels {
        let entity: serde_json::Map<String, serde_json::Value> = (service.keys.iter())
            .zip(&label.keys)
            .chain(service.request.iter().zip(&label.request))
            .map(|(k, v)| (k.name.clone(), value_to_json(v)))
            .collect();
        let body = serde_json::json!({
            "entities": [entity],
            "at": format_time(label.at).expect("a time"),
        });
        let reply = client::post(
            server.addr,
            &format!("/v1/services/{}", service.name),
            &body,
        )
        .await;
        assert_eq!(reply.status, 200, "{}: {}", case.name, reply.body);
        let json = reply.json();
        let object = &json["features"][0];
        table.push(
            service
                .outputs
                .iter()
                .map(|output| {
                    let value = from_json(&object[&output.name], &output.ty.ty);
                    (output.name.clone(), value)
                })
                .collect(),
        );
    }
    server.stop().await;
    table
}

/// A served JSON value as the value it spells, for comparison with the other engines: numbers
/// by the output's type, decimals and times from their strings.
fn from_json(json: &serde_json::Value, ty: &Type) -> Value {
    use serde_json::Value as Json;
    match (ty, json) {
        (_, Json::Null) => Value::Null,
        (Type::Int, Json::Number(n)) => n.as_i64().map_or(Value::Null, Value::Int),
        (Type::Float, Json::Number(n)) => n.as_f64().map_or(Value::Null, Value::Float),
        (Type::Float, Json::String(s)) => s.parse::<f64>().map_or(Value::Null, Value::Float),
        (Type::Bool, Json::Bool(b)) => Value::Bool(*b),
        (Type::String, Json::String(s)) => Value::String(s.clone()),
        (Type::Timestamp, Json::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map_or(Value::Null, |t| Value::Timestamp(t.timestamp_micros())),
        (Type::Decimal { scale, .. }, Json::String(s)) => decimal(s, *scale),
        (Type::List(item), Json::Array(items)) => {
            Value::List(items.iter().map(|i| from_json(i, item)).collect())
        }
        (ty, json) => panic!("a served `{ty}` as {json}"),
    }
}

/// `"-12.34"` at scale 2 → `Decimal(-1234, 2)`.
fn decimal(text: &str, scale: u8) -> Value {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let frac = format!("{frac:0<width$}", width = usize::from(scale));
    let unscaled: i128 = format!("{int}{frac}").parse().expect("a decimal");
    Value::Decimal(if negative { -unscaled } else { unscaled }, scale)
}
