//! Fake-server tests for what the real sandbox cannot do on demand: error shapes, auth
//! failures, retries, gzip, malformed bodies. Each checks the exit code and the message; the
//! exact output of each kind of error answer is a snapshot.

use std::io::Write;

use crate::support::snapshot::assert_outcome;
use crate::support::{block_on, pxa, pxa_in, run};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VERSION_PATH: &str = "/api/v1/default/demo/versions/artifact/v1";
const LIST_PATH: &str = "/api/v1/default/demo/versions/artifact";

fn version_body() -> serde_json::Value {
    json!({"uuid":"u1","name":"v1","description":"d","tags":["a"],"stage":"testing","kind":"artifact",
           "owner":"default","project":"demo","created_at":"2026-11-27T14:26:51.704367Z","meta_info":{}})
}

/// Mounts one answer for GET v1 and returns (code, stdout, stderr) of `pxa get`.
fn answer(status: u16, content_type: &str, body: &str) -> (i32, String, String) {
    let (code, out, err, _) = answer_at(status, content_type, body);
    (code, out, err)
}

/// [`answer`], with the fake server's address.
fn answer_at(status: u16, content_type: &str, body: &str) -> (i32, String, String, String) {
    block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", content_type)
                    .set_body_string(body),
            )
            .mount(&server)
            .await;
        let uri = server.uri();
        let (code, out, err) = pxa()
            .args(["get", "-p", "demo", "--version", "v1", "--host", &uri])
            .run_async()
            .await;
        (code, out, err, uri)
    })
}

/// The exit code and the exact output of `pxa get` for each kind of error answer (snapshots
/// `it__fake_server__get_<case>.snap`).
#[test]
fn each_error_answer_has_its_exit_code_and_message() {
    let json = "application/json";
    let cases = [
        (
            "bad_request_400",
            400,
            json,
            r#"{"name":["Enter a valid value."]}"#,
        ),
        (
            "unauthorized_401",
            401,
            json,
            r#"{"detail":"Invalid token."}"#,
        ),
        ("forbidden_403", 403, json, r#"{"detail":"Not allowed."}"#),
        (
            "not_found_404",
            404,
            json,
            r#"{"detail":"No ProjectVersion matches the given query."}"#,
        ),
        ("conflict_409", 409, json, r#"{"detail":"conflict"}"#),
        (
            "html_page_418",
            418,
            "text/html",
            "<html><title>Teapot</title></html>",
        ),
        ("server_error_500", 500, json, r#"{"detail":"boom"}"#),
        (
            "malformed_json_200",
            200,
            json,
            r#"{"uuid": "u1", "name": "#,
        ),
    ];
    for (case, status, content_type, body) in cases {
        let (code, out, err, server) = answer_at(status, content_type, body);
        assert_outcome!(
            code,
            out,
            err,
            server = server,
            name = format!("get_{case}")
        );
    }
}

#[test]
fn detail_body_404_exits_3_with_message() {
    let (code, out, err) = answer(
        404,
        "application/json",
        r#"{"detail":"No ProjectVersion matches the given query."}"#,
    );
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert!(err.starts_with("error: GET http://127.0.0.1:"), "{err}");
    assert!(
        err.contains("404 Not Found: No ProjectVersion matches the given query."),
        "{err}"
    );
    assert!(err.contains("\nhint: "), "{err}");
}

#[test]
fn unauthorized_and_forbidden_exit_4() {
    for status in [401, 403] {
        let (code, _, err) = answer(status, "application/json", r#"{"detail":"Invalid token."}"#);
        assert_eq!(code, 4, "{status}: {err}");
        assert!(err.contains("Invalid token."), "{err}");
        assert!(err.contains("hint: check the token"), "{err}");
    }
}

#[test]
fn conflict_exits_5() {
    let (code, _, err) = answer(409, "application/json", r#"{"detail":"conflict"}"#);
    assert_eq!(code, 5, "{err}");
}

#[test]
fn field_map_and_bare_list_bodies_are_shown() {
    let (code, _, err) = answer(
        400,
        "application/json",
        r#"{"name":["Enter a valid value."]}"#,
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("name: Enter a valid value."), "{err}");
    let (code, _, err) = answer(
        400,
        "application/json",
        r#"["Error applying or resolving queryset"]"#,
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("Error applying or resolving queryset"),
        "{err}"
    );
}

#[test]
fn plain_text_and_html_bodies_are_shown() {
    let (code, _, err) = answer(404, "text/html", "Artifact not found: filepath=x");
    assert_eq!(code, 3);
    assert!(err.contains("Artifact not found: filepath=x"), "{err}");
    let (code, _, err) = answer(418, "text/html", "<html><title>Teapot</title></html>");
    assert_eq!(code, 1);
    assert!(err.contains("HTML page: Teapot"), "{err}");
}

#[test]
fn malformed_json_is_a_clear_failure() {
    let (code, out, err) = answer(200, "application/json", r#"{"uuid": "u1", "name": "#);
    assert_eq!(code, 1, "{err}");
    assert!(out.is_empty());
    assert!(err.contains("not valid JSON"), "{err}");
}

#[test]
fn server_errors_on_reads_are_retried_then_succeed() {
    block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(version_body()))
            .mount(&server)
            .await;
        let uri = server.uri();
        let args = [
            "get",
            "-p",
            "demo",
            "--version",
            "v1",
            "-o",
            "name",
            "--host",
            &uri,
        ];
        let (code, out, err) = pxa().args(args).run_async().await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "v1\n");
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    });
}

#[test]
fn persistent_server_errors_stop_after_three_attempts() {
    block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let uri = server.uri();
        let (code, _, err) = pxa()
            .args(["get", "-p", "demo", "--version", "v1", "--host", &uri])
            .run_async()
            .await;
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("500 Internal Server Error"), "{err}");
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    });
}

