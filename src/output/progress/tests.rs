//! Unit tests of the progress display: the exact plain and JSON lines, captured by a printer.

use std::time::Duration;

use super::*;
use crate::output::Facts;

fn progress(mode: Mode) -> (Progress, Printer) {
    let printer = Printer::buffered(Facts::PLAIN, "");
    (Progress::new(mode, printer.clone()), printer)
}

fn done(bytes: u64, files: u64, status: &str) -> Finished<'_> {
    Finished {
        bytes,
        files,
        status,
    }
}

#[test]
fn plain_lines_name_the_entry_and_the_run_so_far() {
    let (p, printer) = progress(Mode::Auto);
    p.planned(Planned {
        entries: 2,
        ..Planned::default()
    });
    let model = Item::entry("v1/model");
    p.started(model, Some(2048));
    p.advanced(model, 2048);
    p.retrying(
        model,
        Retry {
            attempt: 2,
            wait: Duration::from_millis(500),
            why: "the body broke off",
        },
    );
    p.finished(Item::file("v1/model", "a.bin"), done(1024, 1, "downloaded"));
    p.finished(model, done(2048, 2, "downloaded"));
    p.failed(Item::entry("v1/big"), "500 Internal Server Error");
    p.note("pulled v1 to /tmp/x");
    p.summary(1, 0);
    let text = printer.stderr_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[0],
        "pxa: retrying v1/model in 0.5 s (attempt 2): the body broke off"
    );
    assert!(
        lines[1].starts_with(
            "pxa: downloaded v1/model (2.00 KiB, 2 files) [2.00 KiB received, 1/2 entries, "
        ),
        "{text}"
    );
    assert_eq!(lines[2], "pxa: failed v1/big: 500 Internal Server Error");
    assert_eq!(lines[3], "pxa: pulled v1 to /tmp/x");
    assert!(
        lines[4].starts_with("pulled 1 version: 2 files, 2.00 KiB received in "),
        "{text}"
    );
    assert_eq!(printer.stdout_text(), "");
}

#[test]
fn json_events_keep_their_keys_in_order() {
    let (p, printer) = progress(Mode::Json);
    p.started(Item::entry("v1/model"), Some(3));
    p.started(Item::file("v1/data", "a/b.csv"), None);
    p.retrying(
        Item::entry("v1/model"),
        Retry {
            attempt: 3,
            wait: Duration::from_millis(1500),
            why: "reset",
        },
    );
    p.finished(Item::entry("v1/model"), done(3, 1, "resumed"));
    p.failed(Item::entry("v2"), "gone");
    p.note("hello");
    let text = printer.stderr_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"event":"start","entry":"v1/model","bytes_total":3}"#,
            r#"{"event":"start","entry":"v1/data","file":"a/b.csv","bytes_total":null}"#,
            r#"{"event":"retry","entry":"v1/model","attempt":3,"wait_ms":1500,"error":"reset"}"#,
            r#"{"event":"done","entry":"v1/model","status":"resumed","bytes":3,"files":1}"#,
            r#"{"event":"failed","entry":"v2","error":"gone"}"#,
            r#"{"event":"note","message":"hello"}"#,
        ]
    );
    p.summary(2, 1);
    let summary: Value =
        serde_json::from_str(printer.stderr_text().lines().last().unwrap()).unwrap();
    assert_eq!(summary["event"], "summary");
    assert_eq!(summary["versions"], 2);
    assert_eq!(summary["failed"], 1);
    assert_eq!(summary["files"], 1);
}

#[test]
fn a_retried_item_is_counted_once_in_the_total() {
    let (p, _printer) = progress(Mode::None);
    p.started(Item::entry("v1/a"), Some(100));
    p.started(Item::entry("v1/a"), Some(100));
    p.started(Item::entry("v1/b"), Some(50));
    assert_eq!(p.total(), 150);
    p.planned(Planned {
        entries: 0,
        files: Some(3),
        bytes: Some(500),
    });
    assert_eq!(p.total(), 500, "planned bytes win when larger");
}

#[test]
fn none_prints_nothing() {
    let (p, printer) = progress(Mode::None);
    p.started(Item::entry("v1/a"), Some(1));
    p.advanced(Item::entry("v1/a"), 1);
    p.finished(Item::entry("v1/a"), done(1, 1, "downloaded"));
    p.failed(Item::entry("v1/b"), "x");
    p.note("n");
    p.summary(1, 0);
    assert_eq!(printer.stderr_text(), "");
}

#[test]
fn an_upload_says_sent_and_counts_entries() {
    let printer = Printer::buffered(Facts::PLAIN, "");
    let p = Progress::new(Mode::Plain, printer.clone()).sending();
    p.planned(Planned {
        entries: 1,
        files: Some(2),
        bytes: Some(2048),
    });
    p.advanced(Item::file("v1/data", "a.bin"), 2048);
    p.finished(Item::entry("v1/data"), done(2048, 2, "uploaded"));
    p.upload_summary(1, 2);
    let text = printer.stderr_text();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0]
            .starts_with("pxa: uploaded v1/data (2.00 KiB, 2 files) [2.00 KiB sent, 1/1 entries, "),
        "{text}"
    );
    assert!(
        lines[1].starts_with("uploaded 1 entry: 2 files, 2.00 KiB sent in "),
        "{text}"
    );
    let (p, printer) = progress(Mode::Json);
    let p = p.sending();
    p.upload_summary(3, 0);
    let summary: Value = serde_json::from_str(printer.stderr_text().trim()).unwrap();
    assert_eq!(
        (summary["entries"].clone(), summary["files_sent"].clone()),
        (3.into(), 0.into())
    );
    assert!(summary.get("bytes_sent").is_some(), "{summary}");
}
