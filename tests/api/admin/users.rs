//! Sessions, users and the audit log.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_a_session_ends_it_through_the_termination_path() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    let sid = user_sid(&app).await;
    let admin = Browser::admin(&app).await;
    let (_, html) = admin.page("/admin/sessions?user=dem").await;
    assert!(
        html.contains(&sid[..8]) && html.contains("demo-rp"),
        "listed with its clients"
    );
    let (_, html) = admin.page("/admin/sessions?user=nobody").await;
    assert!(!html.contains(&sid[..8]), "the filter applies");

    let response = admin
        .submit("/api/admin/session/end", &[("sid", &sid), ("user", "dem")])
        .await;
    let back = location(&response);
    assert_eq!(
        (back.path(), back.query()),
        ("/admin/sessions", Some("user=dem"))
    );
    assert_eq!(app.silent_authorize().await, Err("login_required".into()));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM rp_sessions WHERE ended_at IS NULL"
        )
        .await,
        0
    );
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM audit_events WHERE action = 'logout.op_session_ended' AND actor = 'admin' AND subject = $1",
    )
    .bind(&sid)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(detail.contains("admin_signed_out"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_a_user_ends_their_sessions_and_stops_their_login() {
    let app = spawn_app().await;
    app.signed_in_id_token().await;
    let admin = Browser::admin(&app).await;
    let response = admin
        .submit(
            "/api/admin/user/change",
            &[("username", demo::USER), ("action", "disable")],
        )
        .await;
    assert_eq!(location(&response).path(), "/admin/users");
    assert_eq!(app.silent_authorize().await, Err("login_required".into()));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM op_sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'demo' AND s.ended_at IS NULL").await,
        0
    );
    assert_eq!(
        audit_count(&app, demo::ADMIN, "user.disabled", demo::USER).await,
        1
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM audit_events WHERE action = 'logout.op_session_ended' AND actor = 'admin'").await,
        1
    );
    super::assert_demo_login_refused(&app).await;

    admin
        .submit(
            "/api/admin/user/change",
            &[("username", demo::USER), ("action", "enable")],
        )
        .await;
    Browser::signed_in(&app, demo::USER, demo::PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_cannot_disable_or_demote_themselves() {
    let app = spawn_app().await;
    let admin = Browser::admin(&app).await;
    for action in ["disable", "revoke_admin"] {
        admin
            .submit(
                "/api/admin/user/change",
                &[("username", demo::ADMIN), ("action", action)],
            )
            .await;
        let (_, html) = admin.page("/admin/users").await;
        assert!(
            html.contains("You cannot do this to your own account."),
            "{action}"
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM users WHERE username = 'admin' AND is_admin = TRUE AND disabled_at IS NULL").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_created_reset_and_promoted() {
    let app = spawn_app().await;
    let admin = Browser::admin(&app).await;
    admin
        .submit(
            "/api/admin/user/create",
            &[("username", "carol"), ("password", "short")],
        )
        .await;
    let (_, html) = admin.page("/admin/users").await;
    assert!(html.contains("at least 8 characters"));
    admin
        .submit(
            "/api/admin/user/create",
            &[("username", "carol"), ("password", "carol-pw-1")],
        )
        .await;
    let carol = Browser::signed_in(&app, "carol", "carol-pw-1").await;
    assert_eq!(carol.page("/admin/users").await.0, StatusCode::FORBIDDEN);

    admin
        .submit(
            "/api/admin/user/change",
            &[
                ("username", "carol"),
                ("action", "reset_password"),
                ("password", "carol-pw-2"),
            ],
        )
        .await;
    admin
        .submit(
            "/api/admin/user/change",
            &[("username", "carol"), ("action", "grant_admin")],
        )
        .await;
    let carol = Browser::signed_in(&app, "carol", "carol-pw-2").await;
    assert_eq!(carol.page("/admin/users").await.0, StatusCode::OK);
    for action in ["user.created", "user.password_reset", "user.admin_granted"] {
        assert_eq!(
            audit_count(&app, demo::ADMIN, action, "carol").await,
            1,
            "{action}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_newest_first_and_paginated() {
    let app = spawn_app().await;
    for i in 0..60 {
        sqlx::query(
            "INSERT INTO audit_events (occurred_at, actor, action, subject) VALUES ($1, 'test', 'test.event', $2)",
        )
        .bind(2_000_000_000_i64 + i)
        .bind(format!("subject-{i:02}"))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let admin = Browser::admin(&app).await;
    let (_, first) = admin.page("/admin/audit").await;
    let newest = first.find("subject-59").expect("the newest is on page 1");
    let older = first.find("subject-58").unwrap();
    assert!(newest < older, "newest first");
    assert!(!first.contains("subject-09"));
    assert!(first.contains("href=\"/admin/audit?page=2\""));
    let (_, second) = admin.page("/admin/audit?page=2").await;
    assert!(second.contains("subject-09") && second.contains("subject-00"));
    assert!(!second.contains("subject-10\"") && second.contains("href=\"/admin/audit?page=1\""));
}
