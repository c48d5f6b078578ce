//! Client registration: what a client may register, checked field by field.
//!
//! The admin console and `signoff client add` both call [`validate_client`], so
//! each rule is written once. Errors name their field (and the position in a
//! URI list), so a form can show each message next to what the admin typed.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::end_session::ConfirmationPolicy;
use super::jwk::SigningAlg;
use super::redirect_uri::{RegisteredUri, UriError};

/// Longest client_id: it travels in URLs, Basic auth and every token's `aud`.
pub const MAX_CLIENT_ID_LEN: usize = 64;
/// Longest display name shown to users in the logout dialog.
pub const MAX_NAME_LEN: usize = 100;
/// Most URIs in one list: enough for every environment of a real client.
pub const MAX_URIS: usize = 20;

/// The form as typed: every field a string (or a list of them), nothing
/// checked yet. The admin console keeps it to show back after an error. A
/// field a form leaves out (an unticked checkbox) takes its default.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientInput {
    pub client_id: String,
    pub name: String,
    /// `confidential` or `public`.
    pub client_type: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub frontchannel_logout_uri: String,
    pub frontchannel_logout_session_required: bool,
    pub backchannel_logout_uri: String,
    pub backchannel_logout_session_required: bool,
    /// `always` or `when_required`.
    pub logout_confirmation: String,
    pub id_token_signed_response_alg: String,
    /// The grants the client may use (RFC 7591 §2): `authorization_code`,
    /// and `refresh_token` for a client that may hold refresh tokens.
    pub grant_types: Vec<String>,
}

impl ClientInput {
    /// What the create form starts with: a confidential client that always
    /// asks before logout and wants `sid` on both logout channels.
    pub fn new_client() -> Self {
        Self {
            client_type: ClientType::Confidential.as_str().into(),
            frontchannel_logout_session_required: true,
            backchannel_logout_session_required: true,
            logout_confirmation: ConfirmationPolicy::Always.as_str().into(),
            id_token_signed_response_alg: "RS256".into(),
            grant_types: vec![GrantType::AuthorizationCode.as_str().into()],
            ..Self::default()
        }
    }

    /// Surrounding whitespace removed and empty list rows dropped: a blank row
    /// is how a form without JavaScript offers "add one more".
    pub fn normalized(mut self) -> Self {
        let trim = |s: &mut String| *s = s.trim().to_owned();
        trim(&mut self.client_id);
        trim(&mut self.name);
        trim(&mut self.client_type);
        trim(&mut self.frontchannel_logout_uri);
        trim(&mut self.backchannel_logout_uri);
        trim(&mut self.logout_confirmation);
        trim(&mut self.id_token_signed_response_alg);
        for list in [
            &mut self.redirect_uris,
            &mut self.post_logout_redirect_uris,
            &mut self.grant_types,
        ] {
            *list = list
                .iter()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty())
                .collect();
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClientType {
    /// Has a secret and authenticates at the token endpoint.
    Confidential,
    /// No secret (a browser or native app); PKCE is required instead.
    Public,
}

impl ClientType {
    pub fn from_name(raw: &str) -> Option<Self> {
        match raw {
            "confidential" => Some(Self::Confidential),
            "public" => Some(Self::Public),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confidential => "confidential",
            Self::Public => "public",
        }
    }
}

/// A grant a client may use at the token endpoint (RFC 7591 §2 `grant_types`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum GrantType {
    AuthorizationCode,
    RefreshToken,
}

impl GrantType {
    pub const ALL: [GrantType; 2] = [GrantType::AuthorizationCode, GrantType::RefreshToken];

    pub fn from_name(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
        }
    }
}

/// A registration that passed every rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientMetadata {
    pub client_id: String,
    pub name: String,
    pub client_type: ClientType,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub frontchannel_logout_uri: Option<String>,
    pub frontchannel_logout_session_required: bool,
    pub backchannel_logout_uri: Option<String>,
    pub backchannel_logout_session_required: bool,
    pub logout_confirmation: ConfirmationPolicy,
    /// What signs its ID tokens and logout tokens (a key of this algorithm
    /// must be active when it registers: `server::clients`).
    pub id_token_signed_response_alg: SigningAlg,
    /// In [`GrantType::ALL`] order, always with `authorization_code`.
    pub grant_types: Vec<GrantType>,
}

