//! Error codes. E00xx project/files, E01xx syntax, E02xx names, E03xx types, E04xx windows and
//! time, E9xxx internal. A code is never reused for another meaning; `docs/errors.md` lists them.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Code(pub &'static str);

impl Code {
    /// Whether an error with this code may only follow from a syntax error elsewhere: a name
    /// that is not declared (the declaration may be in the text that did not parse), or a
    /// column or key missing from a schema that did not parse.
    pub fn may_follow_a_syntax_error(&self) -> bool {
        [
            Code::UNKNOWN_ENTITY,
            Code::UNKNOWN_INPUT,
            Code::UNKNOWN_COLUMN,
            Code::UNKNOWN_FEATURE,
            Code::MISSING_KEY_COLUMN,
            Code::UNKNOWN_VIEW,
        ]
        .contains(self)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

macro_rules! codes {
    ($($name:ident = $code:literal: $summary:literal;)*) => {
        impl Code {
            $(#[doc = $summary] pub const $name: Code = Code($code);)*
        }
        /// Every code with its one-line summary, in code order.
        pub const ALL_CODES: &[(Code, &str)] = &[$((Code::$name, $summary),)*];
    };
}

codes! {
    // project and files
    UNREADABLE_PATH = "E0001": "a path given on the command line cannot be read";
    NO_FEAT_FILES = "E0002": "no `.feat` file was found under the given paths";
    // syntax
    SYNTAX = "E0101": "the text does not follow the grammar";
    INT_OUT_OF_RANGE = "E0102": "an integer literal does not fit in a 64-bit signed integer";
    BAD_DURATION = "E0103": "a duration is zero, overflows, or has an unknown unit";
    BAD_IDENTIFIER = "E0105": "an identifier has characters outside `[a-z_][a-z0-9_]*`";
    IDENTIFIER_TOO_LONG = "E0106": "an identifier is longer than 63 bytes (the Postgres limit)";
    RESERVED_WORD = "E0107": "a reserved word or name (`labels`, `__featc…`) is used as a name";
    // names
    UNKNOWN_ENTITY = "E0201": "a feature view names an entity that is not declared";
    UNKNOWN_INPUT = "E0202": "a feature view reads from a source or table that is not declared";
    UNKNOWN_COLUMN = "E0203": "an expression names a column the source or table does not have";
    UNKNOWN_FEATURE = "E0204": "a name refers to a feature that does not exist";
    UNKNOWN_FUNCTION = "E0205": "a call names a function the language does not have";
    UNKNOWN_TYPE = "E0206": "a type name is not one of the language's types";
    DUPLICATE_DECLARATION = "E0207": "two declarations have the same name";
    DUPLICATE_MEMBER = "E0208": "two columns, keys or features of one declaration have the same name";
    DUPLICATE_OUTPUT = "E0209": "two output columns of a service have the same name";
    DERIVED_CYCLE = "E0210": "derived features depend on each other in a cycle";
    MISSING_KEY_COLUMN = "E0211": "a source or table lacks a column named like one of the entity's keys";
    UNKNOWN_VIEW = "E0212": "a service includes a feature view that is not declared";
    MISSING_CLAUSE = "E0213": "a declaration lacks a clause it requires";
    MISPLACED_CLAUSE = "E0214": "a clause is repeated or not allowed in this declaration";
    UNKNOWN_FORMAT = "E0215": "a storage format, stream kind or online store is not supported";
    EMPTY_DECLARATION = "E0216": "a declaration has nothing in it (an entity without keys, a view or service without features)";
    UNKNOWN_REQUEST_INPUT = "E0217": "a service reads `request.x`, but declares no request input `x`";
    BAD_ROLE = "E0218": "a role (`include view.* on entity(columns)`) names another entity or not one column per key, or `view.feature` names a view read only under roles";
    // types
    OPERATOR_TYPE = "E0301": "an operator is applied to operands of the wrong types";
    AGGREGATE_TYPE = "E0302": "an aggregate is applied to an argument of the wrong type";
    NOT_BOOLEAN = "E0303": "a `where` filter or a condition is not boolean";
    FUNCTION_TYPE = "E0304": "a function is applied to arguments of the wrong types";
    TIME_COLUMN_TYPE = "E0305": "an `event_time`, `valid_from` or `known_at` column is not a timestamp";
    KEY_TYPE_MISMATCH = "E0306": "a key column's type differs from the entity key's type";
    MISPLACED_AGGREGATE = "E0307": "an aggregate appears where only a row-level expression is allowed";
    ARITY = "E0308": "a function or aggregate is called with the wrong number of arguments";
    INVALID_CAST = "E0309": "a cast between types that cannot be converted";
    DECIMAL_PRECISION = "E0310": "a decimal's precision or scale is out of range";
    MISPLACED_FILTER = "E0311": "a `where` filter on a feature that is not an aggregate";
    NOT_AN_AGGREGATE = "E0312": "a feature over a source is neither an aggregate nor derived from other features";
    BAD_AGGREGATE_PARAMETER = "E0313": "an aggregate's parameter is not a literal in its range (`last_n`'s and `top_k`'s count, `approx_percentile`'s quantile)";
    MIXED_VIEW_REFERENCE = "E0314": "an expression mixes columns of the input with features";
    REQUEST_INPUT_TYPE = "E0315": "a request input has a type a request cannot carry (a list)";
    // windows and time
    SLIDE_NOT_DIVISOR = "E0401": "a sliding window's size is not a multiple of its slide";
    HOP_NOT_DIVISOR = "E0402": "a rolling window's hop does not divide its size";
    OVER_NOT_ALLOWED = "E0403": "`over` is used in a view whose window is tumbling or sliding";
    MISSING_WINDOW = "E0404": "a view over a source has no `window`";
    WINDOW_NOT_ALLOWED = "E0405": "a view over a table has a window, or a view over a source has a `ttl`";
    BAD_OVER_WINDOW = "E0406": "a per-feature window is not `rolling(...)` or `lifetime`";
    BAD_CADENCE = "E0407": "a `refresh` cadence is not a valid cron expression, or is finer than the window's slide";
    // internal
    INTERNAL = "E9001": "an internal error in featc (please report it)";
}

#[cfg(test)]
mod tests {
    use super::ALL_CODES;

    #[test]
    fn codes_are_unique_and_sorted() {
        for pair in ALL_CODES.windows(2) {
            assert!(
                pair[0].0.0 < pair[1].0.0,
                "{} then {}",
                pair[0].0,
                pair[1].0
            );
        }
    }
}
