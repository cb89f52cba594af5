//! featc's aggregates as DataFusion UDAFs over [`crate::agg::State`], so that the batch path
//! and the stream share one implementation of every aggregate.
//!
//! For every aggregate `f` there are two functions:
//! - `featc_f(x [, event_time [, n]])` returns the aggregate's value (docs/language.md#aggregates);
//! - `featc_f_state(x [, event_time [, n]])` returns its partial state, a struct with one field
//!   per [`crate::agg::state_fields`] entry (named by the field's suffix), the layout the
//!   online store keeps; materialized tiles are made of these.
//!
//! `first`, `last` and `last_n` take the event time (a microsecond timestamp, or an integer
//! of microseconds) as their second argument; `last_n` takes `n` as a third, literal argument.
//! `count(*)` is `featc_count_all(x)`, which counts every row whatever `x` is.
//! Across partitions, DataFusion exchanges the portable state fields and merges them with
//! [`crate::agg::State::merge`].

mod accumulator;
mod groups;
mod rows;

use crate::agg::{AggFunc, state_fields};
pub use crate::compile::batch::aggregate_sql::{Output, udaf_arity, udaf_name};
use crate::runtime::arrow::convert::{field_arrow_type, value_to_scalar};
use crate::runtime::arrow::schema::{arrow_type, plan_type, timestamp_type};
use crate::types::Type;
use accumulator::StateAccumulator;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{Result, ScalarValue, plan_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, GroupsAccumulator, Signature, Volatility,
};
use datafusion::physical_expr::expressions::Literal;
use groups::StateGroups;
use std::sync::Arc;

/// Every featc UDAF.
pub fn all_udafs() -> Vec<AggregateUDF> {
    AggFunc::EVERY
        .iter()
        .flat_map(|func| {
            [Output::Value, Output::State]
                .map(|output| AggregateUDF::from(FeatcAggregate::new(func.clone(), output)))
        })
        .collect()
}

/// One featc aggregate as a DataFusion UDAF.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct FeatcAggregate {
    func: AggFunc,
    output: Output,
    name: String,
    signature: Signature,
}

impl FeatcAggregate {
    pub fn new(func: AggFunc, output: Output) -> FeatcAggregate {
        FeatcAggregate {
            name: udaf_name(&func, output),
            func,
            output,
            signature: Signature::user_defined(Volatility::Immutable),
        }
    }

    fn arity(&self) -> usize {
        udaf_arity(&self.func)
    }

    /// The plan type of the aggregated argument (`None` for `count(*)`, which ignores it).
    fn arg_type(&self, data_type: &DataType) -> Result<Option<Type>> {
        if self.func == AggFunc::CountAll {
            return Ok(None);
        }
        match plan_type(data_type) {
            Some(ty) => Ok(Some(ty)),
            None => plan_err!(
                "`{}` does not take arguments of type {data_type}",
                self.name
            ),
        }
    }

    fn state_struct_fields(&self, arg: Option<&Type>) -> Fields {
        state_fields(&self.func, arg)
            .iter()
            .map(|f| Field::new(f.suffix, field_arrow_type(&f.ty), true))
            .collect()
    }

    /// The aggregate of one call (with its parameter — `last_n`'s `n`, `top_k`'s `k`,
    /// `approx_percentile`'s `q` — from its last, literal argument) and the plan type of the
    /// aggregated argument.
    fn call(&self, acc_args: &AccumulatorArgs) -> Result<(AggFunc, Option<Type>)> {
        let Some(first) = acc_args.expr_fields.first() else {
            return plan_err!("`{}` needs an argument", self.name);
        };
        let arg = self.arg_type(first.data_type())?;
        let func = match self.func.parameter() {
            Some(_) => {
                let parameter = literal_parameter(acc_args, self.arity() - 1, &self.name)?;
                match self.func.with_parameter(parameter) {
                    Some(func) => func,
                    None => return plan_err!("`{}` does not take {parameter}", self.name),
                }
            }
            None => self.func.clone(),
        };
        Ok((func, arg))
    }
}

