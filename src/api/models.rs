//! Wire models for project versions, stages, pages and runs (unknown fields are kept, not rejected).

use std::fmt;

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The three registries that share the versions endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    #[default]
    Artifact,
    Model,
    Component,
}

impl Kind {
    /// The URL segment (`artifact`, `model`, `component`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Artifact => "artifact",
            Self::Model => "model",
            Self::Component => "component",
        }
    }
    /// The folder name a pull uses (`artifacts`, `models`, `components`).
    pub fn plural(self) -> &'static str {
        match self {
            Self::Artifact => "artifacts",
            Self::Model => "models",
            Self::Component => "components",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stages a version moves through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Testing,
    Staging,
    Production,
    Disabled,
}

impl Stage {
    /// Every stage, in the order a version usually moves through them.
    pub const ALL: [Stage; 4] = [
        Self::Testing,
        Self::Staging,
        Self::Production,
        Self::Disabled,
    ];

    /// The stage of that (lowercase) name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Testing => "testing",
            Self::Staging => "staging",
            Self::Production => "production",
            Self::Disabled => "disabled",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A server object decoded twice: the raw JSON (what `-o json|yaml` prints, unchanged)
/// and the typed view the tables and commands use.
#[derive(Debug, Clone)]
pub struct Resource<T> {
    pub raw: Value,
    pub item: T,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Resource<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Value::deserialize(deserializer)?;
        let item = T::deserialize(&raw).map_err(serde::de::Error::custom)?;
        Ok(Self { raw, item })
    }
}

impl<T> std::ops::Deref for Resource<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.item
    }
}

/// `V1ProjectVersion`: every field of the spec, all optional, unknown ones kept in `extra`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ProjectVersion {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "tags_from_list_or_string")]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub readme: Option<String>,
    #[serde(default)]
    pub run: Option<String>,
    #[serde(default)]
    pub artifacts: Option<Vec<String>>,
    #[serde(default)]
    pub meta_info: Option<MetaInfo>,
    #[serde(default)]
    pub stage_conditions: Option<Vec<StageCondition>>,
    #[serde(default)]
    pub connection: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub contributors: Option<Vec<Value>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The server stores whatever it is given for tags; a plain string is split on commas.
fn tags_from_list_or_string<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            s.split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        Some(Value::Array(items)) => Some(
            items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        ),
        Some(other) => Some(vec![other.to_string()]),
    })
}

/// `meta_info` of a version: the linked run and its lineage.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct MetaInfo {
    #[serde(default)]
    pub run: Option<RunRef>,
    #[serde(default)]
    pub lineage: Option<Vec<RunArtifact>>,
    #[serde(default)]
    pub artifacts: Option<Vec<RunArtifact>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RunRef {
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub uuid: Option<String>,
}

/// `V1RunArtifact`: one lineage entry of a run.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RunArtifact {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub run: Option<String>,
    #[serde(default)]
    pub connection: Option<String>,
    #[serde(default)]
    pub summary: Option<Value>,
    #[serde(default)]
    pub is_input: Option<bool>,
    #[serde(default)]
    pub meta_info: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of a version's stage history.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct StageCondition {
    #[serde(default, rename = "type")]
    pub stage: Option<String>,
    /// `true` or `"True"`: the server keeps whatever the client sent.
    #[serde(default)]
    pub status: Option<Value>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub last_update_time: Option<String>,
    #[serde(default)]
    pub last_transition_time: Option<String>,
    #[serde(default)]
    pub meta_info: Option<Value>,
}

impl StageCondition {
    /// The status as a boolean, whichever way the server stored it.
    pub fn status_bool(&self) -> Option<bool> {
        match self.status.as_ref()? {
            Value::Bool(b) => Some(*b),
            Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
            _ => None,
        }
    }
}

/// `GET …/stages`: the current stage and its history.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Stages {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub stage: Option<String>,
    #[serde(default)]
    pub stage_conditions: Option<Vec<StageCondition>>,
}

/// A page of a list endpoint.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    #[serde(default)]
    pub count: Option<u64>,
    #[serde(default)]
    pub next: Option<String>,
    #[serde(default)]
    pub previous: Option<String>,
    #[serde(default = "Vec::new")]
    pub results: Vec<T>,
}

