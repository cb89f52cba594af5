//! Scale-out: two `featc stream` processes in one consumer group share the partitions of a
//! topic (both commit micro-batches) and leave the same final state as one process alone.

use super::events::{NOW, Project, workload};
use super::kafka::{Position, Producer, broker, create_topic, ends, unique};
use super::process::{Stream, Target};
use super::store::{assert_holds, fold, offsets, wait_covered};
use crate::support::db::{TestDb, with_db};
use crate::support::rng::Rng;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_in_one_group_leave_the_state_of_one() {
    let Some(brokers) = broker() else { return };
    with_db(move |shared: Arc<TestDb>| async move {
        with_db(move |alone: Arc<TestDb>| async move {
            let topic = unique("featc-scale");
            create_topic(&brokers, &topic, 6).await;
            let project = Project::new(&topic);
            let (pair_group, single_group) = (unique("pair"), unique("single"));
            let pair = Target {
                dir: &project.dir,
                brokers: &brokers,
                postgres: &shared.url,
                group: &pair_group,
            };
            let mut first = Stream::start("first of two", &pair, &[]);
            let mut second = Stream::start("second of two", &pair, &[]);
            let single = Target {
                dir: &project.dir,
                brokers: &brokers,
                postgres: &alone.url,
                group: &single_group,
            };
            let mut one = Stream::start("alone", &single, &[]);

            // produced in chunks until both members of the group have committed some (tansu
            // takes seconds to settle a group), at least 1000 messages, for at most 40 s
            let mut rng = Rng::new(77);
            let pool = workload(&mut rng, 20_000);
            let producer = Producer::new(&brokers);
            let mut acked = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(40);
            for chunk in pool.chunks(100) {
                acked.extend(producer.send(&topic, chunk).await);
                let both = [&first, &second]
                    .iter()
                    .all(|s| s.batch_total("messages") > 0);
                if (both && acked.len() >= 1000) || Instant::now() > deadline {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(150)).await;
            }
            let records = &pool[..acked.len()];
            let all_ends = ends(&acked);
            let (shared_client, alone_client) = (shared.client().await, alone.client().await);
            let within = Duration::from_secs(60);
            wait_covered(
                &shared_client,
                &pair_group,
                &topic,
                &all_ends,
                &mut [&mut first, &mut second],
                within,
            )
            .await;
            wait_covered(
                &alone_client,
                &single_group,
                &topic,
                &all_ends,
                &mut [&mut one],
                within,
            )
            .await;
            for s in [&mut first, &mut second, &mut one] {
                let status = s.terminate().await;
                assert!(status.success(), "{status}\n{}", s.log());
            }
            for s in [&first, &second] {
                assert!(
                    s.batch_total("messages") > 0,
                    "both members consume\n{}\n{}",
                    first.log(),
                    second.log()
                );
            }
            // each message merged by exactly one member (redeliveries after a rebalance aside)
            assert_eq!(
                first.batch_total("messages") + second.batch_total("messages"),
                acked.len() as u64
            );

            let all: Vec<(Position, &[u8])> = acked
                .iter()
                .zip(records)
                .map(|(p, r)| (*p, r.payload.as_slice()))
                .collect();
            let expected = fold(&project.plan, &topic, &all, NOW);
            assert_holds(
                &alone_client,
                &project.plan,
                &topic,
                &expected,
                "one process",
            )
            .await;
            assert_holds(
                &shared_client,
                &project.plan,
                &topic,
                &expected,
                "two processes",
            )
            .await;
            assert_eq!(offsets(&shared_client, &pair_group, &topic).await, all_ends);
        })
        .await;
    })
    .await;
}
