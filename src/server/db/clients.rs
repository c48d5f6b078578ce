use sqlx::FromRow;

use super::{Executor, Flag, JsonText};

use crate::oidc::client_metadata::{ClientMetadata, ClientType, GrantType, grant_type_names};
use crate::oidc::jwk::SigningAlg;

const COLUMNS: &str = "client_id, name, secret_hash, token_endpoint_auth_method, redirect_uris, \
     post_logout_redirect_uris, frontchannel_logout_uri, frontchannel_logout_session_required, \
     backchannel_logout_uri, backchannel_logout_session_required, logout_confirmation, \
     signing_alg AS id_token_signed_response_alg, grant_types, created_at";

/// A registered client. Holds the secret hash, so it is not `Debug`.
#[derive(Clone, FromRow)]
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub token_endpoint_auth_method: String,
    pub redirect_uris: JsonText<Vec<String>>,
    pub post_logout_redirect_uris: JsonText<Vec<String>>,
    pub frontchannel_logout_uri: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub frontchannel_logout_session_required: bool,
    pub backchannel_logout_uri: Option<String>,
    #[sqlx(try_from = "Flag")]
    pub backchannel_logout_session_required: bool,
    pub logout_confirmation: String,
    pub id_token_signed_response_alg: String,
    pub grant_types: JsonText<Vec<String>>,
    pub created_at: i64,
}

impl ClientRow {
    pub fn client_type(&self) -> ClientType {
        if self.secret_hash.is_some() {
            ClientType::Confidential
        } else {
            ClientType::Public
        }
    }

    /// What signs its ID tokens and logout tokens (validated when stored).
    pub fn signing_alg(&self) -> SigningAlg {
        SigningAlg::parse(&self.id_token_signed_response_alg).unwrap_or(SigningAlg::Rs256)
    }

    /// Whether the registration lets the client use `grant` (RFC 7591 §2).
    pub fn allows(&self, grant: GrantType) -> bool {
        self.grant_types.0.iter().any(|g| g == grant.as_str())
    }
}

/// How a client of this type authenticates at the token endpoint.
fn auth_method(client_type: ClientType) -> &'static str {
    match client_type {
        ClientType::Confidential => "client_secret_basic",
        ClientType::Public => "none",
    }
}