impl ClientMetadata {
    /// The registration as a form shows it.
    pub fn to_input(&self) -> ClientInput {
        ClientInput {
            client_id: self.client_id.clone(),
            name: self.name.clone(),
            client_type: self.client_type.as_str().into(),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            frontchannel_logout_uri: self.frontchannel_logout_uri.clone().unwrap_or_default(),
            frontchannel_logout_session_required: self.frontchannel_logout_session_required,
            backchannel_logout_uri: self.backchannel_logout_uri.clone().unwrap_or_default(),
            backchannel_logout_session_required: self.backchannel_logout_session_required,
            logout_confirmation: self.logout_confirmation.as_str().into(),
            id_token_signed_response_alg: self.id_token_signed_response_alg.as_str().into(),
            grant_types: grant_type_names(&self.grant_types),
        }
    }
}

/// Grant types as registration metadata names them.
pub fn grant_type_names(grants: &[GrantType]) -> Vec<String> {
    grants.iter().map(|g| g.as_str().to_owned()).collect()
}

/// Which form field a message belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Field {
    ClientId,
    Name,
    ClientType,
    RedirectUris,
    PostLogoutRedirectUris,
    FrontchannelLogoutUri,
    BackchannelLogoutUri,
    LogoutConfirmation,
    IdTokenSignedResponseAlg,
    GrantTypes,
}

impl Field {
    /// The registration metadata name (RFC 7591 / OIDC Registration), which is
    /// also the form field's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::ClientId => "client_id",
            Field::Name => "name",
            Field::ClientType => "client_type",
            Field::RedirectUris => "redirect_uris",
            Field::PostLogoutRedirectUris => "post_logout_redirect_uris",
            Field::FrontchannelLogoutUri => "frontchannel_logout_uri",
            Field::BackchannelLogoutUri => "backchannel_logout_uri",
            Field::LogoutConfirmation => "logout_confirmation",
            Field::IdTokenSignedResponseAlg => "id_token_signed_response_alg",
            Field::GrantTypes => "grant_types",
        }
    }
}

/// One broken rule: the field, the row of a URI list (`None` for the list or
/// a single-valued field), and a message for the admin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: Field,
    pub index: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "{} #{}: {}", self.field.as_str(), i + 1, self.message),
            None => write!(f, "{}: {}", self.field.as_str(), self.message),
        }
    }
}

