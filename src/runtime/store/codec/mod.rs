//! Values to and from the online tables: a column of values as one bind parameter (an array,
//! see [`crate::physical::Wire`]) for the upserts and lookups, and result cells back to values.
//! Used by the writers (stream, publish), serving and the tests.

mod decode;
mod encode;

pub use decode::{Numeric, decode_field, decode_value};
pub use encode::{encode_fields, encode_values};

/// A boxed bind parameter.
pub type Param = Box<dyn tokio_postgres::types::ToSql + Sync + Send>;

/// Days from 0001-01-01 (chrono's day 1) to 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("a {column} column cannot hold {found}")]
    WrongValue { column: String, found: String },
    #[error("{0} is out of range")]
    OutOfRange(String),
    #[error(transparent)]
    Postgres(#[from] tokio_postgres::Error),
}
