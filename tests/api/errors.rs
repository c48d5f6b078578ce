use crate::helpers::{header, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_path_is_a_404_html_page() {
    let app = spawn_app().await;

    let response = app.get("/nope").await;

    assert_eq!(response.status(), 404);
    assert!(header(&response, "content-type").starts_with("text/html"));
    let body = response.text().await.unwrap();
    assert!(body.contains("Page not found"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_to_an_unknown_path_is_also_404() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(format!("{}/nope", app.address))
        .form(&[("a", "b")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_internal_error_is_a_500_page_that_hides_the_cause() {
    let app = spawn_app().await;
    // The home page reads the database; with the pool closed that read fails.
    app.pool.close().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 500);
    assert!(header(&response, "content-type").starts_with("text/html"));
    let body = response.text().await.unwrap();
    assert!(body.contains("Something went wrong"), "{body}");
    for leak in ["pool", "closed", "sqlx", "PoolClosed"] {
        assert!(!body.contains(leak), "the page leaks {leak:?}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_home_page_renders_with_the_schema_version() {
    let app = spawn_app().await;

    let response = app.get("/").await;

    assert_eq!(response.status(), 200);
    let body = response.text().await.unwrap();
    let (newest,): (i64,) = sqlx::query_as("SELECT MAX(version) FROM _sqlx_migrations")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(body.contains("Server status"));
    assert!(body.contains(&format!(">{newest}<")), "{body}");
}
