//! Handoff: `featc publish --until T` loads the history before T from the batch data, then
//! `featc stream --from-time T` consumes the whole topic and skips what is before T. The
//! tables equal those of streaming everything (another schema, another group, the same topic),
//! and one in-process fold of every event: each event is counted exactly once.

use super::events::{DAY, NOW, Project, format_time, records};
use super::kafka::{Position, Producer, broker, create_topic, ends, unique};
use super::process::{Stream, Target, publish};
use super::store::{assert_holds, fold, wait_covered};
use crate::support::db::{TestDb, with_db};
use crate::support::example::user_activity_events;
use crate::support::rng::Rng;
use featc::types::MICROS_PER_HOUR;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_until_t_then_stream_from_t_equals_streaming_everything() {
    let Some(brokers) = broker() else { return };
    with_db(move |handed: Arc<TestDb>| async move {
        with_db(move |streamed: Arc<TestDb>| async move {
            let topic = unique("featc-handoff");
            create_topic(&brokers, &topic, 3).await;
            let project = Project::new(&topic);
            let mut events = user_activity_events();
            Rng::new(12).shuffle(&mut events);
            let until = DAY + 12 * MICROS_PER_HOUR;
            let before = events.iter().filter(|e| e.time < until).count();
            assert!(
                before > 50 && before < events.len() - 50,
                "T splits the events"
            );
            let producer = Producer::new(&brokers);
            let records = records(&events);
            let acked = producer.send(&topic, &records).await;

            let t = format_time(until);
            let log = publish(&project.dir, "user_activity", &handed.url, &["--until", &t]);
            let published: serde_json::Value = log
                .lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .find(|v| v["event"] == "published")
                .expect("the published line");
            assert_eq!(published["events"], before, "{log}");

            let (handed_group, streamed_group) = (unique("handed"), unique("streamed"));
            let mut from_t = Stream::start(
                "stream --from-time T",
                &Target {
                    dir: &project.dir,
                    brokers: &brokers,
                    postgres: &handed.url,
                    group: &handed_group,
                },
                &["--from-time", &t],
            );
            let mut everything = Stream::start(
                "stream everything",
                &Target {
                    dir: &project.dir,
                    brokers: &brokers,
                    postgres: &streamed.url,
                    group: &streamed_group,
                },
                &[],
            );
            let all_ends = ends(&acked);
            let (handed_client, streamed_client) = (handed.client().await, streamed.client().await);
            let within = Duration::from_secs(60);
            wait_covered(
                &handed_client,
                &handed_group,
                &topic,
                &all_ends,
                &mut [&mut from_t],
                within,
            )
            .await;
            wait_covered(
                &streamed_client,
                &streamed_group,
                &topic,
                &all_ends,
                &mut [&mut everything],
                within,
            )
            .await;
            for s in [&mut from_t, &mut everything] {
                let status = s.terminate().await;
                assert!(status.success(), "{status}\n{}", s.log());
            }
            assert_eq!(from_t.batch_total("before_start"), before as u64);
            assert_eq!(everything.batch_total("before_start"), 0);

            let all: Vec<(Position, &[u8])> = acked
                .iter()
                .zip(&records)
                .map(|(p, r)| (*p, r.payload.as_slice()))
                .collect();
            let expected = fold(&project.plan, &topic, &all, NOW);
            assert_holds(
                &streamed_client,
                &project.plan,
                &topic,
                &expected,
                "streamed",
            )
            .await;
            assert_holds(
                &handed_client,
                &project.plan,
                &topic,
                &expected,
                "publish + stream",
            )
            .await;
        })
        .await;
    })
    .await;
}
