//! A reader that goes away (`pxa … | head -n 1`): every command that prints results ends
//! quietly with exit 0, whatever the format. Each case pipes pxa into a real `head -n 1` and
//! first checks that its output is far larger than a pipe holds, so the write really fails.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::support::Pxa;
use crate::support::fake::{Server, ok, reply};
use crate::support::pxa;

/// Versions the fake lists; long names and descriptions make every format large.
const VERSIONS: usize = 1000;

/// A name of the longest length the server allows (128).
fn name(i: usize) -> String {
    format!("v{i:04}-{}", "n".repeat(122))
}

/// A registry of [`VERSIONS`] versions in `default/demo`, listed by offset and limit; the
/// detail of `v1` carries a large content.
fn registry() -> Server {
    Server::start(|req, _| {
        let base = "/api/v1/default/demo/versions/artifact";
        if req.path == base {
            let param = |k: &str, d: usize| req.param(k).and_then(|v| v.parse().ok()).unwrap_or(d);
            let (offset, limit) = (param("offset", 0), param("limit", 20));
            let end = (offset + limit).min(VERSIONS);
            let results: Vec<_> = (offset.min(end)..end)
                .map(|i| json!({"uuid": format!("u{i}"), "name": name(i), "description": "d".repeat(2000)}))
                .collect();
            let next = (end < VERSIONS).then_some("next");
            return ok(json!({"count": VERSIONS, "next": next, "results": results}).to_string());
        }
        match req.path.strip_prefix(&format!("{base}/")) {
            Some(n) => {
                let content: serde_json::Map<_, _> = (0..3000)
                    .map(|i| (format!("k{i}"), json!("v".repeat(60))))
                    .collect();
                let content = serde_json::Value::Object(content).to_string();
                ok(
                    json!({"uuid": "u", "name": n, "content": content, "meta_info": {}})
                        .to_string(),
                )
            }
            None => reply(404, "{}").into(),
        }
    })
}

/// Runs `cmd` into `head -n 1`; asserts exit 0, nothing on stderr and one line through.
fn into_head(cmd: &Pxa, what: &str) {
    let (code, full, err) = cmd.run();
    assert_eq!(code, 0, "{what}: {err}");
    // A pipe holds 64 KiB; `head -n1` reads 8 KiB at most before it goes away.
    assert!(
        full.len() > 96 << 10,
        "{what}: only {} bytes: a pipe would hold them",
        full.len()
    );
    let mut pxa = cmd
        .process()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let head = Command::new("head")
        .arg("-n1")
        .stdin(Stdio::from(pxa.stdout.take().unwrap()))
        .stdout(Stdio::piped())
        .output()
        .unwrap();
    let out = pxa.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let shown = String::from_utf8_lossy(&head.stdout);
    assert_eq!(out.status.code(), Some(0), "{what}: {err}");
    assert_eq!(err, "", "{what}");
    assert_eq!(shown.lines().count(), 1, "{what}: {shown}");
}

fn formats() -> Vec<Vec<&'static str>> {
    let mut out: Vec<Vec<&str>> = ["json", "yaml", "name", "tsv", "table"]
        .iter()
        .map(|f| vec!["-o", *f])
        .collect();
    out.push(vec!["--jq", ".[]?, .name?"]);
    out
}

#[test]
fn ls_and_get_end_quietly_in_every_format() {
    let server = registry();
    for format in formats() {
        let mut ls = pxa();
        ls.args(["ls", "-p", "demo", "--all", "--host", &server.url])
            .args(&format);
        into_head(&ls, &format!("ls {format:?}"));
        if format[1] == "name" {
            continue; // one name: nothing to cut
        }
        let mut get = pxa();
        get.args(["get", "demo:v1", "--host", &server.url])
            .args(&format);
        into_head(&get, &format!("get {format:?}"));
    }
}

#[test]
fn pull_as_json_and_verify_in_every_format_end_quietly() {
    let server = registry();
    let root = tempfile::tempdir().unwrap();
    let mut pull = pxa();
    pull.args([
        "pull",
        "-p",
        "demo",
        "-l",
        "300",
        "--no-artifacts",
        "--quiet",
    ])
    .args(["--host", &server.url, "-o", "json", "--path"])
    .arg(root.path());
    into_head(&pull, "pull -o json");
    // More pulled folders, for a verify report larger than a pipe holds.
    let pulled = root.path().join("artifacts");
    for entry in std::fs::read_dir(&pulled).unwrap() {
        let from = entry.unwrap().path();
        for copy in 0..2 {
            let to = pulled.join(format!(
                "{}-{copy}",
                from.file_name().unwrap().to_str().unwrap()
            ));
            copy_dir(&from, &to);
        }
    }
    for format in formats() {
        let mut verify = pxa();
        verify.arg("verify").arg(root.path()).args(&format);
        into_head(&verify, &format!("verify {format:?}"));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// A version whose one folder entry holds 2,000 long-named files, and a run with 1,000 lineage
/// entries: `files` and `lineage` print far more than a pipe holds.
fn inspected() -> Server {
    use crate::support::fake::{
        RUN_PATH, Store, UUID, VERSION_PATH, lin, run_detail, version_json,
    };
    let names: Vec<String> = (0..2000)
        .map(|i| format!("outputs/d/f{i:04}-{}.bin", "x".repeat(100)))
        .collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"1"[..])).collect();
    let store = Store::new(&files);
    let version = version_json("v1", json!([lin("d", "dir", "outputs/d")])).to_string();
    let lineage: Vec<_> = (0..1000)
        .map(|i| lin(&format!("e{i:04}-{}", "n".repeat(100)), "file", "outputs/x"))
        .collect();
    let lineage = json!({"count": 1000, "next": null, "results": lineage}).to_string();
    Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        p if p == format!("{RUN_PATH}/lineage/artifacts") => ok(lineage.clone()),
        _ => match store.answer(req) {
            Some(resp) => resp.into(),
            None => reply(404, format!("no {UUID} route")).into(),
        },
    })
}

#[test]
fn files_and_lineage_end_quietly_in_every_format() {
    let server = inspected();
    for format in formats() {
        let mut files = pxa();
        files
            .args(["files", "demo:v1", "--host", &server.url])
            .args(&format);
        into_head(&files, &format!("files {format:?}"));
        let mut lineage = pxa();
        lineage
            .args([
                "lineage",
                crate::support::fake::UUID,
                "-p",
                "demo",
                "--host",
                &server.url,
            ])
            .args(&format);
        into_head(&lineage, &format!("lineage {format:?}"));
    }
}
