//! Folder entries planned from the server's tree listing: the walk ([`mod@walk`]) learns every
//! file and its size, the plan ([`mod@plan`]) chooses per subtree between one tarball and one
//! request per file. docs/pull.md, "How a folder is fetched", gives the rule and its numbers.

pub mod plan;
pub mod walk;

#[cfg(test)]
mod tests_costs;
#[cfg(test)]
mod tests_plan;
#[cfg(test)]
mod tests_walk;

use url::Url;

pub use plan::{COSTS, Contents, CostModel, How, Piece, Plan, is_text, plan};
pub use walk::{Folder, Found, LIMITS, Limits, TreeFile, WalkError, walk, walk_entry};

use super::plan::StreamBase;
use crate::api::Client;

/// `ST/artifacts/tree?path=P`: one level of the run's store at the run-relative path `P`.
pub fn tree_url(base: &StreamBase, path: &str) -> Url {
    base.url(&["artifacts", "tree"], &[("path", path)])
}

/// Walks the run-relative lineage path `rel` of the run `base` names, through `client`.
pub async fn walk_remote(
    client: &Client,
    base: &StreamBase,
    rel: &str,
    limits: &Limits,
) -> Result<Found, WalkError> {
    walk_entry(&base.uuid, rel, limits, |path| {
        let url = tree_url(base, &path);
        async move { client.list_tree(&url).await }
    })
    .await
}
