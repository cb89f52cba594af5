//! Expressions: the flat operator/operand sequence of the `expr` rule → an AST tree, with
//! pest's PrattParser and SQL precedence.
//!
//! Every node's depth is tracked: a tree deeper than [`MAX_NESTING`] is refused with an error,
//! so that later passes, which recurse over expressions, cannot overflow the stack (a chain
//! `a + a + ... + a` is flat text but a deep tree).

use super::build::{Builder, child, children, has};
use super::grammar::Rule;
use super::lexeme;
use super::scan::MAX_NESTING;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, Expr, ExprKind, Literal, UnaryOp};
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::LazyLock;

/// Lowest precedence first. Comparisons and the postfix predicates (`is null`, `in`, `like`,
/// `between`) share one level, left-associative, as in the SQL standard.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    let left = |rule| Op::infix(rule, Assoc::Left);
    PrattParser::new()
        .op(left(Rule::op_or))
        .op(left(Rule::op_and))
        .op(Op::prefix(Rule::op_not))
        .op(left(Rule::op_eq)
            | left(Rule::op_ne)
            | left(Rule::op_lt)
            | left(Rule::op_le)
            | left(Rule::op_gt)
            | left(Rule::op_ge)
            | Op::postfix(Rule::is_null)
            | Op::postfix(Rule::in_list)
            | Op::postfix(Rule::like)
            | Op::postfix(Rule::between))
        .op(left(Rule::op_concat))
        .op(left(Rule::op_add) | left(Rule::op_sub))
        .op(left(Rule::op_mul) | left(Rule::op_div) | left(Rule::op_mod))
        .op(Op::prefix(Rule::op_neg))
});

/// An expression being built, with the depth of its tree.
struct Node {
    expr: Expr,
    depth: usize,
}

