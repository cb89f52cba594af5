//! Small constructors for the sqlparser syntax trees the batch statements are made of
//! (sqlparser's nodes have many fields that featc never sets). Identifiers are always quoted;
//! values are always literals built from typed data, never text pasted into SQL.

use super::names::{OFFSET, OFFSET_RELATION};
use crate::compile::sql_expr::{binary, function, ident, number_literal};
use datafusion::sql::sqlparser::ast::helpers::attached_token::AttachedToken;
use datafusion::sql::sqlparser::ast::{
    BinaryOperator, Cte, Distinct, ExcludeSelectItem, Expr, GroupByExpr, Join, JoinConstraint,
    JoinOperator, ObjectName, ObjectNamePart, OrderBy, OrderByExpr, OrderByKind, OrderByOptions,
    Parens, Query, Select, SelectFlavor, SelectItem, SelectItemQualifiedWildcardKind, SetExpr,
    TableAlias, TableAliasColumnDef, TableFactor, TableWithJoins, Values,
    WildcardAdditionalOptions, WindowSpec, WindowType, With,
};

/// `"name"`
pub fn name(column: &str) -> Expr {
    Expr::Identifier(ident(column))
}

/// `"table"."column"`
pub fn col(table: &str, column: &str) -> Expr {
    Expr::CompoundIdentifier(vec![ident(table), ident(column)])
}

/// `expr AS "alias"`, or just `expr` when it is a column of that name already.
pub fn aliased(expr: Expr, alias: &str) -> SelectItem {
    let named_alike = match &expr {
        Expr::Identifier(i) => i.value == alias,
        Expr::CompoundIdentifier(parts) => parts.last().is_some_and(|i| i.value == alias),
        _ => false,
    };
    if named_alike {
        SelectItem::UnnamedExpr(expr)
    } else {
        SelectItem::ExprWithAlias {
            expr,
            alias: ident(alias),
        }
    }
}

/// A projected column under its own name: `"t"."c"` or `"c"`.
pub fn item(expr: Expr) -> SelectItem {
    SelectItem::UnnamedExpr(expr)
}

/// `"table".* EXCLUDE ("a", "b")`: every column of a relation but some.
pub fn all_columns_except(table: &str, excluded: &[&str]) -> SelectItem {
    SelectItem::QualifiedWildcard(
        SelectItemQualifiedWildcardKind::ObjectName(object_name(table)),
        WildcardAdditionalOptions {
            opt_exclude: Some(ExcludeSelectItem::Multiple(
                excluded.iter().map(|c| object_name(c)).collect(),
            )),
            ..WildcardAdditionalOptions::default()
        },
    )
}

/// `(VALUES (v1), (v2), ...) AS "alias"("column")`: a one-column constant relation.
pub fn values(rows: Vec<Expr>, alias: &str, column: &str) -> TableFactor {
    let body = SetExpr::Values(Values {
        explicit_row: false,
        value_keyword: false,
        rows: rows
            .into_iter()
            .map(|v| Parens::with_empty_span(vec![v]))
            .collect(),
    });
    TableFactor::Derived {
        lateral: false,
        subquery: Box::new(query_of(body, None, None)),
        alias: Some(table_alias(alias, &[column])),
        sample: None,
    }
}

/// `row_number() OVER (PARTITION BY p, ... ORDER BY o1 DESC NULLS LAST, ...)`: 1 for the
/// greatest row of each partition.
pub fn row_number_desc(partition_by: Vec<Expr>, order_by: Vec<Expr>) -> Expr {
    let mut call = function("row_number", Vec::new());
    if let Expr::Function(f) = &mut call {
        f.over = Some(WindowType::WindowSpec(WindowSpec {
            window_name: None,
            partition_by,
            order_by: order_by
                .into_iter()
                .map(|expr| OrderByExpr {
                    expr,
                    options: OrderByOptions {
                        asc: Some(false),
                        nulls_first: Some(false),
                    },
                    with_fill: None,
                })
                .collect(),
            window_frame: None,
        }));
    }
    call
}

