//! Lowering: keys, windows, online tables, batch paths, order and services.

use super::{BASE, plan, plan_with, view};
use crate::plan::{BatchFormat, FeatureDef, Input, OutputDef, ViewKind, Window};
use crate::types::{
    ColumnType, MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, Type,
};

#[test]
fn a_views_keys_are_its_entitys_keys_in_declaration_order() {
    let plan = plan(&[(
        "p.feat",
        r#"
entity pair {
  key user_id: string
  key item_id: int
}
source clicks {
  schema {
    item_id:  int
    user_id:  string
    clicked:  timestamp
  }
  event_time clicked
}
features pair_clicks on pair from clicks {
  window tumbling(1h)
  n = count(*)
}
"#,
    )]);
    let v = view(&plan, "pair_clicks");
    let keys: Vec<(&str, ColumnType)> = v
        .keys
        .iter()
        .map(|k| (k.name.as_str(), k.ty.clone()))
        .collect();
    assert_eq!(
        keys,
        [
            ("user_id", ColumnType::required(Type::String)),
            ("item_id", ColumnType::required(Type::Int)),
        ]
    );
    assert_eq!(v.entity, "pair");
    assert_eq!(v.input, Input::Source("clicks".into()));
}

#[test]
fn rolling_windows_get_the_default_hop_of_their_size() {
    let plan = plan_with(
        r#"
features spend on user from events {
  window rolling(7d)
  week    = sum(amount)
  hour    = sum(amount) over rolling(1h)
  month   = sum(amount) over rolling(30d)
  forever = sum(amount) over lifetime
  custom  = count(*) over rolling(2h, hop 10m)
}
"#,
    );
    let v = view(&plan, "spend");
    assert_eq!(
        v.kind,
        ViewKind::Windowed {
            window: Window::Rolling {
                size: 7 * MICROS_PER_DAY,
                hop: MICROS_PER_HOUR
            }
        }
    );
    let windows: Vec<Window> = v.aggregates().map(|(_, a)| a.window).collect();
    assert_eq!(
        windows,
        [
            Window::Rolling {
                size: 7 * MICROS_PER_DAY,
                hop: MICROS_PER_HOUR
            },
            Window::Rolling {
                size: MICROS_PER_HOUR,
                hop: MICROS_PER_MINUTE
            },
            Window::Rolling {
                size: 30 * MICROS_PER_DAY,
                hop: MICROS_PER_DAY
            },
            Window::Lifetime,
            Window::Rolling {
                size: 2 * MICROS_PER_HOUR,
                hop: 10 * MICROS_PER_MINUTE
            },
        ]
    );
}

#[test]
fn the_online_table_defaults_to_the_view_name_retained_one_day() {
    let plan = plan_with(
        r#"
features activity on user from events {
  window sliding(1h, 15m)
  n = count(*)
}
features named on user from events {
  window tumbling(1h)
  n = count(*)
  online postgres "named_features" retain 2h
}
"#,
    );
    let activity = view(&plan, "activity");
    assert_eq!(activity.online.table, "activity");
    assert_eq!(activity.online.retain, MICROS_PER_DAY);
    let named = view(&plan, "named");
    assert_eq!(named.online.table, "named_features");
    assert_eq!(named.online.retain, 2 * MICROS_PER_HOUR);
}

