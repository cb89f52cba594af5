//! A source's or table's schema: its columns with their resolved types and where each was
//! declared (for "declared here" labels).

use super::context::Cx;
use super::types;
use crate::diagnostic::{Code, Diagnostic};
use crate::plan::Field;
use crate::source::Span;
use crate::syntax::ast::{FieldDecl, Ident};
use crate::types::ColumnType;

pub(crate) struct Column<'a> {
    pub name: &'a Ident,
    /// `None` when the type could not be resolved (already reported): expressions that read
    /// the column are then left untyped without a second error.
    pub ty: Option<ColumnType>,
    /// The type as written, where "declared here" labels point.
    pub ty_span: Span,
}

/// The columns of a schema, in declaration order, with unique names.
#[derive(Default)]
pub(crate) struct Schema<'a> {
    pub columns: Vec<Column<'a>>,
}

impl<'a> Schema<'a> {
    /// Resolves the fields' types; reports repeated column names (E0208) and keeps the first.
    pub fn lower(cx: &mut Cx, owner: &str, fields: &'a [FieldDecl]) -> Schema<'a> {
        let mut columns: Vec<Column<'a>> = Vec::new();
        for field in fields {
            let ty = types::column_type(cx, &field.ty);
            if let Some(first) = columns.iter().find(|c| c.name.name == field.name.name) {
                cx.report(
                    Diagnostic::error(
                        Code::DUPLICATE_MEMBER,
                        format!(
                            "column `{}` is declared twice in `{owner}`",
                            field.name.name
                        ),
                    )
                    .at(field.name.span, "declared again here")
                    .with_label(first.name.span, "first declared here")
                    .with_help("remove one of them, or rename it"),
                );
                continue;
            }
            columns.push(Column {
                name: &field.name,
                ty,
                ty_span: field.ty.span,
            });
        }
        Schema { columns }
    }

    pub fn get(&self, name: &str) -> Option<&Column<'a>> {
        self.columns.iter().find(|c| c.name.name == name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.name.name.as_str())
    }

    /// The plan's fields (columns whose type failed to resolve are left out: the plan is not
    /// produced then anyway).
    pub fn fields(&self) -> Vec<Field> {
        self.columns
            .iter()
            .filter_map(|c| {
                Some(Field {
                    name: c.name.name.clone(),
                    ty: c.ty.clone()?,
                })
            })
            .collect()
    }
}
