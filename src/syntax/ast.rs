//! The abstract syntax tree: what a `.feat` file says, with a span on every node and no types.
//!
//! Grammar rule ↔ parser function ↔ AST type share a root word (`feature_decl`,
//! `fn feature_decl`, `FeatureDecl`). The AST accepts more than the language allows where a
//! precise semantic error beats a generic syntax error (a `valid_from` clause in a source, an
//! unknown type name, an aggregate nested in an expression): semantic analysis rejects those.

use crate::source::Span;
use crate::types::Micros;

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal (quotes removed, escapes resolved).
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A duration literal such as `15m`: its value in microseconds and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct DurationLit {
    pub micros: Micros,
    pub span: Span,
}

/// One parsed `.feat` file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub decls: Vec<Decl>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decl {
    Entity(EntityDecl),
    Source(SourceDecl),
    Table(TableDecl),
    Features(FeaturesDecl),
    Service(ServiceDecl),
}

impl Decl {
    pub fn name(&self) -> &Ident {
        match self {
            Decl::Entity(d) => &d.name,
            Decl::Source(d) => &d.name,
            Decl::Table(d) => &d.name,
            Decl::Features(d) => &d.name,
            Decl::Service(d) => &d.name,
        }
    }
}

/// `entity user { key user_id: string }` (several `key` lines make a composite key).
#[derive(Debug, Clone, PartialEq)]
pub struct EntityDecl {
    pub name: Ident,
    pub keys: Vec<FieldDecl>,
    pub span: Span,
}

/// `name: type` in a schema or an entity key.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// A type as written: `string?`, `decimal(10, 2)`, `list<int>`.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    /// A trailing `?`.
    pub nullable: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeExprKind {
    /// `string`, `int`, `float`, `bool`, `timestamp`, `date` — or an unknown name, which
    /// semantic analysis reports with a did-you-mean.
    Named(Ident),
    /// `decimal(precision, scale)`; the numbers are checked (p ≤ 38, s ≤ p) by semantic analysis.
    Decimal { precision: u64, scale: u64 },
    /// `list<T>`.
    List(Box<TypeExpr>),
}

/// `source NAME { clauses }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceDecl {
    pub name: Ident,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

/// `table NAME { clauses }`.
#[derive(Debug, Clone, PartialEq)]
pub struct TableDecl {
    pub name: Ident,
    pub clauses: Vec<Clause>,
    pub span: Span,
}

/// A clause of a source or table body. Both bodies share one clause grammar; semantic analysis
/// says which clauses each may hold and reports missing or repeated ones.
#[derive(Debug, Clone, PartialEq)]
pub enum Clause {
    /// `schema { field: type ... }`
    Schema { fields: Vec<FieldDecl>, span: Span },
    /// `event_time COLUMN`
    EventTime { column: Ident, span: Span },
    /// `key COLUMN[, COLUMN...]`
    Key { columns: Vec<Ident>, span: Span },
    /// `valid_from COLUMN`
    ValidFrom { column: Ident, span: Span },
    /// `known_at COLUMN`
    KnownAt { column: Ident, span: Span },
    /// `batch FORMAT "location"` — format as written (`parquet`, `csv`, or unknown).
    Batch {
        format: Ident,
        location: StrLit,
        span: Span,
    },
    /// `stream KIND "topic" format FORMAT` — kind and format as written (`kafka`, `json`).
    Stream {
        kind: Ident,
        topic: StrLit,
        format: Ident,
        span: Span,
    },
    /// `settle DURATION`
    Settle { duration: DurationLit, span: Span },
}

impl Clause {
    pub fn span(&self) -> Span {
        match self {
            Clause::Schema { span, .. }
            | Clause::EventTime { span, .. }
            | Clause::Key { span, .. }
            | Clause::ValidFrom { span, .. }
            | Clause::KnownAt { span, .. }
            | Clause::Batch { span, .. }
            | Clause::Stream { span, .. }
            | Clause::Settle { span, .. } => *span,
        }
    }

    /// The clause's keyword, for messages ("`valid_from` is not allowed in a source").
    pub fn keyword(&self) -> &'static str {
        match self {
            Clause::Schema { .. } => "schema",
            Clause::EventTime { .. } => "event_time",
            Clause::Key { .. } => "key",
            Clause::ValidFrom { .. } => "valid_from",
            Clause::KnownAt { .. } => "known_at",
            Clause::Batch { .. } => "batch",
            Clause::Stream { .. } => "stream",
            Clause::Settle { .. } => "settle",
        }
    }
}

