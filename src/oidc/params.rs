use std::collections::HashMap;

/// Longest accepted parameter value. Real ID tokens are a few KB; anything past
/// this is refused as `invalid_request` rather than stored or echoed.
pub const MAX_VALUE_LEN: usize = 8 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("parameter {0} is included more than once")]
    Repeated(String),
    #[error("parameter {0} is too long")]
    TooLong(String),
}

/// Request parameters from a query string or form body.
///
/// RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be
/// included more than once", and parameters sent without a value MUST be
/// treated as if they were omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params(HashMap<String, String>);

impl Params {
    pub fn parse(urlencoded: &[u8]) -> Result<Self, ParamsError> {
        let mut map = HashMap::new();
        for (name, value) in url::form_urlencoded::parse(urlencoded) {
            if value.len() > MAX_VALUE_LEN {
                return Err(ParamsError::TooLong(name.into_owned()));
            }
            if value.is_empty() {
                continue;
            }
            if map.insert(name.to_string(), value.into_owned()).is_some() {
                return Err(ParamsError::Repeated(name.into_owned()));
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// The names of the parameters that have a value.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn values_are_percent_decoded() {
        let p = Params::parse(b"state=a%26b%3Dc&scope=openid+profile").unwrap();
        assert_eq!(p.get("state"), Some("a&b=c"));
        assert_eq!(p.get("scope"), Some("openid profile"));
    }

    #[test]
    fn a_repeated_parameter_is_an_error() {
        assert_eq!(
            Params::parse(b"client_id=a&client_id=b"),
            Err(ParamsError::Repeated("client_id".into()))
        );
    }

    #[test]
    fn an_empty_value_counts_as_omitted() {
        let p = Params::parse(b"nonce=&nonce=&state=x").unwrap();
        assert_eq!(p.get("nonce"), None);
        assert_eq!(p.get("state"), Some("x"));
    }

    #[test]
    fn an_oversized_value_is_refused() {
        let body = format!("id_token_hint={}", "a".repeat(MAX_VALUE_LEN + 1));
        assert_eq!(
            Params::parse(body.as_bytes()),
            Err(ParamsError::TooLong("id_token_hint".into()))
        );
    }

    proptest! {
        #[test]
        fn parsing_never_panics_and_round_trips_single_values(
            name in "[a-z_]{1,20}",
            value in "\\PC{1,200}",
        ) {
            let encoded: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair(&name, &value)
                .finish();
            let p = Params::parse(encoded.as_bytes()).unwrap();
            prop_assert_eq!(p.get(&name), Some(value.as_str()));
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = Params::parse(&bytes);
        }
    }
}
