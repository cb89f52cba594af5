//! Declarations, clauses, view and service items, windows and types: pest pairs → AST.
//! One function per grammar rule, named after it.

use super::build::{Builder, child, children};
use super::grammar::Rule;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{
    CadenceDecl, Clause, Decl, DurationLit, EntityDecl, FeatureDecl, FeaturesDecl, FieldDecl,
    Ident, IncludeItem, IncludeRole, IncludeTarget, OnlineDecl, RefreshDecl, ServiceDecl,
    ServiceItem, SourceDecl, TableDecl, TypeExpr, TypeExprKind, ViewItem, WindowExpr,
    WindowExprKind,
};
use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR};
use pest::iterators::Pair;

/// Stands in for the precision of a `decimal` whose precision was not a valid integer (the
/// largest allowed, so that no second error follows).
const PLACEHOLDER_PRECISION: u64 = 38;

impl Builder<'_> {
    pub fn decl(&self, pair: Pair<'_, Rule>) -> Option<Decl> {
        let inner = pair.into_inner().next()?;
        match inner.as_rule() {
            Rule::entity_decl => self.entity_decl(inner).map(Decl::Entity),
            Rule::source_decl => {
                let (name, clauses, span) = self.clause_body(inner)?;
                Some(Decl::Source(SourceDecl {
                    name,
                    clauses,
                    span,
                }))
            }
            Rule::table_decl => {
                let (name, clauses, span) = self.clause_body(inner)?;
                Some(Decl::Table(TableDecl {
                    name,
                    clauses,
                    span,
                }))
            }
            Rule::features_decl => self.features_decl(inner).map(Decl::Features),
            Rule::service_decl => self.service_decl(inner).map(Decl::Service),
            _ => None,
        }
    }

    fn entity_decl(&self, pair: Pair<'_, Rule>) -> Option<EntityDecl> {
        let mut keys = Vec::new();
        for key in children(&pair, Rule::entity_key) {
            for field in children(&key, Rule::field) {
                keys.push(self.field(field)?);
            }
        }
        Some(EntityDecl {
            name: self.name(&child(&pair, Rule::name)?),
            keys,
            span: self.span(&pair),
        })
    }

    fn field(&self, pair: Pair<'_, Rule>) -> Option<FieldDecl> {
        Some(FieldDecl {
            name: self.name(&child(&pair, Rule::name)?),
            ty: self.type_expr(child(&pair, Rule::type_expr)?)?,
            span: self.span(&pair),
        })
    }

    /// The name and clauses of a `source` or `table`: both share one clause grammar.
    fn clause_body(&self, pair: Pair<'_, Rule>) -> Option<(Ident, Vec<Clause>, Span)> {
        let mut clauses = Vec::new();
        for clause in children(&pair, Rule::clause) {
            if let Some(clause) = self.clause(clause.into_inner().next()?)? {
                clauses.push(clause);
            }
        }
        Some((
            self.name(&child(&pair, Rule::name)?),
            clauses,
            self.span(&pair),
        ))
    }

    /// A clause, or `Some(None)` for a clause left out because its duration was invalid.
    fn clause(&self, pair: Pair<'_, Rule>) -> Option<Option<Clause>> {
        let span = self.span(&pair);
        let ident = |n: usize| children(&pair, Rule::ident).nth(n).map(|p| self.ident(&p));
        let clause = match pair.as_rule() {
            Rule::schema_clause => {
                let fields = children(&pair, Rule::field)
                    .map(|field| self.field(field))
                    .collect::<Option<Vec<_>>>()?;
                Clause::Schema { fields, span }
            }
            Rule::event_time_clause => Clause::EventTime {
                column: ident(0)?,
                span,
            },
            Rule::key_clause => Clause::Key {
                columns: children(&pair, Rule::ident)
                    .map(|p| self.ident(&p))
                    .collect(),
                span,
            },
            Rule::valid_from_clause => Clause::ValidFrom {
                column: ident(0)?,
                span,
            },
            Rule::known_at_clause => Clause::KnownAt {
                column: ident(0)?,
                span,
            },
            Rule::batch_clause => Clause::Batch {
                format: ident(0)?,
                location: self.quoted(&child(&pair, Rule::quoted)?),
                span,
            },
            Rule::stream_clause => Clause::Stream {
                kind: ident(0)?,
                topic: self.quoted(&child(&pair, Rule::quoted)?),
                format: ident(1)?,
                span,
            },
            Rule::settle_clause => match self.duration(&child(&pair, Rule::duration)?) {
                Ok(duration) => Clause::Settle { duration, span },
                // Reported; without the clause the default (no settle) applies.
                Err(_) => return Some(None),
            },
            _ => return None,
        };
        Some(Some(clause))
    }

    fn features_decl(&self, pair: Pair<'_, Rule>) -> Option<FeaturesDecl> {
        let mut refs = children(&pair, Rule::ident);
        let entity = self.ident(&refs.next()?);
        let from = self.ident(&refs.next()?);
        let key_columns = child(&pair, Rule::key_roles).map(|roles| {
            children(&roles, Rule::ident)
                .map(|c| self.ident(&c))
                .collect()
        });
        let mut items = Vec::new();
        // the clause that ends on the current line: a bare word after it on the same line is
        // a misspelt part of that clause, not a feature (`online postgres "t" mode x`)
        let mut open_clause: Option<(Rule, Span, bool)> = None;
        for item in children(&pair, Rule::view_item) {
            let item = item.into_inner().next()?;
            let span = self.span(&item);
            if let (Rule::bare_feature, Some((rule, end, reported))) = (item.as_rule(), open_clause)
                && self.same_line(end, span)
            {
                if !reported {
                    self.report(word_after_clause(rule, self.text_of(span), span));
                    open_clause = Some((rule, end, true));
                }
                continue;
            }
            open_clause = matches!(
                item.as_rule(),
                Rule::window_item
                    | Rule::ttl_item
                    | Rule::online_item
                    | Rule::refresh_item
                    | Rule::offline_item
            )
            .then_some((item.as_rule(), span, false));
            if let Some(item) = self.view_item(item)? {
                items.push(item);
            }
        }
        Some(FeaturesDecl {
            name: self.name(&child(&pair, Rule::name)?),
            entity,
            key_columns,
            from,
            items,
            span: self.span(&pair),
        })
    }

    /// Whether `later` starts on the line where `earlier` ends.
    fn same_line(&self, earlier: Span, later: Span) -> bool {
        let between = Span::new(earlier.file, earlier.end as usize, later.start as usize);
        !self.text_of(between).contains('\n')
    }

    /// An item of a view, or `Some(None)` for a `ttl` left out because its duration was invalid.
    fn view_item(&self, pair: Pair<'_, Rule>) -> Option<Option<ViewItem>> {
        let span = self.span(&pair);
        let item = match pair.as_rule() {
            Rule::window_item => ViewItem::Window(self.window(child(&pair, Rule::window)?)?),
            Rule::ttl_item => match self.duration(&child(&pair, Rule::duration)?) {
                Ok(duration) => ViewItem::Ttl { duration, span },
                Err(_) => return Some(None),
            },
            Rule::online_item => ViewItem::Online(OnlineDecl {
                store: self.ident(&child(&pair, Rule::ident)?),
                table: child(&pair, Rule::quoted).map(|p| self.quoted(&p)),
                retain: child(&pair, Rule::duration).and_then(|p| self.duration(&p).ok()),
                span,
            }),
            Rule::refresh_item => {
                let refresh = match child(&pair, Rule::cadence) {
                    None => RefreshDecl::Continuous,
                    Some(cadence) => {
                        let cadence = match child(&cadence, Rule::duration) {
                            Some(d) => match self.duration(&d) {
                                Ok(duration) => CadenceDecl::Interval(duration),
                                Err(_) => return Some(None),
                            },
                            None => CadenceDecl::Cron(self.quoted(&child(&cadence, Rule::quoted)?)),
                        };
                        RefreshDecl::Every {
                            snapshot: child(&pair, Rule::kw_snapshot).is_some(),
                            cadence,
                        }
                    }
                };
                ViewItem::Refresh { refresh, span }
            }
            Rule::offline_item => ViewItem::OfflineOnly { span },
            Rule::feature_def => ViewItem::Feature(self.feature_def(pair)?),
            Rule::bare_feature => ViewItem::Feature(FeatureDecl {
                name: self.name(&child(&pair, Rule::ident)?),
                value: None,
                filter: None,
                over: None,
                span,
            }),
            _ => return None,
        };
        Some(Some(item))
    }

    fn feature_def(&self, pair: Pair<'_, Rule>) -> Option<FeatureDecl> {
        let filter = match child(&pair, Rule::filter) {
            Some(filter) => Some(self.expr(child(&filter, Rule::expr)?)?),
            None => None,
        };
        let over = match child(&pair, Rule::over) {
            Some(over) => Some(self.window(child(&over, Rule::window)?)?),
            None => None,
        };
        Some(FeatureDecl {
            name: self.name(&child(&pair, Rule::name)?),
            value: Some(self.expr(child(&pair, Rule::expr)?)?),
            filter,
            over,
            span: self.span(&pair),
        })
    }

    /// A window. An invalid duration has been reported; it is replaced by a valid stand-in
    /// (the window's other duration where there is one) so that no second error follows.
    fn window(&self, pair: Pair<'_, Rule>) -> Option<WindowExpr> {
        let span = self.span(&pair);
        let shape = pair.into_inner().next()?;
        let mut durations = children(&shape, Rule::duration).map(|p| self.duration(&p));
        let stand_in = |span, micros| DurationLit { micros, span };
        let kind = match shape.as_rule() {
            Rule::tumbling => WindowExprKind::Tumbling {
                size: durations
                    .next()?
                    .unwrap_or_else(|bad| stand_in(bad, MICROS_PER_HOUR)),
            },
            Rule::sliding => {
                let (size, slide) = match (durations.next()?, durations.next()?) {
                    (Ok(size), Ok(slide)) => (size, slide),
                    (Err(bad), Ok(slide)) => (stand_in(bad, slide.micros), slide),
                    (Ok(size), Err(bad)) => (size.clone(), stand_in(bad, size.micros)),
                    (Err(bad_size), Err(bad_slide)) => (
                        stand_in(bad_size, MICROS_PER_HOUR),
                        stand_in(bad_slide, MICROS_PER_HOUR),
                    ),
                };
                WindowExprKind::Sliding { size, slide }
            }
            Rule::rolling => {
                let size = durations.next()?;
                // An invalid hop falls back to the default hop.
                let hop = durations.next().and_then(Result::ok);
                let size = size.unwrap_or_else(|bad| {
                    stand_in(bad, hop.as_ref().map_or(MICROS_PER_DAY, |h| h.micros))
                });
                WindowExprKind::Rolling { size, hop }
            }
            Rule::lifetime => WindowExprKind::Lifetime,
            _ => return None,
        };
        Some(WindowExpr { kind, span })
    }

    fn service_decl(&self, pair: Pair<'_, Rule>) -> Option<ServiceDecl> {
        let items = children(&pair, Rule::service_item)
            .map(|item| self.service_item(item.into_inner().next()?))
            .collect::<Option<Vec<_>>>()?;
        Some(ServiceDecl {
            name: self.name(&child(&pair, Rule::name)?),
            items,
            span: self.span(&pair),
        })
    }

    fn service_item(&self, pair: Pair<'_, Rule>) -> Option<ServiceItem> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::include_item => Some(ServiceItem::Include {
                items: children(&pair, Rule::include_target)
                    .map(|target| self.include_target(target))
                    .collect::<Option<Vec<_>>>()?,
                span,
            }),
            Rule::request_item => Some(ServiceItem::Request {
                fields: children(&pair, Rule::field)
                    .map(|field| self.field(field))
                    .collect::<Option<Vec<_>>>()?,
                span,
            }),
            Rule::derived => Some(ServiceItem::Derived {
                name: self.name(&child(&pair, Rule::name)?),
                value: self.expr(child(&pair, Rule::expr)?)?,
                span,
            }),
            _ => None,
        }
    }

    fn include_target(&self, pair: Pair<'_, Rule>) -> Option<IncludeItem> {
        let mut refs = children(&pair, Rule::ident);
        let view = self.ident(&refs.next()?);
        let target = match child(&pair, Rule::star) {
            Some(star) => IncludeTarget::All(self.span(&star)),
            None => IncludeTarget::Feature(self.ident(&refs.next()?)),
        };
        let role = match child(&pair, Rule::include_role) {
            Some(role) => Some(IncludeRole {
                entity: self.ident(&child(&role, Rule::ident)?),
                columns: children(&child(&role, Rule::key_roles)?, Rule::ident)
                    .map(|c| self.ident(&c))
                    .collect(),
                span: self.span(&role),
            }),
            None => None,
        };
        Some(IncludeItem {
            view,
            target,
            role,
            alias: child(&pair, Rule::name).map(|p| self.name(&p)),
            span: self.span(&pair),
        })
    }

    pub fn type_expr(&self, pair: Pair<'_, Rule>) -> Option<TypeExpr> {
        let span = self.span(&pair);
        let nullable = self.text_of(span).ends_with('?');
        let inner = pair.into_inner().next()?;
        let kind = match inner.as_rule() {
            Rule::named_type => TypeExprKind::Named(self.ident(&child(&inner, Rule::ident)?)),
            Rule::list_type => {
                TypeExprKind::List(Box::new(self.type_expr(child(&inner, Rule::type_expr)?)?))
            }
            Rule::decimal_type => {
                let mut numbers = children(&inner, Rule::int_lit).map(|p| self.unsigned(&p));
                TypeExprKind::Decimal {
                    precision: numbers.next()?.unwrap_or(PLACEHOLDER_PRECISION),
                    scale: numbers.next()?.unwrap_or(0),
                }
            }
            _ => return None,
        };
        Some(TypeExpr {
            kind,
            nullable,
            span,
        })
    }
}

/// A word after a view's `window`, `ttl` or `online` clause on the clause's line: not a word
/// of that clause (E0101), with the clause's form as the fix.
fn word_after_clause(kind: Rule, word: &str, span: Span) -> Diagnostic {
    let (name, form) = match kind {
        Rule::window_item => (
            "window",
            "window tumbling(SIZE) | sliding(SIZE, SLIDE) | rolling(SIZE[, hop HOP]) | lifetime",
        ),
        Rule::ttl_item => ("ttl", "ttl DURATION"),
        Rule::refresh_item => (
            "refresh",
            "refresh continuous | every CADENCE | snapshot every CADENCE",
        ),
        Rule::offline_item => ("offline", "offline only"),
        _ => ("online", "online postgres [\"TABLE\"] [retain DURATION]"),
    };
    Diagnostic::error(
        Code::SYNTAX,
        format!("`{word}` is not a word of the `{name}` clause"),
    )
    .at(span, format!("not part of `{name}`"))
    .with_help(format!(
        "the clause is `{form}`; a feature goes on a line of its own"
    ))
}
