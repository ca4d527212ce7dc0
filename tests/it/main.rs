//! The integration tests, one binary (in the manner of cargo's own testsuite): each suite is a
//! module, and `support` holds what they share. Tests under `e2e` run the built `pxa` against
//! the real sandbox and are `#[ignore = "needs the sandbox"]`: a plain `cargo test` lists them
//! as ignored, `scripts/test` starts the sandbox and runs them with `--include-ignored`.

mod support;

mod bad_input;
mod cli_local;
mod compat_args;
mod config_files;
mod e2e;
mod escaping;
mod fake_inspect;
mod fake_pull;
mod fake_pull_disk;
mod fake_pull_lock;
mod fake_pull_many;
mod fake_pull_plan;
mod fake_pull_state;
mod fake_pull_tree;
mod fake_server;
mod fake_upload;
mod fake_write;
mod faults;
mod help;
mod hints;
mod interrupt;
mod net;
mod paging;
mod pipes;
mod secrets;
mod small_files;
mod suite_rules;
mod verify;
mod wait;
