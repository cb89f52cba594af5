//! Exact decimal helpers: scaling with rounding half away from zero (Postgres' `numeric`
//! rounding), precision checks, and conversions to and from text and floats.

use crate::types::decimal_text;

/// `10^k` for `k` ≤ 38 (the largest power an i128 holds).
pub fn pow10(k: u32) -> Option<i128> {
    10i128.checked_pow(k)
}

/// `unscaled × 10^-from` at scale `to`, rounding half away from zero; `None` on overflow.
pub fn rescale(unscaled: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        return unscaled.checked_mul(pow10(u32::from(to - from))?);
    }
    let Some(divisor) = pow10(u32::from(from - to)) else {
        return Some(0); // |unscaled| < 10^39: less than half of 10^(from - to)
    };
    Some(round_div(unscaled, divisor))
}

/// `n / d` rounded half away from zero (`d` > 0).
pub fn round_div(n: i128, d: i128) -> i128 {
    let (q, r) = (n / d, n % d);
    // |r| ≥ d/2, without overflowing 2·|r|
    if r.unsigned_abs() >= d.unsigned_abs() - r.unsigned_abs() {
        q + n.signum()
    } else {
        q
    }
}

/// The value at scale `to`, if it has at most `precision` digits.
pub fn fit_decimal(unscaled: i128, scale: u8, precision: u8, to: u8) -> Option<i128> {
    let u = rescale(unscaled, scale, to)?;
    match pow10(u32::from(precision)) {
        Some(limit) if u.unsigned_abs() >= limit.unsigned_abs() => None,
        _ => Some(u),
    }
}

/// The nearest double (through the decimal text, which Rust parses correctly rounded).
pub fn decimal_to_f64(unscaled: i128, scale: u8) -> f64 {
    decimal_text(unscaled, scale).parse().unwrap_or(f64::NAN)
}

/// A float as a decimal at `scale`, from its 15 significant digits as Postgres converts
/// `double precision` to `numeric`; `None` for NaN, infinities and overflow.
pub fn f64_to_decimal(x: f64, scale: u8) -> Option<i128> {
    if !x.is_finite() {
        return None;
    }
    parse_decimal(&format!("{x:.14e}"), scale)
}

/// Parses `[+-]digits[.digits][e[+-]digits]` at `scale`, rounding half away from zero;
/// `None` if it is not a number or does not fit an i128.
pub fn parse_decimal(text: &str, scale: u8) -> Option<i128> {
    let text = text.trim();
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (integer, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if integer.len() + fraction.len() == 0 || !all_digits(integer) || !all_digits(fraction) {
        return None;
    }
    let digits: String = integer.chars().chain(fraction.chars()).collect();
    let digits = digits.trim_start_matches('0');
    // value = digits × 10^shift at scale `scale`
    let shift = exponent
        .checked_sub(i64::try_from(fraction.len()).ok()?)?
        .checked_add(i64::from(scale))?;
    let magnitude = if digits.is_empty() {
        0
    } else if shift >= 0 {
        let shift = u32::try_from(shift).ok()?;
        digits.parse::<i128>().ok()?.checked_mul(pow10(shift)?)?
    } else {
        let keep = i64::try_from(digits.len()).ok()? + shift;
        let (kept, next) = if keep < 0 {
            (0, b'0')
        } else {
            let keep = usize::try_from(keep).ok()?;
            let kept = if keep == 0 {
                0
            } else {
                digits[..keep].parse::<i128>().ok()?
            };
            (kept, digits.as_bytes()[keep])
        };
        if next >= b'5' {
            kept.checked_add(1)?
        } else {
            kept
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescaling_rounds_half_away_from_zero() {
        assert_eq!(rescale(125, 2, 1), Some(13));
        assert_eq!(rescale(-125, 2, 1), Some(-13));
        assert_eq!(rescale(124, 2, 1), Some(12));
        assert_eq!(rescale(12, 1, 3), Some(1200));
        assert_eq!(rescale(i128::MAX, 0, 1), None);
        assert_eq!(rescale(1, 0, 38), Some(10i128.pow(38)));
        assert_eq!(rescale(7, 0, 38), None);
    }

    #[test]
    fn precision_limits_the_digits() {
        assert_eq!(fit_decimal(99_999, 2, 5, 2), Some(99_999));
        assert_eq!(fit_decimal(99_995, 3, 4, 2), None); // 99.995 → 100.00 needs 5 digits
        assert_eq!(fit_decimal(-1_000, 2, 3, 2), None);
    }

    #[test]
    fn text_parses_exactly() {
        assert_eq!(parse_decimal("12.345", 2), Some(1235));
        assert_eq!(parse_decimal("-12.345", 2), Some(-1235));
        assert_eq!(parse_decimal("1.5e2", 0), Some(150));
        assert_eq!(parse_decimal("0.0004", 3), Some(0));
        assert_eq!(parse_decimal("0.0005", 3), Some(1));
        assert_eq!(parse_decimal(".5", 0), Some(1));
        assert_eq!(parse_decimal("1e-400", 2), Some(0));
        assert_eq!(parse_decimal("abc", 0), None);
        assert_eq!(parse_decimal("1.2.3", 0), None);
        assert_eq!(parse_decimal("-", 0), None);
        assert_eq!(parse_decimal("", 0), None);
    }

    #[test]
    fn floats_convert_through_fifteen_digits() {
        // 1.005 is 1.00499999999999989... in binary; Postgres rounds its 15-digit text
        assert_eq!(f64_to_decimal(1.005, 2), Some(101));
        assert_eq!(f64_to_decimal(0.1 + 0.2, 2), Some(30));
        assert_eq!(f64_to_decimal(f64::NAN, 2), None);
        assert_eq!(decimal_to_f64(-5, 2), -0.05);
        assert_eq!(decimal_text(12345, 0), "12345");
    }
}
