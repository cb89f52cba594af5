//! The online back end on a real Postgres (see `support/db.rs` for the URL): the DDL
//! applies twice; upserting partial states in any grouping and order stores what one fold of
//! all events gives (the SQL merge is the Rust merge); lookups return what a naive reading of
//! docs/language.md (aggregates, windows) computes from the events; the statements parse as Postgres SQL.

mod load;

use crate::support::db::{self, apply_ddl, refs};
use crate::support::fixture::{self, ProfileRow};
use crate::support::naive::{self, Values};
use crate::support::rng::Rng;
use crate::support::tiles::{self, Tiles, stored_tiles};
use crate::support::values::close;
use featc::agg::{AggFunc, FieldValue, Hll, MergeRule, State, state_fields};
use featc::compile::online::{self, quote};
use featc::physical::postgres_type::PgType;
use featc::physical::view_layout;
use featc::plan::{ExprKind, FeatureDef, OutputDef, Plan, View, ViewKind};
use featc::runtime::store::codec;
use featc::types::{Micros, Type, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio_postgres::Client;

fn view<'p>(plan: &'p Plan, name: &str) -> &'p View {
    plan.view(name).unwrap_or_else(|| panic!("no view {name}"))
}

/// States agree when their fields do (floats to 1e-9) and so do their values. A compensated
/// sum's two fields depend on the grouping of the additions (only their sum does not), so
/// they are compared through the value.
fn states_close(func: &AggFunc, arg: Option<&Type>, a: &State, b: &State) -> bool {
    let layout = state_fields(func, arg);
    let (a_fields, b_fields) = (a.to_fields(), b.to_fields());
    let fields_agree = layout
        .iter()
        .zip(a_fields.iter().zip(&b_fields))
        .all(|(field, (x, y))| match (x, y) {
            _ if field.merge == MergeRule::CompensatedSum => true,
            (FieldValue::Float(x), FieldValue::Float(y)) => {
                close(&Value::Float(*x), &Value::Float(*y))
            }
            _ => x == y,
        });
    fields_agree && a_fields.len() == b_fields.len() && close(&a.finish(), &b.finish())
}

#[tokio::test]
async fn ddl_applies_twice_and_creates_every_table() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;
        apply_ddl(&client, &plan).await;
        let tables: Vec<String> = client
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1",
                &[],
            )
            .await
            .expect("tables")
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(
            tables,
            [
                "every_kind_tiles",
                "featc_dead_letters",
                "featc_late_events",
                "featc_offsets",
                "featc_watermarks",
                "profile_features",
                "spend"
            ]
        );
        // Every layout column exists with its type (strings byte-ordered).
        for view in &plan.views {
            let layout = view_layout(&plan, view).expect("layout");
            let columns = client
                .query(
                    "SELECT column_name::text, format_type(atttypid, atttypmod), coalesce(collation_name::text, '')
                     FROM information_schema.columns
                     JOIN pg_attribute ON attrelid = (quote_ident(table_schema) || '.' || quote_ident(table_name))::regclass
                                      AND attname = column_name
                     WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                    &[&layout.table],
                )
                .await
                .expect("columns");
            let found: Vec<(String, String, String)> =
                columns.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect();
            let expected: Vec<(String, String, String)> = layout
                .columns
                .iter()
                .map(|c| {
                    let ty = c.ty.sql().replace("timestamptz", "timestamp with time zone");
                    (c.name.clone(), ty, if c.ty.is_text() { "C".into() } else { String::new() })
                })
                .collect();
            assert_eq!(found, expected, "{}", layout.table);
        }
    })
    .await;
}

#[test]
fn upserts_and_lookups_parse_as_postgres_sql() {
    use datafusion::sql::sqlparser::{dialect::PostgreSqlDialect, parser::Parser};
    let plan = fixture::plan();
    let mut statements = Vec::new();
    for view in &plan.views {
        statements.push(
            online::view_artifacts(&plan, view)
                .expect("artifacts")
                .upsert,
        );
    }
    for service in &plan.services {
        statements.push(online::service_lookup(&plan, service).expect("lookup"));
    }
    for sql in statements {
        if let Err(e) = Parser::parse_sql(&PostgreSqlDialect {}, &sql) {
            panic!("{e}\n{sql}");
        }
    }
}

