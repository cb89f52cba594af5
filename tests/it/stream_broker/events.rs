//! What the tests produce: the user_activity example's events (`support/example.rs`) and
//! seeded synthetic events of the same schema, as JSON messages keyed by user; and a copy of
//! the example project that reads the test's own topic.

use super::kafka::Record;
use crate::support::example::{self, Event};
use crate::support::rng::Rng;
use featc::plan::Plan;
use featc::types::{MICROS_PER_DAY, Micros};
use std::path::{Path, PathBuf};

/// The time the streams and publishes pretend it is: the example's data (2024-03-15) is
/// inside the online retention (1 day beyond the 1-hour window).
pub const NOW: &str = "2024-03-16T00:00:00Z";
/// The example's day.
pub const DAY: Micros = 1_710_460_800_000_000;
/// Events before this are older than the online store retains at `NOW`: recorded as late.
pub const RETAINED_FROM: Micros = DAY - 3_600_000_000;

pub fn format_time(t: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(t)
        .expect("a time")
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// `n` seeded events of the example's schema on `day`: 30 users, every column sometimes null,
/// times in whole 10 ms (ties happen).
pub fn synthetic(rng: &mut Rng, n: usize, day: Micros) -> Vec<Event> {
    const TYPES: [&str; 5] = [
        "page_view",
        "search",
        "add_to_cart",
        "purchase",
        "email_click",
    ];
    const PLATFORMS: [Option<&str>; 4] = [Some("ios"), Some("android"), Some("web"), None];
    (0..n)
        .map(|_| {
            let user = format!("u_{:03}", rng.below(30));
            let kind = rng.pick(&TYPES);
            let time = day + (rng.below(8_640_000) as Micros) * 10_000;
            let mut object = serde_json::Map::new();
            object.insert("user_id".into(), serde_json::json!(user));
            object.insert("event_type".into(), serde_json::json!(kind));
            if rng.below(5) > 0 {
                object.insert(
                    "product_id".into(),
                    serde_json::json!(format!("p_{:03}", rng.below(40))),
                );
            }
            if kind == "purchase" && rng.below(6) > 0 {
                let cents = rng.below(50_000) as f64;
                object.insert("revenue".into(), serde_json::json!(cents / 100.0));
            }
            if rng.below(4) > 0 {
                object.insert(
                    "session_id".into(),
                    serde_json::json!(format!("s_{:04}", rng.below(200))),
                );
            }
            if let Some(platform) = rng.pick(&PLATFORMS) {
                object.insert("platform".into(), serde_json::json!(platform));
            }
            object.insert("event_ts".into(), serde_json::json!(format_time(time)));
            Event {
                user,
                time,
                payload: serde_json::Value::Object(object).to_string(),
            }
        })
        .collect()
}

/// The events as records keyed by user (the producer's partitioner spreads the users).
pub fn records(events: &[Event]) -> Vec<Record> {
    events
        .iter()
        .map(|e| Record::keyed(&e.user, e.payload.as_bytes()))
        .collect()
}

/// A copy of the example project whose source reads `topic` (every test has its own), with
/// its data; removed when dropped.
pub struct Project {
    pub dir: PathBuf,
    pub plan: Plan,
}

impl Project {
    pub fn new(topic: &str) -> Project {
        let dir = std::env::temp_dir().join(super::kafka::unique("featc-it-broker"));
        copy_dir(&example::dir("user_activity"), &dir);
        let sources = dir.join("sources.feat");
        let text = std::fs::read_to_string(&sources).expect("sources.feat");
        assert!(text.contains("\"user-events\""), "the example's topic");
        std::fs::write(
            &sources,
            text.replace("\"user-events\"", &format!("\"{topic}\"")),
        )
        .expect("sources.feat written");
        let project = featc::project::load(std::slice::from_ref(&dir)).expect("the copy loads");
        let plan = featc::project::analyze(&project.sources)
            .0
            .expect("the copy compiles");
        Project { dir, plan }
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("the example") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

/// Moves an event `days` days back (its payload's `event_ts` too).
pub fn shifted(event: &Event, days: i64) -> Event {
    let time = event.time - days * MICROS_PER_DAY;
    let mut object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&event.payload).expect("a JSON object");
    object.insert("event_ts".into(), serde_json::json!(format_time(time)));
    Event {
        user: event.user.clone(),
        time,
        payload: serde_json::Value::Object(object).to_string(),
    }
}

/// A stream's worth of records: `n` synthetic events, and among them about one in a hundred
/// that is not JSON (a dead letter) and one in two hundred older than retained (a late event).
pub fn workload(rng: &mut Rng, n: usize) -> Vec<Record> {
    let events = synthetic(rng, n, DAY);
    let mut out = records(&events);
    for i in 0..n / 100 {
        out.push(Record::keyed(
            "u_000",
            format!("{{\"user_id\": \"u_000\", {i}"),
        ));
    }
    for event in events.iter().take(n / 200) {
        let old = shifted(event, 3);
        out.push(Record::keyed(&old.user, old.payload.as_bytes()));
    }
    rng.shuffle(&mut out);
    out
}
