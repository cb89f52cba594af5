//! The stream operator: messages in, micro-batches of merged partial states out. Pure (no I/O;
//! "now" comes from an injected [`Clock`]); the Kafka consumer and `featc publish` drive it.
//!
//! For each message: decode it against its input's schema (a bad message becomes a dead
//! letter, never a panic, never dropped); skip it if its event time is before the start
//! (`--from-time`, whose earlier events `publish` loaded); then, per view reading the input,
//! record it as late if it is older than what the view's online store retains (`now −
//! settle − longest look-back − retain`), else evaluate every aggregate's `where` filter and
//! argument and merge it into one tile per granularity. An event a view cannot evaluate (a
//! cast of unparsable text) is a dead letter too, and is merged into no view.

use super::clock::Clock;
use super::decode::decode;
use super::partitions::{InFlight, Partitions};
use super::pending::{KafkaOrigin, Pending};
use super::step::{Event, plan_step};
use crate::physical::stream_program::{
    self, InputProgram, ProgramError, ProgramKind, StreamProgram, ViewProgram,
};
use crate::plan::{Field, Plan};
use crate::runtime::store::{DeadLetter, MicroBatch};
use crate::types::Value;
use std::sync::Arc;

/// A Kafka message, as the consumer hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub key: Option<&'a [u8]>,
    pub payload: Option<&'a [u8]>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OperatorConfig {
    /// Events before this time are skipped: `publish --until` has loaded them.
    pub start: Option<crate::types::Micros>,
    /// Record events older than the retention as late events (the stream). History rows
    /// (publish) beyond the retention are never recorded, only counted as expired.
    pub record_late: bool,
}

/// Why a history row could not be merged (publish stops: the batch path would fail too).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RowError {
    #[error("there is no input `{0}` among the operator's views")]
    UnknownInput(String),
    #[error("{0}")]
    Event(String),
}

pub struct Operator {
    inputs: Vec<InputProgram>,
    views: Vec<ViewProgram>,
    clock: Arc<dyn Clock>,
    config: OperatorConfig,
    pending: Pending,
    partitions: Partitions,
}

impl Operator {
    /// An operator for the named views of `plan`: the programs `featc compile` writes for
    /// them (`stream/<view>.json`), linked.
    pub fn new(
        plan: &Plan,
        views: &[&str],
        clock: Arc<dyn Clock>,
        config: OperatorConfig,
    ) -> Result<Operator, ProgramError> {
        let (inputs, views) = stream_program::compile(plan, views)?;
        Ok(Operator::linked(inputs, views, clock, config))
    }

    /// An operator that runs `programs` (e.g. read back from `stream/<view>.json`).
    pub fn from_programs(
        programs: Vec<StreamProgram>,
        clock: Arc<dyn Clock>,
        config: OperatorConfig,
    ) -> Operator {
        let (inputs, views) = stream_program::link(programs);
        Operator::linked(inputs, views, clock, config)
    }

    fn linked(
        inputs: Vec<InputProgram>,
        views: Vec<ViewProgram>,
        clock: Arc<dyn Clock>,
        config: OperatorConfig,
    ) -> Operator {
        let pending = Pending::new(&views);
        Operator {
            inputs,
            views,
            clock,
            config,
            pending,
            partitions: Partitions::default(),
        }
    }