#[tokio::test]
async fn upserted_partial_states_equal_one_fold_of_all_events() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;
        for (seed, name) in [(7, "every_kind"), (11, "spend")] {
            let mut rng = Rng::new(seed);
            let events = fixture::events(&mut rng, 40);
            let view = view(&plan, name);
            let layout = view_layout(&plan, view).expect("layout");
            let upsert = online::view_artifacts(&plan, view)
                .expect("artifacts")
                .upsert;
            load::load_tiles(&client, &upsert, &plan, view, &layout, &events, &mut rng).await;

            let stored = stored_tiles(&client, &plan, view).await;
            let expected: Tiles =
                tiles::events_by_tile(&plan, view, events.iter().map(|e| &e.columns))
                    .into_iter()
                    .map(|(tile, tile_events)| (tile, tiles::fold(&plan, view, &tile_events)))
                    .collect();
            assert_eq!(
                stored.keys().collect::<Vec<_>>(),
                expected.keys().collect::<Vec<_>>(),
                "{name}: the stored tiles"
            );
            let aggregates: Vec<_> = view.aggregates().collect();
            for (tile, states) in &expected {
                for (i, (want, got)) in states.iter().zip(&stored[tile]).enumerate() {
                    let (feature, aggregate) = aggregates[i];
                    let arg = aggregate.arg.as_ref().map(|a| &a.ty.ty);
                    assert!(
                        states_close(&aggregate.func, arg, want, got),
                        "{name}.{} at {tile:?}:\n expected {want:?}\n stored   {got:?}",
                        feature.name
                    );
                }
            }
        }
    })
    .await;
}

#[tokio::test]
async fn lookups_agree_with_a_naive_reading_of_the_spec() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;
        let mut rng = Rng::new(42);
        let events = fixture::events(&mut rng, 40);
        let rows = fixture::profile_rows(&mut rng);
        for view in &plan.views {
            let layout = view_layout(&plan, view).expect("layout");
            let upsert = online::view_artifacts(&plan, view)
                .expect("artifacts")
                .upsert;
            match view.kind {
                ViewKind::Windowed { .. } => {
                    load::load_tiles(&client, &upsert, &plan, view, &layout, &events, &mut rng)
                        .await
                }
                ViewKind::Table { .. } => load::load_rows(&client, &upsert, &layout, &rows).await,
            }
        }

        let times = fixture::probe_times(&events);
        let mut keys: Vec<String> = fixture::KEYS.iter().map(|k| k.to_string()).collect();
        keys.push("nobody".into());
        let requests: Vec<(String, Micros)> = keys
            .iter()
            .flat_map(|k| times.iter().map(move |t| (k.clone(), *t)))
            .collect();

        let service = plan.service("model").expect("the service");
        let lookup = online::service_lookup(&plan, service).expect("the lookup");
        let string = PgType::of_type(&Type::String).expect("text");
        let timestamp = PgType::of_type(&Type::Timestamp).expect("timestamptz");
        let params = vec![
            codec::encode_values(
                &string,
                &requests
                    .iter()
                    .map(|(k, _)| Value::String(k.clone()))
                    .collect::<Vec<_>>(),
            )
            .expect("keys"),
            codec::encode_values(
                &timestamp,
                &requests
                    .iter()
                    .map(|(_, t)| Value::Timestamp(*t))
                    .collect::<Vec<_>>(),
            )
            .expect("times"),
        ];
        let result = client
            .query(&lookup, &refs(&params))
            .await
            .unwrap_or_else(|e| panic!("{e:?}\n{lookup}"));
        assert_eq!(result.len(), requests.len());

        let mut mismatches = Vec::new();
        for (i, (row, (key, t))) in result.iter().zip(&requests).enumerate() {
            assert_eq!(row.get::<_, i64>(0), i as i64 + 1, "request_index");
            assert_eq!(&row.get::<_, String>(1), key);
            let views: BTreeMap<&str, Values> = service
                .views
                .iter()
                .map(|v| {
                    (
                        v.as_str(),
                        naive::view_values(&plan, view(&plan, v), &events, &rows, key, *t),
                    )
                })
                .collect();
            for (j, output) in service.outputs.iter().enumerate() {
                let got =
                    codec::decode_value(row, 2 + j, &output.ty.ty).expect("an output decodes");
                let (want, approximate) = match &output.def {
                    OutputDef::Feature { view: v, feature } => {
                        let approximate = matches!(
                            &view(&plan, v).feature(feature).expect("feature").def,
                            FeatureDef::Aggregate(a) if a.func == AggFunc::ApproxCountDistinct
                        );
                        (views[v.as_str()][feature].clone(), approximate)
                    }
                    OutputDef::Derived { expr } => (
                        naive::eval(expr, &|k| match k {
                            ExprKind::Feature { view: v, feature } => {
                                views[v.as_str()][feature].clone()
                            }
                            other => panic!("{other:?}"),
                        }),
                        false,
                    ),
                };
                let agrees = match (&want, &got) {
                    // HyperLogLog: exact distinct counts are this small; allow one collision.
                    (Value::Int(w), Value::Int(g)) if approximate => (w - g).abs() <= 1,
                    _ => close(&want, &got),
                };
                if !agrees {
                    mismatches.push(format!(
                        "{key} at {t} ({} µs after start): {} = {got:?}, expected {want:?}",
                        t - fixture::START,
                        output.name
                    ));
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    })
    .await;
}

