//! What a pull fetches: the lineage entries of a version turned into stream requests and the
//! official client's skip rule.

use serde_json::Value;
use url::Url;

use crate::api::models::RunArtifact;
pub use crate::api::streams::StreamBase;

/// How an entry's answer is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetch {
    /// S1: one raw file at `rel`.
    File,
    /// S2: a tarball extracted at `rel`.
    Dir,
    /// S2 with `check_path`: a tarball (extracted at `rel`) or a raw file at `rel`.
    FileOrDir,
    /// S3: an event package extracted at the version folder's root.
    Events,
}

/// One lineage entry to download.
#[derive(Debug, Clone)]
pub struct Entry {
    pub index: usize,
    pub name: String,
    pub kind: String,
    /// Run-relative path (`""` = the run's root).
    pub rel: String,
    pub fetch: Fetch,
    pub url: Url,
    /// Why it is not fetched (the official skip rule), if so.
    pub skip: Option<String>,
    /// Paths this entry writes (for the skip rule of later entries).
    claims: Vec<String>,
}

impl Entry {
    /// The run-relative paths this entry writes.
    pub fn claims(&self) -> impl Iterator<Item = &str> {
        self.claims.iter().map(String::as_str)
    }

    /// The archive file the server writes an event package to, `<run>.<kind>.<name>.tar.gz`
    /// (two requests for it at once can receive each other's bytes, §13.3).
    pub fn events_archive(&self, run: &str) -> String {
        format!("{run}.{}.{}.tar.gz", self.kind, self.name)
    }
}

const SINGLE_FILE_EVENTS: &[&str] = &[
    "metric",
    "chart",
    "confusion",
    "curve",
    "histogram",
    "html",
    "span",
    "system",
    "text",
];
const FILE_OR_EVENTS: &[&str] = &[
    "image",
    "audio",
    "video",
    "dataframe",
    "csv",
    "tsv",
    "psv",
    "ssv",
    "model",
];

/// The request kind for a lineage entry, as the official client chooses it (§5.2).
pub fn classify(kind: &str, summary: Option<&Value>) -> Option<Fetch> {
    let truthy = |key: &str| {
        summary
            .and_then(|s| s.get(key))
            .is_some_and(|v| !matches!(v, Value::Null | Value::Bool(false)) && v != &Value::from(0))
    };
    if SINGLE_FILE_EVENTS.contains(&kind) {
        return Some(Fetch::File);
    }
    if FILE_OR_EVENTS.contains(&kind) {
        return Some(if truthy("is_event") || truthy("step") {
            Fetch::Events
        } else if kind == "model" {
            Fetch::FileOrDir
        } else {
            Fetch::File
        });
    }
    match kind {
        "file" | "env" | "dockerfile" => Some(Fetch::File),
        "dir" | "tensorboard" => Some(Fetch::Dir),
        "data" => Some(Fetch::FileOrDir),
        _ => None,
    }
}

/// The official skip rule: an entry whose path is (or is inside, or holds) a path already
/// written by an earlier entry is not fetched. Event packages are never skipped (the official
/// client probes `<dir>/<run uuid>` for them, which never exists).
pub fn apply_skip_rule(entries: &mut [Entry]) {
    for i in 0..entries.len() {
        if entries[i].fetch == Fetch::Events {
            continue;
        }
        let rel = entries[i].rel.clone();
        let by = entries[..i]
            .iter()
            .filter(|e| e.skip.is_none())
            .find(|e| e.claims.iter().any(|c| overlaps(c, &rel)))
            .map(|e| format!("already written by `{}`", e.name));
        entries[i].skip = by;
    }
}

/// The lineage path made run-relative: what follows the run uuid component, if present.
/// `None` when the result would leave the version folder.
pub fn relativize(path: &str, uuid: &str) -> Option<String> {
    let parts: Vec<&str> = path.split('/').collect();
    let start = parts
        .iter()
        .position(|p| *p == uuid)
        .map(|i| i + 1)
        .unwrap_or(0);
    let kept: Vec<&str> = parts[start..]
        .iter()
        .copied()
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if kept.contains(&"..") || (start == 0 && path.starts_with('/')) {
        return None;
    }
    Some(kept.join("/"))
}

/// Whether two run-relative paths are equal or one lies inside the other (`""` is the run's
/// root, above everything).
pub fn overlaps(a: &str, b: &str) -> bool {
    a.is_empty()
        || b.is_empty()
        || a == b
        || b.starts_with(&format!("{a}/"))
        || a.starts_with(&format!("{b}/"))
}

