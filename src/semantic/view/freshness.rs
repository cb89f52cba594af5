//! The freshness ladder of a view (docs/language.md#freshness): `refresh every CADENCE`,
//! `refresh snapshot every CADENCE`, `refresh continuous`, `offline only`, at most one of them
//! (E0214). `continuous` needs an input with a `stream` (E0213); a cron cadence has five valid
//! fields (E0407); an `every` cadence of a tumbling or sliding view is not finer than its slide,
//! since no new window closes in between (E0407); `offline only` has no `online` clause (E0214).

use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Cadence, Freshness, Window};
use crate::semantic::context::Cx;
use crate::semantic::input::InputInfo;
use crate::source::Span;
use crate::syntax::ast::{CadenceDecl, FeaturesDecl, RefreshDecl, ViewItem};
use crate::types::format_duration;

pub(super) fn lower(
    cx: &mut Cx,
    view: &FeaturesDecl,
    input: Option<&InputInfo>,
    window: Option<&Window>,
) -> Freshness {
    let mut declared: Option<(Freshness, Span)> = None;
    let online = view.items.iter().find_map(|item| match item {
        ViewItem::Online(decl) => Some(decl.span),
        _ => None,
    });
    for item in &view.items {
        let (freshness, span) = match item {
            ViewItem::Refresh { refresh, span } => {
                (refresh_of(cx, view, refresh, input, window, *span), *span)
            }
            ViewItem::OfflineOnly { span } => {
                if let Some(online) = online {
                    cx.report(
                        Diagnostic::error(
                            Code::MISPLACED_CLAUSE,
                            format!("view `{}` is `offline only` but has an `online` table", view.name.name),
                        )
                        .at(*span, "no online copy")
                        .with_label(online, "an online table")
                        .with_help("remove one of them: `offline only` views are read by training sets, never served"),
                    );
                }
                (Some(Freshness::OfflineOnly), *span)
            }
            _ => continue,
        };
        if let Some((_, first)) = &declared {
            cx.report(
                Diagnostic::error(
                    Code::MISPLACED_CLAUSE,
                    format!("view `{}` says twice how it is kept fresh", view.name.name),
                )
                .at(span, "again here")
                .with_label(*first, "first here")
                .with_help("keep one `refresh ...` or `offline only`"),
            );
            continue;
        }
        declared = Some((freshness.unwrap_or_default(), span));
    }
    declared.map(|(f, _)| f).unwrap_or_default()
}

fn refresh_of(
    cx: &mut Cx,
    view: &FeaturesDecl,
    refresh: &RefreshDecl,
    input: Option<&InputInfo>,
    window: Option<&Window>,
    span: Span,
) -> Option<Freshness> {
    let (snapshot, cadence) = match refresh {
        RefreshDecl::Continuous => {
            if let Some(input) = input
                && !input.streamed
            {
                cx.report(
                    Diagnostic::error(
                        Code::MISSING_CLAUSE,
                        format!("view `{}` is refreshed continuously, but `{}` has no stream", view.name.name, input.name.name),
                    )
                    .at(span, "needs a Kafka stream")
                    .with_label(input.name.span, "declared without `stream`")
                    .with_help(format!(
                        "add `stream kafka \"TOPIC\" format json` to `{}`, or refresh on a cadence: `refresh every 5m`",
                        input.name.name
                    )),
                );
                return None;
            }
            return Some(Freshness::Continuous);
        }
        RefreshDecl::Every { snapshot, cadence } => (*snapshot, cadence),
    };
    let cadence = match cadence {
        CadenceDecl::Interval(every) => {
            let slide = match window {
                Some(Window::Tumbling { size }) => Some(*size),
                Some(Window::Sliding { slide, .. }) => Some(*slide),
                _ => None,
            };
            if let Some(slide) = slide
                && every.micros < slide
            {
                cx.report(
                    Diagnostic::error(
                        Code::BAD_CADENCE,
                        format!(
                            "view `{}` is refreshed every {}, but its windows close every {}",
                            view.name.name,
                            format_duration(every.micros),
                            format_duration(slide)
                        ),
                    )
                    .at(every.span, "finer than the slide")
                    .with_help(format!(
                        "no window closes in between: refresh every {} (or a multiple of it)",
                        format_duration(slide)
                    )),
                );
                return None;
            }
            Cadence::Interval(every.micros)
        }
        CadenceDecl::Cron(text) => {
            if let Err(why) = check_cron(&text.value) {
                cx.report(
                    Diagnostic::error(
                        Code::BAD_CADENCE,
                        format!("\"{}\" is not a cron expression: {why}", text.value),
                    )
                    .at(text.span, "not a cron expression")
                    .with_help("five fields in UTC: minute hour day-of-month month day-of-week, e.g. \"*/15 * * * *\" or \"0 6 * * 1-5\""),
                );
                return None;
            }
            Cadence::Cron(text.value.clone())
        }
    };
    Some(if snapshot {
        Freshness::Snapshot { cadence }
    } else {
        Freshness::Every { cadence }
    })
}

/// Checks a five-field cron expression: each field `*`, a number, a range `a-b`, a list of
/// those, each optionally stepped (`*/15`, `0-30/5`), within the field's bounds.
pub fn check_cron(text: &str) -> Result<(), String> {
    const FIELDS: [(&str, u32, u32); 5] = [
        ("minute", 0, 59),
        ("hour", 0, 23),
        ("day of month", 1, 31),
        ("month", 1, 12),
        ("day of week", 0, 7),
    ];
    let fields: Vec<&str> = text.split_whitespace().collect();
    if fields.len() != FIELDS.len() {
        return Err(format!("it has {} fields, not 5", fields.len()));
    }
    for (field, (name, low, high)) in fields.iter().zip(FIELDS) {
        for part in field.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => (range, Some(step)),
                None => (part, None),
            };
            if let Some(step) = step
                && step.parse::<u32>().map_or(true, |s| s == 0)
            {
                return Err(format!("the {name} step `{step}` is not a positive number"));
            }
            if range == "*" {
                continue;
            }
            let bounds: Vec<&str> = range.split('-').collect();
            if bounds.len() > 2 {
                return Err(format!("the {name} `{part}` is not a number or a range"));
            }
            let mut values = Vec::new();
            for bound in bounds {
                match bound.parse::<u32>() {
                    Ok(v) if (low..=high).contains(&v) => values.push(v),
                    _ => return Err(format!("the {name} `{bound}` is not in {low}–{high}")),
                }
            }
            if values.len() == 2 && values[0] > values[1] {
                return Err(format!("the {name} range `{range}` runs backwards"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_cron;

    #[test]
    fn cron_expressions_are_checked_field_by_field() {
        for good in [
            "* * * * *",
            "*/15 * * * *",
            "0 6 * * 1-5",
            "0,30 0-23/2 1 1,6,12 7",
        ] {
            assert_eq!(check_cron(good), Ok(()), "{good}");
        }
        let bad = [
            ("* * * *", "4 fields"),
            ("60 * * * *", "minute `60` is not in 0–59"),
            ("* 24 * * *", "hour `24`"),
            ("* * 0 * *", "day of month `0`"),
            ("*/0 * * * *", "step `0`"),
            ("* * * 5-2 *", "runs backwards"),
            ("* * * * mon", "day of week `mon`"),
        ];
        for (text, why) in bad {
            let error = check_cron(text).expect_err(text);
            assert!(error.contains(why), "{text}: {error}");
        }
    }
}