#[tokio::test]
async fn table_rows_keep_the_one_written_last() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;
        let view = view(&plan, "profile_features");
        let layout = view_layout(&plan, view).expect("layout");
        let upsert = online::view_artifacts(&plan, view)
            .expect("artifacts")
            .upsert;
        let row = |known_at: Micros, age_days: i64| ProfileRow {
            key: "u_1".into(),
            valid_from: fixture::START,
            known_at,
            country: Value::String("DE".into()),
            age_days,
        };
        let start = fixture::START;
        load::load_rows(&client, &upsert, &layout, &[row(start + 10, 1)]).await;
        load::load_rows(&client, &upsert, &layout, &[row(start + 5, 2)]).await; // older: ignored
        load::load_rows(&client, &upsert, &layout, &[row(start + 10, 3)]).await; // as new: wins
        load::load_rows(&client, &upsert, &layout, &[row(start + 20, 4)]).await; // newer: wins
        load::load_rows(&client, &upsert, &layout, &[row(start + 15, 5)]).await; // older: ignored
        let stored = client
            .query_one(
                &format!(
                    "SELECT age_days, count(*) OVER () FROM {}",
                    quote(&layout.table)
                ),
                &[],
            )
            .await
            .expect("one row");
        assert_eq!((stored.get::<_, i64>(0), stored.get::<_, i64>(1)), (4, 1));
    })
    .await;
}

