//! Syntax: `.feat` text → [`ast`], with the grammar in `grammar/feat.pest`.

pub mod ast;
mod parser;

pub use parser::parse;
