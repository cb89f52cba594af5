//! Typed, resolved expressions of the plan.
//!
//! Semantic analysis makes every implicit conversion explicit (an `int` operand of a `float`
//! operation is wrapped in a [`ExprKind::Cast`]), desugars `between` and `case x when`, so back
//! ends print what they see and never reason about promotion.

use crate::types::{ColumnType, Type, Value};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Expr {
    pub kind: ExprKind,
    /// The result type, and whether the result may be null.
    pub ty: ColumnType,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExprKind {
    Literal(Value),
    /// A column of the view's input (a source or table column); in a service, a request
    /// input (`request.amount`).
    Column(String),
    /// A feature: an earlier feature of the same view, or `view.feature` in a service.
    Feature {
        view: String,
        feature: String,
    },
    Unary {
        op: UnaryOp,
        expr: Box<Expr>,
    },
    /// Division and modulo yield null for a zero divisor; `/` of two ints has been cast to float.
    Binary {
        op: BinaryOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        negated: bool,
    },
    /// Searched form only: `case when c1 then r1 ... else e end`.
    Case {
        branches: Vec<(Expr, Expr)>,
        else_result: Option<Box<Expr>>,
    },
    Call {
        func: ScalarFunc,
        args: Vec<Expr>,
    },
    Cast {
        expr: Box<Expr>,
        to: Type,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

impl BinaryOp {
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

/// The scalar functions of docs/language.md#expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalarFunc {
    Coalesce,
    Nullif,
    Abs,
    /// `round(x)` or `round(x, digits)`: half away from zero, on every back end.
    Round,
    Floor,
    Ceil,
    Ln,
    Exp,
    Sqrt,
    Lower,
    Upper,
    /// Length in characters.
    Length,
    /// Nulls are ignored (Postgres semantics); null only if all arguments are null.
    Greatest,
    Least,
}

impl ScalarFunc {
    pub const ALL: [ScalarFunc; 14] = [
        ScalarFunc::Coalesce,
        ScalarFunc::Nullif,
        ScalarFunc::Abs,
        ScalarFunc::Round,
        ScalarFunc::Floor,
        ScalarFunc::Ceil,
        ScalarFunc::Ln,
        ScalarFunc::Exp,
        ScalarFunc::Sqrt,
        ScalarFunc::Lower,
        ScalarFunc::Upper,
        ScalarFunc::Length,
        ScalarFunc::Greatest,
        ScalarFunc::Least,
    ];

    /// The name as written in `.feat`.
    pub fn name(self) -> &'static str {
        match self {
            ScalarFunc::Coalesce => "coalesce",
            ScalarFunc::Nullif => "nullif",
            ScalarFunc::Abs => "abs",
            ScalarFunc::Round => "round",
            ScalarFunc::Floor => "floor",
            ScalarFunc::Ceil => "ceil",
            ScalarFunc::Ln => "ln",
            ScalarFunc::Exp => "exp",
            ScalarFunc::Sqrt => "sqrt",
            ScalarFunc::Lower => "lower",
            ScalarFunc::Upper => "upper",
            ScalarFunc::Length => "length",
            ScalarFunc::Greatest => "greatest",
            ScalarFunc::Least => "least",
        }
    }

    pub fn from_name(name: &str) -> Option<ScalarFunc> {
        ScalarFunc::ALL.into_iter().find(|f| f.name() == name)
    }
}

impl Expr {
    pub fn new(kind: ExprKind, ty: ColumnType) -> Expr {
        Expr { kind, ty }
    }

    /// Every sub-expression, depth first (the expression itself first).
    pub fn walk<'a>(&'a self, visit: &mut impl FnMut(&'a Expr)) {
        visit(self);
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Column(_) | ExprKind::Feature { .. } => {}
            ExprKind::Unary { expr, .. }
            | ExprKind::IsNull { expr, .. }
            | ExprKind::Cast { expr, .. } => expr.walk(visit),
            ExprKind::Binary { left, right, .. } => {
                left.walk(visit);
                right.walk(visit);
            }
            ExprKind::InList { expr, list, .. } => {
                expr.walk(visit);
                list.iter().for_each(|e| e.walk(visit));
            }
            ExprKind::Like { expr, pattern, .. } => {
                expr.walk(visit);
                pattern.walk(visit);
            }
            ExprKind::Case {
                branches,
                else_result,
            } => {
                for (when, then) in branches {
                    when.walk(visit);
                    then.walk(visit);
                }
                if let Some(e) = else_result {
                    e.walk(visit);
                }
            }
            ExprKind::Call { args, .. } => args.iter().for_each(|e| e.walk(visit)),
        }
    }

    /// The input columns this expression reads, sorted and deduplicated.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Column(c) = &e.kind {
                out.push(c.as_str());
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The features this expression reads, as `(view, feature)`, sorted and deduplicated.
    pub fn features(&self) -> Vec<(&str, &str)> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let ExprKind::Feature { view, feature } = &e.kind {
                out.push((view.as_str(), feature.as_str()));
            }
        });
        out.sort_unstable();
        out.dedup();
        out
    }
}
