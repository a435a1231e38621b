//! A file's content as levelup tracks it: its bytes and its executable bit, and
//! whether those bytes are text that can be merged and shown as a diff.

/// The bytes of a file and whether it is executable (git's mode 100755).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileContent {
    pub bytes: Vec<u8>,
    pub executable: bool,
}

impl FileContent {
    /// A regular, non-executable file.
    pub fn regular(bytes: Vec<u8>) -> FileContent {
        FileContent {
            bytes,
            executable: false,
        }
    }

    /// The mode git records for it: `100755` or `100644`.
    pub fn git_mode(&self) -> &'static str {
        git_mode(self.executable)
    }
}

/// The mode git records for a file with or without the executable bit.
pub fn git_mode(executable: bool) -> &'static str {
    if executable { "100755" } else { "100644" }
}

/// Whether `bytes` are binary rather than text: they hold a NUL byte (as git
/// decides) or are not UTF-8. Binary files are copied, never merged or diffed.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes.contains(&0) || std::str::from_utf8(bytes).is_err()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_utf8_without_nul() {
        assert!(!is_binary(b""));
        assert!(!is_binary("name: caf\u{e9}\n".as_bytes()));
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(is_binary(b"text with a \0 inside"));
        assert!(is_binary(b"latin-1 caf\xe9"));
    }
}
