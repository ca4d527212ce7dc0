//! The token never shows: every command family, with the token from `--token` or
//! `POLYAXON_AUTH_TOKEN`, with `-v` and `--dry-run`, against servers that answer 404, 500, or
//! echo the Authorization header back in their error, an unreachable host, and a real pull.
//! stdout, stderr and every file written are searched; no run may panic.
#![allow(clippy::print_stderr)]

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::support::fake::*;
use crate::support::files::walk;
use crate::support::pxa_in;

const TOKEN: &str = "pxaTOKENq7Zr19xK";

/// Runs pxa with the token from the flag (`env` false) or the variable; checks both streams.
fn run_checked(home: &Path, args: &[&str], env: bool) -> (i32, String, String) {
    let mut cmd = pxa_in(home);
    cmd.arg("-v").args(args).timeout(Duration::from_secs(60));
    if env {
        cmd.env("POLYAXON_AUTH_TOKEN", TOKEN);
    } else {
        cmd.args(["--token", TOKEN]);
    }
    let (code, out, err) = cmd.run();
    let shown = format!("{args:?} (token from {})", if env { "env" } else { "flag" });
    assert!(
        !out.contains(TOKEN) && !err.contains(TOKEN),
        "{shown} printed the token:\n{out}\n{err}"
    );
    assert!(!err.contains("panicked at"), "{shown} panicked:\n{err}");
    assert!(code != 101 && code >= 0, "{shown}: exit {code}\n{err}");
    (code, out, err)
}

/// Every file under `dir` is free of the token.
fn assert_files_clean(dir: &Path) {
    for f in walk(dir) {
        let bytes = std::fs::read(dir.join(&f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(TOKEN),
            "{} holds the token",
            dir.join(f).display()
        );
    }
}

/// One invocation of each command family (`DIR` is replaced by a pulled folder).
fn commands(dir: &str) -> Vec<Vec<String>> {
    let table: &[&[&str]] = &[
        &["get", "demo:v1"],
        &["get", "demo:v1", "-o", "json"],
        &["ls", "-p", "demo"],
        &["stages", "demo:v1"],
        &["status"],
        &["dashboard", "demo:v1", "--url"],
        &["register", "demo:v9", "--description", "d"],
        &["update", "demo:v1", "--description", "d"],
        &["stage", "demo:v1", "--to", "staging"],
        &[
            "wait",
            "demo:v1",
            "--for",
            "production",
            "--timeout",
            "2",
            "--interval",
            "1s",
        ],
        &["delete", "demo:v1", "-y"],
        &["transfer", "demo:v1", "--to-project", "other"],
        &["copy", "demo:v1", "--name", "v2"],
        &["push", "DIR", "-p", "demo"],
        &[
            "pull",
            "demo:v1",
            "--path",
            "DIR/../again",
            "--retries",
            "1",
        ],
        &["verify", "DIR"],
        &["config", "show"],
        &["config", "show", "-o", "json"],
    ];
    let mut out = Vec::new();
    for row in table {
        let row: Vec<String> = row.iter().map(|a| a.replace("DIR", dir)).collect();
        let writes = [
            "register", "update", "stage", "delete", "transfer", "copy", "push",
        ];
        if writes.contains(&row[0].as_str()) {
            let mut dry = row.clone();
            dry.push("--dry-run".into());
            out.push(dry);
        }
        out.push(row);
    }
    out
}

/// A registry where v1 has a file and a directory, for the pull that writes files.
fn good_server() -> Server {
    let lineage = json!([
        lin("f", "file", "outputs/f.txt"),
        lin("d", "dir", "outputs/d")
    ]);
    let version = version_json("v1", lineage).to_string();
    let store = Store::new(&[("outputs/f.txt", b"file"), ("outputs/d/one.txt", b"1")]);
    Server::start(move |req, _| match req.path.as_str() {
        VERSION_PATH => ok(version.clone()),
        RUN_PATH => run_detail(),
        _ => match store.answer(req) {
            Some(answer) => Act::Send(answer),
            None => status(404, r#"{"detail":"Not found."}"#),
        },
    })
}

/// Echoes the Authorization header back in its error, as a debugging proxy might.
fn echo_server(code: u16) -> Server {
    Server::start(move |req, _| {
        let auth = req
            .headers
            .get("authorization")
            .cloned()
            .unwrap_or_default();
        let body = json!({"detail": format!("rejected credentials: {auth}")}).to_string();
        with_header(status(code, body), "Content-Type", "application/json")
    })
}

#[test]
fn the_token_never_appears_in_output_or_files() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let root = work.path().join("root");
    let good = good_server();
    for env in [false, true] {
        let args = [
            "pull",
            "demo:v1",
            "--host",
            &good.url,
            "--path",
            root.to_str().unwrap(),
        ];
        let (code, _, err) = run_checked(&home, &args, env);
        assert_eq!(code, 0, "{err}");
    }
    let pulled = root.join("artifacts/v1");
    assert!(pulled.join("outputs/d/one.txt").is_file());
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let unreachable = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let not_found = Server::start(|_, _| status(404, r#"{"detail":"Not found."}"#));
    let failing = Server::start(|_, _| status(500, "Internal Server Error"));
    let (echo_401, echo_500) = (echo_server(401), echo_server(500));
    let hosts = [
        &not_found.url,
        &failing.url,
        &echo_401.url,
        &echo_500.url,
        &unreachable,
    ];
    // One thread per host; each runs every command once.
    let runs: usize = std::thread::scope(|scope| {
        let (home, pulled) = (&home, &pulled);
        let threads: Vec<_> = hosts
            .into_iter()
            .enumerate()
            .map(|(h, host)| {
                scope.spawn(move || {
                    let cmds = commands(pulled.to_str().unwrap());
                    for (i, cmd) in cmds.iter().enumerate() {
                        let mut args: Vec<&str> = cmd.iter().map(String::as_str).collect();
                        args.extend(["--host", host, "--timeout", "2"]);
                        run_checked(home, &args, (h + i) % 2 == 1);
                    }
                    cmds.len()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).sum()
    });
    assert!(runs >= 5 * 25, "{runs}");
    assert!(echo_401.total() > 0 && echo_500.total() > 0);
    assert_files_clean(work.path());
    eprintln!("{runs} runs, no token in any output or file");
}
