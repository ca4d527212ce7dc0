//! Fake-server failures of `pxa upload`: a 500 registers nothing and marks the run failed, a
//! late answer is given up on, `--verify` catches other bytes; and `push` takes the kind from
//! the pulled folder.

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, ResponseTemplate};

use super::{RUNS, UUID, V1, answer, folder, not_found, run_path, s, scenario, streams};
use crate::support::snapshot::assert_outcome;

/// The mocks of pxa's own run `upload-v1` (created, empty store), with `upload` answering
/// the file uploads.
fn own_run(upload: ResponseTemplate) -> Vec<Mock> {
    let missing = json!({"files": {}, "dirs": [],
        "error": "Could not list path. Error [Errno 2] No such file or directory: '/srv/x'"});
    vec![
        answer("GET", V1, 404, not_found()),
        answer(
            "GET",
            RUNS,
            200,
            json!({"count": 0, "next": null, "results": []}),
        ),
        answer(
            "POST",
            RUNS,
            201,
            json!({"uuid": UUID, "name": "upload-v1"}),
        ),
        answer(
            "GET",
            &run_path(""),
            200,
            json!({"uuid": UUID, "name": "upload-v1",
            "settings": {"namespace": "polyaxon"}}),
        ),
        answer("POST", &run_path("/statuses"), 201, json!({})),
        answer("GET", &streams("artifacts/tree"), 200, missing),
        Mock::given(method("POST"))
            .and(path(streams("artifact")))
            .respond_with(upload),
    ]
}

