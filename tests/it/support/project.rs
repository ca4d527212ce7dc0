//! Test projects of their own on the sandbox, with shortcuts to read the server's state.

use serde_json::{Value, json};

use super::process::run;
use super::sandbox::{SERVICE_HEADER, Sandbox};

/// A project of its own on the sandbox, with shortcuts to read the server's state.
pub struct Proj<'a> {
    pub sb: &'a Sandbox,
    pub name: String,
}

pub fn project<'a>(sb: &'a Sandbox, tag: &str) -> Proj<'a> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("w-{tag}-{}-{nanos}", std::process::id());
    post(
        sb,
        &["default", "projects", "create"],
        json!({ "name": name }),
    );
    Proj { sb, name }
}

/// POST straight to the server; panics unless 2xx. Returns the JSON answer (or null).
pub fn post(sb: &Sandbox, segments: &[&str], body: Value) -> Value {
    let url = sb.api(segments);
    let resp = sb
        .http()
        .post(url.clone())
        .header(SERVICE_HEADER.0, SERVICE_HEADER.1)
        .json(&body)
        .send()
        .unwrap();
    let status = resp.status();
    let text = resp.text().unwrap();
    assert!(status.is_success(), "POST {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

impl Proj<'_> {
    pub fn p(&self) -> &str {
        &self.name
    }
    pub fn target(&self, version: &str) -> String {
        format!("{}:{version}", self.name)
    }
    pub fn url(&self, kind: &str, tail: &[&str]) -> reqwest::Url {
        let mut segments = vec!["default", self.p(), "versions", kind];
        segments.extend_from_slice(tail);
        self.sb.api(&segments)
    }
    /// GET detail straight from the server.
    pub fn version(&self, kind: &str, name: &str) -> Value {
        self.sb.get_json(self.url(kind, &[name]))
    }
    pub fn stages(&self, kind: &str, name: &str) -> Value {
        self.sb.get_json(self.url(kind, &[name, "stages"]))
    }
    pub fn status(&self, kind: &str, name: &str) -> u16 {
        let resp = self.sb.http().get(self.url(kind, &[name])).send().unwrap();
        resp.status().as_u16()
    }
    /// `pxa ARGS` → (code, stdout, stderr).
    pub fn pxa(&self, args: &[&str]) -> (i32, String, String) {
        run(self.sb.pxa().args(args))
    }
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.pxa(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        out
    }
    /// A run with two lineage entries (`model`, `metrics`) in this project.
    pub fn run_with_lineage(&self) -> String {
        let run = post(
            self.sb,
            &["default", self.p(), "runs"],
            json!({"name": "trainer", "is_managed": false}),
        );
        let uuid = run["uuid"].as_str().unwrap().to_string();
        let lineage = json!([
            {"name": "model", "kind": "model", "path": format!("{uuid}/outputs/model"),
             "summary": {}, "is_input": false},
            {"name": "metrics", "kind": "file", "path": format!("{uuid}/outputs/m.csv"),
             "summary": {}, "is_input": false}
        ]);
        post(
            self.sb,
            &["default", self.p(), "runs", &uuid, "lineage", "artifacts"],
            lineage,
        );
        uuid
    }
}
