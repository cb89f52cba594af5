//! SQL `LIKE`: `%` matches any run of characters (also none), `_` exactly one character, `\`
//! makes the next character literal (a trailing `\` is itself literal). Case-sensitive, by
//! characters, over the whole text.

#[derive(Clone, Copy, PartialEq)]
enum Token {
    Char(char),
    One,
    Any,
}

fn tokens(pattern: &str) -> Vec<Token> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        out.push(match c {
            '%' => Token::Any,
            '_' => Token::One,
            '\\' => Token::Char(chars.next().unwrap_or('\\')),
            c => Token::Char(c),
        });
    }
    out
}

/// Whether `text` matches `pattern` (greedy with backtracking to the last `%`: linear in
/// practice, O(text × pattern) at worst).
pub fn matches(text: &str, pattern: &str) -> bool {
    let pattern = tokens(pattern);
    let text: Vec<char> = text.chars().collect();
    let (mut t, mut p) = (0, 0);
    // where the last `%` was, and the text position it currently covers up to
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Any) => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(Token::One) => {
                t += 1;
                p += 1;
            }
            Some(Token::Char(c)) if *c == text[t] => {
                t += 1;
                p += 1;
            }
            _ => match backtrack {
                // let the last `%` swallow one more character and retry
                Some((star, covered)) => {
                    backtrack = Some((star, covered + 1));
                    p = star + 1;
                    t = covered + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|token| *token == Token::Any)
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn wildcards_and_escapes() {
        assert!(matches("purchase", "purch%"));
        assert!(matches("purchase", "%chase"));
        assert!(matches("purchase", "%rch%"));
        assert!(matches("purchase", "p_rchase"));
        assert!(!matches("purchase", "p_chase"));
        assert!(matches("", "%"));
        assert!(!matches("", "_"));
        assert!(matches("a%b", "a\\%b"));
        assert!(!matches("axb", "a\\%b"));
        assert!(matches("a_b", "a\\_b"));
        assert!(!matches("axb", "a\\_b"));
        assert!(matches("back\\", "back\\"));
        assert!(!matches("Purchase", "purchase"));
        assert!(matches("ünïcödé", "_n_c_d_"));
        assert!(matches("aaab", "%a%ab"));
        assert!(!matches("aaac", "%a%ab"));
        assert!(matches("abcabc", "%abc"));
    }
}
