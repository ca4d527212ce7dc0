//! Folder entries planned from the server's tree listing: the walk (`api::tree::walk`) learns
//! every file and its size, the plan ([`mod@plan`]) chooses per subtree between one tarball and
//! one request per file. docs/pull.md, "How a folder is fetched", gives the rule and its numbers.

pub mod plan;

#[cfg(test)]
mod tests_costs;
#[cfg(test)]
mod tests_plan;

pub use crate::api::tree::{
    Folder, Found, LIMITS, Limits, TreeFile, WalkError, listing_error, walk, walk_entry,
};
pub use plan::{COSTS, Contents, CostModel, How, Piece, Plan, is_text, plan};
