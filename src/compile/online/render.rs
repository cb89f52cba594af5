//! The minijinja environment of the online templates: strict about undefined variables (a typo
//! in a template is an error, not an empty string), whitespace-controlled so that the output is
//! readable and byte-identical from run to run, no HTML escaping, and one `ident` filter (the
//! one quoting function) for identifiers.

use super::error::OnlineError;
use super::text::quote;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value, syntax::SyntaxConfig};
use std::sync::OnceLock;

pub const SYSTEM: &str = "system.sql.j2";
pub const TABLE: &str = "table.sql.j2";
pub const UPSERT: &str = "upsert.sql.j2";
pub const LOOKUP: &str = "lookup.sql.j2";

const TEMPLATES: [(&str, &str); 4] = [
    (SYSTEM, include_str!("templates/system.sql.j2")),
    (TABLE, include_str!("templates/table.sql.j2")),
    (UPSERT, include_str!("templates/upsert.sql.j2")),
    (LOOKUP, include_str!("templates/lookup.sql.j2")),
];

fn environment() -> Result<&'static Environment<'static>, OnlineError> {
    static ENVIRONMENT: OnceLock<Result<Environment<'static>, (&'static str, String)>> =
        OnceLock::new();
    let built = ENVIRONMENT.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let syntax = SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| ("syntax", e.to_string()))?;
        env.set_syntax(syntax);
        env.add_filter("ident", |name: String| quote(&name));
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| (name, format!("{e:#}")))?;
        }
        Ok(env)
    });
    built
        .as_ref()
        .map_err(|(template, message)| OnlineError::Template {
            template,
            source: minijinja::Error::new(minijinja::ErrorKind::SyntaxError, message.clone()),
        })
}

/// Renders `template` with `context` (a serde-serialisable value).
pub fn render(template: &'static str, context: Value) -> Result<String, OnlineError> {
    let env = environment()?;
    env.get_template(template)
        .and_then(|t| t.render(context))
        .map_err(|source| OnlineError::Template { template, source })
}
