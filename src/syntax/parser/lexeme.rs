//! Checks and conversions of single tokens: identifiers (E0105, E0106, E0107), integers
//! (E0102), durations (E0103) and string literals.
//!
//! Each returns a value even when it reports a problem, so that one misspelt token costs one
//! diagnostic and not a cascade of "unknown name" errors in later passes.

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, MICROS_PER_SECOND, Micros};

/// Postgres truncates longer identifiers, so longer names would collide in the online store.
pub(super) const MAX_IDENTIFIER_BYTES: usize = 63;

/// Words that cannot be names: the grammar could not tell them from expression syntax.
/// Keep in step with `reserved` in grammar/feat.pest and with docs/language.md.
pub(super) const RESERVED_WORDS: [&str; 19] = [
    "and", "as", "between", "case", "cast", "else", "end", "false", "in", "is", "like", "not",
    "null", "or", "over", "then", "true", "when", "where",
];

/// Words that are keywords only where the grammar expects a keyword.
pub(super) const SOFT_KEYWORDS: [&str; 28] = [
    "batch",
    "decimal",
    "entity",
    "event_time",
    "features",
    "format",
    "from",
    "hop",
    "include",
    "key",
    "known_at",
    "lifetime",
    "list",
    "on",
    "online",
    "retain",
    "rolling",
    "schema",
    "service",
    "settle",
    "sliding",
    "source",
    "stream",
    "table",
    "ttl",
    "tumbling",
    "valid_from",
    "window",
];

/// Whether a name is being declared (where its length and reserved words are checked) or
/// referred to (where only its spelling is: the declaration reports the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameRole {
    Declared,
    Referenced,
}

