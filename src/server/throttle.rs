//! Throttling of failed logins per (username, client address) and per client
//! address; never per username alone, so nobody can lock a user out by
//! failing on purpose from elsewhere. The counts live in the database
//! (`login_throttle`), so several instances throttle the same guesses: N
//! instances behind a load balancer do not give an attacker N allowances.
//!
//! An attempt is *reserved* before its password is checked, in one
//! transaction that locks both counts, and counts as a failure until it
//! succeeds: concurrent guesses, on one instance or many, cannot all pass
//! the check before any failure is recorded. After the free allowance
//! (`FREE_PER_USER_AT_ADDR` for one username from one address,
//! `FREE_PER_ADDR` for everything from one address) within `WINDOW`, each
//! further attempt waits a delay that doubles, capped at `MAX_DELAY`. A
//! success forgets the (username, address) count and gives the address its
//! attempt back. Storage is bounded: a count out of its window is purged
//! within ten minutes (`server::maintenance`), and a count at zero goes too.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;

use super::client_addr::throttle_key;
use super::db::login_throttle::{
    delete_throttle_key, give_back_attempt, insert_throttle_key, lock_throttle_keys,
    update_throttle_key,
};
use super::db::{Backend, Pool};

pub const FREE_PER_USER_AT_ADDR: u32 = 5;
pub const FREE_PER_ADDR: u32 = 20;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
const MAX_DELAY: Duration = Duration::from_secs(15 * 60);

/// A throttle key: what its row is named, and how many attempts are free.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Key {
    name: String,
    free: u32,
}

/// Both keys of an attempt, in the order they are locked (by name).
fn keys(username: &str, addr: IpAddr) -> [Key; 2] {
    let addr = throttle_key(addr);
    [
        Key {
            name: format!("addr:{addr}"),
            free: FREE_PER_ADDR,
        },
        Key {
            name: format!("user:{}@{addr}", username.to_lowercase()),
            free: FREE_PER_USER_AT_ADDR,
        },
    ]
}

/// How many attempts a count holds at `now_ms`: none once its last attempt
/// is a whole window old.
fn attempts_in_window(attempts: i64, last_ms: i64, now_ms: i64) -> u32 {
    if now_ms - last_ms >= WINDOW.as_millis() as i64 {
        0
    } else {
        u32::try_from(attempts.max(0)).unwrap_or(u32::MAX)
    }
}

/// How long a count of `attempts` (the last begun at `last_ms`) must wait
/// before another attempt, at `now_ms`: nothing within the free allowance,
/// then 2 s, 4 s, 8 s… after the last attempt, capped at `MAX_DELAY`.
fn wait(attempts: u32, free: u32, last_ms: i64, now_ms: i64) -> Option<Duration> {
    let over = attempts.checked_sub(free)?.saturating_add(1);
    let delay = Duration::from_secs(1_u64 << over.min(10)).min(MAX_DELAY);
    let until = last_ms.saturating_add(delay.as_millis() as i64);
    (until > now_ms).then(|| Duration::from_millis((until - now_ms) as u64))
}

/// A login attempt that passed the throttle; until [`LoginThrottle::succeeded`]
/// or [`LoginThrottle::release`] it counts as a failure.
#[derive(Debug)]
#[must_use = "a reservation counts as a failure until it succeeds or is released"]
pub struct Reservation {
    keys: [Key; 2],
}

/// What [`LoginThrottle::reserve`] decided.
#[derive(Debug)]
pub enum Reserved {
    Yes(Reservation),
    /// Come back after this long.
    Wait(Duration),
}

/// The login throttle, on the shared database.
#[derive(Clone, Debug)]
pub struct LoginThrottle {
    pool: Pool,
    backend: Backend,
}

impl LoginThrottle {
    pub fn new(pool: Pool) -> Self {
        Self {
            backend: Backend::of(&pool),
            pool,
        }
    }

