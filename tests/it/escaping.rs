//! Text from the server never reaches a terminal raw: control characters (an escape sequence
//! that recolours the terminal or sets its title, a bell, a tab that breaks the columns) are
//! shown escaped in every table, TSV, name list, note, progress line and error, while `-o json`
//! and `-o yaml` keep the server's values exact.

use serde_json::{Value, json};

use crate::support::fake::{Server, Store, api_then, lin, ok, reply, version_json};
use crate::support::pxa;
use crate::support::snapshot::assert_outcome;

/// A description that recolours the terminal, sets its title, rings, and breaks the columns.
const HOSTILE: &str = "\u{1b}[31mred\u{1b}]0;title\u{7} a\tb\nc\u{7f}\u{9b}2J\u{202e}x";

fn hostile_version() -> Value {
    let mut v = version_json("v1", json!([lin("e\u{1b}[1m", "file", "outputs/a.txt")]));
    v["description"] = json!(HOSTILE);
    v["tags"] = json!(["t\u{1b}[0m", "ok"]);
    v["stage"] = json!("prod\u{1b}[5m");
    v
}

fn server() -> Server {
    Server::start(|req, _| {
        let v = hostile_version();
        let base = "/api/v1/default/demo/versions/artifact";
        if req.path == base {
            return ok(json!({"count": 1, "next": null, "results": [v]}).to_string());
        }
        if req.path == format!("{base}/v1/stages") {
            let stages = json!({"stage": v["stage"], "stage_conditions": [{"type": "production",
                "status": true, "reason": "R\u{1b}[2J", "message": HOSTILE,
                "last_transition_time": "2026-11-27T14:29:40Z"}]});
            return ok(stages.to_string());
        }
        if req.path == format!("{base}/v1") {
            return ok(v.to_string());
        }
        reply(
            404,
            json!({"detail": format!("No \u{1b}[2Jversion {HOSTILE}")}).to_string(),
        )
        .into()
    })
}

/// No control character but the line breaks (and the tabs of TSV), no DEL, no C1, no bidi.
fn assert_clean(what: &str, text: &str, tabs: bool) {
    let bad: Vec<char> = text
        .chars()
        .filter(|c| {
            (c.is_control() && *c != '\n' && !(tabs && *c == '\t'))
                || ('\u{202a}'..='\u{202e}').contains(c)
        })
        .collect();
    assert!(bad.is_empty(), "{what}: raw {bad:?} in {text:?}");
}

#[test]
fn tables_tsv_names_and_notes_show_control_characters_escaped() {
    let server = server();
    let mut outputs = String::new();
    for args in [
        vec!["ls", "-p", "demo", "-o", "table"],
        vec!["ls", "-p", "demo"],
        vec!["ls", "-p", "demo", "-o", "name"],
        vec!["get", "demo:v1", "-o", "table"],
        vec!["get", "demo:v1"],
        vec!["stages", "demo:v1", "-o", "table"],
        vec!["stages", "demo:v1"],
        vec![
            "wait",
            "demo:v1",
            "--for",
            "production",
            "--timeout",
            "1",
            "--interval",
            "0.2",
        ],
    ] {
        let (code, out, err) = pxa()
            .args(&args)
            .args(["--host", &server.url])
            .env("COLUMNS", "400")
            .run();
        let tsv = !args.contains(&"table");
        assert_clean(&format!("{args:?} stdout"), &out, tsv);
        assert_clean(&format!("{args:?} stderr"), &err, false);
        outputs.push_str(&format!(
            "$ pxa {}\n[exit {code}]\n{out}{err}",
            args.join(" ")
        ));
    }
    crate::support::snapshot::settings().bind(|| insta::assert_snapshot!(outputs));
}

#[test]
fn json_and_yaml_keep_the_servers_values_exact() {
    let server = server();
    let (code, out, err) = pxa()
        .args(["get", "demo:v1", "-o", "json", "--host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(shown, hostile_version());
    let (code, out, err) = pxa()
        .args(["ls", "-p", "demo", "-o", "yaml", "--host", &server.url])
        .run();
    assert_eq!(code, 0, "{err}");
    let shown: Value = serde_yaml::from_str(&out).unwrap();
    assert_eq!(shown[0]["description"], HOSTILE);
}

#[test]
fn errors_and_progress_quoting_the_server_are_escaped() {
    let server = server();
    let (code, out, err) = pxa()
        .args(["get", "demo:gone", "--host", &server.url])
        .run();
    assert_clean("error", &err, false);
    assert_outcome!(
        code,
        out,
        err,
        server = server.url,
        name = "error_quoting_the_server"
    );
    let lineage = json!([lin("e\u{1b}]0;t\u{7}", "file", "outputs/a.txt")]);
    let store = Store::new(&[("outputs/a.txt", b"A")]);
    let pulls = Server::start(api_then(
        vec![("v1", version_json("v1", lineage))],
        move |req, _| store.answer(req).expect("a streams request"),
    ));
    let root = tempfile::tempdir().unwrap();
    let (code, _, err) = pxa()
        .args([
            "pull",
            "demo:v1",
            "--progress",
            "plain",
            "--host",
            &pulls.url,
            "--path",
        ])
        .arg(root.path())
        .run();
    assert_eq!(code, 0, "{err}");
    assert_clean("pull progress", &err, false);
    assert!(err.contains("e\\x1b]0;t\\x07"), "{err}");
}
