//! "Did you mean ...?" for near-miss names.

/// The candidate closest to `name`, if it is close enough to be what the author meant.
///
/// Closeness is the Damerau–Levenshtein distance, accepted up to a third of the name's length
/// (at least 1, at most 3), plus an exact case-insensitive match; ties go to the earliest
/// candidate in sorted order, so the suggestion is deterministic.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, 3);
    let mut best: Option<(usize, &str)> = None;
    let mut sorted: Vec<&str> = candidates.into_iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    for candidate in sorted {
        if candidate == name {
            continue;
        }
        let distance = if candidate.eq_ignore_ascii_case(name) {
            0
        } else {
            strsim::damerau_levenshtein(name, candidate)
        };
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `1 argument`, `2 arguments`: a count and its noun, for messages.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_the_nearest_close_name() {
        let cols = ["revenue", "event_type", "session_id"];
        assert_eq!(did_you_mean("revenu", cols), Some("revenue"));
        assert_eq!(did_you_mean("evnet_type", cols), Some("event_type"));
        assert_eq!(did_you_mean("Revenue", cols), Some("revenue"));
        assert_eq!(did_you_mean("zzz", cols), None);
        assert_eq!(did_you_mean("revenue", cols), None);
    }
}