/// Checks a normalized registration against every rule and returns all
/// broken ones at once, so the admin fixes them in one round.
pub fn validate_client(input: &ClientInput) -> Result<ClientMetadata, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut fail = |field, index, message: String| {
        errors.push(FieldError {
            field,
            index,
            message,
        })
    };

    if let Err(message) = check_client_id(&input.client_id) {
        fail(Field::ClientId, None, message.into());
    }
    if let Err(message) = check_name(&input.name) {
        fail(Field::Name, None, message.into());
    }
    let client_type = ClientType::from_name(&input.client_type);
    if client_type.is_none() {
        fail(
            Field::ClientType,
            None,
            "choose confidential or public".into(),
        );
    }
    let native = client_type == Some(ClientType::Public);

    let redirect_uris = check_uri_list(&input.redirect_uris, native, &mut |i, m| {
        fail(Field::RedirectUris, i, m)
    });
    if input.redirect_uris.is_empty() {
        fail(
            Field::RedirectUris,
            None,
            "a client needs at least one redirect URI".into(),
        );
    }
    check_uri_list(&input.post_logout_redirect_uris, native, &mut |i, m| {
        fail(Field::PostLogoutRedirectUris, i, m)
    });

    let frontchannel = optional(&input.frontchannel_logout_uri);
    if let Some(raw) = frontchannel {
        match RegisteredUri::parse(raw) {
            Err(e) => fail(Field::FrontchannelLogoutUri, None, e.to_string()),
            Ok(uri) if !same_origin_as_a_redirect_uri(&uri, &redirect_uris) => fail(
                Field::FrontchannelLogoutUri,
                None,
                "its scheme, host and port must be those of one of the redirect URIs".into(),
            ),
            Ok(_) => {}
        }
    }
    let backchannel = optional(&input.backchannel_logout_uri);
    if let Some(Err(e)) = backchannel.map(RegisteredUri::parse) {
        fail(Field::BackchannelLogoutUri, None, e.to_string());
    }

    let confirmation = ConfirmationPolicy::from_name(&input.logout_confirmation);
    if confirmation.is_none() {
        fail(
            Field::LogoutConfirmation,
            None,
            "choose always or when_required".into(),
        );
    }
    let alg = SigningAlg::parse(&input.id_token_signed_response_alg);
    if alg.is_none() {
        fail(
            Field::IdTokenSignedResponseAlg,
            None,
            "choose RS256, ES256 or EdDSA".into(),
        );
    }

    let grant_types = match check_grant_types(&input.grant_types) {
        Ok(grants) => grants,
        Err(message) => {
            fail(Field::GrantTypes, None, message);
            Vec::new()
        }
    };

    match (client_type, confirmation) {
        (Some(client_type), Some(confirmation)) if errors.is_empty() => Ok(ClientMetadata {
            client_id: input.client_id.clone(),
            name: input.name.clone(),
            client_type,
            redirect_uris: input.redirect_uris.clone(),
            post_logout_redirect_uris: input.post_logout_redirect_uris.clone(),
            frontchannel_logout_uri: frontchannel.map(str::to_owned),
            frontchannel_logout_session_required: input.frontchannel_logout_session_required,
            backchannel_logout_uri: backchannel.map(str::to_owned),
            backchannel_logout_session_required: input.backchannel_logout_session_required,
            logout_confirmation: confirmation,
            id_token_signed_response_alg: alg.unwrap_or(SigningAlg::Rs256),
            grant_types,
        }),
        _ => Err(errors),
    }
}

/// RFC 7591 §2 `grant_types`: each a grant signoff supports. The
/// authorization code grant is always included, since every grant starts
/// with one (a refresh token is only ever issued at a code exchange); an
/// empty list means just that (RFC 7591 §2's default).
pub fn check_grant_types(names: &[String]) -> Result<Vec<GrantType>, String> {
    let mut grants = vec![GrantType::AuthorizationCode];
    for name in names {
        match GrantType::from_name(name) {
            Some(grant) => grants.push(grant),
            None => {
                return Err(format!(
                    "{name:?} is not a grant signoff supports: use authorization_code or refresh_token"
                ));
            }
        }
    }
    grants.sort();
    grants.dedup();
    Ok(grants)
}

/// A client_id is 1–64 URL-unreserved characters (RFC 3986 §2.3), so it
/// needs no escaping in a URL, and has no `:`, which would break HTTP Basic
/// client authentication (RFC 6749 §2.3.1).
/// Shortest client secret a person may choose: 43 characters, the length of
/// a base64url-encoded 256-bit random value (what signoff generates).
pub const MIN_CHOSEN_SECRET_LEN: usize = 43;
/// The least estimated strength of a chosen secret, in bits.
pub const MIN_SECRET_BITS: f64 = 128.0;

/// A chosen `client_secret` must be long and varied enough that nobody can
/// guess it: signoff stores only its SHA-256, which is safe only for a
/// high-entropy secret (RFC 6749 §10.10; RFC 6819 §5.1.4.2.2). The strength
/// is estimated simply: length × log2(alphabet), where the alphabet is the
/// size of the character classes used (lower, upper, digits, other), but never
/// more than the number of distinct characters. Generated secrets are better.
pub fn check_client_secret(secret: &str) -> Result<(), &'static str> {
    let length = secret.chars().count();
    if length < MIN_CHOSEN_SECRET_LEN {
        return Err("a client secret must have at least 43 characters");
    }
    if secret.chars().any(char::is_control) {
        return Err("a client secret must not contain control characters");
    }
    let classes = [
        (secret.chars().any(|c| c.is_ascii_lowercase()), 26),
        (secret.chars().any(|c| c.is_ascii_uppercase()), 26),
        (secret.chars().any(|c| c.is_ascii_digit()), 10),
        (secret.chars().any(|c| !c.is_ascii_alphanumeric()), 33),
    ];
    let class_alphabet: usize = classes
        .iter()
        .filter(|(used, _)| *used)
        .map(|(_, n)| n)
        .sum();
    let mut distinct: Vec<char> = secret.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let alphabet = class_alphabet.min(distinct.len()).max(1);
    if (length as f64) * (alphabet as f64).log2() < MIN_SECRET_BITS {
        return Err(
            "the client secret is too predictable: use more varied characters, or let signoff generate one",
        );
    }
    Ok(())
}

