//! The one printer: it owns stdout, stderr, stdin prompts, colour, the terminal facts and the
//! progress draw target. Every line pxa prints goes through a [`Printer`]; in unit tests it
//! writes to in-memory buffers instead of the process's streams.

use std::fmt;
use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::{Arc, Mutex, MutexGuard};

use indicatif::ProgressDrawTarget;

use crate::settings::env::{COLUMNS, NO_COLOR};
use crate::text::escape_controls;

/// `--color`: whether the `error:`/`warning:`/`hint:` labels on stderr are coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Color what goes to a terminal, unless NO_COLOR is set
    Auto,
    Always,
    Never,
}

/// What a printer knows about where it writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Colour the stderr labels.
    pub color: bool,
    /// Colour marks in results on stdout (`diff`'s `+`/`-`/`~`): a terminal there, and
    /// `--color`/`NO_COLOR` allow it.
    pub color_stdout: bool,
    /// stdout is a terminal (tables, relative times, truncation).
    pub stdout_tty: bool,
    /// stderr is a terminal (progress bars).
    pub stderr_tty: bool,
    /// stdin is a terminal (prompts are allowed).
    pub stdin_tty: bool,
    /// The width tables must fit, if any.
    pub width: Option<usize>,
}

impl Facts {
    /// No terminal anywhere, no colour, no width: what a pipe or a unit test sees.
    pub const PLAIN: Self = Self {
        color: false,
        color_stdout: false,
        stdout_tty: false,
        stderr_tty: false,
        stdin_tty: false,
        width: None,
    };
}

enum Sink {
    Stdout,
    Stderr,
    Buffer(Vec<u8>),
}

impl Sink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Stdout => {
                let mut out = io::stdout().lock();
                out.write_all(bytes)?;
                out.flush()
            }
            Self::Stderr => {
                let mut err = io::stderr().lock();
                err.write_all(bytes)?;
                err.flush()
            }
            Self::Buffer(buf) => {
                buf.extend_from_slice(bytes);
                Ok(())
            }
        }
    }
}

enum Input {
    Stdin,
    Buffer(io::Cursor<Vec<u8>>),
}

struct Inner {
    out: Mutex<Sink>,
    err: Mutex<Sink>,
    input: Mutex<Input>,
    facts: Facts,
}

/// Where pxa prints. Cheap to clone; clones share the streams.
#[derive(Clone)]
pub struct Printer {
    inner: Arc<Inner>,
}

impl fmt::Debug for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Printer")
            .field("facts", &self.inner.facts)
            .finish()
    }
}

impl Printer {
    /// The process's stdout, stderr and stdin, with the colour choice resolved once.
    pub fn terminal(color: ColorChoice) -> Self {
        let (stderr_tty, stdout_tty) = (io::stderr().is_terminal(), io::stdout().is_terminal());
        let colored = |tty: bool| match color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color() && tty,
        };
        let facts = Facts {
            color: colored(stderr_tty),
            color_stdout: colored(stdout_tty),
            stdout_tty,
            stderr_tty,
            stdin_tty: io::stdin().is_terminal(),
            width: terminal_width(),
        };
        Self::new(Sink::Stdout, Sink::Stderr, Input::Stdin, facts)
    }

    /// In-memory stdout and stderr (read back with [`Printer::stdout_text`] and
    /// [`Printer::stderr_text`]) and `input` as stdin: for unit tests.
    pub fn buffered(facts: Facts, input: &str) -> Self {
        let input = Input::Buffer(io::Cursor::new(input.as_bytes().to_vec()));
        Self::new(
            Sink::Buffer(Vec::new()),
            Sink::Buffer(Vec::new()),
            input,
            facts,
        )
    }

    fn new(out: Sink, err: Sink, input: Input, facts: Facts) -> Self {
        Self {
            inner: Arc::new(Inner {
                out: Mutex::new(out),
                err: Mutex::new(err),
                input: Mutex::new(input),
                facts,
            }),
        }
    }

    /// What the printer knows about its streams.
    pub fn facts(&self) -> Facts {
        self.inner.facts
    }

    /// Writes results to stdout (flushed). Errors (a closed pipe) are the caller's to handle.
    pub fn out(&self, text: &str) -> io::Result<()> {
        self.out_bytes(text.as_bytes())
    }

    /// Writes raw bytes to stdout (flushed).
    pub fn out_bytes(&self, bytes: &[u8]) -> io::Result<()> {
        lock(&self.inner.out).write_all(bytes)
    }

    /// Writes one line to stderr, its control characters escaped (it may quote the server).
    /// A stderr that cannot be written is ignored: there is no other place left to report it.
    pub fn line(&self, text: &str) {
        self.labelled("", text);
    }

    /// Writes one line to stderr as it is: for JSON events, whose strings are escaped already.
    pub fn raw_line(&self, text: &str) {
        let mut line = String::with_capacity(text.len() + 1);
        line.push_str(text);
        line.push('\n');
        let _ = lock(&self.inner.err).write_all(line.as_bytes());
    }

    /// `label text` on stderr: the label as it is (it may be coloured), the text escaped.
    fn labelled(&self, label: &str, text: &str) {
        self.raw_line(&format!("{label}{}", escape_controls(text)));
    }

    /// `error: …` and, when there is one, `hint: …` on stderr.
    pub fn error(&self, message: &str, hint: Option<&str>) {
        self.labelled(&self.label("error: ", "1;31"), message);
        if let Some(hint) = hint {
            self.labelled(&self.label("hint: ", "1;36"), hint);
        }
    }

    /// `warning: …` on stderr.
    pub fn warn(&self, message: &str) {
        self.labelled(&self.label("warning: ", "1;33"), message);
    }

    /// A status note on stderr (stdout stays for results).
    pub fn note(&self, message: &str) {
        self.line(message);
    }

    /// A `-v` diagnostic line on stderr.
    pub fn debug(&self, args: fmt::Arguments<'_>) {
        self.labelled(&self.label("debug: ", "2"), &args.to_string());
    }

    /// Text rendered by someone else in two forms (clap's help and usage errors): the ANSI one
    /// when that stream is a terminal and colour is not turned off, else the plain one.
    pub fn rendered(&self, to_stderr: bool, plain: &str, ansi: &str) -> io::Result<()> {
        let facts = self.inner.facts;
        let tty = if to_stderr {
            facts.stderr_tty
        } else {
            facts.stdout_tty
        };
        let text = if tty && !no_color() { ansi } else { plain };
        let sink = if to_stderr {
            &self.inner.err
        } else {
            &self.inner.out
        };
        lock(sink).write_all(text.as_bytes())
    }

    /// Asks a yes/no question on stderr and reads the answer; only `y`/`yes` is yes.
    pub fn confirm(&self, question: &str) -> io::Result<bool> {
        lock(&self.inner.err).write_all(format!("{question} [y/N] ").as_bytes())?;
        let mut answer = String::new();
        match &mut *lock(&self.inner.input) {
            Input::Stdin => io::stdin().read_line(&mut answer)?,
            Input::Buffer(cursor) => cursor.read_line(&mut answer)?,
        };
        Ok(matches!(
            answer.trim().to_ascii_lowercase().as_str(),
            "y" | "yes"
        ))
    }

    /// Where progress bars draw: stderr at `hz` redraws a second, hidden when buffered.
    pub(super) fn progress_target(&self, hz: u8) -> ProgressDrawTarget {
        match &*lock(&self.inner.err) {
            Sink::Stderr => ProgressDrawTarget::stderr_with_hz(hz),
            _ => ProgressDrawTarget::hidden(),
        }
    }

    /// What was written to a buffered stdout so far (empty for the terminal).
    pub fn stdout_text(&self) -> String {
        buffer_text(&self.inner.out)
    }

    /// What was written to a buffered stderr so far (empty for the terminal).
    pub fn stderr_text(&self) -> String {
        buffer_text(&self.inner.err)
    }

    /// `text` in the colour `ansi` (an SGR code such as `32`) when results on stdout are
    /// coloured, else as it is. The caller escapes the text first.
    pub fn paint_stdout(&self, text: &str, ansi: &str) -> String {
        match self.inner.facts.color_stdout {
            true => format!("\x1b[{ansi}m{text}\x1b[0m"),
            false => text.to_string(),
        }
    }

    /// `name` (ending in a blank, kept outside the colour), coloured when colour is on.
    fn label(&self, name: &str, ansi: &str) -> String {
        let word = name.trim_end();
        let blank = &name[word.len()..];
        if self.inner.facts.color {
            format!("\x1b[{ansi}m{word}\x1b[0m{blank}")
        } else {
            name.to_string()
        }
    }
}

