//! Pull progress on stderr, fitted to where it runs: indicatif bars on a terminal, a plain line
//! at most every 5 s (and one per finished entry) in a log, JSON events, or nothing.
// This is the one place a pull writes to the terminal; stderr keeps stdout for results.
#![allow(clippy::print_stderr)]

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// Bars on a terminal, plain lines otherwise
    Auto,
    /// Live bars (terminal)
    Bars,
    /// A plain line at most every 5 s and at each finished entry
    Plain,
    /// One JSON event per line
    Json,
    /// Errors only
    None,
}

impl Mode {
    fn resolve(self) -> Self {
        match self {
            Self::Auto if std::io::stderr().is_terminal() => Self::Bars,
            Self::Auto => Self::Plain,
            m => m,
        }
    }
}

const PLAIN_EVERY: Duration = Duration::from_secs(5);
const JSON_EVERY: Duration = Duration::from_secs(1);

struct Bars {
    multi: MultiProgress,
    main: ProgressBar,
    active: Mutex<HashMap<String, ProgressBar>>,
}

/// Shared by every download of a run.
pub struct Progress {
    mode: Mode,
    started: Instant,
    bytes: AtomicU64,
    total: AtomicU64,
    files: AtomicU64,
    entries_done: AtomicU64,
    entries_total: AtomicU64,
    last_line: Mutex<Instant>,
    /// Declared length per entry, so a retried entry is not counted twice in the total.
    declared: Mutex<HashMap<String, u64>>,
    bars: Option<Bars>,
}

