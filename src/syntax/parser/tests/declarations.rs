//! Declarations, clauses, types and windows beyond the docs' example.

use super::{features_of, parse_clean, sexpr, type_string};
use crate::syntax::ast::{
    Clause, Decl, IncludeTarget, ServiceItem, TypeExprKind, ViewItem, WindowExprKind,
};
use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND};

#[test]
fn entities_take_composite_keys_on_one_or_several_lines() {
    let file = parse_clean(
        "entity a { key x: string, y: int }\nentity b {\n  key x: string\n  key y: int\n}",
    );
    for decl in &file.decls {
        let Decl::Entity(entity) = decl else {
            panic!("{decl:?}");
        };
        let keys: Vec<&str> = entity.keys.iter().map(|k| k.name.name.as_str()).collect();
        assert_eq!(keys, vec!["x", "y"]);
    }
}

#[test]
fn types_are_named_decimal_or_list_and_may_be_nullable() {
    let file = parse_clean(
        "source s {\n  schema {\n    a: string\n    b: decimal(38, 4)?\n    c: list<list<int?>>?\n    d: money\n    e : int ?\n  }\n}",
    );
    let Decl::Source(source) = &file.decls[0] else {
        panic!();
    };
    let Clause::Schema { fields, .. } = &source.clauses[0] else {
        panic!();
    };
    let types: Vec<String> = fields.iter().map(|f| type_string(&f.ty)).collect();
    assert_eq!(
        types,
        vec![
            "string",
            "decimal(38, 4)?",
            "list<list<int?>>?",
            "money",
            "int?"
        ]
    );
    assert!(matches!(
        fields[1].ty.kind,
        TypeExprKind::Decimal {
            precision: 38,
            scale: 4
        }
    ));
}

#[test]
fn schema_fields_may_be_separated_by_commas_and_items_by_semicolons() {
    let file = parse_clean(
        "source s { schema { a: int, b: int; c: int } event_time c; settle 5m }\n\
         service v { include f.*; x = 1 }",
    );
    let Decl::Source(source) = &file.decls[0] else {
        panic!();
    };
    let Clause::Schema { fields, .. } = &source.clauses[0] else {
        panic!();
    };
    assert_eq!(fields.len(), 3);
    assert_eq!(source.clauses.len(), 3);
    match &source.clauses[2] {
        Clause::Settle { duration, .. } => assert_eq!(duration.micros, 5 * MICROS_PER_MINUTE),
        other => panic!("{other:?}"),
    }
}

