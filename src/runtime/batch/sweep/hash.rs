//! A fast, non-cryptographic hasher for the sweep's interners: keys and values are hashed
//! millions of times per run, and std's SipHash costs several times more than the lookup.
//!
//! Each 8-byte word is mixed with a folded 64×64→128-bit multiply (the high and low halves
//! xored), which spreads every input bit over the whole output, low bits included (std's
//! `HashMap` picks buckets with the low bits and tags with the high ones). Inputs are trusted
//! data files, not adversaries, so there is no seed.

use std::hash::{BuildHasherDefault, Hasher};

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
const SECOND: u64 = 0xD6E8_FEB8_6659_FD93;

/// `a · b` as 128 bits, folded to 64 by xoring its halves.
fn fold_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

#[derive(Default, Clone, Copy)]
pub struct FoldHasher {
    state: u64,
}

impl FoldHasher {
    fn mix(&mut self, word: u64) {
        self.state = fold_multiply(self.state ^ word, MULTIPLIER);
    }
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // the length keeps "a" and "a\0" apart
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.mix(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.mix(value as u64);
    }

    fn finish(&self) -> u64 {
        fold_multiply(self.state, SECOND)
    }
}

/// The `BuildHasher` of the sweep's hash maps.
pub type FastHash = BuildHasherDefault<FoldHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::hash::{BuildHasher, Hash};

    fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
        FastHash::default().hash_one(value)
    }

    #[test]
    fn keys_that_differ_only_in_the_last_digits_spread_over_low_bits() {
        // ids like the benchmark's: a constant prefix, then digits
        let buckets: HashSet<u64> = (0..4096)
            .map(|i| hash_of(format!("u_{i:06}").as_bytes()) & 4095)
            .collect();
        // a uniform hash fills about 1 − 1/e ≈ 63% of 4096 buckets with 4096 keys
        assert!(buckets.len() > 2300, "{} buckets used", buckets.len());
    }

    #[test]
    fn lengths_and_trailing_zeros_are_told_apart() {
        assert_ne!(hash_of(b"a".as_slice()), hash_of(b"a\0".as_slice()));
        assert_ne!(hash_of(b"".as_slice()), hash_of(b"\0".as_slice()));
        assert_ne!(hash_of(&1u64), hash_of(&2u64));
    }
}
