//! The one way tests run `pxa`: the built binary with its own HOME and none of the caller's
//! `POLYAXON_*` variables, run to completion (sync or async) or built as a process to spawn.

use std::ffi::{OsStr, OsString};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long [`Pxa::run`] lets pxa run before it kills it (exit code -1), unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pxa"))
}

/// Makes `cmd` independent of the caller's settings: HOME at `home`, every `POLYAXON_*` variable
/// and `NO_COLOR` removed. Every process the tests start that runs pxa goes through here.
pub fn isolate<'a>(
    cmd: &'a mut std::process::Command,
    home: &Path,
) -> &'a mut std::process::Command {
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        if name.starts_with("POLYAXON_") || name == "NO_COLOR" {
            cmd.env_remove(&key);
        }
    }
    cmd.env("HOME", home).env("POLYAXON_NO_CONFIG", "false")
}

/// A `pxa` invocation with a fresh, empty HOME (deleted when the last clone is dropped).
pub fn pxa() -> Pxa {
    Pxa::new(Home::Owned(Arc::new(tempfile::tempdir().unwrap())))
}

/// A `pxa` invocation with HOME at `home` (for tests that share config files between runs).
pub fn pxa_in(home: &Path) -> Pxa {
    Pxa::new(Home::Given(home.to_path_buf()))
}

#[derive(Clone, Debug)]
enum Home {
    Owned(Arc<tempfile::TempDir>),
    Given(PathBuf),
}

/// A `pxa` command line being built: arguments, environment, stdin and a time bound. It is
/// plain data (cloneable); every run builds a fresh process from it.
#[derive(Clone, Debug)]
pub struct Pxa {
    home: Home,
    args: Vec<OsString>,
    envs: Vec<(OsString, Option<OsString>)>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

impl Pxa {
    fn new(home: Home) -> Self {
        Self {
            home,
            args: Vec::new(),
            envs: Vec::new(),
            stdin: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    pub fn arg(&mut self, arg: impl AsRef<OsStr>) -> &mut Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(&mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> &mut Self {
        let value = Some(value.as_ref().to_owned());
        self.envs.push((key.as_ref().to_owned(), value));
        self
    }

    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<OsStr>,
        V: AsRef<OsStr>,
    {
        for (k, v) in vars {
            self.env(k, v);
        }
        self
    }

    pub fn env_remove(&mut self, key: impl AsRef<OsStr>) -> &mut Self {
        self.envs.push((key.as_ref().to_owned(), None));
        self
    }

    /// Bytes for pxa's stdin (otherwise stdin is empty and closed: never a terminal).
    pub fn write_stdin(&mut self, data: impl Into<Vec<u8>>) -> &mut Self {
        self.stdin = Some(data.into());
        self
    }

    /// Kill pxa after this long (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(&mut self, timeout: Duration) -> &mut Self {
        self.timeout = timeout;
        self
    }

    pub fn home(&self) -> &Path {
        match &self.home {
            Home::Owned(dir) => dir.path(),
            Home::Given(path) => path,
        }
    }

    /// The process, to spawn, signal or sample. With [`pxa`]'s own HOME, keep this `Pxa` alive
    /// until the process ends: dropping it deletes the HOME.
    pub fn process(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(bin());
        isolate(&mut cmd, self.home());
        for (key, value) in &self.envs {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd.args(&self.args);
        cmd
    }

    /// Runs pxa to the end on this thread: (exit code, stdout, stderr). The code is -1 when pxa
    /// died by a signal, including the kill at its timeout.
    pub fn run(&self) -> (i32, String, String) {
        let mut cmd = assert_cmd::Command::from_std(self.process());
        cmd.timeout(self.timeout);
        if let Some(data) = &self.stdin {
            cmd.write_stdin(data.clone());
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("pxa {:?}: {e}", self.args));
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// [`Pxa::run`] on a blocking thread, so that a fake server on the caller's async runtime
    /// keeps answering meanwhile.
    pub async fn run_async(&self) -> (i32, String, String) {
        let pxa = self.clone();
        tokio::task::spawn_blocking(move || pxa.run())
            .await
            .unwrap()
    }
}

/// `cmd.run()`, for call sites written as `run(sb.pxa().args(…))`.
pub fn run(cmd: &Pxa) -> (i32, String, String) {
    cmd.run()
}

/// Runs `future` on a fresh current-thread runtime (time and I/O enabled): how a sync test
/// starts and inspects an async fake server (wiremock).
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// What a sampled process used at most.
#[derive(Debug, Default)]
pub struct Usage {
    /// Peak resident memory (VmHWM), KiB.
    pub peak_kib: u64,
    /// Most file descriptors open at once.
    pub fds: usize,
    /// How many samples were taken.
    pub samples: usize,
}

/// Waits for `child` to exit while sampling its peak memory and open file descriptors every
/// `every`; kills it and fails the test after `limit`. Samples count only once `started()`
/// holds: pass "the fake server has had a request". Until pxa's own code runs, /proc can still
/// show the test process's memory and descriptors (the spawn returns while the exec is
/// finishing), and this one test process holds many of both.
pub fn sample_until_exit(
    child: &mut std::process::Child,
    started: impl Fn() -> bool,
    every: Duration,
    limit: Duration,
) -> Usage {
    let begun = std::time::Instant::now();
    let mut usage = Usage::default();
    while child.try_wait().unwrap().is_none() {
        if begun.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("pxa ran longer than {limit:?}");
        }
        if started() {
            let pid = child.id();
            usage.peak_kib = usage.peak_kib.max(peak_kib(pid).unwrap_or(0));
            usage.fds = usage.fds.max(open_fds(pid).unwrap_or(0));
            usage.samples += 1;
        }
        std::thread::sleep(every);
    }
    usage
}

/// Peak resident memory (VmHWM) of a running process, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// File descriptors a running process has open.
fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}