/// Builds the entries of a version's lineage, in order, with the skip rule applied.
/// Entries whose path would leave the folder are returned in `Err` (refused, exit 9).
pub fn entries(lineage: &[RunArtifact], base: &StreamBase) -> Result<Vec<Entry>, String> {
    let mut out: Vec<Entry> = Vec::new();
    for (index, a) in lineage.iter().enumerate() {
        let name = a.name.clone().unwrap_or_default();
        let kind = a.kind.clone().unwrap_or_default();
        let Some(fetch) = classify(&kind, a.summary.as_ref()) else {
            continue;
        };
        let path = a.path.as_deref().unwrap_or("");
        let rel = relativize(path, &base.uuid)
            .ok_or_else(|| format!("lineage entry `{name}` has an unsafe path `{path}`"))?;
        let (url, claims) = match fetch {
            Fetch::File => (base.file_url(&rel), vec![rel.clone()]),
            Fetch::Dir => (
                base.url(&["artifacts"], &[("path", &rel)]),
                vec![rel.clone()],
            ),
            Fetch::FileOrDir => (
                base.url(&["artifacts"], &[("check_path", "True"), ("path", &rel)]),
                vec![rel.clone()],
            ),
            Fetch::Events => (
                base.url(
                    &["events", &kind],
                    &[
                        ("names", &name),
                        ("pkg_assets", "True"),
                        ("path", &base.uuid),
                    ],
                ),
                vec![
                    format!("events/{kind}/{name}.plx"),
                    format!("assets/{kind}/{name}"),
                ],
            ),
        };
        out.push(Entry {
            index,
            name,
            kind,
            rel,
            fetch,
            url,
            skip: None,
            claims,
        });
    }
    apply_skip_rule(&mut out);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::models::RunSettings;

    const U: &str = "6de0b57635c842abb378fb1379d4dfec";

    #[test]
    fn relative_paths() {
        assert_eq!(
            relativize(&format!("{U}/outputs/model"), U).unwrap(),
            "outputs/model"
        );
        assert_eq!(relativize("outputs/x.csv", U).unwrap(), "outputs/x.csv");
        assert_eq!(
            relativize(&format!("/plx/{U}/outputs"), U).unwrap(),
            "outputs"
        );
        assert_eq!(relativize(U, U).unwrap(), "");
        assert!(relativize(&format!("{U}/../x"), U).is_none());
        assert!(relativize("/etc/passwd", U).is_none());
    }

    #[test]
    fn kinds_table() {
        let ev = serde_json::json!({"is_event": true});
        let step = serde_json::json!({"step": 3});
        assert_eq!(classify("metric", None), Some(Fetch::File));
        assert_eq!(classify("image", Some(&ev)), Some(Fetch::Events));
        assert_eq!(classify("image", None), Some(Fetch::File));
        assert_eq!(classify("model", Some(&step)), Some(Fetch::Events));
        assert_eq!(classify("model", None), Some(Fetch::FileOrDir));
        assert_eq!(classify("dir", None), Some(Fetch::Dir));
        assert_eq!(classify("tensorboard", None), Some(Fetch::Dir));
        assert_eq!(classify("data", None), Some(Fetch::FileOrDir));
        assert_eq!(classify("file", None), Some(Fetch::File));
        assert_eq!(classify("coderef", None), None);
    }

    fn art(name: &str, kind: &str, path: &str) -> RunArtifact {
        RunArtifact {
            name: Some(name.into()),
            kind: Some(kind.into()),
            path: Some(format!("{U}/{path}")),
            ..Default::default()
        }
    }

    #[test]
    fn agent_host_and_store_connection() {
        let settings: RunSettings = serde_json::from_value(serde_json::json!({
            "namespace": "ns", "agent": {"url": "https://agent.example/base"},
            "artifacts_store": {"name": "store-1"}}))
        .unwrap();
        let host = Url::parse("https://api.example").unwrap();
        let base = StreamBase::new(&host, "acme", "p", U, &settings);
        let e = entries(&[art("f", "file", "outputs/a b.txt")], &base).unwrap();
        assert_eq!(
            e[0].url.as_str(),
            format!(
                "https://agent.example/base/streams/v1/ns/acme/p/runs/{U}/artifact?path=outputs%2Fa+b.txt&force=true&connection=store-1"
            )
        );
        let plain = StreamBase::new(&host, "acme", "p", U, &RunSettings::default());
        assert!(
            plain
                .url(&["artifact"], &[])
                .as_str()
                .starts_with("https://api.example/streams/v1/polyaxon/")
        );
    }

    #[test]
    fn skip_rule_and_urls() {
        let base = StreamBase {
            base: Url::parse("http://h:1").unwrap(),
            namespace: "polyaxon".into(),
            owner: "default".into(),
            project: "p".into(),
            uuid: U.into(),
            connection: None,
        };
        let lineage = [
            art("model", "model", "outputs/model"),
            art("sub", "dir", "outputs/model/sub"),
            art("code", "coderef", "code"),
            art("m", "metric", "events/metric/loss.plx"),
        ];
        let e = entries(&lineage, &base).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(
            e[0].url.as_str(),
            format!(
                "http://h:1/streams/v1/polyaxon/default/p/runs/{U}/artifacts?check_path=True&path=outputs%2Fmodel"
            )
        );
        assert!(e[1].skip.is_some());
        assert!(e[2].skip.is_none());
        assert_eq!(e[2].index, 3);
    }
}
