//! Blob descriptors looked up recently: which repository links which blob, its size and,
//! for a small blob stored inline, its bytes. Pulls ask for the same few blobs over and
//! over (every client checks every layer with a HEAD before it pulls), and this answers
//! them without a database read transaction. docker-registry keeps the same kind of
//! cache (`blobdescriptor: inmemory`).
//!
//! Only positive answers are kept, so a blob is visible the moment its push commits.
//! Every write that can remove a link or a blob (unlinking, repository and project
//! deletion, garbage collection) clears the cache once it has committed. A lookup that
//! raced such a write cannot put a stale entry back: it notes the generation before it
//! reads the database, and its entry is dropped if the generation moved meanwhile.
//!
//! The cache is exact only while this process is the database's one writer, which is
//! how the embedded store runs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use bulwark_types::Digest;
use bytes::Bytes;

/// Most descriptors kept; past this (or [`MAX_BYTES`]) the cache starts over.
const MAX_ENTRIES: usize = 100_000;
/// Most inline blob bytes kept.
const MAX_BYTES: usize = 64 << 20;

/// A linked blob: its size and, when stored inline, its bytes.
pub(super) type Descriptor = (u64, Option<Bytes>);

#[derive(Default)]
pub(super) struct BlobCache {
    generation: AtomicU64,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    repos: HashMap<String, HashMap<Digest, Descriptor>>,
    entries: usize,
    bytes: usize,
}

impl BlobCache {
    /// The generation to pass to [`Self::put`] for a lookup about to read the database.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn get(&self, repo: &str, digest: &Digest) -> Option<Descriptor> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.repos.get(repo)?.get(digest).cloned()
    }

    /// Remembers what a lookup that started at `generation` found, unless a removal
    /// committed since.
    pub(super) fn put(&self, generation: u64, repo: &str, digest: &Digest, found: Descriptor) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        let size = found.1.as_ref().map_or(0, Bytes::len);
        if inner.entries >= MAX_ENTRIES || inner.bytes.saturating_add(size) > MAX_BYTES {
            *inner = Inner::default();
        }
        let previous = inner
            .repos
            .entry(repo.to_owned())
            .or_default()
            .insert(digest.clone(), found);
        match previous {
            Some(old) => {
                inner.bytes = inner
                    .bytes
                    .saturating_sub(old.1.as_ref().map_or(0, Bytes::len));
            }
            None => inner.entries += 1,
        }
        inner.bytes = inner.bytes.saturating_add(size);
    }

    /// Forgets everything; called after a write that removed links or blobs committed.
    pub(super) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        *inner = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn digest(n: u8) -> Digest {
        format!("sha256:{}", format!("{n:02x}").repeat(32))
            .parse()
            .unwrap()
    }

    #[test]
    fn keeps_what_it_was_given_per_repository() {
        let c = BlobCache::default();
        let g = c.generation();
        c.put(
            g,
            "dev/app",
            &digest(1),
            (3, Some(Bytes::from_static(b"abc"))),
        );
        assert_eq!(
            c.get("dev/app", &digest(1)),
            Some((3, Some(Bytes::from_static(b"abc"))))
        );
        assert_eq!(c.get("qa/app", &digest(1)), None);
        assert_eq!(c.get("dev/app", &digest(2)), None);
    }

    #[test]
    fn a_lookup_that_raced_a_removal_is_not_remembered() {
        let c = BlobCache::default();
        let before = c.generation();
        c.put(before, "dev/app", &digest(1), (1, None));
        // A removal commits while a second lookup (which read the old state) runs.
        let racing = c.generation();
        c.clear();
        assert_eq!(c.get("dev/app", &digest(1)), None);
        c.put(racing, "dev/app", &digest(2), (2, None));
        assert_eq!(c.get("dev/app", &digest(2)), None);
        // Lookups that start after the removal are remembered again.
        let after = c.generation();
        c.put(after, "dev/app", &digest(3), (3, None));
        assert_eq!(c.get("dev/app", &digest(3)), Some((3, None)));
    }

    #[test]
    fn stays_within_its_byte_budget() {
        let c = BlobCache::default();
        let chunk = Bytes::from(vec![0u8; 1 << 20]);
        for n in 0..100u8 {
            c.put(
                c.generation(),
                "dev/app",
                &digest(n),
                (1 << 20, Some(chunk.clone())),
            );
        }
        let inner = c.inner.lock().unwrap();
        assert!(inner.bytes <= MAX_BYTES, "{} bytes kept", inner.bytes);
        assert!(inner.entries >= 1);
    }
}
