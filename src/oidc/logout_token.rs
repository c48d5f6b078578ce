//! Back-Channel Logout 1.0: the logout token and how a delivery's answer is read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::issuer::Issuer;

/// BCL §2.4: the member of `events` that makes a JWT a logout token.
pub const BACKCHANNEL_LOGOUT_EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// BCL §2.4 (errata 1): `exp` is required, "preferably at most two minutes" ahead.
pub const LOGOUT_TOKEN_LIFETIME_SECS: i64 = 120;
/// BCL §2.4 / RFC 8725 §3.11: the explicit type, sent in the JOSE header.
pub const LOGOUT_TOKEN_TYP: &str = "logout+jwt";

/// An empty JSON object, as the event's value SHOULD be.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// Logout token claims (BCL §2.4). There is no `nonce` field, so one can
/// never be sent: "A nonce Claim MUST NOT be present" (a logout token must not
/// pass for an ID token).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogoutTokenClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
    pub events: BTreeMap<String, Empty>,
    pub sid: String,
}

/// Whom a logout token is for: the values that client's ID tokens carried.
#[derive(Clone, Debug)]
pub struct LogoutTokenSubject<'a> {
    pub client_id: &'a str,
    pub subject: &'a str,
    pub sid: &'a str,
}

/// BCL §2.4: `iss`, `aud` = the client, `iat`, `exp` two minutes ahead, a
/// `jti` unique per token (every retry is a new token, since receivers reject
/// a `jti` they have seen), the event with an empty object, and both `sub` and
/// `sid`: the same values as in that client's ID token (BCL §2.6 step 7), so a
/// client that requires `sid` always gets it.
pub fn logout_token_claims(
    issuer: &Issuer,
    to: &LogoutTokenSubject<'_>,
    jti: String,
    now: i64,
) -> LogoutTokenClaims {
    LogoutTokenClaims {
        iss: issuer.as_ref().to_owned(),
        sub: to.subject.to_owned(),
        aud: to.client_id.to_owned(),
        iat: now,
        exp: now + LOGOUT_TOKEN_LIFETIME_SECS,
        jti,
        events: BTreeMap::from([(BACKCHANNEL_LOGOUT_EVENT.to_owned(), Empty {})]),
        sid: to.sid.to_owned(),
    }
}

/// What a delivery's answer means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// BCL §2.8: 200, and 204 which OPs "should be prepared to" accept.
    Delivered,
    /// BCL §2.8: 400 means the RP refused the token or could not log out;
    /// sending it again would not change that (§2.5: retransmit only on a
    /// suspected recoverable failure). Other 4xx and 3xx are as final.
    Refused,
    /// §2.5: a recoverable failure (5xx, 408, 429): retry after a delay.
    Retry,
}

/// Reads the receiver's HTTP status (network errors and timeouts, which have
/// none, are always [`DeliveryOutcome::Retry`]).
pub fn classify_response(status: u16) -> DeliveryOutcome {
    match status {
        200 | 204 => DeliveryOutcome::Delivered,
        408 | 429 => DeliveryOutcome::Retry,
        500..=599 => DeliveryOutcome::Retry,
        _ => DeliveryOutcome::Refused,
    }
}

/// Where one back-channel delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet answered for good: (re)tried when due.
    Pending,
    Delivered,
    /// Refused by the client, forbidden by the SSRF guard, or given up on.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// The stored value; `None` for anything else.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// Give up after this many attempts (about half an hour of backoff)…
pub const MAX_ATTEMPTS: i64 = 12;
/// …or once the logout is this old (milliseconds).
pub const MAX_AGE_MS: i64 = 6 * 3600 * 1000;

/// Where a delivery stands after its attempt number `attempts` (1 = the
/// first) had `outcome`, `age_ms` after the logout. BCL §2.5: a recoverable
/// failure is retried after a delay, but not forever: after
/// [`MAX_ATTEMPTS`], or [`MAX_AGE_MS`] after the logout, the OP gives up
/// (`true` in the answer: the delivery failed for that reason).
pub fn status_after(
    outcome: DeliveryOutcome,
    attempts: i64,
    age_ms: i64,
) -> (DeliveryStatus, bool) {
    match outcome {
        DeliveryOutcome::Delivered => (DeliveryStatus::Delivered, false),
        DeliveryOutcome::Refused => (DeliveryStatus::Failed, false),
        DeliveryOutcome::Retry if attempts >= MAX_ATTEMPTS || age_ms >= MAX_AGE_MS => {
            (DeliveryStatus::Failed, true)
        }
        DeliveryOutcome::Retry => (DeliveryStatus::Pending, false),
    }
}

