//! The example project at the top of docs/language.md.

use super::{LANGUAGE_EXAMPLE, features_of, parse_clean, sexpr, type_string};
use crate::syntax::ast::{Clause, Decl, IncludeTarget, ServiceItem, ViewItem, WindowExprKind};
use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE};

#[test]
fn every_declaration_parses_in_order() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let names: Vec<(&str, &str)> = file
        .decls
        .iter()
        .map(|decl| {
            let kind = match decl {
                Decl::Entity(_) => "entity",
                Decl::Source(_) => "source",
                Decl::Table(_) => "table",
                Decl::Features(_) => "features",
                Decl::Service(_) => "service",
            };
            (kind, decl.name().name.as_str())
        })
        .collect();
    assert_eq!(
        names,
        vec![
            ("entity", "user"),
            ("source", "events"),
            ("table", "user_profile"),
            ("features", "user_activity"),
            ("features", "user_profile_features"),
            ("features", "user_spend"),
            ("service", "churn_model"),
        ]
    );
}

#[test]
fn the_source_has_its_schema_and_clauses() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Source(events) = &file.decls[1] else {
        panic!("not a source: {:?}", file.decls[1]);
    };
    let keywords: Vec<&str> = events.clauses.iter().map(Clause::keyword).collect();
    assert_eq!(keywords, vec!["schema", "event_time", "batch", "stream"]);
    let Clause::Schema { fields, .. } = &events.clauses[0] else {
        panic!("not a schema");
    };
    let columns: Vec<(String, String)> = fields
        .iter()
        .map(|f| (f.name.name.clone(), type_string(&f.ty)))
        .collect();
    let expected = [
        ("user_id", "string"),
        ("event_type", "string"),
        ("product_id", "string?"),
        ("revenue", "float?"),
        ("session_id", "string?"),
        ("platform", "string?"),
        ("event_ts", "timestamp"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(columns, expected);
    match &events.clauses[2] {
        Clause::Batch {
            format, location, ..
        } => {
            assert_eq!(format.name, "parquet");
            assert_eq!(location.value, "data/events");
        }
        other => panic!("not a batch clause: {other:?}"),
    }
    match &events.clauses[3] {
        Clause::Stream {
            kind,
            topic,
            format,
            ..
        } => {
            assert_eq!(
                (
                    kind.name.as_str(),
                    topic.value.as_str(),
                    format.name.as_str()
                ),
                ("kafka", "user-events", "json")
            );
        }
        other => panic!("not a stream clause: {other:?}"),
    }
}

#[test]
fn the_table_has_key_and_valid_from() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Table(profile) = &file.decls[2] else {
        panic!("not a table");
    };
    let keywords: Vec<&str> = profile.clauses.iter().map(Clause::keyword).collect();
    assert_eq!(keywords, vec!["schema", "key", "valid_from", "batch"]);
    match &profile.clauses[1] {
        Clause::Key { columns, .. } => assert_eq!(columns[0].name, "user_id"),
        other => panic!("{other:?}"),
    }
    match &profile.clauses[2] {
        Clause::ValidFrom { column, .. } => assert_eq!(column.name, "updated_at"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_activity_view_has_a_sliding_window_filters_and_a_derived_feature() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Features(view) = &file.decls[3] else {
        panic!("not a view");
    };
    assert_eq!(view.entity.name, "user");
    assert_eq!(view.from.name, "events");
    let ViewItem::Window(window) = &view.items[0] else {
        panic!("the first item is not the window");
    };
    match &window.kind {
        WindowExprKind::Sliding { size, slide } => {
            assert_eq!(size.micros, MICROS_PER_HOUR);
            assert_eq!(slide.micros, 15 * MICROS_PER_MINUTE);
        }
        other => panic!("{other:?}"),
    }
    let ViewItem::Online(online) = view.items.last().expect("items") else {
        panic!("the last item is not `online`");
    };
    assert_eq!(online.store.name, "postgres");
    assert_eq!(
        online.table.as_ref().map(|t| t.value.as_str()),
        Some("user_activity_features")
    );
    assert_eq!(online.retain, None);

    let features = features_of(&file);
    let lines: Vec<(String, String, Option<String>)> = features
        .iter()
        .take(7)
        .map(|f| {
            (
                f.name.name.clone(),
                f.value.as_ref().map(sexpr).unwrap_or_default(),
                f.filter.as_ref().map(sexpr),
            )
        })
        .collect();
    let purchase = Some("(= event_type 'purchase')".to_string());
    assert_eq!(
        lines,
        vec![
            ("event_count_1h".into(), "count(*)".into(), None),
            ("revenue_1h".into(), "sum(revenue)".into(), purchase.clone()),
            (
                "session_count_1h".into(),
                "count_distinct(session_id)".into(),
                None
            ),
            (
                "unique_products_1h".into(),
                "count_distinct(product_id)".into(),
                None
            ),
            ("purchase_count_1h".into(), "count(*)".into(), purchase),
            ("last_platform".into(), "last(platform)".into(), None),
            (
                "conversion_rate_1h".into(),
                "(/ purchase_count_1h nullif(event_count_1h, 0))".into(),
                None
            ),
        ]
    );
}

#[test]
fn the_table_view_has_a_ttl_and_bare_columns() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Features(view) = &file.decls[4] else {
        panic!("not a view");
    };
    match &view.items[0] {
        ViewItem::Ttl { duration, .. } => assert_eq!(duration.micros, 400 * MICROS_PER_DAY),
        other => panic!("{other:?}"),
    }
    let features: Vec<(&str, bool)> = view
        .items
        .iter()
        .filter_map(|item| match item {
            ViewItem::Feature(f) => Some((f.name.name.as_str(), f.value.is_some())),
            _ => None,
        })
        .collect();
    assert_eq!(
        features,
        vec![
            ("country", false),
            ("account_age_days", false),
            ("tenure_years", true)
        ]
    );
}

#[test]
fn per_feature_windows_are_parsed_with_over() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Features(view) = &file.decls[5] else {
        panic!("not a view");
    };
    match &view.items[0] {
        ViewItem::Window(w) => match &w.kind {
            WindowExprKind::Rolling { size, hop } => {
                assert_eq!(size.micros, 7 * MICROS_PER_DAY);
                assert_eq!(*hop, None);
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    let overs: Vec<Option<&WindowExprKind>> = view
        .items
        .iter()
        .filter_map(|item| match item {
            ViewItem::Feature(f) => Some(f.over.as_ref().map(|w| &w.kind)),
            _ => None,
        })
        .collect();
    assert_eq!(overs.len(), 4);
    assert_eq!(overs[0], None);
    assert_eq!(overs[1], None);
    match overs[2] {
        Some(WindowExprKind::Rolling { size, hop: None }) => {
            assert_eq!(size.micros, 30 * MICROS_PER_DAY)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(overs[3], Some(&WindowExprKind::Lifetime));
}

#[test]
fn the_service_includes_views_and_derives_a_feature() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let Decl::Service(service) = &file.decls[6] else {
        panic!("not a service");
    };
    let ServiceItem::Include { items, .. } = &service.items[0] else {
        panic!("not an include");
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].view.name, "user_activity");
    assert!(matches!(items[0].target, IncludeTarget::All(_)));
    assert_eq!(items[1].view.name, "user_profile_features");
    match &items[1].target {
        IncludeTarget::Feature(f) => assert_eq!(f.name, "country"),
        other => panic!("{other:?}"),
    }
    assert_eq!(items[1].alias, None);
    let ServiceItem::Derived { name, value, .. } = &service.items[1] else {
        panic!("not a derived feature");
    };
    assert_eq!(name.name, "revenue_per_session");
    assert_eq!(
        sexpr(value),
        "(/ user_activity.revenue_1h nullif(user_activity.session_count_1h, 0))"
    );
}

#[test]
fn spans_are_offsets_in_the_whole_file_without_trailing_comments() {
    let file = parse_clean(LANGUAGE_EXAMPLE);
    let text = LANGUAGE_EXAMPLE;
    for decl in &file.decls {
        let name = decl.name();
        assert_eq!(&text[name.span.range()], name.name);
    }
    let features = features_of(&file);
    let texts: Vec<&str> = features.iter().map(|f| &text[f.span.range()]).collect();
    // `country` is followed by a comment on its line; the span stops at the name.
    assert!(texts.contains(&"country"), "{texts:?}");
    assert!(
        texts.contains(&"tenure_years = account_age_days / 365"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"revenue_30d   = sum(revenue) over rolling(30d)"),
        "{texts:?}"
    );
    let Decl::Service(service) = &file.decls[6] else {
        panic!("not a service");
    };
    assert!(text[service.span.range()].starts_with("service churn_model {"));
    assert!(text[service.span.range()].ends_with('}'));
}
