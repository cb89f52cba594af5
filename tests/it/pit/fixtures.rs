//! The oracle's hand-written twin of each project in `tests/cases/pit/`: the same views,
//! windows, filters, derived features and services, as Rust closures over the test's events.
//! Keep each function next to its `.feat` file when either changes.

use super::data::Event;
use super::model::{
    Agg, EventView, Feature, FeatureDef, Output, OutputDef, Service, TableFeature, TableView, View,
    get,
};
use super::sql::{and, coalesce, div, ge, gt, length, mul, ne, nullif, round};
use super::values::{DAY, HOUR, MINUTE, Ty, V};
use crate::support::window::Window;

fn user_key(e: &Event) -> Vec<String> {
    vec![e.user_id.clone()]
}

fn item_key(e: &Event) -> Vec<String> {
    vec![e.item_id.clone()]
}

// The event columns, as SQL values.
fn one(_: &Event) -> V {
    V::Int(1)
}
fn user_id(e: &Event) -> V {
    V::Str(e.user_id.clone())
}
fn item_id(e: &Event) -> V {
    V::Str(e.item_id.clone())
}
fn kind(e: &Event) -> V {
    V::Str(e.kind.clone())
}
fn amount(e: &Event) -> V {
    e.amount.map_or(V::Null, V::Float)
}
fn qty(e: &Event) -> V {
    e.qty.map_or(V::Null, V::Int)
}
fn price(e: &Event) -> V {
    e.price.map_or(V::Null, |cents| V::Dec(cents.into(), 2))
}
fn tag(e: &Event) -> V {
    e.tag.clone().map_or(V::Null, V::Str)
}
fn flag(e: &Event) -> V {
    e.flag.map_or(V::Null, V::Bool)
}
fn event_ts(e: &Event) -> V {
    V::Ts(e.ts)
}

// The `where` predicates.
fn always(_: &Event) -> V {
    V::Bool(true)
}
fn is_purchase(e: &Event) -> V {
    V::Bool(e.kind == "purchase")
}
fn is_view(e: &Event) -> V {
    V::Bool(e.kind == "view")
}
fn is_not_view(e: &Event) -> V {
    ne(&kind(e), &V::Str("view".into()))
}
fn is_not_click(e: &Event) -> V {
    ne(&kind(e), &V::Str("click".into()))
}
fn qty_over_3(e: &Event) -> V {
    gt(&qty(e), &V::Int(3))
}
fn big_and_flagged(e: &Event) -> V {
    and(&gt(&amount(e), &V::Float(100.0)), &flag(e))
}
fn amount_times_qty(e: &Event) -> V {
    mul(&amount(e), &qty(e))
}
fn tag_length(e: &Event) -> V {
    length(&tag(e))
}
fn amount_over_250(e: &Event) -> V {
    gt(&amount(e), &V::Float(250.0))
}

fn agg(
    name: &'static str,
    ty: Ty,
    agg: Agg,
    arg: fn(&Event) -> V,
    filter: fn(&Event) -> V,
    window: Window,
) -> Feature {
    Feature {
        name,
        ty,
        def: FeatureDef::Aggregate {
            agg,
            arg,
            filter,
            window,
        },
    }
}

fn derived(name: &'static str, ty: Ty, expr: fn(&super::model::Values) -> V) -> Feature {
    Feature {
        name,
        ty,
        def: FeatureDef::Derived(expr),
    }
}

fn include(name: &'static str, ty: Ty, view: &'static str, feature: &'static str) -> Output {
    Output {
        name,
        ty,
        def: OutputDef::Include { view, feature },
    }
}

/// Every feature of every view, in order, as outputs named like the features (`include v.*`).
fn include_all(views: &[View]) -> Vec<Output> {
    let mut outputs = Vec::new();
    for view in views {
        match view {
            View::Events(v) => {
                for f in &v.features {
                    outputs.push(include(f.name, f.ty.clone(), v.name, f.name));
                }
            }
            View::Table(v) => {
                for f in &v.features {
                    outputs.push(include(f.name, f.ty.clone(), v.name, f.name));
                }
            }
        }
    }
    outputs
}

fn list(ty: Ty) -> Ty {
    Ty::List(Box::new(ty))
}

