//! The state of `var_pop` and `stddev_pop`: count, mean and M2 (the sum of squared deviations
//! from the mean), merged with Chan et al.'s parallel formula. Unlike `Σx²/n − mean²`, it does
//! not cancel catastrophically when the variance is small next to the mean.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Moments {
    count: i64,
    mean: f64,
    m2: f64,
}

impl Moments {
    pub fn from_parts(count: i64, mean: f64, m2: f64) -> Moments {
        Moments { count, mean, m2 }
    }

    pub fn count(&self) -> i64 {
        self.count
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    pub fn m2(&self) -> f64 {
        self.m2
    }

    /// Adding a value is merging the one-value state `(1, x, 0)`, so a fold is a special case
    /// of a merge and both round alike.
    pub fn add(&mut self, value: f64) {
        self.merge(&Moments::from_parts(1, value, 0.0));
    }

    /// With `n = a.count + b.count` and `δ = b.mean − a.mean`:
    /// `mean = a.mean·(a.count/n) + b.mean·(b.count/n)`,
    /// `m2 = (a.m2 + b.m2) + δ²·(a.count·b.count/n)`; an empty side is the identity.
    /// Every operation is symmetric in `a` and `b`, so the merge is exactly commutative.
    pub fn merge(&mut self, other: &Moments) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            *self = *other;
            return;
        }
        let count = self.count.saturating_add(other.count);
        let (na, nb, n) = (self.count as f64, other.count as f64, count as f64);
        let delta = other.mean - self.mean;
        let mean = self.mean * (na / n) + other.mean * (nb / n);
        let m2 = (self.m2 + other.m2) + delta * delta * (na * nb / n);
        *self = Moments { count, mean, m2 };
    }

    /// `m2 / count`, never negative; `None` without values.
    pub fn variance(&self) -> Option<f64> {
        (self.count > 0).then(|| (self.m2 / self.count as f64).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variance_of_a_known_sample() {
        let mut moments = Moments::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            moments.add(x);
        }
        assert_eq!(moments.count(), 8);
        assert!((moments.mean() - 5.0).abs() < 1e-12, "{}", moments.mean());
        let variance = moments.variance().unwrap();
        assert!((variance - 4.0).abs() < 1e-12, "{variance}");
    }

    #[test]
    fn small_variance_next_to_a_large_mean_survives() {
        let mut moments = Moments::default();
        for x in [1e9 + 1.0, 1e9 + 2.0, 1e9 + 3.0] {
            moments.add(x);
        }
        let variance = moments.variance().unwrap();
        assert!((variance - 2.0 / 3.0).abs() < 1e-6, "{variance}");
    }

    #[test]
    fn empty_has_no_variance() {
        assert_eq!(Moments::default().variance(), None);
    }
}
