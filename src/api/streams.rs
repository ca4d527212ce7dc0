//! Where a run's streams are served from (`/streams/v1/{namespace}/{owner}/{project}/runs/{uuid}`)
//! and the URLs of its endpoints: files, folder tarballs, event packages and the tree listing.

use url::Url;

use super::models::RunSettings;

/// Where the run's streams are served from.
#[derive(Debug, Clone)]
pub struct StreamBase {
    pub base: Url,
    pub namespace: String,
    pub owner: String,
    pub project: String,
    pub uuid: String,
    pub connection: Option<String>,
}

impl StreamBase {
    /// Streams are served by the API host, or by the run's agent when it names one (EE).
    pub fn new(host: &Url, owner: &str, project: &str, uuid: &str, s: &RunSettings) -> Self {
        let base = s
            .agent_url()
            .and_then(|u| Url::parse(u).ok())
            .unwrap_or_else(|| host.clone());
        Self {
            base,
            namespace: s.namespace.clone().unwrap_or_else(|| "polyaxon".into()),
            owner: owner.into(),
            project: project.into(),
            uuid: uuid.into(),
            connection: s.store_name().map(str::to_string),
        }
    }

    pub fn url(&self, tail: &[&str], query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        {
            let mut p = url.path_segments_mut().expect("host is a base URL");
            p.pop_if_empty().extend(["streams", "v1"]);
            p.extend([
                &self.namespace,
                &self.owner,
                &self.project,
                "runs",
                &self.uuid,
            ]);
            p.extend(tail);
        }
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in query {
                q.append_pair(k, v);
            }
            if let Some(c) = &self.connection {
                q.append_pair("connection", c);
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }

    /// `ST/artifact?path=P&force=true`: the file at the run-relative path `P` as the store
    /// holds it now (`force` refreshes the server's cache copy first, §13.3).
    pub fn file_url(&self, path: &str) -> Url {
        self.url(&["artifact"], &[("path", path), ("force", "true")])
    }

    /// `ST/artifacts/tree?path=P`: one level of the run's store at the run-relative path `P`.
    pub fn tree_url(&self, path: &str) -> Url {
        self.url(&["artifacts", "tree"], &[("path", path)])
    }
}