/// `(VALUES (1), (2), ..., (k)) AS "o"("n")`: the offsets 1 ..= k. (A constant relation
/// rather than `generate_series`: DataFusion knows its size and joins it fast.)
pub fn offsets(k: i64) -> TableFactor {
    let rows = (1..=k).map(|n| number_literal(n.to_string())).collect();
    values(rows, OFFSET_RELATION, OFFSET)
}

/// `a AND b AND ...` (`TRUE` for no conditions).
pub fn and_all(conditions: Vec<Expr>) -> Expr {
    let mut iter = conditions.into_iter();
    let Some(first) = iter.next() else {
        return Expr::value(datafusion::sql::sqlparser::ast::Value::Boolean(true));
    };
    iter.fold(first, |acc, next| binary(acc, BinaryOperator::And, next))
}

/// `left = right`
pub fn eq(left: Expr, right: Expr) -> Expr {
    binary(left, BinaryOperator::Eq, right)
}

fn object_name(name: &str) -> ObjectName {
    ObjectName(vec![ObjectNamePart::Identifier(ident(name))])
}

/// `AS "alias"("column", ...)`; a CTE prints its own `AS`, so its alias is not `explicit`.
fn table_alias(alias: &str, columns: &[&str]) -> TableAlias {
    TableAlias {
        explicit: true,
        name: ident(alias),
        columns: columns
            .iter()
            .map(|c| TableAliasColumnDef {
                name: ident(c),
                data_type: None,
            })
            .collect(),
        at: None,
    }
}

/// `"table" AS "alias"` (no alias when it equals the name).
pub fn table(name: &str, alias: &str) -> TableFactor {
    TableFactor::Table {
        name: object_name(name),
        alias: (alias != name).then(|| table_alias(alias, &[])),
        args: None,
        with_hints: Vec::new(),
        version: None,
        with_ordinality: false,
        partitions: Vec::new(),
        json_path: None,
        sample: None,
        index_hints: Vec::new(),
    }
}

/// `(query) AS "alias"`
pub fn derived(query: Query, alias: &str) -> TableFactor {
    TableFactor::Derived {
        lateral: false,
        subquery: Box::new(query),
        alias: Some(table_alias(alias, &[])),
        sample: None,
    }
}

/// How a joined relation is matched.
pub enum JoinKind {
    Inner,
    Left,
    Cross,
}

pub fn join(kind: JoinKind, relation: TableFactor, on: Option<Expr>) -> Join {
    let constraint = match on {
        Some(on) => JoinConstraint::On(on),
        None => JoinConstraint::None,
    };
    Join {
        relation,
        global: false,
        join_operator: match kind {
            JoinKind::Inner => JoinOperator::Join(constraint),
            JoinKind::Left => JoinOperator::LeftOuter(constraint),
            JoinKind::Cross => JoinOperator::CrossJoin(constraint),
        },
    }
}

/// A `SELECT` under construction; [`SelectBuilder::query`] finishes it.
pub struct SelectBuilder {
    distinct: bool,
    projection: Vec<SelectItem>,
    from: Option<TableWithJoins>,
    selection: Vec<Expr>,
    group_by: Vec<Expr>,
    order_by: Vec<OrderByExpr>,
    ctes: Vec<Cte>,
}

fn order_key(expr: Expr, ascending: bool) -> OrderByExpr {
    OrderByExpr {
        expr,
        options: OrderByOptions {
            asc: (!ascending).then_some(false),
            nulls_first: None,
        },
        with_fill: None,
    }
}

/// `SELECT items`
pub fn select(projection: Vec<SelectItem>) -> SelectBuilder {
    SelectBuilder {
        distinct: false,
        projection,
        from: None,
        selection: Vec::new(),
        group_by: Vec::new(),
        order_by: Vec::new(),
        ctes: Vec::new(),
    }
}

impl SelectBuilder {
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    pub fn from(mut self, relation: TableFactor) -> Self {
        self.from = Some(TableWithJoins {
            relation,
            joins: Vec::new(),
        });
        self
    }

    /// Adds a join to the `FROM` relation (which must be set first).
    pub fn join(mut self, join: Join) -> Self {
        if let Some(from) = &mut self.from {
            from.joins.push(join);
        }
        self
    }

