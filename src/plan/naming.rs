//! The only place physical names are made: online tables' bookkeeping tables, state columns,
//! materialized columns. Names come from meaning, never from counters, and always fit the
//! Postgres identifier limit (63 bytes) — Postgres would silently truncate a longer one, and
//! two truncated names could collide.

use sha2::{Digest, Sha256};

/// Postgres truncates identifiers beyond this many bytes.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// Per-partition consumed offsets, written in the same transaction as the state they produced.
pub const OFFSETS_TABLE: &str = "featc_offsets";
/// Messages that are not JSON or do not fit the schema.
pub const DEAD_LETTER_TABLE: &str = "featc_dead_letters";
/// Events older than the online retention: recorded, not merged.
pub const LATE_EVENTS_TABLE: &str = "featc_late_events";
/// Up to which event time each view's online state is complete.
pub const WATERMARKS_TABLE: &str = "featc_watermarks";

/// Columns of a materialized tumbling/sliding view after the keys (docs/language.md#windows-and-point-in-time-semantics).
pub const WINDOW_START: &str = "window_start";
pub const WINDOW_END: &str = "window_end";
pub const FEATURE_TS: &str = "feature_ts";

/// Online tile tables: the first event time a tile covers, and its granularity in µs.
pub const TILE_START: &str = "tile_start";
pub const TILE_GRANULARITY: &str = "tile_us";

/// Online table views: when the row came into force and when it was written.
pub const VALID_FROM: &str = "valid_from";
pub const KNOWN_AT: &str = "known_at";

/// `base__suffix`, shortened with a stable hash when it would exceed 63 bytes.
pub fn joined(base: &str, suffix: &str) -> String {
    fit(&format!("{base}__{suffix}"))
}

/// The name of the column that holds one field of a feature's partial state.
pub fn state_column(feature: &str, field_suffix: &str) -> String {
    joined(feature, field_suffix)
}

/// Returns `name` unchanged if it fits, else its first bytes plus `_` and 8 hex digits of its
/// SHA-256, cut at a character boundary, so distinct long names stay distinct.
pub fn fit(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_BYTES {
        return name.to_string();
    }
    let digest = Sha256::digest(name.as_bytes());
    let tag: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    let mut keep = MAX_IDENTIFIER_BYTES - tag.len() - 1;
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{tag}", &name[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_shortened_deterministically_and_stay_distinct() {
        let a = "a".repeat(60);
        let x = joined(&a, "count");
        let y = joined(&a, "sum");
        assert!(x.len() <= MAX_IDENTIFIER_BYTES && y.len() <= MAX_IDENTIFIER_BYTES);
        assert_ne!(x, y);
        assert_eq!(x, joined(&a, "count"));
        assert_eq!(joined("revenue_1h", "sum"), "revenue_1h__sum");
    }
}