#[test]
fn clauses_parse_whatever_the_declaration_kind() {
    // Which clause belongs where is for semantic analysis to say.
    let file = parse_clean(
        "source s {\n  key a, b\n  valid_from t\n  known_at k\n  batch csv \"x.csv\"\n  stream kafka \"t\" format avro\n}",
    );
    let Decl::Source(source) = &file.decls[0] else {
        panic!();
    };
    let keywords: Vec<&str> = source.clauses.iter().map(Clause::keyword).collect();
    assert_eq!(
        keywords,
        vec!["key", "valid_from", "known_at", "batch", "stream"]
    );
    match &source.clauses[0] {
        Clause::Key { columns, .. } => {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, vec!["a", "b"]);
        }
        other => panic!("{other:?}"),
    }
    match &source.clauses[4] {
        Clause::Stream { format, .. } => assert_eq!(format.name, "avro"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn soft_keywords_stay_usable_as_names() {
    let text = "table source {\n  schema {\n    date: date\n    source: string\n    key: int\n    table: string\n    window: int\n    format: string\n  }\n  key key\n  valid_from date\n}\n\
        features window on key from source {\n  ttl 1d\n  source\n  table = key + 1\n  window = window\n  online = format\n}";
    let file = parse_clean(text);
    assert_eq!(file.decls[0].name().name, "source");
    let Decl::Features(view) = &file.decls[1] else {
        panic!();
    };
    assert_eq!(view.name.name, "window");
    assert_eq!(view.entity.name, "key");
    let names: Vec<&str> = features_of(&file)
        .iter()
        .map(|f| f.name.name.as_str())
        .collect();
    assert_eq!(names, vec!["source", "table", "window", "online"]);
}

#[test]
fn windows_of_every_kind() {
    let text = "features a on e from s { window tumbling(30s) }\n\
                features b on e from s { window rolling(30d, hop 1d) }\n\
                features c on e from s { window lifetime }";
    let file = parse_clean(text);
    let kinds: Vec<WindowExprKind> = file
        .decls
        .iter()
        .map(|decl| match decl {
            Decl::Features(view) => match &view.items[0] {
                ViewItem::Window(w) => w.kind.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    match &kinds[0] {
        WindowExprKind::Tumbling { size } => assert_eq!(size.micros, 30 * MICROS_PER_SECOND),
        other => panic!("{other:?}"),
    }
    match &kinds[1] {
        WindowExprKind::Rolling {
            size,
            hop: Some(hop),
        } => {
            assert_eq!(size.micros, 30 * MICROS_PER_DAY);
            assert_eq!(hop.micros, MICROS_PER_DAY);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(kinds[2], WindowExprKind::Lifetime);
}

#[test]
fn filter_and_window_may_come_in_either_order() {
    let file = parse_clean(
        "features f on e from s {\n  window rolling(1d)\n  a = sum(x) where y > 0 over lifetime\n  b = sum(x) over rolling(2h) where y > 0\n}",
    );
    for feature in features_of(&file) {
        assert_eq!(
            feature.filter.as_ref().map(sexpr).as_deref(),
            Some("(> y 0)")
        );
        assert!(feature.over.is_some());
    }
    let b = features_of(&file)[1];
    match &b.over.as_ref().expect("over").kind {
        WindowExprKind::Rolling { size, .. } => assert_eq!(size.micros, 2 * MICROS_PER_HOUR),
        other => panic!("{other:?}"),
    }
}

#[test]
fn online_takes_an_optional_table_and_retention() {
    let file = parse_clean(
        "features a on e from s { online postgres }\nfeatures b on e from s { online postgres \"t\" retain 2d }",
    );
    let onlines: Vec<_> = file
        .decls
        .iter()
        .map(|decl| match decl {
            Decl::Features(view) => match &view.items[0] {
                ViewItem::Online(online) => online.clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(onlines[0].table, None);
    assert_eq!(onlines[0].retain, None);
    assert_eq!(
        onlines[1].table.as_ref().map(|t| t.value.as_str()),
        Some("t")
    );
    assert_eq!(
        onlines[1].retain.as_ref().map(|r| r.micros),
        Some(2 * MICROS_PER_DAY)
    );
}

#[test]
fn includes_take_aliases() {
    let file = parse_clean("service s {\n  include a.x as y, b.*\n  include c.z\n}");
    let Decl::Service(service) = &file.decls[0] else {
        panic!();
    };
    let mut seen = Vec::new();
    for item in &service.items {
        let ServiceItem::Include { items, .. } = item else {
            panic!("{item:?}");
        };
        for include in items {
            let target = match &include.target {
                IncludeTarget::All(_) => "*".to_string(),
                IncludeTarget::Feature(f) => f.name.clone(),
            };
            let alias = include.alias.as_ref().map(|a| a.name.clone());
            seen.push((include.view.name.clone(), target, alias));
        }
    }
    assert_eq!(
        seen,
        vec![
            ("a".into(), "x".into(), Some("y".into())),
            ("b".into(), "*".into(), None),
            ("c".into(), "z".into(), None),
        ]
    );
}

#[test]
fn a_byte_order_mark_and_windows_line_endings_are_accepted() {
    let file = parse_clean("\u{feff}entity a {\r\n  key x: int # c\r\n}\r\n");
    assert_eq!(file.decls.len(), 1);
}

#[test]
fn empty_files_and_comment_only_files_have_no_declarations() {
    assert!(parse_clean("").decls.is_empty());
    assert!(parse_clean("# nothing\n\n   # here\n").decls.is_empty());
    assert!(
        parse_clean("entity a { }  # empty: semantic analysis reports it")
            .decls
            .len()
            == 1
    );
}
