//! Diagnostics: the right code, where the user looks, and no cascade.

use super::{codes, diagnostics_with, run};
use crate::diagnostic::Diagnostic;

fn only(diagnostics: &[Diagnostic]) -> &Diagnostic {
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    &diagnostics[0]
}

#[test]
fn an_unknown_column_is_one_error_with_a_suggestion_and_no_type_error() {
    let d = diagnostics_with(
        r#"
features f on user from events {
  window lifetime
  total = sum(amont * 2) where amont > 0
}
"#,
    );
    // one for the argument, one for the filter; neither cascades into a type error
    assert_eq!(codes(&d), ["E0203", "E0203"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `amount`?"));
    assert!(!d[0].secondary.is_empty(), "labels the input's declaration");
}

#[test]
fn sum_of_a_string_points_at_the_column_declaration() {
    let (sources, _, d) = run(&[(
        "p.feat",
        &format!(
            "{}\nfeatures f on user from events {{\n  window lifetime\n  total = sum(event_type)\n}}\n",
            super::BASE
        ),
    )]);
    let d = only(&d);
    assert_eq!(d.code.0, "E0302");
    assert_eq!(d.message, "`sum` cannot aggregate `string` values");
    let declared = &d.secondary[0];
    assert_eq!(sources.snippet(declared.span), "string");
    let help = d.help.as_deref().unwrap_or_default();
    assert!(
        help.starts_with("`sum` takes int, float or decimal"),
        "{help}"
    );
    assert!(help.contains("`amount` (float)"), "{help}");
}

#[test]
fn cycles_are_named() {
    let d = diagnostics_with(
        r#"
features f on user from events {
  window lifetime
  n = count(*)
  a = b + n
  b = a * 2
  c = a + 1
}
"#,
    );
    let d = only(&d);
    assert_eq!(d.code.0, "E0210");
    assert!(d.message.ends_with("a → b → a"), "{}", d.message);
}

#[test]
fn input_columns_outside_aggregates_are_rejected_with_a_rewrite() {
    let d = diagnostics_with(
        r#"
features f on user from events {
  window lifetime
  n = count(*)
  doubled = amount * 2
  mixed = n + qty
}
"#,
    );
    assert_eq!(codes(&d), ["E0312", "E0314"]);
    assert_eq!(
        d[0].help.as_deref(),
        Some("view `f` aggregates events: wrap it in an aggregate, e.g. `sum(amount * 2)`")
    );
}

#[test]
fn aggregates_inside_expressions_suggest_a_feature_of_their_own() {
    let d = diagnostics_with(
        r#"
features f on user from events {
  window lifetime
  x = sum(amount) * 2
}
"#,
    );
    let d = only(&d);
    assert_eq!(d.code.0, "E0307");
    assert_eq!(
        d.help.as_deref(),
        Some(
            "declare each aggregate as a feature of its own (`sum_amount = sum(amount)`) and derive from it: `x = sum_amount * 2`"
        )
    );
}

#[test]
fn an_aggregate_that_is_already_a_feature_is_reused_in_the_rewrite() {
    let d = diagnostics_with(
        r#"
features f on user from events {
  window lifetime
  events = count(*)
  avg_amount = sum(amount) / count( * )
}
"#,
    );
    let d = only(&d);
    assert_eq!(d.code.0, "E0307");
    assert_eq!(d.secondary.len(), 1, "the second aggregate is labelled");
    assert_eq!(
        d.help.as_deref(),
        Some(
            "declare each aggregate as a feature of its own (`sum_amount = sum(amount)`) and derive from it: `avg_amount = sum_amount / events`"
        )
    );
}

#[test]
fn window_rules() {
    let d = diagnostics_with(
        r#"
features a on user from events {
  window sliding(1h, 7m)
  n = count(*) over rolling(1d)
}
features b on user from events {
  window rolling(1d, hop 7h)
  n = count(*) over tumbling(1h)
}
features c on user from events {
  n = count(*)
}
features d on user from profile {
  window lifetime
  country
}
"#,
    );
    assert_eq!(
        codes(&d),
        ["E0401", "E0403", "E0402", "E0406", "E0404", "E0405"]
    );
    assert_eq!(
        d[0].help.as_deref(),
        Some("each value covers a whole number of slides; e.g. `sliding(1h, 5m)`")
    );
}

#[test]
fn every_declaration_shares_one_namespace() {
    let (_, plan, d) = run(&[
        ("a.feat", "entity user { key id: string }\n"),
        (
            "b.feat",
            "source user { schema { id: string  at: timestamp } event_time at }\n",
        ),
    ]);
    assert!(plan.is_none());
    let d = only(&d);
    assert_eq!(d.code.0, "E0207");
    assert_eq!(d.message, "the name `user` is already used by an entity");
}

#[test]
fn keys_must_match_in_name_type_and_nullability() {
    let d = diagnostics_with(
        r#"
entity account {
  key account_id: string
}
entity quantity {
  key qty: string
}
entity noted {
  key note: string
}
features a on account from events {
  window lifetime
  n = count(*)
}
features b on quantity from events {
  window lifetime
  n = count(*)
}
features c on noted from events {
  window lifetime
  n = count(*)
}
"#,
    );
    assert_eq!(codes(&d), ["E0211", "E0306", "E0306"]);
    assert!(d[2].message.contains("may be null"), "{}", d[2].message);
}

#[test]
fn unknown_names_in_services() {
    let d = diagnostics_with(
        r#"
features activity on user from events {
  window lifetime
  n = count(*)
}
service s {
  include activty.*
  include activity.m
  x = activity.n + nope
}
"#,
    );
    assert_eq!(codes(&d), ["E0212", "E0204", "E0204"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `activity`?"));
}

#[test]
fn never_panics_on_half_written_projects() {
    // a view over nothing, a service over nothing, unknown types: errors, no panic
    let (_, plan, d) = run(&[(
        "p.feat",
        "features v on nobody from nothing { window lifetime\n x = count(*) }\nservice s { include v.x }\nsource s2 { schema { a: strin } }\n",
    )]);
    assert!(plan.is_none());
    assert!(codes(&d).contains(&"E0201"));
    assert!(codes(&d).contains(&"E0206"));
}
