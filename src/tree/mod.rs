//! What a repository's files are and how levelup changes them, independent of
//! blueprints, levels and git: the lock and its base texts, and the content hash.

mod lock;

pub use lock::{Lock, LockEntry, sha256_hex};