    /// Adds a `WHERE` condition (several are joined with `AND`).
    pub fn filter(mut self, condition: Expr) -> Self {
        self.selection.push(condition);
        self
    }

    pub fn group_by(mut self, exprs: Vec<Expr>) -> Self {
        self.group_by = exprs;
        self
    }

    /// `ORDER BY exprs` (ascending; nulls as the engine orders them: featc sorts on keys and
    /// times, which are never null in materialized output).
    pub fn order_by(mut self, exprs: Vec<Expr>) -> Self {
        self.order_by = exprs.into_iter().map(|e| order_key(e, true)).collect();
        self
    }

    /// Adds a descending sort key after the others.
    pub fn then_descending(mut self, expr: Expr) -> Self {
        self.order_by.push(order_key(expr, false));
        self
    }

    /// Adds an ascending sort key after the others.
    pub fn then_ascending(mut self, expr: Expr) -> Self {
        self.order_by.push(order_key(expr, true));
        self
    }

    /// Adds a common table expression `"name" AS (query)` to the statement's `WITH`.
    pub fn with(mut self, name: &str, query: Query) -> Self {
        self.ctes.push(Cte {
            alias: TableAlias {
                explicit: false,
                ..table_alias(name, &[])
            },
            query: Box::new(query),
            from: None,
            materialized: None,
            closing_paren_token: AttachedToken::empty(),
        });
        self
    }

    pub fn query(self) -> Query {
        let select = Select {
            select_token: AttachedToken::empty(),
            optimizer_hints: Vec::new(),
            distinct: self.distinct.then_some(Distinct::Distinct),
            select_modifiers: None,
            top: None,
            top_before_distinct: false,
            projection: self.projection,
            exclude: None,
            into: None,
            from: self.from.into_iter().collect(),
            lateral_views: Vec::new(),
            prewhere: None,
            selection: (!self.selection.is_empty()).then(|| and_all(self.selection)),
            connect_by: Vec::new(),
            group_by: GroupByExpr::Expressions(self.group_by, Vec::new()),
            cluster_by: Vec::new(),
            distribute_by: Vec::new(),
            sort_by: Vec::new(),
            having: None,
            named_window: Vec::new(),
            qualify: None,
            window_before_qualify: false,
            value_table_mode: None,
            flavor: SelectFlavor::Standard,
        };
        let with = (!self.ctes.is_empty()).then(|| With {
            with_token: AttachedToken::empty(),
            recursive: false,
            cte_tables: self.ctes,
        });
        let order_by = (!self.order_by.is_empty()).then_some(OrderBy {
            kind: OrderByKind::Expressions(self.order_by),
            interpolate: None,
        });
        query_of(SetExpr::Select(Box::new(select)), with, order_by)
    }
}

fn query_of(body: SetExpr, with: Option<With>, order_by: Option<OrderBy>) -> Query {
    Query {
        with,
        body: Box::new(body),
        order_by,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    }
}

/// A statement as featc writes it: a provenance comment line, the query pretty-printed, `;`.
/// Control characters in the provenance (a file name may hold a newline) are replaced, so the
/// comment stays one line and never turns into SQL.
pub fn statement(provenance: &str, query: &Query) -> String {
    let provenance: String = provenance
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("-- featc: {provenance}\n{query:#};\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_stays_one_comment_line() {
        let query = select(vec![item(name("a"))]).from(table("t", "t")).query();
        let text = statement("view v (evil\nDROP TABLE x;.feat:3)", &query);
        assert!(
            text.starts_with("-- featc: view v (evil?DROP TABLE x;.feat:3)\nSELECT"),
            "{text}"
        );
        assert!(text.ends_with(";\n"));
    }

    #[test]
    fn identifiers_are_quoted_and_aliases_only_when_renaming() {
        let query = select(vec![
            aliased(col("t", "a"), "a"),
            aliased(col("t", "b\"c"), "d"),
        ])
        .from(table("my table", "t"))
        .query();
        assert_eq!(
            query.to_string(),
            r#"SELECT "t"."a", "t"."b""c" AS "d" FROM "my table" AS "t""#
        );
    }
}
