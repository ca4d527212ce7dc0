//! The real Polyaxon sandbox that `scripts/test` starts and seeds, and straight reads of its
//! state. Every test that calls [`sandbox`] is marked `#[ignore = "needs the sandbox"]`.

use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use super::process::{Pxa, isolate, pxa_in};

/// The header pxa sends; direct API reads in tests send the same so `meta_info` has the same shape.
pub const SERVICE_HEADER: (&str, &str) = ("X-POLYAXON-SERVICE", "2.18.0");

/// A running sandbox described by `scripts/sandbox start` and `scripts/seed.py`.
pub struct Sandbox {
    pub host: String,
    pub polyaxon: PathBuf,
    pub seed: Value,
    pub home: tempfile::TempDir,
}

/// The sandbox named by the `PXA_E2E_*` variables (`scripts/sandbox start` writes them to
/// `.sandbox/env`). Panics, naming what is missing, when one is unset or the server does not
/// answer: a sandbox test never passes without the sandbox.
pub fn sandbox() -> Sandbox {
    let var = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!(
                "{name} is not set, and this test needs the sandbox: run `scripts/test`, or \
                 `scripts/sandbox start && source .sandbox/env && .venv/bin/python \
                 scripts/seed.py` and then `cargo test -- --ignored`"
            )
        })
    };
    let host = var("PXA_E2E_HOST");
    let seed_path = PathBuf::from(var("PXA_E2E_SEED"));
    let seed: Value = serde_json::from_str(
        &std::fs::read_to_string(&seed_path)
            .unwrap_or_else(|e| panic!("cannot read {} (seeded?): {e}", seed_path.display())),
    )
    .expect("seed manifest is JSON");
    let sb = Sandbox {
        host,
        polyaxon: PathBuf::from(var("PXA_E2E_POLYAXON")),
        seed,
        home: tempfile::tempdir().unwrap(),
    };
    let probe = sb
        .http()
        .get(sb.api(&["default", "pxa-e2e", "versions", "artifact"]))
        .send();
    assert!(
        probe.is_ok(),
        "the sandbox at {} does not answer: {probe:?}",
        sb.host
    );
    sb
}

/// The second sandbox `scripts/test` starts (`PXA_E2E_HOST2`, not seeded), for tests that move
/// versions between servers: its host URL. Panics when it is not set or does not answer.
pub fn second_host() -> String {
    let host = std::env::var("PXA_E2E_HOST2").unwrap_or_else(|_| {
        panic!(
            "PXA_E2E_HOST2 is not set, and this test needs a second sandbox: run `scripts/test`, \
             or start one with `PXA_SANDBOX_STATE_DIR=.sandbox/second scripts/sandbox start --dir \
             .sandbox/second/run` and export PXA_E2E_HOST2 from .sandbox/second/env"
        )
    });
    let probe =
        reqwest::blocking::get(format!("{host}/api/v1/default/pxa-probe/versions/artifact"));
    assert!(
        probe.is_ok(),
        "the second sandbox at {host} does not answer: {probe:?}"
    );
    host
}

impl Sandbox {
    pub fn project(&self) -> &str {
        self.seed["project"].as_str().unwrap()
    }

    /// Version names of a kind as seeded.
    pub fn versions(&self, kind: &str) -> Vec<String> {
        self.seed["versions"][kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    }

    /// `pxa` pointed at the sandbox (`POLYAXON_HOST`), HOME at this sandbox's own temp dir.
    pub fn pxa(&self) -> Pxa {
        let mut cmd = pxa_in(self.home.path());
        cmd.env("POLYAXON_HOST", &self.host);
        cmd
    }

    /// The official CLI with the same HOME and isolation, pointed at the sandbox.
    pub fn polyaxon(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.polyaxon);
        isolate(&mut cmd, self.home.path())
            .env("POLYAXON_HOST", &self.host)
            .env("POLYAXON_NO_OP", "false")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "400");
        cmd
    }

    pub fn http(&self) -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap()
    }

    /// `{host}/api/v1/{segments}`.
    pub fn api(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = reqwest::Url::parse(&self.host).unwrap();
        url.path_segments_mut()
            .unwrap()
            .pop_if_empty()
            .extend(["api", "v1"])
            .extend(segments);
        url
    }

    /// GET a JSON document straight from the server (not through pxa).
    pub fn get_json(&self, url: reqwest::Url) -> Value {
        let resp = self
            .http()
            .get(url.clone())
            .header(SERVICE_HEADER.0, SERVICE_HEADER.1)
            .send()
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        assert!(resp.status().is_success(), "GET {url}: {}", resp.status());
        resp.json().unwrap()
    }

    /// GET `…/versions/{kind}/{name}` straight from the server.
    pub fn server_version(&self, kind: &str, name: &str) -> Value {
        self.get_json(self.api(&["default", self.project(), "versions", kind, name]))
    }

    /// Every version of a kind, straight from the server, paging by offset.
    pub fn server_versions(&self, kind: &str) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let mut url = self.api(&["default", self.project(), "versions", kind]);
            url.query_pairs_mut()
                .append_pair("limit", "100")
                .append_pair("offset", &out.len().to_string());
            let page = self.get_json(url);
            let results = page["results"].as_array().unwrap().clone();
            let done = results.is_empty() || page["next"].is_null();
            out.extend(results);
            if done {
                return out;
            }
        }
    }
}
