//! Crashes: while a producer keeps writing, `featc stream` is killed with SIGKILL at seeded
//! random points (during start-up and group join, between and inside micro-batches) and
//! restarted each time; then its Postgres connection is terminated under it (as when the
//! server restarts; the server other tests share is left alone). The final tables equal those
//! of an uninterrupted run of the same topic, and one in-process fold of every acknowledged
//! message.
//!
//! The broker is not restarted: tansu keeps its data in memory, so a restart would lose the
//! topic (docs/online.md says so).

use super::events::{NOW, Project, workload};
use super::kafka::{Position, Producer, Record, broker, create_topic, ends, unique};
use super::process::{Stream, Target};
use super::store::{assert_holds, fold, offsets, terminate_backends, wait_covered};
use crate::support::db::{TestDb, with_db};
use crate::support::rng::Rng;
use crate::support::tiles::{assert_same_tiles, stored_tiles};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Produces `records` in chunks of 40, one chunk every 100 ms, until `stop` is set (or all
/// are sent); returns the positions of those sent, in order.
fn produce_steadily(
    brokers: String,
    topic: String,
    records: Arc<Vec<Record>>,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<Vec<Position>> {
    tokio::spawn(async move {
        let producer = Producer::new(&brokers);
        let mut acked = Vec::new();
        for chunk in records.chunks(40) {
            if stop.load(Ordering::Relaxed) {
                break;
            }
            acked.extend(producer.send(&topic, chunk).await);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        acked
    })
}

/// Waits until `stream` has committed a micro-batch (its log says so: the offsets alone could
/// move by the commit of a process killed just before, which the server completes); panics
/// with the log if it exits or 60 s pass.
async fn wait_first_commit(stream: &mut Stream) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while stream.events("batch").is_empty() {
        if let Some(status) = stream.exited() {
            panic!("the stream exited ({status})\n{}", stream.log());
        }
        assert!(Instant::now() < deadline, "no commit\n{}", stream.log());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_and_lost_connections_end_in_the_uninterrupted_state() {
    let Some(brokers) = broker() else { return };
    with_db(move |crashed: Arc<TestDb>| async move {
        with_db(move |steady: Arc<TestDb>| async move {
            let topic = unique("featc-crash");
            create_topic(&brokers, &topic, 4).await;
            let project = Project::new(&topic);
            let mut rng = Rng::new(0x00c0_ffee);
            // far more than the test produces at 400 a second
            let records = Arc::new(workload(&mut rng, 20_000));
            let stop = Arc::new(AtomicBool::new(false));
            let producing = produce_steadily(
                brokers.clone(),
                topic.clone(),
                records.clone(),
                stop.clone(),
            );

            let (crash_group, steady_group) = (unique("crash"), unique("steady"));
            // featc's connections are found by their application name
            let app = unique("featc-crash");
            let crash_url = format!("{}&application_name={app}", crashed.url);
            let crash_target = Target {
                dir: &project.dir,
                brokers: &brokers,
                postgres: &crash_url,
                group: &crash_group,
            };
            let steady_target = Target {
                dir: &project.dir,
                brokers: &brokers,
                postgres: &steady.url,
                group: &steady_group,
            };
            let mut uninterrupted = Stream::start("uninterrupted", &steady_target, &[]);
            let client = crashed.client().await;

            // killed at a random time after the start, whether it committed or not
            let mut stream = Stream::start("crash run 0", &crash_target, &[]);
            tokio::time::sleep(Duration::from_millis(200 + rng.below(1000) as u64)).await;
            stream.kill();
            // killed at a random time after it committed something (a backlog built up while
            // the group waited for the killed member: micro-batches are in flight)
            for round in 1..=4 {
                let mut stream = Stream::start(&format!("crash run {round}"), &crash_target, &[]);
                wait_first_commit(&mut stream).await;
                tokio::time::sleep(Duration::from_millis(rng.below(300) as u64)).await;
                stream.kill();
            }

            // Postgres goes away under a running stream while messages keep coming: it
            // stops with an error or goes on; either way a restart ends at the same state
            let mut stream = Stream::start("crash run 5", &crash_target, &[]);
            wait_first_commit(&mut stream).await;
            let terminated = terminate_backends(&client, &app).await;
            assert!(
                terminated >= 1,
                "featc's connection is listed under `{app}`"
            );
            let mut last = match stream.wait_exit(Duration::from_secs(20)).await {
                Some(status) => {
                    assert!(!status.success(), "{status}\n{}", stream.log());
                    let log = stream.log();
                    assert!(log.contains("error: the stream stopped"), "{log}");
                    Stream::start("crash run 6, after the connection loss", &crash_target, &[])
                }
                None => stream,
            };
            wait_first_commit(&mut last).await;
            stop.store(true, Ordering::Relaxed);
            let acked = producing.await.expect("the producer");

            let all_ends = ends(&acked);
            let within = Duration::from_secs(90);
            wait_covered(
                &client,
                &crash_group,
                &topic,
                &all_ends,
                &mut [&mut last],
                within,
            )
            .await;
            let steady_client = steady.client().await;
            wait_covered(
                &steady_client,
                &steady_group,
                &topic,
                &all_ends,
                &mut [&mut uninterrupted],
                within,
            )
            .await;
            for s in [&mut last, &mut uninterrupted] {
                let status = s.terminate().await;
                assert!(status.success(), "{status}\n{}", s.log());
            }

            let all: Vec<(Position, &[u8])> = acked
                .iter()
                .zip(records.iter())
                .map(|(p, r)| (*p, r.payload.as_slice()))
                .collect();
            let expected = fold(&project.plan, &topic, &all, NOW);
            assert!(!expected.dead_letters.is_empty() && !expected.late.is_empty());
            assert_holds(
                &steady_client,
                &project.plan,
                &topic,
                &expected,
                "uninterrupted",
            )
            .await;
            assert_holds(&client, &project.plan, &topic, &expected, "crashed").await;
            let view = project.plan.view("user_activity").expect("the view");
            assert_same_tiles(
                view,
                &stored_tiles(&steady_client, &project.plan, view).await,
                &stored_tiles(&client, &project.plan, view).await,
                "crashed against uninterrupted",
            );
            assert_eq!(offsets(&client, &crash_group, &topic).await, all_ends);
            assert_eq!(
                offsets(&steady_client, &steady_group, &topic).await,
                all_ends
            );
        })
        .await;
    })
    .await;
}
