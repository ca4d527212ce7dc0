//! Command dispatch and the context every command runs with.

pub mod completions;
pub mod config;
pub mod copy;
pub mod dashboard;
pub mod delete;
pub mod get;
pub mod hints;
pub mod ls;
pub mod publish;
pub mod pull;
pub mod push;
pub mod register;
pub mod stage;
pub mod stages;
pub mod status;
pub mod transfer;
pub mod update;
pub mod upload;
pub mod verify;
pub mod wait;
pub mod write;

use std::sync::{Arc, OnceLock};

use anyhow::Result;

use crate::api::client::Event;
use crate::api::{Client, Kind, Registry};
use crate::cli::{Cli, Command, GlobalArgs, VersionArgs};
use crate::exit::CliError;
use crate::output::{self, Output, Printer};
use crate::reference::{ProjectRef, Target, validate_version};
use crate::settings::{Flags, Settings};

/// The version name the official CLI uses when none is given.
pub const DEFAULT_VERSION: &str = "latest";

/// Resolved settings, output and a lazily built client.
pub struct Context {
    pub settings: Settings,
    pub out: Output,
    pub kind: Kind,
    /// `--kind` was given (not the default).
    pub kind_given: bool,
    client: OnceLock<Client>,
}

impl Context {
    pub fn new(settings: Settings, out: Output, kind: Kind) -> Self {
        Self {
            settings,
            out,
            kind,
            kind_given: false,
            client: OnceLock::new(),
        }
    }

    /// The API client, built on first use (no TLS set-up for commands that do not need it).
    pub fn client(&self) -> Result<&Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let mut client = Client::new(self.settings.client_config())
            .map_err(|e| CliError::usage(format!("{e:#}")).with_hint(hints::client_setup()))?;
        if self.settings.verbose {
            let printer = self.printer().clone();
            client = client.with_observer(Arc::new(move |event: &Event<'_>| {
                printer.debug(format_args!("{}", verbose_line(event)));
            }));
        }
        Ok(self.client.get_or_init(|| client))
    }

    /// Where the command prints notes, warnings and prompts.
    pub fn printer(&self) -> &Printer {
        self.out.printer()
    }

    pub fn registry(&self, project: ProjectRef) -> Registry {
        Registry::new(project, self.kind)
    }

    /// `-p` if given, else the cached project of the official CLI.
    pub fn project(&self, flag: Option<&str>) -> Result<ProjectRef, CliError> {
        if let Some(p) = flag {
            return ProjectRef::parse(p);
        }
        let cwd = std::env::current_dir().unwrap_or_default();
        self.settings.cached_project(&cwd).ok_or_else(|| {
            CliError::usage("no project given")
                .with_hint("pass -p PROJECT (or OWNER/PROJECT), or use PROJECT:VERSION")
        })
    }

    /// The project and version name from a positional target, `-p` and `--version`.
    pub fn version_target(&self, args: &VersionArgs) -> Result<(ProjectRef, String), CliError> {
        let target = args.target.as_deref().map(Target::parse).transpose()?;
        let (from_target, positional_version) = match target {
            Some(t) => (t.project, Some(t.version)),
            None => (None, None),
        };
        let version = match (positional_version, args.version.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(CliError::usage(
                    "the version is given twice (positional and --version)",
                )
                .with_hint(
                    "keep one: `pxa get PROJECT:VERSION` or `pxa get -p PROJECT --version VERSION`",
                ));
            }
            (Some(v), None) => v,
            (None, Some(v)) => {
                validate_version(v)?;
                v.to_string()
            }
            (None, None) => DEFAULT_VERSION.to_string(),
        };
        let project = match (from_target, args.project.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(
                    CliError::usage("the project is given twice (in TARGET and with -p)")
                        .with_hint("keep one of them"),
                );
            }
            (Some(p), None) => p,
            (None, flag) => self.project(flag)?,
        };
        Ok((project, version))
    }
}

/// The `-v` line for what the client does (never the token: URLs come without credentials).
fn verbose_line(event: &Event<'_>) -> String {
    match event {
        Event::Sending { method, url } => format!("> {method} {url}"),
        Event::Answered {
            status,
            url,
            elapsed,
        } => format!("< {status} {url} ({} ms)", elapsed.as_millis()),
        Event::Retrying { wait, error } => {
            format!("retrying in {} ms after: {error}", wait.as_millis())
        }
    }
}

/// Resolves settings, then runs the chosen command, printing through `printer`.
pub async fn run(cli: Cli, printer: &Printer) -> Result<()> {
    // Commands that need no settings, files or network.
    match cli.command {
        Command::Completions { shell } => return completions::completions(shell, printer),
        Command::Man => return completions::man(printer),
        _ => {}
    }
    let ctx = context(&cli.global, printer)?;
    match cli.command {
        Command::Get(args) => get::run(args, &ctx).await,
        Command::Ls(args) => ls::run(args, &ctx).await,
        Command::Stages(args) => stages::run(args, &ctx).await,
        Command::Register(args) => register::run(args, &ctx).await,
        Command::Update(args) => update::run(args, &ctx).await,
        Command::Stage(args) => stage::run(args, &ctx).await,
        Command::Wait(mut args) => {
            args.deadline = cli.global.timeout;
            wait::run(args, &ctx).await
        }
        Command::Delete(args) => delete::run(args, &ctx).await,
        Command::Transfer(args) => transfer::run(args, &ctx).await,
        Command::Copy(args) => copy::run(args, &ctx).await,
        Command::Push(args) => push::run(args, &ctx).await,
        Command::Upload(args) => upload::run(args, &ctx).await,
        Command::Pull(args) => pull::run(args, &ctx).await,
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Config(args) => config::run(args, &ctx),
        Command::Status => status::run(&ctx).await,
        Command::Dashboard(args) => dashboard::run(args, &ctx),
        Command::Completions { .. } | Command::Man => unreachable!("handled above"),
    }
}

/// Checks `--jq`, resolves the settings (warning about risky ones, listing their sources under
/// `-v`) and sets up the output.
fn context(global: &GlobalArgs, printer: &Printer) -> Result<Context> {
    let flags = Flags {
        host: global.host.clone(),
        token: global.token.clone(),
        insecure: global.insecure,
        ca_cert: global.ca_cert.clone(),
        timeout: global.timeout,
        verbose: global.verbose,
    };
    let jq = global
        .jq
        .as_deref()
        .map(output::jq::JqFilter::compile)
        .transpose()?;
    let settings = Settings::from_process(&flags)?;
    for warning in settings.warnings() {
        printer.warn(&warning);
    }
    if settings.verbose {
        for (name, source) in &settings.sources {
            printer.debug(format_args!("{name} from {source}"));
        }
    }
    let out = Output::new(global.output, jq, printer.clone());
    let mut ctx = Context::new(settings, out, global.kind);
    ctx.kind_given = global.kind_given;
    Ok(ctx)
}

/// Adds a hint about the official CLI's `latest` default to a not-found error.
pub fn not_found_hint(err: crate::api::ApiError, version: &str, ctx: &Context) -> anyhow::Error {
    if err.is_not_found() && version == DEFAULT_VERSION {
        let message = err.to_string();
        return CliError::new(err.exit_code(), message)
            .with_hint(format!(
                "no {} version is named `latest` (the default when --version is not given); pass --version NAME",
                ctx.kind
            ))
            .into();
    }
    err.into()
}