impl Progress {
    pub fn new(mode: Mode) -> Self {
        let mode = mode.resolve();
        let bars = (mode == Mode::Bars).then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10));
            let main = multi.add(ProgressBar::new(0));
            main.set_style(
                ProgressStyle::with_template(
                    "{spinner} {bytes}/{total_bytes} {binary_bytes_per_sec} eta {eta} {wide_msg}",
                )
                .expect("valid template"),
            );
            main.enable_steady_tick(Duration::from_millis(200));
            Bars {
                multi,
                main,
                active: Mutex::new(HashMap::new()),
            }
        });
        Self {
            mode,
            started: Instant::now(),
            bytes: AtomicU64::new(0),
            total: AtomicU64::new(0),
            files: AtomicU64::new(0),
            entries_done: AtomicU64::new(0),
            entries_total: AtomicU64::new(0),
            last_line: Mutex::new(Instant::now()),
            declared: Mutex::new(HashMap::new()),
            bars,
        }
    }

    /// More entries are planned.
    pub fn add_entries(&self, n: u64) {
        self.entries_total.fetch_add(n, Ordering::Relaxed);
        self.refresh_main();
    }

    /// An entry's answer arrived, with its declared length (if any).
    pub fn begin(&self, label: &str, len: Option<u64>) {
        let previous = lock(&self.declared).insert(label.to_string(), len.unwrap_or(0));
        self.total
            .fetch_sub(previous.unwrap_or(0), Ordering::Relaxed);
        self.total.fetch_add(len.unwrap_or(0), Ordering::Relaxed);
        match self.mode {
            Mode::Bars => {
                let bars = self.bars.as_ref().expect("bars mode");
                bars.main.set_length(self.total.load(Ordering::Relaxed));
                let bar = bars.multi.add(ProgressBar::new(len.unwrap_or(0)));
                let template = if len.is_some() {
                    "  {bytes:>10}/{total_bytes:<10} {wide_msg}"
                } else {
                    "  {bytes:>10}            {wide_msg}"
                };
                bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
                bar.set_message(label.to_string());
                if let Some(old) = lock(&bars.active).insert(label.to_string(), bar) {
                    old.finish_and_clear();
                }
            }
            Mode::Json => event(json!({"event": "start", "entry": label, "bytes_total": len})),
            _ => {}
        }
    }

    /// Bytes received for an entry.
    pub fn advance(&self, label: &str, n: u64) {
        let bytes = self.bytes.fetch_add(n, Ordering::Relaxed) + n;
        match self.mode {
            Mode::Bars => {
                let bars = self.bars.as_ref().expect("bars mode");
                bars.main.set_position(bytes);
                if let Some(bar) = lock(&bars.active).get(label) {
                    bar.inc(n);
                }
            }
            Mode::Plain if self.due(PLAIN_EVERY) => eprintln!("pxa: {}", self.status_line()),
            Mode::Json if self.due(JSON_EVERY) => event(self.status_json("progress")),
            _ => {}
        }
    }

    /// A request failed and will be sent again after `wait`.
    pub fn retry(&self, label: &str, attempt: u32, wait: Duration, why: &str) {
        let text = format!(
            "retrying {label} in {:.1} s (attempt {}): {why}",
            wait.as_secs_f64(),
            attempt + 1
        );
        match self.mode {
            Mode::Bars => self.bars_println(&format!("warning: {text}")),
            Mode::Plain => eprintln!("pxa: {text}"),
            Mode::Json => event(
                json!({"event": "retry", "entry": label, "attempt": attempt + 1,
                "wait_ms": wait.as_millis() as u64, "error": why}),
            ),
            Mode::Auto | Mode::None => {}
        }
    }

    /// An entry is finished (`status`: downloaded, resumed, reused, skipped).
    pub fn finish(&self, label: &str, bytes: u64, files: u64, status: &str) {
        self.files.fetch_add(files, Ordering::Relaxed);
        self.entries_done.fetch_add(1, Ordering::Relaxed);
        let plural = if files == 1 { "" } else { "s" };
        match self.mode {
            Mode::Bars => {
                let bars = self.bars.as_ref().expect("bars mode");
                if let Some(bar) = lock(&bars.active).remove(label) {
                    bar.finish_and_clear();
                }
                self.refresh_main();
                self.bars_println(&format!(
                    "{status} {label} ({}, {files} file{plural})",
                    HumanBytes(bytes)
                ));
            }
            Mode::Plain => eprintln!(
                "pxa: {status} {label} ({}, {files} file{plural}) [{}]",
                HumanBytes(bytes),
                self.status_line()
            ),
            Mode::Json => event(json!({"event": "done", "entry": label, "status": status,
                "bytes": bytes, "files": files})),
            _ => {}
        }
    }

    /// An entry failed for good.
    pub fn fail(&self, label: &str, why: &str) {
        match self.mode {
            Mode::Bars => {
                let bars = self.bars.as_ref().expect("bars mode");
                if let Some(bar) = lock(&bars.active).remove(label) {
                    bar.finish_and_clear();
                }
                self.bars_println(&format!("failed: {label}: {why}"));
            }
            Mode::Plain => eprintln!("pxa: failed {label}: {why}"),
            Mode::Json => event(json!({"event": "failed", "entry": label, "error": why})),
            _ => {}
        }
    }

    /// A version-level note (pulled to a path, metadata only, ...).
    pub fn note(&self, text: &str) {
        match self.mode {
            Mode::Bars => self.bars_println(text),
            Mode::Plain => eprintln!("pxa: {text}"),
            Mode::Json => event(json!({"event": "note", "message": text})),
            _ => {}
        }
    }

    /// Stops the bars without a summary (interrupted).
    pub fn abandon(&self) {
        if let Some(bars) = &self.bars {
            bars.main.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }

    /// Stops the bars and prints the summary line: files, bytes, time, rate.
    pub fn summary(&self, versions_ok: usize, versions_failed: usize) {
        if let Some(bars) = &self.bars {
            bars.main.finish_and_clear();
            let _ = bars.multi.clear();
        }
        let secs = self.started.elapsed().as_secs_f64();
        let bytes = self.bytes.load(Ordering::Relaxed);
        let files = self.files.load(Ordering::Relaxed);
        let rate = bytes as f64 / secs.max(0.001);
        let failed = if versions_failed > 0 {
            format!(", {versions_failed} failed")
        } else {
            String::new()
        };
        let plural = if versions_ok == 1 { "" } else { "s" };
        match self.mode {
            Mode::Json => event(json!({"event": "summary", "versions": versions_ok,
                "failed": versions_failed, "files": files, "bytes_received": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0, "bytes_per_second": rate as u64})),
            Mode::None | Mode::Auto => {}
            _ => eprintln!(
                "pulled {versions_ok} version{plural}{failed}: {files} files, {} received in {secs:.1} s ({}/s)",
                HumanBytes(bytes),
                HumanBytes(rate as u64)
            ),
        }
    }

    fn due(&self, every: Duration) -> bool {
        let mut last = lock(&self.last_line);
        if last.elapsed() >= every {
            *last = Instant::now();
            true
        } else {
            false
        }
    }

    fn status_line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let bytes = self.bytes.load(Ordering::Relaxed);
        format!(
            "{} received, {}/{} entries, {}/s",
            HumanBytes(bytes),
            self.entries_done.load(Ordering::Relaxed),
            self.entries_total.load(Ordering::Relaxed),
            HumanBytes((bytes as f64 / secs) as u64)
        )
    }

    fn status_json(&self, name: &str) -> Value {
        json!({"event": name, "bytes": self.bytes.load(Ordering::Relaxed),
            "bytes_total": self.total.load(Ordering::Relaxed),
            "entries_done": self.entries_done.load(Ordering::Relaxed),
            "entries_total": self.entries_total.load(Ordering::Relaxed)})
    }

    fn refresh_main(&self) {
        if let Some(bars) = &self.bars {
            bars.main.set_message(format!(
                "{}/{} entries, {} files",
                self.entries_done.load(Ordering::Relaxed),
                self.entries_total.load(Ordering::Relaxed),
                self.files.load(Ordering::Relaxed)
            ));
        }
    }

    fn bars_println(&self, text: &str) {
        if let Some(bars) = &self.bars {
            let _ = bars.multi.println(text);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn event(value: Value) {
    eprintln!("{value}");
}
