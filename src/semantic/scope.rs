//! The global namespace: every declaration of the project, whatever its kind and file, shares
//! one namespace (E0207 for a second declaration of a name). Later passes resolve names here.

use super::context::Cx;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Decl, File};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeclKind {
    Entity,
    Source,
    Table,
    View,
    Service,
}

impl DeclKind {
    pub fn of(decl: &Decl) -> DeclKind {
        match decl {
            Decl::Entity(_) => DeclKind::Entity,
            Decl::Source(_) => DeclKind::Source,
            Decl::Table(_) => DeclKind::Table,
            Decl::Features(_) => DeclKind::View,
            Decl::Service(_) => DeclKind::Service,
        }
    }

    /// The noun used in messages: "`user` is an entity".
    pub fn noun(self) -> &'static str {
        match self {
            DeclKind::Entity => "entity",
            DeclKind::Source => "source",
            DeclKind::Table => "table",
            DeclKind::View => "feature view",
            DeclKind::Service => "service",
        }
    }

    pub fn with_article(self) -> &'static str {
        match self {
            DeclKind::Entity => "an entity",
            DeclKind::Source => "a source",
            DeclKind::Table => "a table",
            DeclKind::View => "a feature view",
            DeclKind::Service => "a service",
        }
    }
}

/// Every declaration, and the first declaration of each name.
pub(crate) struct Globals<'a> {
    first: BTreeMap<&'a str, &'a Decl>,
    /// Every declaration in file order, each with whether it is the first of its name (only
    /// the first of a name is resolved to; later ones are still checked on their own).
    pub all: Vec<(&'a Decl, bool)>,
}

impl<'a> Globals<'a> {
    /// Collects the declarations of all files, reporting every name declared twice.
    pub fn collect(cx: &mut Cx, files: &'a [(crate::source::FileId, File)]) -> Globals<'a> {
        let mut first: BTreeMap<&'a str, &'a Decl> = BTreeMap::new();
        let mut all = Vec::new();
        for (_, file) in files {
            for decl in &file.decls {
                let name = decl.name();
                match first.get(name.name.as_str()) {
                    Some(previous) => {
                        report_duplicate(cx, previous, decl);
                        all.push((decl, false));
                    }
                    None => {
                        first.insert(name.name.as_str(), decl);
                        all.push((decl, true));
                    }
                }
            }
        }
        Globals { first, all }
    }

    pub fn get(&self, name: &str) -> Option<&'a Decl> {
        self.first.get(name).copied()
    }

    /// The names of the declarations of one kind, for did-you-mean.
    pub fn names_of(&self, kinds: &[DeclKind]) -> Vec<&'a str> {
        self.first
            .iter()
            .filter(|(_, d)| kinds.contains(&DeclKind::of(d)))
            .map(|(n, _)| *n)
            .collect()
    }
}

fn report_duplicate(cx: &mut Cx, previous: &Decl, decl: &Decl) {
    let name = decl.name();
    let (kind, previous_kind) = (DeclKind::of(decl), DeclKind::of(previous));
    let message = if kind == previous_kind {
        format!("{} `{}` is declared twice", kind.noun(), name.name)
    } else {
        format!(
            "the name `{}` is already used by {}",
            name.name,
            previous_kind.with_article()
        )
    };
    let help = if previous.name().span.file == name.span.file {
        "names are global across a project: rename one of them".to_string()
    } else {
        format!(
            "names are global across all `.feat` files of a project (the first is in `{}`): rename one of them",
            cx.file_name(previous.name().span)
        )
    };
    cx.report(
        Diagnostic::error(Code::DUPLICATE_DECLARATION, message)
            .at(name.span, "declared again here")
            .with_label(
                previous.name().span,
                format!("first declared here, as {}", previous_kind.with_article()),
            )
            .with_help(help),
    );
}
