//! The window rule of docs/language.md#windows-and-point-in-time-semantics, written once for
//! every independent evaluator (the point-in-time oracle in `pit/` and the online tests' naive
//! reading in `support/naive.rs`) and the tests' own tile arithmetic. Independent of featc's
//! `plan::window`: it is the side featc is checked against.

use std::ops::Range;

/// A window, with its sizes in microseconds (docs/language.md#windows-and-point-in-time-semantics).
#[derive(Clone, Copy, Debug)]
pub enum Window {
    Tumbling { size: i64 },
    Sliding { size: i64, slide: i64 },
    Rolling { size: i64, hop: i64 },
    Lifetime,
}

/// "`floor(T, d)` is the greatest multiple of `d` that is ≤ T" (also before 1970).
pub fn floor(t: i64, d: i64) -> i64 {
    t - t.rem_euclid(d)
}

/// The half-open range `[start, end)` of event times a window holds for the value at `as_of`
/// (already T − settle: "With `settle S` on the source, read T − S for T everywhere").
pub fn window_range(window: Window, as_of: i64) -> Range<i64> {
    match window {
        // "`tumbling(size)` | events in `[e − size, e)` where `e = floor(T, size)`"
        Window::Tumbling { size } => {
            let e = floor(as_of, size);
            e - size..e
        }
        // "`sliding(size, slide)` | events in `[e − size, e)` where `e = floor(T, slide)`"
        Window::Sliding { size, slide } => {
            let e = floor(as_of, slide);
            e - size..e
        }
        // "`rolling(size, hop h)` | events in `[floor(T, h) − size, T)`"
        Window::Rolling { size, hop } => floor(as_of, hop) - size..as_of,
        // "`lifetime` | events with event time `< T`"
        Window::Lifetime => i64::MIN..as_of,
    }
}
