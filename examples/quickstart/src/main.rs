//! The smallest real authz app: a catalog, bearer tokens resolved to actors, gated handlers, and
//! the endpoint-permission matrix built from the same routes.
//!
//! ```text
//! cargo run -p quickstart -- [serve] [--bind 127.0.0.1:8080]
//! cargo run -p quickstart -- matrix [--format md|json|csv] [--out FILE] [--check FILE]
//! ```
//!
//! On start it prints one token per role; try
//! `curl -i -H "Authorization: Bearer TOKEN" http://127.0.0.1:8080/reports`.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;

use actix_web::{App, HttpRequest, HttpServer};
use authz_actix::{ResolveActor, mount};
use quickstart::{CATALOG, REGENERATE, Tokens, resolve, routes};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("matrix") {
        args.next();
        return authz_actix::build::run(
            args,
            &authz_actix::routes::matrix(routes, Some(&CATALOG)),
            REGENERATE,
        );
    }
    if args.peek().map(String::as_str) == Some("serve") {
        args.next();
    }
    let mut bind = String::from("127.0.0.1:8080");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bind", Some(addr)) => bind = addr,
            _ => {
                eprintln!(
                    "usage: quickstart [serve] [--bind ADDR] | quickstart matrix [--format md|json|csv] [--out FILE] [--check FILE]"
                );
                return ExitCode::from(2);
            }
        }
    }
    tracing_subscriber::fmt().with_max_level(tracing::Level::INFO).init();
    match actix_web::rt::System::new().block_on(serve(bind)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(bind: String) -> std::io::Result<()> {
    let mut tokens = HashMap::new();
    for (id, role) in [(1, "admin"), (2, "analyst"), (3, "guest")] {
        let token = random_token()?;
        println!("{role:8} Authorization: Bearer {token}");
        tokens.insert(token, (id, role));
    }
    let tokens: Tokens = Arc::new(tokens);

    let server = HttpServer::new(move || {
        let tokens = tokens.clone();
        App::new()
            .wrap(ResolveActor::new(move |req: HttpRequest| {
                let tokens = tokens.clone();
                async move { Ok::<_, std::convert::Infallible>(resolve(&tokens, &req)) }
            }))
            .configure(mount(routes))
    })
    .bind(&bind)?;
    println!("listening on http://{bind}");
    server.run().await
}

fn random_token() -> std::io::Result<String> {
    // 32 bytes from the operating system's CSPRNG (getrandom). Real apps store only hashes.
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(std::io::Error::other)?;
    Ok(hex::encode(bytes))
}