pub async fn insert_client(
    db: impl Executor<'_>,
    client: &ClientMetadata,
    secret_hash: Option<&str>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO clients (client_id, name, secret_hash, token_endpoint_auth_method, \
         redirect_uris, post_logout_redirect_uris, frontchannel_logout_uri, \
         frontchannel_logout_session_required, backchannel_logout_uri, \
         backchannel_logout_session_required, logout_confirmation, \
         signing_alg, grant_types, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(&client.client_id)
    .bind(&client.name)
    .bind(secret_hash)
    .bind(auth_method(client.client_type))
    .bind(JsonText(&client.redirect_uris))
    .bind(JsonText(&client.post_logout_redirect_uris))
    .bind(&client.frontchannel_logout_uri)
    .bind(client.frontchannel_logout_session_required)
    .bind(&client.backchannel_logout_uri)
    .bind(client.backchannel_logout_session_required)
    .bind(client.logout_confirmation.as_str())
    .bind(client.id_token_signed_response_alg.as_str())
    .bind(JsonText(grant_type_names(&client.grant_types)))
    .bind(now)
    .execute(db)
    .await
    .map(|_| ())
}

/// Replaces a client's registration. `secret_hash` is the new hash when the
/// type changed to confidential, `None` to keep the stored one; a client that
/// became public loses its secret. Returns false if there is no such client.
pub async fn update_client(
    db: impl Executor<'_>,
    client: &ClientMetadata,
    new_secret_hash: Option<&str>,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE clients SET name = $2, \
         secret_hash = CASE WHEN $3 = 'none' THEN NULL ELSE COALESCE($4, secret_hash) END, \
         token_endpoint_auth_method = CASE \
             WHEN $3 = 'none' THEN 'none' \
             WHEN token_endpoint_auth_method = 'none' THEN $3 \
             ELSE token_endpoint_auth_method END, \
         redirect_uris = $5, post_logout_redirect_uris = $6, frontchannel_logout_uri = $7, \
         frontchannel_logout_session_required = $8, backchannel_logout_uri = $9, \
         backchannel_logout_session_required = $10, logout_confirmation = $11, \
         signing_alg = $12, grant_types = $13 \
         WHERE client_id = $1",
    )
    .bind(&client.client_id)
    .bind(&client.name)
    .bind(auth_method(client.client_type))
    .bind(new_secret_hash)
    .bind(JsonText(&client.redirect_uris))
    .bind(JsonText(&client.post_logout_redirect_uris))
    .bind(&client.frontchannel_logout_uri)
    .bind(client.frontchannel_logout_session_required)
    .bind(&client.backchannel_logout_uri)
    .bind(client.backchannel_logout_session_required)
    .bind(client.logout_confirmation.as_str())
    .bind(client.id_token_signed_response_alg.as_str())
    .bind(JsonText(grant_type_names(&client.grant_types)))
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Sets a confidential client's secret hash; false if there is no such
/// confidential client.
pub async fn update_client_secret(
    db: impl Executor<'_>,
    client_id: &str,
    secret_hash: &str,
) -> sqlx::Result<bool> {
    sqlx::query(
        "UPDATE clients SET secret_hash = $1 WHERE client_id = $2 AND secret_hash IS NOT NULL",
    )
    .bind(secret_hash)
    .bind(client_id)
    .execute(db)
    .await
    .map(|r| r.rows_affected() == 1)
}

/// Deletes a client; its codes, tokens and client sessions go with it
/// (`ON DELETE CASCADE`). Returns false if there was no such client.
pub async fn delete_client(db: impl Executor<'_>, client_id: &str) -> sqlx::Result<bool> {
    sqlx::query("DELETE FROM clients WHERE client_id = $1")
        .bind(client_id)
        .execute(db)
        .await
        .map(|r| r.rows_affected() == 1)
}

pub async fn find_client(
    db: impl Executor<'_>,
    client_id: &str,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clients WHERE client_id = $1"
    ))
    .bind(client_id)
    .fetch_optional(db)
    .await
}

/// Clients whose client_id or name contains `search` (case-insensitive), by name.
pub async fn list_clients(
    db: impl Executor<'_>,
    search: &str,
    limit: i64,
) -> sqlx::Result<Vec<ClientRow>> {
    sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM clients \
         WHERE $1 = '' OR lower(client_id) LIKE lower($3) ESCAPE '\\' OR lower(name) LIKE lower($3) ESCAPE '\\' \
         ORDER BY lower(name), client_id LIMIT $2"
    ))
    .bind(search)
    .bind(limit)
    .bind(super::contains_pattern(search))
    .fetch_all(db)
    .await
}

pub async fn count_clients(db: impl Executor<'_>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clients")
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// A client's logout settings, in the protocol core's terms.
pub async fn find_logout_client(
    db: impl Executor<'_>,
    client_id: &str,
) -> sqlx::Result<Option<crate::oidc::end_session::LogoutClient>> {
    use crate::oidc::end_session::{ConfirmationPolicy, LogoutClient};
    Ok(find_client(db, client_id).await?.map(|c| LogoutClient {
        client_id: c.client_id,
        name: c.name,
        post_logout_redirect_uris: c.post_logout_redirect_uris.0,
        confirmation: ConfirmationPolicy::parse(&c.logout_confirmation),
    }))
}

/// Every registered redirect URI of every client (for CORS origin checks).
pub async fn list_all_redirect_uris(db: impl Executor<'_>) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(JsonText<Vec<String>>,)> = sqlx::query_as("SELECT redirect_uris FROM clients")
        .fetch_all(db)
        .await?;
    Ok(rows.into_iter().flat_map(|(uris,)| uris.0).collect())
}
