//! The plan, readable: one node per line, for `featc explain` and the plan snapshots.
//! Expressions print in `.feat` spelling with explicit parentheses around every operation, so
//! the printed text shows how precedence was resolved.

use super::{
    Aggregate, Entity, Expr, ExprKind, Feature, FeatureDef, Freshness, Input, OutputDef, Plan,
    Service, Source, Table, UnaryOp, View, ViewKind,
};
use crate::types::{Value, format_duration};
use std::fmt::{self, Write};

pub struct ShowExpr<'a>(pub &'a Expr);

/// What an `ExprKind::Column` is: a column of a view's input, or (in a service) a request
/// input, shown as `request.name` as it is written.
#[derive(Clone, Copy)]
enum Columns {
    Input,
    Request,
}

impl fmt::Display for ShowExpr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_expr(f, self.0, Columns::Input)
    }
}

fn write_value(f: &mut impl Write, v: &Value) -> fmt::Result {
    match v {
        Value::Null => f.write_str("null"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) => write!(f, "{i}"),
        Value::Float(x) => write!(f, "{x:?}"),
        Value::String(s) => write!(f, "'{}'", s.replace('\'', "''")),
        Value::Timestamp(t) => write!(f, "timestamp {t}us"),
        Value::Date(d) => write!(f, "date {d}d"),
        Value::Decimal(u, s) => write!(f, "decimal {u}e-{s}"),
        Value::List(items) => {
            f.write_char('[')?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write_value(f, item)?;
            }
            f.write_char(']')
        }
    }
}

fn write_list(f: &mut impl Write, items: &[Expr], columns: Columns) -> fmt::Result {
    for (i, e) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_expr(f, e, columns)?;
    }
    Ok(())
}

fn write_expr(f: &mut impl Write, e: &Expr, columns: Columns) -> fmt::Result {
    match &e.kind {
        ExprKind::Literal(v) => write_value(f, v),
        ExprKind::Column(c) => match columns {
            Columns::Input => f.write_str(c),
            Columns::Request => write!(f, "request.{c}"),
        },
        ExprKind::Feature { view, feature } => write!(f, "{view}.{feature}"),
        ExprKind::Unary { op, expr } => {
            f.write_str(match op {
                UnaryOp::Neg => "(-",
                UnaryOp::Not => "(not ",
            })?;
            write_expr(f, expr, columns)?;
            f.write_char(')')
        }
        ExprKind::Binary { op, left, right } => {
            f.write_char('(')?;
            write_expr(f, left, columns)?;
            write!(f, " {} ", op.symbol())?;
            write_expr(f, right, columns)?;
            f.write_char(')')
        }
        ExprKind::IsNull { expr, negated } => {
            f.write_char('(')?;
            write_expr(f, expr, columns)?;
            f.write_str(if *negated {
                " is not null)"
            } else {
                " is null)"
            })
        }
        ExprKind::InList {
            expr,
            list,
            negated,
        } => {
            f.write_char('(')?;
            write_expr(f, expr, columns)?;
            f.write_str(if *negated { " not in (" } else { " in (" })?;
            write_list(f, list, columns)?;
            f.write_str("))")
        }
        ExprKind::Like {
            expr,
            pattern,
            negated,
        } => {
            f.write_char('(')?;
            write_expr(f, expr, columns)?;
            f.write_str(if *negated { " not like " } else { " like " })?;
            write_expr(f, pattern, columns)?;
            f.write_char(')')
        }
        ExprKind::Case {
            branches,
            else_result,
        } => {
            f.write_str("case")?;
            for (when, then) in branches {
                f.write_str(" when ")?;
                write_expr(f, when, columns)?;
                f.write_str(" then ")?;
                write_expr(f, then, columns)?;
            }
            if let Some(e) = else_result {
                f.write_str(" else ")?;
                write_expr(f, e, columns)?;
            }
            f.write_str(" end")
        }
        ExprKind::Call { func, args } => {
            write!(f, "{}(", func.name())?;
            write_list(f, args, columns)?;
            f.write_char(')')
        }
        ExprKind::Cast { expr, to } => {
            f.write_str("cast(")?;
            write_expr(f, expr, columns)?;
            write!(f, " as {to})")
        }
    }
}

fn write_aggregate(out: &mut String, a: &Aggregate) -> fmt::Result {
    write!(out, "{}(", a.func.name())?;
    match &a.arg {
        Some(arg) => write_expr(out, arg, Columns::Input)?,
        None => out.push('*'),
    }
    if let Some(parameter) = a.func.parameter_text() {
        write!(out, ", {parameter}")?;
    }
    out.push(')');
    if let Some(filter) = &a.filter {
        out.push_str(" where ");
        write_expr(out, filter, Columns::Input)?;
    }
    write!(out, " over {}", a.window)
}