/// `features NAME on ENTITY from SOURCE_OR_TABLE { items }`.
#[derive(Debug, Clone, PartialEq)]
pub struct FeaturesDecl {
    pub name: Ident,
    pub entity: Ident,
    /// `on user(sender_id)`: the input columns that play the entity's keys, in key order
    /// (`None`: columns named like the keys).
    pub key_columns: Option<Vec<Ident>>,
    pub from: Ident,
    pub items: Vec<ViewItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ViewItem {
    /// `window sliding(1h, 15m)`
    Window(WindowExpr),
    /// `ttl 400d`
    Ttl { duration: DurationLit, span: Span },
    /// `online postgres "table" [retain 2d]`
    Online(OnlineDecl),
    /// `refresh continuous`, `refresh [snapshot] every CADENCE`
    Refresh { refresh: RefreshDecl, span: Span },
    /// `offline only`
    OfflineOnly { span: Span },
    /// a feature line
    Feature(FeatureDecl),
}

/// How a view's online copy is kept fresh, as written.
#[derive(Debug, Clone, PartialEq)]
pub enum RefreshDecl {
    Continuous,
    /// `every CADENCE`; `snapshot every CADENCE` rebuilds the whole copy each time.
    Every {
        snapshot: bool,
        cadence: CadenceDecl,
    },
}

/// `5m`, or a cron expression in quotes.
#[derive(Debug, Clone, PartialEq)]
pub enum CadenceDecl {
    Interval(DurationLit),
    Cron(StrLit),
}

/// A window as written: `tumbling(1h)`, `sliding(1h, 15m)`, `rolling(7d)`,
/// `rolling(30d, hop 1d)`, `lifetime`.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowExpr {
    pub kind: WindowExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WindowExprKind {
    Tumbling {
        size: DurationLit,
    },
    Sliding {
        size: DurationLit,
        slide: DurationLit,
    },
    Rolling {
        size: DurationLit,
        hop: Option<DurationLit>,
    },
    Lifetime,
}

/// `online postgres "table_name" [retain DURATION]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlineDecl {
    /// The store as written (`postgres`; anything else is a semantic error).
    pub store: Ident,
    pub table: Option<StrLit>,
    pub retain: Option<DurationLit>,
    pub span: Span,
}

/// A feature line of a view:
/// - `name = expr [where predicate] [over window]` — an aggregate (expr is a call of an
///   aggregate function) or an expression over earlier features / table columns;
/// - `name` alone — a bare column of a table, passed through.
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureDecl {
    pub name: Ident,
    /// `None` for a bare column name.
    pub value: Option<Expr>,
    pub filter: Option<Expr>,
    pub over: Option<WindowExpr>,
    pub span: Span,
}

/// `service NAME { include ...; name = expr }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceDecl {
    pub name: Ident,
    pub items: Vec<ServiceItem>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ServiceItem {
    /// `include a.*, b.f as g`
    Include { items: Vec<IncludeItem>, span: Span },
    /// `request amount: float, page: string?`
    Request { fields: Vec<FieldDecl>, span: Span },
    /// `name = expr` over `view.feature` references
    Derived {
        name: Ident,
        value: Expr,
        span: Span,
    },
}

/// One element of an `include` list.
#[derive(Debug, Clone, PartialEq)]
pub struct IncludeItem {
    pub view: Ident,
    pub target: IncludeTarget,
    /// `on user(sender_id)`: the request columns that carry the entity's keys.
    pub role: Option<IncludeRole>,
    /// The output's name for one feature; the outputs' prefix for `view.*`.
    pub alias: Option<Ident>,
    pub span: Span,
}

/// `on ENTITY(column, ...)` after an include target.
#[derive(Debug, Clone, PartialEq)]
pub struct IncludeRole {
    pub entity: Ident,
    pub columns: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum IncludeTarget {
    /// `view.*` (the span is the `*`)
    All(Span),
    /// `view.feature`
    Feature(Ident),
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// `a` or `view.feature`: one or more dot-separated names.
    Name(Vec<Ident>),
    /// `*`, only meaningful as the argument of `count(*)`.
    Star,
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    /// `x is [not] null`
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `x [not] in (a, b, ...)`
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `x [not] like pattern`
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
    },
    /// `x [not] between low and high`
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    /// `case [operand] when c then r ... [else e] end`
    Case {
        operand: Option<Box<Expr>>,
        branches: Vec<(Expr, Expr)>,
        else_result: Option<Box<Expr>>,
    },
    /// `f(args)`: scalar functions and aggregates alike; `count(*)` has a single `Star` arg.
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    /// `cast(x as T)`
    Cast {
        expr: Box<Expr>,
        ty: TypeExpr,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `'text'` (with `''` for a quote)
    String(String),
    /// An integer literal; one that does not fit i64 is a syntax error.
    Int(i64),
    /// A literal with a decimal point or exponent.
    Float(f64),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `||`
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
    /// The operator as written in `.feat` (and in SQL).
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::Concat => "||",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
        }
    }
}