#[test]
fn a_failed_upload_registers_nothing_and_marks_the_run_failed() {
    let dir = folder();
    let o = scenario(
        own_run(ResponseTemplate::new(500).set_body_string("disk full")),
        &[
            "upload",
            s(&dir.path().join("f.bin")),
            "-p",
            "demo",
            "--version",
            "v1",
            "--retries",
            "0",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.err);
    let writes = o.writes();
    assert!(
        !writes
            .iter()
            .any(|w| w.contains("/versions/") || w.contains("/lineage/")),
        "{writes:?}"
    );
    let statuses: Vec<Value> = o
        .received
        .iter()
        .filter(|(m, p, _)| m == "POST" && p.ends_with("/statuses"))
        .map(|(_, _, b)| serde_json::from_slice(b).unwrap())
        .collect();
    let types: Vec<&str> = statuses
        .iter()
        .map(|s| s["condition"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["running", "failed"]);
    assert!(statuses.iter().all(|s| s["force"] == true));
    // The upload itself: explicit path, untar and overwrite, the file's name as the part's.
    let (_, _, body) = o
        .received
        .iter()
        .find(|(m, p, _)| m == "POST" && p.ends_with("/artifact"))
        .unwrap_or_else(|| panic!("{:?}\n{}", o.writes(), o.err));
    let body = String::from_utf8_lossy(body);
    assert!(
        body.contains(r#"{"path":"outputs","untar":false,"overwrite":false}"#),
        "{body}"
    );
    assert!(
        body.contains(r#"name="upload_file"; filename="f.bin""#),
        "{body}"
    );
    assert!(body.contains("\r\n\r\nhello\r\n"), "{body}");
    assert_outcome!(o.code, o.out, o.err, server = o.server);
}

#[test]
fn a_late_answer_is_given_up_on_with_exit_8() {
    let dir = folder();
    let slow = ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(6));
    let o = scenario(
        own_run(slow),
        &[
            "upload",
            s(&dir.path().join("f.bin")),
            "-p",
            "demo",
            "--version",
            "v1",
            "--retries",
            "0",
            "--timeout",
            "1",
        ],
    );
    assert_eq!(o.code, 8, "{}", o.err);
    assert!(
        o.err.contains("no answer 1 s after the last byte was sent"),
        "{}",
        o.err
    );
    assert!(
        !o.writes().iter().any(|w| w.contains("/versions/")),
        "{:?}",
        o.writes()
    );
}

#[test]
fn verify_reads_every_file_back_and_other_bytes_exit_9() {
    let dir = folder();
    let mocks = vec![
        answer("GET", V1, 404, not_found()),
        answer(
            "GET",
            &run_path(""),
            200,
            json!({"uuid": UUID, "name": "trainer",
            "settings": {"namespace": "polyaxon"}}),
        ),
        answer(
            "GET",
            &run_path("/lineage/artifacts"),
            200,
            json!({"count": 0, "next": null, "results": []}),
        ),
        // The run already holds f.bin with the local size: nothing is sent.
        answer(
            "GET",
            &streams("artifacts/tree"),
            200,
            json!({"files": {"f.bin": 5}, "dirs": []}),
        ),
        Mock::given(method("GET"))
            .and(path(streams("artifact")))
            .and(query_param("path", "outputs/f.bin"))
            .and(query_param("force", "true"))
            .respond_with(ResponseTemplate::new(200).set_body_string("HELLO")),
    ];
    let file = dir.path().join("f.bin");
    let args = [
        "upload",
        s(&file),
        "-p",
        "demo",
        "--version",
        "v1",
        "--run-uid",
        UUID,
        "--verify",
    ];
    let o = scenario(mocks, &args);
    assert_eq!(o.code, 9, "{}", o.err);
    assert!(
        o.writes().is_empty(),
        "nothing sent, nothing registered: {:?}",
        o.writes()
    );
    assert!(o.err.contains("the server holds other bytes"), "{}", o.err);
}

/// Issue 14, item 4: a pulled model folder pushes as a model without `--kind model`.
#[test]
fn push_takes_the_kind_from_the_version_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = json!({"name": "m1", "kind": "model", "owner": "default", "project": "demo",
        "description": "from disk", "meta_info": {}});
    std::fs::write(dir.path().join("version.plx.json"), file.to_string()).unwrap();
    let models = "/api/v1/default/demo/versions/model";
    let o = scenario(
        vec![answer("GET", &format!("{models}/m1"), 404, not_found())],
        &["push", s(dir.path()), "--dry-run"],
    );
    assert_eq!(o.code, 0, "{}", o.err);
    let plan: Value = serde_json::from_str(&o.out).unwrap();
    assert_eq!(plan["method"], "POST");
    assert!(plan["url"].as_str().unwrap().ends_with(models), "{plan}");
    assert_eq!(plan["body"]["kind"], "model");
    // A --kind that disagrees with the file is refused before any request.
    let o = scenario(vec![], &["push", s(dir.path()), "--kind", "artifact"]);
    assert_eq!(o.code, 2, "{}", o.err);
    assert!(o.received.is_empty());
    assert!(
        o.err
            .contains("holds a model version, and --kind says artifact"),
        "{}",
        o.err
    );
}

/// With `--progress none` (or `json`), a retried read is not a `warning:` line on stderr: the
/// upload's progress tells it (nothing, or a JSON event), like a pull's.
#[test]
fn a_retried_read_is_told_by_the_progress_not_as_a_warning() {
    let dir = folder();
    let mocks = vec![
        Mock::given(method("GET"))
            .and(path(V1))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1),
        answer("GET", V1, 404, not_found()),
        answer(
            "GET",
            &run_path(""),
            200,
            json!({"uuid": UUID, "name": "trainer",
            "settings": {"namespace": "polyaxon"}}),
        ),
        answer(
            "GET",
            &run_path("/lineage/artifacts"),
            200,
            json!({"count": 0, "next": null, "results": []}),
        ),
        answer(
            "GET",
            &streams("artifacts/tree"),
            200,
            json!({"files": {"f.bin": 5}, "dirs": []}),
        ),
    ];
    let file = dir.path().join("f.bin");
    let args = [
        "upload",
        s(&file),
        "-p",
        "demo",
        "--version",
        "v1",
        "--run-uid",
        UUID,
        "--dry-run",
    ];
    let o = scenario(mocks, &args);
    assert_eq!(o.code, 0, "{}", o.err);
    let gets = o.received.iter().filter(|(m, p, _)| m == "GET" && p == V1);
    assert_eq!(gets.count(), 2, "the version was read again after the 503");
    assert!(!o.err.contains("warning:"), "{}", o.err);
}
