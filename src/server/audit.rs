//! Reading the audit log: the filter an admin types (parsed and checked
//! here, once, for the console page and its JSON Lines export alike), and
//! an event's detail as readable fields instead of raw JSON.

use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

/// Longest filter value accepted; longer ones are an error, not truncated.
const MAX_FILTER_LEN: usize = 200;

/// The audit log filter, as typed (every field optional, empty means any).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditQuery<'a> {
    /// An action, or its beginning (`logout.` for every logout event).
    pub action: &'a str,
    /// Who acted: a username, `system`, `cli`, or `anonymous`.
    pub actor: &'a str,
    /// The exact subject (a sid, a client_id, a username).
    pub subject: &'a str,
    /// The first day (UTC, `YYYY-MM-DD`) to include.
    pub from: &'a str,
    /// The last day (UTC, `YYYY-MM-DD`) to include.
    pub to: &'a str,
}

/// A checked filter, in the store's terms.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// A `LIKE` pattern: the escaped prefix, then `%`.
    pub action_pattern: Option<String>,
    /// `None` in the store is the anonymous actor.
    pub actor: Option<ActorFilter>,
    pub subject: Option<String>,
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, exclusive: the day after `to` began.
    pub until: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ActorFilter {
    Anonymous,
    Named(String),
}

impl AuditFilter {
    /// Checks what was typed; each broken field is named in the error.
    pub fn parse(query: &AuditQuery<'_>) -> Result<Self, String> {
        let field = |name: &str, value: &str| -> Result<Option<String>, String> {
            let value = value.trim();
            match value.len() {
                0 => Ok(None),
                n if n > MAX_FILTER_LEN => Err(format!("{name} is longer than 200 characters")),
                _ => Ok(Some(value.to_owned())),
            }
        };
        let day = |name: &str, value: &str| -> Result<Option<i64>, String> {
            let value = value.trim();
            if value.is_empty() {
                return Ok(None);
            }
            Date::parse(value, format_description!("[year]-[month]-[day]"))
                .map(|d| Some(d.with_time(Time::MIDNIGHT).assume_utc().unix_timestamp()))
                .map_err(|_| format!("{name} must be a date such as 2026-12-01"))
        };
        let since = day("from", query.from)?;
        let until = day("to", query.to)?.map(|start| start + 24 * 3600);
        if let (Some(since), Some(until)) = (since, until)
            && since >= until
        {
            return Err("from must not be after to".into());
        }
        Ok(Self {
            action_pattern: field("action", query.action)?.map(|a| format!("{}%", escape_like(&a))),
            actor: field("actor", query.actor)?.map(|a| match a.as_str() {
                "anonymous" => ActorFilter::Anonymous,
                _ => ActorFilter::Named(a),
            }),
            subject: field("subject", query.subject)?,
            since,
            until,
        })
    }
}

/// `LIKE` treats `%` and `_` as wildcards; `\` escapes them.
fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// An event's detail as (field, value) pairs an admin reads: nested objects
/// flattened with dotted names, lists joined with commas, strings as they
/// are, sorted by name.
pub fn readable_fields(detail: &serde_json::Value) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    flatten("", detail, &mut fields);
    fields
}

fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    match value {
        Value::Object(map) if map.is_empty() && prefix.is_empty() => {}
        Value::Object(map) => {
            for (key, inner) in map {
                let name = match prefix {
                    "" => key.clone(),
                    _ => format!("{prefix}.{key}"),
                };
                flatten(&name, inner, out);
            }
        }
        other => out.push((
            match prefix {
                "" => "detail".to_owned(),
                _ => prefix.to_owned(),
            },
            scalar(other),
        )),
    }
}

fn scalar(value: &serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "none".to_owned(),
        Value::Array(items) => items.iter().map(scalar).collect::<Vec<_>>().join(", "),
        Value::Object(_) => value.to_string(),
        other => other.to_string(),
    }
}

/// An event time as RFC 3339, for the export.
pub fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_empty_filter_matches_everything() {
        assert_eq!(
            AuditFilter::parse(&AuditQuery::default()),
            Ok(AuditFilter::default())
        );
    }

    #[test]
    fn an_action_is_a_prefix_with_its_wildcards_escaped() {
        let filter = AuditFilter::parse(&AuditQuery {
            action: " logout.",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.action_pattern.as_deref(), Some("logout.%"));
        let filter = AuditFilter::parse(&AuditQuery {
            action: "a%b_c\\",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.action_pattern.as_deref(), Some("a\\%b\\_c\\\\%"));
    }

    #[test]
    fn days_are_whole_utc_days_and_must_be_in_order() {
        let filter = AuditFilter::parse(&AuditQuery {
            from: "2026-12-01",
            to: "2026-12-01",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.since, Some(1_796_083_200));
        assert_eq!(filter.until, Some(1_796_083_200 + 86_400));
        for (from, to) in [
            ("2026-12-02", "2026-12-01"),
            ("yesterday", ""),
            ("", "2026-13-01"),
        ] {
            assert!(
                AuditFilter::parse(&AuditQuery {
                    from,
                    to,
                    ..Default::default()
                })
                .is_err(),
                "{from} {to}"
            );
        }
    }

    #[test]
    fn the_anonymous_actor_is_the_one_without_a_name_and_long_values_are_refused() {
        let filter = AuditFilter::parse(&AuditQuery {
            actor: "anonymous",
            ..Default::default()
        })
        .unwrap();
        assert_eq!(filter.actor, Some(ActorFilter::Anonymous));
        let long = "x".repeat(201);
        assert!(
            AuditFilter::parse(&AuditQuery {
                subject: &long,
                ..Default::default()
            })
            .is_err()
        );
    }

    #[test]
    fn details_read_as_named_fields() {
        let detail = json!({
            "reason": "rp_initiated_logout",
            "clients": ["shop", "blog"],
            "backchannel_deliveries": 2,
            "detail": { "client_id": "shop", "asked": true, "state": null },
            "none": [],
        });
        assert_eq!(
            readable_fields(&detail),
            vec![
                ("backchannel_deliveries".to_owned(), "2".to_owned()),
                ("clients".to_owned(), "shop, blog".to_owned()),
                ("detail.asked".to_owned(), "true".to_owned()),
                ("detail.client_id".to_owned(), "shop".to_owned()),
                ("detail.state".to_owned(), "none".to_owned()),
                ("none".to_owned(), "none".to_owned()),
                ("reason".to_owned(), "rp_initiated_logout".to_owned()),
            ]
        );
        assert!(readable_fields(&json!({})).is_empty());
        assert_eq!(
            readable_fields(&json!("plain")),
            vec![("detail".to_owned(), "plain".to_owned())]
        );
    }
}
