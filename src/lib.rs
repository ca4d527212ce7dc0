//! pxa: a fast client for Polyaxon artifact, model and component registries.
#![warn(clippy::too_many_lines)]

pub mod api;
pub mod cli;
pub mod commands;
pub mod compat;
pub mod exit;
pub mod inspect;
#[cfg(test)]
mod layers;
pub mod output;
pub mod progress;
pub mod pull;
pub mod reference;
pub mod settings;
pub mod text;
pub mod upload;

use clap::error::ErrorKind;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

use output::{ColorChoice, Printer};

/// Parses the arguments, runs the command and returns the process exit code.
pub fn main_entry() -> i32 {
    let cli = match parse(std::env::args_os()) {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err, &Printer::terminal(ColorChoice::Auto)),
    };
    let printer = Printer::terminal(cli.global.color);
    // One thread does all the I/O: hyper's connection task and the body's consumer then hand
    // chunks over without waking another thread (a third of the context switches and ~20 %
    // less CPU on a big pull). Disk writes, hashing and extraction run on blocking threads.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            report(&printer, &exit::classify(&anyhow::Error::new(e)));
            return exit::Code::Failure.as_i32();
        }
    };
    match runtime.block_on(commands::run(cli, &printer)) {
        Ok(()) => exit::Code::Ok.as_i32(),
        Err(err) => {
            let classified = exit::classify(&err);
            // No message: an outcome the output told already (`diff`'s exit 1).
            if classified.code != exit::Code::Ok && !classified.message.is_empty() {
                report(&printer, &classified);
            }
            classified.code.as_i32()
        }
    }
}

/// The official CLI's spellings rewritten, then clap's parse (one command tree for both).
fn parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Result<cli::Cli, clap::Error> {
    let mut cmd = cli::Cli::command();
    let args = compat::normalize(args, &cmd);
    let matches = cmd.try_get_matches_from_mut(args)?;
    let mut cli = cli::Cli::from_arg_matches(&matches).map_err(|e| e.format(&mut cmd))?;
    cli.global.kind_given = matches.value_source("kind") == Some(ValueSource::CommandLine);
    Ok(cli)
}

fn report(printer: &Printer, report: &exit::Report) {
    printer.error(&report.message, report.hint.as_deref());
}

/// Help and version print as clap renders them; real usage errors become one `error:` line and
/// a `hint:` line, exit 2, like every other refused input.
fn usage_error(err: &clap::Error, printer: &Printer) -> i32 {
    let shown = matches!(
        err.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    );
    if shown {
        let text = err.render();
        let _ = printer.rendered(
            err.use_stderr(),
            &text.to_string(),
            &text.ansi().to_string(),
        );
        return match err.kind() {
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => exit::Code::Usage,
            _ => exit::Code::Ok,
        }
        .as_i32();
    }
    let (message, hint) = cli::usage::describe(err);
    printer.error(&message, hint.as_deref());
    exit::Code::Usage.as_i32()
}

#[cfg(test)]
mod tests {
    fn kind_given(line: &str) -> bool {
        let args = line.split_whitespace().map(std::ffi::OsString::from);
        super::parse(args).unwrap().global.kind_given
    }

    #[test]
    fn a_given_kind_is_told_from_the_default() {
        assert!(!kind_given("pxa push ./v1"));
        assert!(kind_given("pxa push ./v1 --kind model"));
        assert!(kind_given("pxa --kind artifact push ./v1"));
        assert!(kind_given("pxa models push ./m1"));
    }
}
