//! Loading the embedded pack and planning the whole roadmap, and what `levelup
//! plan` does besides: loading the blueprint catalog (to check the blueprints
//! the steps name), which must not compile the catalog's templates.
//!
//! Baseline, measured in the same run: parsing the pack's YAML files into untyped
//! values, the least any loader must do. `scripts/bench` prints the ratios.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use levelup::blueprint::Catalog;
use levelup::content::{self, Source};
use levelup::model::{Baseline, Language, Level};
use levelup::plan::{Plan, Request};
use levelup::report::{self, Format};

fn benchmarks(c: &mut Criterion) {
    let source = Source::embedded();
    let pack = content::load(&source, None).expect("the embedded pack is valid");
    let from = Baseline::new(1).expect("level 1");
    let to = Level::new(5).expect("level 5");
    let english = Language::new("en");

    c.bench_function("baseline_parse_yaml", |b| {
        b.iter(|| {
            for file in source.files() {
                // The same parser as the loader (serde-saphyr), into untyped values.
                let value: serde_json::Value =
                    serde_saphyr::from_str(black_box(&file.text)).expect("YAML");
                black_box(value);
            }
        })
    });
    c.bench_function("load_embedded_pack", |b| {
        b.iter(|| black_box(content::load(black_box(&source), None).expect("valid")))
    });
    c.bench_function("plan_1_to_5", |b| {
        b.iter(|| black_box(Plan::new(&pack, Request::uniform(&pack, from, to))))
    });
    c.bench_function("load_blueprint_catalog", |b| {
        b.iter(|| black_box(Catalog::load(None).expect("the built-in blueprints are valid")))
    });
    // Everything `levelup plan --from 1` does before printing.
    c.bench_function("plan_command_1_to_5", |b| {
        b.iter(|| {
            let catalog = Catalog::load(None).expect("valid");
            let names = catalog.names().map(String::from).collect();
            let pack = content::load(black_box(&source), Some(&names)).expect("valid");
            let plan = Plan::new(&pack, Request::uniform(&pack, from, to));
            black_box(report::render(&plan, Format::Markdown, &english).expect("render"))
        })
    });
    c.bench_function("load_plan_render_markdown_1_to_5", |b| {
        b.iter(|| {
            let pack = content::load(black_box(&source), None).expect("valid");
            let plan = Plan::new(&pack, Request::uniform(&pack, from, to));
            black_box(report::render(&plan, Format::Markdown, &english).expect("render"))
        })
    });
}

criterion_group!(benches, benchmarks);
criterion_main!(benches);
