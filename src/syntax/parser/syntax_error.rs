//! A pest error → an E0101 diagnostic in plain words: what was expected (never an internal
//! rule name), what was found, and how to fix it where a likely fix is known.

use super::grammar::Rule;
use super::scan::{self, DECL_KEYWORDS, Token, TokenKind};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::{FileId, Span};
use pest::error::{Error, ErrorVariant, InputLocation};

/// Where the failed declaration sits in the file.
pub(super) struct FailedDecl<'t> {
    pub file: FileId,
    /// The whole file.
    pub text: &'t str,
    /// Where the declaration starts; pest positions are relative to it.
    pub start: usize,
    /// Where the next declaration starts (or the parsed text ends).
    pub region_end: usize,
}

/// The diagnostic for a declaration that pest could not parse.
pub(super) fn diagnose(decl: &FailedDecl<'_>, error: &Error<Rule>) -> Diagnostic {
    let relative = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let at = scan::skip_trivia(decl.text, (decl.start + relative).min(decl.text.len()));
    let found = scan::token_at(decl.text, at);
    let positives: &[Rule] = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { .. } => {
            // pest's own limits (stack or call budget): input too complex to parse.
            return Diagnostic::error(Code::SYNTAX, "this declaration is too complex to parse")
                .at(decl.span(&found), "parsing stopped here")
                .with_help("split it into several smaller declarations or features");
        }
    };
    if at >= decl.region_end
        && let Some(brace) = scan::unclosed_brace(decl.text, decl.start..decl.region_end)
    {
        return decl.missing_brace(brace);
    }
    let expected = expected_phrase(positives);
    let found_words = describe_found(&found);
    let message = match (&expected, found.kind) {
        (_, TokenKind::Str { closed: false }) => {
            "this string is not closed before the end of its line".to_string()
        }
        (Some(expected), _) => format!("expected {expected}, found {found_words}"),
        (None, _) => format!("unexpected {found_words}"),
    };
    let label = match found.kind {
        TokenKind::End => "the file ends here".to_string(),
        TokenKind::Str { closed: false } => "not closed".to_string(),
        _ => format!("unexpected {found_words}"),
    };
    let diagnostic = Diagnostic::error(Code::SYNTAX, message)
        .at(decl.span(&found), label)
        .with_help_opt(help(decl, positives, &found));
    match decl.clause_inside_schema(found.start) {
        Some((brace, clause)) => diagnostic
            .with_label(
                Span::new(decl.file, brace, brace + 1),
                "the `schema` block opened here",
            )
            .with_help(format!(
                "add `}}` to close the `schema` block before `{clause}`"
            )),
        None => diagnostic,
    }
}

impl FailedDecl<'_> {
    /// Where a diagnostic about `token` points. The end of the file is shown just after the
    /// last token, not on the empty line after the final newline.
    fn span(&self, token: &Token<'_>) -> Span {
        match token.kind {
            TokenKind::End => {
                let end = scan::tokens(self.text, self.start..self.text.len())
                    .last()
                    .map_or(self.text.len(), |last| last.end);
                Span::new(self.file, end, end)
            }
            _ => Span::new(self.file, token.start, token.end),
        }
    }

    /// The `{` at `brace` is never closed before the next declaration (or the end of the file).
    fn missing_brace(&self, brace: usize) -> Diagnostic {
        let title = self.title();
        let block = match scan::tokens(self.text, self.start..brace).last() {
            Some(before) if before.is_word("schema") => format!("the `schema` block of {title}"),
            _ => title,
        };
        let next = scan::token_at(self.text, scan::skip_trivia(self.text, self.region_end));
        let (where_, label) = match next.kind {
            TokenKind::End => ("at the end of the file", "the file ends here"),
            _ => (
                "before the next declaration",
                "the next declaration starts here",
            ),
        };
        Diagnostic::error(Code::SYNTAX, format!("{block} is not closed"))
            .at(self.span(&next), label)
            .with_label(
                Span::new(self.file, brace, brace + 1),
                format!("{block} opened here"),
            )
            .with_help(format!("add `}}` to close {block} {where_}"))
    }

    /// The declaration as a reader names it: `` `features user_activity` ``.
    fn title(&self) -> String {
        let mut tokens = scan::tokens(self.text, self.start..self.region_end);
        match (tokens.next(), tokens.next()) {
            (Some(kind), Some(name)) if name.kind == TokenKind::Word => {
                format!("`{} {}`", kind.text, name.text)
            }
            (Some(kind), _) => format!("`{}`", kind.text),
            (None, _) => "the declaration".to_string(),
        }
    }

    /// When the line of `at` starts with a clause keyword but is still inside a `schema { }`
    /// block, the block was most likely not closed: the `{` and the keyword.
    fn clause_inside_schema(&self, at: usize) -> Option<(usize, &str)> {
        let line_start = self.text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
        let brace = scan::unclosed_brace(self.text, self.start..line_start)?;
        let before = scan::tokens(self.text, self.start..brace).last()?;
        let first = scan::token_at(self.text, scan::skip_trivia(self.text, line_start));
        let is_clause = first.kind == TokenKind::Word && CLAUSE_KEYWORDS.contains(&first.text);
        (before.is_word("schema") && is_clause && first.start <= at).then_some((brace, first.text))
    }

    /// The keywords that may start an item in this kind of declaration.
    fn item_keywords(&self) -> &'static [&'static str] {
        match scan::token_at(self.text, self.start).text {
            "entity" => &["key"],
            "source" | "table" => CLAUSE_KEYWORDS,
            "features" => &[
                "window", "ttl", "online", "refresh", "offline", "where", "over",
            ],
            "service" => &["include", "request"],
            _ => &DECL_KEYWORDS,
        }
    }
}

