//! `projects`: the service, its users, its matrix and its maintenance job, in one binary.
//!
//! ```text
//! projects serve [--bind 127.0.0.1:8080] [--database URL] [--demo] [--explain] [--metrics ADDR]
//!                [--framework actix|axum]
//! projects users add NAME --role ROLE      prints the new user's token
//! projects users token USER                issues another token
//! projects users revoke USER               revokes every token of USER (none: still exit 0)
//! projects users list
//! projects matrix [--format md|json|csv] [--out FILE] [--check FILE] [--diff OLD.json] [--expect FILE] [--lint]
//! projects who-can METHOD PATH             the roles that may call it, globally and in a team
//! projects openapi [--out FILE] [--check FILE]
//! projects teams add NAME                  prints {"id":N,"name":"NAME"}
//! projects teams list
//! projects members add TEAM USER --role ROLE   makes ROLE the one role USER holds in TEAM
//! projects members revoke TEAM USER         removes every role USER holds in TEAM (none: exit 0)
//! projects members list TEAM
//!
//! TEAM and USER are names or ids (as `teams list` and `users list` print them; a name wins).
//! Membership changes go through the same service and no-escalation policy as HTTP, as the
//! logged system actor `members-cli`.
//! projects archive-stale [--days 90]       archives projects untouched for that long
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::HttpServer;
use authz_actix::build::{Format, MatrixCommand};
use clap::{Parser, Subcommand};
use projects::REGENERATE;
use projects::db::{DEFAULT_URL, Db};
use projects::perms::{CATALOG, PROJECT_READ, PROJECT_WRITE};
use projects::service::ProjectService;
use projects::teams::Teams;
use projects::users::{Users, demo};

#[derive(Parser)]
#[command(name = "projects", about = "The projects service, authorized by authz", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The front end `serve` runs.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Framework {
    Actix,
    Axum,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// `sqlite://FILE` (created if missing), `sqlite::memory:` or `postgres://...`.
        #[arg(long, default_value = DEFAULT_URL)]
        database: String,
        /// Create the demo users if missing and print a fresh token for each.
        #[arg(long)]
        demo: bool,
        /// A 403 the gate answers names the permissions the caller lacked (`"missing"` in the
        /// problem body); 401 and 404 bodies never change.
        #[arg(long)]
        explain: bool,
        /// Serve authz's decision metrics in Prometheus text at `http://ADDR/metrics`, on a
        /// listener of its own.
        #[arg(long, value_name = "ADDR")]
        metrics: Option<String>,
        /// The web framework that serves the same routes: actix-web, or axum.
        #[arg(long, value_enum, default_value_t = Framework::Actix)]
        framework: Framework,
    },
    /// Manage users and their tokens.
    Users {
        #[arg(long, default_value = DEFAULT_URL, global = true)]
        database: String,
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Manage teams.
    Teams {
        #[arg(long, default_value = DEFAULT_URL, global = true)]
        database: String,
        #[command(subcommand)]
        command: TeamsCommand,
    },
    /// Manage who holds which role in which team.
    Members {
        #[arg(long, default_value = DEFAULT_URL, global = true)]
        database: String,
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Print, write or check the endpoint-permission matrix.
    Matrix {
        /// md, json or csv (default: from the file's extension, else md).
        #[arg(long, value_parser = parse_format)]
        format: Option<Format>,
        /// Write the matrix to FILE.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Compare FILE with the code; exit 1 with a diff when stale.
        #[arg(long)]
        check: Option<PathBuf>,
        /// Print, per role, the access changes since OLD (a JSON matrix); exit 1 when access widened.
        #[arg(long, value_name = "OLD")]
        diff: Option<PathBuf>,
        /// Check the access expectations in FILE (TOML, `[[expect]]` tables); exit 1 naming each
        /// one violated.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
        /// Report probable mistakes in the declarations (public writes without a reason, unused
        /// permissions, roles nothing needs, unreachable routes); exit 1 when there are any.
        #[arg(long)]
        lint: bool,
    },
    /// Print who may call METHOD PATH: the roles (held globally), the roles held inside a team,
    /// then any policy that still decides per resource. PATH as the matrix writes it
    /// (`/projects/{id}`) or as a client sends it (`/projects/7`).
    WhoCan { method: String, path: String },
    /// Print, write or check the OpenAPI document (what `/openapi.json` serves).
    Openapi {
        /// Write the document to FILE.
        #[arg(long, conflicts_with = "check")]
        out: Option<PathBuf>,
        /// Compare FILE with the code; exit 1 with a diff when stale.
        #[arg(long)]
        check: Option<PathBuf>,
    },
    /// Archive every live project not updated for DAYS days, as the system actor
    /// `archive-stale`, through the same service and policies as the API.
    ArchiveStale {
        #[arg(long, default_value_t = 90)]
        days: i64,
        #[arg(long, default_value = DEFAULT_URL)]
        database: String,
    },
}

/// One line of `serve --demo` output; fields in this order.
#[derive(serde::Serialize)]
struct DemoLine<'a> {
    id: i64,
    user: &'a str,
    roles: &'a [String],
    token: &'a str,
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Create a user with a role and print their token.
    Add {
        name: String,
        /// admin, editor, support or member.
        #[arg(long)]
        role: String,
    },
    /// Issue another token for a user.
    Token { name: String },
    /// Revoke every token of a user.
    Revoke { name: String },
    /// Delete a user and their tokens.
    Remove { name: String },
    /// List users and roles.
    List,
}

