//! The one Arrow codec of the runtimes: how a `.feat` type is laid out in Arrow ([`schema`]),
//! Arrow cells ↔ featc values and state fields ([`convert`]), and values into arrays of a
//! result type ([`arrays`]). The batch engine, the serve log and consistency all use it.

pub mod arrays;
pub mod convert;
pub mod schema;

pub use arrays::values_to_array;
