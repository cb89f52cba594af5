//! The input of a view has the entity's keys: a column of the same name — or the column the
//! view names for it, `on user(sender_id)` — (E0211) and type (E0306) for every key, never null
//! (E0306); a table is keyed by exactly those columns (E0211), and takes no roles.

use crate::diagnostic::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::context::{Cx, quoted_list};
use crate::semantic::entity::EntityInfo;
use crate::semantic::input::{InputInfo, InputKind};
use crate::syntax::ast::FeaturesDecl;

pub(super) fn check(cx: &mut Cx, view: &FeaturesDecl, entity: &EntityInfo, input: &InputInfo) {
    let input_name = &input.name.name;
    let entity_name = &view.entity.name;
    if let Some(roles) = &view.key_columns
        && !check_roles(cx, view, entity, input, roles)
    {
        return;
    }
    for (i, key) in entity.keys.iter().enumerate().filter(|(_, k)| k.typed) {
        let role = view.key_columns.as_ref().and_then(|r| r.get(i));
        let name = role.map_or(&key.field.name, |r| &r.name);
        let Some(column) = input.schema.get(name) else {
            let key_name = &key.field.name;
            let help = match (did_you_mean(name, input.schema.names()), role) {
                (Some(close), Some(_)) => format!("did you mean `{close}`?"),
                (None, Some(_)) => format!(
                    "name the column of `{input_name}` that holds the key; its columns are {}",
                    quoted_list(&input.schema.names().collect::<Vec<_>>())
                ),
                (Some(close), None) => format!(
                    "input columns are matched to entity keys by name: rename `{close}` to `{name}` in the schema of `{input_name}`, or name the column that plays the key: `on {entity_name}({close})`"
                ),
                (None, _) => format!(
                    "add `{name}: {}` to the schema of `{input_name}`",
                    key.field.ty.ty
                ),
            };
            let message = match role {
                Some(_) => format!(
                    "{} `{input_name}` has no column `{name}` to play the key `{key_name}` of entity `{entity_name}`",
                    input.kind.noun()
                ),
                None => format!(
                    "{} `{input_name}` has no column `{name}`, the key of entity `{entity_name}`",
                    input.kind.noun()
                ),
            };
            cx.report(
                Diagnostic::error(Code::MISSING_KEY_COLUMN, message)
                    .at(
                        role.map_or(view.from.span, |r| r.span),
                        format!("has no column `{name}`"),
                    )
                    .with_label(
                        key.name_span,
                        format!("key of `{entity_name}` declared here"),
                    )
                    .with_help(help),
            );
            continue;
        };
        let Some(ty) = &column.ty else { continue };
        if ty.ty != key.field.ty.ty {
            cx.report(
                Diagnostic::error(
                    Code::KEY_TYPE_MISMATCH,
                    format!(
                        "key `{name}` is `{}` in `{input_name}` but `{}` in entity `{entity_name}`",
                        ty.ty, key.field.ty.ty
                    ),
                )
                .at(view.from.span, format!("`{input_name}.{name}` is `{}`", ty.ty))
                .with_label(column.ty_span, format!("`{}` here", ty.ty))
                .with_label(key.ty_span, format!("`{}` here", key.field.ty.ty))
                .with_help(format!(
                    "declare `{name}: {}` in `{input_name}`, or change the type of the entity's key",
                    key.field.ty.ty
                )),
            );
        } else if ty.nullable {
            cx.report(
                Diagnostic::error(
                    Code::KEY_TYPE_MISMATCH,
                    format!("key column `{name}` of `{input_name}` may be null"),
                )
                .at(view.from.span, format!("`{input_name}.{name}` is `{ty}`"))
                .with_label(column.ty_span, "declared nullable here")
                .with_help(format!(
                    "a key identifies the entity and cannot be null: declare `{name}: {}` (without `?`) and drop rows without a key upstream",
                    ty.ty
                )),
            );
        }
    }
    if input.kind == InputKind::Table && input.key_span.is_some() {
        check_table_key(cx, view, entity, input);
    }
}

