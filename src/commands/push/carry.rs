//! The files a pushed version carries: one spec per lineage entry of `version.plx.json`, at
//! the run-relative path the pull wrote it to (and, for an event entry, its assets folder),
//! every one of which must be in the folder. An entry inside another entry's folder is
//! recorded without sending its files twice.

use std::path::Path;

use serde_json::{Value, json};

use crate::api::ProjectVersion;
use crate::api::models::RunArtifact;
use crate::exit::CliError;
use crate::pull::plan::relativize;
use crate::upload::local::Spec;

/// Kinds whose events come with files under `assets/<kind>/<name>`.
const WITH_ASSETS: &[&str] = &[
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

/// (what to send, what to record only).
pub fn specs(dir: &Path, local: &ProjectVersion) -> Result<(Vec<Spec>, Vec<Spec>), CliError> {
    let meta = local.meta_info.clone().unwrap_or_default();
    let uuid = meta
        .run
        .and_then(|r| r.uuid)
        .or_else(|| local.run.clone())
        .unwrap_or_default();
    let mut all = Vec::new();
    for a in meta.lineage.unwrap_or_default() {
        let spec = spec(dir, &a, &uuid)?;
        let assets = format!(
            "assets/{}/{}",
            spec.kind,
            spec.name.clone().unwrap_or_default()
        );
        let with_assets = is_event(&a) && WITH_ASSETS.contains(&spec.kind.as_str());
        all.push(spec);
        if with_assets && dir.join(&assets).is_dir() {
            all.push(Spec {
                name: None,
                kind: "dir".into(),
                local: dir.join(&assets),
                dest: assets,
                summary: json!({}),
                is_input: false,
            });
        }
    }
    let covered = |i: usize| {
        let dest = &all[i].dest;
        all.iter().enumerate().any(|(j, other)| {
            j != i
                && (dest.starts_with(&format!("{}/", other.dest)) || (other.dest == *dest && j < i))
        })
    };
    let flags: Vec<bool> = (0..all.len()).map(covered).collect();
    let (mut send, mut record) = (Vec::new(), Vec::new());
    for (spec, covered) in all.into_iter().zip(flags) {
        match (covered, spec.name.is_some()) {
            (false, _) => send.push(spec),
            (true, true) => record.push(spec),
            (true, false) => {}
        }
    }
    Ok((send, record))
}

fn spec(dir: &Path, a: &RunArtifact, uuid: &str) -> Result<Spec, CliError> {
    let name = a.name.clone().unwrap_or_default();
    let path = a.path.as_deref().unwrap_or_default();
    let rel = relativize(path, uuid)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            CliError::usage(format!(
                "lineage entry `{name}` has the path `{path}`, which is not inside its run"
            ))
            .with_hint("push it with --no-artifacts (metadata only) or --no-run")
        })?;
    let local = dir.join(&rel);
    if std::fs::symlink_metadata(&local).is_err() {
        return Err(CliError::usage(format!(
            "{} has no {rel} for lineage entry `{name}`, and the target has not the run: there is nothing to upload it from; nothing was sent",
            dir.display()
        ))
        .with_hint("pull the version with its files first, or push with --no-run (no run, no lineage)"));
    }
    Ok(Spec {
        name: Some(name),
        kind: a.kind.clone().unwrap_or_else(|| "file".into()),
        local,
        dest: rel,
        summary: a.summary.clone().unwrap_or_else(|| json!({})),
        is_input: a.is_input.unwrap_or(false),
    })
}

/// An entry pulled as an event package (the official client's rule).
fn is_event(a: &RunArtifact) -> bool {
    let summary = a.summary.as_ref();
    let truthy = |key: &str| {
        summary.and_then(|s| s.get(key)).is_some_and(|v| match v {
            Value::Null | Value::Bool(false) => false,
            Value::Object(m) => !m.is_empty(),
            _ => true,
        })
    };
    truthy("is_event") || truthy("step")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(lineage: Value) -> ProjectVersion {
        serde_json::from_value(json!({"name": "v1", "run": "u1",
            "meta_info": {"run": {"uuid": "u1", "name": "main"}, "lineage": lineage}}))
        .unwrap()
    }

    #[test]
    fn entries_inside_another_are_recorded_and_events_bring_their_assets() {
        let dir = tempfile::tempdir().unwrap();
        for d in ["outputs/model/sub", "events/image", "assets/image/sample"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        std::fs::write(dir.path().join("events/image/sample.plx"), "x").unwrap();
        let v = version(json!([
            {"name": "model", "kind": "model", "path": "u1/outputs/model"},
            {"name": "sub", "kind": "dir", "path": "u1/outputs/model/sub"},
            {"name": "sample", "kind": "image", "path": "u1/events/image/sample.plx",
             "summary": {"is_event": true}},
        ]));
        let (send, record) = specs(dir.path(), &v).unwrap();
        let dests: Vec<&str> = send.iter().map(|s| s.dest.as_str()).collect();
        assert_eq!(
            dests,
            [
                "outputs/model",
                "events/image/sample.plx",
                "assets/image/sample"
            ]
        );
        assert_eq!(send[2].name, None);
        assert_eq!(record.len(), 1);
        assert_eq!(record[0].name.as_deref(), Some("sub"));
    }

    #[test]
    fn a_missing_file_is_refused_before_anything_is_sent() {
        let dir = tempfile::tempdir().unwrap();
        let v = version(json!([{"name": "m", "kind": "file", "path": "u1/outputs/m.bin"}]));
        let err = specs(dir.path(), &v).unwrap_err();
        assert_eq!(err.code, crate::exit::Code::Usage);
        assert!(err.message.contains("outputs/m.bin"), "{}", err.message);
    }
}
