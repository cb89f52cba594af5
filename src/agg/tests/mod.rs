//! Property tests of the aggregate states against the words of docs/language.md: grouping and merge order do
//! not matter, the result equals an independent naive computation, the field encoding
//! round-trips, and `State::new` is the identity of `merge`.

mod hll_accuracy;
mod naive;
mod properties;
