//! Command dispatch and the context every command runs with.

pub mod completions;
pub mod config;
pub mod copy;
pub mod dashboard;
pub mod delete;
pub mod diff;
pub mod files;
pub mod get;
pub mod hints;
pub mod lineage;
pub mod ls;
pub mod publish;
pub mod pull;
pub mod push;
pub mod register;
pub mod stage;
pub mod stages;
pub mod status;
pub mod target;
pub mod transfer;
pub mod update;
pub mod upload;
pub mod verify;
pub mod wait;
pub mod write;

use std::sync::{Arc, OnceLock};

use anyhow::Result;

use crate::api::client::{Event, Observer};
use crate::api::{Client, Kind, Registry};
use crate::cli::{Cli, Command, GlobalArgs};
use crate::exit::CliError;
use crate::output::{self, Format, Output, Printer};
use crate::progress::{Item, Reporter, Retry};
use crate::reference::ProjectRef;
use crate::settings::{Flags, Settings};

/// Where a retried read is told: the warning's text and the event.
type RetrySink = Arc<dyn Fn(&str, &Event<'_>) + Send + Sync>;

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
    /// Where retried reads are told instead of warnings, once a command says so.
    retries_to: Arc<OnceLock<Arc<dyn Reporter>>>,
}

impl Context {
    pub fn new(settings: Settings, out: Output, kind: Kind) -> Self {
        Self {
            settings,
            out,
            kind,
            kind_given: false,
            client: OnceLock::new(),
            retries_to: Arc::default(),
        }
    }

    /// The API client, built on first use (no TLS set-up for commands that do not need it).
    /// A retried read is said on stderr as a warning (a slow failure is not silent), or told
    /// to the reporter given to [`Context::report_retries_to`].
    pub fn client(&self) -> Result<&Client> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let client = Client::new(self.settings.client_config())
            .map_err(|e| CliError::usage(e.to_string()).with_hint(hints::client_setup(&e)))?;
        let (printer, reporter) = (self.printer().clone(), Arc::clone(&self.retries_to));
        let retries: RetrySink =
            Arc::new(
                move |text: &str, event: &Event<'_>| match (reporter.get(), event) {
                    (
                        Some(reporter),
                        &Event::Retrying {
                            wait,
                            attempt,
                            error,
                            ..
                        },
                    ) => {
                        let why = error.to_string();
                        let retry = Retry {
                            attempt,
                            wait,
                            why: &why,
                        };
                        reporter.retrying(Item::entry("request"), retry);
                    }
                    _ => printer.warn(text),
                },
            );
        let client = client.with_observer(self.observer(retries));
        Ok(self.client.get_or_init(|| client))
    }

    /// From now on, retried reads are told to `reporter` (a transfer's progress: a plain line,
    /// a JSON event, or nothing with `--quiet`), not printed as warnings that would break
    /// `--progress json` and `--quiet`. The first reporter given stays.
    pub fn report_retries_to(&self, reporter: Arc<dyn Reporter>) {
        let _ = self.retries_to.set(reporter);
    }

    /// Watches the client: retries go to `retries`, requests to stderr under `-v`.
    fn observer(&self, retries: RetrySink) -> Observer {
        let (printer, verbose) = (self.printer().clone(), self.settings.verbose);
        Arc::new(move |event: &Event<'_>| match event {
            Event::Retrying {
                attempt,
                attempts,
                error,
                ..
            } => retries(
                &format!("{error}; trying again (attempt {attempt} of {attempts})"),
                event,
            ),
            _ if verbose => printer.debug(format_args!("{}", verbose_line(event))),
            _ => {}
        })
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
        Event::Retrying { wait, error, .. } => {
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
    let mut global = cli.global;
    let mut command = cli.command;
    // `wait --timeout` is how long to wait for the stage; each request keeps the normal one.
    if let Command::Wait(args) = &mut command {
        args.deadline = global.timeout.take();
    }
    // `config` must work whatever the files hold: it is how they are repaired.
    let lenient = matches!(command, Command::Config(_));
    let ctx = context(&global, printer, lenient)?;
    match command {
        Command::Get(args) => get::run(args, &ctx).await,
        Command::Ls(args) => ls::run(args, &ctx).await,
        Command::Stages(args) => stages::run(args, &ctx).await,
        Command::Register(args) => register::run(args, &ctx).await,
        Command::Update(args) => update::run(args, &ctx).await,
        Command::Stage(args) => stage::run(args, &ctx).await,
        Command::Wait(args) => wait::run(args, &ctx).await,
        Command::Delete(args) => delete::run(args, &ctx).await,
        Command::Transfer(args) => transfer::run(args, &ctx).await,
        Command::Copy(args) => copy::run(args, &ctx).await,
        Command::Push(args) => push::run(args, &ctx).await,
        Command::Upload(args) => upload::run(args, &ctx).await,
        Command::Pull(args) => pull::run(args, &ctx).await,
        Command::Lineage(args) => lineage::run(args, &ctx).await,
        Command::Files(args) => files::run(args, &ctx).await,
        Command::Diff(args) => diff::run(args, &ctx).await,
        Command::Verify(args) => verify::run(args, &ctx),
        Command::Config(args) => config::run(args, &ctx),
        Command::Status => status::run(&ctx).await,
        Command::Dashboard(args) => dashboard::run(args, &ctx).await,
        Command::Completions { .. } | Command::Man => unreachable!("handled above"),
    }
}

/// Checks `--jq`, resolves the settings (leniently for `config`; warning once about risky ones
/// and skipped files, listing their sources under `-v`) and sets up the output.
fn context(global: &GlobalArgs, printer: &Printer, lenient: bool) -> Result<Context> {
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
    if jq.is_some() && !matches!(global.output, Format::Auto | Format::Json) {
        let format = global.output.as_str();
        return Err(
            CliError::usage(format!("--jq cannot be used with -o {format}"))
                .with_hint(format!(
                    "--jq prints its results as JSON (strings raw): drop -o {format}, or drop --jq"
                ))
                .into(),
        );
    }
    let settings = Settings::from_process(&flags, lenient)?;
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
            .with_hint(hints::latest(ctx.kind))
            .into();
    }
    err.into()
}
