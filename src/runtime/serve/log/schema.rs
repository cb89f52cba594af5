//! The columns and key-value metadata of a service's log files, shared by the writer and
//! the reader.
//!
//! | column | type |
//! |---|---|
//! | `request_id` | string |
//! | `entity` | int32: the entity's index in the request |
//! | `service` | string |
//! | `at` | timestamp (µs, UTC): the request time |
//! | `served_at` | timestamp (µs, UTC): the server's clock when it answered |
//! | `keys` | struct: the service's keys, by name, in their types |
//! | `request` | struct: the request inputs as sent, by name (only for a service that has some) |
//! | `features` | struct: the outputs as served, by name (null where served null) |
//! | `freshness` | struct: per view, its `complete_until` as served (null: none recorded) |
//!
//! Structs keep the groups apart whatever the keys, inputs, outputs and views are named.

use crate::plan::Plan;
use crate::runtime::arrow::schema::{arrow_type, timestamp_type};
use crate::runtime::serve::catalog::ServedService;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef};
use std::collections::BTreeMap;
use std::sync::Arc;

pub const REQUEST_ID: &str = "request_id";
pub const ENTITY: &str = "entity";
pub const SERVICE: &str = "service";
pub const AT: &str = "at";
pub const SERVED_AT: &str = "served_at";
pub const KEYS: &str = "keys";
pub const REQUEST: &str = "request";
pub const FEATURES: &str = "features";
pub const FRESHNESS: &str = "freshness";

/// Metadata keys.
pub const META_FORMAT: &str = "featc.log_format";
pub const META_SERVICE: &str = "featc.service";
pub const META_FINGERPRINTS: &str = "featc.fingerprints";
/// The version of the layout above; a reader refuses files of another.
pub const FORMAT_VERSION: &str = "1";

pub fn key_fields(service: &ServedService) -> Fields {
    service
        .keys
        .iter()
        .map(|k| Field::new(&k.name, arrow_type(&k.ty.ty), true))
        .collect()
}

pub fn request_fields(service: &ServedService) -> Fields {
    service
        .request
        .iter()
        .map(|k| Field::new(&k.name, arrow_type(&k.ty.ty), true))
        .collect()
}

pub fn feature_fields(service: &ServedService) -> Fields {
    service
        .outputs
        .iter()
        .map(|(name, ty)| Field::new(name, arrow_type(ty), true))
        .collect()
}

pub fn freshness_fields(service: &ServedService) -> Fields {
    service
        .views
        .iter()
        .map(|v| Field::new(&v.name, timestamp_type(), true))
        .collect()
}

/// The schema of `service`'s log files.
pub fn log_schema(service: &ServedService) -> SchemaRef {
    let mut fields = vec![
        Field::new(REQUEST_ID, DataType::Utf8, false),
        Field::new(ENTITY, DataType::Int32, false),
        Field::new(SERVICE, DataType::Utf8, false),
        Field::new(AT, timestamp_type(), false),
        Field::new(SERVED_AT, timestamp_type(), false),
        Field::new(KEYS, DataType::Struct(key_fields(service)), false),
    ];
    if !service.request.is_empty() {
        fields.push(Field::new(
            REQUEST,
            DataType::Struct(request_fields(service)),
            false,
        ));
    }
    fields.push(Field::new(
        FEATURES,
        DataType::Struct(feature_fields(service)),
        false,
    ));
    fields.push(Field::new(
        FRESHNESS,
        DataType::Struct(freshness_fields(service)),
        false,
    ));
    Arc::new(Schema::new(fields))
}

/// Each output's fingerprint, by name: what a log file's values were computed by.
pub fn fingerprints(plan: &Plan, service: &str) -> BTreeMap<String, String> {
    plan.service(service)
        .map(|s| {
            s.outputs
                .iter()
                .map(|o| (o.name.clone(), o.fingerprint.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The key-value metadata of `service`'s log files.
pub fn metadata(plan: &Plan, service: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (META_FORMAT.to_string(), FORMAT_VERSION.to_string()),
        (META_SERVICE.to_string(), service.to_string()),
        (
            META_FINGERPRINTS.to_string(),
            serde_json::to_string(&fingerprints(plan, service)).unwrap_or_default(),
        ),
        (
            "featc.version".to_string(),
            env!("CARGO_PKG_VERSION").to_string(),
        ),
        ("featc.plan_version".to_string(), plan.version.to_string()),
    ])
}
