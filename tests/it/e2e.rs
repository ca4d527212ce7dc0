//! End-to-end suites: the built `pxa` against the real sandbox (`support::sandbox`), checked
//! against what the server holds, the seed's files and the official CLI. Every test here is
//! `#[ignore = "needs the sandbox"]`.

mod compat;
mod diff;
mod files;
mod folders;
mod lineage;
mod load;
mod names;
mod paging;
mod pull;
mod read;
mod targets;
mod upload;
mod write;
