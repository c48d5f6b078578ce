use sqlx::types::Json;
use sqlx::{FromRow, SqliteExecutor};

/// A registered client. Holds the secret hash, so it is not `Debug`.
#[derive(Clone, FromRow)]
pub struct ClientRow {
    pub client_id: String,
    pub name: String,
    pub secret_hash: Option<String>,
    pub token_endpoint_auth_method: String,
    pub redirect_uris: Json<Vec<String>>,
    pub post_logout_redirect_uris: Json<Vec<String>>,
    pub logout_confirmation: String,
}

pub struct NewClient<'a> {
    pub client_id: &'a str,
    pub name: &'a str,
    pub secret_hash: Option<&'a str>,
    pub token_endpoint_auth_method: &'a str,
    pub redirect_uris: &'a [String],
    pub post_logout_redirect_uris: &'a [String],
    pub logout_confirmation: &'a str,
    pub created_at: i64,
}

pub async fn insert_client(
    db: impl SqliteExecutor<'_>,
    client: &NewClient<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO clients (client_id, name, secret_hash, token_endpoint_auth_method, \
         redirect_uris, post_logout_redirect_uris, logout_confirmation, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(client.client_id)
    .bind(client.name)
    .bind(client.secret_hash)
    .bind(client.token_endpoint_auth_method)
    .bind(Json(client.redirect_uris))
    .bind(Json(client.post_logout_redirect_uris))
    .bind(client.logout_confirmation)
    .bind(client.created_at)
    .execute(db)
    .await
    .map(|_| ())
}

pub async fn find_client(
    db: impl SqliteExecutor<'_>,
    client_id: &str,
) -> sqlx::Result<Option<ClientRow>> {
    sqlx::query_as(
        "SELECT client_id, name, secret_hash, token_endpoint_auth_method, redirect_uris, \
         post_logout_redirect_uris, logout_confirmation FROM clients WHERE client_id = ?",
    )
    .bind(client_id)
    .fetch_optional(db)
    .await
}

pub async fn count_clients(db: impl SqliteExecutor<'_>) -> sqlx::Result<i64> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM clients")
        .fetch_one(db)
        .await?;
    Ok(n)
}

/// A client's logout settings, in the protocol core's terms.
pub async fn find_logout_client(
    db: impl SqliteExecutor<'_>,
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
pub async fn list_all_redirect_uris(db: impl SqliteExecutor<'_>) -> sqlx::Result<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT j.value FROM clients, json_each(clients.redirect_uris) AS j")
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|(u,)| u).collect())
}
