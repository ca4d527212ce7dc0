//! The versions endpoints (list, get, create, patch, delete, stages, transfer) and runs: request
//! builders for every one (writes are sent by the commands, or printed by `--dry-run`) and
//! typed reads.

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{ApiRequest, Client};
use super::error::ApiError;
use super::models::{Kind, Page, ProjectVersion, Resource, Run, Stages};
use crate::reference::ProjectRef;

mod paging;

pub use paging::STABLE_SORT;

/// The server never returns more than this many items per page of the versions list.
pub const SERVER_PAGE_MAX: u64 = 100;

/// Query parameters of the list endpoints.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub offset: u64,
    pub limit: Option<u64>,
    pub sort: Option<String>,
    pub query: Option<String>,
    pub no_page: bool,
}

/// Which versions a call is about: one project, one kind.
#[derive(Debug, Clone)]
pub struct Registry {
    pub project: ProjectRef,
    pub kind: Kind,
}

impl Registry {
    pub fn new(project: ProjectRef, kind: Kind) -> Self {
        Self { project, kind }
    }

    fn base(&self) -> Vec<String> {
        vec![
            self.project.owner.clone(),
            self.project.name.clone(),
            "versions".into(),
            self.kind.as_str().into(),
        ]
    }

    fn path(&self, tail: &[&str]) -> Vec<String> {
        let mut segments = self.base();
        segments.extend(tail.iter().map(|s| s.to_string()));
        segments
    }
}

/// Request builders: each returns the exact request without sending it (used by `--dry-run`).
pub mod requests {
    use super::*;

    pub fn list(c: &Client, r: &Registry, p: &ListParams) -> ApiRequest {
        let mut url = c.api_url(&r.base());
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("offset", &p.offset.to_string());
            if let Some(limit) = p.limit {
                q.append_pair("limit", &limit.to_string());
            }
            if let Some(sort) = &p.sort {
                q.append_pair("sort", sort);
            }
            if let Some(query) = &p.query {
                q.append_pair("query", query);
            }
            if p.no_page {
                q.append_pair("no_page", "true");
            }
        }
        ApiRequest::get(url)
    }

    pub fn get(c: &Client, r: &Registry, name: &str) -> ApiRequest {
        ApiRequest::get(c.api_url(&r.path(&[name])))
    }

    pub fn create(c: &Client, r: &Registry, body: Value) -> ApiRequest {
        ApiRequest::new(Method::POST, c.api_url(&r.base())).with_body(body)
    }

    pub fn patch(c: &Client, r: &Registry, name: &str, body: Value) -> ApiRequest {
        ApiRequest::new(Method::PATCH, c.api_url(&r.path(&[name]))).with_body(body)
    }

    pub fn delete(c: &Client, r: &Registry, name: &str) -> ApiRequest {
        ApiRequest::new(Method::DELETE, c.api_url(&r.path(&[name])))
    }

    pub fn stages(c: &Client, r: &Registry, name: &str) -> ApiRequest {
        ApiRequest::get(c.api_url(&r.path(&[name, "stages"])))
    }

    pub fn set_stage(c: &Client, r: &Registry, name: &str, condition: Value) -> ApiRequest {
        ApiRequest::new(Method::POST, c.api_url(&r.path(&[name, "stages"])))
            .with_body(json!({ "condition": condition }))
    }

    pub fn transfer(c: &Client, r: &Registry, name: &str, to_project: &str) -> ApiRequest {
        ApiRequest::new(Method::POST, c.api_url(&r.path(&[name, "transfer"])))
            .with_body(json!({ "project": to_project }))
    }

    pub fn run(c: &Client, owner: &str, project: &str, uuid: &str) -> ApiRequest {
        ApiRequest::get(c.api_url(&[owner, project, "runs", uuid]))
    }
}

impl Client {
    /// One page of versions.
    pub async fn list_versions(
        &self,
        r: &Registry,
        p: &ListParams,
    ) -> Result<Page<Resource<ProjectVersion>>, ApiError> {
        self.fetch(&requests::list(self, r, p)).await
    }

    pub async fn get_version(
        &self,
        r: &Registry,
        name: &str,
    ) -> Result<Resource<ProjectVersion>, ApiError> {
        self.fetch(&requests::get(self, r, name)).await
    }

    /// Reads a version, `None` when it does not exist (404).
    pub async fn find_version(
        &self,
        r: &Registry,
        name: &str,
    ) -> Result<Option<Resource<ProjectVersion>>, ApiError> {
        match self.get_version(r, name).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn get_stages(&self, r: &Registry, name: &str) -> Result<Resource<Stages>, ApiError> {
        self.fetch(&requests::stages(self, r, name)).await
    }

    pub async fn get_run(
        &self,
        owner: &str,
        project: &str,
        uuid: &str,
    ) -> Result<Resource<Run>, ApiError> {
        self.fetch(&requests::run(self, owner, project, uuid)).await
    }
}