fn get_v1_blocking(uri: &str, home: &std::path::Path) -> (i32, String, String) {
    run(pxa_in(home).args(["get", "-p", "demo", "--version", "v1", "--host", uri]))
}

#[test]
fn headers_token_service_and_user_agent_are_sent_and_token_never_printed() {
    block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .and(header("authorization", "Token tok-SECRET-123"))
            .and(header("x-polyaxon-service", "2.18.0"))
            .and(header(
                "user-agent",
                concat!("pxa/", env!("CARGO_PKG_VERSION")),
            ))
            .respond_with(ResponseTemplate::new(404).set_body_json(json!({"detail":"nope"})))
            .mount(&server)
            .await;
        let uri = server.uri();
        let (code, out, err) = pxa()
            .args(["-v", "get", "-p", "demo", "--version", "v1", "--host", &uri])
            .env("POLYAXON_AUTH_TOKEN", "tok-SECRET-123")
            .run_async()
            .await;
        // 404 with the body proves the header matchers matched (else wiremock answers 404 empty).
        assert_eq!(code, 3, "{err}");
        assert!(err.contains("nope"), "{err}");
        assert!(err.contains("debug: > GET"), "{err}");
        assert!(
            !out.contains("SECRET") && !err.contains("SECRET"),
            "{out}{err}"
        );
    });
}

#[test]
fn gzip_lists_are_decoded_and_pages_followed() {
    block_on(async {
        let server = MockServer::start().await;
        let item = |i: usize| json!({"uuid": format!("u{i}"), "name": format!("v{i:03}"), "stage": "testing", "kind": "artifact"});
        let page1: Vec<_> = (0..100).map(item).collect();
        let page2: Vec<_> = (100..130).map(item).collect();
        let gz = |v: serde_json::Value| {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(v.to_string().as_bytes()).unwrap();
            enc.finish().unwrap()
        };
        let next = format!("{}{}?limit=100&offset=100", server.uri(), LIST_PATH);
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .and(wiremock::matchers::query_param("offset", "0"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", "gzip")
                    .insert_header("content-type", "application/json")
                    .set_body_bytes(gz(
                        json!({"count":130,"next":next,"previous":null,"results":page1}),
                    )),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(LIST_PATH))
            .and(wiremock::matchers::query_param("offset", "100"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", "gzip")
                    .insert_header("content-type", "application/json")
                    .set_body_bytes(gz(
                        json!({"count":130,"next":null,"previous":"x","results":page2}),
                    )),
            )
            .mount(&server)
            .await;
        let uri = server.uri();
        let (code, out, err) = pxa()
            .args(["ls", "-p", "demo", "--all", "-o", "name", "--host", &uri])
            .run_async()
            .await;
        assert_eq!(code, 0, "{err}");
        let names: Vec<&str> = out.lines().collect();
        assert_eq!(names.len(), 130);
        assert_eq!(names[0], "v000");
        assert_eq!(names[129], "v129");
    });
}

#[test]
fn unreachable_server_exits_8() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let home = tempfile::tempdir().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let (code, out, err) = get_v1_blocking(&url, home.path());
    assert_eq!(code, 8, "{err}");
    assert!(err.contains("hint: is the server running"), "{err}");
    assert_outcome!(code, out, err, server = url);
}

#[test]
fn jq_filters_output_and_a_bad_expression_sends_nothing() {
    block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path(VERSION_PATH))
            .respond_with(ResponseTemplate::new(200).set_body_json(version_body()))
            .mount(&server)
            .await;
        let uri = server.uri();
        let jq = ".tags[0], .name, .meta_info";
        let (code, out, err) = pxa()
            .args(["get", "demo:v1", "--jq", jq, "--host", &uri])
            .run_async()
            .await;
        assert_eq!(code, 0, "{err}");
        assert_eq!(out, "a\nv1\n{}\n");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
        let (code, out, err) = pxa()
            .args(["get", "demo:v1", "--jq", ".[", "--host", &uri])
            .run_async()
            .await;
        assert_eq!(code, 2, "{err}");
        assert!(out.is_empty());
        assert!(err.contains("invalid --jq expression"), "{err}");
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            1,
            "nothing more was sent"
        );
    });
}
