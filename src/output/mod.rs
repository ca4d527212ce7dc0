//! Everything printed: the [`Printer`] that owns the streams, renderers for every `-o` format,
//! and the pull progress display.

pub mod jq;
mod printer;
pub mod progress;
mod render;
mod time;

use std::io;
use std::sync::Arc;

use serde_json::Value;

use jq::JqFilter;

use crate::text::escape_controls;

pub use printer::{ColorChoice, Facts, Printer};
pub use render::{stages_rows, version_rows};
pub use time::{relative, when};

/// `-o/--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Format {
    /// The `-o` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Table => "table",
            Self::Tsv => "tsv",
            Self::Json => "json",
            Self::Yaml => "yaml",
            Self::Name => "name",
        }
    }
}

/// How a line of a comparison reads (`diff`), and so its colour on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Added,
    Removed,
    Changed,
    Heading,
    Plain,
}

impl Mark {
    /// The SGR colour code: green, red, yellow, bold.
    fn ansi(self) -> Option<&'static str> {
        match self {
            Self::Added => Some("32"),
            Self::Removed => Some("31"),
            Self::Changed => Some("33"),
            Self::Heading => Some("1"),
            Self::Plain => None,
        }
    }
}

/// Writes results to stdout in the chosen format, through the printer.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    /// Whether stdout is a terminal (relative times, truncation).
    pub tty: bool,
    /// `--jq`: applied to the JSON form, whose results are printed instead.
    pub jq: Option<Arc<JqFilter>>,
    printer: Printer,
}

impl Output {
    /// Resolves `auto` against whether stdout is a terminal; `--jq` implies JSON.
    pub fn new(format: Format, jq: Option<JqFilter>, printer: Printer) -> Self {
        let tty = printer.facts().stdout_tty;
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
            printer,
        }
    }

    /// The printer this output writes through.
    pub fn printer(&self) -> &Printer {
        &self.printer
    }

    /// Whether the format prints the server's object (json/yaml).
    pub fn is_structured(&self) -> bool {
        matches!(self.format, Format::Json | Format::Yaml)
    }

    /// Prints a JSON value as JSON or YAML.
    pub fn structured(&self, value: &Value) -> anyhow::Result<()> {
        if let Some(jq) = &self.jq {
            // As `jq -r` does: strings raw, the user asked for them.
            let mut text = String::new();
            for line in jq.apply(value)?.iter().map(jq::render) {
                text.push_str(&line);
                text.push('\n');
            }
            return Ok(self.printer.out(&text)?);
        }
        let text = match self.format {
            Format::Yaml => serde_yaml::to_string(value).map_err(io::Error::other)?,
            _ => {
                let mut text = serde_json::to_string_pretty(value)?;
                text.push('\n');
                text
            }
        };
        Ok(self.printer.out(&text)?)
    }

    /// Prints rows: aligned with a header on `table`, tab-separated without one otherwise.
    pub fn rows(&self, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
        let text = if self.format == Format::Table {
            render::table(header, rows, self.printer.facts().width)
        } else {
            render::tsv(rows)
        };
        self.printer.out(&text)
    }

    /// Prints rows tab-separated whatever the format (reports read by people and scripts alike).
    pub fn tsv(&self, rows: &[Vec<String>]) -> io::Result<()> {
        self.printer.out(&render::tsv(rows))
    }

    /// Prints lines (names, paths, verdicts), their control characters escaped.
    pub fn lines<I: IntoIterator<Item = S>, S: AsRef<str>>(&self, lines: I) -> io::Result<()> {
        let mut text = String::new();
        for line in lines {
            text.push_str(&escape_controls(line.as_ref()));
            text.push('\n');
        }
        self.printer.out(&text)
    }

    /// Prints the lines of a comparison, their control characters escaped and, when stdout is
    /// a terminal that takes colour, coloured by their mark.
    pub fn marked(&self, lines: &[(Mark, String)]) -> io::Result<()> {
        let mut text = String::new();
        for (mark, line) in lines {
            let line = escape_controls(line);
            match mark.ansi() {
                Some(ansi) => text.push_str(&self.printer.paint_stdout(&line, ansi)),
                None => text.push_str(&line),
            }
            text.push('\n');
        }
        self.printer.out(&text)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn output(format: Format, tty: bool) -> Output {
        let facts = Facts {
            stdout_tty: tty,
            width: Some(40),
            ..Facts::PLAIN
        };
        Output::new(format, None, Printer::buffered(facts, ""))
    }

    #[test]
    fn a_table_is_rendered_to_stdout_within_the_width() {
        let out = output(Format::Auto, true);
        assert_eq!(out.format, Format::Table);
        let rows = vec![
            vec!["v1".to_string(), "x".repeat(80)],
            vec!["v2".to_string(), "short".to_string()],
        ];
        out.rows(&["NAME", "DESCRIPTION"], &rows).unwrap();
        let text = out.printer().stdout_text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("NAME"), "{text}");
        assert!(lines.iter().all(|l| l.chars().count() <= 40), "{text}");
        assert!(lines[1].ends_with('…'), "{text}");
        assert_eq!(out.printer().stderr_text(), "");
    }

    #[test]
    fn piped_output_is_tsv_and_json_is_pretty() {
        let out = output(Format::Auto, false);
        out.rows(&["NAME"], &[vec!["a\tb".to_string()]]).unwrap();
        assert_eq!(out.printer().stdout_text(), "a\\tb\n");
        let out = output(Format::Json, false);
        out.structured(&serde_json::json!({"name": "v1"})).unwrap();
        assert_eq!(out.printer().stdout_text(), "{\n  \"name\": \"v1\"\n}\n");
    }

    #[test]
    fn marked_lines_are_escaped_and_coloured_only_on_a_colour_terminal() {
        let lines = [
            (Mark::Added, "+ a\u{1b}[2J".to_string()),
            (Mark::Plain, "x".to_string()),
        ];
        let plain = output(Format::Table, true);
        plain.marked(&lines).unwrap();
        assert_eq!(plain.printer().stdout_text(), "+ a\\x1b[2J\nx\n");
        let facts = Facts {
            color_stdout: true,
            ..Facts::PLAIN
        };
        let out = Output::new(Format::Table, None, Printer::buffered(facts, ""));
        out.marked(&lines).unwrap();
        assert_eq!(
            out.printer().stdout_text(),
            "\x1b[32m+ a\\x1b[2J\x1b[0m\nx\n"
        );
    }

    #[test]
    fn jq_results_print_raw() {
        let jq = JqFilter::compile(".[].name").unwrap();
        let out = Output::new(Format::Table, Some(jq), Printer::buffered(Facts::PLAIN, ""));
        out.structured(&serde_json::json!([{"name": "v1"}, {"name": 2}]))
            .unwrap();
        assert_eq!(out.printer().stdout_text(), "v1\n2\n");
    }
}