fn entity(out: &mut String, e: &Entity) -> fmt::Result {
    write!(out, "entity {} keys(", e.name)?;
    for (i, k) in e.keys.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write!(out, "{}: {}", k.name, k.ty)?;
    }
    writeln!(out, ")")
}

fn source(out: &mut String, s: &Source) -> fmt::Result {
    write!(
        out,
        "source {} columns={} event_time={} settle={}",
        s.name,
        s.fields.len(),
        s.event_time,
        format_duration(s.settle)
    )?;
    if let Some(b) = &s.batch {
        write!(out, " batch={}:{}", b.format.name(), b.path)?;
    }
    if let Some(st) = &s.stream {
        write!(out, " stream=kafka:{}", st.topic)?;
    }
    out.push('\n');
    Ok(())
}

fn table(out: &mut String, t: &Table) -> fmt::Result {
    write!(
        out,
        "table {} columns={} key=({}) valid_from={}",
        t.name,
        t.fields.len(),
        t.key.join(", "),
        t.valid_from
    )?;
    if let Some(k) = &t.known_at {
        write!(out, " known_at={k}")?;
    }
    if let Some(b) = &t.batch {
        write!(out, " batch={}:{}", b.format.name(), b.path)?;
    }
    out.push('\n');
    Ok(())
}

fn feature(out: &mut String, f: &Feature) -> fmt::Result {
    write!(out, "  feature {}: {} = ", f.name, f.ty)?;
    match &f.def {
        FeatureDef::Aggregate(a) => write_aggregate(out, a)?,
        FeatureDef::Derived { expr } | FeatureDef::Column { expr } => {
            write_expr(out, expr, Columns::Input)?
        }
    }
    writeln!(out, "  [{}]", f.fingerprint)
}

fn view(out: &mut String, v: &View) -> fmt::Result {
    let (input_kind, input_name) = match &v.input {
        Input::Source(n) => ("source", n),
        Input::Table(n) => ("table", n),
    };
    write!(
        out,
        "view {} on {} from {input_kind} {input_name}",
        v.name, v.entity
    )?;
    match &v.kind {
        ViewKind::Windowed { window } => write!(out, " window={window}")?,
        ViewKind::Table { ttl } => match ttl {
            Some(ttl) => write!(out, " ttl={}", format_duration(*ttl))?,
            None => out.push_str(" ttl=none"),
        },
    }
    match &v.freshness {
        Freshness::OfflineOnly => writeln!(out, " offline only")?,
        freshness => writeln!(
            out,
            " online=postgres:{} retain={} refresh={freshness}",
            v.online.table,
            format_duration(v.online.retain)
        )?,
    }
    v.features.iter().try_for_each(|f| feature(out, f))
}

fn service(out: &mut String, s: &Service) -> fmt::Result {
    let keys: Vec<String> = s
        .keys
        .iter()
        .map(|k| format!("{}: {}", k.name, k.ty))
        .collect();
    writeln!(
        out,
        "service {} keys({}) views({})",
        s.name,
        keys.join(", "),
        s.views.join(", ")
    )?;
    if !s.request.is_empty() {
        let inputs: Vec<String> = (s.request.iter())
            .map(|f| format!("{}: {}", f.name, f.ty))
            .collect();
        writeln!(out, "  request {}", inputs.join(", "))?;
    }
    for role in &s.roles {
        writeln!(
            out,
            "  role {} = {} on ({})",
            role.name,
            role.view,
            role.keys.join(", ")
        )?;
    }
    for o in &s.outputs {
        write!(out, "  output {}: {} = ", o.name, o.ty)?;
        match &o.def {
            OutputDef::Feature { view, feature } => write!(out, "{view}.{feature}")?,
            OutputDef::Derived { expr } => write_expr(out, expr, Columns::Request)?,
        }
        writeln!(out, "  [{}]", o.fingerprint)?;
    }
    Ok(())
}

/// What `featc explain` prints: the whole plan, or one view or service.
pub fn explain(plan: &Plan, only: Option<Only<'_>>) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = (|| -> fmt::Result {
        match only {
            Some(Only::View(v)) => view(&mut out, v),
            Some(Only::Service(s)) => service(&mut out, s),
            None => {
                writeln!(out, "plan v{}", plan.version)?;
                plan.entities.iter().try_for_each(|e| entity(&mut out, e))?;
                plan.sources.iter().try_for_each(|s| source(&mut out, s))?;
                plan.tables.iter().try_for_each(|t| table(&mut out, t))?;
                plan.views.iter().try_for_each(|v| view(&mut out, v))?;
                plan.services.iter().try_for_each(|s| service(&mut out, s))
            }
        }
    })();
    out
}

/// Restricts `explain` to one node.
#[derive(Clone, Copy)]
pub enum Only<'a> {
    View(&'a View),
    Service(&'a Service),
}
