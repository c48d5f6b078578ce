use std::borrow::Cow;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// Longest accepted parameter value. Real ID tokens are a few KB; anything past
/// this is refused as `invalid_request` rather than stored or echoed.
pub const MAX_VALUE_LEN: usize = 8 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParamsError {
    #[error("parameter {0} is included more than once")]
    Repeated(String),
    #[error("parameter {0} is too long")]
    TooLong(String),
    #[error("parameter {0} holds a NUL character")]
    Nul(String),
}

/// Request parameters from a query string or form body, borrowed from it
/// where nothing needs decoding (an ID token hint never does).
///
/// RFC 6749 §3.1 and §3.2: "Request and response parameters MUST NOT be
/// included more than once", and parameters sent without a value MUST be
/// treated as if they were omitted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Params<'a>(HashMap<Cow<'a, str>, Cow<'a, str>>);

impl<'a> Params<'a> {
    pub fn parse(urlencoded: &'a [u8]) -> Result<Self, ParamsError> {
        let mut map = HashMap::new();
        let mut add = |name: Cow<'a, str>, value: Cow<'a, str>| {
            if value.len() > MAX_VALUE_LEN {
                return Err(ParamsError::TooLong(name.into_owned()));
            }
            // No OAuth or OpenID parameter admits one (RFC 6749 Appendix A
            // draws them from printable characters), and PostgreSQL cannot
            // store one: refused here, as invalid_request.
            if value.contains('\0') || name.contains('\0') {
                return Err(ParamsError::Nul(name.replace('\0', "\\0")));
            }
            if value.is_empty() {
                return Ok(());
            }
            match map.entry(name) {
                Entry::Occupied(entry) => Err(ParamsError::Repeated(entry.key().to_string())),
                Entry::Vacant(entry) => {
                    entry.insert(value);
                    Ok(())
                }
            }
        };
        match std::str::from_utf8(urlencoded) {
            Ok(text) => {
                for pair in text.split('&').filter(|pair| !pair.is_empty()) {
                    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                    add(decode(name), decode(value))?;
                }
            }
            // Not UTF-8: the general parser, which replaces what is not.
            Err(_) => {
                for (name, value) in url::form_urlencoded::parse(urlencoded) {
                    add(name, value)?;
                }
            }
        }
        Ok(Self(map))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|value| &**value)
    }

    /// The names of the parameters that have a value.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(|name| &**name)
    }
}

/// One name or value of an `application/x-www-form-urlencoded` pair (URL
/// Standard §5.1): `+` is a space, then percent-decoding, then UTF-8 with
/// replacement. Text with neither `+` nor `%` is already decoded, and is
/// borrowed as it is.
fn decode(text: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'+', b'%', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let spaced = text.replace('+', " ");
    Cow::Owned(
        percent_encoding::percent_decode_str(&spaced)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_nul_character_anywhere_is_refused() {
        for query in [&b"state=a%00b"[..], b"sta%00te=x", b"state=a\0b"] {
            assert!(
                matches!(Params::parse(query), Err(ParamsError::Nul(_))),
                "{query:?}"
            );
        }
    }

    #[test]
    fn values_are_percent_decoded() {
        let p = Params::parse(b"state=a%26b%3Dc&scope=openid+profile").unwrap();
        assert_eq!(p.get("state"), Some("a&b=c"));
        assert_eq!(p.get("scope"), Some("openid profile"));
    }

    #[test]
    fn text_with_nothing_to_decode_is_borrowed_not_copied() {
        let text = b"id_token_hint=eyJ.eyJ.sig&state=a%20b";
        let p = Params::parse(text).unwrap();
        assert!(matches!(p.0.get("id_token_hint"), Some(Cow::Borrowed(_))));
        assert!(matches!(p.0.get("state"), Some(Cow::Owned(s)) if s == "a b"));
    }

    #[test]
    fn a_name_repeated_in_another_spelling_is_still_a_repeat() {
        assert_eq!(
            Params::parse(b"state=a&st%61te=b"),
            Err(ParamsError::Repeated("state".into()))
        );
    }

    #[test]
    fn text_that_is_not_utf8_is_read_with_replacement_characters() {
        let p = Params::parse(b"state=a\xff&x=%FF").unwrap();
        assert_eq!(p.get("state"), Some("a\u{FFFD}"));
        assert_eq!(p.get("x"), Some("\u{FFFD}"));
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

        /// The fast path (borrowing what needs no decoding) reads every
        /// input exactly as the URL Standard's parser (`form_urlencoded`) does.
        #[test]
        fn parsing_agrees_with_the_url_standard_parser(
            text in "([a-z_%+=&]|%[0-9A-Fa-f]{2}|%[0-9A-F]|\\PC){0,80}",
        ) {
            let mut expected = HashMap::new();
            let mut repeated = false;
            let mut nul = false;
            for (name, value) in url::form_urlencoded::parse(text.as_bytes()) {
                nul |= name.contains('\0') || value.contains('\0');
                if !value.is_empty() && expected.insert(name.into_owned(), value.into_owned()).is_some() {
                    repeated = true;
                }
            }
            match Params::parse(text.as_bytes()) {
                Ok(params) => {
                    prop_assert!(!repeated && !nul);
                    let got: HashMap<String, String> = params
                        .names()
                        .map(|name| (name.to_owned(), params.get(name).unwrap_or_default().to_owned()))
                        .collect();
                    prop_assert_eq!(got, expected);
                }
                Err(ParamsError::Repeated(_)) => prop_assert!(repeated),
                Err(ParamsError::TooLong(_)) => prop_assert!(false, "nothing here is too long"),
                Err(ParamsError::Nul(_)) => prop_assert!(nul),
            }
        }
    }
}
