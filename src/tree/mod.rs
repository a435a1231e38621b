//! A repository's files and how levelup changes them, independent of blueprints,
//! levels and git: the trees a change set is read from, the change set itself
//! (against the lock and its base texts), the transactional writer, and the
//! content hash, file modes and the text/binary distinction. It knows nothing of blueprints, scaffolding, git or GitHub;
//! those build on it.

mod changeset;
mod content;
mod error;
mod guard;
mod lock;
mod trees;
mod writer;

use std::path::PathBuf;

pub use changeset::{Action, Change, ChangeSet, Operation, RenderedFile};
pub use content::{FileContent, git_mode, is_binary};
pub use error::Error;
pub use guard::Guard;
pub use lock::{Lock, LockEntry, sha256_hex};
pub use trees::{MemoryTree, Tree, WorkTree};
pub use writer::write;

/// The lock in `tree`, or `None` when there is none yet.
pub fn read_lock(tree: &dyn Tree) -> Result<Option<Lock>, Error> {
    let lock_path = Lock::path();
    match tree.read(&lock_path)? {
        None => Ok(None),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            Ok(Some(
                Lock::parse(&PathBuf::from(lock_path.as_str()), &text).map_err(Error::Lock)?,
            ))
        }
    }
}
