//! The broker on its own, without featc: every record the producer got an acknowledgement for
//! is consumed exactly once by a plain consumer — also when a second consumer of the group
//! takes over at the offsets the first one committed, and records produced meanwhile. If this
//! fails, the broker (or the producer settings the tests use with it) is at fault, not featc.

use super::kafka::{Position, Producer, Record, broker, consumer, create_topic, receive, unique};
use rdkafka::consumer::{CommitMode, Consumer};
use rdkafka::topic_partition_list::{Offset, TopicPartitionList};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_delivers_every_acknowledged_record_exactly_once() {
    let Some(brokers) = broker() else { return };
    let topic = unique("featc-check");
    create_topic(&brokers, &topic, 4).await;
    let records: Vec<Record> = (0..400)
        .map(|i| Record::keyed(&format!("key-{}", i % 13), format!("record {i}")))
        .collect();
    let (before, after) = records.split_at(250);
    let producer = Producer::new(&brokers);
    let mut acked = producer.send(&topic, before).await;

    // the first consumer reads part of it, commits exactly what it read and leaves the group
    let group = unique("featc-check-group");
    let first = consumer(&brokers, &group, &topic);
    let read_first = receive(&first, 120, Duration::ZERO, Duration::from_secs(30)).await;
    assert_eq!(read_first.len(), 120, "the first consumer read too little");
    let mut next: BTreeMap<i32, i64> = BTreeMap::new();
    for m in &read_first {
        let end = next.entry(m.position.partition).or_insert(0);
        *end = (*end).max(m.position.offset + 1);
    }
    let mut commit = TopicPartitionList::new();
    for (partition, offset) in &next {
        commit
            .add_partition_offset(&topic, *partition, Offset::Offset(*offset))
            .expect("an offset");
    }
    first.commit(&commit, CommitMode::Sync).expect("the commit");
    first.unsubscribe();
    drop(first);

    // more records, then a second consumer of the group resumes at the committed offsets
    acked.extend(producer.send(&topic, after).await);
    let second = consumer(&brokers, &group, &topic);
    let rest = records.len() - read_first.len();
    let read_second = receive(
        &second,
        rest,
        Duration::from_secs(1),
        Duration::from_secs(30),
    )
    .await;

    let distinct: BTreeSet<Position> = acked.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        records.len(),
        "two records acknowledged at one offset"
    );
    let payload_at: BTreeMap<Position, &[u8]> = acked
        .iter()
        .zip(&records)
        .map(|(p, r)| (*p, r.payload.as_slice()))
        .collect();
    let mut seen: BTreeMap<Position, usize> = BTreeMap::new();
    for m in read_first.iter().chain(&read_second) {
        assert_eq!(
            payload_at.get(&m.position).copied(),
            Some(m.payload.as_slice()),
            "the payload at {:?}",
            m.position
        );
        *seen.entry(m.position).or_default() += 1;
    }
    let missing: Vec<&Position> = distinct.iter().filter(|p| !seen.contains_key(p)).collect();
    let twice: Vec<(&Position, &usize)> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        missing.is_empty() && twice.is_empty(),
        "the broker lost {} acknowledged records ({missing:?}) and delivered {} twice ({twice:?})",
        missing.len(),
        twice.len()
    );
}
