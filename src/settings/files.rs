//! The official CLI's JSON config files: reading `.client`/`.auth` and writing keys safely (0600).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::EnvFn;
use super::env::HOME;

/// The official CLI's config folder, in the home (or `$POLYAXON_HOME`) and in the working
/// directory (project cache).
pub const CONFIG_DIR: &str = ".polyaxon";
/// Read before the user's folder, as the official CLI does.
pub const TMP_CONFIG_DIR: &str = "/tmp/.polyaxon";
/// Host, timeout, TLS and auth scheme.
pub const CLIENT_FILE: &str = ".client";
/// The token.
pub const AUTH_FILE: &str = ".auth";
/// The cached project (`owner`, `name`).
pub const PROJECT_FILE: &str = ".project";
/// Moves the config folder: `POLYAXON_HOME: DIR` (YAML).
pub const HOME_FILE: &str = ".home";

/// `<dir>/.polyaxon/.project`: the project cache of a working directory or a home.
pub fn project_file(dir: &Path) -> PathBuf {
    dir.join(CONFIG_DIR).join(PROJECT_FILE)
}

/// Key/value pairs read from the official CLI's JSON config files, with the file they came from.
#[derive(Debug, Default)]
pub(super) struct FileValues(BTreeMap<String, (Value, PathBuf)>);

impl FileValues {
    /// Reads one file's keys. A file that exists but cannot be read, or is not a JSON object,
    /// is skipped: the answer says why, to be shown once.
    pub(super) fn load(&mut self, path: &Path) -> Option<String> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
            Err(e) => return Some(ignored(path, &format!("it cannot be read ({e})"))),
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => {
                for (k, v) in map {
                    self.0
                        .insert(k.to_ascii_lowercase(), (v, path.to_path_buf()));
                }
                None
            }
            Ok(_) => Some(ignored(path, "it is not a JSON object")),
            Err(e) => Some(ignored(path, &format!("it is not valid JSON ({e})"))),
        }
    }

    /// Looks a key up by its variable name (`POLYAXON_HOST`) or its field name (`host`).
    pub(super) fn get(&self, alias: &str, field: &str) -> Option<(String, PathBuf)> {
        let (value, path) = self
            .0
            .get(&alias.to_ascii_lowercase())
            .or_else(|| self.0.get(field))?;
        let text = match value {
            Value::String(s) if s.trim().is_empty() => return None,
            Value::String(s) => s.clone(),
            Value::Null => return None,
            other => other.to_string(),
        };
        Some((text, path.clone()))
    }
}

/// Why a config file is skipped, and how to repair it.
fn ignored(path: &Path, why: &str) -> String {
    format!(
        "ignoring {}: {why}; fix it, or save a setting with `pxa config set` to replace it",
        path.display()
    )
}

pub(super) fn truthy(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "on" => Some(true),
        "0" | "false" | "no" | "n" | "off" | "" => Some(false),
        _ => None,
    }
}

/// The folder of `.client`/`.auth`: `$POLYAXON_HOME/.polyaxon`, else the home stored in
/// `~/.polyaxon/.home`, else `~/.polyaxon`.
pub fn config_dir(env: EnvFn<'_>, home: Option<&Path>) -> Option<PathBuf> {
    if let Some(dir) = env(HOME.name).filter(|d| !d.is_empty()) {
        return Some(Path::new(&dir).join(CONFIG_DIR));
    }
    let home = home?;
    let global = home.join(CONFIG_DIR);
    if let Ok(text) = std::fs::read_to_string(global.join(HOME_FILE)) {
        let moved = serde_yaml::from_str::<BTreeMap<String, Value>>(&text)
            .ok()
            .and_then(|m| m.get(HOME.name).and_then(|v| v.as_str().map(PathBuf::from)));
        if let Some(dir) = moved {
            return Some(dir.join(CONFIG_DIR));
        }
    }
    Some(global)
}

/// Sets (or with `None` removes) `key` in a JSON object file, keeping its other keys. The file
/// is written to a temporary sibling with mode 0600 and renamed into place. A file that is not
/// a JSON object is replaced; its old text is kept beside it as `<name>.bad`, which is returned.
pub fn write_json_key(
    path: &Path,
    key: &str,
    value: Option<Value>,
    drop: &[&str],
) -> std::io::Result<Option<PathBuf>> {
    let mut kept = None;
    let mut map = match std::fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(map)) => map,
            _ => {
                let copy = path.with_file_name(format!(
                    "{}.bad",
                    path.file_name()
                        .and_then(|n| n.to_str())
                        .unwrap_or("config")
                ));
                // Private: it may hold a token.
                let _ = std::fs::remove_file(&copy);
                private_file(&copy)?.write_all(text.as_bytes())?;
                kept = Some(copy);
                serde_json::Map::new()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::Map::new(),
        Err(e) => return Err(e),
    };
    for alias in drop {
        map.remove(*alias);
    }
    match value {
        Some(v) => {
            map.insert(key.to_string(), v);
        }
        None => {
            map.remove(key);
        }
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let tmp = dir.join(format!(
        ".{}.pxa-tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("config")
    ));
    {
        let mut file = private_file(&tmp)?;
        file.write_all(serde_json::to_string_pretty(&Value::Object(map))?.as_bytes())?;
        file.write_all(b"\n")?;
        file.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    Ok(kept)
}

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_keeps_other_keys_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/.client");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            r#"{"POLYAXON_VERIFY_SSL":false,"host":"http://old"}"#,
        )
        .unwrap();
        write_json_key(
            &path,
            "POLYAXON_HOST",
            Some(Value::from("http://new")),
            &["host"],
        )
        .unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["POLYAXON_HOST"], "http://new");
        assert_eq!(v["POLYAXON_VERIFY_SSL"], false);
        assert!(v.get("host").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        write_json_key(&path, "POLYAXON_HOST", None, &[]).unwrap();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(v.get("POLYAXON_HOST").is_none());
    }
}
