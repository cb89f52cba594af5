//! The oracle's draws from splitmix64 (`support/rng.rs`), seeded apart from the other tests'
//! seeds, so that every failure names a seed that reproduces it.

use crate::support::rng;

pub struct Rng(rng::Rng);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(rng::Rng::new(seed ^ 0x5eed_f00d_cafe_d00d))
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0.next() % n
    }

    /// Uniform in `low..high` (low < high).
    pub fn range(&mut self, low: i64, high: i64) -> i64 {
        low + self.below((high - low) as u64) as i64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        self.0.shuffle(items);
    }
}
