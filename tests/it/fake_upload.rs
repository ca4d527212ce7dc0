//! Fake-server tests of `pxa upload` (and `push`'s kind): every refusal exits with its code
//! and sends nothing (the fake counts every request), a server failure registers no version
//! and marks the run failed, a late answer is bounded, and `--verify` catches other bytes.
//! The sandbox suite (`e2e/upload.rs`) covers the real server; [`faults`] has the failures.

use std::path::Path;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::snapshot::assert_outcome;
use crate::support::{block_on, pxa};

mod faults;

const UUID: &str = "0123456789abcdef0123456789abcdef";
const V1: &str = "/api/v1/default/demo/versions/artifact/v1";
const RUNS: &str = "/api/v1/default/demo/runs";

fn run_path(tail: &str) -> String {
    format!("{RUNS}/{UUID}{tail}")
}

fn streams(tail: &str) -> String {
    format!("/streams/v1/polyaxon/default/demo/runs/{UUID}/{tail}")
}

/// What pxa printed and what the fake received: (method, path?query, body).
struct Outcome {
    code: i32,
    out: String,
    err: String,
    received: Vec<(String, String, Vec<u8>)>,
    server: String,
}

impl Outcome {
    fn writes(&self) -> Vec<String> {
        self.received
            .iter()
            .filter(|(m, _, _)| m != "GET")
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    }
}

