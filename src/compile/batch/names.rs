//! Names the batch statements use besides the plan's own: the runner's contract (`labels`,
//! `__featc_at`, `__featc_row`), internal columns, and the names of common table expressions.
//!
//! Internal columns start with `__featc_`; CTEs that belong to a view are called
//! `"<view>:<role>"` — a `:` cannot occur in a `.feat` identifier, so a CTE never shadows a
//! source, table or view of the project.

/// The table of training labels the runner registers.
pub const LABELS: &str = "labels";
/// The labels' timestamp column (`--at COL`), which the runner copies to this name as a
/// `Timestamp(Microsecond, "UTC")`.
pub const AT: &str = "__featc_at";
/// The labels' row number in input order (0, 1, ...), added by the runner.
pub const ROW: &str = "__featc_row";

/// An event's time in microseconds since the epoch.
pub const TIME: &str = "__featc_time";
/// The end of a window (exclusive), in microseconds.
pub const WINDOW_END: &str = "__featc_window_end";
/// The start of a tile, in microseconds.
pub const TILE_START: &str = "__featc_tile_start";
/// `T − settle` for a label time `T`, in microseconds.
pub const AS_OF: &str = "__featc_as_of";
/// The offset of a window or tile among those an event or label touches (1, 2, ...), a
/// column of the relation `o`.
pub const OFFSET: &str = "n";
pub const OFFSET_RELATION: &str = "o";
/// 1 for the row in force, in a ranking of a table's rows.
pub const RANK: &str = "__featc_rank";

/// The name of a CTE playing `role` for `view`: `"user_activity:events"`.
pub fn cte(view: &str, role: &str) -> String {
    format!("{view}:{role}")
}
