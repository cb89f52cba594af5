//! Windows as written → [`Window`]: durations positive (E0103), a sliding window's size a
//! multiple of its slide (E0401), a rolling window's hop dividing its size (E0402), the default
//! hop from [`crate::plan::window::default_hop`].

use super::context::Cx;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Window;
use crate::plan::window::default_hop;
use crate::syntax::ast::{DurationLit, WindowExpr, WindowExprKind};
use crate::types::{
    MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, Micros, format_duration,
};

/// Durations people pick for slides and hops, smallest first: suggestions come from here.
const ROUND_DURATIONS: [Micros; 17] = [
    MICROS_PER_SECOND,
    5 * MICROS_PER_SECOND,
    10 * MICROS_PER_SECOND,
    15 * MICROS_PER_SECOND,
    30 * MICROS_PER_SECOND,
    MICROS_PER_MINUTE,
    5 * MICROS_PER_MINUTE,
    10 * MICROS_PER_MINUTE,
    15 * MICROS_PER_MINUTE,
    30 * MICROS_PER_MINUTE,
    MICROS_PER_HOUR,
    2 * MICROS_PER_HOUR,
    3 * MICROS_PER_HOUR,
    6 * MICROS_PER_HOUR,
    12 * MICROS_PER_HOUR,
    MICROS_PER_DAY,
    7 * MICROS_PER_DAY,
];

/// The window, or `None` when it was reported.
pub(crate) fn lower_window(cx: &mut Cx, window: &WindowExpr) -> Option<Window> {
    match &window.kind {
        WindowExprKind::Tumbling { size } => {
            positive(cx, size)?;
            Some(Window::Tumbling { size: size.micros })
        }
        WindowExprKind::Sliding { size, slide } => {
            let (size_ok, slide_ok) = (positive(cx, size), positive(cx, slide));
            size_ok?;
            slide_ok?;
            let (size_us, slide_us) = (size.micros, slide.micros);
            if size_us % slide_us != 0 {
                let message = if slide_us > size_us {
                    format!(
                        "the slide {} of a sliding window is longer than its size {}",
                        format_duration(slide_us),
                        format_duration(size_us)
                    )
                } else {
                    format!(
                        "the size {} of a sliding window is not a multiple of its slide {}",
                        format_duration(size_us),
                        format_duration(slide_us)
                    )
                };
                let help = match divisor_at_most(size_us, slide_us) {
                    Some(d) => format!(
                        "each value covers a whole number of slides; e.g. `sliding({}, {})`",
                        format_duration(size_us),
                        format_duration(d)
                    ),
                    None => "each value covers a whole number of slides: pick a slide that divides the size".to_string(),
                };
                cx.report(
                    Diagnostic::error(Code::SLIDE_NOT_DIVISOR, message)
                        .at(
                            slide.span,
                            format!("does not divide {}", format_duration(size_us)),
                        )
                        .with_help(help),
                );
                return None;
            }
            Some(Window::Sliding {
                size: size_us,
                slide: slide_us,
            })
        }
        WindowExprKind::Rolling { size, hop } => {
            let size_ok = positive(cx, size);
            let hop_ok = hop.as_ref().map(|h| positive(cx, h));
            size_ok?;
            let hop_us = match (hop, hop_ok) {
                (Some(h), Some(Some(()))) => h.micros,
                (Some(_), _) => return None,
                (None, _) => default_hop(size.micros),
            };
            if let Some(hop) = hop
                && size.micros % hop_us != 0
            {
                let help = match divisor_at_most(size.micros, hop_us) {
                    Some(d) => format!(
                        "the window's tail moves by whole hops; e.g. `rolling({}, hop {})`",
                        format_duration(size.micros),
                        format_duration(d)
                    ),
                    None => {
                        "the window's tail moves by whole hops: pick a hop that divides the size"
                            .to_string()
                    }
                };
                cx.report(
                    Diagnostic::error(
                        Code::HOP_NOT_DIVISOR,
                        format!(
                            "the hop {} of a rolling window does not divide its size {}",
                            format_duration(hop_us),
                            format_duration(size.micros)
                        ),
                    )
                    .at(
                        hop.span,
                        format!("does not divide {}", format_duration(size.micros)),
                    )
                    .with_help(help),
                );
                return None;
            }
            Some(Window::Rolling {
                size: size.micros,
                hop: hop_us,
            })
        }
        WindowExprKind::Lifetime => Some(Window::Lifetime),
    }
}

/// The spelling of a window's shape, for messages: `sliding(1h, 15m)`.
pub(crate) fn shape_name(window: &WindowExpr) -> &'static str {
    match window.kind {
        WindowExprKind::Tumbling { .. } => "tumbling",
        WindowExprKind::Sliding { .. } => "sliding",
        WindowExprKind::Rolling { .. } => "rolling",
        WindowExprKind::Lifetime => "lifetime",
    }
}

fn positive(cx: &mut Cx, duration: &DurationLit) -> Option<()> {
    if duration.micros > 0 {
        return Some(());
    }
    cx.report(
        Diagnostic::error(Code::BAD_DURATION, "a window's durations must be positive")
            .at(duration.span, "not positive")
            .with_help("write a positive duration such as `15m`, `1h` or `7d`"),
    );
    None
}

/// The largest round duration that divides `size` and is at most `limit`.
fn divisor_at_most(size: Micros, limit: Micros) -> Option<Micros> {
    ROUND_DURATIONS
        .iter()
        .rev()
        .copied()
        .find(|&d| d <= limit && size % d == 0)
}
