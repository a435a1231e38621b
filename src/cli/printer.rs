//! The one place that writes to the terminal: data on stdout, status lines,
//! warnings, hints and errors on stderr, the coloured diff, and progress.
//!
//! Colour goes through anstream, which strips it when the stream is not a
//! terminal or `NO_COLOR` is set, and keeps it with `CLICOLOR_FORCE`. `--quiet`
//! silences status lines (never data or errors). Progress (indicatif) is shown
//! only on a terminal and not with `--quiet`; library code reaches it through
//! [`Reporter`], which the printer implements.
//!
//! Text a server or a person wrote (GitHub's messages, issue titles) can hold
//! escape sequences, which anstream passes through when colour is on: errors are
//! printed through [`printable`], and such text in data through [`printable_line`],
//! so it can never move the cursor, rewrite the screen or set the window title.

use std::borrow::Cow;
use std::cell::OnceCell;
use std::io::Write;
use std::time::Duration;

use anstyle::{AnsiColor, Style};
use indicatif::{ProgressBar, ProgressStyle};

use super::Error;
use crate::progress::Reporter;
use crate::tree::{ChangeSet, is_binary};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARNING: Style = AnsiColor::Yellow.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default().bold();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();

/// Writes everything levelup shows; one per run.
pub struct Printer {
    quiet: bool,
    /// Whether progress may be drawn: stderr is a terminal and not `--quiet`.
    interactive: bool,
    /// The spinner, made on the first stage reported.
    progress: OnceCell<ProgressBar>,
}

impl Printer {
    pub fn new(quiet: bool) -> Printer {
        use std::io::IsTerminal;
        Printer {
            quiet,
            interactive: !quiet && std::io::stderr().is_terminal(),
            progress: OnceCell::new(),
        }
    }

    /// Data on stdout (a plan, a summary, a diff); a closed pipe
    /// (`levelup plan | head`) is not an error.
    pub fn data(&self, text: &str) -> Result<(), Error> {
        self.suspended(|| write_data(text))
    }

    /// A status line on stderr, unless `--quiet`.
    pub fn status(&self, line: &str) {
        if !self.quiet {
            self.stderr_line(line);
        }
    }

    /// A warning on stderr, unless `--quiet`.
    pub fn warning(&self, message: &str) {
        if !self.quiet {
            self.stderr_line(&format!("{WARNING}warning:{WARNING:#} {message}"));
        }
    }

    /// A hint on stderr, unless `--quiet`.
    pub fn hint(&self, message: &str) {
        if !self.quiet {
            self.stderr_line(&format!("{HINT}hint:{HINT:#} {message}"));
        }
    }

    /// An error, its causes not already in its message, and its hint; always shown.
    pub fn error(&self, error: &Error) {
        self.finish();
        if let Some(diagnostics) = error.diagnostics() {
            for diagnostic in diagnostics {
                let diagnostic = diagnostic.to_string();
                self.stderr_line(&format!(
                    "{ERROR}error:{ERROR:#} {}",
                    printable(&diagnostic)
                ));
            }
        }
        let mut message = error.to_string();
        if !matches!(error, Error::Usage { .. }) {
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                let cause_text = cause.to_string();
                if !message.contains(&cause_text) {
                    message.push_str(&format!(": {cause_text}"));
                }
                source = cause.source();
            }
        }
        self.stderr_line(&format!("{ERROR}error:{ERROR:#} {}", printable(&message)));
        if let Some(hint) = error.hint() {
            self.stderr_line(&format!("{HINT}hint:{HINT:#} {}", printable(&hint)));
        }
    }

    /// The unified diff of every file the change set changes, on stdout.
    pub fn diff(&self, changes: &ChangeSet) -> Result<(), Error> {
        self.data(&styled_diff(changes))
    }

    /// Progress for library code: the printer itself.
    pub fn reporter(&self) -> &dyn Reporter {
        self
    }

    /// Clears the progress line, if one is shown.
    pub fn finish(&self) {
        if let Some(bar) = self.progress.get() {
            bar.finish_and_clear();
        }
    }

    fn stderr_line(&self, line: &str) {
        self.suspended(|| {
            let mut stderr = anstream::stderr().lock();
            // Failing to write on stderr leaves nowhere else to say so.
            let _ = writeln!(stderr, "{line}");
        });
    }

    /// Runs `write` with the progress line hidden, so output never tears it.
    fn suspended<T>(&self, write: impl FnOnce() -> T) -> T {
        match self.progress.get() {
            Some(bar) if !bar.is_finished() => bar.suspend(write),
            _ => write(),
        }
    }

    fn spinner(&self) -> Option<&ProgressBar> {
        if !self.interactive {
            return None;
        }
        Some(self.progress.get_or_init(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        }))
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Reporter for Printer {
    fn stage(&self, message: &str) {
        if let Some(bar) = self.spinner() {
            bar.set_message(message.to_string());
        }
    }

    fn waiting(&self, seconds: u64, reason: &str) {
        if let Some(bar) = self.spinner() {
            bar.set_message(format!("waiting {seconds}s for {reason}"));
        }
    }
}