pub fn check_client_id(raw: &str) -> Result<(), &'static str> {
    if raw.is_empty() {
        return Err("enter a client_id, or leave it empty on creation to generate one");
    }
    if raw.len() > MAX_CLIENT_ID_LEN {
        return Err("must be at most 64 characters long");
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '~' | '-'))
    {
        return Err("may contain only letters, digits, '.', '_', '~' and '-'");
    }
    Ok(())
}

/// The name users see in the logout dialog: 1–100 characters, no control
/// characters.
fn check_name(raw: &str) -> Result<(), &'static str> {
    if raw.is_empty() {
        return Err("enter the name users will see");
    }
    if raw.chars().count() > MAX_NAME_LEN {
        return Err("must be at most 100 characters long");
    }
    if raw.chars().any(char::is_control) {
        return Err("must not contain control characters");
    }
    Ok(())
}

/// Each URI on its own ([`RegisteredUri`]), at most [`MAX_URIS`], and no URI
/// twice (RP-Initiated Logout §3 and Core §3.1.2.1 match exactly, so a
/// duplicate is always a typo). Returns the ones that parsed.
fn check_uri_list(
    uris: &[String],
    native: bool,
    fail: &mut impl FnMut(Option<usize>, String),
) -> Vec<RegisteredUri> {
    if uris.len() > MAX_URIS {
        fail(None, format!("at most {MAX_URIS} URIs"));
    }
    let mut seen = HashSet::new();
    let mut parsed = Vec::with_capacity(uris.len());
    for (i, raw) in uris.iter().enumerate() {
        let result: Result<RegisteredUri, UriError> = if native {
            RegisteredUri::parse_for_native_app(raw)
        } else {
            RegisteredUri::parse(raw)
        };
        match result {
            Err(e) => fail(Some(i), e.to_string()),
            Ok(_) if !seen.insert(raw.as_str()) => fail(Some(i), "is listed twice".into()),
            Ok(uri) => parsed.push(uri),
        }
    }
    parsed
}

/// Front-Channel Logout 1.0 §2: "The domain, port, and scheme of this URL MUST
/// be the same as that of a registered Redirection URI value."
fn same_origin_as_a_redirect_uri(uri: &RegisteredUri, redirect_uris: &[RegisteredUri]) -> bool {
    redirect_uris
        .iter()
        .any(|r| r.url().origin() == uri.url().origin())
}

