//! Dense ids for the distinct values of one or more columns (entity keys, aggregate
//! arguments), so that the sweep sorts, groups and compares `u32`s instead of strings.
//!
//! Rows become byte keys: a single string column is read in place, single fixed-width
//! columns become their 8-byte word (floats canonicalised first, as every aggregate does:
//! `-0.0` is `0.0`, all NaNs are one), and anything else goes through Arrow's row format, whose
//! bytes are equal exactly when the values are. Each distinct key costs one allocation.

use super::hash::FastHash;
use crate::agg::canonical_float;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Float64Array, Int64Array,
    LargeStringArray, StringArray, StringViewArray, TimestampMicrosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::row::{RowConverter, Rows, SortField};
use datafusion::common::Result;
use std::collections::HashMap;

/// The id of a row that has none (skipped, or not among the interned keys).
pub const NONE: u32 = u32::MAX;

/// What a row whose key has a null part gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nulls {
    /// No id ([`NONE`]): a null never equals anything, as in a join.
    Skip,
    /// An id of its own, as in a `GROUP BY`.
    Group,
}

/// The distinct keys seen so far, each with its id (0, 1, ... in order of first appearance)
/// and the global row where it first appeared.
#[derive(Default)]
pub struct Interner {
    ids: HashMap<Box<[u8]>, u32, FastHash>,
    null: Option<u32>,
    first_rows: Vec<usize>,
    converter: Option<(Vec<DataType>, RowConverter)>,
}

/// A row's key: borrowed from a string array, or the 8 bytes of a fixed-width value.
enum Key<'a> {
    Bytes(&'a [u8]),
    Word([u8; 8]),
}

impl Key<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Key::Bytes(b) => b,
            Key::Word(w) => w,
        }
    }
}

