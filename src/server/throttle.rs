//! Throttling of failed logins, per username and per client address, in memory.
//!
//! After `FREE_FAILURES` failures within `WINDOW`, each further attempt must wait
//! a delay that doubles per failure, capped at `MAX_DELAY`. A success clears the
//! username's record. Memory is bounded: old records are pruned on the way.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    User(String),
    Addr(IpAddr),
}

#[derive(Clone, Copy, Debug)]
struct Record {
    failures: u32,
    last: Instant,
}

impl Record {
    fn blocked_until(&self) -> Option<Instant> {
        let over = self
            .failures
            .checked_sub(FREE_FAILURES)
            .filter(|over| *over > 0)?;
        let delay = Duration::from_secs(1_u64 << over.min(10)).min(MAX_DELAY);
        Some(self.last + delay)
    }
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<Key, Record>>,
}

impl LoginThrottle {
    /// `Err(wait)` when a login for this user or from this address must wait.
    pub fn check(
        &self,
        username: &str,
        addr: Option<IpAddr>,
        now: Instant,
    ) -> Result<(), Duration> {
        let records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        let keys = keys(username, addr);
        let until = keys
            .iter()
            .filter_map(|k| records.get(k))
            .filter(|r| now.duration_since(r.last) < WINDOW)
            .filter_map(Record::blocked_until)
            .max();
        match until {
            Some(until) if until > now => Err(until - now),
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str, addr: Option<IpAddr>, now: Instant) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() >= MAX_ENTRIES {
            records.retain(|_, r| now.duration_since(r.last) < WINDOW);
        }
        for key in keys(username, addr) {
            let record = records.entry(key).or_insert(Record {
                failures: 0,
                last: now,
            });
            if now.duration_since(record.last) >= WINDOW {
                record.failures = 0;
            }
            record.failures += 1;
            record.last = now;
        }
    }

    pub fn record_success(&self, username: &str) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records.remove(&Key::User(username.to_lowercase()));
    }
}

fn keys(username: &str, addr: Option<IpAddr>) -> Vec<Key> {
    let mut keys = vec![Key::User(username.to_lowercase())];
    keys.extend(addr.map(Key::Addr));
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_are_free_then_the_wait_doubles() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(t.check("alice", None, now).is_ok());
            t.record_failure("alice", None, now);
        }
        assert!(
            t.check("alice", None, now).is_ok(),
            "the sixth try is allowed"
        );
        t.record_failure("alice", None, now);
        assert_eq!(t.check("alice", None, now), Err(Duration::from_secs(2)));
        assert!(t.check("alice", None, now + Duration::from_secs(2)).is_ok());
    }

    #[test]
    fn usernames_are_throttled_case_insensitively_and_success_clears_them() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..=FREE_FAILURES {
            t.record_failure("Alice", None, now);
        }
        assert!(t.check("alice", None, now).is_err());
        t.record_success("ALICE");
        assert!(t.check("alice", None, now).is_ok());
    }

    #[test]
    fn one_address_guessing_many_usernames_is_throttled() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let addr: IpAddr = "192.0.2.7".parse().unwrap();
        for i in 0..=FREE_FAILURES {
            t.record_failure(&format!("user{i}"), Some(addr), now);
        }
        assert!(t.check("someone-else", Some(addr), now).is_err());
        assert!(t.check("someone-else", None, now).is_ok());
    }

    #[test]
    fn failures_older_than_the_window_are_forgotten() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..10 {
            t.record_failure("bob", None, now);
        }
        assert!(t.check("bob", None, now + WINDOW).is_ok());
    }
}