/// tests/cases/pit/windows: sliding(1h, 15m) over `events`, tumbling(30m) over
/// `settled_events` (settle 90s), every aggregate.
pub fn windows() -> Service {
    let w = Window::Sliding {
        size: HOUR,
        slide: 15 * MINUTE,
    };
    let activity = EventView {
        name: "activity",
        source: "events",
        keys: &["user_id"],
        key_of: user_key,
        settle: 0,
        window: w,
        features: vec![
            agg("events_1h", Ty::Int, Agg::CountStar, one, always, w),
            agg("amounts_1h", Ty::Int, Agg::Count, amount, always, w),
            agg("revenue_1h", Ty::Float, Agg::Sum, amount, is_purchase, w),
            agg("units_1h", Ty::Int, Agg::Sum, qty, always, w),
            agg("avg_qty_1h", Ty::Float, Agg::Avg, qty, always, w),
            agg("min_amount_1h", Ty::Float, Agg::Min, amount, always, w),
            agg("max_tag_1h", Ty::Str, Agg::Max, tag, always, w),
            agg("first_tag_1h", Ty::Str, Agg::First, tag, always, w),
            agg("last_amount_1h", Ty::Float, Agg::Last, amount, always, w),
            agg(
                "recent_tags_1h",
                list(Ty::Str),
                Agg::LastN(3),
                tag,
                always,
                w,
            ),
            agg("tags_1h", Ty::Int, Agg::CountDistinct, tag, always, w),
            agg(
                "approx_items_1h",
                Ty::Int,
                Agg::ApproxCountDistinct,
                item_id,
                always,
                w,
            ),
            agg("amount_sd_1h", Ty::Float, Agg::StddevPop, amount, always, w),
            agg("qty_var_1h", Ty::Float, Agg::VarPop, qty, always, w),
            agg(
                "median_amount_1h",
                Ty::Float,
                Agg::ApproxPercentile(500_000),
                amount,
                always,
                w,
            ),
            agg(
                "p90_price_1h",
                Ty::Float,
                Agg::ApproxPercentile(900_000),
                price,
                always,
                w,
            ),
            agg("top_tags_1h", list(Ty::Str), Agg::TopK(2), tag, always, w),
            agg("spend_1h", Ty::Dec(38, 2), Agg::Sum, price, always, w),
            agg("min_price_1h", Ty::Dec(10, 2), Agg::Min, price, always, w),
            agg("avg_price_1h", Ty::Float, Agg::Avg, price, always, w),
            agg("flagged_1h", Ty::Int, Agg::CountStar, one, flag, w),
            agg("purchases_1h", Ty::Int, Agg::CountStar, one, is_purchase, w),
            derived("purchase_rate_1h", Ty::Float, |v| {
                div(
                    get(v, "purchases_1h"),
                    &nullif(get(v, "events_1h"), &V::Int(0)),
                )
            }),
            derived("qty_per_event_1h", Ty::Float, |v| {
                div(get(v, "units_1h"), &nullif(get(v, "events_1h"), &V::Int(0)))
            }),
            agg("value_1h", Ty::Float, Agg::Sum, amount_times_qty, always, w),
            agg("longest_tag_1h", Ty::Int, Agg::Max, tag_length, always, w),
            agg(
                "big_flagged_1h",
                Ty::Int,
                Agg::CountStar,
                one,
                big_and_flagged,
                w,
            ),
            derived("purchase_pct_1h", Ty::Float, |v| {
                round(&mul(get(v, "purchase_rate_1h"), &V::Int(100)), 1)
            }),
        ],
    };
    let t = Window::Tumbling { size: 30 * MINUTE };
    let half_hours = EventView {
        name: "half_hours",
        source: "settled_events",
        keys: &["user_id"],
        key_of: user_key,
        settle: 90 * 1_000_000,
        window: t,
        features: vec![
            agg("events_30m", Ty::Int, Agg::CountStar, one, always, t),
            agg("views_30m", Ty::Int, Agg::CountStar, one, is_view, t),
            agg(
                "max_amount_30m",
                Ty::Float,
                Agg::Max,
                amount,
                is_not_view,
                t,
            ),
            agg("last_tag_30m", Ty::Str, Agg::Last, tag, always, t),
            agg("first_qty_30m", Ty::Int, Agg::First, qty, always, t),
            agg(
                "recent_qty_30m",
                list(Ty::Int),
                Agg::LastN(2),
                qty,
                qty_over_3,
                t,
            ),
            agg("items_30m", Ty::Int, Agg::CountDistinct, item_id, always, t),
            agg(
                "approx_tags_30m",
                Ty::Int,
                Agg::ApproxCountDistinct,
                tag,
                always,
                t,
            ),
            agg("amount_avg_30m", Ty::Float, Agg::Avg, amount, always, t),
            agg("qty_sd_30m", Ty::Float, Agg::StddevPop, qty, always, t),
            derived("view_share_30m", Ty::Float, |v| {
                div(
                    get(v, "views_30m"),
                    &nullif(get(v, "events_30m"), &V::Int(0)),
                )
            }),
            derived("last_tag_or_none", Ty::Str, |v| {
                coalesce(get(v, "last_tag_30m"), &V::Str("none".into()))
            }),
        ],
    };
    let s = Window::Sliding {
        size: 20 * MINUTE,
        slide: 5 * MINUTE,
    };
    let settled_slides = EventView {
        name: "settled_slides",
        source: "settled_events",
        keys: &["user_id"],
        key_of: user_key,
        settle: 90 * 1_000_000,
        window: s,
        features: vec![
            agg("events_20m", Ty::Int, Agg::CountStar, one, always, s),
            agg("qty_20m", Ty::Int, Agg::Sum, qty, always, s),
        ],
    };
    let views = vec![
        View::Events(activity),
        View::Events(half_hours),
        View::Events(settled_slides),
    ];
    Service {
        name: "windows",
        keys: &["user_id"],
        request: &[],
        outputs: include_all(&views),
        views,
    }
}

