//! Write-body building shared by the write commands: flag → JSON field mapping, list
//! splitting, content and UUID validation, the stage condition, durations and `--dry-run`.

use anyhow::Result;
use serde_json::{Map, Value, json};
use std::io::Read;

use super::Context;
use crate::api::ApiRequest;
use crate::api::models::{Kind, Stage};
use crate::exit::CliError;

/// The fields a write may set on a version. `None` = not given, left as the server has it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields {
    /// New name (rename on PATCH; ignored on create, which takes the name separately).
    pub name: Option<String>,
    pub description: Option<String>,
    pub tags: Option<Vec<String>>,
    /// A JSON/YAML mapping, already validated, sent as a string.
    pub content: Option<String>,
    pub readme: Option<String>,
    pub run: Option<String>,
    pub artifacts: Option<Vec<String>>,
    pub connection: Option<String>,
    pub stage: Option<String>,
}

impl Fields {
    /// Whether no field is given at all.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The body of `POST …/versions/{kind}`: the name, the kind and every given field.
    pub fn create_body(&self, name: &str, kind: Kind) -> Value {
        let mut body = Map::new();
        body.insert("name".into(), json!(name));
        self.insert_fields(&mut body);
        body.insert("kind".into(), json!(kind.as_str()));
        Value::Object(body)
    }

    /// The body of `PATCH …/versions/{kind}/{name}`: only the given fields.
    pub fn patch_body(&self) -> Value {
        let mut body = Map::new();
        if let Some(name) = &self.name {
            body.insert("name".into(), json!(name));
        }
        self.insert_fields(&mut body);
        Value::Object(body)
    }

    fn insert_fields(&self, body: &mut Map<String, Value>) {
        let strings = [
            ("description", &self.description),
            ("content", &self.content),
            ("readme", &self.readme),
            ("run", &self.run),
            ("connection", &self.connection),
            ("stage", &self.stage),
        ];
        for (key, value) in strings {
            if let Some(v) = value {
                body.insert(key.into(), json!(v));
            }
        }
        if let Some(tags) = &self.tags {
            body.insert("tags".into(), json!(tags));
        }
        if let Some(artifacts) = &self.artifacts {
            body.insert("artifacts".into(), json!(artifacts));
        }
    }
}

/// Splits a list flag like the official CLI: `a, b,,a` → `[a, b]` (trimmed, empties dropped,
/// duplicates removed keeping the first), and a YAML/JSON list string `["a","b"]` is accepted.
pub fn split_list(input: &str, flag: &str) -> Result<Vec<String>, CliError> {
    let trimmed = input.trim();
    let items: Vec<String> = if trimmed.starts_with('[') && trimmed.ends_with(']') {
        let parsed: Vec<Value> = serde_yaml::from_str(trimmed).map_err(|e| {
            CliError::usage(format!("{flag}: `{input}` is not a valid list: {e}"))
                .with_hint(format!("pass {flag} a,b or {flag} '[\"a\",\"b\"]'"))
        })?;
        parsed
            .into_iter()
            .map(|v| match v {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .collect()
    } else {
        trimmed.split(',').map(str::to_string).collect()
    };
    Ok(dedup(items.iter().map(|s| s.trim().to_string())))
}

/// Trimmed, non-empty, first occurrence kept.
pub fn dedup<I: IntoIterator<Item = String>>(items: I) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !item.is_empty() && !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// Current tags with `add` appended and `remove` taken out, order kept.
pub fn merge_tags(current: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let merged = dedup(current.iter().chain(add.iter()).cloned());
    merged.into_iter().filter(|t| !remove.contains(t)).collect()
}

/// A text flag: `@path` reads the file, `-` reads stdin (when allowed), anything else is literal.
pub fn read_text_arg(value: &str, flag: &str, allow_stdin: bool) -> Result<String, CliError> {
    if allow_stdin && value == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::usage(format!("{flag} -: cannot read stdin: {e}")))?;
        return Ok(text);
    }
    match value.strip_prefix('@') {
        Some(path) => read_file(path, flag),
        None => Ok(value.to_string()),
    }
}

/// Reads a file named by a flag; a missing or unreadable file is a usage error.
pub fn read_file(path: &str, flag: &str) -> Result<String, CliError> {
    std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!("{flag}: cannot read `{path}`: {e}"))
            .with_hint("give a readable UTF-8 file")
    })
}

/// Parses content as JSON, else YAML, and requires a mapping (the server refuses anything else).
pub fn parse_mapping(text: &str, flag: &str) -> Result<Value, CliError> {
    parse_mapping_from(text, flag, None)
}

/// [`parse_mapping`] of the text of the file `path` named by `flag` (`--file x.yaml`,
/// `--content @x.json`): errors name the file and the format its text looks like.
pub fn parse_mapping_file(text: &str, flag: &str, path: &str) -> Result<Value, CliError> {
    parse_mapping_from(text, flag, Some(path))
}