/// The Arrow type an argument value is brought to before it reaches a state: the canonical
/// Arrow type of its plan type.
pub(crate) fn canonical_value_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32 => DataType::Int64,
        DataType::Float16 | DataType::Float32 => DataType::Float64,
        DataType::Timestamp(_, _) => timestamp_type(),
        DataType::Date64 => DataType::Date32,
        other => other.clone(),
    }
}

impl AggregateUDFImpl for FeatcAggregate {
    fn name(&self) -> &str {
        &self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn coerce_types(&self, arg_types: &[DataType]) -> Result<Vec<DataType>> {
        if arg_types.len() != self.arity() {
            return plan_err!(
                "`{}` takes {} argument(s), got {}",
                self.name,
                self.arity(),
                arg_types.len()
            );
        }
        let mut out = vec![canonical_value_type(&arg_types[0])];
        if let (true, Some(time)) = (self.func.uses_event_time(), arg_types.get(1)) {
            out.push(match time {
                DataType::Timestamp(_, _) => timestamp_type(),
                DataType::Int64 | DataType::Int32 | DataType::UInt32 => DataType::Int64,
                other => {
                    return plan_err!(
                        "the event time of `{}` must be a timestamp, got {other}",
                        self.name
                    );
                }
            });
        }
        if self.func.parameter().is_some() {
            out.push(DataType::Int64);
        }
        Ok(out)
    }

    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        let Some(first) = arg_types.first() else {
            return plan_err!("`{}` needs an argument", self.name);
        };
        let arg = self.arg_type(first)?;
        Ok(match self.output {
            Output::Value => arrow_type(&self.func.result_type(arg.as_ref()).ty),
            Output::State => DataType::Struct(self.state_struct_fields(arg.as_ref())),
        })
    }

    fn is_nullable(&self) -> bool {
        match self.output {
            Output::Value => self.func.value_is_nullable(),
            Output::State => false,
        }
    }

    fn default_value(&self, data_type: &DataType) -> Result<ScalarValue> {
        match self.output {
            Output::Value => value_to_scalar(&self.func.empty_value(), data_type),
            Output::State => ScalarValue::try_from(data_type),
        }
    }

    fn accumulator(&self, acc_args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        let (func, arg) = self.call(&acc_args)?;
        let return_type = acc_args.return_field.data_type().clone();
        Ok(Box::new(StateAccumulator::new(
            func,
            arg,
            self.output,
            return_type,
        )))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(
        &self,
        acc_args: AccumulatorArgs,
    ) -> Result<Box<dyn GroupsAccumulator>> {
        let (func, arg) = self.call(&acc_args)?;
        let return_type = acc_args.return_field.data_type().clone();
        Ok(Box::new(StateGroups::new(
            func,
            arg,
            self.output,
            return_type,
        )))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        let Some(first) = args.input_fields.first() else {
            return plan_err!("`{}` needs an argument", self.name);
        };
        let arg = self.arg_type(first.data_type())?;
        Ok(state_fields(&self.func, arg.as_ref())
            .iter()
            .map(|f| {
                Arc::new(Field::new(
                    format_state_name(args.name, f.suffix),
                    field_arrow_type(&f.ty),
                    true,
                ))
            })
            .collect())
    }
}

/// The literal integer argument at `index` (a parameter; see [`AggFunc::parameter`]).
fn literal_parameter(acc_args: &AccumulatorArgs, index: usize, name: &str) -> Result<i64> {
    let literal = acc_args
        .exprs
        .get(index)
        .and_then(|e| e.downcast_ref::<Literal>())
        .map(Literal::value);
    match literal {
        Some(ScalarValue::Int64(Some(n))) => Ok(*n),
        Some(ScalarValue::Int32(Some(n))) => Ok(i64::from(*n)),
        _ => plan_err!("the last argument of `{name}` must be an integer literal"),
    }
}