/// How the rows of one batch become keys.
enum BatchKeys<'a> {
    Utf8(&'a StringArray),
    LargeUtf8(&'a LargeStringArray),
    View(&'a StringViewArray),
    Int(&'a Int64Array),
    Micros(&'a TimestampMicrosecondArray),
    Date(&'a Date32Array),
    Float(&'a Float64Array),
    Bool(&'a BooleanArray),
    Rows(Rows),
}

impl BatchKeys<'_> {
    /// The key of `row`, `None` when it is null (the row format encodes nulls: never `None`).
    fn key(&self, row: usize) -> Option<Key<'_>> {
        let word = |w: u64| Some(Key::Word(w.to_le_bytes()));
        match self {
            BatchKeys::Utf8(a) => a.is_valid(row).then(|| Key::Bytes(a.value(row).as_bytes())),
            BatchKeys::LargeUtf8(a) => a.is_valid(row).then(|| Key::Bytes(a.value(row).as_bytes())),
            BatchKeys::View(a) => a.is_valid(row).then(|| Key::Bytes(a.value(row).as_bytes())),
            BatchKeys::Int(a) => a.is_valid(row).then_some(()).and(word(a.value(row) as u64)),
            BatchKeys::Micros(a) => a.is_valid(row).then_some(()).and(word(a.value(row) as u64)),
            BatchKeys::Date(a) => a
                .is_valid(row)
                .then_some(())
                .and(word(u64::from(a.value(row) as u32))),
            BatchKeys::Float(a) => a
                .is_valid(row)
                .then_some(())
                .and(word(canonical_float(a.value(row)).to_bits())),
            BatchKeys::Bool(a) => a
                .is_valid(row)
                .then_some(())
                .and(word(u64::from(a.value(row)))),
            BatchKeys::Rows(rows) => Some(Key::Bytes(rows.row(row).data())),
        }
    }
}

/// The type a column is brought to before the row format: string flavours are one.
fn canonical_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Dictionary(_, value) => canonical_type(value),
        other => other.clone(),
    }
}

impl Interner {
    pub fn new() -> Interner {
        Interner::default()
    }

    /// The number of distinct keys.
    pub fn len(&self) -> usize {
        self.first_rows.len()
    }

    /// The global row where each id first appeared, by id.
    pub fn first_rows(&self) -> &[usize] {
        &self.first_rows
    }

    fn batch_keys<'a>(&mut self, columns: &[&'a ArrayRef]) -> Result<BatchKeys<'a>> {
        if let [column] = columns {
            let column: &'a ArrayRef = column;
            let column: &'a dyn Array = column.as_ref();
            let any = column.as_any();
            if let Some(a) = any.downcast_ref::<StringArray>() {
                return Ok(BatchKeys::Utf8(a));
            } else if let Some(a) = any.downcast_ref::<LargeStringArray>() {
                return Ok(BatchKeys::LargeUtf8(a));
            } else if let Some(a) = any.downcast_ref::<StringViewArray>() {
                return Ok(BatchKeys::View(a));
            } else if let Some(a) = any.downcast_ref::<Int64Array>() {
                return Ok(BatchKeys::Int(a));
            } else if let Some(a) = any.downcast_ref::<TimestampMicrosecondArray>() {
                return Ok(BatchKeys::Micros(a));
            } else if let Some(a) = any.downcast_ref::<Date32Array>() {
                return Ok(BatchKeys::Date(a));
            } else if let Some(a) = any.downcast_ref::<Float64Array>() {
                return Ok(BatchKeys::Float(a));
            } else if let Some(a) = column.as_boolean_opt() {
                return Ok(BatchKeys::Bool(a));
            }
        }
        let types: Vec<DataType> = columns
            .iter()
            .map(|c| canonical_type(c.data_type()))
            .collect();
        let cast_columns = columns
            .iter()
            .zip(&types)
            .map(|(c, t)| {
                if c.data_type() == t {
                    Ok(ArrayRef::clone(c))
                } else {
                    cast(c, t)
                }
            })
            .collect::<std::result::Result<Vec<ArrayRef>, _>>()?;
        let converter = match &self.converter {
            Some((known, converter)) if *known == types => converter,
            _ => {
                let fields = types.iter().cloned().map(SortField::new).collect();
                let converter = RowConverter::new(fields)?;
                &self.converter.insert((types, converter)).1
            }
        };
        Ok(BatchKeys::Rows(converter.convert_columns(&cast_columns)?))
    }

    fn lookup(&mut self, key: Option<Key<'_>>, row: usize, insert: bool) -> u32 {
        let next = u32::try_from(self.first_rows.len()).unwrap_or(NONE);
        match key {
            None => match self.null {
                Some(id) => id,
                None if insert && next != NONE => {
                    self.null = Some(next);
                    self.first_rows.push(row);
                    next
                }
                None => NONE,
            },
            Some(key) => {
                if let Some(id) = self.ids.get(key.bytes()) {
                    return *id;
                }
                if !insert || next == NONE {
                    return NONE;
                }
                self.ids.insert(key.bytes().into(), next);
                self.first_rows.push(row);
                next
            }
        }
    }

    /// The ids of one batch's rows (`columns`, one array per key part), written to
    /// `out[first..first + rows]`. Rows for which `keep(global row)` is false get [`NONE`];
    /// keys not seen before get a new id if `insert`, else [`NONE`].
    pub fn intern_batch(
        &mut self,
        columns: &[&ArrayRef],
        first: usize,
        nulls: Nulls,
        insert: bool,
        keep: &dyn Fn(usize) -> bool,
        out: &mut [u32],
    ) -> Result<()> {
        let Some(rows) = columns.first().map(|c| c.len()) else {
            return Ok(());
        };
        let keys = self.batch_keys(columns)?;
        let has_null = |row: usize| columns.iter().any(|c| c.is_null(row));
        for (row, slot) in out[first..first + rows].iter_mut().enumerate() {
            let global = first + row;
            *slot = if !keep(global) || (nulls == Nulls::Skip && has_null(row)) {
                NONE
            } else {
                self.lookup(keys.key(row), global, insert)
            };
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Decimal128Array, Int32Array};
    use std::sync::Arc;

    fn intern_one(
        interner: &mut Interner,
        columns: &[ArrayRef],
        nulls: Nulls,
        insert: bool,
    ) -> Vec<u32> {
        let refs: Vec<&ArrayRef> = columns.iter().collect();
        let mut out = vec![0; columns[0].len()];
        interner
            .intern_batch(&refs, 0, nulls, insert, &|_| true, &mut out)
            .expect("interned");
        out
    }

    #[test]
    fn equal_strings_share_an_id_whatever_the_string_layout() {
        let mut interner = Interner::new();
        let plain: ArrayRef = Arc::new(StringArray::from(vec![
            Some("b"),
            Some("a"),
            None,
            Some("b"),
        ]));
        assert_eq!(
            intern_one(&mut interner, &[plain], Nulls::Skip, true),
            vec![0, 1, NONE, 0]
        );
        let view: ArrayRef = Arc::new(StringViewArray::from(vec!["a", "c"]));
        assert_eq!(
            intern_one(&mut interner, &[view], Nulls::Skip, false),
            vec![1, NONE],
            "lookups never add keys"
        );
        assert_eq!(interner.len(), 2);
        assert_eq!(interner.first_rows(), &[0, 1]);
    }

    #[test]
    fn a_null_key_is_a_group_of_its_own_when_asked() {
        let mut interner = Interner::new();
        let column: ArrayRef = Arc::new(Int64Array::from(vec![None, Some(3), None]));
        assert_eq!(
            intern_one(&mut interner, &[column], Nulls::Group, true),
            vec![0, 1, 0]
        );
    }

    #[test]
    fn floats_are_canonical_so_zeros_and_nans_are_one_value_each() {
        let mut interner = Interner::new();
        let column: ArrayRef = Arc::new(Float64Array::from(vec![
            0.0,
            -0.0,
            f64::NAN,
            -f64::NAN,
            1.5,
        ]));
        assert_eq!(
            intern_one(&mut interner, &[column], Nulls::Skip, true),
            vec![0, 0, 1, 1, 2]
        );
    }

    #[test]
    fn composite_and_other_keys_use_the_row_format() {
        let mut interner = Interner::new();
        let names: ArrayRef = Arc::new(StringArray::from(vec!["x", "x", "y", "x"]));
        let numbers: ArrayRef = Arc::new(Int32Array::from(vec![Some(1), Some(2), Some(1), None]));
        assert_eq!(
            intern_one(
                &mut interner,
                &[names.clone(), numbers.clone()],
                Nulls::Group,
                true
            ),
            vec![0, 1, 2, 3]
        );
        let view: ArrayRef = Arc::new(StringViewArray::from(vec!["y", "x"]));
        let again: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
        assert_eq!(
            intern_one(&mut interner, &[view, again], Nulls::Skip, false),
            vec![2, 1],
            "string flavours are cast to one before the row format"
        );
        let decimals: ArrayRef = Arc::new(
            Decimal128Array::from(vec![150, 150, 151])
                .with_precision_and_scale(10, 2)
                .expect("decimal"),
        );
        let mut interner = Interner::new();
        assert_eq!(
            intern_one(&mut interner, &[decimals], Nulls::Skip, true),
            vec![0, 0, 1]
        );
    }
}
