//! Throttling of failed logins, in memory, per (username, client address) and
//! per client address; never per username alone, so nobody can lock a user
//! out by failing on purpose from elsewhere.
//!
//! An attempt is *reserved* before its password is checked, under one lock,
//! and counts as a failure until it succeeds: concurrent guesses cannot all
//! pass the check before any failure is recorded. After the free allowance
//! (`FREE_PER_USER_AT_ADDR` for one username from one address,
//! `FREE_PER_ADDR` for everything from one address) within `WINDOW`, each
//! further attempt waits a delay that doubles, capped at `MAX_DELAY`. A
//! success forgets the (username, address) record and gives the address its
//! attempt back. Memory is bounded: old records are pruned on the way.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::client_addr::throttle_key;

pub const FREE_PER_USER_AT_ADDR: u32 = 5;
pub const FREE_PER_ADDR: u32 = 20;
const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
const MAX_ENTRIES: usize = 100_000;

#[derive(Clone, Debug, Hash, PartialEq, Eq)]
enum Key {
    UserAt(String, IpAddr),
    Addr(IpAddr),
}

impl Key {
    fn free(&self) -> u32 {
        match self {
            Key::UserAt(..) => FREE_PER_USER_AT_ADDR,
            Key::Addr(_) => FREE_PER_ADDR,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Record {
    /// Failed and in-flight attempts in the window.
    attempts: u32,
    last: Instant,
}

impl Record {
    fn blocked_until(&self, free: u32) -> Option<Instant> {
        let over = self.attempts.checked_sub(free)?.saturating_add(1);
        let delay = Duration::from_secs(1_u64 << over.min(10)).min(MAX_DELAY);
        Some(self.last + delay)
    }
}

/// A login attempt that passed the throttle; until [`LoginThrottle::succeeded`]
/// or [`LoginThrottle::release`] it counts as a failure.
#[derive(Debug)]
#[must_use = "a reservation counts as a failure until it succeeds or is released"]
pub struct Reservation {
    keys: [Key; 2],
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    records: Mutex<HashMap<Key, Record>>,
}

impl LoginThrottle {
    /// Reserves one attempt for `username` from `addr`, or `Err(wait)` when
    /// either record must wait first.
    pub fn reserve(
        &self,
        username: &str,
        addr: IpAddr,
        now: Instant,
    ) -> Result<Reservation, Duration> {
        let keys = keys(username, addr);
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        if records.len() >= MAX_ENTRIES {
            records.retain(|_, r| now.duration_since(r.last) < WINDOW);
        }
        let until = keys
            .iter()
            .filter_map(|k| records.get(k).map(|r| (k, r)))
            .filter(|(_, r)| now.duration_since(r.last) < WINDOW)
            .filter_map(|(k, r)| r.blocked_until(k.free()))
            .max();
        if let Some(until) = until.filter(|u| *u > now) {
            return Err(until - now);
        }
        for key in &keys {
            let record = records.entry(key.clone()).or_insert(Record {
                attempts: 0,
                last: now,
            });
            if now.duration_since(record.last) >= WINDOW {
                record.attempts = 0;
            }
            record.attempts += 1;
            record.last = now;
        }
        Ok(Reservation { keys })
    }

    /// The password was right: the (username, address) record goes, and the
    /// address gets its attempt back.
    pub fn succeeded(&self, reservation: Reservation) {
        let [user_at, addr] = reservation.keys;
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        records.remove(&user_at);
        give_back(&mut records, &addr);
    }

    /// The attempt was never checked (the server was too busy): it does not count.
    pub fn release(&self, reservation: Reservation) {
        let mut records = self.records.lock().unwrap_or_else(|p| p.into_inner());
        for key in &reservation.keys {
            give_back(&mut records, key);
        }
    }
}

fn give_back(records: &mut HashMap<Key, Record>, key: &Key) {
    if let Some(record) = records.get_mut(key) {
        record.attempts = record.attempts.saturating_sub(1);
    }
}

fn keys(username: &str, addr: IpAddr) -> [Key; 2] {
    let addr = throttle_key(addr);
    [Key::UserAt(username.to_lowercase(), addr), Key::Addr(addr)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_free_attempts_pass_then_the_wait_doubles() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..FREE_PER_USER_AT_ADDR {
            let _failed = t.reserve("alice", a, now).expect("a free attempt");
        }
        assert_eq!(
            t.reserve("alice", a, now).unwrap_err(),
            Duration::from_secs(2)
        );
        let _failed = t
            .reserve("alice", a, now + Duration::from_secs(2))
            .expect("after the wait");
        assert_eq!(
            t.reserve("alice", a, now + Duration::from_secs(2))
                .unwrap_err(),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn concurrent_guesses_get_no_more_than_the_free_allowance() {
        let t = std::sync::Arc::new(LoginThrottle::default());
        let now = Instant::now();
        let passed: usize = std::thread::scope(|s| {
            let handles: Vec<_> = (0..40)
                .map(|_| {
                    let t = t.clone();
                    s.spawn(move || t.reserve("alice", ip("192.0.2.1"), now).is_ok())
                })
                .collect();
            handles
                .into_iter()
                .map(|h| usize::from(h.join().unwrap()))
                .sum()
        });
        assert_eq!(passed, FREE_PER_USER_AT_ADDR as usize);
    }

    #[test]
    fn failures_from_one_address_do_not_stop_the_user_elsewhere() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..=FREE_PER_USER_AT_ADDR {
            let _ = t.reserve("alice", ip("203.0.113.66"), now);
        }
        assert!(t.reserve("alice", ip("203.0.113.66"), now).is_err());
        assert!(t.reserve("Alice", ip("198.51.100.2"), now).is_ok());
    }

    #[test]
    fn success_clears_the_user_and_gives_the_address_its_attempt_back() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..FREE_PER_USER_AT_ADDR - 1 {
            let _failed = t.reserve("Alice", a, now).unwrap();
        }
        let ok = t.reserve("alice", a, now).unwrap();
        t.succeeded(ok);
        for _ in 0..FREE_PER_USER_AT_ADDR {
            let _failed = t.reserve("ALICE", a, now).expect("a fresh allowance");
        }
    }

    #[test]
    fn one_address_guessing_many_usernames_is_throttled_as_a_whole() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let a = ip("192.0.2.7");
        for i in 0..FREE_PER_ADDR {
            let _failed = t.reserve(&format!("user{i}"), a, now).unwrap();
        }
        assert!(t.reserve("someone-else", a, now).is_err());
        assert!(t.reserve("someone-else", ip("192.0.2.8"), now).is_ok());
    }

    #[test]
    fn an_ipv6_address_is_throttled_by_its_slash_64() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..FREE_PER_USER_AT_ADDR {
            let _failed = t
                .reserve("bob", ip(&format!("2001:db8::{i:x}")), now)
                .unwrap();
        }
        assert!(t.reserve("bob", ip("2001:db8::ffff"), now).is_err());
    }

    #[test]
    fn a_released_attempt_does_not_count_and_old_failures_are_forgotten() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..10 {
            if let Ok(r) = t.reserve("bob", a, now) {
                t.release(r);
            }
        }
        assert!(t.reserve("bob", a, now).is_ok());
        for _ in 0..10 {
            let _ = t.reserve("carol", a, now);
        }
        assert!(t.reserve("carol", a, now + WINDOW).is_ok());
    }
}