#[test]
fn batch_paths_are_relative_to_the_declaring_file_from_the_project_root() {
    let plan = plan(&[
        (
            "features/sources/events.feat",
            r#"
source events {
  schema {
    user_id:  string
    event_ts: timestamp
  }
  event_time event_ts
  batch csv "../../data/./raw/../events.csv"
  settle 30s
  stream kafka "user-events" format json
}
"#,
        ),
        (
            "tables.feat",
            r#"
table profile {
  schema {
    user_id: string
    at:      timestamp
  }
  key user_id
  valid_from at
  batch parquet "/abs/profile"
}
"#,
        ),
    ]);
    let source = plan.source("events").expect("the source");
    let batch = source.batch.as_ref().expect("a batch location");
    assert_eq!(batch.format, BatchFormat::Csv);
    assert_eq!(batch.path, "data/events.csv");
    assert_eq!(source.settle, 30 * MICROS_PER_SECOND);
    assert_eq!(
        source.stream.as_ref().map(|s| s.topic.as_str()),
        Some("user-events")
    );
    assert_eq!(source.location.file, "features/sources/events.feat");
    assert_eq!(source.location.line, 2);
    let table = plan.table("profile").expect("the table");
    assert_eq!(
        table.batch.as_ref().map(|b| b.path.as_str()),
        Some("/abs/profile")
    );
    assert_eq!(table.key, ["user_id"]);
    assert_eq!(table.known_at, None);
}

#[test]
fn plan_vectors_are_sorted_by_name_and_features_keep_their_order() {
    let plan = plan_with(
        r#"
features zeta on user from events {
  window lifetime
  z = count(*)
  a = count(*) where qty > 1
  m = a / nullif(z, 0)
}
features alpha on user from profile {
  country
}
"#,
    );
    let names: Vec<&str> = plan.views.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["alpha", "zeta"]);
    let features: Vec<&str> = view(&plan, "zeta")
        .features
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(features, ["z", "a", "m"]);
    assert!(
        view(&plan, "zeta")
            .features
            .iter()
            .all(|f| !f.fingerprint.is_empty())
    );
}

#[test]
fn derived_features_may_read_features_declared_later() {
    let plan = plan_with(
        r#"
features ratios on user from events {
  window tumbling(1d)
  share     = purchases / nullif(total, 0)
  purchases = count(*) where event_type = 'purchase'
  total     = count(*)
}
"#,
    );
    let share = view(&plan, "ratios").feature("share").expect("share");
    assert!(matches!(share.def, FeatureDef::Derived { .. }));
    assert_eq!(share.ty, ColumnType::nullable(Type::Float));
}

#[test]
fn table_views_keep_their_ttl_and_known_at() {
    let plan = plan(&[(
        "p.feat",
        r#"
entity merchant {
  key merchant_id: string
}
table risk {
  schema {
    merchant_id:  string
    score:        float
    effective_at: timestamp
    scored_at:    timestamp
  }
  key merchant_id
  valid_from effective_at
  known_at scored_at
}
features merchant_risk on merchant from risk {
  ttl 30d
  score
}
"#,
    )]);
    assert_eq!(
        view(&plan, "merchant_risk").kind,
        ViewKind::Table {
            ttl: Some(30 * MICROS_PER_DAY)
        }
    );
    assert_eq!(
        plan.table("risk").and_then(|t| t.known_at.clone()),
        Some("scored_at".to_string())
    );
}

#[test]
fn services_union_the_keys_of_their_views_and_rename_with_aliases() {
    let text = format!(
        r#"{BASE}
entity item {{
  key item_id: string
}}
source views {{
  schema {{
    user_id: string
    item_id: string
    at:      timestamp
  }}
  event_time at
}}
features user_views on user from views {{
  window rolling(1d)
  views_1d = count(*)
}}
features item_views on item from views {{
  window rolling(1d)
  views_1d = count(*)
  viewers_1d = count_distinct(user_id)
}}
service recommend {{
  include user_views.*
  include item_views.views_1d as item_views_1d, item_views.viewers_1d
  share = views_1d / nullif(item_views_1d, 0)
  popular = item_views.viewers_1d > 10
}}
"#
    );
    let plan = plan(&[("p.feat", &text)]);
    let service = plan.service("recommend").expect("the service");
    let keys: Vec<&str> = service.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(keys, ["user_id", "item_id"]);
    assert_eq!(service.views, ["user_views", "item_views"]);
    let outputs: Vec<&str> = service.outputs.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(
        outputs,
        [
            "views_1d",
            "item_views_1d",
            "viewers_1d",
            "share",
            "popular"
        ]
    );
    assert_eq!(
        service.outputs[1].def,
        OutputDef::Feature {
            view: "item_views".into(),
            feature: "views_1d".into()
        }
    );
    // bare names in a derived output are the service's outputs
    let OutputDef::Derived { expr } = &service.outputs[3].def else {
        panic!("share is derived");
    };
    assert_eq!(
        expr.features(),
        [("item_views", "views_1d"), ("user_views", "views_1d")]
    );
    assert_eq!(service.outputs[3].ty, ColumnType::nullable(Type::Float));
    assert_eq!(service.outputs[4].ty, ColumnType::required(Type::Bool));
}

