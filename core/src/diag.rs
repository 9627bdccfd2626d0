//! Diagnostics: one problem, where it is, and how to fix it, rendered like a compiler.
//!
//! Rendering goes through `miette`'s graphical handler without colour and with a fixed width,
//! so the text is the same in every host (native, `wasmtime run`, a browser) and can be
//! blessed in tests.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource, Report};

/// `1 problem`, `2 problems`: a count and a noun that takes an `s`.
pub fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The step failed, or will.
    #[default]
    Error,
    /// Worth fixing; the step went on.
    Warning,
    /// Information about what the step did.
    Note,
}

impl Severity {
    /// `error`, `warning` or `note`: how compilers spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A text file a diagnostic can point into.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user wrote or sees it.
    pub name: String,
    /// The file's text.
    pub text: Arc<str>,
}

impl SourceFile {
    /// A file named `name` with `text`.
    pub fn new(name: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile { name: name.into(), text: text.into() }
    }
}

/// One problem (or note).
#[derive(Debug, Clone)]
pub struct Diag {
    /// A stable identifier of the kind of problem, `area::kind` (e.g. `manifest::path`,
    /// `compose::missing-import`), for tools that act on diagnostics.
    pub code: String,
    /// Error, warning or note.
    pub severity: Severity,
    /// What is wrong, in one line.
    pub message: String,
    /// The file it is about, when there is one.
    pub file: Option<String>,
    /// The file's text and the span inside it, when the problem has a position.
    pub snippet: Option<(Arc<str>, Range<usize>, String)>,
    /// How to fix it, in one line.
    pub help: Option<String>,
    /// Extra lines shown verbatim after the message (e.g. a WIT parser's own report).
    pub detail: Option<String>,
}

impl Diag {
    /// A problem about a file as a whole (or no file at all).
    pub fn new(file: Option<&str>, message: impl Into<String>) -> Self {
        Diag {
            code: "pyforge::error".into(),
            severity: Severity::Error,
            message: message.into(),
            file: file.map(str::to_string),
            snippet: None,
            help: None,
            detail: None,
        }
    }

    /// A problem at `span` of `src`, with a short `label` under the span.
    pub fn at(src: &SourceFile, span: Range<usize>, message: impl Into<String>, label: impl Into<String>) -> Self {
        let len = src.text.len();
        let span = span.start.min(len)..span.end.min(len).max(span.start.min(len));
        Diag {
            code: "pyforge::error".into(),
            severity: Severity::Error,
            message: message.into(),
            file: Some(src.name.clone()),
            snippet: Some((src.text.clone(), span, label.into())),
            help: None,
            detail: None,
        }
    }

    /// A note: information that does not stop the step.
    pub fn note(message: impl Into<String>) -> Self {
        Diag { severity: Severity::Note, ..Diag::new(None, message) }
    }

    /// Sets the code (`area::kind`).
    pub fn code(mut self, code: impl Into<String>) -> Self {
        self.code = code.into();
        self
    }

    /// Adds the one-line fix hint.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds verbatim detail lines.
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// `(file, line, column)`, 1-based, when the diagnostic has a position; a file-level
    /// diagnostic reports line 1, column 1.
    pub fn location(&self) -> Option<(String, u32, u32)> {
        let file = self.file.clone()?;
        let Some((text, span, _)) = &self.snippet else {
            return Some((file, 1, 1));
        };
        let before = &text[..span.start];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        Some((file, line as u32, column as u32))
    }

    /// The compiler-style text the CLI prints.
    pub fn render(&self) -> String {
        if self.severity == Severity::Note && self.snippet.is_none() && self.file.is_none() {
            return format!("note: {}\n", self.message);
        }
        let mut message = self.message.clone();
        if self.snippet.is_none()
            && let Some(file) = &self.file
        {
            message = format!("{message}\n  --> {file}");
        }
        if let Some(detail) = &self.detail {
            message.push('\n');
            message.push_str(detail.trim_end());
        }
        let mut diag = MietteDiagnostic::new(message);
        if let Some(help) = &self.help {
            diag = diag.with_help(help.clone());
        }
        let report = match (&self.snippet, &self.file) {
            (Some((text, span, label)), Some(file)) => {
                let diag = diag.with_label(LabeledSpan::new_with_span(Some(label.clone()), span.clone()));
                Report::new(diag).with_source_code(NamedSource::new(file.clone(), text.to_string()))
            }
            _ => Report::new(diag),
        };
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(110)
            .with_wrap_lines(false)
            .with_links(false);
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            let _ = write!(out, "{}", self.message);
        }
        // miette's marker for the severity is a symbol (`×`); spell it the way compilers do.
        let out = out.replacen("  × ", &format!("{}: ", self.severity.as_str()), 1);
        out.trim_end().to_string() + "\n"
    }
}
