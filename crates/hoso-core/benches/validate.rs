//! How long hoso-core takes to check the largest procedure with a goods
//! table of 500 rows, the most a registration takes: the editor runs this on
//! every keystroke, so it must stay well under a frame (goal: under 1 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use hoso_core::procedure::{Procedure, bundled};
use hoso_core::{Value, samples, validate};
use std::hint::black_box;

fn largest_with_500_rows() -> (Procedure, hoso_core::DossierContent) {
    let (name, text) = bundled()
        .into_iter()
        .find(|(name, _)| name.starts_with("kiem-tra-cl-nhap-khau.2026"))
        .expect("bundled quality-inspection schema");
    let procedure = Procedure::parse(name, text).expect("valid schema");
    let mut dossier = samples::quality_inspection();
    let rows = dossier.rows("goods.items").to_vec();
    let many = rows.iter().cycle().take(500).cloned().collect();
    dossier
        .fields
        .insert("goods.items".into(), Value::Rows(many));
    assert!(validate(&procedure, &dossier).is_empty(), "sample is valid");
    (procedure, dossier)
}

fn bench(c: &mut Criterion) {
    let (procedure, dossier) = largest_with_500_rows();
    c.bench_function("validate quality inspection, 500 goods rows", |b| {
        b.iter(|| validate(black_box(&procedure), black_box(&dossier)))
    });
    let mut broken = dossier.clone();
    if let Some(Value::Rows(rows)) = broken.fields.get_mut("goods.items") {
        for row in rows.iter_mut() {
            row.insert("quantity".into(), "nhiều".into());
        }
    }
    c.bench_function("validate with 500 problems", |b| {
        b.iter(|| validate(black_box(&procedure), black_box(&broken)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
