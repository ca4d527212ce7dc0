//! Transfer progress on stderr, fitted to where it runs: indicatif bars on a terminal, a plain
//! line at most every 5 s (and one per finished entry) in a log, JSON events, or nothing. It
//! implements the engines' [`Reporter`]; the counting rules are in [`crate::progress`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::{HumanBytes, MultiProgress, ProgressBar, ProgressStyle};
use serde_json::{Map, Value, json};

use super::Printer;
use crate::progress::{Finished, Item, Planned, Reporter, Retry};
use crate::text::{count, escape_controls};

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

const PLAIN_EVERY: Duration = Duration::from_secs(5);
const JSON_EVERY: Duration = Duration::from_secs(1);

struct Bars {
    multi: MultiProgress,
    main: ProgressBar,
    active: Mutex<HashMap<String, ProgressBar>>,
}

/// The display of one run's transfers.
pub struct Progress {
    mode: Mode,
    /// Bytes are sent (an upload) rather than received.
    sending: bool,
    printer: Printer,
    started: Instant,
    bytes: AtomicU64,
    planned_bytes: AtomicU64,
    planned_files: AtomicU64,
    files: AtomicU64,
    entries_done: AtomicU64,
    entries_total: AtomicU64,
    last_line: Mutex<Instant>,
    /// Declared length per item, so a retried item is not counted twice in the total.
    declared: Mutex<HashMap<String, u64>>,
    declared_total: AtomicU64,
    bars: Option<Bars>,
}

impl Progress {
    /// `Auto` becomes bars when stderr is a terminal, plain lines otherwise.
    pub fn new(mode: Mode, printer: Printer) -> Self {
        let mode = match mode {
            Mode::Auto if printer.facts().stderr_tty => Mode::Bars,
            Mode::Auto => Mode::Plain,
            m => m,
        };
        let bars = (mode == Mode::Bars).then(|| new_bars(&printer));
        Self {
            mode,
            sending: false,
            printer,
            started: Instant::now(),
            bytes: AtomicU64::new(0),
            planned_bytes: AtomicU64::new(0),
            planned_files: AtomicU64::new(0),
            files: AtomicU64::new(0),
            entries_done: AtomicU64::new(0),
            entries_total: AtomicU64::new(0),
            last_line: Mutex::new(Instant::now()),
            declared: Mutex::new(HashMap::new()),
            declared_total: AtomicU64::new(0),
            bars,
        }
    }

    /// The mode in use (`Auto` resolved to bars or plain lines).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The same display for an upload: bytes are "sent".
    pub fn sending(mut self) -> Self {
        self.sending = true;
        self
    }

