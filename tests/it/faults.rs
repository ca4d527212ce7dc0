//! Fault injection on the API path (`pxa get`, `pxa ls`): resets before the headers, bodies cut
//! at 0 %, 50 % and 99 %, slow bodies, 5xx, 429 with an HTTP-date `Retry-After`, corrupt gzip,
//! huge bodies. Each case checks the exit code, the message, and how many requests were sent.
//! The download path (`pxa pull`) is in `faults/pull.rs`. Server: `support::fake`.
#![allow(clippy::print_stderr)]

mod pull;

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fake::*;
use crate::support::process::sample_until_exit;
use crate::support::pxa;

/// A server answering `GET v1` with the script's acts, then with the version.
fn get_server(script: &Script) -> Server {
    let script = script.clone();
    Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => script
            .next()
            .unwrap_or_else(|| ok(detail("v1").to_string())),
        _ => status(404, "{}"),
    })
}

fn get(server: &Server) -> (i32, String, String) {
    let args = ["get", "demo:v1", "-o", "name", "--host", &server.url];
    pxa().args(args).args(["--timeout", "5"]).run()
}

/// What follows the retry warnings (one per retry, 2 of 3 and 3 of 3), which it checks.
fn after_retries(err: &str) -> &str {
    let retries: Vec<&str> = err
        .lines()
        .take_while(|l| l.starts_with("warning: "))
        .collect();
    assert_eq!(retries.len(), 2, "{err}");
    assert!(
        retries[0].ends_with("; trying again (attempt 2 of 3)"),
        "{err}"
    );
    assert!(
        retries[1].ends_with("; trying again (attempt 3 of 3)"),
        "{err}"
    );
    err.find("\nerror: ").map_or("", |i| &err[i + 1..])
}

#[test]
fn a_reset_before_the_headers_is_retried() {
    let script = Script::default();
    script.set(vec![Act::Reset]);
    let server = get_server(&script);
    let (code, out, err) = get(&server);
    assert_eq!((code, out.as_str()), (0, "v1\n"), "{err}");
    assert_eq!(server.count(VERSION_PATH), 2);
    // Resets every time: three attempts, then a transport failure (exit 1), no panic.
    script.set(vec![Act::Reset; 10]);
    let server = get_server(&script);
    let (code, out, err) = get(&server);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.is_empty() && after_retries(&err).starts_with("error: GET "),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(server.count(VERSION_PATH), 3);
}

#[test]
fn a_body_cut_at_0_50_or_99_percent_is_retried() {
    let body = detail("v1").to_string().into_bytes();
    for fraction in [0.0, 0.5, 0.99] {
        let script = Script::default();
        script.set(vec![cut(&body, fraction)]);
        let server = get_server(&script);
        let (code, out, err) = get(&server);
        assert_eq!((code, out.as_str()), (0, "v1\n"), "{fraction}: {err}");
        assert_eq!(server.count(VERSION_PATH), 2, "{fraction}");
    }
    // Cut every time: bounded at three attempts, exit 1 with the transport error.
    let script = Script::default();
    script.set(vec![cut(&body, 0.5); 10]);
    let server = get_server(&script);
    let (code, _, err) = get(&server);
    assert_eq!(code, 1, "{err}");
    assert_eq!(server.count(VERSION_PATH), 3);
}

#[test]
fn a_slow_body_longer_than_the_timeout_succeeds_while_bytes_keep_coming() {
    let body = detail("v1").to_string().into_bytes();
    let script = Script::default();
    // ~3 s in total, a chunk every 150 ms: --timeout 1 bounds the silence, not the transfer.
    let pause = Duration::from_millis(3000 / body.len().div_ceil(16) as u64);
    script.set(vec![trickle(&body, 16, pause)]);
    let server = get_server(&script);
    let started = Instant::now();
    let (code, out, err) = pxa()
        .args(["get", "demo:v1", "-o", "name", "--host", &server.url])
        .args(["--timeout", "1"])
        .run();
    assert_eq!((code, out.as_str()), (0, "v1\n"), "{err}");
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(server.count(VERSION_PATH), 1);
}

#[test]
fn each_gateway_error_is_retried_and_a_run_of_them_is_bounded() {
    for code in [500, 502, 503, 504] {
        let script = Script::default();
        script.set(vec![status(code, "")]);
        let server = get_server(&script);
        let (exit, out, err) = get(&server);
        assert_eq!((exit, out.as_str()), (0, "v1\n"), "{code}: {err}");
        assert_eq!(server.count(VERSION_PATH), 2, "{code}");
    }
    let script = Script::default();
    script.set([500, 502, 503, 504].map(|c| status(c, "")).to_vec());
    let server = get_server(&script);
    let (exit, _, err) = get(&server);
    assert_eq!(exit, 1, "{err}");
    assert!(err.contains("503 Service Unavailable"), "{err}");
    assert_eq!(server.count(VERSION_PATH), 3, "three attempts, no more");
}

