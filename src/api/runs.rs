//! Runs as an upload needs them: create one that schedules nothing, find one by name, set its
//! status (`force` moves a finished run on), stop it, and read or record its lineage
//! (contract §13.1). Request builders are separate so `--dry-run` can show them.

use reqwest::Method;
use serde_json::json;

use super::client::{ApiRequest, Client};
use super::error::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::models::{Page, Resource, Run, RunArtifact};

/// The lineage list's page size: the server has no cap on it (`LargeLimitOffsetPagination`).
const LINEAGE_PAGE: u64 = 1000;

/// A run's final (or running) status, as `POST …/statuses` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Running,
    Succeeded,
    Failed,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }
}

/// Request builders: each returns the exact request without sending it.
pub mod requests {
    use super::*;

    /// `POST API/runs`: a run managed by the user (nothing is scheduled, no content needed).
    pub fn create(c: &Client, owner: &str, project: &str, run: &NewRun) -> ApiRequest {
        let body = json!({"name": run.name, "description": run.description,
            "tags": run.tags, "managed_by": "user"});
        ApiRequest::new(Method::POST, c.api_url(&[owner, project, "runs"])).with_body(body)
    }

    /// `GET API/runs?query=name:NAME&sort=-created_at`: the newest runs of that name first.
    pub fn find(c: &Client, owner: &str, project: &str, name: &str) -> ApiRequest {
        let mut url = c.api_url(&[owner, project, "runs"]);
        url.query_pairs_mut()
            .append_pair("query", &format!("name:{name}"))
            .append_pair("sort", "-created_at")
            .append_pair("limit", "20");
        ApiRequest::get(url)
    }

    /// `POST API/runs/{uuid}/statuses`. `force` lets a finished run take another status
    /// (without it the server keeps a final status and still answers 201).
    pub fn status(c: &Client, run: &RunPath<'_>, status: RunStatus, message: &str) -> ApiRequest {
        let condition = json!({"type": status.as_str(), "status": "True",
            "reason": "PxaUpload", "message": message});
        ApiRequest::new(Method::POST, c.api_url(&run.segments(&["statuses"])))
            .with_body(json!({"condition": condition, "force": true}))
    }

    /// `GET API/runs/{uuid}/lineage/artifacts` from `offset`.
    pub fn lineage(c: &Client, run: &RunPath<'_>, offset: u64) -> ApiRequest {
        let mut url = c.api_url(&run.segments(&["lineage", "artifacts"]));
        url.query_pairs_mut()
            .append_pair("offset", &offset.to_string())
            .append_pair("limit", &LINEAGE_PAGE.to_string());
        ApiRequest::get(url)
    }

    /// `POST API/runs/{uuid}/lineage/artifacts`: an upsert by name (re-pointing a name changes
    /// what every version linked to it pulls).
    pub fn record_lineage(c: &Client, run: &RunPath<'_>, entries: &[NewArtifact]) -> ApiRequest {
        ApiRequest::new(
            Method::POST,
            c.api_url(&run.segments(&["lineage", "artifacts"])),
        )
        .with_body(json!({ "artifacts": entries }))
    }
}

/// A run to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
}

/// A lineage entry to record: an output of the run at `path` (`<uuid>/<run-relative path>`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewArtifact {
    pub name: String,
    pub kind: String,
    pub path: String,
    /// What the official client records (`{}` when nothing is known).
    pub summary: Value,
    pub is_input: bool,
}

/// Which run: owner, project, uuid.
#[derive(Debug, Clone, Copy)]
pub struct RunPath<'a> {
    pub owner: &'a str,
    pub project: &'a str,
    pub uuid: &'a str,
}

impl RunPath<'_> {
    fn segments<'s>(&'s self, tail: &[&'s str]) -> Vec<&'s str> {
        let mut out = vec![self.owner, self.project, "runs", self.uuid];
        out.extend_from_slice(tail);
        out
    }
}

impl Client {
    /// Creates a run; the answer carries its uuid.
    pub async fn create_run(
        &self,
        owner: &str,
        project: &str,
        run: &NewRun,
    ) -> Result<Resource<Run>, ApiError> {
        self.fetch(&requests::create(self, owner, project, run))
            .await
    }

    /// Runs named exactly `name`, newest first (the server's query matches more loosely).
    pub async fn find_runs(
        &self,
        owner: &str,
        project: &str,
        name: &str,
    ) -> Result<Vec<Resource<Run>>, ApiError> {
        let page: Page<Resource<Run>> = self
            .fetch(&requests::find(self, owner, project, name))
            .await?;
        Ok(page
            .results
            .into_iter()
            .filter(|r| r.name.as_deref() == Some(name))
            .collect())
    }

    /// Sets a run's status, moving a finished run on too.
    pub async fn set_run_status(
        &self,
        run: &RunPath<'_>,
        status: RunStatus,
        message: &str,
    ) -> Result<(), ApiError> {
        self.execute(&requests::status(self, run, status, message))
            .await
    }

    /// Every lineage entry of a run (all pages).
    pub async fn run_lineage(&self, run: &RunPath<'_>) -> Result<Vec<RunArtifact>, ApiError> {
        self.lineage_pages(run).await
    }

    /// Every lineage entry of a run as the server sent it (all pages), for `-o json`.
    pub async fn run_lineage_raw(&self, run: &RunPath<'_>) -> Result<Vec<Value>, ApiError> {
        self.lineage_pages(run).await
    }

    async fn lineage_pages<T: DeserializeOwned>(
        &self,
        run: &RunPath<'_>,
    ) -> Result<Vec<T>, ApiError> {
        let mut out = Vec::new();
        loop {
            let page: Page<T> = self
                .fetch(&requests::lineage(self, run, out.len() as u64))
                .await?;
            let got = page.results.len();
            out.extend(page.results);
            if got == 0 || page.next.is_none() {
                return Ok(out);
            }
        }
    }

    /// Records lineage entries (upsert by name).
    pub async fn record_lineage(
        &self,
        run: &RunPath<'_>,
        entries: &[NewArtifact],
    ) -> Result<(), ApiError> {
        self.execute(&requests::record_lineage(self, run, entries))
            .await
    }
}

/// The lineage `path` pxa records for a run-relative path: `<uuid>/<rel>`, as Polyaxon's own
/// tracking writes it.
pub fn lineage_path(uuid: &str, rel: &str) -> String {
    format!("{uuid}/{rel}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_paths_hold_the_run() {
        assert_eq!(lineage_path("u", "outputs/m"), "u/outputs/m");
    }

    #[test]
    fn status_bodies_force_a_finished_run_on() {
        let c = Client::new(crate::api::client::tests_config("http://h")).unwrap();
        let run = RunPath {
            owner: "o",
            project: "p",
            uuid: "u",
        };
        let r = requests::status(&c, &run, RunStatus::Succeeded, "done");
        assert_eq!(r.url.as_str(), "http://h/api/v1/o/p/runs/u/statuses");
        let body = r.body.unwrap();
        assert_eq!(body["force"], true);
        assert_eq!(body["condition"]["type"], "succeeded");
    }
}
