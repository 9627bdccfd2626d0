//! Running the long host-side steps (configure, make, the build Python): one helper that logs
//! everything to a file, shows which phase is running, and on failure reports the full command
//! line, the exit status, the end of the log and where the whole log is.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use indicatif::{ProgressBar, ProgressStyle};

/// A sequence of logged phases.
#[derive(Debug)]
pub struct Phases {
    log_path: PathBuf,
    log: File,
    total: usize,
    done: usize,
    started: Instant,
}

/// One command to run.
#[derive(Debug)]
pub struct Cmd {
    program: String,
    args: Vec<OsString>,
    cwd: Option<PathBuf>,
    env: Vec<(String, OsString)>,
    hint: Option<String>,
}

impl Cmd {
    pub fn new(program: impl Into<String>) -> Cmd {
        Cmd { program: program.into(), args: Vec::new(), cwd: None, env: Vec::new(), hint: None }
    }
    pub fn arg(mut self, a: impl Into<OsString>) -> Cmd {
        self.args.push(a.into());
        self
    }
    pub fn args<I: IntoIterator<Item = S>, S: Into<OsString>>(mut self, a: I) -> Cmd {
        self.args.extend(a.into_iter().map(Into::into));
        self
    }
    pub fn cwd(mut self, dir: &Path) -> Cmd {
        self.cwd = Some(dir.to_path_buf());
        self
    }
    pub fn env(mut self, k: &str, v: impl Into<OsString>) -> Cmd {
        self.env.push((k.to_string(), v.into()));
        self
    }
    /// What to tell the user when the program cannot be started.
    pub fn hint(mut self, h: impl Into<String>) -> Cmd {
        self.hint = Some(h.into());
        self
    }

    /// The command line as a person would type it (environment first, then the program).
    pub fn display(&self) -> String {
        let quote = |s: &str| {
            if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:+,@%".contains(c)) {
                s.to_string()
            } else {
                format!("'{}'", s.replace('\'', r"'\''"))
            }
        };
        let mut parts: Vec<String> =
            self.env.iter().map(|(k, v)| format!("{k}={}", quote(&v.to_string_lossy()))).collect();
        parts.push(quote(&self.program));
        parts.extend(self.args.iter().map(|a| quote(&a.to_string_lossy())));
        let line = parts.join(" ");
        match &self.cwd {
            Some(dir) => format!("(cd {} && {line})", quote(&dir.display().to_string())),
            None => line,
        }
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args);
        if let Some(d) = &self.cwd {
            c.current_dir(d);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }

    /// Runs the command, capturing stdout (trimmed); for short queries such as `--version`.
    pub fn output(&self) -> anyhow::Result<String> {
        let out = self.command().stdin(Stdio::null()).output().map_err(|e| self.spawn_error(e))?;
        if !out.status.success() {
            bail!("`{}` failed ({}):\n{}", self.display(), out.status, String::from_utf8_lossy(&out.stderr).trim_end());
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }

    fn spawn_error(&self, e: std::io::Error) -> anyhow::Error {
        let mut msg = format!("failed to run `{}`: {e}", self.program);
        if e.kind() == std::io::ErrorKind::NotFound
            && let Some(h) = &self.hint
        {
            msg.push_str(&format!("\n  help: {h}"));
        }
        anyhow!(msg)
    }
}

impl Phases {
    /// Starts a phase sequence logging to `log_path` (truncated).
    pub fn new(log_path: &Path, total: usize) -> anyhow::Result<Phases> {
        if let Some(dir) = log_path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("failed to create `{}`", dir.display()))?;
        }
        let log = File::create(log_path).with_context(|| format!("failed to create log `{}`", log_path.display()))?;
        Ok(Phases { log_path: log_path.to_path_buf(), log, total, done: 0, started: Instant::now() })
    }

    /// Total time since [`Phases::new`].
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Runs `body` as the next phase, named `what`, with a spinner (on a terminal) or a start
    /// line (elsewhere) and a finish line with its duration.
    pub fn phase<T>(
        &mut self,
        what: &str,
        body: impl FnOnce(&mut Phases, &ProgressBar) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        self.done += 1;
        let label = format!("[{}/{}] {what}", self.done, self.total);
        let _ = writeln!(self.log, "\n===== {label}");
        let bar = ProgressBar::new_spinner();
        if bar.is_hidden() {
            eprintln!("pyforge: {label} …");
        } else {
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {elapsed:>4} {wide_msg}")
                    .expect("valid template")
                    .tick_chars("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏ "),
            );
            bar.set_prefix(label.clone());
            bar.enable_steady_tick(Duration::from_millis(120));
        }
        let t = Instant::now();
        let result = body(self, &bar);
        bar.finish_and_clear();
        match &result {
            Ok(_) => eprintln!("pyforge: {label}: done in {}", human(t.elapsed())),
            Err(_) => eprintln!("pyforge: {label}: failed after {}", human(t.elapsed())),
        }
        result
    }

    /// Runs `cmd`, appending its output to the log and showing its last line on the spinner.
    pub fn run(&mut self, cmd: &Cmd, bar: &ProgressBar) -> anyhow::Result<()> {
        let _ = writeln!(self.log, "$ {}", cmd.display());
        let log_err = self.log.try_clone().context("failed to duplicate the log handle")?;
        let mut child = cmd
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_err)
            .spawn()
            .map_err(|e| cmd.spawn_error(e))?;
        let stdout = child.stdout.take().expect("piped stdout");
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = writeln!(self.log, "{line}");
            bar.set_message(line.chars().take(160).collect::<String>());
        }
        let status = child.wait().with_context(|| format!("failed to wait for `{}`", cmd.program))?;
        if !status.success() {
            let _ = self.log.flush();
            bail!(
                "`{}` failed ({status})\n{}\n  full log: {}",
                cmd.display(),
                tail(&self.log_path, 25),
                self.log_path.display()
            );
        }
        Ok(())
    }

    /// Appends a note to the log.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.log, "{text}");
    }
}

/// The last `n` lines of a file, indented, for error messages.
fn tail(path: &Path, n: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

/// `1m 05s`, `4.2 s`, `350 ms`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 {
        format!("{}m {:02}s", d.as_secs() / 60, d.as_secs() % 60)
    } else if s >= 1.0 {
        format!("{s:.1} s")
    } else {
        format!("{} ms", d.as_millis())
    }
}