const CLAUSE_KEYWORDS: &[&str] = &[
    "schema",
    "event_time",
    "key",
    "valid_from",
    "known_at",
    "batch",
    "stream",
    "settle",
];
const WINDOW_KEYWORDS: &[&str] = &["tumbling", "sliding", "rolling", "lifetime"];

/// What a rule stands for in an error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expected {
    Phrase(&'static str),
    /// Any operator that could continue an expression: listed as one item.
    Operator,
}

fn expected_phrase(positives: &[Rule]) -> Option<String> {
    // Where an operand may start, pest lists every kind of operand: say "an expression".
    let at_operand = positives.contains(&Rule::op_neg) || positives.contains(&Rule::op_not);
    // After a name, `(` (a call) and `.` (a qualified name) are possible but rarely meant.
    let after_operand = positives
        .iter()
        .any(|&rule| describe(rule) == Expected::Operator);
    let mut items: Vec<Expected> = Vec::new();
    for &rule in positives {
        let item = if at_operand && OPERAND_STARTS.contains(&rule) {
            Expected::Phrase("an expression")
        } else if after_operand && matches!(rule, Rule::lparen | Rule::dot) {
            continue;
        } else {
            describe(rule)
        };
        if !items.contains(&item) {
            items.push(item);
        }
    }
    // Operators first (they continue what was written), closing brackets last.
    items.sort_by_key(|item| match item {
        Expected::Operator => 0,
        Expected::Phrase("`}`" | "`)`" | "`>`") => 2,
        Expected::Phrase(_) => 1,
    });
    let words: Vec<&str> = items
        .iter()
        .map(|item| match item {
            Expected::Phrase(phrase) => *phrase,
            Expected::Operator => "an operator",
        })
        .collect();
    match words.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        [init @ .., last] => Some(format!("{} or {last}", init.join(", "))),
    }
}

/// The rules pest reports where an operand may start.
const OPERAND_STARTS: [Rule; 13] = [
    Rule::op_neg,
    Rule::op_not,
    Rule::lparen,
    Rule::ident,
    Rule::name_ref,
    Rule::string,
    Rule::float,
    Rule::int_lit,
    Rule::kw_true,
    Rule::kw_false,
    Rule::kw_null,
    Rule::kw_case,
    Rule::kw_cast,
];

fn describe_found(token: &Token<'_>) -> String {
    match token.kind {
        TokenKind::End => "the end of the file".to_string(),
        _ => {
            let shown: String = token.text.chars().take(30).collect();
            let ellipsis = if shown.len() < token.text.len() {
                "…"
            } else {
                ""
            };
            format!("`{shown}{ellipsis}`")
        }
    }
}