    /// The topics the views read (sorted, distinct); inputs without a stream are left out.
    pub fn topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.inputs.iter().filter_map(|i| i.topic.clone()).collect();
        topics.sort();
        topics.dedup();
        topics
    }

    /// The inputs without a `stream` clause (the stream cannot run their views).
    pub fn inputs_without_stream(&self) -> Vec<&str> {
        self.inputs
            .iter()
            .filter(|i| i.topic.is_none())
            .map(|i| i.name.as_str())
            .collect()
    }

    /// The schema of an input, for readers of history.
    pub fn input_fields(&self, input: &str) -> Option<&[Field]> {
        self.inputs
            .iter()
            .find(|i| i.name == input)
            .map(|i| i.fields.as_slice())
    }

    /// Merges one Kafka message (or records it as a dead letter or late event).
    pub fn push(&mut self, message: &Message<'_>) {
        if !self
            .partitions
            .accept(message.topic, message.partition, message.offset)
        {
            self.pending.counts.redelivered += 1;
            return;
        }
        self.pending.counts.messages += 1;
        let origin = KafkaOrigin {
            topic: message.topic,
            partition: message.partition,
            offset: message.offset,
            payload: message.payload,
        };
        for input in 0..self.inputs.len() {
            if self.inputs[input].topic.as_deref() != Some(message.topic) {
                continue;
            }
            let outcome = match decode(message.payload, &self.inputs[input].fields) {
                Ok(values) => self.ingest(input, &values, Some(&origin)),
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = outcome {
                self.dead_letter(message, error);
                return;
            }
        }
    }

    /// Merges one row of history (publish). `row` holds a value per column of the input.
    pub fn push_row(&mut self, input: &str, row: &[Value]) -> Result<(), RowError> {
        let index = self
            .inputs
            .iter()
            .position(|i| i.name == input)
            .ok_or_else(|| RowError::UnknownInput(input.to_string()))?;
        self.pending.counts.messages += 1;
        self.ingest(index, row, None).map_err(RowError::Event)
    }

    fn dead_letter(&mut self, message: &Message<'_>, error: String) {
        self.pending.counts.dead_letters += 1;
        self.pending.dead_letters.push(DeadLetter {
            topic: message.topic.to_string(),
            partition: message.partition,
            offset: message.offset,
            key: message.key.map(<[u8]>::to_vec),
            payload: message.payload.map(<[u8]>::to_vec),
            error,
        });
    }

    /// Merges a decoded event of input `input` into its views, or says why it cannot be.
    fn ingest(
        &mut self,
        input: usize,
        values: &[Value],
        origin: Option<&KafkaOrigin<'_>>,
    ) -> Result<(), String> {
        let program = &self.inputs[input];
        let time = match values.get(program.time) {
            Some(Value::Timestamp(t)) => *t,
            _ => {
                let column = &program.fields[program.time].name;
                return Err(format!("`{column}` (the event time) is null"));
            }
        };
        let is_table = self
            .views
            .iter()
            .any(|v| v.input == input && matches!(v.kind, ProgramKind::Rows { .. }));
        // Table rows are idempotent upserts (last write wins): `--from-time` does not apply.
        if !is_table && self.config.start.is_some_and(|start| time < start) {
            self.pending.counts.before_start += 1;
            return Ok(());
        }
        let now = self.clock.now();
        let event = Event {
            fields: &program.fields,
            values,
        };
        let mut steps = Vec::new();
        for (index, view) in self.views.iter().enumerate() {
            if view.input == input {
                steps.push((index, view, plan_step(view, &event, time, now)?));
            }
        }
        let origin = origin.filter(|_| self.config.record_late);
        for (index, view, step) in steps {
            self.pending
                .apply((index, view), step, (time, values), origin);
        }
        Ok(())
    }

    /// Everything merged since the last call, ready to commit. The partitions read count as
    /// committed from now on: if the commit fails, call [`Operator::forget_partitions`].
    pub fn take_batch(&mut self) -> MicroBatch {
        let (views, watermarks) = self.pending.drain_views(&self.inputs, &self.views);
        MicroBatch {
            views,
            dead_letters: std::mem::take(&mut self.pending.dead_letters),
            late_events: std::mem::take(&mut self.pending.late),
            offsets: self.partitions.take_advances(),
            watermarks,
            counts: std::mem::take(&mut self.pending.counts),
        }
    }

    /// Messages offered since the last batch (including dead letters and redeliveries).
    pub fn pending(&self) -> u64 {
        self.pending.counts.messages + self.pending.counts.redelivered
    }

    /// (Re)starts a partition at its stored offset. Refused while the current batch holds
    /// messages of the partition.
    pub fn resume(
        &mut self,
        topic: &str,
        partition: i32,
        stored: Option<i64>,
    ) -> Result<(), InFlight> {
        self.partitions.resume(topic, partition, stored)
    }

    pub fn is_positioned(&self, topic: &str, partition: i32) -> bool {
        self.partitions.is_positioned(topic, partition)
    }

    pub fn in_batch(&self, topic: &str, partition: i32) -> bool {
        self.partitions.in_batch(topic, partition)
    }

    /// After a failed commit: every partition must be resumed from the store.
    pub fn forget_partitions(&mut self) {
        self.partitions.forget();
    }

    /// A revoked partition: resumed from the store if it is assigned again.
    pub fn forget_partition(&mut self, topic: &str, partition: i32) {
        self.partitions.remove(topic, partition);
    }
}
