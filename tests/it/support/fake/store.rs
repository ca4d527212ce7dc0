//! A run's store as the CE streams service serves it, for the fake server: the tree listing
//! (`ST/artifacts/tree?path=P`, one level, `error` for a missing path), single files
//! (`ST/artifact?path=F`) and folder tarballs (`ST/artifacts?path=D`, members relative to
//! `D`, named `<basename>.tar.gz`), all from the same files so that a test can change one
//! and see every answer follow (contract §13.2, §13.3).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value, json};

use super::{Req, Resp, reply};
use crate::support::files::tarball;

/// Run-relative path → bytes.
#[derive(Clone, Default)]
pub struct Store(Arc<Mutex<BTreeMap<String, Vec<u8>>>>);

impl Store {
    pub fn new(files: &[(&str, &[u8])]) -> Self {
        let store = Self::default();
        for (path, bytes) in files {
            store.put(path, bytes);
        }
        store
    }

    /// Writes (or overwrites) a file.
    pub fn put(&self, path: &str, bytes: &[u8]) {
        self.0
            .lock()
            .unwrap()
            .insert(path.to_string(), bytes.to_vec());
    }

    /// Deletes a file.
    pub fn remove(&self, path: &str) {
        self.0.lock().unwrap().remove(path);
    }

    pub fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(path).cloned()
    }

    /// The files at and below the folder `dir` (`""`: all), relative to it.
    pub fn below(&self, dir: &str) -> Vec<(String, Vec<u8>)> {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let files = self.0.lock().unwrap();
        files
            .iter()
            .filter_map(|(p, b)| Some((p.strip_prefix(&prefix)?.to_string(), b.clone())))
            .collect()
    }

    /// `{"files": {name: size}, "dirs": [...]}` of one level, or the server's `error` answer.
    pub fn listing(&self, path: &str) -> Value {
        let files = self.0.lock().unwrap();
        listing(
            files.iter().map(|(p, b)| (p.as_str(), b.len() as u64)),
            path,
        )
    }

    /// The answer the CE server gives to a streams request for this store, if it is one:
    /// the tree, a file, or a folder's tarball (404 for what is not there).
    pub fn answer(&self, req: &Req) -> Option<Resp> {
        let path = req.param("path").unwrap_or_default();
        if req.path.ends_with("/artifacts/tree") {
            return Some(reply(200, self.listing(&path).to_string()));
        }
        if req.path.ends_with("/artifact") {
            return Some(match self.get(&path) {
                Some(bytes) => reply(200, bytes),
                None => reply(404, format!("Artifact not found: filepath={path}")),
            });
        }
        if req.path.ends_with("/artifacts") {
            if req.param("check_path").is_some()
                && let Some(bytes) = self.get(&path)
            {
                let name = path.rsplit('/').next().unwrap_or("");
                return Some(disposition(reply(200, bytes), name));
            }
            return Some(self.tarball(&path));
        }
        None
    }

    /// The tarball of a folder, as the server names and builds it.
    pub fn tarball(&self, dir: &str) -> Resp {
        let files = self.below(dir);
        if files.is_empty() {
            return reply(404, "Artifact not found: filepath=None");
        }
        let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), &b[..])).collect();
        let name = dir.rsplit('/').next().unwrap_or("run");
        disposition(reply(200, tarball(&refs)), &format!("{name}.tar.gz"))
    }
}

/// One level of a store given as run-relative paths and sizes, as the CE server lists it:
/// a file lists as a folder holding itself; a missing path answers 200 with `error`.
pub fn listing<'a>(all: impl Iterator<Item = (&'a str, u64)>, path: &str) -> Value {
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("{path}/")
    };
    let mut files = Map::new();
    let mut dirs: Vec<String> = Vec::new();
    for (p, size) in all {
        if p == path {
            let name = path.rsplit('/').next().unwrap_or(path);
            return json!({"files": {name: size}, "dirs": []});
        }
        let Some(rel) = p.strip_prefix(&prefix) else {
            continue;
        };
        match rel.split_once('/') {
            Some((dir, _)) if !dirs.iter().any(|d| d == dir) => dirs.push(dir.to_string()),
            Some(_) => {}
            None => {
                files.insert(rel.to_string(), json!(size));
            }
        }
    }
    if files.is_empty() && dirs.is_empty() && !path.is_empty() {
        return json!({"files": {}, "dirs": [], "error": format!(
            "Could not list path {path}. Error [Errno 2] No such file or directory: \
             '/srv/plx/artifacts/run/{path}'")});
    }
    json!({"files": files, "dirs": dirs})
}

/// A streams handler that lists `sizes` (run-relative paths) and hands everything else to
/// `inner` (for files too large to keep in the test's memory).
pub fn with_listed(
    sizes: Vec<(String, u64)>,
    inner: impl Fn(&Req, usize) -> Resp + Send + Sync + 'static,
) -> impl Fn(&Req, usize) -> Resp + Send + Sync + 'static {
    move |req, nth| {
        if req.path.ends_with("/artifacts/tree") {
            let path = req.param("path").unwrap_or_default();
            let all = sizes.iter().map(|(p, s)| (p.as_str(), *s));
            return reply(200, listing(all, &path).to_string());
        }
        inner(req, nth)
    }
}

/// The answer with `Content-Disposition: inline; filename="<name>"`.
pub fn disposition(mut r: Resp, name: &str) -> Resp {
    r.headers.push((
        "Content-Disposition".into(),
        format!("inline; filename=\"{name}\""),
    ));
    r
}

/// A streams handler that answers tree listings from `store` and hands everything else to
/// `inner`.
pub fn with_tree(
    store: Store,
    inner: impl Fn(&Req, usize) -> Resp + Send + Sync + 'static,
) -> impl Fn(&Req, usize) -> Resp + Send + Sync + 'static {
    move |req, nth| {
        if req.path.ends_with("/artifacts/tree") {
            return store.answer(req).expect("a listing");
        }
        inner(req, nth)
    }
}
