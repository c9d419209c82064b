//! Model files that do not validate are rejected with every error at once,
//! each naming the line, the rule and what was expected.

use leadscore_core::model::Model;

fn errors(src: &str) -> Vec<String> {
    match Model::from_toml(src) {
        Ok(_) => panic!("model should not validate"),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_examples_validate() {
    for (name, src) in [
        ("b2b-saas", include_str!("../../../examples/b2b-saas.toml")),
        (
            "b2c-ecommerce",
            include_str!("../../../examples/b2c-ecommerce.toml"),
        ),
        (
            "online-education",
            include_str!("../../../examples/online-education.toml"),
        ),
    ] {
        let m = Model::from_toml(src).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.name, name);
    }
}

#[test]
fn every_error_is_listed_with_its_line_and_rule() {
    let src = r#"[model]
name = "broken"
version = 1
decay = "half-life 30 days"

[[fit]]
name = "Title"
when = 'titel contains "director"' # fine: any attribute name is allowed
points = 10

[[fit]]
name = "Uses engagement"
when = "engagement > 10"
points = 5

[[engagement]]
name = "Pricing"
event = "page"
when = 'path starts_with'
points = 10
limit = "twice a day"

[[engagement]]
name = "Pricing"
event = "page"
points = 1
cap = -3
group = "nope"

[[signals]]
name = "Burst"
when = "agg.visits >= 3"
points = 5

[grades]
fit = { A = 10, B = 40, C = 20 }
engagement = { 1 = 50, 2 = 25, 3 = 10 }
hot = ["A1", "E9"]

[[stages]]
name = "mql"

[[stages]]
name = "customer"
manual = true
when = "total > 1"
"#;
    let e = errors(src);
    let text = e.join("\n");
    let expect = [
        ("line 4", "half-life 30 days"),
        (
            "line 13",
            "`engagement` is not available here; fit rules can use",
        ),
        (
            "line 19",
            "engagement rule `Pricing`, `when`: expected a value after `starts_with`",
        ),
        ("line 21", "`twice a day` is not a frequency limit"),
        ("line 23", "another rule is already called `Pricing`"),
        ("line 23", "unknown group `nope`"),
        ("line 23", "`cap` must be positive"),
        ("line 32", "unknown aggregate `agg.visits`"),
        ("line 35", "thresholds must not increase from A to C"),
        ("line 35", "`E9` is not a matrix cell"),
        ("line 40", "an automatic stage needs `when`"),
        (
            "line 46",
            "a manual stage is set by people and cannot have `when`",
        ),
    ];
    for (line, msg) in expect {
        assert!(
            e.iter().any(|x| x.starts_with(line) && x.contains(msg)),
            "missing error {line}: {msg}\nall errors:\n{text}"
        );
    }
    assert!(e.len() >= expect.len());
}

#[test]
fn structural_errors_name_the_field() {
    let e = errors(
        "[model]\nname = \"m\"\nversion = \"1\"\n\n[[fit]]\nname = \"x\"\nwhen = \"a > 1\"\npoints = \"ten\"\n\n[[fit]]\nname = \"y\"\nwhen = \"a > 1\"\npoinst = 3\n",
    );
    let text = e.join("\n");
    assert!(
        e.iter().any(|x| x.starts_with("line 8: fit rule `x`")),
        "{text}"
    );
    assert!(
        e.iter()
            .any(|x| x.contains("fit rule `y`") && x.contains("poinst")),
        "{text}"
    );
}

#[test]
fn syntax_errors_and_unknown_sections_are_reported() {
    let e = errors("[model]\nname = \"m\"\nversion = \"1\"\n[[fitt]]\nname = 1\n");
    assert!(
        e.iter().any(|x| x.contains("unknown section `fitt`")),
        "{e:?}"
    );
    let e = errors("[model\nname = 1\n");
    assert!(
        e.iter().any(|x| x.starts_with("line 1: TOML syntax")),
        "{e:?}"
    );
    let e = errors("[[fit]]\nname = \"a\"\nwhen = \"x > 1\"\npoints = 1\n");
    assert!(
        e.iter().any(|x| x.contains("missing [model] table")),
        "{e:?}"
    );
}
