//! The merge of one stored state field with an incoming one — the SQL twin of `State::merge`,
//! one arm per [`MergeRule`] as documented there. Rules that span several fields (a
//! compensated sum, a (time, value) pair, `last_n`'s two lists, moments) read their sibling
//! fields; every assignment of an `ON CONFLICT DO UPDATE` sees the stored row as it was before
//! the update, so siblings are merged consistently.

use super::order_collation;
use crate::agg::{AggFunc, FieldType, MergeRule, StateField, state_fields};
use crate::types::Type;

/// The state has no field a rule needs: the fields and the rules disagree (a featc bug).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the merge of `{field}` needs a `{sibling}` field")]
pub struct MissingField {
    pub field: String,
    pub sibling: String,
}

/// The SQL of the merged value of field `suffix` of `func` (over an argument of type `arg`):
/// `stored(s)` and `incoming(s)` spell field `s` of the stored and the incoming row.
pub fn merge_sql(
    func: &AggFunc,
    arg: Option<&Type>,
    suffix: &str,
    stored: &dyn Fn(&str) -> String,
    incoming: &dyn Fn(&str) -> String,
) -> Result<String, MissingField> {
    let fields = state_fields(func, arg);
    let sibling = |name: &str| -> Result<&StateField, MissingField> {
        fields
            .iter()
            .find(|f| f.suffix == name)
            .ok_or_else(|| MissingField {
                field: suffix.to_string(),
                sibling: name.to_string(),
            })
    };
    let this = sibling(suffix)?;
    let (a, b) = (stored, incoming);
    Ok(match this.merge {
        MergeRule::Add => format!("{} + {}", a(suffix), b(suffix)),
        MergeRule::AddNullable => format!(
            "coalesce({} + {}, {}, {})",
            a(suffix),
            b(suffix),
            a(suffix),
            b(suffix)
        ),
        MergeRule::Least => format!("least({}, {})", a(suffix), b(suffix)),
        MergeRule::Greatest => format!("greatest({}, {})", a(suffix), b(suffix)),
        MergeRule::CompensatedSum => {
            let (sum, compensation) = (sibling("sum")?.suffix, sibling("compensation")?.suffix);
            let element = if suffix == sum { 1 } else { 2 };
            format!(
                "(featc_compensated_add(ARRAY[{}, {}], {}, {}))[{element}]",
                a(sum),
                a(compensation),
                b(sum),
                b(compensation)
            )
        }
        rule @ (MergeRule::EarliestPair | MergeRule::LatestPair) => {
            let ts = sibling("ts")?.suffix;
            let value = sibling("value")?;
            let collate = field_collation(&value.ty);
            let op = if rule == MergeRule::EarliestPair {
                "<"
            } else {
                ">"
            };
            format!(
                "CASE WHEN {a_ts} IS NULL OR ({b_ts}, {b_value}{collate}) {op} ({a_ts}, {a_value}{collate}) THEN {b_this} ELSE {a_this} END",
                a_ts = a(ts),
                b_ts = b(ts),
                a_value = a(value.suffix),
                b_value = b(value.suffix),
                b_this = b(suffix),
                a_this = a(suffix),
            )
        }
        MergeRule::LatestN { n } => {
            let times = sibling("times")?.suffix;
            let values = sibling("values")?;
            let pick = if suffix == times { "time" } else { "value" };
            format!(
                "ARRAY(SELECT pair.{pick} FROM unnest({a_t} || {b_t}, {a_v} || {b_v}) AS pair(time, value) ORDER BY pair.time DESC, pair.value{collate} DESC LIMIT {n})",
                a_t = a(times),
                b_t = b(times),
                a_v = a(values.suffix),
                b_v = b(values.suffix),
                collate = field_collation(&values.ty),
            )
        }
        MergeRule::Union => format!(
            "ARRAY(SELECT element.value FROM unnest({} || {}) AS element(value) GROUP BY element.value ORDER BY element.value{})",
            a(suffix),
            b(suffix),
            field_collation(&this.ty)
        ),
        MergeRule::RegisterMax => format!("featc_register_max({}, {})", a(suffix), b(suffix)),
        MergeRule::KeyedCounts { keys } => {
            let key_field = sibling(keys)?;
            let counts = sibling("counts")?.suffix;
            let pick = if suffix == keys {
                "e.k".to_string()
            } else {
                "sum(e.c)::bigint".to_string()
            };
            format!(
                "ARRAY(SELECT {pick} FROM unnest({a_k} || {b_k}, {a_c} || {b_c}) AS e(k, c) GROUP BY e.k ORDER BY e.k{collate})",
                a_k = a(keys),
                b_k = b(keys),
                a_c = a(counts),
                b_c = b(counts),
                collate = field_collation(&key_field.ty),
            )
        }
        MergeRule::Moments => {
            let (count, mean, m2) = (
                sibling("count")?.suffix,
                sibling("mean")?.suffix,
                sibling("m2")?.suffix,
            );
            if suffix == count {
                format!("{} + {}", a(count), b(count))
            } else {
                let element = if suffix == mean { 2 } else { 3 };
                format!(
                    "(featc_moments_merge(ARRAY[{}, {}, {}]::double precision[], {}, {}, {}))[{element}]",
                    a(count),
                    a(mean),
                    a(m2),
                    b(count),
                    b(mean),
                    b(m2)
                )
            }
        }
    })
}

/// The collation an ordering over a field's values needs.
fn field_collation(ty: &FieldType) -> &'static str {
    match ty {
        FieldType::Value(ty) | FieldType::ValueList(ty) => order_collation(ty),
        _ => "",
    }
}