#[test]
fn roles_and_request_inputs_lower_to_distinct_reads_and_columns() {
    let plan = plan(&[(
        "p.feat",
        r#"
entity account { key account_id: string }
source transfers {
  schema {
    sender_id:   string
    receiver_id: string
    amount:      float
    at:          timestamp
  }
  event_time at
}
features outflow on account(sender_id) from transfers {
  window rolling(1d)
  sent_1d = sum(amount)
  refresh every 1h
}
service scoring {
  request amount: float, note: string?
  include outflow.* on account(sender_id) as sender
  include outflow.sent_1d on account(receiver_id) as receiver_sent
  include outflow.* on account(account_id) as own
  share = request.amount / nullif(sender_sent_1d, 0)
}
"#,
    )]);
    let service = plan.service("scoring").expect("the service");
    let keys: Vec<&str> = service.keys.iter().map(|k| k.name.as_str()).collect();
    assert_eq!(keys, ["sender_id", "receiver_id", "account_id"]);
    // `on account(account_id)` is the view's own key: the plain read, not a role
    assert_eq!(
        service.views,
        ["outflow(sender_id)", "outflow(receiver_id)", "outflow"]
    );
    let roles: Vec<(&str, &str, Vec<&str>)> = (service.roles.iter())
        .map(|r| {
            (
                r.name.as_str(),
                r.view.as_str(),
                r.keys.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("outflow(sender_id)", "outflow", vec!["sender_id"]),
            ("outflow(receiver_id)", "outflow", vec!["receiver_id"]),
        ]
    );
    let outputs: Vec<(&str, String)> = (service.outputs.iter())
        .map(|o| {
            let def = match &o.def {
                OutputDef::Feature { view, feature } => format!("{view}.{feature}"),
                OutputDef::Derived { .. } => "derived".to_string(),
            };
            (o.name.as_str(), def)
        })
        .collect();
    assert_eq!(
        outputs,
        [
            ("sender_sent_1d", "outflow(sender_id).sent_1d".to_string()),
            ("receiver_sent", "outflow(receiver_id).sent_1d".to_string()),
            ("own_sent_1d", "outflow.sent_1d".to_string()),
            ("share", "derived".to_string()),
        ]
    );
    let request: Vec<(&str, String)> = (service.request.iter())
        .map(|f| (f.name.as_str(), f.ty.to_string()))
        .collect();
    assert_eq!(
        request,
        [
            ("amount", "float".to_string()),
            ("note", "string?".to_string())
        ]
    );
    // the same feature under two roles: two fingerprints
    let fingerprint = |name: &str| {
        (service.outputs.iter())
            .find(|o| o.name == name)
            .map(|o| o.fingerprint.clone())
            .expect("an output")
    };
    assert_ne!(fingerprint("sender_sent_1d"), fingerprint("receiver_sent"));
    assert_ne!(fingerprint("sender_sent_1d"), fingerprint("own_sent_1d"));
    assert_eq!(
        view(&plan, "outflow").freshness,
        crate::plan::Freshness::Every {
            cadence: crate::plan::Cadence::Interval(MICROS_PER_HOUR)
        }
    );
}
