//! The sweep: how `featc materialize` and `featc training-set` compute windowed aggregates
//! fast, with the same values as the generated statements (`docs/batch.md`, "How the runtime
//! executes the statements").
//!
//! The artifacts stay the simple, exact SQL. Their slow part is the aggregation: a sliding
//! view's statement copies every event into each of its `size / slide` windows before a
//! hash aggregate, and a training set's rolling window joins each label with every event of
//! its key in the window. The sweep computes the same aggregates another way:
//!
//! 1. DataFusion reads the events with each aggregate's argument and predicate evaluated
//!    ([`inputs`]), and, for a training set, the labels' distinct (keys, `T`);
//! 2. keys become dense ids ([`intern`]) and events are sorted by (key, time) ([`events`]), so
//!    that every window — a tumbling or sliding window, a rolling window
//!    `[floor(T − settle, hop) − size, T − settle)`, a lifetime — is a contiguous range of one
//!    key's events ([`crate::plan::Window::range_at`] gives its bounds);
//! 3. each aggregate is computed over all windows, in (key, time) order, at O(1) amortized
//!    per window where its algebra allows ([`aggregate`]);
//! 4. the aggregates are registered as a table, and the rest — derived features, window
//!    bounds, the join to the labels, the order — is the artifact's own final `SELECT`
//!    ([`crate::compile::batch::view_sql::window_rows_sql`],
//!    [`crate::compile::batch::training::training_sql_with`]).
//!
//! Values are `crate::agg`'s: states are finished by [`crate::agg::State::finish`], and the
//! strategies that avoid folding every window only regroup the same events (float sums and
//! moments may round differently in the last bits, as any regrouping does; see
//! [`aggregate`]).

mod aggregate;
mod batches;
mod events;
mod hash;
mod inputs;
mod intern;
mod run;

pub use run::{materialize, training_set};

use crate::plan::{View, ViewKind, Window};

/// Whether `featc materialize` sweeps this view (tumbling and sliding views); the others run
/// their statement.
pub fn sweeps_materialization(view: &View) -> bool {
    matches!(
        view.kind,
        ViewKind::Windowed {
            window: Window::Tumbling { .. } | Window::Sliding { .. }
        }
    )
}
