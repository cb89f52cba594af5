//! Parity: the user_activity example's events, produced shuffled to the broker with some held
//! back until the stream has committed later ones (late, out of order) and a few older than the
//! online store retains, streamed into Postgres by `featc stream`; the profile table published
//! by `featc publish`. Then, at many times and for every key, the generated lookup of
//! `churn_model` equals `featc training-set` on the batch data: zero mismatches.

use super::events::{DAY, NOW, Project, RETAINED_FROM, records, shifted};
use super::kafka::{Producer, broker, create_topic, ends, unique};
use super::lookup::{lookup, training_set};
use super::process::{Stream, Target, publish};
use super::store::{dead_letters, late_events, wait_covered};
use crate::support::db::{TestDb, with_db};
use crate::support::example::{self, Event, user_activity_events};
use crate::support::rng::Rng;
use crate::support::values::close_or_both_nan;
use featc::types::{MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE, Micros};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// The request times: every quarter hour of the example's active part of the day and a
/// microsecond on either side (window boundaries), events' own times and just after them,
/// random instants, and times two days before (where only events too late to store fall).
fn request_times(rng: &mut Rng, events: &[Event]) -> Vec<Micros> {
    let quarter = 15 * MICROS_PER_MINUTE;
    let mut times = Vec::new();
    for q in 0..=(17 * 4) {
        let t = DAY + 7 * MICROS_PER_HOUR + q * quarter;
        times.extend([t - 1, t, t + 1]);
    }
    for _ in 0..40 {
        let t = rng.pick(events).time;
        times.extend([t, t + 1]);
    }
    for _ in 0..40 {
        times.push(DAY + (rng.next() % MICROS_PER_DAY as u64) as Micros);
    }
    times.extend([
        DAY - 2 * MICROS_PER_DAY + 12 * MICROS_PER_HOUR,
        DAY - MICROS_PER_DAY,
    ]);
    times
}

fn keys(events: &[Event]) -> Vec<String> {
    let profiles =
        std::fs::read_to_string(example::dir("user_activity").join("data/user_profile.csv"))
            .expect("user_profile.csv");
    let mut keys: BTreeSet<String> = events.iter().map(|e| e.user.clone()).collect();
    keys.extend(
        profiles
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next())
            .map(str::to_string),
    );
    keys.extend(["u_099".to_string(), "nobody".to_string()]);
    keys.into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_on_the_streamed_state_equal_the_training_set() {
    let Some(brokers) = broker() else { return };
    with_db(move |db: Arc<TestDb>| async move {
        let topic = unique("featc-parity");
        let group = unique("featc-parity-group");
        create_topic(&brokers, &topic, 3).await;
        let project = Project::new(&topic);
        let client = db.client().await;
        publish(&project.dir, "user_profile_features", &db.url, &[]);

        let mut rng = Rng::new(20240315);
        let mut events = user_activity_events();
        rng.shuffle(&mut events);
        // morning events held back: they arrive after the stream has committed the afternoon
        let noon = DAY + 12 * MICROS_PER_HOUR;
        let (mut held, on_time): (Vec<Event>, Vec<Event>) = events
            .iter()
            .cloned()
            .partition(|e| e.time < noon && rng.below(4) == 0);
        let too_old: Vec<Event> = (0..7).map(|i| shifted(&events[i * 31], 2)).collect();
        assert!(too_old.iter().all(|e| e.time < RETAINED_FROM));
        held.extend(too_old.iter().cloned());
        rng.shuffle(&mut held);
        assert!(held.len() > 20, "{} held back", held.len());

        let target = Target {
            dir: &project.dir,
            brokers: &brokers,
            postgres: &db.url,
            group: &group,
        };
        let mut stream = Stream::start("featc stream", &target, &[]);
        let producer = Producer::new(&brokers);
        let mut acked = producer.send(&topic, &records(&on_time)).await;
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
        let watermark: chrono::DateTime<chrono::Utc> = client
            .query_one(
                "SELECT complete_until FROM featc_watermarks WHERE view = 'user_activity'",
                &[],
            )
            .await
            .expect("a watermark")
            .get(0);
        assert!(
            watermark.timestamp_micros() > noon,
            "the afternoon is committed before the held-back events arrive"
        );
        acked.extend(producer.send(&topic, &records(&held)).await);
        wait_covered(
            &client,
            &group,
            &topic,
            &ends(&acked),
            &mut [&mut stream],
            within,
        )
        .await;

        // every message counted once: merged, or recorded as too late
        assert_eq!(late_events(&client, &topic).await.len(), too_old.len());
        assert_eq!(dead_letters(&client, &topic).await, vec![]);
        assert_eq!(stream.batch_total("messages"), acked.len() as u64);
        assert_eq!(stream.batch_total("late"), too_old.len() as u64);
        let status = stream.terminate().await;
        assert!(status.success(), "{status}\n{}", stream.log());

        let times = request_times(&mut rng, &events);
        let requests: Vec<(String, Micros)> = keys(&events)
            .into_iter()
            .flat_map(|k| times.iter().map(move |t| (k.clone(), *t)))
            .collect();
        let online = lookup(&client, &project.plan, "churn_model", &requests).await;
        let offline = training_set(&project.dir, &project.plan, "churn_model", &requests);
        let mut mismatches = Vec::new();
        for (((key, t), got), want) in requests.iter().zip(&online).zip(&offline) {
            for (name, value) in want {
                if !close_or_both_nan(value, &got[name]) {
                    mismatches.push(format!(
                        "{key} at {}: {name} = {:?} online, {value:?} offline",
                        super::events::format_time(*t),
                        got[name]
                    ));
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches of {} values ({} requests at {NOW}):\n{}",
            mismatches.len(),
            requests.len() * online.first().map_or(0, |o| o.len()),
            requests.len(),
            mismatches.join("\n")
        );
        // the comparison is not vacuous: windows with events were looked up
        let counted = online
            .iter()
            .filter(|o| matches!(o["event_count_1h"], featc::types::Value::Int(n) if n > 0))
            .count();
        assert!(counted > 500, "{counted} lookups saw events");
    })
    .await;
}
