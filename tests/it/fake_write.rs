//! Fake-server tests of the write commands, for what the sandbox cannot produce on demand:
//! auth failures, 409, the empty 405 of a failed write, and checks that nothing is sent. The
//! exact output of each failure is a snapshot.

use crate::support::snapshot::assert_outcome;
use crate::support::{block_on, pxa};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSIONS: &str = "/api/v1/default/demo/versions/artifact";
const V1: &str = "/api/v1/default/demo/versions/artifact/v1";

fn version_body() -> Value {
    json!({"uuid":"u1","name":"v1","description":"d","tags":["a"],"stage":"testing",
           "kind":"artifact","owner":"default","project":"demo","meta_info":{}})
}

/// What a run of pxa against the fake produced, and what the fake received.
struct Outcome {
    code: i32,
    out: String,
    err: String,
    received: Vec<(String, String, Option<Value>)>,
    /// The fake's address (`[SERVER]` in snapshots).
    server: String,
}

impl Outcome {
    fn methods(&self) -> Vec<String> {
        self.received
            .iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }
}

/// Starts a fake with `mocks`, runs `pxa ARGS --host <fake>` (stdin closed, not a TTY).
fn scenario(mocks: Vec<Mock>, args: &[&str]) -> Outcome {
    block_on(async {
        let server = MockServer::start().await;
        for m in mocks {
            m.mount(&server).await;
        }
        let (code, out, err) = pxa()
            .env("POLYAXON_AUTH_TOKEN", "tok-SECRET-9")
            .args(args)
            .args(["--host", &server.uri()])
            .run_async()
            .await;
        let received = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                let body = serde_json::from_slice(&r.body).ok();
                (r.method.to_string(), r.url.path().to_string(), body)
            })
            .collect();
        Outcome {
            code,
            out,
            err,
            received,
            server: server.uri(),
        }
    })
}

fn answer(verb: &str, at: &str, status: u16, body: Option<Value>) -> Mock {
    let mut template = ResponseTemplate::new(status);
    template = match body {
        Some(b) => template.set_body_json(b),
        None => template.insert_header("content-type", "text/html; charset=utf-8"),
    };
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(template)
}

fn absent() -> Mock {
    answer(
        "GET",
        V1,
        404,
        Some(json!({"detail":"No ProjectVersion matches the given query."})),
    )
}

#[test]
fn register_auth_failures_exit_4_and_write_nothing() {
    for status in [401, 403] {
        let o = scenario(
            vec![answer(
                "GET",
                V1,
                status,
                Some(json!({"detail":"Invalid token."})),
            )],
            &["register", "demo:v1", "--description", "d"],
        );
        assert_eq!(o.code, 4, "{status}: {}", o.err);
        assert!(o.err.contains("Invalid token."), "{}", o.err);
        assert_eq!(
            o.methods(),
            [format!("GET {V1}")],
            "no write after a failed read"
        );
        assert!(!o.err.contains("SECRET"), "{}", o.err);
        assert_outcome!(o.code, o.out, o.err, server = o.server);
    }
}

#[test]
fn write_auth_failures_exit_4() {
    let o = scenario(
        vec![answer(
            "PATCH",
            V1,
            403,
            Some(json!({"detail":"Not allowed."})),
        )],
        &["update", "demo:v1", "--description", "x"],
    );
    assert_eq!(o.code, 4, "{}", o.err);
    assert!(o.err.contains("Not allowed."), "{}", o.err);
    assert_outcome!(o.code, o.out, o.err, server = o.server);
}

#[test]
fn conflict_409_exits_5() {
    let o = scenario(
        vec![
            absent(),
            answer("POST", VERSIONS, 409, Some(json!({"detail":"conflict"}))),
        ],
        &["register", "demo:v1"],
    );
    assert_eq!(o.code, 5, "{}", o.err);
    assert_eq!(
        o.methods(),
        [format!("GET {V1}"), format!("POST {VERSIONS}")]
    );
    assert_outcome!(o.code, o.out, o.err, server = o.server);
}

#[test]
fn empty_405_on_a_write_is_a_server_failure_not_a_missing_endpoint() {
    let cases: [(Vec<Mock>, Vec<&str>); 3] = [
        (
            vec![absent(), answer("POST", VERSIONS, 405, None)],
            vec!["register", "demo:v1", "--tags", "a"],
        ),
        (
            vec![
                answer(
                    "GET",
                    &format!("{V1}/stages"),
                    200,
                    Some(json!({"stage": "testing"})),
                ),
                answer("POST", &format!("{V1}/stages"), 405, None),
            ],
            vec!["stage", "demo:v1", "--to", "staging"],
        ),
        (
            vec![answer("PATCH", V1, 405, None)],
            vec!["update", "demo:v1", "--description", "x"],
        ),
    ];
    for (mocks, args) in cases {
        let o = scenario(mocks, &args);
        assert_eq!(o.code, 1, "{args:?}: {}", o.err);
        assert!(o.err.contains("the server failed"), "{}", o.err);
        assert!(!o.err.contains("does not exist"), "{}", o.err);
        assert!(o.err.contains("hint: "), "{}", o.err);
        // Writes are sent once: a blind retry could apply twice.
        let writes = o.received.iter().filter(|(m, _, _)| m != "GET").count();
        assert_eq!(writes, 1, "{args:?}: {:?}", o.methods());
        assert_outcome!(
            o.code,
            o.out,
            o.err,
            server = o.server,
            name = format!("empty_405_on_{}", args[0])
        );
    }
}

