//! Versions a bulk pull need not ask the server for again: those an interrupted run of the
//! same command already finished (its journal, `<root>/<kind>s/.pxa-bulk-<id>.jsonl`, removed
//! when a run ends with every version pulled), and with `--skip-existing --no-artifacts`
//! those whose local `version.plx.json` has the listed `uuid` and `updated_at`.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::Wanted;
use super::metadata::{VERSION_FILE, isoformat};
use super::verify::read_manifest;

/// One version a bulk pull finished, as its journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Finished {
    version: String,
    uuid: String,
    updated_at: String,
}

/// The journal of one bulk pull (one command: project, kind, selection, root).
pub struct BulkJournal {
    path: PathBuf,
    done: HashMap<String, Finished>,
    writer: Mutex<()>,
}

impl BulkJournal {
    /// Opens the journal of the command `what` (any text naming it) in `kind_dir`.
    pub fn open(kind_dir: &Path, what: &str) -> Self {
        let id = &blake3::hash(what.as_bytes()).to_hex()[..16];
        let path = kind_dir.join(format!(".pxa-bulk-{id}.jsonl"));
        let done = fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<Finished>(l).ok())
            .map(|f| (f.version.clone(), f))
            .collect();
        Self {
            path,
            done,
            writer: Mutex::new(()),
        }
    }

    /// Whether an interrupted run finished this version as listed now, and it is still there.
    pub fn finished(&self, w: &Wanted, dest: &Path) -> bool {
        let (Some(uuid), Some(updated)) = (&w.uuid, &w.updated_at) else {
            return false;
        };
        let same = self
            .done
            .get(&w.name)
            .is_some_and(|f| &f.uuid == uuid && &f.updated_at == updated);
        same && read_manifest(dest).is_ok_and(|m| m.uuid.as_ref() == Some(uuid))
    }

    /// Records a version pulled (best effort: a lost line costs a pull).
    pub fn record(&self, w: &Wanted) {
        let (Some(uuid), Some(updated_at)) = (&w.uuid, &w.updated_at) else {
            return;
        };
        let line = Finished {
            version: w.name.clone(),
            uuid: uuid.clone(),
            updated_at: updated_at.clone(),
        };
        let Ok(mut text) = serde_json::to_string(&line) else {
            return;
        };
        text.push('\n');
        let _guard = self.writer.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(dir) = self.path.parent() {
            let _ = fs::create_dir_all(dir);
        }
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path);
        if let Ok(mut f) = file {
            let _ = f.write_all(text.as_bytes());
        }
    }

    /// The run ended with every version pulled: the next run starts afresh.
    pub fn finish(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// `--skip-existing --no-artifacts`: the local `version.plx.json` (of a complete copy) has
/// the listed `uuid` and `updated_at`. Not detected: a change of what the server computes at
/// read time without touching `updated_at` (the lineage in `meta_info`, the run's name).
pub fn metadata_unchanged(w: &Wanted, dest: &Path) -> bool {
    let (Some(uuid), Some(updated)) = (&w.uuid, &w.updated_at) else {
        return false;
    };
    if read_manifest(dest).is_err() {
        return false;
    }
    let Ok(text) = fs::read(dest.join(VERSION_FILE)) else {
        return false;
    };
    let Ok(local) = serde_json::from_slice::<serde_json::Value>(&text) else {
        return false;
    };
    local["uuid"].as_str() == Some(uuid)
        && local["updated_at"].as_str() == Some(&isoformat(updated))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(name: &str, updated: &str) -> Wanted {
        Wanted {
            name: name.into(),
            uuid: Some("u1".into()),
            updated_at: Some(updated.into()),
        }
    }

    fn manifest(dest: &Path, uuid: &str) {
        fs::create_dir_all(dest).unwrap();
        let m = serde_json::json!({"pxa_manifest": 2, "kind": "artifact", "version": "v",
            "uuid": uuid, "pulled_at": "t", "files": []});
        fs::write(dest.join(".pxa-manifest.json"), m.to_string()).unwrap();
    }

    #[test]
    fn a_finished_version_is_known_until_the_run_completes() {
        let dir = tempfile::tempdir().unwrap();
        let kd = dir.path().join("artifacts");
        let v = wanted("v1", "2026-01-01T00:00:00Z");
        let j = BulkJournal::open(&kd, "cmd");
        j.record(&v);
        manifest(&kd.join("v1"), "u1");
        let j = BulkJournal::open(&kd, "cmd");
        assert!(j.finished(&v, &kd.join("v1")));
        assert!(!j.finished(&wanted("v1", "2026-02-01T00:00:00Z"), &kd.join("v1")));
        assert!(!BulkJournal::open(&kd, "another command").finished(&v, &kd.join("v1")));
        j.finish();
        assert!(!BulkJournal::open(&kd, "cmd").finished(&v, &kd.join("v1")));
    }

    #[test]
    fn metadata_is_unchanged_when_uuid_and_updated_at_match() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("v1");
        manifest(&dest, "u1");
        let local = r#"{"uuid":"u1","name":"v1","updated_at":"2026-01-01T00:00:00.500000+00:00"}"#;
        fs::write(dest.join(VERSION_FILE), local).unwrap();
        assert!(metadata_unchanged(
            &wanted("v1", "2026-01-01T00:00:00.500000Z"),
            &dest
        ));
        assert!(!metadata_unchanged(
            &wanted("v1", "2026-01-01T00:00:01Z"),
            &dest
        ));
        fs::remove_file(dest.join(".pxa-manifest.json")).unwrap();
        assert!(!metadata_unchanged(
            &wanted("v1", "2026-01-01T00:00:00.500000Z"),
            &dest
        ));
    }
}
