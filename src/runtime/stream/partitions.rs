//! Where the operator is in each Kafka partition, for exactly-once commits.
//!
//! Per partition: `committed`, the next offset the store holds (as far as this process
//! knows), and `position`, the next offset to merge. A message below the position is a
//! redelivery (after a seek) of something already merged or committed, and is ignored. A
//! batch commits `committed → position` for each partition it read; the store refuses the
//! commit when it holds something else than `committed` (another consumer took over).

use crate::runtime::store::OffsetAdvance;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Partition {
    committed: Option<i64>,
    /// `None`: start wherever the first message is.
    position: Option<i64>,
    /// The current batch read from this partition.
    in_batch: bool,
}

#[derive(Debug, Default)]
pub struct Partitions {
    map: BTreeMap<(String, i32), Partition>,
}

/// A partition's position cannot change while the current batch holds messages from it:
/// commit (or drop) the batch first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("partition {topic}/{partition} has uncommitted messages in the current batch")]
pub struct InFlight {
    pub topic: String,
    pub partition: i32,
}

impl Partitions {
    /// Starts (again) at the stored offset (`None`: nothing stored, start at the first message).
    pub fn resume(
        &mut self,
        topic: &str,
        partition: i32,
        stored: Option<i64>,
    ) -> Result<(), InFlight> {
        let key = (topic.to_string(), partition);
        if self.map.get(&key).is_some_and(|p| p.in_batch) {
            return Err(InFlight {
                topic: topic.to_string(),
                partition,
            });
        }
        self.map.insert(
            key,
            Partition {
                committed: stored,
                position: stored,
                in_batch: false,
            },
        );
        Ok(())
    }

    pub fn is_positioned(&self, topic: &str, partition: i32) -> bool {
        self.map.contains_key(&(topic.to_string(), partition))
    }

    pub fn in_batch(&self, topic: &str, partition: i32) -> bool {
        self.map
            .get(&(topic.to_string(), partition))
            .is_some_and(|p| p.in_batch)
    }

    /// Whether the message at `offset` is new (and moves the position past it). A partition
    /// never resumed starts at its first message, with nothing stored.
    pub fn accept(&mut self, topic: &str, partition: i32, offset: i64) -> bool {
        let state = match self.map.get_mut(&(topic.to_string(), partition)) {
            Some(state) => state,
            None => self.map.entry((topic.to_string(), partition)).or_default(),
        };
        if state.position.is_some_and(|p| offset < p) {
            return false;
        }
        state.position = Some(offset.saturating_add(1));
        state.in_batch = true;
        true
    }

    /// The advances of the partitions the batch read; from now on they count as committed
    /// (if the commit fails, [`Partitions::forget`] every position).
    pub fn take_advances(&mut self) -> Vec<OffsetAdvance> {
        let mut out = Vec::new();
        for ((topic, partition), state) in &mut self.map {
            if !state.in_batch {
                continue;
            }
            if let Some(next) = state.position {
                out.push(OffsetAdvance {
                    topic: topic.clone(),
                    partition: *partition,
                    expected: state.committed,
                    next,
                });
                state.committed = Some(next);
            }
            state.in_batch = false;
        }
        out
    }

    /// Forgets every position: after a failed commit, they must be read from the store again.
    pub fn forget(&mut self) {
        self.map.clear();
    }

    /// Forgets one partition (revoked): it is resumed from the store if it comes back.
    pub fn remove(&mut self, topic: &str, partition: i32) {
        self.map.remove(&(topic.to_string(), partition));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redeliveries_below_the_position_are_ignored() {
        let mut p = Partitions::default();
        p.resume("t", 0, Some(10)).unwrap();
        assert!(!p.accept("t", 0, 9));
        assert!(p.accept("t", 0, 10));
        assert!(p.accept("t", 0, 12)); // gaps are fine (compaction, control records)
        assert!(!p.accept("t", 0, 11));
        assert!(p.resume("t", 0, Some(10)).is_err());
        let advances = p.take_advances();
        assert_eq!(
            advances,
            [OffsetAdvance {
                topic: "t".into(),
                partition: 0,
                expected: Some(10),
                next: 13
            }]
        );
        assert!(p.accept("t", 0, 13));
        assert_eq!(p.take_advances()[0].expected, Some(13));
        assert!(p.take_advances().is_empty());
    }

    #[test]
    fn an_unknown_partition_starts_at_its_first_message_with_nothing_stored() {
        let mut p = Partitions::default();
        assert!(p.accept("t", 3, 5));
        assert_eq!(p.take_advances()[0].expected, None);
        p.forget();
        assert!(!p.is_positioned("t", 3));
    }
}