fn scenario(mocks: Vec<Mock>, args: &[&str]) -> Outcome {
    block_on(async {
        let server = MockServer::start().await;
        for m in mocks {
            m.mount(&server).await;
        }
        let mut cmd = pxa();
        cmd.args(args).args(["--host", &server.uri()]);
        if args[0] == "upload" {
            cmd.args(["--progress", "none"]);
        }
        let (code, out, err) = cmd.run_async().await;
        let received = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .map(|r| {
                let at = match r.url.query() {
                    Some(q) => format!("{}?{q}", r.url.path()),
                    None => r.url.path().to_string(),
                };
                (r.method.to_string(), at, r.body)
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

fn answer(verb: &str, at: &str, status: u16, body: Value) -> Mock {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
}

fn not_found() -> Value {
    json!({"detail": "No ProjectVersion matches the given query."})
}

/// A folder with `a.txt` (3 bytes) and `sub/b.bin` (5 bytes).
fn folder() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("data/sub")).unwrap();
    std::fs::write(dir.path().join("data/a.txt"), "abc").unwrap();
    std::fs::write(dir.path().join("data/sub/b.bin"), "12345").unwrap();
    std::fs::write(dir.path().join("f.bin"), "hello").unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Each refusal: exit 2, one error and hint, no request at all.
#[test]
fn every_refusal_exits_2_before_the_first_request() {
    let dir = folder();
    let d = dir.path();
    std::os::unix::fs::symlink(d.join("f.bin"), d.join("link")).unwrap();
    let inner = d.join("with-link");
    std::fs::create_dir_all(&inner).unwrap();
    std::fs::write(inner.join("ok.txt"), "x").unwrap();
    std::os::unix::fs::symlink("/etc/hostname", inner.join("out")).unwrap();
    let fifo = d.join("with-fifo");
    std::fs::create_dir_all(&fifo).unwrap();
    let c = std::ffi::CString::new(s(&fifo.join("pipe"))).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let odd = d.join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join("back\\slash.txt"), "x").unwrap();
    let empty = d.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let twin = d.join("twin");
    std::fs::create_dir_all(&twin).unwrap();
    std::fs::write(twin.join("f.bin"), "other").unwrap();
    let data = s(&d.join("data")).to_string();
    let file = s(&d.join("f.bin")).to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("link_as_path", vec![s(&d.join("link")).into()]),
        ("link_inside_a_folder", vec![s(&inner).into()]),
        ("fifo_inside_a_folder", vec![s(&fifo).into()]),
        ("name_the_server_would_change", vec![s(&odd).into()]),
        ("missing_path", vec![s(&d.join("nope")).into()]),
        ("empty_folder", vec![s(&empty).into()]),
        (
            "same_name_twice",
            vec![file.clone(), s(&twin.join("f.bin")).into()],
        ),
        (
            "entry_with_two_paths",
            vec![file.clone(), data.clone(), "--entry".into(), "x".into()],
        ),
        (
            "to_the_run_root",
            vec![data.clone(), "--to".into(), "/".into()],
        ),
        (
            "to_outside_the_run",
            vec![data.clone(), "--to".into(), "../up".into()],
        ),
        (
            "component_kind",
            vec![data.clone(), "--kind".into(), "component".into()],
        ),
        (
            "bad_entry_name",
            vec![file.clone(), "--entry".into(), "a/b".into()],
        ),
    ];
    for (name, extra) in cases {
        let mut args = vec!["upload", "-p", "demo", "--version", "v1"];
        args.extend(extra.iter().map(String::as_str));
        let o = scenario(vec![], &args);
        assert_eq!(o.code, 2, "{name}: {}", o.err);
        assert!(o.received.is_empty(), "{name}: {:?}", o.received);
        assert_outcome!(
            o.code,
            o.out,
            o.err,
            server = o.server,
            name = format!("upload_refused_{name}")
        );
    }
}

#[test]
fn an_existing_version_exits_5_and_nothing_is_written() {
    let dir = folder();
    let o = scenario(
        vec![answer(
            "GET",
            V1,
            200,
            json!({"name": "v1", "kind": "artifact"}),
        )],
        &[
            "upload",
            s(&dir.path().join("data")),
            "-p",
            "demo",
            "--version",
            "v1",
        ],
    );
    assert_eq!(o.code, 5, "{}", o.err);
    assert!(o.writes().is_empty(), "{:?}", o.writes());
    assert_outcome!(o.code, o.out, o.err, server = o.server);
}

/// A given run whose lineage or store disagrees with the upload: exit 5, no write.
#[test]
fn a_given_runs_lineage_and_files_are_never_overwritten_without_force() {
    let dir = folder();
    let file = dir.path().join("f.bin");
    let base = || {
        vec![
            answer("GET", V1, 404, not_found()),
            answer(
                "GET",
                &run_path(""),
                200,
                json!({"uuid": UUID, "name": "trainer",
                "settings": {"namespace": "polyaxon"}}),
            ),
        ]
    };
    let lineage = |entries: Value| {
        answer(
            "GET",
            &run_path("/lineage/artifacts"),
            200,
            json!({"count": 1, "next": null, "results": entries}),
        )
    };
    let tree = |p: &str, files: Value| {
        Mock::given(method("GET"))
            .and(path(streams("artifacts/tree")))
            .and(query_param("path", p))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"files": files, "dirs": []})),
            )
    };
    let mut repoint = base();
    repoint.push(lineage(json!([{"name": "f.bin", "kind": "file",
        "path": format!("{UUID}/outputs/elsewhere.bin")}])));
    let o = scenario(
        repoint,
        &[
            "upload",
            s(&file),
            "-p",
            "demo",
            "--version",
            "v1",
            "--run-uid",
            UUID,
        ],
    );
    assert_eq!(o.code, 5, "{}", o.err);
    assert!(o.writes().is_empty(), "{:?}", o.writes());
    assert_outcome!(
        o.code,
        o.out,
        o.err,
        server = o.server,
        name = "upload_would_repoint_a_lineage_name"
    );

    let mut differs = base();
    differs.push(lineage(json!([])));
    differs.push(tree("outputs/f.bin", json!({"f.bin": 9})));
    differs.push(tree("outputs", json!({"f.bin": 9})));
    let o = scenario(
        differs,
        &[
            "upload",
            s(&file),
            "-p",
            "demo",
            "--version",
            "v1",
            "--run-uid",
            UUID,
        ],
    );
    assert_eq!(o.code, 5, "{}", o.err);
    assert!(o.writes().is_empty(), "{:?}", o.writes());
    assert_outcome!(
        o.code,
        o.out,
        o.err,
        server = o.server,
        name = "upload_would_replace_a_file_of_the_run"
    );
}