/// `Retry-After` as an HTTP date `secs` seconds from now.
pub fn http_date_in(secs: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(secs))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[test]
fn too_many_requests_with_an_http_date_retry_after_waits_until_then() {
    let script = Script::default();
    script.set(vec![with_header(
        status(429, r#"{"detail":"slow down"}"#),
        "Retry-After",
        &http_date_in(2),
    )]);
    let server = get_server(&script);
    let started = Instant::now();
    let (code, out, err) = get(&server);
    assert_eq!((code, out.as_str()), (0, "v1\n"), "{err}");
    // The date has one-second resolution: the wait is between 1 and 2 s, not the 0.1 s backoff.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert_eq!(server.count(VERSION_PATH), 2);
}

fn list_server(answer: impl Fn() -> Act + Send + Sync + 'static) -> Server {
    Server::start(move |req, _| match req.path.as_str() {
        LIST_PATH => answer(),
        _ => status(404, "{}"),
    })
}

#[test]
fn a_corrupt_gzip_list_fails_clearly_after_bounded_attempts() {
    let server = list_server(|| {
        let act = with_header(
            ok(&b"\x1f\x8b\x08\x00garbage, not deflate"[..]),
            "Content-Encoding",
            "gzip",
        );
        with_header(act, "Content-Type", "application/json")
    });
    let (code, out, err) = pxa()
        .args(["ls", "-p", "demo", "-o", "name", "--host", &server.url])
        .run();
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(after_retries(&err).starts_with("error: GET "), "{err}");
    assert!(err.to_lowercase().contains("decod"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(server.count(LIST_PATH), 3);
}

#[test]
fn a_truncated_json_list_is_retried_then_fails_clearly() {
    let page = json!({"count": 1, "next": null, "results": [detail("v1")]}).to_string();
    let server = list_server(move || cut(page.as_bytes(), 0.7));
    let (code, out, err) = pxa()
        .args(["ls", "-p", "demo", "-o", "name", "--host", &server.url])
        .run();
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty(), "{out}");
    let err = after_retries(&err);
    assert!(
        err.starts_with("error: GET ") && err.lines().count() <= 2,
        "{err}"
    );
    assert_eq!(server.count(LIST_PATH), 3);
}

#[test]
fn a_50_mib_list_answer_is_read_and_printed_without_hanging() {
    // 50 MiB of results on one page: pxa reads it (no size cap; memory stays proportional) and
    // prints every name. It must neither hang nor truncate.
    let filler = "x".repeat(500);
    let items: Vec<_> = (0..100_000)
        .map(|i| json!({"uuid": format!("u{i}"), "name": format!("v{i:06}"), "description": filler, "kind": "artifact"}))
        .collect();
    let page = json!({"count": items.len(), "next": null, "results": items}).to_string();
    assert!(page.len() > 50_000_000, "{}", page.len());
    let page = std::sync::Arc::new(page.into_bytes());
    let server = list_server(move || ok(page.to_vec()));
    let started = Instant::now();
    let url = server.url.clone();
    let (code, out, err, peak) = measured(
        &server,
        &["ls", "-p", "demo", "-o", "name", "--all", "--host", &url],
    );
    assert_eq!(code, Some(0), "{err}");
    let names: Vec<&str> = out.lines().collect();
    assert_eq!(names.len(), 100_000);
    assert_eq!((names[0], names[99_999]), ("v000000", "v099999"));
    assert_eq!(server.count(LIST_PATH), 1);
    let took = started.elapsed();
    eprintln!("50 MiB list read in {took:?}, peak RSS {peak} KiB");
    assert!(took < Duration::from_secs(45));
    // The answer is held whole and parsed: a few times its size, bounded.
    assert!(peak < 512 * 1024, "peak RSS {peak} KiB");
}

/// Runs pxa with its output in files while sampling its peak RSS; (code, stdout, stderr, KiB).
fn measured(server: &Server, args: &[&str]) -> (Option<i32>, String, String, u64) {
    let mut cmd = pxa();
    cmd.args(args);
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let mut child = cmd
        .process()
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let every = Duration::from_millis(10);
    let usage = sample_until_exit(
        &mut child,
        || server.total() > 0,
        every,
        Duration::from_secs(60),
    );
    let code = child.wait().unwrap().code();
    let read = |f: &tempfile::NamedTempFile| std::fs::read_to_string(f.path()).unwrap();
    (code, read(&out), read(&err), usage.peak_kib)
}

#[test]
fn an_endless_or_declared_oversized_answer_is_refused_at_128_mib() {
    let endless = list_server(|| {
        Act::Send(Resp {
            status: 200,
            body: br#"{"count": 1, "results": [{"name": "v1", "description": "#.repeat(4096),
            endless: true,
            ..Default::default()
        })
    });
    let started = Instant::now();
    let (code, out, err, peak) = measured(&endless, &["ls", "-p", "demo", "--host", &endless.url]);
    let took = started.elapsed();
    eprintln!("endless answer refused in {took:?}, peak RSS {peak} KiB");
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("the answer is larger than 128 MiB"), "{err}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    assert!(peak < 400 * 1024, "peak RSS {peak} KiB");
    assert_eq!(
        endless.count(LIST_PATH),
        1,
        "a refused answer is not retried"
    );
}