fn buffer_text(sink: &Mutex<Sink>) -> String {
    match &*lock(sink) {
        Sink::Buffer(buf) => String::from_utf8_lossy(buf).into_owned(),
        _ => String::new(),
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// `NO_COLOR` is set to something.
fn no_color() -> bool {
    std::env::var_os(NO_COLOR.name).is_some_and(|v| !v.is_empty())
}

/// The width tables must fit: `COLUMNS` if set, else the terminal's, else none.
fn terminal_width() -> Option<usize> {
    if let Some(cols) = std::env::var(COLUMNS.name)
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
    {
        return Some(cols.max(20));
    }
    terminal_size::terminal_size_of(io::stdout()).map(|(w, _)| (w.0 as usize).max(20))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> Facts {
        Facts::PLAIN
    }

    #[test]
    fn an_error_and_its_hint_go_to_stderr_only() {
        let p = Printer::buffered(plain(), "");
        p.error(
            "GET http://h/x failed: 404 Not Found",
            Some("check the project"),
        );
        assert_eq!(
            p.stderr_text(),
            "error: GET http://h/x failed: 404 Not Found\nhint: check the project\n"
        );
        assert_eq!(p.stdout_text(), "");
    }

    #[test]
    fn labels_are_coloured_only_when_asked() {
        let p = Printer::buffered(plain(), "");
        p.warn("careful");
        assert_eq!(p.stderr_text(), "warning: careful\n");
        let p = Printer::buffered(
            Facts {
                color: true,
                ..plain()
            },
            "",
        );
        p.warn("careful");
        p.debug(format_args!("> GET {}", "http://h/"));
        p.error("no \u{1b}[2Jversion", Some("hint\u{7}"));
        assert_eq!(
            p.stderr_text(),
            "\x1b[1;33mwarning:\x1b[0m careful\n\x1b[2mdebug:\x1b[0m > GET http://h/\n\
             \x1b[1;31merror:\x1b[0m no \\x1b[2Jversion\n\x1b[1;36mhint:\x1b[0m hint\\x07\n"
        );
    }

    #[test]
    fn confirm_reads_the_answer_and_prompts_on_stderr() {
        let p = Printer::buffered(plain(), "yes\n");
        assert!(p.confirm("Delete it?").unwrap());
        assert_eq!(p.stderr_text(), "Delete it? [y/N] ");
        let p = Printer::buffered(plain(), "\n");
        assert!(!p.confirm("Delete it?").unwrap());
    }

    #[test]
    fn rendered_text_is_plain_off_a_terminal() {
        let p = Printer::buffered(plain(), "");
        p.rendered(false, "Usage: pxa\n", "\x1b[1mUsage:\x1b[0m pxa\n")
            .unwrap();
        assert_eq!(p.stdout_text(), "Usage: pxa\n");
    }
}
