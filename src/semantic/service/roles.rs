//! Roles: `include view.* on entity(column, ...)` reads a view for the entity whose keys the
//! service's `column`s carry, so that one entity can be read twice in one service (the
//! sender's and the receiver's features side by side). The role's name is the view followed
//! by its columns, `sent(sender_id)`: unique per (view, columns), and never a view's name.

use crate::diagnostic::{Code, Diagnostic, plural};
use crate::plan::Role;
use crate::semantic::context::Cx;
use crate::semantic::view::ViewInfo;
use crate::syntax::ast::IncludeRole;

/// The role `on entity(columns)` of the view `info`: `None` when it is wrong (E0218,
/// reported), `Some(None)` when the columns are the view's own keys (no role at all).
pub(super) fn bind(cx: &mut Cx, info: &ViewInfo, role: &IncludeRole) -> Option<Option<Role>> {
    let view = &info.view;
    if role.entity.name != view.entity {
        cx.report(
            Diagnostic::error(
                Code::BAD_ROLE,
                format!(
                    "view `{}` is on entity `{}`, not `{}`",
                    view.name, view.entity, role.entity.name
                ),
            )
            .at(role.entity.span, format!("`{}` here", role.entity.name))
            .with_help(format!(
                "name the view's entity: `on {}({})`",
                view.entity,
                columns_text(role)
            )),
        );
        return None;
    }
    if !info.keys_known {
        return None;
    }
    if role.columns.len() != view.keys.len() {
        let keys: Vec<&str> = view.keys.iter().map(|k| k.name.as_str()).collect();
        cx.report(
            Diagnostic::error(
                Code::BAD_ROLE,
                format!(
                    "entity `{}` has {} ({}), the role gives {}",
                    view.entity,
                    plural(keys.len(), "key"),
                    keys.join(", "),
                    plural(role.columns.len(), "column"),
                ),
            )
            .at(role.span, "one column per key, in key order")
            .with_help(format!(
                "e.g. `on {}({})`",
                view.entity,
                keys.iter()
                    .map(|k| format!("sender_{k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        return None;
    }
    let columns: Vec<&str> = role.columns.iter().map(|c| c.name.as_str()).collect();
    if view
        .keys
        .iter()
        .zip(&columns)
        .all(|(key, column)| key.name == *column)
    {
        return Some(None);
    }
    Some(Some(Role {
        name: Role::name_of(&view.name, &columns),
        view: view.name.clone(),
        keys: columns.iter().map(|c| c.to_string()).collect(),
    }))
}

fn columns_text(role: &IncludeRole) -> String {
    role.columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