/// tests/cases/pit/rolling: rolling(2h) (default hop 1m) with per-feature windows on both
/// sides of the default-hop thresholds, and a lifetime view; settle 30s.
pub fn rolling() -> Service {
    let settle = 30 * 1_000_000;
    let r2h = Window::Rolling {
        size: 2 * HOUR,
        hop: MINUTE,
    };
    let life = Window::Lifetime;
    let spend = EventView {
        name: "spend",
        source: "events",
        keys: &["user_id"],
        key_of: user_key,
        settle,
        window: r2h,
        features: vec![
            agg("events_2h", Ty::Int, Agg::CountStar, one, always, r2h),
            agg("amount_2h", Ty::Float, Agg::Sum, amount, always, r2h),
            agg("big_2h", Ty::Int, Agg::CountStar, one, amount_over_250, r2h),
            // explicit hop
            agg(
                "events_3h",
                Ty::Int,
                Agg::CountStar,
                one,
                always,
                Window::Rolling {
                    size: 3 * HOUR,
                    hop: 30 * MINUTE,
                },
            ),
            // "default h: 1m for size ≤ 12h, 1h for size ≤ 12d, else 1d"
            agg(
                "qty_12h",
                Ty::Int,
                Agg::Sum,
                qty,
                always,
                Window::Rolling {
                    size: 12 * HOUR,
                    hop: MINUTE,
                },
            ),
            agg(
                "events_13h",
                Ty::Int,
                Agg::CountStar,
                one,
                always,
                Window::Rolling {
                    size: 13 * HOUR,
                    hop: HOUR,
                },
            ),
            agg(
                "tags_1d",
                Ty::Int,
                Agg::CountDistinct,
                tag,
                always,
                Window::Rolling {
                    size: DAY,
                    hop: HOUR,
                },
            ),
            agg(
                "flagged_13d",
                Ty::Int,
                Agg::CountStar,
                one,
                flag,
                Window::Rolling {
                    size: 13 * DAY,
                    hop: DAY,
                },
            ),
            agg(
                "max_price_12d",
                Ty::Dec(10, 2),
                Agg::Max,
                price,
                always,
                Window::Rolling {
                    size: 12 * DAY,
                    hop: HOUR,
                },
            ),
            agg("first_seen", Ty::Ts, Agg::First, event_ts, always, life),
            agg("last_kind", Ty::Str, Agg::Last, kind, always, life),
            agg(
                "recent_amounts",
                list(Ty::Float),
                Agg::LastN(2),
                amount,
                always,
                life,
            ),
            derived("big_share_2h", Ty::Float, |v| {
                div(get(v, "big_2h"), &nullif(get(v, "events_2h"), &V::Int(0)))
            }),
        ],
    };
    let history = EventView {
        name: "history",
        source: "events",
        keys: &["user_id"],
        key_of: user_key,
        settle,
        window: life,
        features: vec![
            agg("events_total", Ty::Int, Agg::CountStar, one, always, life),
            agg("max_qty", Ty::Int, Agg::Max, qty, always, life),
            agg("min_seen", Ty::Ts, Agg::Min, event_ts, always, life),
            agg("qty_sd", Ty::Float, Agg::StddevPop, qty, always, life),
            agg(
                "amount_var",
                Ty::Float,
                Agg::VarPop,
                amount,
                is_purchase,
                life,
            ),
            agg(
                "approx_tags",
                Ty::Int,
                Agg::ApproxCountDistinct,
                tag,
                always,
                life,
            ),
            agg("tags", Ty::Int, Agg::CountDistinct, tag, always, life),
            agg("first_amount", Ty::Float, Agg::First, amount, always, life),
            agg("last_tag", Ty::Str, Agg::Last, tag, is_not_click, life),
            agg("spend_total", Ty::Dec(38, 2), Agg::Sum, price, always, life),
            agg("avg_spend", Ty::Float, Agg::Avg, price, always, life),
            agg("first_flag", Ty::Bool, Agg::First, flag, always, life),
        ],
    };
    let views = vec![View::Events(spend), View::Events(history)];
    Service {
        name: "rolling",
        keys: &["user_id"],
        request: &[],
        outputs: include_all(&views),
        views,
    }
}

