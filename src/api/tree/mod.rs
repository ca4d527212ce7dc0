//! The streams service's folder listing, `GET ST/artifacts/tree?path=P`: one level of a run's
//! store as the server sends it (contract §13.2), and the bounded walk ([`mod@walk`]) that
//! lists a whole folder from it, judging every name (pull, upload and `files` share it).

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::Value;
use url::Url;

use super::{ApiError, ApiRequest, Client, StreamBase};

#[cfg(test)]
mod tests_walk;
pub mod walk;

pub use walk::{
    Folder, Found, LIMITS, Limits, TreeFile, WalkError, is_missing, listing_error, walk, walk_entry,
};

/// One folder's listing, kept as sent: names are untrusted, duplicates are kept (a JSON object
/// may repeat a key), a size may be missing, and `error` is set when the server could not list
/// the path (it still answers 200).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TreeListing {
    /// Files and their sizes in bytes, in the server's order.
    #[serde(default, deserialize_with = "entries")]
    pub files: Vec<(String, Option<u64>)>,
    /// Sub-folders; symbolic links (to a file, a folder or nothing) are listed here too.
    #[serde(default)]
    pub dirs: Vec<String>,
    /// The server's own text when it could not list the path; it names the server's absolute
    /// path, which is not the user's: show it only as debug output.
    #[serde(default, deserialize_with = "text")]
    pub error: Option<String>,
}

impl Client {
    /// Lists one folder of a run's store (`url` is `ST/artifacts/tree?path=…`); retried like
    /// every read.
    pub async fn list_tree(&self, url: &Url) -> Result<TreeListing, ApiError> {
        self.fetch(&ApiRequest::get(url.clone())).await
    }

    /// Walks the run-relative path `rel` of the run `base` names: every file below it with its
    /// size (or the file itself), within `limits`.
    pub async fn walk_tree(
        &self,
        base: &StreamBase,
        rel: &str,
        limits: &Limits,
    ) -> Result<Found, WalkError> {
        walk_entry(&base.uuid, rel, limits, |path| {
            let url = base.tree_url(&path);
            async move { self.list_tree(&url).await }
        })
        .await
    }
}

/// `{"name": size, …}` as pairs, duplicates kept; a size that is not a non-negative integer
/// is `None`.
fn entries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, Option<u64>)>, D::Error> {
    struct Pairs;
    impl<'de> Visitor<'de> for Pairs {
        type Value = Vec<(String, Option<u64>)>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of file names and sizes")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
            while let Some((name, size)) = map.next_entry::<String, Value>()? {
                out.push((name, size.as_u64()));
            }
            Ok(out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(Pairs)
}

/// A string as is; any other non-null JSON value as its JSON text.
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> TreeListing {
        serde_json::from_str(s).unwrap()
    }

    #[test]
    fn a_listing_as_the_server_sends_it() {
        let t = parse(r#"{"files": {"b.bin": 3, "a.txt": 0}, "dirs": ["sub", "link"]}"#);
        assert_eq!(
            t.files,
            vec![("b.bin".into(), Some(3)), ("a.txt".into(), Some(0))]
        );
        assert_eq!(t.dirs, vec!["sub", "link"]);
        assert_eq!(t.error, None);
    }

    #[test]
    fn duplicates_and_odd_sizes_are_kept_for_the_caller_to_judge() {
        let t = parse(r#"{"files": {"x": 1, "x": 2, "n": null, "neg": -1, "f": 1.5}}"#);
        assert_eq!(
            t.files,
            vec![
                ("x".into(), Some(1)),
                ("x".into(), Some(2)),
                ("n".into(), None),
                ("neg".into(), None),
                ("f".into(), None),
            ]
        );
        assert!(t.dirs.is_empty());
    }

    #[test]
    fn an_error_field_is_kept_whatever_its_type() {
        let t = parse(
            r#"{"files": {}, "dirs": [], "error": "Could not list path u. Error [Errno 2] No such file or directory: '/srv/u/x'"}"#,
        );
        assert!(t.error.unwrap().contains("Errno 2"));
        assert_eq!(
            parse(r#"{"error": {"code": 1}}"#).error.unwrap(),
            r#"{"code":1}"#
        );
        assert_eq!(
            parse(r#"{"files": null, "error": null}"#),
            TreeListing::default()
        );
    }

    #[test]
    fn a_listing_of_the_wrong_shape_is_refused() {
        assert!(serde_json::from_str::<TreeListing>(r#"{"files": ["a"]}"#).is_err());
        assert!(serde_json::from_str::<TreeListing>(r#"{"dirs": "a"}"#).is_err());
    }
}
