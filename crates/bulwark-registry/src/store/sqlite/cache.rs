//! Read caches of the embedded store: answers to the lookups every request makes, kept
//! in memory so that they cost no database read transaction.
//!
//! - Blob descriptors: which repository links which blob, its size and, for a small blob
//!   stored inline, its bytes. Pulls ask for the same few blobs over and over (every
//!   client checks every layer with a HEAD before it pulls). docker-registry keeps the
//!   same kind of cache (`blobdescriptor: inmemory`).
//! - Projects: every push checks that its project exists.
//!
//! Only positive answers are kept, so new content is visible the moment its write
//! commits. Every write that can remove or change what a cache holds clears that cache
//! once it has committed. A lookup that raced such a write cannot put a stale entry
//! back: it notes the cache's generation before it reads the database, and its answer is
//! dropped if the generation moved meanwhile.
//!
//! The caches are exact only while this process is the database's one writer, which is
//! how the embedded store runs.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use bulwark_types::Digest;
use bytes::Bytes;

use crate::store::Project;

/// A linked blob: its size and, when stored inline, its bytes.
pub(super) type Descriptor = (u64, Option<Bytes>);

/// Blob descriptors by (repository, digest).
pub(super) type BlobCache = Cache<(String, Digest), Descriptor>;
/// Projects by name.
pub(super) type ProjectCache = Cache<String, Project>;

/// What an entry costs beyond its slot (inline bytes).
pub(super) trait Weigh {
    fn weight(&self) -> usize {
        0
    }
}

impl Weigh for Descriptor {
    fn weight(&self) -> usize {
        self.1.as_ref().map_or(0, Bytes::len)
    }
}

impl Weigh for Project {}

/// Most entries kept; past this (or [`MAX_BYTES`]) a cache starts over.
const MAX_ENTRIES: usize = 100_000;
/// Most inline bytes kept by one cache.
const MAX_BYTES: usize = 64 << 20;

pub(super) struct Cache<K, V> {
    generation: AtomicU64,
    inner: Mutex<Inner<K, V>>,
}

struct Inner<K, V> {
    map: HashMap<K, V>,
    bytes: usize,
}

impl<K, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
            }),
        }
    }
}

impl<K: Hash + Eq, V: Clone + Weigh> Cache<K, V> {
    /// The generation to pass to [`Self::put`] for a lookup about to read the database.
    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    pub(super) fn get(&self, key: &K) -> Option<V> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        inner.map.get(key).cloned()
    }

    /// The cached answer for `key`, else what `read` finds in the database (remembered
    /// when found, unless a clearing write committed during the read).
    pub(super) fn get_or_read<E>(
        &self,
        key: K,
        read: impl FnOnce() -> Result<Option<V>, E>,
    ) -> Result<Option<V>, E> {
        if let Some(hit) = self.get(&key) {
            return Ok(Some(hit));
        }
        let generation = self.generation();
        let found = read()?;
        if let Some(found) = &found {
            self.put(generation, key, found.clone());
        }
        Ok(found)
    }

    /// Remembers what a lookup that started at `generation` found, unless a write that
    /// clears this cache committed since.
    pub(super) fn put(&self, generation: u64, key: K, value: V) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        let weight = value.weight();
        if inner.map.len() >= MAX_ENTRIES || inner.bytes.saturating_add(weight) > MAX_BYTES {
            inner.map.clear();
            inner.bytes = 0;
        }
        if let Some(old) = inner.map.insert(key, value) {
            inner.bytes = inner.bytes.saturating_sub(old.weight());
        }
        inner.bytes = inner.bytes.saturating_add(weight);
    }

    /// Forgets everything; called after a write that removed or changed entries.
    pub(super) fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        inner.map.clear();
        inner.bytes = 0;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn key(repo: &str, n: u8) -> (String, Digest) {
        (repo.to_owned(), Digest::from_hash(&[n; 32]).unwrap())
    }

    #[test]
    fn keeps_what_it_was_given_per_repository() {
        let c = BlobCache::default();
        let g = c.generation();
        c.put(g, key("dev/app", 1), (3, Some(Bytes::from_static(b"abc"))));
        assert_eq!(
            c.get(&key("dev/app", 1)),
            Some((3, Some(Bytes::from_static(b"abc"))))
        );
        assert_eq!(c.get(&key("qa/app", 1)), None);
        assert_eq!(c.get(&key("dev/app", 2)), None);
    }

    #[test]
    fn a_lookup_that_raced_a_removal_is_not_remembered() {
        let c = BlobCache::default();
        let before = c.generation();
        c.put(before, key("dev/app", 1), (1, None));
        // A removal commits while a second lookup (which read the old state) runs.
        let racing = c.generation();
        c.clear();
        assert_eq!(c.get(&key("dev/app", 1)), None);
        c.put(racing, key("dev/app", 2), (2, None));
        assert_eq!(c.get(&key("dev/app", 2)), None);
        // Lookups that start after the removal are remembered again.
        let after = c.generation();
        c.put(after, key("dev/app", 3), (3, None));
        assert_eq!(c.get(&key("dev/app", 3)), Some((3, None)));
    }

    #[test]
    fn stays_within_its_byte_budget() {
        let c = BlobCache::default();
        let chunk = Bytes::from(vec![0u8; 1 << 20]);
        for n in 0..100u8 {
            c.put(
                c.generation(),
                key("dev/app", n),
                (1 << 20, Some(chunk.clone())),
            );
        }
        let inner = c.inner.lock().unwrap();
        assert!(inner.bytes <= MAX_BYTES, "{} bytes kept", inner.bytes);
        assert!(!inner.map.is_empty());
    }
}
