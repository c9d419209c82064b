//! Evaluation cost of compiled conditions (`leadscore_core::expr`), per call.

use criterion::{Criterion, criterion_group, criterion_main};
use leadscore_core::Value;
use leadscore_core::expr::{Condition, Scope, Slot, Ty, compile};
use std::hint::black_box;

const NAMES: [(&str, Ty); 4] = [
    ("company_size", Ty::Num),
    ("job_title", Ty::Str),
    ("country", Ty::Any),
    ("consent", Ty::Bool),
];

struct BenchScope;

impl Scope for BenchScope {
    fn resolve(&self, name: &str) -> Result<(Slot, Ty), String> {
        let i = NAMES
            .iter()
            .position(|(n, _)| *n == name)
            .ok_or(format!("unknown name `{name}`"))?;
        Ok((
            Slot(u32::try_from(i).map_err(|e| e.to_string())?),
            NAMES[i].1,
        ))
    }
}

fn condition(src: &str) -> Condition {
    compile(src, &BenchScope).unwrap_or_else(|e| panic!("{src}: {e:?}"))
}

fn bench(c: &mut Criterion) {
    let env = vec![
        Value::Num(120.0),
        Value::from("Director of Sales"),
        Value::from("us"),
        Value::Bool(true),
    ];
    let cases = [
        ("numeric comparison", "company_size >= 50"),
        ("starts_with", "job_title starts_with \"director\""),
        (
            "and of three leaves",
            "company_size >= 50 and country != \"VN\" and consent",
        ),
        (
            "in list of 10 strings",
            "country in [\"VN\", \"SG\", \"TH\", \"MY\", \"ID\", \"PH\", \"KH\", \"LA\", \"MM\", \"US\"]",
        ),
        (
            "matches regex",
            "job_title matches \"(?i)\\\\b(ceo|cto|director)\\\\b\"",
        ),
    ];
    let mut group = c.benchmark_group("expr_eval");
    for (label, src) in cases {
        let cond = condition(src);
        assert!(
            cond.eval(&env),
            "{src} should hold for the benchmark values"
        );
        group.bench_function(label, |b| b.iter(|| black_box(&cond).eval(black_box(&env))));
    }
    let unicode = condition("job_title starts_with \"giám đốc\"");
    let env_vi = vec![Value::Null, Value::from("Giám Đốc Kinh Doanh")];
    assert!(unicode.eval(&env_vi));
    group.bench_function("starts_with, non-ASCII value", |b| {
        b.iter(|| black_box(&unicode).eval(black_box(&env_vi)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