fn parse_mapping_from(text: &str, flag: &str, path: Option<&str>) -> Result<Value, CliError> {
    let hint = match path {
        Some(_) => {
            format!("{flag} takes a file holding a YAML or JSON mapping (`key: value` lines)")
        }
        None => {
            format!("{flag} takes a JSON or YAML mapping, e.g. {flag} '{{\"key\": \"value\"}}'")
        }
    };
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(json_err) => match serde_yaml::from_str::<Value>(text) {
            Ok(v) => v,
            Err(yaml_err) => {
                let message = match path {
                    // YAML reads JSON too: name the format the text looks like.
                    Some(p) if looks_like_json(text) => {
                        format!("{flag} `{p}` is not valid JSON: {json_err}")
                    }
                    Some(p) => format!("{flag} `{p}` is not valid YAML: {yaml_err}"),
                    None => format!("{flag} is neither valid JSON nor YAML: {json_err}"),
                };
                return Err(CliError::usage(message).with_hint(hint));
            }
        },
    };
    let shown = match path {
        Some(p) => format!("{flag} `{p}`"),
        None => flag.to_string(),
    };
    if value.as_object().is_some_and(|m| m.is_empty()) {
        return Err(CliError::usage(format!(
            "{shown} is an empty mapping, which the server refuses (\"Cannot read config_value\")"
        ))
        .with_hint(format!(
            "give at least one key; `pxa update {flag} ''` clears it"
        )));
    }
    if !value.is_object() {
        let what = match &value {
            Value::Null => "empty",
            Value::Array(_) => "a list",
            Value::String(_) => "a plain string",
            _ => "a scalar",
        };
        return Err(
            CliError::usage(format!("{shown} must be a mapping, not {what}")).with_hint(hint),
        );
    }
    Ok(value)
}

/// Whether text opens as JSON does (`{` or `[`).
fn looks_like_json(text: &str) -> bool {
    text.trim_start().starts_with(['{', '['])
}

/// `--content`: the text as given (validated as a mapping), like the official CLI sends it.
pub fn content_arg(value: &str) -> Result<String, CliError> {
    let text = read_text_arg(value, "--content", true)?;
    match value.strip_prefix('@') {
        Some(path) => parse_mapping_file(&text, "--content", path)?,
        None => parse_mapping(&text, "--content")?,
    };
    Ok(text)
}

/// `update --content`: like [`content_arg`], but `''` clears the content (sent as `""`).
pub fn content_or_clear(value: &str) -> Result<String, CliError> {
    if value.trim().is_empty() {
        return Ok(String::new());
    }
    content_arg(value)
}

/// A component's polyaxonfile (YAML or JSON), sent as compact JSON like the official CLI.
pub fn component_file(path: &str) -> Result<String, CliError> {
    let text = read_file(path, "--file")?;
    let value = parse_mapping_file(&text, "--file", path)?;
    if value.get("kind").and_then(Value::as_str) != Some("component") {
        return Err(CliError::usage(format!(
            "--file `{path}` is not a component (it has no `kind: component`)"
        ))
        .with_hint("a component polyaxonfile starts with `version: 1.1` and `kind: component`"));
    }
    Ok(value.to_string())
}

/// A run UUID: 32 hex digits, with or without the 8-4-4-4-12 dashes.
pub fn validate_uuid(value: &str) -> Result<String, CliError> {
    let v = value.trim();
    let dashed = v.len() == 36
        && v.char_indices()
            .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'));
    let hex: String = v.chars().filter(|c| *c != '-').collect();
    let hex_ok = hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit());
    if hex_ok && (dashed || v.len() == 32) {
        Ok(v.to_string())
    } else {
        Err(
            CliError::usage(format!("--run-uid `{value}` is not a run UUID"))
                .with_hint("pass the run's uuid: 32 hex digits, dashes allowed"),
        )
    }
}

/// The condition the stage endpoint takes, with `+00:00` microsecond times like the official CLI.
pub fn stage_condition(
    stage: Stage,
    reason: &str,
    message: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
) -> Value {
    let time = now.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string();
    let mut condition = json!({
        "type": stage.as_str(),
        "status": true,
        "reason": reason,
    });
    if let Some(m) = message {
        condition["message"] = json!(m);
    }
    condition["last_update_time"] = json!(time);
    condition["last_transition_time"] = json!(time);
    condition
}

/// `--dry-run`: prints the write that would be sent (method, URL, body; never the token).
pub fn print_dry_run(ctx: &Context, request: &ApiRequest) -> Result<()> {
    print_value(ctx, &serde_json::to_value(request)?)
}

/// A `--dry-run` document: YAML with `-o yaml`, JSON otherwise.
pub fn print_value(ctx: &Context, value: &Value) -> Result<()> {
    let mut out = ctx.out.clone();
    if out.format != crate::output::Format::Yaml {
        out.format = crate::output::Format::Json;
    }
    out.structured(value)?;
    Ok(())
}

#[cfg(test)]
mod tests;
