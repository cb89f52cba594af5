//! Records to one Arrow batch of the log's schema ([`super::schema`]): one row per entity.

use super::record::Record;
use super::schema::{feature_fields, freshness_fields, key_fields, log_schema, request_fields};
use crate::runtime::arrow::schema::UTC;
use crate::runtime::arrow::values_to_array;
use crate::runtime::serve::catalog::ServedService;
use crate::types::Value;
use datafusion::arrow::array::{
    ArrayRef, Int32Builder, RecordBatch, StringBuilder, StructArray, TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::Fields;
use datafusion::error::Result;
use std::sync::Arc;

/// The rows of `records` (all of `service`), in order.
pub fn encode(service: &ServedService, records: &[Record]) -> Result<RecordBatch> {
    let rows: usize = records.iter().map(|r| r.rows.len()).sum();
    let mut request_ids = StringBuilder::with_capacity(rows, rows * 32);
    let mut entities = Int32Builder::with_capacity(rows);
    let mut services = StringBuilder::with_capacity(rows, rows * service.name.len());
    let mut ats = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(UTC);
    let mut served = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(UTC);
    let width = service.keys.len() + service.request.len() + service.outputs.len();
    // one column of values per key, request input and output
    let mut columns: Vec<Vec<Value>> = (0..width).map(|_| Vec::with_capacity(rows)).collect();
    let mut freshness: Vec<TimestampMicrosecondBuilder> = service
        .views
        .iter()
        .map(|_| TimestampMicrosecondBuilder::with_capacity(rows).with_timezone(UTC))
        .collect();
    for record in records {
        for (index, row) in record.rows.iter().enumerate() {
            request_ids.append_value(&record.request_id);
            entities.append_value(i32::try_from(index).unwrap_or(i32::MAX));
            services.append_value(&record.service);
            ats.append_value(record.at);
            served.append_value(record.served_at);
            for (i, column) in columns.iter_mut().enumerate() {
                column.push(row.get(i).cloned().unwrap_or(Value::Null));
            }
            for (i, builder) in freshness.iter_mut().enumerate() {
                builder.append_option(record.freshness.get(i).copied().flatten());
            }
        }
    }
    let keys = service.keys.len();
    let inputs = keys + service.request.len();
    let key_struct = structure(key_fields(service), &columns[..keys])?;
    let feature_struct = structure(feature_fields(service), &columns[inputs..])?;
    let freshness_arrays: Vec<ArrayRef> = freshness
        .iter_mut()
        .map(|b| Arc::new(b.finish()) as ArrayRef)
        .collect();
    let freshness_struct = StructArray::try_new(freshness_fields(service), freshness_arrays, None)?;
    let mut arrays: Vec<ArrayRef> = vec![
        Arc::new(request_ids.finish()),
        Arc::new(entities.finish()),
        Arc::new(services.finish()),
        Arc::new(ats.finish()),
        Arc::new(served.finish()),
        Arc::new(key_struct),
    ];
    if !service.request.is_empty() {
        let request_struct = structure(request_fields(service), &columns[keys..inputs])?;
        arrays.push(Arc::new(request_struct));
    }
    arrays.push(Arc::new(feature_struct));
    arrays.push(Arc::new(freshness_struct));
    let columns = arrays;
    Ok(RecordBatch::try_new(log_schema(service), columns)?)
}

fn structure(fields: Fields, columns: &[Vec<Value>]) -> Result<StructArray> {
    let arrays = fields
        .iter()
        .zip(columns)
        .map(|(field, values)| values_to_array(values, field.data_type()))
        .collect::<Result<Vec<_>>>()?;
    Ok(StructArray::try_new(fields, arrays, None)?)
}