/// A concrete fix, when the error looks like a common slip.
fn help(decl: &FailedDecl<'_>, positives: &[Rule], found: &Token<'_>) -> Option<String> {
    let expects = |wanted: &[Rule]| positives.iter().any(|rule| wanted.contains(rule));
    match found.kind {
        TokenKind::Str { closed: false } => {
            let quote = found.text.chars().next().unwrap_or('\'');
            return Some(format!(
                "close it with {quote} on the same line: strings cannot span lines"
            ));
        }
        TokenKind::Str { closed: true }
            if found.text.starts_with('"') && expects(&EXPRESSION_RULES) =>
        {
            let inner = found.text.trim_matches('"');
            return Some(format!("text in expressions uses single quotes: '{inner}'"));
        }
        TokenKind::Str { closed: true }
            if found.text.starts_with('\'') && expects(&[Rule::quoted]) =>
        {
            let inner = found.text.trim_matches('\'');
            return Some(format!(
                "locations and names use double quotes here: \"{inner}\""
            ));
        }
        TokenKind::Punct => {
            let fix = match found.text {
                "==" => Some("compare with a single `=`"),
                "&&" => Some("write `and`"),
                "!" => Some("write `not`"),
                _ => None,
            };
            if let Some(fix) = fix {
                return Some(fix.to_string());
            }
        }
        _ => {}
    }
    if found.kind == TokenKind::Number && expects(&[Rule::kw_hop]) {
        return Some(format!("write `hop {}`", found.text));
    }
    let keywords: Vec<&str> = positives
        .iter()
        .flat_map(|&rule| keywords(rule))
        .copied()
        .collect();
    if found.kind == TokenKind::Word {
        let lower = found.text.to_ascii_lowercase();
        if lower != found.text && keywords.contains(&lower.as_str()) {
            return Some(format!("keywords are lowercase: write `{lower}`"));
        }
        if let Some(keyword) = did_you_mean(found.text, keywords.iter().copied()) {
            return Some(format!("did you mean `{keyword}`?"));
        }
    }
    // A misspelt keyword is often read as a name, and the error comes later on its line.
    let line_start = decl.text[..found.start].rfind('\n').map_or(0, |i| i + 1);
    let first = scan::token_at(decl.text, scan::skip_trivia(decl.text, line_start));
    if first.kind == TokenKind::Word && first.start < found.start {
        let candidates = decl.item_keywords();
        if !candidates.contains(&first.text)
            && let Some(keyword) = did_you_mean(first.text, candidates.iter().copied())
        {
            return Some(format!(
                "did you mean `{keyword}` instead of `{}`?",
                first.text
            ));
        }
    }
    None
}

/// Rules at the start of an expression.
const EXPRESSION_RULES: [Rule; 5] = [
    Rule::expr,
    Rule::bound,
    Rule::string,
    Rule::case_operand,
    Rule::paren,
];

/// The keywords a rule stands for, for "did you mean" suggestions.
fn keywords(rule: Rule) -> &'static [&'static str] {
    match rule {
        Rule::decl
        | Rule::entity_decl
        | Rule::source_decl
        | Rule::table_decl
        | Rule::features_decl
        | Rule::service_decl => &DECL_KEYWORDS,
        Rule::clause
        | Rule::schema_clause
        | Rule::event_time_clause
        | Rule::key_clause
        | Rule::valid_from_clause
        | Rule::known_at_clause
        | Rule::batch_clause
        | Rule::stream_clause
        | Rule::settle_clause => CLAUSE_KEYWORDS,
        Rule::view_item
        | Rule::window_item
        | Rule::ttl_item
        | Rule::online_item
        | Rule::refresh_item
        | Rule::offline_item => &["window", "ttl", "online", "refresh", "offline"],
        Rule::window | Rule::tumbling | Rule::sliding | Rule::rolling | Rule::lifetime => {
            WINDOW_KEYWORDS
        }
        Rule::service_item | Rule::include_item => &["include", "request"],
        Rule::entity_key => &["key"],
        Rule::filter => &["where"],
        Rule::over => &["over"],
        Rule::when_branch => &["when"],
        Rule::else_branch => &["else"],
        Rule::kw_and => &["and"],
        Rule::kw_or => &["or"],
        Rule::kw_not => &["not"],
        Rule::kw_null => &["null"],
        Rule::kw_true => &["true"],
        Rule::kw_false => &["false"],
        Rule::kw_case => &["case"],
        Rule::kw_when => &["when"],
        Rule::kw_then => &["then"],
        Rule::kw_else => &["else"],
        Rule::kw_end => &["end"],
        Rule::kw_in => &["in"],
        Rule::kw_is => &["is"],
        Rule::kw_like => &["like"],
        Rule::kw_between => &["between"],
        Rule::kw_cast => &["cast"],
        Rule::kw_as => &["as"],
        Rule::kw_where => &["where"],
        Rule::kw_over => &["over"],
        Rule::kw_entity => &["entity"],
        Rule::kw_source => &["source"],
        Rule::kw_table => &["table"],
        Rule::kw_features => &["features"],
        Rule::kw_service => &["service"],
        Rule::kw_on => &["on"],
        Rule::kw_from => &["from"],
        Rule::kw_key => &["key"],
        Rule::kw_schema => &["schema"],
        Rule::kw_event_time => &["event_time"],
        Rule::kw_valid_from => &["valid_from"],
        Rule::kw_known_at => &["known_at"],
        Rule::kw_batch => &["batch"],
        Rule::kw_stream => &["stream"],
        Rule::kw_format => &["format"],
        Rule::kw_settle => &["settle"],
        Rule::kw_window => &["window"],
        Rule::kw_ttl => &["ttl"],
        Rule::kw_online => &["online"],
        Rule::kw_retain => &["retain"],
        Rule::kw_refresh => &["refresh"],
        Rule::kw_continuous => &["continuous"],
        Rule::kw_snapshot => &["snapshot"],
        Rule::kw_every => &["every"],
        Rule::kw_offline => &["offline"],
        Rule::kw_only => &["only"],
        Rule::kw_tumbling => &["tumbling"],
        Rule::kw_sliding => &["sliding"],
        Rule::kw_rolling => &["rolling"],
        Rule::kw_hop => &["hop"],
        Rule::kw_lifetime => &["lifetime"],
        Rule::kw_include => &["include"],
        Rule::kw_request => &["request"],
        Rule::kw_decimal => &["decimal"],
        Rule::kw_list => &["list"],
        _ => &[],
    }
}

