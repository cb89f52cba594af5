//! [`Sketch`]: the state of `approx_percentile(x, q)` — counts of values in logarithmic
//! buckets (DDSketch's idea), mergeable exactly (counts add), so that every grouping of the
//! same events gives the same sketch and the same quantile.
//!
//! Bucket of a finite, nonzero `x`: its binary exponent `e` and the top 6 bits `j` of its
//! mantissa, i.e. `|x| ∈ [2^e·(1 + j/64), 2^e·(1 + (j+1)/64))`. The bucket stands for the
//! middle of that interval, `2^e·(1 + (j + ½)/64)`, which is within **1/128 ≈ 0.78%** of every
//! value in it (relative error). Buckets need no logarithm: the same bits give the same bucket
//! in every process, and the middle is exact in IEEE arithmetic (Postgres computes it to the
//! same bit). `0`, and values closer to 0 than 2^-1022, fall in the zero bucket; NaN and
//! infinities are not counted.
//!
//! Bucket keys order like the values they hold: `0` for zero, `k > 0` for positive values
//! (growing with the value), `−k` for the negative value of the same magnitude. The q-quantile
//! of `n` counted values is the bucket holding the value of rank `⌊q·(n − 1)⌋` (from 0) in
//! ascending order.

use std::collections::BTreeMap;

/// Mantissa bits per bucket: 2^6 = 64 buckets per power of two.
pub const SUB_BUCKET_BITS: u32 = 6;
const SUB_BUCKETS: i64 = 1 << SUB_BUCKET_BITS;
/// Added to the binary exponent so that every bucket key of a positive value is positive.
pub const EXPONENT_OFFSET: i64 = 1100;
/// The largest relative error of a quantile: half a bucket's width at its narrowest.
pub const RELATIVE_ERROR: f64 = 1.0 / 128.0;
/// `q` is given in millionths (`0.95` → 950,000).
pub const PPM: i64 = 1_000_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sketch {
    /// Bucket key → count (> 0).
    #[serde(with = "super::pairs")]
    counts: BTreeMap<i64, i64>,
}

/// The bucket key of `x`, or `None` for NaN and infinities.
pub fn bucket(x: f64) -> Option<i64> {
    if !x.is_finite() {
        return None;
    }
    let bits = x.abs().to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    if biased == 0 {
        return Some(0); // zero and subnormals
    }
    let exponent = biased - 1023;
    let sub = ((bits >> (52 - SUB_BUCKET_BITS)) & (SUB_BUCKETS as u64 - 1)) as i64;
    let key = (exponent + EXPONENT_OFFSET) * SUB_BUCKETS + sub + 1;
    Some(if x < 0.0 { -key } else { key })
}

/// The value a bucket stands for: the middle of its interval (0 for the zero bucket).
pub fn representative(key: i64) -> f64 {
    if key == 0 {
        return 0.0;
    }
    let k = key.abs() - 1;
    let exponent = k.div_euclid(SUB_BUCKETS) - EXPONENT_OFFSET;
    let sub = k.rem_euclid(SUB_BUCKETS);
    // 2^exponent from its bits: exact for every exponent a bucket can have
    let power = f64::from_bits(((exponent + 1023).clamp(1, 2046) as u64) << 52);
    let magnitude = (1.0 + (sub as f64 + 0.5) / SUB_BUCKETS as f64) * power;
    if key < 0 { -magnitude } else { magnitude }
}

/// The rank (from 0) of the q-quantile among `n` values, `q` in millionths.
pub fn quantile_rank(ppm: u32, n: i64) -> i64 {
    let rank = i128::from(ppm) * i128::from(n.saturating_sub(1)) / i128::from(PPM);
    i64::try_from(rank).unwrap_or(i64::MAX)
}

impl Sketch {
    pub fn insert(&mut self, x: f64) {
        if let Some(key) = bucket(x) {
            let count = self.counts.entry(key).or_insert(0);
            *count = count.saturating_add(1);
        }
    }

