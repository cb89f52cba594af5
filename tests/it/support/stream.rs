//! The online fixture's events as the Kafka messages a producer would write, and pushing
//! them through the stream operator.

use super::fixture::{self, Event};
use featc::runtime::stream::{Message, Operator};
use featc::types::Value;
use std::collections::BTreeMap;

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
