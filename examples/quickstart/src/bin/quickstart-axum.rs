//! The quickstart app on axum: the same routes, catalog and matrix as `quickstart`.
//!
//! ```text
//! cargo run -p quickstart --bin quickstart-axum -- [--bind 127.0.0.1:8080]
//! ```

use std::collections::HashMap;
use std::sync::Arc;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => "127.0.0.1:8080".to_owned(),
        [flag, addr] if flag == "--bind" => addr.clone(),
        _ => {
            eprintln!("usage: quickstart-axum [--bind ADDR]");
            std::process::exit(2);
        }
    };
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    let mut tokens = HashMap::new();
    for (id, role) in [(1, "admin"), (2, "analyst"), (3, "guest")] {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
        let token = hex::encode(bytes);
        println!("{role:8} Authorization: Bearer {token}");
        tokens.insert(token, (id, role));
    }
    let app = quickstart::on_axum::app(Arc::new(tokens));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("listening on http://{bind}");
    axum::serve(listener, app.into_make_service()).await
}