/// tests/cases/pit/table: `profile` (known_at, ttl 2d) and `plans` (neither).
pub fn table() -> Service {
    let profile = TableView {
        name: "profile_features",
        table: "profile",
        ttl: Some(2 * DAY),
        features: vec![
            TableFeature {
                name: "tier",
                ty: Ty::Str,
                value: |c| c("tier"),
            },
            TableFeature {
                name: "score",
                ty: Ty::Float,
                value: |c| c("score"),
            },
            TableFeature {
                name: "credit",
                ty: Ty::Int,
                value: |c| c("credit"),
            },
            TableFeature {
                name: "credit_k",
                ty: Ty::Float,
                value: |c| div(&c("credit"), &V::Int(1000)),
            },
            TableFeature {
                name: "high",
                ty: Ty::Bool,
                value: |c| ge(&c("score"), &V::Float(0.5)),
            },
            TableFeature {
                name: "tier_len",
                ty: Ty::Int,
                value: |c| length(&c("tier")),
            },
        ],
    };
    let plans = TableView {
        name: "plan_features",
        table: "plans",
        ttl: None,
        features: vec![
            TableFeature {
                name: "plan",
                ty: Ty::Str,
                value: |c| c("plan"),
            },
            TableFeature {
                name: "plan_or_none",
                ty: Ty::Str,
                value: |c| coalesce(&c("plan"), &V::Str("none".into())),
            },
        ],
    };
    let mut outputs: Vec<Output> = profile
        .features
        .iter()
        .map(|f| include(f.name, f.ty.clone(), "profile_features", f.name))
        .collect();
    outputs.push(include("current_plan", Ty::Str, "plan_features", "plan"));
    outputs.push(include(
        "plan_or_none",
        Ty::Str,
        "plan_features",
        "plan_or_none",
    ));
    outputs.push(Output {
        name: "credit_per_score",
        ty: Ty::Float,
        def: OutputDef::Derived(|v| {
            div(
                get(v, "profile_features.credit"),
                &nullif(get(v, "profile_features.score"), &V::Float(0.0)),
            )
        }),
    });
    Service {
        name: "profiles",
        keys: &["user_id"],
        request: &[],
        views: vec![View::Table(profile), View::Table(plans)],
        outputs,
    }
}

