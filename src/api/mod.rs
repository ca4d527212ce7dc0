//! The typed Polyaxon REST client: one request funnel, models, errors and endpoints.

pub mod client;
pub mod download;
pub mod error;
pub mod models;
pub mod retry;
pub mod runs;
pub mod server;
pub mod streams;
mod transport;
pub mod tree;
pub mod upload;
pub mod versions;

pub use client::{ApiRequest, Client, ClientConfig, Secret};
pub use error::{ApiError, SetupError};
pub use models::{Kind, ProjectVersion, Resource, Stage, Stages};
pub use streams::StreamBase;
pub use versions::{ListParams, Registry};