/// The merge functions on states the lookup test's small sets do not reach: HyperLogLog past
/// linear counting, compensated sums that plain addition gets wrong, moments of a large mean.
#[tokio::test]
async fn sql_merge_functions_equal_the_rust_merges_bit_for_bit() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;

        for sizes in [(0, 0), (3, 0), (300, 200), (20_000, 7_000)] {
            let hll = |from: i64, count: i64| {
                let mut h = Hll::default();
                (from..from + count).for_each(|i| h.insert(&Value::Int(i)));
                h
            };
            let (a, b) = (hll(0, sizes.0), hll(sizes.0 / 2, sizes.1));
            let mut merged = a.clone();
            merged.merge(&b);
            let row = client
                .query_one(
                    "SELECT featc_register_max($1, $2), featc_hll_estimate(featc_register_max($1, $2))",
                    &[&a.registers(), &b.registers()],
                )
                .await
                .expect("hll");
            assert_eq!(row.get::<_, Vec<u8>>(0), merged.registers(), "{sizes:?}");
            assert_eq!(row.get::<_, i64>(1), merged.estimate(), "{sizes:?}");
        }

        let float = Some(&Type::Float);
        let parts: [&[f64]; 3] = [&[1e100, 1.0], &[-1e100, 0.1], &[3.3, -2.2, 1e-3]];
        let states: Vec<State> = parts
            .iter()
            .map(|values| {
                let mut s = State::new(&AggFunc::Sum, float);
                values.iter().for_each(|v| s.update(&Value::Float(*v), 0));
                s
            })
            .collect();
        let mut merged = states[0].clone();
        states[1..].iter().for_each(|s| merged.merge(s));
        let field = |s: &State, i: usize| match s.to_fields()[i] {
            FieldValue::Float(f) => Some(f),
            _ => None,
        };
        let mut sql_state: Option<Vec<Option<f64>>> = None;
        for s in &states {
            let row = client
                .query_one(
                    "SELECT featc_compensated_add($1, $2, $3)",
                    &[&sql_state, &field(s, 0), &field(s, 1)],
                )
                .await
                .expect("compensated");
            sql_state = row.get(0);
        }
        let sql_state = sql_state.expect("a state");
        assert_eq!(sql_state, vec![field(&merged, 0), field(&merged, 1)]);
        // 1 + 0.1 + 1.101, where plain addition loses the 1 next to 1e100.
        let total = match merged.finish() {
            Value::Float(total) => total,
            other => panic!("{other:?}"),
        };
        assert!((total - 2.201).abs() < 1e-12, "{total}");

        let fields = state_fields(&AggFunc::VarPop, float);
        assert_eq!(fields.len(), 3);
        let moments: Vec<State> = [[1e9 + 1.0, 1e9 + 2.0], [1e9 + 3.0, 1e9 + 7.5]]
            .iter()
            .map(|xs| {
                let mut s = State::new(&AggFunc::VarPop, float);
                xs.iter().for_each(|x| s.update(&Value::Float(*x), 0));
                s
            })
            .collect();
        let mut merged = moments[0].clone();
        merged.merge(&moments[1]);
        let parts = |s: &State| match s.to_fields().as_slice() {
            [FieldValue::Int(n), FieldValue::Float(mean), FieldValue::Float(m2)] => (*n, *mean, *m2),
            other => panic!("{other:?}"),
        };
        let (a, b) = (parts(&moments[0]), parts(&moments[1]));
        let row = client
            .query_one(
                "SELECT featc_moments_merge(ARRAY[$1::bigint, $2, $3]::double precision[], $4, $5, $6)",
                &[&a.0, &a.1, &a.2, &b.0, &b.1, &b.2],
            )
            .await
            .expect("moments");
        let (n, mean, m2) = parts(&merged);
        assert_eq!(row.get::<_, Vec<f64>>(0), vec![n as f64, mean, m2]);
    })
    .await;
}

