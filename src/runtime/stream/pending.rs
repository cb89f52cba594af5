//! What the current micro-batch has gathered — per view a fold of tiles (or table rows) and
//! the latest event time, plus dead letters, late events and counts — and how it becomes a
//! [`MicroBatch`].

use super::step::Step;
use super::tile_fold::{RowFold, TileFold};
use crate::physical::stream_program::{InputProgram, ProgramKind, ViewProgram};
use crate::runtime::store::{Counts, DeadLetter, LateEvent, ViewRows, Watermark};
use crate::types::{Micros, Value};

pub enum Fold {
    Tiles(TileFold),
    Rows(RowFold),
}

/// Where an event came from: a Kafka message (late events are recorded with its coordinates)
/// or history (publish: events beyond the retention are simply not loaded).
pub struct KafkaOrigin<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: i64,
    pub payload: Option<&'a [u8]>,
}

pub struct Pending {
    /// One per view.
    pub folds: Vec<Fold>,
    /// One per view: the greatest event time merged.
    pub watermarks: Vec<Option<Micros>>,
    pub dead_letters: Vec<DeadLetter>,
    pub late: Vec<LateEvent>,
    pub counts: Counts,
}

impl Pending {
    pub fn new(views: &[ViewProgram]) -> Pending {
        Pending {
            folds: views
                .iter()
                .map(|v| match v.kind {
                    ProgramKind::Tiles { .. } => Fold::Tiles(TileFold::default()),
                    ProgramKind::Rows { .. } => Fold::Rows(RowFold::default()),
                })
                .collect(),
            watermarks: vec![None; views.len()],
            dead_letters: Vec::new(),
            late: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// Applies one event's step to view number `index`. `origin` is `None` for history.
    pub fn apply(
        &mut self,
        (index, view): (usize, &ViewProgram),
        step: Step<'_>,
        (time, values): (Micros, &[Value]),
        origin: Option<&KafkaOrigin<'_>>,
    ) {
        match (step, &mut self.folds[index], &view.kind) {
            (Step::Late, _, _) => {
                match origin {
                    Some(message) => {
                        self.counts.late += 1;
                        self.late.push(LateEvent {
                            view: view.name.clone(),
                            topic: message.topic.to_string(),
                            partition: message.partition,
                            offset: message.offset,
                            event_time: time,
                            payload: message.payload.map(<[u8]>::to_vec),
                        });
                    }
                    None => self.counts.expired += 1,
                }
                return;
            }
            (
                Step::Tiles { keys, updates },
                Fold::Tiles(fold),
                ProgramKind::Tiles {
                    ladder, aggregates, ..
                },
            ) => {
                let updates: Vec<Option<&Value>> = updates.iter().map(|u| u.as_deref()).collect();
                fold.add(aggregates, ladder, &keys, time, &updates);
            }
            (Step::Row { keys, known_at }, Fold::Rows(fold), _) => {
                fold.add(keys, time, known_at, values);
            }
            // a step always matches its view's fold: both follow the view's kind
            _ => return,
        }
        self.counts.merged += 1;
        let mark = &mut self.watermarks[index];
        *mark = Some(mark.map_or(time, |m| m.max(time)));
    }

    /// Every view's rows and watermark, leaving the folds empty.
    pub fn drain_views(
        &mut self,
        inputs: &[InputProgram],
        views: &[ViewProgram],
    ) -> (Vec<ViewRows>, Vec<Watermark>) {
        let mut rows = Vec::with_capacity(views.len());
        let mut watermarks = Vec::new();
        for ((view, fold), mark) in views.iter().zip(&mut self.folds).zip(&mut self.watermarks) {
            let key_names: Vec<String> = view.keys.iter().map(|k| k.name.clone()).collect();
            rows.push(match (fold, &view.kind) {
                (Fold::Tiles(fold), ProgramKind::Tiles { aggregates, .. }) => {
                    fold.drain(&view.name, &key_names, aggregates)
                }
                (Fold::Tiles(fold), ProgramKind::Rows { .. }) => {
                    fold.drain(&view.name, &key_names, &[])
                }
                (Fold::Rows(fold), _) => {
                    fold.drain(&view.name, &key_names, &inputs[view.input].fields)
                }
            });
            if let Some(event_time) = mark.take() {
                watermarks.push(Watermark {
                    view: view.name.clone(),
                    event_time,
                });
            }
        }
        (rows, watermarks)
    }
}
