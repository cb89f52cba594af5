//! Entities: at least one key (E0216), no repeated key (E0208), keys never null and of a
//! scalar type (E0306): a key identifies a row of every online table and every training row.

use super::context::Cx;
use super::types;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::{Entity, Field};
use crate::source::Span;
use crate::syntax::ast::EntityDecl;
use crate::types::Type;

/// An entity key as declared, for labels in later errors.
pub(crate) struct Key {
    pub field: Field,
    /// False when the type failed to resolve (the key is then not checked against inputs).
    pub typed: bool,
    pub name_span: Span,
    pub ty_span: Span,
}

pub(crate) struct EntityInfo {
    pub keys: Vec<Key>,
}

pub(crate) fn lower_entity(cx: &mut Cx, decl: &EntityDecl) -> (EntityInfo, Entity) {
    if decl.keys.is_empty() {
        cx.report(
            Diagnostic::error(
                Code::EMPTY_DECLARATION,
                format!("entity `{}` has no key", decl.name.name),
            )
            .at(decl.name.span, "no `key`")
            .with_help("declare the column that identifies it, e.g. `key user_id: string`"),
        );
    }
    let mut keys: Vec<Key> = Vec::new();
    for key in &decl.keys {
        if let Some(first) = keys.iter().find(|k| k.field.name == key.name.name) {
            cx.report(
                Diagnostic::error(
                    Code::DUPLICATE_MEMBER,
                    format!(
                        "entity `{}` declares the key `{}` twice",
                        decl.name.name, key.name.name
                    ),
                )
                .at(key.name.span, "declared again here")
                .with_label(first.name_span, "first declared here")
                .with_help("remove one of them; a composite key lists distinct columns"),
            );
            continue;
        }
        let ty = types::column_type(cx, &key.ty);
        if let Some(ty) = &ty {
            check_key_type(cx, &decl.name.name, key.name.name.as_str(), ty, key.ty.span);
        }
        keys.push(Key {
            typed: ty.is_some(),
            field: Field {
                name: key.name.name.clone(),
                ty: ty.map_or(crate::types::ColumnType::required(Type::Null), |t| {
                    crate::types::ColumnType::required(t.ty)
                }),
            },
            name_span: key.name.span,
            ty_span: key.ty.span,
        });
    }
    let entity = Entity {
        name: decl.name.name.clone(),
        keys: keys.iter().map(|k| k.field.clone()).collect(),
        location: cx.location(decl.name.span),
    };
    (EntityInfo { keys }, entity)
}

fn check_key_type(cx: &mut Cx, entity: &str, key: &str, ty: &crate::types::ColumnType, span: Span) {
    if ty.nullable {
        cx.report(
            Diagnostic::error(
                Code::KEY_TYPE_MISMATCH,
                format!("key `{key}` of entity `{entity}` is declared nullable"),
            )
            .at(span, "a key cannot be null")
            .with_help(format!("remove the `?`: `key {key}: {}`", ty.ty)),
        );
    }
    if matches!(ty.ty, Type::List(_)) {
        cx.report(
            Diagnostic::error(
                Code::KEY_TYPE_MISMATCH,
                format!("key `{key}` of entity `{entity}` is a list"),
            )
            .at(span, "a key must be a single value")
            .with_help("use a scalar type such as `string` or `int`; for several columns, declare several keys"),
        );
    }
}