fn optional(raw: &str) -> Option<&str> {
    Some(raw).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_chosen_secret_needs_43_characters_and_128_bits_by_the_simple_estimate() {
        assert!(check_client_secret("demo-rp-secret-0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_client_secret("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWpr").is_ok());
        for weak in [
            "demo-rp-secret-0123456789abcdef0123",
            &"a".repeat(200),
            &"ab".repeat(40),
            "0101010101010101010101010101010101010101010101010101",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq\u{7}",
        ] {
            assert!(check_client_secret(weak).is_err(), "{weak:?}");
        }
    }

    fn valid() -> ClientInput {
        ClientInput {
            client_id: "shop".into(),
            name: "The shop".into(),
            client_type: "confidential".into(),
            redirect_uris: vec!["https://shop.example.com/cb".into()],
            post_logout_redirect_uris: vec!["https://shop.example.com/bye".into()],
            frontchannel_logout_uri: "https://shop.example.com/fc?x=1".into(),
            frontchannel_logout_session_required: true,
            backchannel_logout_uri: "https://backend.example.com/bc".into(),
            backchannel_logout_session_required: true,
            logout_confirmation: "when_required".into(),
            id_token_signed_response_alg: "RS256".into(),
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        }
    }

    fn errors_of(input: ClientInput) -> Vec<(Field, Option<usize>)> {
        validate_client(&input.normalized())
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field, e.index))
            .collect()
    }

    #[test]
    fn a_complete_registration_is_accepted_as_typed() {
        let metadata = validate_client(&valid()).unwrap();
        assert_eq!(metadata.client_type, ClientType::Confidential);
        assert_eq!(
            metadata.frontchannel_logout_uri.as_deref(),
            Some("https://shop.example.com/fc?x=1")
        );
        assert_eq!(
            metadata.logout_confirmation,
            ConfirmationPolicy::WhenRequired
        );
    }

    #[test]
    fn a_validated_registration_reads_back_as_the_input_it_came_from() {
        assert_eq!(validate_client(&valid()).unwrap().to_input(), valid());
    }

    #[test]
    fn normalizing_trims_fields_and_drops_blank_rows() {
        let input = ClientInput {
            name: "  The shop ".into(),
            redirect_uris: vec![" https://shop.example.com/cb ".into(), "   ".into()],
            ..valid()
        }
        .normalized();
        assert_eq!(input.name, "The shop");
        assert_eq!(input.redirect_uris, vec!["https://shop.example.com/cb"]);
    }

    #[test]
    fn every_broken_rule_is_reported_at_once_with_its_row() {
        let input = ClientInput {
            client_id: "has space".into(),
            name: String::new(),
            redirect_uris: vec![
                "https://shop.example.com/cb".into(),
                "https://shop.example.com/cb#frag".into(),
            ],
            post_logout_redirect_uris: vec![
                "https://shop.example.com/bye".into(),
                "https://shop.example.com/bye".into(),
            ],
            ..valid()
        };
        assert_eq!(
            errors_of(input),
            vec![
                (Field::ClientId, None),
                (Field::Name, None),
                (Field::RedirectUris, Some(1)),
                (Field::PostLogoutRedirectUris, Some(1)),
            ]
        );
    }

    #[test]
    fn a_client_needs_a_redirect_uri() {
        let input = ClientInput {
            redirect_uris: vec!["  ".into()],
            frontchannel_logout_uri: String::new(),
            ..valid()
        };
        assert_eq!(errors_of(input), vec![(Field::RedirectUris, None)]);
    }

    #[test]
    fn each_uri_rule_applies_to_post_logout_uris() {
        for bad in [
            "/relative",
            "https://shop.example.com/bye#x",
            "http://shop.example.com/bye",
            "https://*.example.com/bye",
            "https://user:pw@shop.example.com/bye",
            "com.example.app:/bye",
        ] {
            let input = ClientInput {
                post_logout_redirect_uris: vec![bad.into()],
                ..valid()
            };
            assert_eq!(
                errors_of(input),
                vec![(Field::PostLogoutRedirectUris, Some(0))],
                "{bad}"
            );
        }
        let long = format!("https://shop.example.com/{}", "a".repeat(2000));
        let input = ClientInput {
            post_logout_redirect_uris: vec![long],
            ..valid()
        };
        assert_eq!(
            errors_of(input),
            vec![(Field::PostLogoutRedirectUris, Some(0))]
        );
    }

    #[test]
    fn loopback_http_is_fine_for_any_client() {
        let input = ClientInput {
            redirect_uris: vec!["http://127.0.0.1:8080/cb".into()],
            post_logout_redirect_uris: vec!["http://localhost:8080/bye".into()],
            frontchannel_logout_uri: "http://127.0.0.1:8080/fc".into(),
            backchannel_logout_uri: "http://[::1]:9000/bc".into(),
            ..valid()
        };
        assert_eq!(errors_of(input), vec![]);
    }

    #[test]
    fn only_public_clients_may_use_a_private_use_scheme() {
        let native = ClientInput {
            client_type: "public".into(),
            redirect_uris: vec!["com.example.app:/cb".into()],
            post_logout_redirect_uris: vec!["com.example.app:/bye".into()],
            frontchannel_logout_uri: String::new(),
            ..valid()
        };
        assert_eq!(errors_of(native.clone()), vec![]);
        let confidential = ClientInput {
            client_type: "confidential".into(),
            ..native
        };
        assert_eq!(
            errors_of(confidential),
            vec![
                (Field::RedirectUris, Some(0)),
                (Field::PostLogoutRedirectUris, Some(0))
            ]
        );
    }

    #[test]
    fn the_frontchannel_uri_must_share_scheme_host_and_port_with_a_redirect_uri() {
        for bad in [
            "https://other.example.com/fc",
            "https://shop.example.com:8443/fc",
            "http://localhost/fc",
        ] {
            let input = ClientInput {
                frontchannel_logout_uri: bad.into(),
                ..valid()
            };
            assert_eq!(
                errors_of(input),
                vec![(Field::FrontchannelLogoutUri, None)],
                "{bad}"
            );
        }
        let default_port = ClientInput {
            frontchannel_logout_uri: "https://shop.example.com:443/fc".into(),
            ..valid()
        };
        assert_eq!(errors_of(default_port), vec![]);
    }

    #[test]
    fn logout_uris_have_no_fragment_and_no_private_use_scheme() {
        for bad in ["https://shop.example.com/fc#x", "com.example.app:/fc"] {
            let input = ClientInput {
                client_type: "public".into(),
                frontchannel_logout_uri: bad.into(),
                backchannel_logout_uri: bad.into(),
                ..valid()
            };
            assert_eq!(
                errors_of(input),
                vec![
                    (Field::FrontchannelLogoutUri, None),
                    (Field::BackchannelLogoutUri, None)
                ],
                "{bad}"
            );
        }
    }

    #[test]
    fn lists_are_bounded() {
        let input = ClientInput {
            post_logout_redirect_uris: (0..=MAX_URIS)
                .map(|i| format!("https://shop.example.com/bye/{i}"))
                .collect(),
            ..valid()
        };
        assert_eq!(
            errors_of(input),
            vec![(Field::PostLogoutRedirectUris, None)]
        );
    }

    #[test]
    fn choices_accept_only_their_values() {
        let input = ClientInput {
            client_type: "secret".into(),
            logout_confirmation: "never".into(),
            id_token_signed_response_alg: "none".into(),
            grant_types: vec!["implicit".into()],
            ..valid()
        };
        assert_eq!(
            errors_of(input),
            vec![
                (Field::ClientType, None),
                (Field::LogoutConfirmation, None),
                (Field::IdTokenSignedResponseAlg, None),
                (Field::GrantTypes, None)
            ]
        );
    }

    #[test]
    fn every_client_may_use_the_authorization_code_grant_whatever_it_lists() {
        for listed in [
            vec![],
            vec!["refresh_token".to_owned()],
            vec!["refresh_token".to_owned(), "authorization_code".to_owned()],
            vec!["refresh_token".to_owned(), "refresh_token".to_owned()],
        ] {
            let refresh = listed.iter().any(|g| g == "refresh_token");
            let metadata = validate_client(&ClientInput {
                grant_types: listed,
                ..valid()
            })
            .unwrap();
            let mut expected = vec![GrantType::AuthorizationCode];
            if refresh {
                expected.push(GrantType::RefreshToken);
            }
            assert_eq!(metadata.grant_types, expected);
        }
    }

    #[test]
    fn client_ids_are_url_safe_and_bounded() {
        assert!(check_client_id("demo-rp.v2_~x").is_ok());
        for bad in ["", "a:b", "a/b", "ä", "<x>", &"a".repeat(65)] {
            assert!(check_client_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_are_bounded_and_printable() {
        let long = "n".repeat(101);
        for bad in ["", "a\u{7}b", long.as_str()] {
            let input = ClientInput {
                name: bad.into(),
                ..valid()
            };
            assert_eq!(errors_of(input), vec![(Field::Name, None)], "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn validation_never_panics(
            id in "\\PC{0,80}",
            uris in proptest::collection::vec("\\PC{0,60}", 0..4),
            fc in "\\PC{0,60}",
        ) {
            let input = ClientInput {
                client_id: id,
                redirect_uris: uris.clone(),
                post_logout_redirect_uris: uris,
                frontchannel_logout_uri: fc,
                ..valid()
            }
            .normalized();
            let _ = validate_client(&input);
        }
    }
}
