//! `pxa wait --timeout` is how long to wait for the stage, not how long one request may take:
//! a request that gets no answer gives up after the normal request timeout, failed polls are
//! retried until the deadline with a line on stderr, and a server never reached is exit 8.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::fake::{Server, ok};
use crate::support::pxa;

const STAGES: &str = "/api/v1/default/demo/versions/artifact/v1/stages";

#[test]
fn a_request_without_an_answer_gives_up_after_the_request_timeout_and_the_poll_is_retried() {
    // The first poll is never answered (as behind a dropped connection); the next ones are.
    let server = Server::start(|req, nth| {
        if req.path == STAGES {
            if nth == 1 {
                std::thread::sleep(Duration::from_secs(60));
            }
            return ok(json!({"uuid": "u1", "stage": "production"}).to_string());
        }
        ok(json!({"uuid": "u1", "name": "v1", "stage": "production"}).to_string())
    });
    let started = Instant::now();
    let (code, out, err) = pxa()
        .env("POLYAXON_TIMEOUT", "1")
        .args(["wait", "demo:v1", "--for", "production", "--timeout", "2h"])
        .args(["--interval", "100ms", "-o", "name", "--host", &server.url])
        .timeout(Duration::from_secs(30))
        .run();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "v1\n");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines[0].starts_with("warning: GET "), "{err}");
    assert!(
        lines[0].ends_with("; still waiting (until the --timeout)"),
        "{err}"
    );
    assert!(lines[1].ends_with(" default/demo:v1: production"), "{err}");
}

#[test]
fn a_server_never_reached_is_exit_8_after_retrying_until_the_deadline() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let host = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let started = Instant::now();
    let (code, out, err) = pxa()
        .args(["wait", "demo:v1", "--for", "production", "--timeout", "3s"])
        .args(["--interval", "200ms", "--host", &host])
        .timeout(Duration::from_secs(30))
        .run();
    assert_eq!(code, 8, "{err}");
    assert_eq!(out, "");
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    let retried = err.matches("; still waiting").count();
    assert!(retried >= 2, "{err}");
    let last: Vec<&str> = err.lines().rev().take(2).collect();
    assert!(
        last[1].starts_with("error: the server was never reached in 3s of waiting: GET "),
        "{err}"
    );
    assert!(last[0].starts_with("hint: is the server running"), "{err}");
}
