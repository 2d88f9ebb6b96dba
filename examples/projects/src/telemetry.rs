//! `projects serve --metrics ADDR`: authz's decision telemetry ([`authz_actix::telemetry`]) in
//! Prometheus text at `http://ADDR/metrics`, on a listener of its own — not the API's, so the
//! metrics never share the API's port, its authorization or its exposure; bind it where only the
//! scraper reaches.

use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, dev::Server, web};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Histogram buckets for the `*_seconds` metrics, in seconds: 25 µs to 2.5 s. A decision that
/// needs no store or slow resolver takes microseconds; one that asks PostgreSQL, milliseconds.
const BUCKETS: &[f64] = &[
    0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0, 2.5,
];

/// Installs the process's Prometheus recorder, before any worker registers a metric.
pub fn install() -> Result<PrometheusHandle, Box<dyn std::error::Error>> {
    Ok(PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), BUCKETS)?
        .install_recorder()?)
}

/// The metrics listener at `addr`: `GET /metrics` (and `HEAD`); anything else is a plain 404.
/// It also drains histogram samples every 5 s, as the recorder needs of its owner.
pub fn serve(handle: PrometheusHandle, addr: &str) -> std::io::Result<Server> {
    let upkeep = handle.clone();
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    let server = HttpServer::new(move || {
        let handle = handle.clone();
        App::new().route(
            "/metrics",
            web::get().to(move || {
                let text = handle.render();
                async move {
                    HttpResponse::Ok()
                        .content_type("text/plain; version=0.0.4; charset=utf-8")
                        .body(text)
                }
            }),
        )
    })
    .workers(1)
    // The API server stops on a signal; this one is stopped with it.
    .disable_signals()
    .bind(addr)?
    .run();
    Ok(server)
}

/// [`serve`] for the axum front end: the same listener, on tokio, served by a plain axum router
/// (it is the exporter's, not the API's, so authz does not gate it). Runs until the process ends.
pub async fn serve_axum(handle: PrometheusHandle, addr: &str) -> std::io::Result<()> {
    let upkeep = handle.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(5)).await;
            upkeep.run_upkeep();
        }
    });
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let router = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let text = handle.render();
            async move {
                let mut response = axum::response::Response::new(axum::body::Body::from(text));
                response.headers_mut().insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                );
                response
            }
        }),
    );
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "metrics listener failed");
        }
    });
    Ok(())
}
