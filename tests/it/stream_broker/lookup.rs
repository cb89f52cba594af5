//! Both sides of the parity check for a service keyed by one string key: the generated lookup
//! query on the online tables, and `featc training-set` (the binary) on the batch data, for
//! the same (key, time) requests. Each gives one row of output values per request, in order.

use super::events::format_time;
use crate::support::db::refs;
use crate::support::example::run_training_set;
use crate::support::values::read_parquet_rows;
use featc::compile::online::service_lookup;
use featc::physical::postgres_type::PgType;
use featc::plan::Plan;
use featc::runtime::store::codec;
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use std::path::Path;
use tokio_postgres::Client;

pub type Outputs = BTreeMap<String, Value>;

/// The service's lookup statement, run once for all `requests`.
pub async fn lookup(
    client: &Client,
    plan: &Plan,
    service: &str,
    requests: &[(String, Micros)],
) -> Vec<Outputs> {
    let service = plan.service(service).expect("the service");
    assert_eq!(service.keys.len(), 1, "one key");
    let sql = service_lookup(plan, service).expect("the lookup");
    let key_type = PgType::of_type(&service.keys[0].ty.ty).expect("a key type");
    let time_type = PgType::of_type(&Type::Timestamp).expect("timestamptz");
    let keys: Vec<Value> = requests
        .iter()
        .map(|(k, _)| Value::String(k.clone()))
        .collect();
    let times: Vec<Value> = requests.iter().map(|(_, t)| Value::Timestamp(*t)).collect();
    let params = [
        codec::encode_values(&key_type, &keys).expect("the keys"),
        codec::encode_values(&time_type, &times).expect("the times"),
    ];
    let rows = client
        .query(&sql, &refs(&params))
        .await
        .unwrap_or_else(|e| panic!("the lookup: {e:?}"));
    assert_eq!(rows.len(), requests.len(), "one row per request");
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            assert_eq!(row.get::<_, i64>(0), i as i64 + 1, "request order");
            // request_index, the key, then the outputs
            service
                .outputs
                .iter()
                .enumerate()
                .map(|(j, o)| {
                    let value = codec::decode_value(row, 2 + j, &o.ty.ty)
                        .unwrap_or_else(|e| panic!("{}: {e}", o.name));
                    (o.name.clone(), value)
                })
                .collect()
        })
        .collect()
}

/// `featc training-set` for the same requests (a labels CSV of `key_column, observation_ts`),
/// keeping only the service's outputs.
pub fn training_set(
    dir: &Path,
    plan: &Plan,
    service: &str,
    requests: &[(String, Micros)],
) -> Vec<Outputs> {
    let service = plan.service(service).expect("the service");
    let scratch = std::env::temp_dir().join(super::kafka::unique("featc-it-labels"));
    std::fs::create_dir_all(&scratch).expect("a scratch directory");
    let labels = scratch.join("labels.csv");
    let mut csv = format!("{},observation_ts\n", service.keys[0].name);
    for (key, t) in requests {
        csv.push_str(&format!("{key},{}\n", format_time(*t)));
    }
    std::fs::write(&labels, csv).expect("the labels");
    let out = scratch.join("training.parquet");
    run_training_set(dir, &service.name, &labels, &out, &[]);
    let rows = read_parquet_rows(&out);
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(rows.len(), requests.len(), "one training row per label");
    rows.into_iter()
        .map(|mut row| {
            service
                .outputs
                .iter()
                .map(|o| {
                    let value = row
                        .remove(&o.name)
                        .unwrap_or_else(|| panic!("no column {}", o.name));
                    (o.name.clone(), value)
                })
                .collect()
        })
        .collect()
}