/// The lookup's HyperLogLog fold, `featc_hll_union_estimate`, against merging the states with
/// `Hll::merge` and estimating with `Hll::estimate`: on the sparse states it merges register
/// by register, on dense ones (the byte-wise path), on unions past its sparse bound, with the
/// largest ranks and with empty or missing states.
#[tokio::test]
async fn hll_union_estimate_equals_the_rust_merge_and_estimate() {
    db::with_schema(|client: Arc<Client>| async move {
        let plan = fixture::plan();
        apply_ddl(&client, &plan).await;

        let values = |from: i64, count: i64| {
            let mut h = Hll::default();
            (from..from + count).for_each(|i| h.insert(&Value::Int(i)));
            h
        };
        // Ranks as given, at register 7 and 4000; the rest 0.
        let ranks = |a: u8, b: u8| {
            let mut registers = vec![0u8; values(0, 1).registers().len()];
            registers[7] = a;
            registers[4000] = b;
            Hll::from_registers(registers).expect("valid registers")
        };
        let sparse: Vec<Hll> = (0..20).map(|i| values(i * 3, 1 + i % 4)).collect();
        let cases: Vec<(&str, Vec<Option<Hll>>)> = vec![
            ("none", vec![]),
            ("one empty", vec![Some(Hll::default())]),
            ("missing and empty", vec![None, Some(Hll::default()), None]),
            ("one value", vec![Some(values(5, 1))]),
            ("sparse", sparse.iter().cloned().map(Some).collect()),
            (
                "a union past the sparse bound",
                (0..12).map(|i| Some(values(i * 100, 100))).collect(),
            ),
            (
                "dense and sparse",
                vec![
                    Some(values(0, 3)),
                    Some(values(0, 20_000)),
                    Some(values(10_000, 15_000)),
                    Some(values(50_000, 2)),
                ],
            ),
            (
                "the largest ranks",
                vec![Some(ranks(45, 1)), Some(ranks(2, 53))],
            ),
        ];
        for (name, states) in cases {
            let mut merged = Hll::default();
            states.iter().flatten().for_each(|h| merged.merge(h));
            let param: Vec<Option<Vec<u8>>> = states
                .iter()
                .map(|h| h.as_ref().map(|h| h.registers().to_vec()))
                .collect();
            let row = client
                .query_one("SELECT featc_hll_union_estimate($1)", &[&param])
                .await
                .unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(row.get::<_, i64>(0), merged.estimate(), "{name}");
        }
        let row = client
            .query_one("SELECT featc_hll_union_estimate(NULL)", &[])
            .await
            .expect("null");
        assert_eq!(row.get::<_, i64>(0), 0);
    })
    .await;
}

/// Every statement generated for the example projects is accepted by Postgres: the DDL runs,
/// every upsert and lookup prepares (name resolution and type checking), and each lookup
/// answers a request for an unknown key with the empty values.
#[tokio::test]
async fn example_projects_statements_run_on_postgres() {
    let examples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<_> = std::fs::read_dir(&examples)
        .expect("examples/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let Ok(project) = featc::project::load(std::slice::from_ref(&dir)) else {
            continue; // no .feat files (yet)
        };
        let (Some(plan), _) = featc::project::analyze(&project.sources) else {
            eprintln!(
                "{}: does not compile; its online statements are not checked",
                dir.display()
            );
            continue;
        };
        db::with_schema(move |client: Arc<Client>| async move {
            apply_ddl(&client, &plan).await;
            for view in &plan.views {
                let upsert = online::view_artifacts(&plan, view)
                    .expect("artifacts")
                    .upsert;
                if let Err(e) = client.prepare(&upsert).await {
                    panic!("{}: {e:?}\n{upsert}", view.name);
                }
            }
            for service in &plan.services {
                let lookup = online::service_lookup(&plan, service).expect("lookup");
                let statement = client
                    .prepare(&lookup)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e:?}\n{lookup}", service.name));
                let mut params = Vec::new();
                for key in &service.keys {
                    let ty = PgType::of_type(&key.ty.ty).expect("a key type");
                    let unknown = match key.ty.ty {
                        Type::String => Value::String("nobody".into()),
                        Type::Int => Value::Int(-1),
                        ref other => panic!("add a test key value for {other}"),
                    };
                    params.push(codec::encode_values(&ty, &[unknown]).expect("a key"));
                }
                let timestamp = PgType::of_type(&Type::Timestamp).expect("timestamptz");
                params.push(
                    codec::encode_values(&timestamp, &[Value::Timestamp(fixture::START)])
                        .expect("a time"),
                );
                for input in &service.request {
                    let ty = PgType::of_type(&input.ty.ty).expect("a request input type");
                    let sent = match input.ty.ty {
                        Type::Float => Value::Float(12.5),
                        Type::String => Value::String("sent".into()),
                        ref other => panic!("add a test request value for {other}"),
                    };
                    params.push(codec::encode_values(&ty, &[sent]).expect("a request input"));
                }
                let rows = client
                    .query(&statement, &refs(&params))
                    .await
                    .expect("the lookup runs");
                assert_eq!(rows.len(), 1, "{}", service.name);
            }
        })
        .await;
    }
}