/// The parts of a run that a pull needs (unknown fields kept).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Run {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub project: Option<String>,
    /// `created`, `running`, `succeeded`, `failed`, …
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "tags_from_list_or_string")]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub settings: Option<RunSettings>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `settings` of a run: where its artifacts are served from.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RunSettings {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub agent: Option<Value>,
    #[serde(default)]
    pub artifacts_store: Option<Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl RunSettings {
    /// `artifacts_store.name`, sent as `connection=` on stream requests.
    pub fn store_name(&self) -> Option<&str> {
        self.artifacts_store.as_ref()?.get("name")?.as_str()
    }
    /// `agent.url`: when set, stream requests go to that host.
    pub fn agent_url(&self) -> Option<&str> {
        self.agent
            .as_ref()?
            .get("url")?
            .as_str()
            .filter(|u| !u.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_detail_from_the_contract() {
        let raw = r#"{"uuid":"3bbec028a1524db3946c00084ad8dd4d","name":"m1","description":null,"tags":null,
 "user":null,"created_at":"2026-11-27T14:29:39.759063Z","updated_at":"2026-11-27T14:29:39.759102Z",
 "stage":"testing","state":null,"kind":"model","owner":"default","project":"demo",
 "content":null,"readme":null,"run":"6de0b57635c842abb378fb1379d4dfec","artifacts":["model"],
 "meta_info":{"run":{"project":"demo","name":"trainer2","uuid":"6de0b57635c842abb378fb1379d4dfec"},
   "lineage":[{"name":"model","kind":"model","is_input":false,
     "path":"6de0b57635c842abb378fb1379d4dfec/outputs/model","summary":{"framework":"none"},
     "state":"6de0b57635c842abb378fb1379d4dfec","run":"6de0b57635c842abb378fb1379d4dfec",
     "meta_info":{"run":{"name":"trainer2","uuid":"6de0b57635c842abb378fb1379d4dfec"}}}]},
 "brand_new_field": 7}"#;
        let v: Resource<ProjectVersion> = serde_json::from_str(raw).unwrap();
        assert_eq!(v.name, "m1");
        assert_eq!(v.artifacts.as_deref(), Some(&["model".to_string()][..]));
        let meta = v.meta_info.as_ref().unwrap();
        assert_eq!(meta.run.as_ref().unwrap().name.as_deref(), Some("trainer2"));
        assert_eq!(
            meta.lineage.as_ref().unwrap()[0].kind.as_deref(),
            Some("model")
        );
        assert_eq!(v.extra.get("brand_new_field"), Some(&Value::from(7)));
        // The raw form is the server's object, key for key.
        assert_eq!(v.raw, serde_json::from_str::<Value>(raw).unwrap());
    }

    #[test]
    fn tags_as_string_are_split() {
        let v: ProjectVersion = serde_json::from_str(r#"{"name":"x","tags":"t1, t2"}"#).unwrap();
        assert_eq!(v.tags.unwrap(), vec!["t1", "t2"]);
    }

    #[test]
    fn stage_status_bool_or_string() {
        let s: Stages = serde_json::from_str(
            r#"{"uuid":"u","stage":"staging","stage_conditions":[
            {"type":"testing","status":"True","reason":"ArtifactVersionCreated"},
            {"type":"staging","status":true,"reason":"GithubAction","message":"m"}]}"#,
        )
        .unwrap();
        let c = s.stage_conditions.unwrap();
        assert_eq!(c[0].status_bool(), Some(true));
        assert_eq!(c[1].status_bool(), Some(true));
        assert_eq!(c[0].message, None);
    }

    #[test]
    fn page_with_null_count() {
        let p: Page<ProjectVersion> = serde_json::from_str(
            r#"{"count":null,"next":null,"previous":null,"results":[{"name":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(p.count, None);
        assert_eq!(p.results[0].name, "a");
    }

    #[test]
    fn run_settings() {
        let r: Run = serde_json::from_str(
            r#"{"uuid":"u","settings":{"namespace":"polyaxon","agent":{"url":"http://a"},"artifacts_store":{"name":"store"}}}"#,
        )
        .unwrap();
        let s = r.settings.unwrap();
        assert_eq!(s.store_name(), Some("store"));
        assert_eq!(s.agent_url(), Some("http://a"));
    }
}
