//! In-memory copies of the rows the end-session endpoint reads on every call:
//! the browser session, the live OP session and the client. GET /logout has a
//! budget of 65 µs of CPU, and each SQLite round trip through sqlx costs about
//! 57 µs (two thread hand-offs), so the dialog reads none once these are warm.
//!
//! Coherence rests on one fact: signoff owns its SQLite database, and every
//! change to a cached row is made in this process, which calls
//! [`ReadCache::forget`] after its commit. A load that began before such a
//! change may have read the old row; it notes the cache's generation before it
//! reads, and [`ReadCache::put`] drops its result if anything was forgotten
//! meanwhile. So a forgotten row never comes back stale.
//!
//! Entries also age out after the cache's time to live, so that a row changed
//! behind signoff's back (a hand edit) is read again soon.
//!
//! The one exception, the operator CLI, runs in another process: it bumps a
//! counter in the database with each change, and every server drops all its
//! cached rows when it sees the counter move (`server::changes`).
//!
//! On PostgreSQL that fact does not hold: every instance changes rows. So
//! there, what decides whether a session is live is not cached at all
//! ([`Ttls::for_backend`]): a logout on one instance is seen by the next
//! request on any other. Client settings are cached for half a second.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The caches' sizes: at most this many browser and OP sessions each (a few
/// hundred bytes apiece), and clients.
pub const CACHED_ROWS: usize = 10_000;
pub const CACHED_CLIENTS: usize = 1_000;
/// A cached row is read again after this long, whatever happened.
pub const CACHE_TTL: Duration = Duration::from_secs(60);

/// How long each cache keeps a row, by the database in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ttls {
    /// Browser and OP sessions: whether someone is signed in.
    pub sessions: Duration,
    /// Clients' logout settings.
    pub clients: Duration,
}

impl Ttls {
    pub fn for_backend(backend: crate::server::db::Backend) -> Self {
        match backend {
            crate::server::db::Backend::Sqlite => Self {
                sessions: CACHE_TTL,
                clients: CACHE_TTL,
            },
            // Several instances: liveness is read from the database every
            // time, and another instance's client edit shows within 1 s.
            crate::server::db::Backend::Postgres => Self {
                sessions: Duration::ZERO,
                clients: Duration::from_millis(500),
            },
        }
    }
}

/// A bounded map from `K` to `V` with generation-checked inserts.
#[derive(Debug)]
pub struct ReadCache<K, V> {
    inner: Mutex<Inner<K, V>>,
    capacity: usize,
    ttl: Duration,
}

#[derive(Debug)]
struct Inner<K, V> {
    /// foldhash, seeded per process: the keys that enter were verified or
    /// found in the database, so an attacker cannot choose them to collide.
    entries: HashMap<K, (V, Instant), foldhash::fast::RandomState>,
    generation: u64,
}

/// What [`ReadCache::generation`] returns: proof of when a load began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Generation(u64);