#[test]
fn delete_without_tty_and_without_yes_refuses_before_any_request() {
    let o = scenario(
        vec![
            answer("GET", V1, 200, Some(version_body())),
            answer("DELETE", V1, 204, None),
        ],
        &["delete", "demo:v1"],
    );
    assert_eq!(o.code, 2, "{}", o.err);
    assert!(o.err.contains("-y/--yes"), "{}", o.err);
    assert!(o.received.is_empty(), "{:?}", o.methods());
}

#[test]
fn delete_with_yes_sends_the_delete() {
    let o = scenario(
        vec![
            answer("GET", V1, 200, Some(version_body())),
            answer("DELETE", V1, 204, None),
        ],
        &["delete", "demo:v1", "-y", "-o", "name"],
    );
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.out, "v1\n");
    assert_eq!(o.methods(), [format!("GET {V1}"), format!("DELETE {V1}")]);
}

#[test]
fn dry_run_sends_no_write_and_never_the_token() {
    let o = scenario(
        vec![absent()],
        &[
            "register",
            "demo:v1",
            "--tags",
            "b, a,b",
            "--content",
            "{\"k\": 1}",
            "--connection",
            "s3-store",
            "--dry-run",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.methods(), [format!("GET {V1}")]);
    let printed: Value = serde_json::from_str(&o.out).unwrap();
    assert_eq!(printed["method"], "POST");
    assert!(printed["url"].as_str().unwrap().ends_with(VERSIONS));
    assert_eq!(
        printed["body"],
        json!({"name":"v1","content":"{\"k\": 1}","connection":"s3-store","tags":["b","a"],"kind":"artifact"})
    );
    assert!(!o.out.contains("SECRET") && !o.err.contains("SECRET"));
}

#[test]
fn invalid_input_is_refused_before_any_request() {
    let cases: [&[&str]; 8] = [
        &["register", "demo:v1", "--content", "not json: ["],
        &["register", "demo:v1", "--content", "{}"],
        &["copy", "demo:v1", "--content", "just words"],
        &["register", "demo:v1", "--content", "[1, 2]"],
        &["register", "demo:v1", "--run-uid", "1234"],
        &["update", "demo:v1"],
        &["update", "demo:v1", "--name", "bad name"],
        &["--kind", "component", "register", "demo:c1"],
    ];
    for args in cases {
        let o = scenario(vec![], args);
        assert_eq!(o.code, 2, "{args:?}: {}", o.err);
        assert!(
            o.err.contains("error: ") && o.err.contains("hint: "),
            "{}",
            o.err
        );
        assert!(o.received.is_empty(), "{args:?}: {:?}", o.methods());
    }
}

#[test]
fn wait_times_out_with_exit_7() {
    let stages = json!({"uuid":"u1","stage":"staging","stage_conditions":[]});
    let started = std::time::Instant::now();
    let o = scenario(
        vec![answer("GET", &format!("{V1}/stages"), 200, Some(stages))],
        &[
            "wait",
            "demo:v1",
            "--for",
            "production",
            "--timeout",
            "2s",
            "--interval",
            "300ms",
        ],
    );
    assert_eq!(o.code, 7, "{}", o.err);
    assert!(o.err.contains("did not reach `production`"), "{}", o.err);
    assert!(o.err.contains("staging"), "{}", o.err);
    assert!(o.out.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(o.received.len() >= 3, "polled {} times", o.received.len());
    assert_outcome!(o.code, o.out, o.err, server = o.server);
}

#[test]
fn stage_to_the_stage_it_is_in_sends_nothing_unless_forced() {
    let stages = json!({"uuid": "u1", "stage": "production", "stage_conditions": []});
    let mut version = version_body();
    version["stage"] = json!("production");
    let mocks = || {
        vec![
            answer("GET", &format!("{V1}/stages"), 200, Some(stages.clone())),
            answer("GET", V1, 200, Some(version.clone())),
            answer(
                "POST",
                &format!("{V1}/stages"),
                200,
                Some(json!({"stage": null})),
            ),
        ]
    };
    let o = scenario(
        mocks(),
        &["stage", "demo:v1", "--to", "production", "-o", "name"],
    );
    assert_eq!(o.code, 0, "{}", o.err);
    assert_eq!(o.out, "v1\n");
    assert!(
        o.methods().iter().all(|m| m.starts_with("GET ")),
        "{:?}",
        o.methods()
    );
    assert_outcome!(o.code, o.out, o.err, server = o.server);
    let o = scenario(
        mocks(),
        &[
            "stage",
            "demo:v1",
            "--to",
            "production",
            "--force",
            "-o",
            "name",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.err);
    let posts = o
        .methods()
        .iter()
        .filter(|m| m.starts_with("POST "))
        .count();
    assert_eq!(posts, 1, "{:?}", o.methods());
}