/// A view over a table reads the one row in force per entity: the table's key must be the
/// entity's keys, no more and no fewer.
fn check_table_key(cx: &mut Cx, view: &FeaturesDecl, entity: &EntityInfo, input: &InputInfo) {
    let entity_keys: Vec<&str> = entity.keys.iter().map(|k| k.field.name.as_str()).collect();
    let table_keys: Vec<&str> = input.key.iter().map(|k| k.name.as_str()).collect();
    let missing: Vec<&str> = entity_keys
        .iter()
        .copied()
        .filter(|k| !table_keys.contains(k) && input.schema.get(k).is_some())
        .collect();
    let extra: Vec<&str> = table_keys
        .iter()
        .copied()
        .filter(|k| !entity_keys.contains(k))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return;
    }
    let Some(key_span) = input.key_span else {
        return;
    };
    let table = &input.name.name;
    let entity_name = &view.entity.name;
    let message = if !missing.is_empty() {
        format!(
            "table `{table}` is not keyed by {}, the key of entity `{entity_name}`",
            quoted_list(&missing)
        )
    } else {
        format!(
            "table `{table}` is keyed by {} too, which entity `{entity_name}` does not have",
            quoted_list(&extra)
        )
    };
    cx.report(
        Diagnostic::error(Code::MISSING_KEY_COLUMN, message)
            .at(view.from.span, format!("keyed by {}", quoted_list(&table_keys)))
            .with_label(key_span, "the table's key")
            .with_help(format!(
                "a view over a table reads the row in force for each `{entity_name}`: the table's key must be {}",
                quoted_list(&entity_keys)
            )),
    );
}

/// `on user(sender_id)`: one column per key, over a source, and no column already named like a
/// key it renames (the view's rows would have two columns of that name). False when an error
/// was reported.
fn check_roles(
    cx: &mut Cx,
    view: &FeaturesDecl,
    entity: &EntityInfo,
    input: &InputInfo,
    roles: &[crate::syntax::ast::Ident],
) -> bool {
    let entity_name = &view.entity.name;
    let keys: Vec<&str> = entity.keys.iter().map(|k| k.field.name.as_str()).collect();
    let span = roles.first().map_or(view.entity.span, |r| r.span);
    if input.kind == InputKind::Table {
        cx.report(
            Diagnostic::error(
                Code::MISSING_KEY_COLUMN,
                format!("a view over table `{}` cannot name the columns of its keys", input.name.name),
            )
            .at(span, "a role over a table")
            .with_help("a table is keyed by the entity's keys by name; roles like `on user(sender_id)` are for views over sources"),
        );
        return false;
    }
    if roles.len() != keys.len() {
        cx.report(
            Diagnostic::error(
                Code::MISSING_KEY_COLUMN,
                format!(
                    "`{entity_name}` has {} key(s) ({}), but the view names {} column(s)",
                    keys.len(),
                    quoted_list(&keys),
                    roles.len()
                ),
            )
            .at(span, "one column per key, in key order")
            .with_help(format!(
                "write `on {entity_name}(COLUMN, ...)` with one column for each of {}",
                quoted_list(&keys)
            )),
        );
        return false;
    }
    for (key, role) in keys.iter().zip(roles) {
        if role.name != *key && input.schema.get(key).is_some() {
            cx.report(
                Diagnostic::error(
                    Code::MISSING_KEY_COLUMN,
                    format!(
                        "`{}` plays the key `{key}`, but `{}` has a column `{key}` too",
                        role.name, input.name.name
                    ),
                )
                .at(role.span, format!("plays `{key}`"))
                .with_help(format!(
                    "the view's rows name the key `{key}`: rename the column `{key}` of `{}`, or drop the role to read it",
                    input.name.name
                )),
            );
            return false;
        }
    }
    true
}