    pub fn merge(&mut self, other: &Sketch) {
        for (key, count) in &other.counts {
            let slot = self.counts.entry(*key).or_insert(0);
            *slot = slot.saturating_add(*count);
        }
    }

    /// The number of values counted.
    pub fn len(&self) -> i64 {
        self.counts.values().fold(0i64, |n, c| n.saturating_add(*c))
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The q-quantile (`q` in millionths), or `None` without values.
    pub fn quantile(&self, ppm: u32) -> Option<f64> {
        let rank = quantile_rank(ppm, self.len());
        let mut seen: i64 = 0;
        for (key, count) in &self.counts {
            seen = seen.saturating_add(*count);
            if seen > rank {
                return Some(representative(*key));
            }
        }
        None
    }

    /// The bucket keys (ascending) and their counts, as stored.
    pub fn buckets(&self) -> (Vec<i64>, Vec<i64>) {
        self.counts.iter().map(|(k, c)| (*k, *c)).unzip()
    }

    /// The sketch of stored buckets; `None` if the lists differ in length or a count is not
    /// positive (no merge produces either). Repeated keys add up.
    pub fn from_buckets(keys: &[i64], counts: &[i64]) -> Option<Sketch> {
        if keys.len() != counts.len() || counts.iter().any(|c| *c <= 0) {
            return None;
        }
        let mut sketch = Sketch::default();
        for (key, count) in keys.iter().zip(counts) {
            let slot = sketch.counts.entry(*key).or_insert(0);
            *slot = slot.saturating_add(*count);
        }
        Some(sketch)
    }

    /// Heap bytes, roughly (a B-tree node costs about as much again as its entries).
    pub fn heap_size(&self) -> usize {
        self.counts.len() * 32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_order_like_values_and_hold_them_within_the_relative_error() {
        let values = [
            -1e300, -1234.5, -1.0, -0.001, 0.0, 1e-300, 0.001, 0.75, 1.0, 1.5, 2.0, 1234.5, 1e300,
        ];
        let keys: Vec<i64> = values.iter().map(|v| bucket(*v).unwrap()).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        for v in values {
            let r = representative(bucket(v).unwrap());
            assert!(
                (r - v).abs() <= RELATIVE_ERROR * v.abs(),
                "{v}: stands for {r}"
            );
        }
        assert_eq!(bucket(f64::NAN), None);
        assert_eq!(bucket(f64::INFINITY), None);
        assert_eq!(bucket(-0.0), Some(0));
        assert_eq!(representative(bucket(1.0).unwrap()), 1.0 + 0.5 / 64.0);
    }

    #[test]
    fn quantiles_are_the_bucket_of_the_rank() {
        let mut sketch = Sketch::default();
        for v in [5.0, 1.0, 3.0, 2.0, 4.0] {
            sketch.insert(v);
        }
        let near = |a: f64, b: f64| (a - b).abs() <= RELATIVE_ERROR * b;
        assert!(near(sketch.quantile(0).unwrap(), 1.0));
        assert!(near(sketch.quantile(500_000).unwrap(), 3.0));
        assert!(near(sketch.quantile(1_000_000).unwrap(), 5.0));
        assert_eq!(Sketch::default().quantile(500_000), None);
        // merging is adding counts: any split gives the same sketch
        let (mut a, mut b) = (Sketch::default(), Sketch::default());
        for v in [5.0, 1.0] {
            a.insert(v);
        }
        for v in [3.0, 2.0, 4.0] {
            b.insert(v);
        }
        b.merge(&a);
        assert_eq!(b, sketch);
        let (keys, counts) = sketch.buckets();
        assert_eq!(Sketch::from_buckets(&keys, &counts), Some(sketch));
        assert_eq!(Sketch::from_buckets(&[1], &[0]), None);
    }
}
