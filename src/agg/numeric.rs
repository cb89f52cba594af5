//! Numeric conversions shared by the numeric states: every one deterministic (IEEE operations
//! only, no `powi`/libm), so that batch and stream agree to the bit.

use crate::types::Value;

/// The largest unscaled value of a `decimal(38, s)`: 10^38 − 1.
pub const DECIMAL38_MAX: i128 = 99_999_999_999_999_999_999_999_999_999_999_999_999;

/// Powers of ten that are exact in an f64 (10^22 is the largest).
const EXACT_POWERS_OF_TEN: [f64; 23] = {
    let mut powers = [1.0; 23];
    let mut i = 1;
    while i < powers.len() {
        powers[i] = powers[i - 1] * 10.0;
        i += 1;
    }
    powers
};

/// The value of a numeric `Value` as an f64; `None` for other variants.
pub fn to_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(unscaled, scale) => Some(decimal_to_f64(*unscaled, *scale)),
        _ => None,
    }
}

/// `unscaled × 10^-scale`, correctly rounded whenever `unscaled` has at most 53 significant
/// bits and `scale ≤ 22` (every decimal(15, s)), and deterministic always.
pub fn decimal_to_f64(unscaled: i128, scale: u8) -> f64 {
    let mut value = unscaled as f64;
    let mut remaining = usize::from(scale);
    while remaining > 0 {
        let step = remaining.min(EXACT_POWERS_OF_TEN.len() - 1);
        value /= EXACT_POWERS_OF_TEN[step];
        remaining -= step;
    }
    value
}

/// `unscaled` at scale `from`, expressed at scale `to`: exact when `to ≥ from` (saturating at
/// the i128 range), rounded half away from zero when digits are dropped.
pub fn rescale(unscaled: i128, from: u8, to: u8) -> i128 {
    if to >= from {
        let factor = 10i128.checked_pow(u32::from(to - from));
        return match factor {
            Some(factor) => unscaled.saturating_mul(factor),
            None if unscaled == 0 => 0,
            None if unscaled > 0 => i128::MAX,
            None => i128::MIN,
        };
    }
    let Some(divisor) = 10i128.checked_pow(u32::from(from - to)) else {
        return 0; // more than 38 digits dropped: every i128 rounds to zero
    };
    let (quotient, remainder) = (unscaled / divisor, unscaled % divisor);
    if remainder.unsigned_abs() >= divisor.unsigned_abs().div_ceil(2) {
        quotient + unscaled.signum()
    } else {
        quotient
    }
}

/// `unscaled` at scale `from` expressed exactly at scale `to`, or `None` if that loses digits.
pub fn rescale_exact(unscaled: i128, from: u8, to: u8) -> Option<i128> {
    if to >= from {
        unscaled.checked_mul(10i128.checked_pow(u32::from(to - from))?)
    } else {
        let divisor = 10i128.checked_pow(u32::from(from - to))?;
        (unscaled % divisor == 0).then_some(unscaled / divisor)
    }
}

/// The i64 nearest to `value`: sums of ints saturate rather than fail or wrap.
pub fn saturate_to_i64(value: i128) -> i64 {
    i64::try_from(value).unwrap_or(if value > 0 { i64::MAX } else { i64::MIN })
}

/// `value` clamped to the range of a `decimal(38, s)`.
pub fn saturate_to_decimal38(value: i128) -> i128 {
    value.clamp(-DECIMAL38_MAX, DECIMAL38_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_convert_to_the_nearest_float() {
        assert_eq!(decimal_to_f64(12345, 2), 123.45);
        assert_eq!(decimal_to_f64(-1, 1), -0.1);
        assert_eq!(decimal_to_f64(7, 0), 7.0);
        assert_eq!(to_f64(&Value::Int(-3)), Some(-3.0));
        assert_eq!(to_f64(&Value::String("3".into())), None);
    }

    #[test]
    fn rescaling_rounds_half_away_from_zero() {
        assert_eq!(rescale(15, 1, 3), 1500);
        assert_eq!(rescale(1250, 3, 1), 13);
        assert_eq!(rescale(-1250, 3, 1), -13);
        assert_eq!(rescale(1249, 3, 1), 12);
        assert_eq!(rescale(5, 0, 60), i128::MAX);
        assert_eq!(rescale(5, 60, 0), 0);
        assert_eq!(rescale_exact(1500, 3, 1), Some(15));
        assert_eq!(rescale_exact(1501, 3, 1), None);
    }

    #[test]
    fn saturation_keeps_the_sign() {
        assert_eq!(saturate_to_i64(i128::from(i64::MAX) + 1), i64::MAX);
        assert_eq!(saturate_to_i64(i128::from(i64::MIN) - 1), i64::MIN);
        assert_eq!(saturate_to_i64(-5), -5);
        assert_eq!(saturate_to_decimal38(i128::MAX), DECIMAL38_MAX);
        assert_eq!(saturate_to_decimal38(i128::MIN), -DECIMAL38_MAX);
    }
}