    /// The word for the bytes moved.
    fn moved(&self) -> &'static str {
        if self.sending { "sent" } else { "received" }
    }

    /// Stops the bars and prints an upload's summary line: entries, files, bytes, time, rate.
    pub fn upload_summary(&self, entries: usize, files_sent: usize) {
        self.abandon();
        let secs = self.started.elapsed().as_secs_f64();
        let bytes = self.bytes.load(Ordering::Relaxed);
        let rate = bytes as f64 / secs.max(0.001);
        let (entries_said, files_said) = (
            if entries == 1 {
                "1 entry".to_string()
            } else {
                format!("{entries} entries")
            },
            crate::text::count(files_sent as u64, "file"),
        );
        match self.mode {
            Mode::Json => self.event(json!({"event": "summary", "entries": entries,
                "files_sent": files_sent, "bytes_sent": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0, "bytes_per_second": rate as u64})),
            Mode::None | Mode::Auto => {}
            Mode::Bars | Mode::Plain => self.printer.line(&format!(
                "uploaded {entries_said}: {files_said}, {} sent in {secs:.1} s ({}/s)",
                HumanBytes(bytes),
                HumanBytes(rate as u64)
            )),
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
        self.abandon();
        let secs = self.started.elapsed().as_secs_f64();
        let bytes = self.bytes.load(Ordering::Relaxed);
        let files = self.files.load(Ordering::Relaxed);
        let rate = bytes as f64 / secs.max(0.001);
        let failed = if versions_failed > 0 {
            format!(", {versions_failed} failed")
        } else {
            String::new()
        };
        let versions = count(versions_ok as u64, "version");
        match self.mode {
            Mode::Json => self.event(json!({"event": "summary", "versions": versions_ok,
                "failed": versions_failed, "files": files, "bytes_received": bytes,
                "seconds": (secs * 1000.0).round() / 1000.0, "bytes_per_second": rate as u64})),
            Mode::None | Mode::Auto => {}
            Mode::Bars | Mode::Plain => self.printer.line(&format!(
                "pulled {versions}{failed}: {}, {} received in {secs:.1} s ({}/s)",
                count(files, "file"),
                HumanBytes(bytes),
                HumanBytes(rate as u64)
            )),
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

    /// The expected total: planned bytes, or the declared lengths if they say more.
    fn total(&self) -> u64 {
        let declared = self.declared_total.load(Ordering::Relaxed);
        declared.max(self.planned_bytes.load(Ordering::Relaxed))
    }

    fn status_line(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let bytes = self.bytes.load(Ordering::Relaxed);
        format!(
            "{} {}, {}/{} entries, {}/s",
            HumanBytes(bytes),
            self.moved(),
            self.entries_done.load(Ordering::Relaxed),
            self.entries_total.load(Ordering::Relaxed),
            HumanBytes((bytes as f64 / secs) as u64)
        )
    }

    fn status_json(&self, name: &str) -> Value {
        let mut value = json!({"event": name, "bytes": self.bytes.load(Ordering::Relaxed),
            "bytes_total": self.total(),
            "entries_done": self.entries_done.load(Ordering::Relaxed),
            "entries_total": self.entries_total.load(Ordering::Relaxed)});
        let files = self.planned_files.load(Ordering::Relaxed);
        if files > 0 {
            value["files_done"] = json!(self.files.load(Ordering::Relaxed));
            value["files_total"] = json!(files);
        }
        value
    }

    fn refresh_main(&self) {
        if let Some(bars) = &self.bars {
            bars.main.set_length(self.total());
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
            let _ = bars.multi.println(escape_controls(text));
        }
    }

    /// Removes an item's bar, if it has one.
    fn close_bar(&self, item: Item<'_>) {
        if let Some(bars) = &self.bars
            && let Some(bar) = lock(&bars.active).remove(&label(item))
        {
            bar.finish_and_clear();
        }
    }

    fn event(&self, value: Value) {
        self.printer.raw_line(&value.to_string());
    }

    /// A JSON event about an item: `event`, `entry`, `file` (if any), then `fields` in order.
    fn item_event(&self, name: &str, item: Item<'_>, fields: Value) {
        let mut map = Map::new();
        map.insert("event".into(), json!(name));
        map.insert("entry".into(), json!(item.entry));
        if let Some(file) = item.file {
            map.insert("file".into(), json!(file));
        }
        if let Value::Object(rest) = fields {
            map.extend(rest);
        }
        self.event(Value::Object(map));
    }

    fn start_bar(&self, item: Item<'_>, len: Option<u64>) {
        let bars = self.bars.as_ref().expect("bars mode");
        let bar = bars.multi.add(ProgressBar::new(len.unwrap_or(0)));
        let template = if len.is_some() {
            "  {bytes:>10}/{total_bytes:<10} {wide_msg}"
        } else {
            "  {bytes:>10}            {wide_msg}"
        };
        bar.set_style(ProgressStyle::with_template(template).expect("valid template"));
        bar.set_message(label(item));
        if let Some(old) = lock(&bars.active).insert(label(item), bar) {
            old.finish_and_clear();
        }
    }
}

impl Reporter for Progress {
    fn planned(&self, planned: Planned) {
        self.entries_total
            .fetch_add(planned.entries, Ordering::Relaxed);
        self.planned_files
            .fetch_add(planned.files.unwrap_or(0), Ordering::Relaxed);
        self.planned_bytes
            .fetch_add(planned.bytes.unwrap_or(0), Ordering::Relaxed);
        self.refresh_main();
    }

    fn started(&self, item: Item<'_>, len: Option<u64>) {
        {
            let mut declared = lock(&self.declared);
            let previous = declared.insert(label(item), len.unwrap_or(0));
            self.declared_total
                .fetch_sub(previous.unwrap_or(0), Ordering::Relaxed);
            self.declared_total
                .fetch_add(len.unwrap_or(0), Ordering::Relaxed);
        }
        match self.mode {
            Mode::Bars => {
                self.refresh_main();
                self.start_bar(item, len);
            }
            Mode::Json => self.item_event("start", item, json!({"bytes_total": len})),
            _ => {}
        }
    }

    fn advanced(&self, item: Item<'_>, n: u64) {
        let bytes = self.bytes.fetch_add(n, Ordering::Relaxed) + n;
        match self.mode {
            Mode::Bars => {
                let bars = self.bars.as_ref().expect("bars mode");
                bars.main.set_position(bytes);
                if let Some(bar) = lock(&bars.active).get(&label(item)) {
                    bar.inc(n);
                }
            }
            Mode::Plain if self.due(PLAIN_EVERY) => {
                self.printer.line(&format!("pxa: {}", self.status_line()));
            }
            Mode::Json if self.due(JSON_EVERY) => self.event(self.status_json("progress")),
            _ => {}
        }
    }

    fn retrying(&self, item: Item<'_>, retry: Retry<'_>) {
        let text = format!(
            "retrying {} in {:.1} s (attempt {}): {}",
            label(item),
            retry.wait.as_secs_f64(),
            retry.attempt,
            retry.why
        );
        match self.mode {
            Mode::Bars => self.bars_println(&format!("warning: {text}")),
            Mode::Plain => self.printer.line(&format!("pxa: {text}")),
            Mode::Json => self.item_event(
                "retry",
                item,
                json!({"attempt": retry.attempt,
                "wait_ms": retry.wait.as_millis() as u64, "error": retry.why}),
            ),
            Mode::Auto | Mode::None => {}
        }
    }

    fn finished(&self, item: Item<'_>, done: Finished<'_>) {
        let whole_entry = item.file.is_none();
        if whole_entry {
            self.files.fetch_add(done.files, Ordering::Relaxed);
            self.entries_done.fetch_add(1, Ordering::Relaxed);
        }
        let plural = if done.files == 1 { "" } else { "s" };
        let (status, name, bytes, files) = (done.status, label(item), done.bytes, done.files);
        match self.mode {
            Mode::Bars => {
                self.close_bar(item);
                self.refresh_main();
                if whole_entry {
                    self.bars_println(&format!(
                        "{status} {name} ({}, {files} file{plural})",
                        HumanBytes(bytes)
                    ));
                }
            }
            Mode::Plain if whole_entry => self.printer.line(&format!(
                "pxa: {status} {name} ({}, {files} file{plural}) [{}]",
                HumanBytes(bytes),
                self.status_line()
            )),
            Mode::Json => self.item_event(
                "done",
                item,
                json!({"status": status, "bytes": bytes, "files": files}),
            ),
            _ => {}
        }
    }

    fn failed(&self, item: Item<'_>, why: &str) {
        match self.mode {
            Mode::Bars => {
                self.close_bar(item);
                self.bars_println(&format!("failed: {}: {why}", label(item)));
            }
            Mode::Plain => self
                .printer
                .line(&format!("pxa: failed {}: {why}", label(item))),
            Mode::Json => self.item_event("failed", item, json!({"error": why})),
            _ => {}
        }
    }

    fn note(&self, text: &str) {
        match self.mode {
            Mode::Bars => self.bars_println(text),
            Mode::Plain => self.printer.line(&format!("pxa: {text}")),
            Mode::Json => self.event(json!({"event": "note", "message": text})),
            _ => {}
        }
    }
}

fn new_bars(printer: &Printer) -> Bars {
    let multi = MultiProgress::with_draw_target(printer.progress_target(10));
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
}

/// How an item is named in lines and bars: `entry`, or `entry/file`.
/// The entry (and file) as shown: names come from the server, escaped.
fn label(item: Item<'_>) -> String {
    let text = match item.file {
        Some(file) => format!("{}/{file}", item.entry),
        None => item.entry.to_string(),
    };
    escape_controls(&text).into_owned()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
