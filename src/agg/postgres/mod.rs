//! The states' SQL twin in Postgres, generated from the same definitions as the Rust states:
//!
//! - [`merge`]: how the online upsert merges a stored field with an incoming one, one arm per
//!   [`MergeRule`](super::MergeRule) (the twin of `State::merge`);
//! - [`fold`]: how a lookup folds the tiles of a window into one state and finishes it into
//!   the feature's value, per aggregate (the twin of merging `State`s and `State::finish`).
//!
//! Both work on field *suffixes* (`sum`, `ts`, `values`, ...); the caller says how a suffix is
//! spelled as a column of the stored row, the incoming row or a tile (`naming` and quoting are
//! the online compiler's business). The arithmetic merges call the `featc_*` functions of the
//! online bookkeeping DDL, which the upserts and lookups share, so a rule is written once in
//! SQL. Tests against a real Postgres check every rule against the Rust states bit for bit.

pub mod fold;
pub mod merge;

use crate::types::Type;

/// `COLLATE "C"` for an ordering over values of `ty` (strings, and lists of strings), or
/// nothing: states order strings by their UTF-8 bytes, and Postgres agrees only under the `C`
/// collation. Orderings say so explicitly rather than trusting how a column was created.
pub fn order_collation(ty: &Type) -> &'static str {
    match ty {
        Type::String => " COLLATE \"C\"",
        Type::List(item) => order_collation(item),
        _ => "",
    }
}
