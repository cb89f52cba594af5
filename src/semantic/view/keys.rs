//! The input of a view has the entity's keys: a column of the same name (E0211) and type
//! (E0306) for every key, never null (E0306); a table is keyed by exactly those columns (E0211).

use crate::diagnostic::did_you_mean;
use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::context::{Cx, quoted_list};
use crate::semantic::entity::EntityInfo;
use crate::semantic::input::{InputInfo, InputKind};
use crate::syntax::ast::FeaturesDecl;

pub(super) fn check(cx: &mut Cx, view: &FeaturesDecl, entity: &EntityInfo, input: &InputInfo) {
    let input_name = &input.name.name;
    let entity_name = &view.entity.name;
    for key in entity.keys.iter().filter(|k| k.typed) {
        let name = &key.field.name;
        let Some(column) = input.schema.get(name) else {
            let help = match did_you_mean(name, input.schema.names()) {
                Some(close) => format!(
                    "input columns are matched to entity keys by name: rename `{close}` to `{name}` in the schema of `{input_name}`"
                ),
                None => format!(
                    "add `{name}: {}` to the schema of `{input_name}`",
                    key.field.ty.ty
                ),
            };
            cx.report(
                Diagnostic::error(
                    Code::MISSING_KEY_COLUMN,
                    format!("{} `{input_name}` has no column `{name}`, the key of entity `{entity_name}`", input.kind.noun()),
                )
                .at(view.from.span, format!("has no column `{name}`"))
                .with_label(key.name_span, format!("key of `{entity_name}` declared here"))
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
