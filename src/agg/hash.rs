//! A 64-bit hash of values that is the same in every process, on every platform and with every
//! Rust version, because HyperLogLog registers computed by the batch job and by the stream
//! operator are merged with each other in Postgres. std's `DefaultHasher` promises none of that.
//!
//! The hash is FNV-1a (64-bit) over a canonical byte encoding of the value, followed by the
//! MurmurHash3 `fmix64` finaliser: FNV-1a alone mixes poorly into the high bits that pick an HLL
//! register, `fmix64` is a bijection with full avalanche.
//!
//! Canonical encoding (all integers little-endian), one tag byte then the payload:
//!
//! | value | tag | payload |
//! |---|---|---|
//! | null | 0 | — |
//! | bool | 1 | 1 byte, 0 or 1 |
//! | int | 2 | 8 bytes |
//! | float | 3 | the 8 bytes of the IEEE bits, after `-0.0` → `0.0` and every NaN → the canonical NaN |
//! | decimal | 4 | 16 bytes unscaled, 1 byte scale, after stripping trailing zeros of the fraction (`1.50` → `1.5`) |
//! | string | 5 | byte length as 8 bytes, then the UTF-8 bytes |
//! | timestamp | 6 | 8 bytes (microseconds) |
//! | date | 7 | 4 bytes (days) |
//! | list | 8 | element count as 8 bytes, then each element encoded |

use super::canonical::canonical_float;
use crate::types::Value;

const FNV_OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The hash of a value (see the module docs for the exact definition).
pub fn hash_value(value: &Value) -> u64 {
    let mut hasher = Fnv1a(FNV_OFFSET_BASIS);
    hasher.value(value);
    fmix64(hasher.0)
}

struct Fnv1a(u64);

impl Fnv1a {
    fn bytes(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
    }

    fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.bytes(&[0]),
            Value::Bool(b) => self.bytes(&[1, u8::from(*b)]),
            Value::Int(i) => {
                self.bytes(&[2]);
                self.bytes(&i.to_le_bytes());
            }
            Value::Float(f) => {
                self.bytes(&[3]);
                self.bytes(&canonical_float(*f).to_bits().to_le_bytes());
            }
            Value::Decimal(unscaled, scale) => {
                let (unscaled, scale) = strip_trailing_zeros(*unscaled, *scale);
                self.bytes(&[4]);
                self.bytes(&unscaled.to_le_bytes());
                self.bytes(&[scale]);
            }
            Value::String(s) => {
                self.bytes(&[5]);
                self.bytes(&(s.len() as u64).to_le_bytes());
                self.bytes(s.as_bytes());
            }
            Value::Timestamp(t) => {
                self.bytes(&[6]);
                self.bytes(&t.to_le_bytes());
            }
            Value::Date(d) => {
                self.bytes(&[7]);
                self.bytes(&d.to_le_bytes());
            }
            Value::List(items) => {
                self.bytes(&[8]);
                self.bytes(&(items.len() as u64).to_le_bytes());
                for item in items {
                    self.value(item);
                }
            }
        }
    }
}

/// Equal decimals (`Value`'s equality compares by numeric value) must hash alike.
fn strip_trailing_zeros(mut unscaled: i128, mut scale: u8) -> (i128, u8) {
    if unscaled == 0 {
        return (0, 0);
    }
    while scale > 0 && unscaled % 10 == 0 {
        unscaled /= 10;
        scale -= 1;
    }
    (unscaled, scale)
}

/// The MurmurHash3 64-bit finaliser.
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // From the FNV reference test suite (draft-eastlake-fnv): "" and "a" and "foobar".
        for (input, expected) in [
            ("", 0xcbf2_9ce4_8422_2325u64),
            ("a", 0xaf63_dc4c_8601_ec8c),
            ("foobar", 0x8594_4171_f739_67e8),
        ] {
            let mut hasher = Fnv1a(FNV_OFFSET_BASIS);
            hasher.bytes(input.as_bytes());
            assert_eq!(hasher.0, expected, "{input:?}");
        }
    }

    #[test]
    fn fmix64_matches_murmur3() {
        // fmix64 fixes 0; fmix64(1) as computed by an independent Python implementation.
        assert_eq!(fmix64(0), 0);
        assert_eq!(fmix64(1), 0xb456_bcfc_34c2_cb2c);
    }

    #[test]
    fn hashes_are_pinned_across_versions() {
        // Changing these breaks every HLL state stored online: never update them casually.
        assert_eq!(hash_value(&Value::Int(1)), PINNED_INT_1);
        assert_eq!(hash_value(&Value::String("u_1".into())), PINNED_STRING_U1);
    }

    // Computed from the definition in the module docs (FNV-1a 64 over the canonical encoding,
    // then fmix64) by an independent Python implementation.
    const PINNED_INT_1: u64 = 0x8f96_f0d6_b617_55b0;
    const PINNED_STRING_U1: u64 = 0x48e2_2a49_02e0_833c;

    #[test]
    fn equal_values_hash_alike() {
        assert_eq!(
            hash_value(&Value::Decimal(150, 2)),
            hash_value(&Value::Decimal(15, 1))
        );
        assert_eq!(
            hash_value(&Value::Float(-0.0)),
            hash_value(&Value::Float(0.0))
        );
        assert_eq!(
            hash_value(&Value::Float(f64::NAN)),
            hash_value(&Value::Float(-f64::NAN))
        );
        assert_ne!(hash_value(&Value::Int(1)), hash_value(&Value::Timestamp(1)));
        assert_ne!(
            hash_value(&Value::List(vec![Value::String("ab".into())])),
            hash_value(&Value::List(vec![
                Value::String("a".into()),
                Value::String("b".into())
            ]))
        );
    }
}