/// The wait before retry number `attempt` (1 = the first retry): exponential
/// from one second, capped at ten minutes, scaled by `jitter` in [0.5, 1.5)
/// so that many failed deliveries do not retry in lockstep (BCL §2.5: "SHOULD
/// delay"). Milliseconds.
pub fn retry_delay_ms(attempt: u32, jitter: f64) -> i64 {
    const BASE_MS: f64 = 1_000.0;
    const CAP_MS: f64 = 600_000.0;
    let exponential = BASE_MS * 2f64.powi(attempt.saturating_sub(1).min(20) as i32);
    (exponential.min(CAP_MS) * jitter.clamp(0.5, 1.5)) as i64
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn claims() -> serde_json::Value {
        let issuer = Issuer::parse("https://op.example.com").unwrap();
        let to = LogoutTokenSubject {
            client_id: "shop",
            subject: "sub-1",
            sid: "sid-1",
        };
        serde_json::to_value(logout_token_claims(&issuer, &to, "jti-1".into(), 1_000)).unwrap()
    }

    #[test]
    fn the_token_carries_exactly_the_claims_section_2_4_asks_for() {
        let c = claims();
        let mut names: Vec<&str> = c.as_object().unwrap().keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            ["aud", "events", "exp", "iat", "iss", "jti", "sid", "sub"]
        );
        assert_eq!(c["iss"], "https://op.example.com");
        assert_eq!(c["aud"], "shop");
        assert_eq!(c["sub"], "sub-1");
        assert_eq!(c["sid"], "sid-1");
        assert_eq!(c["jti"], "jti-1");
    }

    #[test]
    fn the_event_is_exactly_an_empty_object_and_there_is_never_a_nonce() {
        let c = claims();
        assert_eq!(
            c["events"],
            serde_json::json!({ "http://schemas.openid.net/event/backchannel-logout": {} })
        );
        assert!(c.get("nonce").is_none());
    }

    #[test]
    fn the_token_expires_two_minutes_after_it_is_issued() {
        let c = claims();
        assert_eq!(c["iat"], 1_000);
        assert_eq!(c["exp"], 1_120);
    }

    #[test]
    fn success_refusal_and_recoverable_failures_are_told_apart() {
        assert_eq!(classify_response(200), DeliveryOutcome::Delivered);
        assert_eq!(
            status_after(classify_response(204), 12, MAX_AGE_MS),
            (DeliveryStatus::Delivered, false),
            "an answer that arrives counts, however late"
        );
        assert_eq!(classify_response(204), DeliveryOutcome::Delivered);
        for refused in [400, 401, 403, 404, 301, 302, 201] {
            assert_eq!(
                classify_response(refused),
                DeliveryOutcome::Refused,
                "{refused}"
            );
        }
        for retry in [500, 502, 503, 504, 408, 429] {
            assert_eq!(classify_response(retry), DeliveryOutcome::Retry, "{retry}");
        }
    }

    #[test]
    fn retries_back_off_exponentially_up_to_ten_minutes() {
        assert_eq!(retry_delay_ms(1, 1.0), 1_000);
        assert_eq!(retry_delay_ms(2, 1.0), 2_000);
        assert_eq!(retry_delay_ms(5, 1.0), 16_000);
        assert_eq!(retry_delay_ms(30, 1.0), 600_000);
    }

    proptest! {
        #[test]
        fn jitter_keeps_every_delay_within_half_and_one_and_a_half_times(attempt in 1u32..50, jitter in 0.0f64..2.0) {
            let plain = retry_delay_ms(attempt, 1.0);
            let jittered = retry_delay_ms(attempt, jitter);
            prop_assert!(jittered >= plain / 2 && jittered <= plain * 3 / 2);
        }
    }

    #[test]
    fn a_recoverable_failure_is_retried_until_twelve_attempts_or_six_hours() {
        use DeliveryStatus::{Failed, Pending};
        let retry = DeliveryOutcome::Retry;
        assert_eq!(status_after(retry, 1, 0), (Pending, false));
        assert_eq!(
            status_after(retry, MAX_ATTEMPTS - 1, MAX_AGE_MS - 1),
            (Pending, false)
        );
        assert_eq!(status_after(retry, MAX_ATTEMPTS, 0), (Failed, true));
        assert_eq!(status_after(retry, 2, MAX_AGE_MS), (Failed, true));
        assert_eq!(
            status_after(DeliveryOutcome::Refused, 1, 0),
            (Failed, false)
        );
        for s in [DeliveryStatus::Pending, DeliveryStatus::Delivered, Failed] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryStatus::parse("lost"), None);
    }
}
