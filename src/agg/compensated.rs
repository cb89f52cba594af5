//! Neumaier-compensated float summation, so that a float sum barely depends on how events were
//! grouped into tiles and in which order tiles were merged: the batch job and the stream merge
//! the same events in different groupings, and parity compares their results.
//!
//! The state is `(sum, compensation)`: `sum` is the ordinary rounded running sum and
//! `compensation` accumulates the rounding error of every addition, which is exact (Fast2Sum).
//! The result is `sum + compensation`. The merge is exactly commutative (the rounding error of
//! `a + b` is unique, and the compensations are added symmetrically) and associative up to a
//! few ulps of the result, where plain summation is off by up to n ulps of the largest partial sum.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CompensatedSum {
    sum: f64,
    compensation: f64,
}

impl CompensatedSum {
    pub fn of(value: f64) -> CompensatedSum {
        CompensatedSum::from_parts(value, 0.0)
    }

    /// A state as stored; a non-finite sum carries no compensation.
    pub fn from_parts(sum: f64, compensation: f64) -> CompensatedSum {
        let compensation = if sum.is_finite() { compensation } else { 0.0 };
        CompensatedSum { sum, compensation }
    }

    pub fn sum(&self) -> f64 {
        self.sum
    }

    pub fn compensation(&self) -> f64 {
        self.compensation
    }

    pub fn add(&mut self, value: f64) {
        self.merge(&CompensatedSum::of(value));
    }

    /// `t = a.sum + b.sum`; `e` = the exact rounding error of that addition, computed from the
    /// operand of larger magnitude; `compensation = e + (a.compensation + b.compensation)`.
    /// Once the sum is infinite or NaN the compensation is 0 (it would be NaN).
    pub fn merge(&mut self, other: &CompensatedSum) {
        let (a, b) = (self.sum, other.sum);
        let total = a + b;
        let error = if a.abs() >= b.abs() {
            (a - total) + b
        } else {
            (b - total) + a
        };
        let compensation = error + (self.compensation + other.compensation);
        *self = CompensatedSum::from_parts(total, compensation);
    }

    pub fn value(&self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.compensation
        } else {
            self.sum
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum_of(values: &[f64]) -> f64 {
        let mut total = CompensatedSum::of(values[0]);
        for value in &values[1..] {
            total.add(*value);
        }
        total.value()
    }

    #[test]
    fn small_terms_next_to_large_ones_are_not_lost() {
        // Plain summation gives 0.0 here: 1.0 is below half an ulp of 1e100.
        assert_eq!(sum_of(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(sum_of(&[0.1, 0.2, 0.3]), 0.6);
    }

    #[test]
    fn merge_is_exactly_commutative() {
        let a = {
            let mut s = CompensatedSum::of(1e16);
            s.add(1.0);
            s
        };
        let b = {
            let mut s = CompensatedSum::of(-3.3);
            s.add(1e-3);
            s
        };
        let (mut ab, mut ba) = (a, b);
        ab.merge(&b);
        ba.merge(&a);
        assert_eq!(ab, ba);
    }

    #[test]
    fn infinities_do_not_turn_into_nan() {
        assert_eq!(sum_of(&[1.0, f64::INFINITY, 2.0]), f64::INFINITY);
        assert!(sum_of(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
    }
}
