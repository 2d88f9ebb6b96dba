//! Rendering the endpoint-permission matrix: how cost grows with the number of rows.
//! Target: 10,000 rows to Markdown in under 50 ms.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

fn render(c: &mut Criterion) {
    let mut group = c.benchmark_group("matrix");
    for n in [100, 1_000, 10_000] {
        let matrix = authz_benches::matrix(n);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("markdown", n), &matrix, |b, m| {
            b.iter(|| m.to_markdown("cargo bench"))
        });
        group.bench_with_input(BenchmarkId::new("json", n), &matrix, |b, m| b.iter(|| m.to_json()));
        group.bench_with_input(BenchmarkId::new("csv", n), &matrix, |b, m| b.iter(|| m.to_csv()));
        group.bench_with_input(BenchmarkId::new("sort_and_markdown", n), &n, |b, &n| {
            b.iter_batched(
                || authz_benches::endpoints(n),
                |e| {
                    authz_core::matrix::Matrix::new(e, Some(&authz_benches::CATALOG))
                        .to_markdown("cargo bench")
                },
                criterion::BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, render);
criterion_main!(benches);