impl Builder<'_> {
    /// An `expr` (or `bound`) pair as an expression tree.
    pub fn expr(&self, pair: Pair<'_, Rule>) -> Option<Expr> {
        self.tree(pair).map(|node| node.expr)
    }

    fn tree(&self, pair: Pair<'_, Rule>) -> Option<Node> {
        PRATT
            .map_primary(|operand| self.operand(operand))
            .map_prefix(|op, operand| self.prefix(op, operand?))
            .map_postfix(|operand, op| self.postfix(operand?, op))
            .map_infix(|left, op, right| self.infix(left?, op, right?))
            .parse(pair.into_inner())
    }

    /// A node over children of the given depths, or `None` (reported) if it is too deep.
    fn node(&self, kind: ExprKind, span: Span, child_depths: &[usize]) -> Option<Node> {
        let depth = 1 + child_depths.iter().copied().max().unwrap_or(0);
        if depth > MAX_NESTING {
            self.report(
                Diagnostic::error(
                    Code::SYNTAX,
                    format!("this expression nests more than {MAX_NESTING} levels deep"),
                )
                .at(span, "too deep")
                .with_help("split it into several features, each built on the one before"),
            );
            return None;
        }
        Some(Node {
            expr: Expr { kind, span },
            depth,
        })
    }

    fn leaf(&self, kind: ExprKind, span: Span) -> Option<Node> {
        self.node(kind, span, &[])
    }

    fn prefix(&self, op: Pair<'_, Rule>, operand: Node) -> Option<Node> {
        let op_kind = match op.as_rule() {
            Rule::op_neg => UnaryOp::Neg,
            Rule::op_not => UnaryOp::Not,
            _ => return None,
        };
        let span = self.span(&op).to(operand.expr.span);
        let depth = operand.depth;
        let kind = ExprKind::Unary {
            op: op_kind,
            expr: Box::new(operand.expr),
        };
        self.node(kind, span, &[depth])
    }

    fn infix(&self, left: Node, op: Pair<'_, Rule>, right: Node) -> Option<Node> {
        let op = match op.as_rule() {
            Rule::op_or => BinaryOp::Or,
            Rule::op_and => BinaryOp::And,
            Rule::op_eq => BinaryOp::Eq,
            Rule::op_ne => BinaryOp::NotEq,
            Rule::op_lt => BinaryOp::Lt,
            Rule::op_le => BinaryOp::LtEq,
            Rule::op_gt => BinaryOp::Gt,
            Rule::op_ge => BinaryOp::GtEq,
            Rule::op_concat => BinaryOp::Concat,
            Rule::op_add => BinaryOp::Add,
            Rule::op_sub => BinaryOp::Sub,
            Rule::op_mul => BinaryOp::Mul,
            Rule::op_div => BinaryOp::Div,
            Rule::op_mod => BinaryOp::Mod,
            _ => return None,
        };
        let span = left.expr.span.to(right.expr.span);
        let depths = [left.depth, right.depth];
        let kind = ExprKind::Binary {
            op,
            left: Box::new(left.expr),
            right: Box::new(right.expr),
        };
        self.node(kind, span, &depths)
    }

    fn postfix(&self, operand: Node, op: Pair<'_, Rule>) -> Option<Node> {
        let negated = has(&op, Rule::kw_not);
        let start = operand.expr.span;
        let mut depths = vec![operand.depth];
        let expr = Box::new(operand.expr);
        let (kind, end) = match op.as_rule() {
            Rule::is_null => (ExprKind::IsNull { expr, negated }, self.span(&op)),
            Rule::in_list => {
                let list = self.subtrees(children(&op, Rule::expr), &mut depths)?;
                let kind = ExprKind::InList {
                    expr,
                    list,
                    negated,
                };
                (kind, self.span(&op))
            }
            Rule::like => {
                let pattern = self.tree(child(&op, Rule::bound)?)?;
                depths.push(pattern.depth);
                let end = pattern.expr.span;
                let kind = ExprKind::Like {
                    expr,
                    pattern: Box::new(pattern.expr),
                    negated,
                };
                (kind, end)
            }
            Rule::between => {
                let mut bounds = children(&op, Rule::bound);
                let low = self.tree(bounds.next()?)?;
                let high = self.tree(bounds.next()?)?;
                depths.extend([low.depth, high.depth]);
                let end = high.expr.span;
                let kind = ExprKind::Between {
                    expr,
                    low: Box::new(low.expr),
                    high: Box::new(high.expr),
                    negated,
                };
                (kind, end)
            }
            _ => return None,
        };
        self.node(kind, start.to(end), &depths)
    }

    /// Builds each pair as a tree, recording its depth.
    fn subtrees<'i>(
        &self,
        pairs: impl Iterator<Item = Pair<'i, Rule>>,
        depths: &mut Vec<usize>,
    ) -> Option<Vec<Expr>> {
        let mut exprs = Vec::new();
        for pair in pairs {
            let node = self.tree(pair)?;
            depths.push(node.depth);
            exprs.push(node.expr);
        }
        Some(exprs)
    }

    fn operand(&self, pair: Pair<'_, Rule>) -> Option<Node> {
        let span = self.span(&pair);
        let literal = |value| self.leaf(ExprKind::Literal(value), span);
        match pair.as_rule() {
            Rule::paren => {
                let mut inner = self.tree(child(&pair, Rule::expr)?)?;
                // The parentheses belong to the expression: diagnostics underline them too.
                inner.expr.span = span;
                Some(inner)
            }
            Rule::name_ref => {
                let parts = children(&pair, Rule::ident)
                    .map(|p| self.ident(&p))
                    .collect();
                self.leaf(ExprKind::Name(parts), span)
            }
            Rule::call => self.call(pair, span),
            Rule::case_expr => self.case_expr(pair, span),
            Rule::cast_expr => {
                let operand = self.tree(child(&pair, Rule::expr)?)?;
                let ty = self.type_expr(child(&pair, Rule::type_expr)?)?;
                let depth = operand.depth;
                let kind = ExprKind::Cast {
                    expr: Box::new(operand.expr),
                    ty,
                };
                self.node(kind, span, &[depth])
            }
            Rule::string => literal(Literal::String(lexeme::sql_string(pair.as_str()))),
            // An integer that does not fit has been reported; any int stands in for it.
            Rule::int_lit => literal(Literal::Int(self.int(&pair).unwrap_or(i64::MAX))),
            Rule::float => literal(Literal::Float(lexeme::float(pair.as_str()))),
            Rule::kw_true => literal(Literal::Bool(true)),
            Rule::kw_false => literal(Literal::Bool(false)),
            Rule::kw_null => literal(Literal::Null),
            _ => None,
        }
    }

    fn call(&self, pair: Pair<'_, Rule>, span: Span) -> Option<Node> {
        let name = self.ident(&child(&pair, Rule::ident)?);
        let mut depths = Vec::new();
        let mut args = Vec::new();
        for arg in pair.into_inner() {
            match arg.as_rule() {
                Rule::star => args.push(Expr {
                    kind: ExprKind::Star,
                    span: self.span(&arg),
                }),
                Rule::expr => {
                    let node = self.tree(arg)?;
                    depths.push(node.depth);
                    args.push(node.expr);
                }
                _ => {}
            }
        }
        self.node(ExprKind::Call { name, args }, span, &depths)
    }

    fn case_expr(&self, pair: Pair<'_, Rule>, span: Span) -> Option<Node> {
        let mut depths = Vec::new();
        let operand = match child(&pair, Rule::case_operand) {
            Some(operand) => Some(Box::new(self.only_subtree(operand, &mut depths)?)),
            None => None,
        };
        let mut branches = Vec::new();
        for branch in children(&pair, Rule::when_branch) {
            let mut parts = self.subtrees(children(&branch, Rule::expr), &mut depths)?;
            let result = parts.pop()?;
            let condition = parts.pop()?;
            branches.push((condition, result));
        }
        let else_result = match child(&pair, Rule::else_branch) {
            Some(branch) => Some(Box::new(self.only_subtree(branch, &mut depths)?)),
            None => None,
        };
        let kind = ExprKind::Case {
            operand,
            branches,
            else_result,
        };
        self.node(kind, span, &depths)
    }

    /// The one `expr` child of `pair` as a tree, recording its depth.
    fn only_subtree(&self, pair: Pair<'_, Rule>, depths: &mut Vec<usize>) -> Option<Expr> {
        self.subtrees(children(&pair, Rule::expr), depths)?.pop()
    }
}