impl<K: Hash + Eq, V: Clone> ReadCache<K, V> {
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::default(),
                generation: 0,
            }),
            capacity,
            ttl,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        // A panic while holding the lock cannot leave the map half-updated in
        // a way that matters: every operation is a single insert or remove.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cached value, if it is younger than the time to live.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let inner = self.lock();
        let (value, stored) = inner.entries.get(key)?;
        (stored.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Call before loading from the database; hand the result to [`Self::put`].
    pub fn generation(&self) -> Generation {
        Generation(self.lock().generation)
    }

    /// Stores what a load found, unless something was forgotten since the load
    /// began (it may have read a row that has changed since). A full cache
    /// first drops its stale entries, then, if still full, everything.
    pub fn put(&self, began: Generation, key: K, value: V) {
        if self.ttl.is_zero() {
            return; // a cache that keeps nothing
        }
        let mut inner = self.lock();
        if inner.generation != began.0 {
            return;
        }
        if inner.entries.len() >= self.capacity && !inner.entries.contains_key(&key) {
            let ttl = self.ttl;
            inner
                .entries
                .retain(|_, (_, stored)| stored.elapsed() < ttl);
            if inner.entries.len() >= self.capacity {
                inner.entries.clear();
            }
        }
        inner.entries.insert(key, (value, Instant::now()));
    }

    /// Drops `key` after a committed change to its row, and makes every load
    /// already under way discard its result.
    pub fn forget(&self, key: &K) {
        let mut inner = self.lock();
        inner.entries.remove(key);
        inner.generation = inner.generation.wrapping_add(1);
    }

    /// Applies a committed change to `key`'s entry in place, when there is
    /// one (one that is not stays so), and, as [`Self::forget`] does, makes
    /// every load under way discard its result, which may predate the change.
    /// Two changes to one entry at once both land: each runs under the lock.
    pub fn amend(&self, key: &K, change: impl FnOnce(&mut V)) {
        let mut inner = self.lock();
        if let Some((value, _)) = inner.entries.get_mut(key) {
            change(value);
        }
        inner.generation = inner.generation.wrapping_add(1);
    }

    /// Drops every entry, and makes every load under way discard its
    /// result: rows changed where [`Self::forget`] could not be called (by
    /// the operator CLI, in another process).
    pub fn forget_all(&self) {
        let mut inner = self.lock();
        inner.entries.clear();
        inner.generation = inner.generation.wrapping_add(1);
    }

    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(capacity: usize) -> ReadCache<&'static str, u32> {
        ReadCache::new(capacity, Duration::from_secs(60))
    }

    #[test]
    fn a_stored_value_is_found_until_it_is_forgotten() {
        let c = cache(4);
        c.put(c.generation(), "a", 1);
        assert_eq!(c.get(&"a"), Some(1));
        c.forget(&"a");
        assert_eq!(c.get(&"a"), None);
    }

    #[test]
    fn a_load_that_began_before_a_forget_does_not_store_its_stale_result() {
        let c = cache(4);
        let began = c.generation();
        // Meanwhile the row changes and the change is committed.
        c.forget(&"a");
        c.put(began, "a", 1);
        assert_eq!(c.get(&"a"), None);
        // A load that begins afterwards stores what it read.
        c.put(c.generation(), "a", 2);
        assert_eq!(c.get(&"a"), Some(2));
    }

    #[test]
    fn a_forget_of_another_key_also_discards_loads_under_way() {
        let c = cache(4);
        let began = c.generation();
        c.forget(&"b");
        c.put(began, "a", 1);
        assert!(c.is_empty());
    }

    #[test]
    fn an_amended_entry_keeps_both_changes_and_loads_under_way_are_discarded() {
        let c = cache(4);
        c.put(c.generation(), "a", 1);
        let began = c.generation();
        c.amend(&"a", |v| *v += 10);
        c.amend(&"a", |v| *v += 100);
        assert_eq!(c.get("a"), Some(111));
        c.put(began, "a", 1);
        assert_eq!(
            c.get("a"),
            Some(111),
            "a load from before the change is discarded"
        );
        c.amend(&"b", |v| *v += 1);
        assert_eq!(c.get("b"), None, "an entry that is not there stays so");
    }

    #[test]
    fn forgetting_everything_empties_the_cache_and_discards_loads_under_way() {
        let c = cache(4);
        c.put(c.generation(), "a", 1);
        let began = c.generation();
        c.forget_all();
        c.put(began, "b", 2);
        assert!(c.is_empty());
    }

    #[test]
    fn entries_older_than_the_time_to_live_are_not_returned() {
        let c: ReadCache<&str, u32> = ReadCache::new(4, Duration::ZERO);
        c.put(c.generation(), "a", 1);
        assert_eq!(c.get(&"a"), None);
    }

    #[test]
    fn the_cache_never_grows_past_its_capacity() {
        let c: ReadCache<u32, u32> = ReadCache::new(3, Duration::from_secs(60));
        for i in 0..10 {
            c.put(c.generation(), i, i);
            assert!(c.len() <= 3);
        }
        assert_eq!(c.get(&9), Some(9));
    }
}