fn is_valid_spelling(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// The snake_case spelling of an identifier with uppercase ASCII letters (`UserId` →
/// `user_id`, `SUM` → `sum`), or `None` when it has other characters outside `[a-z0-9_]`.
fn lowercase_spelling(name: &str) -> Option<String> {
    if !name.is_ascii() {
        return None;
    }
    let mut out = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        if c.is_ascii_uppercase()
            && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit())
        {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    is_valid_spelling(&out).then_some(out)
}

/// Checks an identifier and returns the name to record: the name as written, or its lowercase
/// spelling when the only problem is uppercase letters (so every other use of the same
/// misspelling agrees with it).
pub(super) fn identifier(
    text: &str,
    span: Span,
    role: NameRole,
    diags: &mut Vec<Diagnostic>,
) -> String {
    if role == NameRole::Declared && RESERVED_WORDS.contains(&text) {
        diags.push(
            Diagnostic::error(Code::RESERVED_WORD, format!("`{text}` is a reserved word"))
                .at(span, "a reserved word cannot be a name")
                .with_help(format!("rename it, e.g. `{text}_`")),
        );
        return text.to_string();
    }
    if !is_valid_spelling(text) {
        let diagnostic = Diagnostic::error(
            Code::BAD_IDENTIFIER,
            format!("`{text}` is not a valid name: names are written `[a-z_][a-z0-9_]*`"),
        );
        return match lowercase_spelling(text) {
            Some(lower) => {
                let is_keyword = RESERVED_WORDS.contains(&lower.as_str())
                    || SOFT_KEYWORDS.contains(&lower.as_str());
                let help = if is_keyword {
                    format!("keywords are lowercase: write `{lower}`")
                } else {
                    format!("names are lowercase: write `{lower}`")
                };
                diags.push(diagnostic.at(span, "uppercase letters").with_help(help));
                lower
            }
            None => {
                diags.push(
                    diagnostic
                        .at(span, "characters outside a-z, 0-9 and _")
                        .with_help("use lowercase ASCII letters, digits and `_` only"),
                );
                text.to_string()
            }
        };
    }
    if role == NameRole::Declared && text.len() > MAX_IDENTIFIER_BYTES {
        diags.push(
            Diagnostic::error(
                Code::IDENTIFIER_TOO_LONG,
                format!(
                    "`{text}` is {} bytes long; names are at most {MAX_IDENTIFIER_BYTES} bytes",
                    text.len()
                ),
            )
            .at(span, "too long")
            .with_help(format!(
                "shorten it: Postgres truncates names after {MAX_IDENTIFIER_BYTES} bytes"
            )),
        );
    }
    text.to_string()
}

/// An integer literal, or `None` (with E0102) when it does not fit in 64 bits.
pub(super) fn int(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<i64> {
    match text.parse::<i64>() {
        Ok(value) => Some(value),
        Err(_) => {
            diags.push(
                Diagnostic::error(
                    Code::INT_OUT_OF_RANGE,
                    format!("the integer `{text}` does not fit in a 64-bit signed integer"),
                )
                .at(span, "too large")
                .with_help(format!(
                    "integers go up to {}; write `{text}.0` for a float",
                    i64::MAX
                )),
            );
            None
        }
    }
}

/// An unsigned integer (a decimal's precision or scale), or `None` (with E0102).
pub(super) fn unsigned(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<u64> {
    let value = int(text, span, diags)?;
    // Digits only (the grammar), so never negative.
    u64::try_from(value).ok()
}

/// A float literal. The grammar only admits digits with a fraction or exponent, which Rust
/// always parses (out-of-range exponents give infinity or zero, as in SQL engines).
pub(super) fn float(text: &str) -> f64 {
    text.parse::<f64>().unwrap_or(f64::NAN)
}

/// The longest duration: 100 years. Longer ones are certainly mistakes, and the bound keeps
/// time arithmetic in later stages (`T - size - retain`) far from overflowing.
pub(super) const MAX_DURATION_DAYS: i64 = 36_500;

const DURATION_UNITS: [(&str, Micros); 4] = [
    ("s", MICROS_PER_SECOND),
    ("m", MICROS_PER_MINUTE),
    ("h", MICROS_PER_HOUR),
    ("d", MICROS_PER_DAY),
];

/// A duration such as `15m`, in microseconds; `None` (with E0103) when it has no or an unknown
/// unit, is zero, or overflows.
pub(super) fn duration(text: &str, span: Span, diags: &mut Vec<Diagnostic>) -> Option<Micros> {
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_end);
    let error = |message: String, label: &str, help: String| {
        Diagnostic::error(Code::BAD_DURATION, message)
            .at(span, label)
            .with_help(help)
    };
    let Some(&(_, unit_micros)) = DURATION_UNITS.iter().find(|(u, _)| *u == unit) else {
        let message = if unit.is_empty() {
            format!("the duration `{text}` has no unit")
        } else {
            format!("`{unit}` is not a duration unit")
        };
        diags.push(error(
            message,
            "expected a number and one of the units s, m, h, d",
            format!("write e.g. `{digits}s`, `{digits}m`, `{digits}h` or `{digits}d`"),
        ));
        return None;
    };
    let micros = digits
        .parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(unit_micros))
        .filter(|&micros| micros <= MAX_DURATION_DAYS * MICROS_PER_DAY);
    match micros {
        Some(0) => {
            diags.push(error(
                format!("the duration `{text}` is zero"),
                "zero",
                "a duration is at least 1 second, e.g. `1s`".to_string(),
            ));
            None
        }
        Some(micros) => Some(micros),
        None => {
            diags.push(error(
                format!("the duration `{text}` is too long"),
                "too long",
                format!("durations go up to {MAX_DURATION_DAYS}d (100 years)"),
            ));
            None
        }
    }
}

/// The value of a `'...'` literal: the quotes removed and `''` read as `'`.
pub(super) fn sql_string(text: &str) -> String {
    strip_quotes(text).replace("''", "'")
}

/// The value of a `"..."` literal: the quotes removed (there are no escapes).
pub(super) fn quoted(text: &str) -> String {
    strip_quotes(text).to_string()
}

fn strip_quotes(text: &str) -> &str {
    text.get(1..text.len().saturating_sub(1))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn span() -> Span {
        Span::new(FileId(0), 0, 1)
    }

    #[test]
    fn durations_are_converted_to_microseconds() {
        let mut diags = Vec::new();
        assert_eq!(duration("30s", span(), &mut diags), Some(30_000_000));
        assert_eq!(duration("15m", span(), &mut diags), Some(900_000_000));
        assert_eq!(duration("1h", span(), &mut diags), Some(3_600_000_000));
        assert_eq!(duration("7d", span(), &mut diags), Some(604_800_000_000));
        assert!(diags.is_empty());
    }

    #[test]
    fn zero_unitless_unknown_unit_and_overflowing_durations_are_e0103() {
        for bad in [
            "0s",
            "400",
            "5min",
            "1h30m",
            "99999999999999999999d",
            "36501d",
        ] {
            let mut diags = Vec::new();
            assert_eq!(duration(bad, span(), &mut diags), None, "{bad}");
            assert_eq!(diags.len(), 1, "{bad}");
            assert_eq!(diags[0].code, Code::BAD_DURATION, "{bad}");
            assert!(diags[0].help.is_some(), "{bad}");
        }
        // the longest duration
        assert!(duration("36500d", span(), &mut Vec::new()).is_some());
    }

    #[test]
    fn uppercase_identifiers_are_reported_and_recorded_in_snake_case() {
        let mut diags = Vec::new();
        let name = identifier("UserId", span(), NameRole::Referenced, &mut diags);
        assert_eq!(name, "user_id");
        assert_eq!(diags[0].code, Code::BAD_IDENTIFIER);
        assert_eq!(
            diags[0].help.as_deref(),
            Some("names are lowercase: write `user_id`")
        );

        let mut diags = Vec::new();
        assert_eq!(
            identifier("SUM", span(), NameRole::Referenced, &mut diags),
            "sum"
        );
        let mut diags = Vec::new();
        identifier("WHERE", span(), NameRole::Referenced, &mut diags);
        assert_eq!(
            diags[0].help.as_deref(),
            Some("keywords are lowercase: write `where`")
        );
    }

    #[test]
    fn length_and_reserved_words_are_checked_only_where_a_name_is_declared() {
        let long = "a".repeat(64);
        let mut diags = Vec::new();
        identifier(&long, span(), NameRole::Referenced, &mut diags);
        identifier("end", span(), NameRole::Referenced, &mut diags);
        assert!(diags.is_empty());
        identifier(&long, span(), NameRole::Declared, &mut diags);
        identifier(&"a".repeat(63), span(), NameRole::Declared, &mut diags);
        identifier("end", span(), NameRole::Declared, &mut diags);
        let codes: Vec<Code> = diags.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::IDENTIFIER_TOO_LONG, Code::RESERVED_WORD]);
    }

    #[test]
    fn strings_lose_their_quotes_and_sql_strings_unescape_doubled_quotes() {
        assert_eq!(sql_string("'it''s'"), "it's");
        assert_eq!(sql_string("''"), "");
        assert_eq!(quoted("\"data/events\""), "data/events");
    }
}