/// `text` without its control characters (escape, bell, carriage return, C1
/// codes such as CSI, delete), line breaks and tabs kept: what is left prints as
/// plain characters and cannot drive the terminal.
pub(super) fn printable(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
            .collect(),
    )
}

/// `text` for one line of output: control characters dropped and line breaks and
/// tabs turned into spaces, so a title cannot forge a line of its own.
pub(super) fn printable_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// Writes `text` to stdout through anstream; a closed pipe is not an error.
pub(super) fn write_data(text: &str) -> Result<(), Error> {
    let mut stdout = anstream::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(error)),
        _ => Ok(()),
    }
}

/// The unified diff with styles; anstream drops them where colour is off. A
/// change of mode is shown as git shows it (`old mode` / `new mode`, or `new
/// file mode` for a new executable file), and a binary file by one line.
fn styled_diff(changes: &ChangeSet) -> String {
    let mut out = String::new();
    for change in changes
        .changes
        .iter()
        .filter(|change| change.action.changes_file())
    {
        let path = change.path.as_str();
        let mode_lines = match (&change.before, &change.after) {
            (Some(before), Some(after)) if before.executable != after.executable => Some(format!(
                "old mode {}\nnew mode {}\n",
                before.git_mode(),
                after.git_mode()
            )),
            (None, Some(after)) if after.executable => {
                Some(format!("new file mode {}\n", after.git_mode()))
            }
            (Some(before), None) if before.executable => {
                Some(format!("deleted file mode {}\n", before.git_mode()))
            }
            _ => None,
        };
        let before = change.before.as_ref().map(|file| file.bytes.as_slice());
        let after = change.after.as_ref().map(|file| file.bytes.as_slice());
        let same_bytes = before.is_some() && before == after;
        if let Some(lines) = &mode_lines {
            out.push_str(&format!("diff --git a/{path} b/{path}\n{lines}"));
        }
        if same_bytes {
            continue; // only the mode changed
        }
        let original = if before.is_some() {
            format!("a/{path}")
        } else {
            "/dev/null".to_string()
        };
        let modified = if after.is_some() {
            format!("b/{path}")
        } else {
            "/dev/null".to_string()
        };
        if before.is_some_and(is_binary) || after.is_some_and(is_binary) {
            out.push_str(&format!("Binary files {original} and {modified} differ\n"));
            continue;
        }
        let before = before.map(String::from_utf8_lossy).unwrap_or_default();
        let after = after.map(String::from_utf8_lossy).unwrap_or_default();
        let mut options = diffy::DiffOptions::new();
        options
            .set_original_filename(original)
            .set_modified_filename(modified);
        let patch = options.create_patch(&before, &after).to_string();
        for line in patch.lines() {
            let style = match line.as_bytes().first() {
                Some(b'+') if !line.starts_with("+++") => Some(ADDED),
                Some(b'-') if !line.starts_with("---") => Some(REMOVED),
                Some(b'@') => Some(HUNK),
                _ => None,
            };
            match style {
                Some(style) => out.push_str(&format!("{style}{line}{style:#}\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo_path::RepoPath;
    use crate::tree::{FileContent, Lock, MemoryTree, RenderedFile};

    #[test]
    fn text_from_outside_loses_its_control_characters() {
        let hostile = "\u{1b}[2J\u{1b}]0;pwned\u{7}red\r\u{9b}31mtext\u{7f}\tend\nnext";
        assert_eq!(printable(hostile), "[2J]0;pwnedred31mtext\tend\nnext");
        assert_eq!(printable_line(hostile), "[2J]0;pwnedred31mtext end next");
        assert!(matches!(printable("plain ünïcode\n"), Cow::Borrowed(_)));
        assert!(matches!(printable_line("plain ünïcode"), Cow::Borrowed(_)));
    }

    #[test]
    fn the_diff_styles_added_removed_and_hunk_lines_only() {
        let mut tree = MemoryTree::default();
        let path = RepoPath::new("a.txt").expect("valid");
        tree.files
            .insert(path.clone(), FileContent::regular(b"old\nsame\n".to_vec()));
        let rendered = std::collections::BTreeMap::from([(
            path,
            RenderedFile {
                blueprint: "b".to_string(),
                version: "1.0.0".to_string(),
                content: b"new\nsame\n".to_vec(),
                executable: false,
            },
        )]);
        let changes = ChangeSet::compute(
            &tree,
            None,
            &rendered,
            Lock::new(1, Default::default()),
            true,
        )
        .expect("computes");
        let diff = styled_diff(&changes);
        let plain = anstream::adapter::strip_str(&diff).to_string();
        assert_eq!(
            plain,
            "--- a/a.txt\n+++ b/a.txt\n@@ -1,2 +1,2 @@\n-old\n+new\n same\n"
        );
        assert!(
            diff.contains(&format!("{REMOVED}-old{REMOVED:#}\n")),
            "{diff:?}"
        );
        assert!(
            diff.contains(&format!("{ADDED}+new{ADDED:#}\n")),
            "{diff:?}"
        );
        assert!(diff.contains("--- a/a.txt\n+++ b/a.txt\n"), "{diff:?}");
    }

    /// The plain diff of `rendered` against `tree`, forced (no lock, no merge).
    fn plain_diff(tree: &MemoryTree, rendered: &[(&str, &[u8], bool)]) -> String {
        let rendered = rendered
            .iter()
            .map(|(path, bytes, executable)| {
                (
                    RepoPath::new(path).expect("valid"),
                    RenderedFile {
                        blueprint: "b".to_string(),
                        version: "1.0.0".to_string(),
                        content: bytes.to_vec(),
                        executable: *executable,
                    },
                )
            })
            .collect();
        let changes = ChangeSet::compute(
            tree,
            None,
            &rendered,
            Lock::new(1, Default::default()),
            true,
        )
        .expect("computes");
        anstream::adapter::strip_str(&styled_diff(&changes)).to_string()
    }

    #[test]
    fn mode_changes_are_shown_as_git_shows_them() {
        let mut tree = MemoryTree::default();
        tree.files.insert(
            RepoPath::new("run.sh").expect("valid"),
            FileContent::regular(b"#!/bin/sh\n".to_vec()),
        );
        tree.files.insert(
            RepoPath::new("edit.sh").expect("valid"),
            FileContent::regular(b"#!/bin/sh\nold\n".to_vec()),
        );
        assert_eq!(
            plain_diff(
                &tree,
                &[
                    ("edit.sh", b"#!/bin/sh\nnew\n", true),
                    ("new.sh", b"echo\n", true),
                    ("run.sh", b"#!/bin/sh\n", true),
                ]
            ),
            "diff --git a/edit.sh b/edit.sh\nold mode 100644\nnew mode 100755\n\
             --- a/edit.sh\n+++ b/edit.sh\n@@ -1,2 +1,2 @@\n #!/bin/sh\n-old\n+new\n\
             diff --git a/new.sh b/new.sh\nnew file mode 100755\n\
             --- /dev/null\n+++ b/new.sh\n@@ -0,0 +1 @@\n+echo\n\
             diff --git a/run.sh b/run.sh\nold mode 100644\nnew mode 100755\n"
        );
    }

    #[test]
    fn binary_files_are_named_not_printed() {
        let mut tree = MemoryTree::default();
        tree.files.insert(
            RepoPath::new("logo.png").expect("valid"),
            FileContent::regular(b"\x89PNG\r\n\x1a\n\0\0old".to_vec()),
        );
        assert_eq!(
            plain_diff(
                &tree,
                &[
                    ("logo.png", b"\x89PNG\r\n\x1a\n\0\0new", false),
                    ("new.png", b"\x89PNG\r\n\x1a\n\0\0", false),
                ]
            ),
            "Binary files a/logo.png and b/logo.png differ\n\
             Binary files /dev/null and b/new.png differ\n"
        );
    }
}
