//! `featc stream PATHS --view V... --brokers HOSTS --postgres URL [--group ID] [--from-time T]`:
//! consume the views' Kafka topics in a consumer group and merge the events' partial states
//! into the online tables, one transaction per micro-batch with the offsets (exactly once).
//! SIGINT/SIGTERM commit the current micro-batch, then exit 0. One JSON line per micro-batch
//! on stderr; Prometheus counters on `--metrics ADDR`.
//!
//! The default group is `featc:` and the sorted view names: processes that share a group
//! share partitions and stored offsets, so they must run the same views.

use super::Failure;
use super::common::{self, data_error};
use super::{Format, report};
use crate::runtime::stream::kafka::KafkaConfig;
use crate::runtime::stream::metrics::{self, StreamMetrics};
use crate::runtime::stream::{
    Clock, ManualClock, Operator, OperatorConfig, SystemClock, stream_into_postgres,
};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub struct Args<'a> {
    pub paths: &'a [PathBuf],
    pub views: &'a [String],
    pub brokers: &'a str,
    pub postgres: &'a str,
    pub group: Option<&'a str>,
    pub from_time: Option<&'a str>,
    pub metrics: Option<&'a str>,
    pub now: Option<&'a str>,
    pub batch_messages: u64,
    pub batch_ms: u64,
    /// librdkafka properties, `key=value`.
    pub kafka_properties: &'a [(String, String)],
    /// `None`: wait for the topics as long as it takes.
    pub topic_wait: Option<Duration>,
}

/// `KEY=VALUE`, as given to `--kafka-property`.
pub fn parse_property(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{s}`")),
    }
}

/// The clock of a runtime command: the wall clock, or `--now` for replays.
pub fn clock(now: Option<&str>) -> Result<Arc<dyn Clock>, Failure> {
    Ok(match now {
        Some(t) => Arc::new(ManualClock::new(
            common::parse_time(t).map_err(Failure::Usage)?,
        )),
        None => Arc::new(SystemClock),
    })
}

pub fn run(args: Args<'_>) -> Result<(), Failure> {
    let (_, plan) = report::load_plan(args.paths, Format::Human)?;
    for name in args.views {
        let view = super::explain::find_view(&plan, name)?;
        common::refuse_offline_only(view, "stream into")?;
    }
    let mut views: Vec<&str> = args.views.iter().map(String::as_str).collect();
    views.sort_unstable();
    views.dedup();
    let start = args
        .from_time
        .map(common::parse_time)
        .transpose()
        .map_err(Failure::Usage)?;
    let clock = clock(args.now)?;
    let config = OperatorConfig {
        start,
        record_late: true,
    };
    let mut operator = Operator::new(&plan, &views, clock.clone(), config)
        .map_err(|e| data_error("cannot run the views", e))?;
    let batch_only = operator.inputs_without_stream();
    if !batch_only.is_empty() {
        eprintln!(
            "error: {} no `stream` clause\n  = help: add `stream kafka \"TOPIC\" format json` to the source, or publish the view with `featc publish`",
            batch_only
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
                + if batch_only.len() == 1 {
                    " has"
                } else {
                    " have"
                }
        );
        return Err(Failure::User);
    }
    let group = args
        .group
        .map_or_else(|| format!("featc:{}", views.join(",")), str::to_string);
    let kafka = KafkaConfig {
        brokers: args.brokers.to_string(),
        group,
        max_messages: args.batch_messages.max(1),
        max_wait: Duration::from_millis(args.batch_ms.max(1)),
        properties: args.kafka_properties.to_vec(),
        topic_wait: args.topic_wait,
    };
    common::block_on(async {
        let metrics = Arc::new(StreamMetrics::default());
        if let Some(address) = args.metrics {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| data_error(&format!("cannot listen on {address}"), e))?;
            tokio::spawn(metrics::serve(listener, metrics.clone(), clock.clone()));
        }
        stream_into_postgres(
            &mut operator,
            &plan,
            &views,
            args.postgres,
            &kafka,
            &metrics,
            shutdown_signal(),
        )
        .await
        .map_err(common::fail)
    })?
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}
