//! Features that read other features of their view: an order in which each comes after the
//! features it reads (a feature may read one declared later), and the cycles that make such an
//! order impossible (E0210, naming the cycle: `a → b → a`).

use crate::diagnostic::{Code, Diagnostic};
use crate::semantic::context::Cx;
use crate::source::Span;
use std::collections::BTreeSet;

/// `edges[i]`: the features feature `i` reads, each with the span of the reference.
pub(super) type Edges = Vec<Vec<(usize, Span)>>;

/// The features in an order where every feature follows those it reads (declaration order
/// where there is a choice), and for each feature whether it is on or behind a cycle (those are
/// left out of the order; every cycle is reported once).
pub(super) fn order(cx: &mut Cx, names: &[&str], edges: &Edges) -> (Vec<usize>, Vec<bool>) {
    let n = names.len();
    let mut waiting_on: Vec<usize> = vec![0; n];
    let mut readers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, targets) in edges.iter().enumerate() {
        let distinct: BTreeSet<usize> = targets.iter().map(|(t, _)| *t).collect();
        waiting_on[i] = distinct.len();
        for t in distinct {
            readers[t].push(i);
        }
    }
    let mut ready: BTreeSet<usize> = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    let mut sorted = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        sorted.push(i);
        for &reader in &readers[i] {
            waiting_on[reader] -= 1;
            if waiting_on[reader] == 0 {
                ready.insert(reader);
            }
        }
    }
    let blocked: Vec<bool> = waiting_on.iter().map(|&w| w > 0).collect();
    report_cycles(cx, names, edges, &blocked);
    (sorted, blocked)
}

/// Every blocked feature reads another blocked feature, so following those reads from any of
/// them reaches a cycle; report each cycle once, starting at its first-declared member.
fn report_cycles(cx: &mut Cx, names: &[&str], edges: &Edges, blocked: &[bool]) {
    let mut handled = vec![false; names.len()];
    for start in 0..names.len() {
        if !blocked[start] || handled[start] {
            continue;
        }
        let mut path: Vec<usize> = Vec::new();
        let mut current = start;
        loop {
            if handled[current] {
                break;
            }
            if let Some(pos) = path.iter().position(|&p| p == current) {
                report_cycle(cx, names, edges, &path[pos..]);
                break;
            }
            path.push(current);
            match edges[current].iter().find(|(t, _)| blocked[*t]) {
                Some((next, _)) => current = *next,
                None => break, // cannot happen for a blocked feature; stop rather than loop
            }
        }
        for p in path {
            handled[p] = true;
        }
    }
}

fn report_cycle(cx: &mut Cx, names: &[&str], edges: &Edges, cycle: &[usize]) {
    // start at the first-declared member so the message does not depend on where the walk began
    let first = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap_or(0);
    let members: Vec<usize> = cycle[first..]
        .iter()
        .chain(&cycle[..first])
        .copied()
        .collect();
    let edge_span = |from: usize, to: usize| {
        edges[from]
            .iter()
            .find(|(t, _)| *t == to)
            .map(|(_, span)| *span)
    };
    let Some(&start) = members.first() else {
        return;
    };
    let mut chain: Vec<&str> = members.iter().map(|&m| names[m]).collect();
    chain.push(names[start]);
    let chain = chain.join(" → ");
    let message = if members.len() == 1 {
        format!("feature `{}` reads itself: {chain}", names[start])
    } else {
        format!("derived features depend on each other in a cycle: {chain}")
    };
    let next = |i: usize| members[(i + 1) % members.len()];
    let Some(primary) = edge_span(start, next(0)) else {
        return;
    };
    let mut diagnostic = Diagnostic::error(Code::DERIVED_CYCLE, message).at(
        primary,
        format!("`{}` reads `{}`", names[start], names[next(0)]),
    );
    for i in 1..members.len() {
        if let Some(span) = edge_span(members[i], next(i)) {
            diagnostic = diagnostic.with_label(
                span,
                format!("`{}` reads `{}`", names[members[i]], names[next(i)]),
            );
        }
    }
    cx.report(diagnostic.with_help(
        "every feature must be computable from aggregates or columns: rewrite one of them without the others",
    ));
}