#[derive(Subcommand)]
enum TeamsCommand {
    /// Create a team and print it as JSON.
    Add { name: String },
    /// List teams.
    List,
}

#[derive(Subcommand)]
enum MembersCommand {
    /// Make ROLE the one catalog role USER holds inside TEAM (as HTTP `PUT` does). TEAM and USER
    /// are names or ids.
    Add {
        team: String,
        user: String,
        /// admin, editor, support or member.
        #[arg(long)]
        role: String,
    },
    /// Remove every role USER holds in TEAM (holding none is not an error); running servers refuse them there within a second
    /// on PostgreSQL, within about 100 ms on a SQLite file (the cache's 2 s time to live at worst).
    Revoke { team: String, user: String },
    /// List a team's members and their roles.
    List { team: String },
}

fn parse_format(text: &str) -> Result<Format, String> {
    Format::parse(text).ok_or_else(|| format!("unknown format `{text}`; expected md, json or csv"))
}

/// `projects openapi`: prints, writes or checks the document, as `matrix` does the matrix.
fn openapi(out: Option<PathBuf>, check: Option<PathBuf>) -> ExitCode {
    let regenerate = "cargo run -p projects -- openapi --out docs/openapi.json";
    authz_actix::build::emit(
        &projects::http::openapi_text(),
        out.as_deref(),
        check.as_deref(),
        regenerate,
        "",
    )
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Routes that would not serve what they declare (a path and method declared twice, say):
    // said once, before any worker starts or any matrix is rendered.
    if let Err(problems) = authz_actix::routes::check(projects::http::routes) {
        eprintln!("{problems}");
        return ExitCode::from(2);
    }
    if let Command::WhoCan { method, path } = &cli.command {
        let matrix = authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG));
        return match authz_actix::access::who_can(&matrix, method, path) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    if let Command::Matrix { format, out, check, diff, expect, lint } = cli.command {
        let command = MatrixCommand { format, out, check, diff, expect, lint };
        return command.execute(
            &authz_actix::routes::matrix(projects::http::routes, Some(&CATALOG)),
            REGENERATE,
        );
    }
    if let Command::Openapi { out, check } = cli.command {
        return openapi(out, check);
    }
    // A log write that fails (stderr closed) is dropped quietly: reporting it with `eprintln!`, the
    // default, panics on the same closed stderr, inside whichever request was logging.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(std::io::stderr)
        .log_internal_errors(false)
        .init();
    // axum serves on tokio's multi-threaded runtime; everything else runs on actix's.
    let ran = match cli.command {
        Command::Serve { framework: Framework::Axum, .. } => {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(Into::into)
                .and_then(|runtime| runtime.block_on(run(cli.command)))
        }
        command => actix_web::rt::System::new().block_on(run(command)),
    };
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve { bind, database, demo: with_demo, explain, metrics, framework } => {
            let db = Db::connect(&database).await?;
            if with_demo {
                for (user, token) in demo(&Users::new(db.clone())).await? {
                    let line = DemoLine {
                        id: user.id,
                        user: &user.name,
                        roles: &user.roles,
                        token: &token,
                    };
                    println!("{}", serde_json::to_string(&line)?);
                }
                for team in projects::teams::demo(&Teams::new(db.clone())).await? {
                    tracing::info!(team = team.id, name = %team.name, "demo team");
                }
            }
            // Changes to the grant table made elsewhere reach this process's caches: on PostgreSQL
            // by LISTEN/NOTIFY within milliseconds (until the feed connects, and whenever it
            // drops, cached grants live one second); on a SQLite file by polling its
            // `data_version` every 100 ms. Stops with the server.
            let _feed = db.grants.listen(&database)?;
            if framework == Framework::Axum {
                let listener = tokio::net::TcpListener::bind(&bind).await?;
                let mut app = projects::http_axum::app(db, explain);
                if let Some(addr) = &metrics {
                    // The recorder first: the gates record with the one installed then.
                    let handle = projects::telemetry::install()?;
                    app = app.telemetry(authz_axum::Telemetry::new());
                    projects::telemetry::serve_axum(handle, addr).await?;
                    tracing::info!(metrics = %addr, "metrics listening");
                }
                tracing::info!(%bind, %database, framework = "axum", "listening");
                let app = projects::http_axum::ActixPaths(app);
                axum::serve(listener, app.into_make_service())
                    .with_graceful_shutdown(async {
                        let _ = tokio::signal::ctrl_c().await;
                    })
                    .await?;
                return Ok(());
            }
            // The recorder first: gates register their metrics with the one installed then.
            let exporter = metrics
                .as_deref()
                .map(|addr| {
                    Ok::<_, Box<dyn std::error::Error>>((projects::telemetry::install()?, addr))
                })
                .transpose()?;
            let telemetry = exporter.is_some().then(authz_actix::Telemetry::new);
            let server = HttpServer::new(move || {
                let app = projects::http::app(db.clone());
                let app = match &telemetry {
                    Some(telemetry) => app.app_data(telemetry.clone()),
                    None => app,
                };
                if explain { app.app_data(authz_actix::problem::Explain) } else { app }
            })
            .bind(&bind)?;
            let metrics_server = match exporter {
                Some((handle, addr)) => {
                    let server = projects::telemetry::serve(handle, addr)?;
                    tracing::info!(metrics = %addr, "metrics listening");
                    let stop = server.handle();
                    actix_web::rt::spawn(server);
                    Some(stop)
                }
                None => None,
            };
            tracing::info!(%bind, %database, "listening");
            let served = server.run().await;
            if let Some(stop) = metrics_server {
                stop.stop(true).await;
            }
            served?;
        }
        Command::Users { database, command } => {
            let users = Users::new(Db::connect(&database).await?);
            match command {
                UsersCommand::Add { name, role } => {
                    let (user, token) = users.add(&name, &role).await?;
                    eprintln!("created user {} (id {}) with role {role}", user.name, user.id);
                    println!("{token}");
                }
                UsersCommand::Token { name } => println!("{}", users.issue_token(&name).await?.1),
                UsersCommand::Revoke { name } => {
                    eprintln!("revoked {} token(s) of {name}", users.revoke_tokens(&name).await?)
                }
                UsersCommand::Remove { name } => {
                    users.remove(&name).await?;
                    eprintln!("removed {name}");
                }
                UsersCommand::List => {
                    for user in users.list().await? {
                        println!("{}\t{}\t{}", user.id, user.name, user.roles.join(","));
                    }
                }
            }
        }
        Command::Teams { database, command } => {
            let teams = Teams::new(Db::connect(&database).await?);
            match command {
                TeamsCommand::Add { name } => {
                    println!("{}", serde_json::to_string(&teams.add(&name).await?)?)
                }
                TeamsCommand::List => {
                    for team in teams.list().await? {
                        println!("{}\t{}", team.id, team.name);
                    }
                }
            }
        }
        Command::Members { database, command } => {
            let teams = Teams::new(Db::connect(&database).await?);
            match command {
                MembersCommand::Add { team, user, role } => {
                    teams.set_member(&team, &user, &role).await?;
                    eprintln!("{user} now holds {role} in {team}, and only that");
                }
                MembersCommand::Revoke { team, user } => {
                    match teams.revoke_member(&team, &user).await? {
                        true => eprintln!("revoked the roles of {user} in {team}"),
                        false => eprintln!("{user} held no role in {team}: nothing to revoke"),
                    }
                }
                MembersCommand::List { team } => {
                    for (user, role) in teams.members(&team).await? {
                        println!("{user}\t{role}");
                    }
                }
            }
        }
        Command::ArchiveStale { days, database } => {
            let service = ProjectService::new(Db::connect(&database).await?);
            // No user runs this: a named system actor with exactly the permissions it needs — to
            // see every project, and to change protected fields.
            let actor = CATALOG.system_actor("archive-stale", &[PROJECT_READ, PROJECT_WRITE]);
            let archived = service.archive_stale(&actor, days * 24 * 3600).await?;
            eprintln!("archived {} project(s): {archived:?}", archived.len());
        }
        // Rendered before any runtime starts, in `main`.
        Command::Matrix { .. } | Command::Openapi { .. } | Command::WhoCan { .. } => {}
    }
    Ok(())
}