    /// Reserves one attempt for `username` from `addr` at `now_ms`, or says
    /// how long to wait when either count must wait first.
    pub async fn reserve(
        &self,
        username: &str,
        addr: IpAddr,
        now_ms: i64,
    ) -> anyhow::Result<Reserved> {
        let keys = keys(username, addr);
        let mut tx = super::db::begin_write(&self.pool)
            .await
            .context("starting the throttle transaction")?;
        for key in &keys {
            insert_throttle_key(&mut *tx, &key.name, now_ms)
                .await
                .context("adding a throttle key")?;
        }
        let names = [keys[0].name.as_str(), keys[1].name.as_str()];
        let rows = lock_throttle_keys(&mut *tx, self.backend, &names)
            .await
            .context("reading the throttle keys")?;
        let mut counts = [0_u32; 2];
        let mut longest = None;
        for (key, count) in keys.iter().zip(&mut counts) {
            let Some(row) = rows.iter().find(|r| r.key == key.name) else {
                continue;
            };
            *count = attempts_in_window(row.attempts, row.last_ms, now_ms);
            longest = longest.max(wait(*count, key.free, row.last_ms, now_ms));
        }
        if let Some(wait) = longest {
            // Nothing is counted, and the new rows go with the transaction.
            tx.rollback()
                .await
                .context("ending the throttle transaction")?;
            return Ok(Reserved::Wait(wait));
        }
        for (key, count) in keys.iter().zip(counts) {
            update_throttle_key(&mut *tx, &key.name, i64::from(count) + 1, now_ms)
                .await
                .context("counting the attempt")?;
        }
        tx.commit().await.context("counting the attempt")?;
        Ok(Reserved::Yes(Reservation { keys }))
    }

    /// The password was right: the (username, address) count goes, and the
    /// address gets its attempt back.
    pub async fn succeeded(&self, reservation: Reservation) -> anyhow::Result<()> {
        let [addr, user_at] = reservation.keys;
        delete_throttle_key(&self.pool, &user_at.name)
            .await
            .context("forgetting the failures")?;
        give_back_attempt(&self.pool, &addr.name)
            .await
            .context("giving back the attempt")
    }

    /// The attempt was never checked (the server was too busy): it does not count.
    pub async fn release(&self, reservation: Reservation) -> anyhow::Result<()> {
        for key in &reservation.keys {
            give_back_attempt(&self.pool, &key.name)
                .await
                .context("giving back the attempt")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FREE: u32 = FREE_PER_USER_AT_ADDR;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_free_attempts_pass_then_the_wait_doubles_from_the_last_attempt() {
        for attempts in 0..FREE {
            assert_eq!(wait(attempts, FREE, 1_000, 1_000), None, "{attempts}");
        }
        assert_eq!(wait(FREE, FREE, 1_000, 1_000), Some(Duration::from_secs(2)));
        assert_eq!(
            wait(FREE + 1, FREE, 1_000, 1_000),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            wait(FREE, FREE, 1_000, 2_500),
            Some(Duration::from_millis(500))
        );
        assert_eq!(wait(FREE, FREE, 1_000, 3_000), None, "the wait is over");
    }

    #[test]
    fn the_wait_is_capped_at_the_maximum_delay() {
        assert_eq!(wait(u32::MAX, FREE, 0, 0), Some(MAX_DELAY));
        assert_eq!(wait(FREE + 40, FREE, 0, 0), Some(MAX_DELAY));
    }

    #[test]
    fn a_count_whose_last_attempt_is_a_window_old_counts_nothing() {
        let window = WINDOW.as_millis() as i64;
        assert_eq!(attempts_in_window(9, 0, window - 1), 9);
        assert_eq!(attempts_in_window(9, 0, window), 0);
        assert_eq!(attempts_in_window(-3, 0, 0), 0, "never negative");
    }

    #[test]
    fn keys_name_the_address_and_the_lowercased_username_at_it() {
        let [addr, user] = keys("Alice", ip("192.0.2.1"));
        assert_eq!(addr.name, "addr:192.0.2.1");
        assert_eq!(user.name, "user:alice@192.0.2.1");
        assert_eq!(
            (addr.free, user.free),
            (FREE_PER_ADDR, FREE_PER_USER_AT_ADDR)
        );
        assert!(addr.name < user.name, "locked in name order");
    }

    #[test]
    fn an_ipv6_address_is_keyed_by_its_slash_64() {
        assert_eq!(
            keys("bob", ip("2001:db8::1")),
            keys("BOB", ip("2001:db8::ffff"))
        );
        assert_ne!(
            keys("bob", ip("2001:db8::1")),
            keys("bob", ip("2001:db8:0:1::1"))
        );
    }
}
