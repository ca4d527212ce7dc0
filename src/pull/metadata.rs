//! The metadata files of a pulled version, written as the official client writes them.

use serde_json::{Map, Value};

use crate::api::models::{Kind, ProjectVersion};

/// The version's metadata, as the official client writes it.
pub const VERSION_FILE: &str = "version.plx.json";
/// An artifact's or model's content.
pub const CONTENT_FILE: &str = "content.plx.json";
/// A component's content (its polyaxonfile as JSON).
pub const POLYAXONFILE: &str = "polyaxonfile.plx.json";

/// The file holding a version's content for this kind.
pub fn content_file(kind: Kind) -> &'static str {
    if kind == Kind::Component {
        POLYAXONFILE
    } else {
        CONTENT_FILE
    }
}

/// The official client's field order for `version.plx.json`.
const FIELD_ORDER: &[&str] = &[
    "uuid",
    "name",
    "description",
    "tags",
    "owner",
    "project",
    "user",
    "connection",
    "run",
    "artifacts",
    "meta_info",
    "created_at",
    "updated_at",
    "stage",
    "kind",
    "stage_conditions",
    "content",
    "readme",
    "state",
    "role",
    "contributors",
];

/// `version.plx.json` as the official client writes it: top-level nulls dropped, model key
/// order (unknown keys last), datetimes as Python's `isoformat()`, compact JSON.
pub fn version_json(raw: &Value) -> String {
    let Value::Object(map) = raw else {
        return raw.to_string();
    };
    let mut out = Map::new();
    let known = FIELD_ORDER.iter().filter_map(|k| map.get_key_value(*k));
    let unknown = map
        .iter()
        .filter(|(k, _)| !FIELD_ORDER.contains(&k.as_str()));
    for (k, v) in known.chain(unknown) {
        if v.is_null() {
            continue;
        }
        let v = match (k.as_str(), v) {
            ("created_at" | "updated_at", Value::String(s)) => Value::String(isoformat(s)),
            _ => v.clone(),
        };
        out.insert(k.clone(), v);
    }
    Value::Object(out).to_string()
}

/// Python's `datetime.isoformat()` of an RFC 3339 time: `+00:00`, microseconds only if any.
pub fn isoformat(s: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) else {
        return s.to_string();
    };
    let frac = if t.timestamp_subsec_micros() != 0 {
        format!(".{:06}", t.timestamp_subsec_micros())
    } else {
        String::new()
    };
    format!("{}{frac}{}", t.format("%Y-%m-%dT%H:%M:%S"), t.format("%:z"))
}

/// The metadata files of a version folder: `(file name, content)`.
pub fn metadata_files(raw: &Value, v: &ProjectVersion, kind: Kind) -> Vec<(&'static str, String)> {
    let mut files = vec![(VERSION_FILE, version_json(raw))];
    if let Some(content) = v.content.as_deref().filter(|c| !c.is_empty()) {
        files.push((content_file(kind), content.to_string()));
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_json_like_the_official_client() {
        let raw = serde_json::json!({"uuid":"u","name":"m1","description":null,"tags":null,"user":null,
            "created_at":"2026-11-27T14:29:39.759063Z","updated_at":"2026-11-27T14:29:39Z",
            "stage":"testing","state":null,"kind":"model","owner":"default","project":"demo",
            "content":"{\"a\": 1}","readme":null,"run":"r","artifacts":["model"],
            "meta_info":{"run":{"project":"demo","name":null,"uuid":"x"}},"zzz":5});
        assert_eq!(
            version_json(&raw),
            r#"{"uuid":"u","name":"m1","owner":"default","project":"demo","run":"r","artifacts":["model"],"meta_info":{"run":{"project":"demo","name":null,"uuid":"x"}},"created_at":"2026-11-27T14:29:39.759063+00:00","updated_at":"2026-11-27T14:29:39+00:00","stage":"testing","kind":"model","content":"{\"a\": 1}","zzz":5}"#
        );
    }
}