/// tests/cases/pit/two_entities: user and item views, aliases, service-level derived outputs.
pub fn two_entities() -> Service {
    let r = Window::Rolling {
        size: HOUR,
        hop: 5 * MINUTE,
    };
    let user_recent = EventView {
        name: "user_recent",
        source: "events",
        keys: &["user_id"],
        key_of: user_key,
        settle: 0,
        window: r,
        features: vec![
            agg("views_1h", Ty::Int, Agg::CountStar, one, is_view, r),
            agg("spend_1h", Ty::Float, Agg::Sum, amount, is_purchase, r),
        ],
    };
    let s = Window::Sliding {
        size: 30 * MINUTE,
        slide: 10 * MINUTE,
    };
    let item_pop = EventView {
        name: "item_pop",
        source: "events",
        keys: &["item_id"],
        key_of: item_key,
        settle: 0,
        window: s,
        features: vec![
            agg("item_views", Ty::Int, Agg::CountStar, one, is_view, s),
            agg(
                "buyers",
                Ty::Int,
                Agg::CountDistinct,
                user_id,
                is_purchase,
                s,
            ),
        ],
    };
    let h = Window::Sliding {
        size: HOUR,
        slide: 15 * MINUTE,
    };
    let pair_activity = EventView {
        name: "pair_activity",
        source: "events",
        keys: &["user_id", "item_id"],
        key_of: |e| vec![e.user_id.clone(), e.item_id.clone()],
        settle: 0,
        window: h,
        features: vec![
            agg("pair_events_1h", Ty::Int, Agg::CountStar, one, always, h),
            agg("pair_last_kind", Ty::Str, Agg::Last, kind, always, h),
        ],
    };
    let item_facts = TableView {
        name: "item_facts",
        table: "item_catalog",
        ttl: None,
        features: vec![
            TableFeature {
                name: "category",
                ty: Ty::Str,
                value: |c| c("category"),
            },
            TableFeature {
                name: "list_price",
                ty: Ty::Float,
                value: |c| c("list_price"),
            },
        ],
    };
    let outputs = vec![
        include("views_1h", Ty::Int, "user_recent", "views_1h"),
        include("spend_1h", Ty::Float, "user_recent", "spend_1h"),
        include("item_views_30m", Ty::Int, "item_pop", "item_views"),
        include("buyers", Ty::Int, "item_pop", "buyers"),
        include("item_category", Ty::Str, "item_facts", "category"),
        include("list_price", Ty::Float, "item_facts", "list_price"),
        include("pair_events_1h", Ty::Int, "pair_activity", "pair_events_1h"),
        include("pair_last_kind", Ty::Str, "pair_activity", "pair_last_kind"),
        include("user_views_1h_again", Ty::Int, "user_recent", "views_1h"),
        Output {
            name: "price_ratio",
            ty: Ty::Float,
            def: OutputDef::Derived(|v| {
                div(
                    get(v, "item_facts.list_price"),
                    &nullif(get(v, "user_recent.spend_1h"), &V::Int(0)),
                )
            }),
        },
        Output {
            name: "hot",
            ty: Ty::Bool,
            def: OutputDef::Derived(|v| {
                and(
                    &gt(get(v, "item_pop.item_views"), &V::Int(2)),
                    &ne(get(v, "item_facts.category"), &V::Str("toys".into())),
                )
            }),
        },
    ];
    Service {
        name: "recommend",
        keys: &["user_id", "item_id"],
        request: &[],
        views: vec![
            View::Events(user_recent),
            View::Events(item_pop),
            View::Events(pair_activity),
            View::Table(item_facts),
        ],
        outputs,
    }
}

/// `user_recent` as the `.feat` file declares it, read under `name` for the label columns
/// `keys` (the view itself, or a role of it).
fn user_recent(name: &'static str, keys: &'static [&'static str]) -> EventView {
    let r = Window::Rolling {
        size: HOUR,
        hop: 5 * MINUTE,
    };
    EventView {
        name,
        source: "events",
        keys,
        key_of: user_key,
        settle: 0,
        window: r,
        features: vec![
            agg("views_1h", Ty::Int, Agg::CountStar, one, is_view, r),
            agg("spend_1h", Ty::Float, Agg::Sum, amount, is_purchase, r),
        ],
    }
}

/// tests/cases/pit/roles_and_request: `user_recent` for the label's user and, under the role
/// `on user(friend_id) as friend`, for its friend; request-time outputs over `budget`.
pub fn roles_and_request() -> Service {
    const FRIEND: &str = "user_recent(friend_id)";
    let outputs = vec![
        include("views_1h", Ty::Int, "user_recent", "views_1h"),
        include("spend_1h", Ty::Float, "user_recent", "spend_1h"),
        include("friend_views_1h", Ty::Int, FRIEND, "views_1h"),
        include("friend_spend_1h", Ty::Float, FRIEND, "spend_1h"),
        Output {
            name: "outspends_friend",
            ty: Ty::Bool,
            def: OutputDef::Derived(|v| {
                gt(
                    get(v, "user_recent.spend_1h"),
                    get(v, "user_recent(friend_id).spend_1h"),
                )
            }),
        },
        Output {
            name: "budget_share",
            ty: Ty::Float,
            def: OutputDef::Derived(|v| {
                div(
                    get(v, "request.budget"),
                    &nullif(get(v, "user_recent(friend_id).spend_1h"), &V::Int(0)),
                )
            }),
        },
        Output {
            name: "budget_or_zero",
            ty: Ty::Float,
            def: OutputDef::Derived(|v| coalesce(get(v, "request.budget"), &V::Float(0.0))),
        },
    ];
    Service {
        name: "social",
        keys: &["user_id", "friend_id"],
        request: &[("budget", Ty::Float)],
        views: vec![
            View::Events(user_recent("user_recent", &["user_id"])),
            View::Events(user_recent(FRIEND, &["friend_id"])),
        ],
        outputs,
    }
}
