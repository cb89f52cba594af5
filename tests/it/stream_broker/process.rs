//! `featc stream` and `featc publish` as processes (the binary the user runs), with their
//! stderr collected for assertions and failure messages. A stream still running when its
//! handle is dropped (a failed test) is killed.

use super::events::NOW;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where a stream connects and what it consumes as.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub dir: &'a Path,
    pub brokers: &'a str,
    pub postgres: &'a str,
    pub group: &'a str,
}

pub struct Stream {
    name: String,
    child: Child,
    started: Instant,
    /// stderr's lines, with when they arrived
    log: Arc<Mutex<Vec<(Instant, String)>>>,
    /// Reads stderr until the process is gone.
    reader: Option<std::thread::JoinHandle<()>>,
}

impl Stream {
    /// Starts `featc stream` for the example's `user_activity` view, pretending it is `NOW`,
    /// with small micro-batches (many commits: crashes land between and inside them) and a
    /// short Kafka session (a killed member leaves the group within seconds).
    pub fn start(name: &str, target: &Target<'_>, extra: &[&str]) -> Stream {
        let mut child = Command::new(env!("CARGO_BIN_EXE_featc"))
            .arg("stream")
            .arg(target.dir)
            .args(["--view", "user_activity", "--brokers", target.brokers])
            .args(["--postgres", target.postgres, "--group", target.group])
            .args(["--now", NOW, "--batch-messages", "40", "--batch-ms", "50"])
            .args(["--kafka-property", "session.timeout.ms=3000"])
            .args(["--kafka-property", "heartbeat.interval.ms=500"])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("featc stream starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push((Instant::now(), line));
                }
            }
        });
        Stream {
            name: name.to_string(),
            child,
            started: Instant::now(),
            log,
            reader: Some(reader),
        }
    }

    fn lines(&self) -> Vec<(Instant, String)> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// What it wrote to stderr so far, headed by its name, each line with the milliseconds
    /// since the start.
    pub fn log(&self) -> String {
        let mut out = format!("--- {} (pid {}) ---\n", self.name, self.child.id());
        for (at, line) in self.lines() {
            let ms = at.duration_since(self.started).as_millis();
            out.push_str(&format!("{ms:>6} ms  {line}\n"));
        }
        out
    }

    /// The structured log lines of one event (`{"event": ...}`).
    pub fn events(&self, event: &str) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .filter_map(|(_, l)| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["event"] == event)
            .collect()
    }

    /// The sum of a counter over the committed micro-batches.
    pub fn batch_total(&self, counter: &str) -> u64 {
        self.events("batch")
            .iter()
            .map(|b| b[counter].as_u64().unwrap_or(0))
            .sum()
    }

    pub fn exited(&mut self) -> Option<ExitStatus> {
        let status = self.child.try_wait().expect("the child's status");
        if status.is_some() {
            self.drain();
        }
        status
    }

    /// Waits for the reader to take the last lines from the pipe of a process that is gone.
    fn drain(&mut self) {
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }

    /// `kill -9`: no shutdown, no last commit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.drain();
    }

    /// SIGTERM, then its exit status (it must exit within 30 s).
    pub async fn terminate(&mut self) -> ExitStatus {
        if let Some(status) = self.exited() {
            return status;
        }
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM {}", self.child.id());
        self.wait_exit(Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("no exit 30 s after SIGTERM\n{}", self.log()))
    }

    /// Its exit status, if it exits within `within`.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            self.kill();
        }
    }
}

/// `featc publish DIR --view VIEW --postgres URL --now NOW [extra]`; returns its stderr.
pub fn publish(dir: &Path, view: &str, postgres: &str, extra: &[&str]) -> String {
    let run = Command::new(env!("CARGO_BIN_EXE_featc"))
        .arg("publish")
        .arg(dir)
        .args(["--view", view, "--postgres", postgres, "--now", NOW])
        .args(extra)
        .output()
        .expect("featc publish runs");
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "publish {view} {extra:?}: {stderr}");
    stderr
}
