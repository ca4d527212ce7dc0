//! All terminal output: stdout renderers for every format, and stderr diagnostics.
#![allow(clippy::print_stderr)]

pub mod jq;
mod render;
mod time;

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, OnceLock};

use serde_json::Value;

use crate::exit::Report;
use jq::JqFilter;

pub use render::{stages_rows, version_rows};
pub use time::{relative, when};

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Table on a terminal, tab-separated when piped
    Auto,
    /// Aligned columns for people
    Table,
    /// Tab-separated values, no header, full values
    Tsv,
    /// The server's JSON
    Json,
    /// The server's object as YAML
    Yaml,
    /// Names only, one per line
    Name,
}

/// Writes results to stdout in the chosen format.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    /// Whether stdout is a terminal (relative times, truncation).
    pub tty: bool,
    /// `--jq`: applied to the JSON form, whose results are printed instead.
    pub jq: Option<Arc<JqFilter>>,
}

impl Output {
    /// Resolves `auto` against whether stdout is a terminal; `--jq` implies JSON.
    pub fn new(format: Format, jq: Option<JqFilter>) -> Self {
        let tty = io::stdout().is_terminal();
        let format = match format {
            _ if jq.is_some() => Format::Json,
            Format::Auto if tty => Format::Table,
            Format::Auto => Format::Tsv,
            other => other,
        };
        Self {
            format,
            tty,
            jq: jq.map(Arc::new),
        }
    }

    /// Whether the format prints the server's object (json/yaml).
    pub fn is_structured(&self) -> bool {
        matches!(self.format, Format::Json | Format::Yaml)
    }

    /// Prints a JSON value as JSON or YAML.
    pub fn structured(&self, value: &Value) -> anyhow::Result<()> {
        if let Some(jq) = &self.jq {
            let lines: Vec<String> = jq.apply(value)?.iter().map(jq::render).collect();
            return Ok(self.lines(lines)?);
        }
        let mut out = io::stdout().lock();
        match self.format {
            Format::Yaml => {
                let text = serde_yaml::to_string(value).map_err(io::Error::other)?;
                out.write_all(text.as_bytes())?;
            }
            _ => {
                serde_json::to_writer_pretty(&mut out, value)?;
                out.write_all(b"\n")?;
            }
        }
        Ok(out.flush()?)
    }

    /// Prints rows: aligned with a header on `table`, tab-separated without one otherwise.
    pub fn rows(&self, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
        let text = if self.format == Format::Table {
            render::table(header, rows, terminal_width())
        } else {
            render::tsv(rows)
        };
        write_stdout(&text)
    }

    /// Prints lines as they are.
    pub fn lines<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, lines: I) -> io::Result<()> {
        let mut text = String::new();
        for line in lines {
            text.push_str(line.as_ref());
            text.push('\n');
        }
        write_stdout(&text)
    }

    /// Formats a timestamp: relative on a terminal table, as the server sent it otherwise.
    pub fn time(&self, value: Option<&str>) -> String {
        let value = value.unwrap_or("");
        if self.format == Format::Table && self.tty {
            relative(value, chrono::Utc::now())
        } else {
            value.to_string()
        }
    }
}

/// The width tables must fit: `COLUMNS` if set, else the terminal's, else none.
fn terminal_width() -> Option<usize> {
    if let Some(cols) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return Some(cols.max(20));
    }
    terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| (w.0 as usize).max(20))
}

fn write_stdout(text: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Color when stderr is a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
}

static COLOR: OnceLock<bool> = OnceLock::new();

/// Decides once whether stderr labels are colored.
pub fn set_color(choice: ColorChoice) {
    let on = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal()
        }
    };
    let _ = COLOR.set(on);
}

fn stderr_color() -> bool {
    *COLOR.get_or_init(|| {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && io::stderr().is_terminal()
    })
}

fn label(name: &str, ansi: &str) -> String {
    if stderr_color() {
        format!("\x1b[{ansi}m{name}\x1b[0m")
    } else {
        name.to_string()
    }
}

/// Prints `error: …` and `hint: …` for a failed run.
pub fn report_error(report: &Report) {
    eprintln!("{} {}", label("error:", "1;31"), report.message);
    if let Some(hint) = &report.hint {
        eprintln!("{} {}", label("hint:", "1;36"), hint);
    }
}

/// Prints `warning: …` on stderr.
pub fn warn(message: &str) {
    eprintln!("{} {message}", label("warning:", "1;33"));
}

/// Prints a progress or status note on stderr.
pub fn note(message: &str) {
    eprintln!("{message}");
}

/// Prints a `-v` diagnostic line on stderr.
pub fn debug(args: std::fmt::Arguments<'_>) {
    eprintln!("{} {args}", label("debug:", "2"));
}

/// Asks a yes/no question on stderr and reads the answer from stdin; only `y`/`yes` is yes.
pub fn confirm(question: &str) -> io::Result<bool> {
    let mut err = io::stderr().lock();
    write!(err, "{question} [y/N] ")?;
    err.flush()?;
    let mut answer = String::new();
    io::stdin().read_line(&mut answer)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
