//! Bearer tokens (`featc serve --tokens FILE`): a lookup needs `Authorization: Bearer TOKEN`
//! with a token of the file, and a token may be restricted to some services. `/healthz` stays
//! open; `/metrics` needs a token with `--protect-metrics`.
//!
//! The file has one token per line, optionally followed by the services it may read
//! (`TOKEN churn_model,fraud_scoring`); `#` starts a comment. It is read again when it changes
//! (checked at most once a second), so tokens are rotated without a restart; a file that
//! cannot be read or parsed keeps the tokens in force and says so on stderr. Tokens are
//! compared in constant time, and never printed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// How often the token file is looked at.
const RELOAD_EVERY: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    secret: Vec<u8>,
    /// `None`: every service.
    services: Option<BTreeSet<String>>,
}

/// The tokens in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tokens {
    tokens: Vec<Token>,
}

/// Why a request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization: Bearer` header, or not a token of the file (401).
    Unauthenticated,
    /// A valid token that may not read this service (403).
    Forbidden,
}

/// `a == b` in a time that depends on the lengths only, not on where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Tokens {
    /// The tokens of a token file's text; the error names the line.
    pub fn parse(text: &str) -> Result<Tokens, String> {
        let mut tokens = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or_default().trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            let secret = parts.next().unwrap_or_default();
            if secret.len() < 16 {
                return Err(format!(
                    "line {}: a token must have at least 16 characters",
                    n + 1
                ));
            }
            let services = parts.next().map(|list| {
                list.split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect::<BTreeSet<_>>()
            });
            if parts.next().is_some() {
                return Err(format!(
                    "line {}: expected `TOKEN [service,service...]`",
                    n + 1
                ));
            }
            tokens.push(Token {
                secret: secret.as_bytes().to_vec(),
                services,
            });
        }
        if tokens.is_empty() {
            return Err("the file has no token: every request would be refused".into());
        }
        Ok(Tokens { tokens })
    }

    /// Whether `authorization` (the header's value) may read `service` (`None`: any valid
    /// token will do, as for `/metrics`).
    pub fn check(
        &self,
        authorization: Option<&[u8]>,
        service: Option<&str>,
    ) -> Result<(), Refusal> {
        let Some(secret) = authorization.and_then(|h| h.strip_prefix(b"Bearer ")) else {
            return Err(Refusal::Unauthenticated);
        };
        // look at every token, so that the time does not tell which one matched
        let mut matched: Option<&Token> = None;
        for token in &self.tokens {
            if constant_time_eq(&token.secret, secret) && matched.is_none() {
                matched = Some(token);
            }
        }
        match (matched, service) {
            (None, _) => Err(Refusal::Unauthenticated),
            (
                Some(Token {
                    services: Some(allowed),
                    ..
                }),
                Some(service),
            ) if !allowed.contains(service) => Err(Refusal::Forbidden),
            (Some(_), _) => Ok(()),
        }
    }
}

/// A token file and the tokens it held when last read.
#[derive(Debug)]
pub struct TokenFile {
    path: PathBuf,
    state: Mutex<(Instant, String)>,
    tokens: RwLock<Arc<Tokens>>,
}

impl TokenFile {
    /// Reads the file; an unreadable file or one without a valid token is an error.
    pub fn load(path: &Path) -> Result<TokenFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let tokens = Tokens::parse(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(TokenFile {
            path: path.to_path_buf(),
            state: Mutex::new((Instant::now(), text)),
            tokens: RwLock::new(Arc::new(tokens)),
        })
    }

    /// The tokens in force, read again if the file changed (at most once a second).
    pub fn current(&self) -> Arc<Tokens> {
        if let Ok(mut state) = self.state.try_lock()
            && state.0.elapsed() >= RELOAD_EVERY
        {
            state.0 = Instant::now();
            match std::fs::read_to_string(&self.path) {
                Ok(text) if text != state.1 => match Tokens::parse(&text) {
                    Ok(tokens) => {
                        state.1 = text;
                        if let Ok(mut current) = self.tokens.write() {
                            *current = Arc::new(tokens);
                        }
                        eprintln!(
                            "featc: serve: reloaded the tokens of {}",
                            self.path.display()
                        );
                    }
                    Err(e) => eprintln!(
                        "featc: serve: keeping the tokens in force: {}: {e}",
                        self.path.display()
                    ),
                },
                Ok(_) => {}
                Err(e) => eprintln!(
                    "featc: serve: keeping the tokens in force: cannot read {}: {e}",
                    self.path.display()
                ),
            }
        }
        self.tokens
            .read()
            .map(|t| Arc::clone(&t))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn tokens_grant_services_as_the_file_says() {
        let tokens = Tokens::parse(&format!("# ops\n{A}\n{B} churn_model # the model\n")).unwrap();
        let bearer = |t: &str| format!("Bearer {t}").into_bytes();
        assert_eq!(tokens.check(Some(&bearer(A)), Some("fraud")), Ok(()));
        assert_eq!(tokens.check(Some(&bearer(B)), Some("churn_model")), Ok(()));
        assert_eq!(
            tokens.check(Some(&bearer(B)), Some("fraud")),
            Err(Refusal::Forbidden)
        );
        assert_eq!(tokens.check(Some(&bearer(B)), None), Ok(()));
        assert_eq!(
            tokens.check(Some(&bearer("cccccccccccccccccccc")), None),
            Err(Refusal::Unauthenticated)
        );
        assert_eq!(tokens.check(None, None), Err(Refusal::Unauthenticated));
        assert_eq!(
            tokens.check(Some(A.as_bytes()), None),
            Err(Refusal::Unauthenticated),
            "the scheme is required"
        );
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        assert!(Tokens::parse("short\n").unwrap_err().contains("line 1"));
        assert!(
            Tokens::parse("# nothing\n")
                .unwrap_err()
                .contains("no token")
        );
        assert!(
            Tokens::parse(&format!("{A} a b\n"))
                .unwrap_err()
                .contains("line 1")
        );
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
