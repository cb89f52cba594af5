//! Bad messages: payloads that are not JSON, not an object, of the wrong types, or missing
//! required columns become dead letters — exactly those, each once, with the reason — and
//! every other message is merged (also one without a Kafka key, or with extra fields).

use super::events::{DAY, NOW, Project, records, synthetic};
use super::kafka::{Position, Producer, Record, broker, create_topic, ends, unique};
use super::process::{Stream, Target};
use super::store::{Folded, assert_holds, dead_letters, fold, wait_covered};
use crate::support::db::{TestDb, with_db};
use crate::support::rng::Rng;
use std::sync::Arc;
use std::time::Duration;

/// (payload, what the dead letter's error says).
const BAD: [(&str, &str); 12] = [
    (
        r#"{"user_id": "u_001", "event_type": "#,
        "the message is not JSON",
    ),
    ("[1, 2, 3]", "not a JSON object"),
    (r#""page_view""#, "not a JSON object"),
    ("", "the message is empty"),
    (
        r#"{"user_id": "u_001", "event_type": "purchase", "revenue": "a lot", "event_ts": "2024-03-15T10:00:00Z"}"#,
        "`revenue`: expected a number",
    ),
    (
        r#"{"user_id": "u_001", "event_type": "search", "event_ts": 1710496800}"#,
        "`event_ts`: expected an RFC 3339 time string",
    ),
    (
        r#"{"user_id": "u_001", "event_type": "search", "event_ts": "yesterday"}"#,
        "`event_ts`: expected an RFC 3339 time string",
    ),
    (
        r#"{"user_id": 42, "event_type": "search", "event_ts": "2024-03-15T10:00:00Z"}"#,
        "`user_id`: expected a string",
    ),
    (
        r#"{"event_type": "search", "event_ts": "2024-03-15T10:00:00Z"}"#,
        "`user_id` is missing",
    ),
    (
        r#"{"user_id": "u_001", "event_type": "search"}"#,
        "`event_ts` is missing",
    ),
    (
        r#"{"user_id": "u_001", "event_ts": "2024-03-15T10:00:00Z"}"#,
        "`event_type` is missing",
    ),
    (
        r#"{"user_id": null, "event_type": "search", "event_ts": "2024-03-15T10:00:00Z"}"#,
        "`user_id` is null",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_become_exactly_their_dead_letters_and_the_rest_is_merged() {
    let Some(brokers) = broker() else { return };
    with_db(move |db: Arc<TestDb>| async move {
        let topic = unique("featc-bad");
        create_topic(&brokers, &topic, 2).await;
        let project = Project::new(&topic);
        let mut rng = Rng::new(404);

        // (record, the error it must get; None: merged)
        let mut produced: Vec<(Record, Option<&str>)> = records(&synthetic(&mut rng, 300, DAY))
            .into_iter()
            .map(|r| (r, None))
            .collect();
        for round in 0..2 {
            for (payload, error) in BAD {
                produced.push((Record::keyed("u_001", payload), Some(error)));
            }
            let good = synthetic(&mut rng, 2, DAY);
            // no Kafka key: the payload's user_id is the key that counts
            produced.push((
                Record {
                    key: None,
                    payload: good[0].payload.clone().into_bytes(),
                    partition: Some(round),
                },
                None,
            ));
            // fields the schema does not have are ignored
            let mut extra: serde_json::Value =
                serde_json::from_str(&good[1].payload).expect("JSON");
            extra["app_version"] = serde_json::json!("7.1.0");
            extra["tags"] = serde_json::json!(["a", {"b": 1}]);
            produced.push((Record::keyed(&good[1].user, extra.to_string()), None));
        }
        rng.shuffle(&mut produced);
        let records: Vec<Record> = produced.iter().map(|(r, _)| r.clone()).collect();
        let producer = Producer::new(&brokers);
        let acked = producer.send(&topic, &records).await;

        let group = unique("featc-bad-group");
        let target = Target {
            dir: &project.dir,
            brokers: &brokers,
            postgres: &db.url,
            group: &group,
        };
        let mut stream = Stream::start("featc stream", &target, &[]);
        let client = db.client().await;
        let within = Duration::from_secs(60);
        wait_covered(
            &client,
            &group,
            &topic,
            &ends(&acked),
            &mut [&mut stream],
            within,
        )
        .await;
        let status = stream.terminate().await;
        assert!(status.success(), "{status}\n{}", stream.log());

        let mut expected_dead: Vec<(Position, &str)> = acked
            .iter()
            .zip(&produced)
            .filter_map(|(p, (_, error))| error.map(|e| (*p, e)))
            .collect();
        expected_dead.sort();
        let stored = dead_letters(&client, &topic).await;
        assert_eq!(stored.len(), 2 * BAD.len(), "the dead letters: {stored:#?}");
        for ((partition, offset, error), (position, expected)) in stored.iter().zip(&expected_dead)
        {
            assert_eq!((*partition, *offset), (position.partition, position.offset));
            assert!(
                error.contains(expected),
                "{position:?}: `{error}` should say `{expected}`"
            );
        }
        assert_eq!(stream.batch_total("dead_letters"), 2 * BAD.len() as u64);
        assert_eq!(stream.batch_total("messages"), acked.len() as u64);

        // the good messages alone, folded in-process, are what is stored
        let good: Vec<(Position, &[u8])> = acked
            .iter()
            .zip(&produced)
            .filter(|(_, (_, error))| error.is_none())
            .map(|(p, (r, _))| (*p, r.payload.as_slice()))
            .collect();
        let folded = fold(&project.plan, &topic, &good, NOW);
        assert!(folded.dead_letters.is_empty() && folded.late.is_empty());
        let expected = Folded {
            dead_letters: expected_dead.iter().map(|(p, _)| *p).collect(),
            ..folded
        };
        assert_holds(&client, &project.plan, &topic, &expected, "featc stream").await;
    })
    .await;
}
