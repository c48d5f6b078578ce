//! The floor for the hot-path bench (`bench/hot_path.sh`): a bare axum server
//! that answers `GET /.well-known/openid-configuration` with the same bytes
//! and headers signoff does, and does nothing else. What signoff costs above
//! this is its own stack.
//!
//!     floor <port> <current_thread|multi_thread> <body file>

use std::net::SocketAddr;

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::get;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, port, flavour, body] = args.as_slice() else {
        eprintln!("usage: floor <port> <current_thread|multi_thread> <body file>");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("a port number");
    let body = Bytes::from(std::fs::read(body)?);
    let runtime = match flavour.as_str() {
        "current_thread" => tokio::runtime::Builder::new_current_thread(),
        "multi_thread" => tokio::runtime::Builder::new_multi_thread(),
        other => panic!("unknown runtime flavour {other}"),
    }
    .enable_all()
    .build()?;
    runtime.block_on(async move {
        let app = Router::new().route(
            "/.well-known/openid-configuration",
            get(move || {
                let body = body.clone();
                async move {
                    (
                        [
                            (header::CONTENT_TYPE, "application/json"),
                            (header::CACHE_CONTROL, "public, max-age=300"),
                        ],
                        body,
                    )
                }
            }),
        );
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
        axum::serve(listener, app).await
    })
}