/// Every rule in plain words. Exhaustive on purpose: a new grammar rule must be named here.
fn describe(rule: Rule) -> Expected {
    use Expected::{Operator, Phrase};
    match rule {
        Rule::decl
        | Rule::entity_decl
        | Rule::source_decl
        | Rule::table_decl
        | Rule::features_decl
        | Rule::service_decl => {
            Phrase("a declaration (`entity`, `source`, `table`, `features` or `service`)")
        }
        Rule::entity_key => Phrase("`key name: type`"),
        Rule::key_roles => Phrase("the columns that play the entity's keys (`(sender_id)`)"),
        Rule::clause
        | Rule::schema_clause
        | Rule::event_time_clause
        | Rule::key_clause
        | Rule::valid_from_clause
        | Rule::known_at_clause
        | Rule::batch_clause
        | Rule::stream_clause
        | Rule::settle_clause => Phrase(
            "a clause (`schema`, `event_time`, `key`, `valid_from`, `known_at`, `batch`, `stream` or `settle`)",
        ),
        Rule::field => Phrase("a column (`name: type`)"),
        Rule::view_item | Rule::feature_def | Rule::bare_feature => Phrase("a feature line"),
        Rule::window_item | Rule::kw_window => Phrase("`window`"),
        Rule::ttl_item | Rule::kw_ttl => Phrase("`ttl`"),
        Rule::online_item | Rule::kw_online => Phrase("`online`"),
        Rule::refresh_item | Rule::kw_refresh => Phrase("`refresh`"),
        Rule::kw_continuous | Rule::kw_snapshot | Rule::kw_every => {
            Phrase("`continuous`, `every CADENCE` or `snapshot every CADENCE`")
        }
        Rule::cadence => {
            Phrase("a cadence (a duration such as `5m`, or a cron expression in quotes)")
        }
        Rule::offline_item | Rule::kw_offline => Phrase("`offline only`"),
        Rule::kw_only => Phrase("`only`"),
        Rule::filter | Rule::kw_where => Phrase("`where`"),
        Rule::over | Rule::kw_over => Phrase("`over`"),
        Rule::window | Rule::tumbling | Rule::sliding | Rule::rolling | Rule::lifetime => Phrase(
            "a window (`tumbling(size)`, `sliding(size, slide)`, `rolling(size)` or `lifetime`)",
        ),
        Rule::service_item => {
            Phrase("`include`, `request` or a derived feature (`name = expression`)")
        }
        Rule::include_item | Rule::kw_include => Phrase("`include`"),
        Rule::include_role => Phrase("the entity and the request's columns (`on user(sender_id)`)"),
        Rule::request_item | Rule::kw_request => Phrase("`request`"),
        Rule::derived => Phrase("a derived feature (`name = expression`)"),
        Rule::include_target => Phrase("a feature reference (`view.feature` or `view.*`)"),
        Rule::type_expr | Rule::decimal_type | Rule::list_type | Rule::named_type => {
            Phrase("a type")
        }
        Rule::expr
        | Rule::bound
        | Rule::paren
        | Rule::call
        | Rule::name_ref
        | Rule::case_expr
        | Rule::case_operand
        | Rule::cast_expr
        | Rule::op_not
        | Rule::op_neg
        | Rule::prefix
        | Rule::operand
        | Rule::literal
        | Rule::call_arg => Phrase("an expression"),
        Rule::when_branch | Rule::kw_when => Phrase("`when`"),
        Rule::else_branch | Rule::kw_else => Phrase("`else`"),
        Rule::is_null
        | Rule::in_list
        | Rule::like
        | Rule::between
        | Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_concat
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div
        | Rule::op_mod
        | Rule::kw_is
        | Rule::kw_in
        | Rule::kw_like
        | Rule::kw_between
        | Rule::kw_not
        | Rule::infix
        | Rule::postfix
        | Rule::bound_infix => Operator,
        // Silent rules are never reported by pest; named for completeness.
        Rule::WHITESPACE | Rule::COMMENT => Phrase("whitespace"),
        Rule::exponent => Phrase("a number"),
        Rule::name | Rule::ident | Rule::reserved | Rule::word => Phrase("a name"),
        Rule::duration => Phrase("a duration such as `15m`"),
        Rule::int_lit => Phrase("an integer"),
        Rule::float => Phrase("a number"),
        Rule::string => Phrase("a string such as 'text'"),
        Rule::quoted => Phrase("a double-quoted string such as \"data/events\""),
        Rule::lbrace => Phrase("`{`"),
        Rule::rbrace => Phrase("`}`"),
        Rule::lparen => Phrase("`(`"),
        Rule::rparen => Phrase("`)`"),
        Rule::langle => Phrase("`<`"),
        Rule::rangle => Phrase("`>`"),
        Rule::comma => Phrase("`,`"),
        Rule::colon => Phrase("`:`"),
        Rule::dot => Phrase("`.`"),
        Rule::star => Phrase("`*`"),
        Rule::assign => Phrase("`=`"),
        Rule::kw_and => Phrase("`and`"),
        Rule::kw_or => Phrase("`or`"),
        Rule::kw_null => Phrase("`null`"),
        Rule::kw_true => Phrase("`true`"),
        Rule::kw_false => Phrase("`false`"),
        Rule::kw_case => Phrase("`case`"),
        Rule::kw_then => Phrase("`then`"),
        Rule::kw_end => Phrase("`end`"),
        Rule::kw_cast => Phrase("`cast`"),
        Rule::kw_as => Phrase("`as`"),
        Rule::kw_entity => Phrase("`entity`"),
        Rule::kw_source => Phrase("`source`"),
        Rule::kw_table => Phrase("`table`"),
        Rule::kw_features => Phrase("`features`"),
        Rule::kw_service => Phrase("`service`"),
        Rule::kw_on => Phrase("`on`"),
        Rule::kw_from => Phrase("`from`"),
        Rule::kw_key => Phrase("`key`"),
        Rule::kw_schema => Phrase("`schema`"),
        Rule::kw_event_time => Phrase("`event_time`"),
        Rule::kw_valid_from => Phrase("`valid_from`"),
        Rule::kw_known_at => Phrase("`known_at`"),
        Rule::kw_batch => Phrase("`batch`"),
        Rule::kw_stream => Phrase("`stream`"),
        Rule::kw_format => Phrase("`format`"),
        Rule::kw_settle => Phrase("`settle`"),
        Rule::kw_retain => Phrase("`retain`"),
        Rule::kw_tumbling => Phrase("`tumbling`"),
        Rule::kw_sliding => Phrase("`sliding`"),
        Rule::kw_rolling => Phrase("`rolling`"),
        Rule::kw_hop => Phrase("`hop`"),
        Rule::kw_lifetime => Phrase("`lifetime`"),
        Rule::kw_decimal => Phrase("`decimal`"),
        Rule::kw_list => Phrase("`list`"),
    }
}
