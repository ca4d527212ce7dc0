//! A version's `content` (a JSON or YAML mapping sent as a string) compared key by key: each
//! difference at a jq-style path (`.lr`, `.model.layers[2]`, `.["a.b"]`).

use serde::Serialize;
use serde_json::{Map, Value};

use super::diff::Change;

/// One difference between two contents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContentChange {
    /// Where, as a jq path (`.` for the whole content).
    pub path: String,
    pub change: Change,
    /// The value on each side (absent where it is absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub a: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b: Option<Value>,
}

/// The content as a value: JSON, else a YAML mapping, else the text itself; none is null.
pub fn parse(text: Option<&str>) -> Value {
    let Some(text) = text else {
        return Value::Null;
    };
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return v;
    }
    match serde_yaml::from_str::<Value>(text) {
        Ok(v @ Value::Object(_)) => v,
        _ => Value::String(text.to_string()),
    }
}

/// Every difference between two contents. No content beside a mapping counts as an empty
/// mapping, so its keys show as added (or removed).
pub fn compare(a: Option<&str>, b: Option<&str>) -> Vec<ContentChange> {
    let (mut a, mut b) = (parse(a), parse(b));
    match (&a, &b) {
        (Value::Null, Value::Object(_)) => a = Value::Object(Map::new()),
        (Value::Object(_), Value::Null) => b = Value::Object(Map::new()),
        _ => {}
    }
    let mut out = Vec::new();
    walk(&a, &b, String::new(), &mut out);
    out
}

fn walk(a: &Value, b: &Value, path: String, out: &mut Vec<ContentChange>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (key, va) in x {
                let at = format!("{path}{}", key_step(key));
                match y.get(key) {
                    Some(vb) => walk(va, vb, at, out),
                    None => out.push(one(at, Change::Removed, Some(va), None)),
                }
            }
            for (key, vb) in y.iter().filter(|(k, _)| !x.contains_key(*k)) {
                let at = format!("{path}{}", key_step(key));
                out.push(one(at, Change::Added, None, Some(vb)));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            for i in 0..x.len().max(y.len()) {
                let at = format!("{path}[{i}]");
                match (x.get(i), y.get(i)) {
                    (Some(va), Some(vb)) => walk(va, vb, at, out),
                    (Some(va), None) => out.push(one(at, Change::Removed, Some(va), None)),
                    (None, vb) => out.push(one(at, Change::Added, None, vb)),
                }
            }
        }
        _ if a != b => {
            let at = if path.is_empty() { ".".into() } else { path };
            out.push(one(at, Change::Changed, Some(a), Some(b)));
        }
        _ => {}
    }
}

fn one(path: String, change: Change, a: Option<&Value>, b: Option<&Value>) -> ContentChange {
    ContentChange {
        path,
        change,
        a: a.cloned(),
        b: b.cloned(),
    }
}

/// `.key` for a plain identifier, `.["other key"]` otherwise (as jq writes them).
fn key_step(key: &str) -> String {
    let mut chars = key.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    match plain {
        true => format!(".{key}"),
        false => format!(".[{}]", Value::String(key.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(a: Option<&str>, b: Option<&str>) -> Vec<(String, Change)> {
        compare(a, b)
            .into_iter()
            .map(|c| (c.path, c.change))
            .collect()
    }

    #[test]
    fn keys_added_removed_and_changed_at_their_paths() {
        let a = r#"{"lr": 0.01, "model": {"layers": [1, 2, 3], "act": "relu"}, "drop": 0.1}"#;
        let b = r#"{"lr": 0.02, "model": {"layers": [1, 5], "act": "relu"}, "a.b": true}"#;
        assert_eq!(
            paths(Some(a), Some(b)),
            vec![
                (".lr".into(), Change::Changed),
                (".model.layers[1]".into(), Change::Changed),
                (".model.layers[2]".into(), Change::Removed),
                (".drop".into(), Change::Removed),
                (r#".["a.b"]"#.into(), Change::Added),
            ]
        );
        let lr = &compare(Some(a), Some(b))[0];
        assert_eq!(
            (lr.a.clone(), lr.b.clone()),
            (Some(json!(0.01)), Some(json!(0.02)))
        );
    }

    #[test]
    fn no_content_beside_a_mapping_is_an_empty_one_and_equal_contents_have_no_change() {
        assert_eq!(
            paths(None, Some(r#"{"lr": 1}"#)),
            vec![(".lr".into(), Change::Added)]
        );
        assert_eq!(
            paths(Some("lr: 1\nx: [a]\n"), Some(r#"{"lr": 1, "x": ["a"]}"#)),
            vec![]
        );
        assert_eq!(paths(None, None), vec![]);
        assert_eq!(
            paths(Some("plain text"), Some("other")),
            vec![(".".into(), Change::Changed)]
        );
    }
}
