//! The quickstart app on axum: the same routes, catalog and matrix as `quickstart`.
//!
//! ```text
//! cargo run -p quickstart --bin quickstart-axum -- [serve] [--bind 127.0.0.1:8080]
//! cargo run -p quickstart --bin quickstart-axum -- matrix [--format md|json|csv] [--out FILE] [--check FILE]
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use std::process::ExitCode;

use quickstart::{CATALOG, REGENERATE};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("matrix") {
        args.next();
        // The same committed file as the actix binary's: one matrix, either framework.
        return authz_axum::build::run(
            args,
            &authz_axum::routes::matrix(quickstart::on_axum::routes, Some(&CATALOG)),
            REGENERATE,
        );
    }
    if args.peek().map(String::as_str) == Some("serve") {
        args.next();
    }
    let bind = match args.collect::<Vec<_>>().as_slice() {
        [] => "127.0.0.1:8080".to_owned(),
        [flag, addr] if flag == "--bind" => addr.clone(),
        _ => {
            eprintln!(
                "usage: quickstart-axum [serve] [--bind ADDR] | quickstart-axum matrix [--format md|json|csv] [--out FILE] [--check FILE]"
            );
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(bind)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(bind: String) -> std::io::Result<()> {
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
