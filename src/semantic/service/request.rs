//! A service's request inputs (`request amount: float`): columns the caller sends with each
//! request, typed like a schema's columns.

use super::Output;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Field;
use crate::semantic::context::Cx;
use crate::semantic::schema::Schema;
use crate::syntax::ast::FieldDecl;
use crate::types::Type;

/// The request inputs, in declaration order; repeated names are reported (E0208) and lists
/// refused (E0315): a request value travels as one JSON value and one bind parameter.
pub(super) fn lower<'a>(cx: &mut Cx, service: &str, fields: &'a [FieldDecl]) -> Schema<'a> {
    let mut schema = Schema::lower(cx, &format!("the request of `{service}`"), fields);
    for column in &mut schema.columns {
        if let Some(ty) = &column.ty
            && matches!(ty.ty, Type::List(_))
        {
            cx.report(
                Diagnostic::error(
                    Code::REQUEST_INPUT_TYPE,
                    format!("request input `{}` is a list", column.name.name),
                )
                .at(column.ty_span, "a request input is a single value")
                .with_help("send a scalar (`string`, `int`, `float`, `bool`, `decimal`, `date`, `timestamp`)"),
            );
            column.ty = None;
        }
    }
    schema
}

/// A request input is named unlike every key and output (E0209): the labels carry it beside
/// the keys, and the training set writes the labels' columns beside the outputs.
pub(super) fn check_names(cx: &mut Cx, request: &Schema, outputs: &[Output], keys: &[Field]) {
    for column in &request.columns {
        let name = column.name.name.as_str();
        let clash = if keys.iter().any(|k| k.name == name) {
            Some(("a key of the service", None))
        } else {
            outputs
                .iter()
                .find(|o| o.output.name == name)
                .map(|o| ("an output", Some(o.span)))
        };
        let Some((what, span)) = clash else {
            continue;
        };
        let mut diagnostic = Diagnostic::error(
            Code::DUPLICATE_OUTPUT,
            format!("request input `{name}` has the name of {what}"),
        )
        .at(column.name.span, format!("same name as {what}"))
        .with_help(
            "the labels and the request carry the keys and request inputs side by side with the outputs: rename one",
        );
        if let Some(span) = span {
            diagnostic = diagnostic.with_label(span, "the output");
        }
        cx.report(diagnostic);
    }
}
