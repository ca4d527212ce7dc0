//! pxa: a fast client for Polyaxon artifact, model and component registries.

pub mod api;
pub mod cli;
pub mod commands;
pub mod compat;
pub mod exit;
pub mod output;
pub mod pull;
pub mod reference;
pub mod settings;

use clap::Parser;

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main_entry() -> i32 {
    let args = compat::normalize(std::env::args_os());
    let cli = cli::Cli::parse_from(args);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::report_error(&exit::classify(&anyhow::Error::new(e)));
            return exit::Code::Failure.as_i32();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => exit::Code::Ok.as_i32(),
        Err(err) => {
            let report = exit::classify(&err);
            if report.code != exit::Code::Ok {
                output::report_error(&report);
            }
            report.code.as_i32()
        }
    }
}
