//! What the suites share, and the only place it is written: running pxa ([`process`]), the
//! real sandbox ([`sandbox`], [`project`]), the in-process fake server ([`fake`]), the cutting
//! proxy in front of the sandbox ([`proxy`]) and the one that forwards and fails uploads
//! ([`upload_proxy`]), files and hashes ([`files`]) and snapshots of what pxa prints
//! ([`snapshot`]).

pub mod fake;
pub mod files;
pub mod process;
pub mod project;
pub mod proxy;
pub mod sandbox;
pub mod snapshot;
pub mod tmpfs;
pub mod upload_proxy;

pub use process::{Pxa, block_on, pxa, pxa_in, run};
pub use sandbox::{Sandbox, sandbox};
