//! Server-level endpoints: installation info and the current user (used by `pxa status`).

use serde::Deserialize;

use super::client::{ApiRequest, Client};
use super::error::ApiError;
use super::models::Resource;

/// `GET /api/v1/installation`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Installation {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub dist: Option<String>,
    #[serde(default)]
    pub mode: Option<String>,
}

/// `GET /api/v1/users`: the authenticated user (EE/Cloud; CE has no such route).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct User {
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

impl Client {
    pub async fn installation(&self) -> Result<Resource<Installation>, ApiError> {
        self.fetch(&ApiRequest::get(self.api_url(&["installation"])))
            .await
    }

    pub async fn current_user(&self) -> Result<Resource<User>, ApiError> {
        self.fetch(&ApiRequest::get(self.api_url(&["users"]))).await
    }
}
