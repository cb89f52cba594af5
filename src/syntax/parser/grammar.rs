//! The pest parser generated from `grammar/feat.pest`.

use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "grammar/feat.pest"]
pub(super) struct FeatParser;
