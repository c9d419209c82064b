//! Tests of the condition language as a whole: syntax, meaning and error messages.

use super::*;
use proptest::prelude::*;

/// Names with their types; slot i is the i-th name.
const NAMES: [(&str, Ty); 12] = [
    ("x", Ty::Any),
    ("y", Ty::Any),
    ("z", Ty::Any),
    ("company_size", Ty::Num),
    ("job_title", Ty::Str),
    ("consent", Ty::Bool),
    ("country", Ty::Any),
    ("email.domain", Ty::Any),
    ("Lead Source", Ty::Any),
    ("context.campaign.name", Ty::Any),
    ("title", Ty::Any),
    ("in", Ty::Any),
];

struct TestScope;

impl Scope for TestScope {
    fn resolve(&self, name: &str) -> Result<(Slot, Ty), String> {
        NAMES
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| (Slot(i as u32), NAMES[i].1))
            .ok_or_else(|| format!("unknown name `{name}`"))
    }
}

fn slot_of(name: &str) -> usize {
    NAMES
        .iter()
        .position(|(n, _)| *n == name)
        .expect("test name")
}

fn env(values: &[(&str, Value)]) -> Vec<Value> {
    let mut env = vec![Value::Null; NAMES.len()];
    for (name, v) in values {
        env[slot_of(name)] = v.clone();
    }
    env
}

fn cond(src: &str) -> Condition {
    match compile(src, &TestScope) {
        Ok(c) => c,
        Err(errs) => panic!("{src}: {errs:?}"),
    }
}

fn holds(src: &str, values: &[(&str, Value)]) -> bool {
    cond(src).eval(&env(values))
}

fn errors(src: &str) -> Vec<ExprError> {
    match compile(src, &TestScope) {
        Ok(_) => panic!("{src} compiled"),
        Err(e) => e,
    }
}

/// The single error message of `src`.
fn error(src: &str) -> String {
    let errs = errors(src);
    assert_eq!(errs.len(), 1, "{src}: {errs:?}");
    errs[0].message.clone()
}

fn s(text: &str) -> Value {
    Value::from(text)
}

fn n(v: f64) -> Value {
    Value::Num(v)
}

// ---- literals, names and basic comparisons ----

#[test]
fn expr_number_comparisons() {
    for (src, expected) in [
        ("x == 50", true),
        ("x != 50", false),
        ("x < 51", true),
        ("x <= 50", true),
        ("x > 50", false),
        ("x >= 50", true),
        ("x >= 5e1", true),
        ("x > -3.5", true),
        ("50 <= x", true),
        ("51 < x", false),
    ] {
        assert_eq!(holds(src, &[("x", n(50.0))]), expected, "{src}");
    }
}

#[test]
fn expr_numeric_text_compares_as_number() {
    assert!(holds("x >= 50", &[("x", s("250"))]));
    assert!(holds("x == 250", &[("x", s(" 250 "))]));
    assert!(holds(
        "company_size == \"250\"",
        &[("company_size", n(250.0))]
    ));
    assert!(holds("x == \"10001\"", &[("x", n(10001.0))]));
    assert!(holds("x >= \"100\"", &[("x", n(101.0))]));
    assert!(!holds("x >= 50", &[("x", s("big"))]));
    assert!(
        !holds("x != 50", &[("x", s("big"))]),
        "non-numeric values fail number tests"
    );
}

#[test]
fn expr_text_equality_ignores_case_also_in_unicode() {
    assert!(holds("job_title == \"ceo\"", &[("job_title", s("CEO"))]));
    assert!(holds(
        "job_title == 'giám đốc'",
        &[("job_title", s("Giám Đốc"))]
    ));
    assert!(holds(
        "job_title == 'GIÁM ĐỐC'",
        &[("job_title", s("giám đốc"))]
    ));
    assert!(!holds(
        "job_title == 'giám đốc'",
        &[("job_title", s("Giam Doc"))]
    ));
    assert!(holds("job_title != 'cto'", &[("job_title", s("CEO"))]));
    assert!(!holds("job_title != 'ceo'", &[("job_title", s("CEO"))]));
}

#[test]
fn expr_booleans() {
    assert!(holds("consent == true", &[("consent", Value::Bool(true))]));
    assert!(holds("consent == true", &[("consent", s("yes"))]));
    assert!(holds("x == TRUE", &[("x", s("True"))]));
    assert!(holds("consent == false", &[("consent", s("no"))]));
    assert!(holds("consent != true", &[("consent", Value::Bool(false))]));
    assert!(
        !holds("x != true", &[("x", s("maybe"))]),
        "not a boolean: both false"
    );
    assert!(!holds("x == true", &[("x", s("maybe"))]));
    assert!(holds("consent == 'yes'", &[("consent", Value::Bool(true))]));
    assert!(holds("x == 'yes'", &[("x", Value::Bool(true))]));
    assert!(
        holds("x == 1", &[("x", Value::Bool(true))]),
        "numbers read true as 1"
    );
}

#[test]
fn expr_bare_names_are_truthiness_tests() {
    let src = "consent and x";
    assert!(holds(src, &[("consent", Value::Bool(true)), ("x", n(3.0))]));
    assert!(!holds(
        src,
        &[("consent", Value::Bool(true)), ("x", n(0.0))]
    ));
    assert!(!holds(src, &[("consent", s("unsure")), ("x", n(1.0))]));
    assert!(!holds(src, &[("x", n(1.0))]), "missing is false");
    assert!(holds("x", &[("x", s("Yes"))]));
    assert!(
        holds("job_title", &[("job_title", s("yes"))]),
        "text names too"
    );
    assert!(!holds("job_title", &[("job_title", s("CEO"))]));
    assert!(holds("true", &[]));
    assert!(!holds("false", &[]));
}

#[test]
fn expr_names_dotted_and_backticked() {
    assert!(holds(
        "email.domain == 'acme.com'",
        &[("email.domain", s("ACME.com"))]
    ));
    assert!(holds(
        "`Lead Source` == 'Referral'",
        &[("Lead Source", s("referral"))]
    ));
    assert!(holds(
        "context.campaign.name starts_with 'q3'",
        &[("context.campaign.name", s("Q3-launch"))]
    ));
    assert!(holds(
        "context.`campaign`.name is present",
        &[("context.campaign.name", s("a"))]
    ));
    assert!(
        holds("`in` == 1", &[("in", n(1.0))]),
        "backticks allow keywords as names"
    );
}

#[test]
fn expr_keywords_are_case_insensitive() {
    let vals = [("x", n(5.0)), ("y", s("VN"))];
    assert!(holds(
        "x BETWEEN 1 AND 10 And y IN ['vn'] OR Not x Is Missing",
        &vals
    ));
    assert!(holds(
        "y Starts_With 'v' aNd y ENDS_WITH 'N' and y CONTAINS 'n' and y MATCHES 'V'",
        &vals
    ));
}

#[test]
fn expr_string_escapes() {
    assert!(holds(r#"x == "say \"hi\"""#, &[("x", s("say \"hi\""))]));
    assert!(holds(r#"x == 'it\'s'"#, &[("x", s("it's"))]));
    assert!(holds(r#"x == "a\\b""#, &[("x", s("a\\b"))]));
    assert!(holds(r#"x == "a\nb""#, &[("x", s("a\nb"))]));
    assert!(holds(r#"x matches "^\d{3}$""#, &[("x", s("123"))]));
    assert!(holds(
        r#"x matches "\\bceo\\b""#,
        &[("x", s("the ceo says"))]
    ));
}

// ---- lists ----

#[test]
fn expr_in_lists_short_and_long() {
    let short = "x in ['VN', 'SG']";
    assert!(holds(short, &[("x", s("vn"))]));
    assert!(!holds(short, &[("x", s("TH"))]));
    let long = "x in ['VN','SG','TH','MY','ID','PH','KH','LA','MM','BN','TL','Việt']";
    for hit in ["vn", "BN", "TL", "việt", "VIỆT"] {
        assert!(holds(long, &[("x", s(hit))]), "{hit}");
    }
    for miss in ["US", "", "vnx", "viet"] {
        assert!(!holds(long, &[("x", s(miss))]), "{miss}");
    }
    let long_text = "Ả".repeat(40);
    let with_long = format!("x in ['a','b','c','d','e','f','g','h','i','{long_text}']");
    assert!(holds(&with_long, &[("x", s(&long_text.to_lowercase()))]));
    assert!(!holds(long, &[("x", s(&long_text))]));
    assert!(!holds(long, &[("x", s(&"v".repeat(100)))]));
    let kelvins = format!(
        "x in ['a','b','c','d','e','f','g','h','i','{}']",
        "k".repeat(30)
    );
    assert!(
        holds(&kelvins, &[("x", s(&"\u{212A}".repeat(30)))]),
        "90 bytes lower-cased to 30"
    );
    assert!(holds("x not in ['VN', 'SG']", &[("x", s("TH"))]));
    assert!(!holds("x not in ['VN', 'SG']", &[("x", s("sg"))]));
}

#[test]
fn expr_in_number_lists() {
    assert!(holds("x in [1, 2, 3]", &[("x", n(2.0))]));
    assert!(holds("x in [1, 2, 3]", &[("x", s("3"))]));
    assert!(!holds("x in [1, 2, 3]", &[("x", s("three"))]));
    let long = "x in [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, -0]";
    assert!(holds(long, &[("x", n(70.0))]));
    assert!(holds(long, &[("x", n(0.0))]));
    assert!(!holds(long, &[("x", n(75.0))]));
    assert!(holds("x not in [1, 2]", &[("x", n(5.0))]));
    assert!(
        !holds("x not in [1, 2]", &[("x", s("abc"))]),
        "not numeric: false"
    );
    assert!(holds(
        "company_size in ['10', '20']",
        &[("company_size", n(20.0))]
    ));
    assert!(holds("x in [1, 2,]", &[("x", n(1.0))]), "trailing comma");
    assert!(!holds("x in []", &[("x", n(1.0))]));
}

#[test]
fn expr_text_list_with_number_and_bool_values() {
    assert!(holds("x in ['10001', 'abc']", &[("x", n(10001.0))]));
    assert!(holds("x in ['yes']", &[("x", Value::Bool(true))]));
    assert!(!holds("x in ['yes']", &[("x", Value::Bool(false))]));
}

// ---- text tests ----

#[test]
fn expr_text_operators() {
    let v = [("x", s("Director of Marketing"))];
    assert!(holds("x contains 'marketing'", &v));
    assert!(holds("x starts_with 'DIRECTOR'", &v));
    assert!(holds("x ends_with 'Of MARKETING'", &v));
    assert!(!holds("x starts_with 'marketing'", &v));
    assert!(holds("x not contains 'sales'", &v));
    assert!(!holds("x not starts_with 'dir'", &v));
    assert!(holds("x not ends_with 'dir'", &v));
    assert!(holds("x matches '(?i)\\b(ceo|director)\\b'", &v));
    assert!(
        !holds("x matches 'director'", &v),
        "matches is case-sensitive"
    );
    assert!(holds("x not matches '^CEO'", &v));
}

#[test]
fn expr_text_operators_unicode() {
    let v = [("x", s("Phó Giám Đốc Kinh Doanh"))];
    assert!(holds("x contains 'giám đốc'", &v));
    assert!(holds("x starts_with 'PHÓ'", &v));
    assert!(holds("x ends_with 'kinh doanh'", &v));
    assert!(holds("x contains 'KINH'", &v));
    assert!(!holds("x contains 'giam doc'", &v));
}

#[test]
fn expr_text_operators_on_numbers_use_their_text() {
    assert!(holds("x starts_with '849'", &[("x", n(84912345678.0))]));
    assert!(holds("x matches '^100\\d\\d$'", &[("x", n(10001.0))]));
    assert!(holds("x contains 'ru'", &[("x", Value::Bool(true))]));
}

// ---- between, presence ----

#[test]
fn expr_between_is_inclusive() {
    for (v, expected) in [
        (10.0, true),
        (50.0, true),
        (30.0, true),
        (9.99, false),
        (50.5, false),
    ] {
        assert_eq!(
            holds("x between 10 and 50", &[("x", n(v))]),
            expected,
            "{v}"
        );
        assert_eq!(
            holds("x not between 10 and 50", &[("x", n(v))]),
            !expected,
            "{v}"
        );
    }
    assert!(holds(
        "x between 10 and 50 and y",
        &[("x", n(20.0)), ("y", Value::Bool(true))]
    ));
    assert!(!holds("x between 10 and 50", &[("x", s("abc"))]));
    assert!(!holds("x not between 10 and 50", &[]));
}

#[test]
fn expr_presence() {
    assert!(
        holds("x is present", &[("x", s(""))]),
        "empty text is still a value"
    );
    assert!(!holds("x is present", &[]));
    assert!(holds("x is missing", &[]));
    assert!(holds("x is not present", &[]));
    assert!(holds("x is not missing", &[("x", n(0.0))]));
}

#[test]
fn expr_missing_values_make_every_test_false() {
    for src in [
        "x == 1",
        "x != 1",
        "x < 1",
        "x >= 1",
        "x == 'a'",
        "x != 'a'",
        "x == true",
        "x != true",
        "x in [1]",
        "x not in [1]",
        "x in ['a']",
        "x not in ['a']",
        "x not in []",
        "x contains ''",
        "x not contains 'a'",
        "x starts_with ''",
        "x not ends_with 'a'",
        "x matches ''",
        "x not matches 'a'",
        "x between 1 and 2",
        "x not between 1 and 2",
        "x",
    ] {
        assert!(!holds(src, &[]), "{src}");
        assert!(holds(&format!("not ({src})"), &[]), "not ({src})");
    }
}

// ---- combining ----

#[test]
fn expr_precedence() {
    let t = Value::Bool(true);
    let f = Value::Bool(false);
    // not > comparison... > and > or
    assert!(holds(
        "x or y and z",
        &[("x", t.clone()), ("y", f.clone()), ("z", f.clone())]
    ));
    assert!(!holds(
        "(x or y) and z",
        &[("x", t.clone()), ("y", f.clone()), ("z", f.clone())]
    ));
    assert!(holds("not x and y", &[("x", f.clone()), ("y", t.clone())]));
    assert!(!holds(
        "not (x and y)",
        &[("x", t.clone()), ("y", t.clone())]
    ));
    assert!(holds(
        "not x == 1 and y",
        &[("x", n(2.0)), ("y", t.clone())]
    ));
    assert!(holds("not not x", &[("x", t.clone())]));
    assert!(holds("not x or y", &[("x", t.clone()), ("y", t)]));
    assert!(!holds("not x or y", &[("x", n(1.0)), ("y", f)]));
}

#[test]
fn expr_example_from_the_docs() {
    let c = cond(r#"job_title matches "(?i)\\b(ceo|cto|director)\\b" and company_size >= 50"#);
    let e = |title: &str, size: Value| env(&[("job_title", s(title)), ("company_size", size)]);
    assert!(c.eval(&e("Sales Director", n(120.0))));
    assert!(c.eval(&e("CTO", s("50"))));
    assert!(!c.eval(&e("Directory admin", n(120.0))));
    assert!(!c.eval(&e("CEO", n(10.0))));
    assert!(!c.eval(&e("CEO", Value::Null)));
}

#[test]
fn expr_condition_api() {
    let c = cond("y == 1 or (x > 2 and y < 9) or country in ['VN'] or x is missing");
    assert_eq!(
        c.slots(),
        vec![Slot(0), Slot(1), Slot(slot_of("country") as u32)]
    );
    assert_eq!(
        c.source(),
        "y == 1 or (x > 2 and y < 9) or country in ['VN'] or x is missing"
    );
    let a = Condition::always();
    assert!(a.eval(&[] as &[Value]));
    assert_eq!(a.source(), "");
    assert!(a.slots().is_empty());
    // Slots beyond the environment read as missing rather than panicking.
    assert!(cond("x is missing").eval(&[] as &[Value]));
    assert!(cond("x == 1").eval(&[Value::Num(1.0)]));
    fn assert_send_sync_clone<T: Send + Sync + Clone>() {}
    assert_send_sync_clone::<Condition>();
}

#[test]
fn expr_constants_fold() {
    assert!(cond("true or x == 1").slots().is_empty());
    assert_eq!(cond("false or x == 1").slots(), vec![Slot(0)]);
    assert!(!holds("false and x", &[("x", Value::Bool(true))]));
}

// ---- errors ----

#[test]
fn expr_error_missing_value() {
    let errs = errors("company_size >=");
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].message,
        "expected a value after `>=`, found end of condition"
    );
    assert_eq!(errs[0].span, 15..15);
}

#[test]
fn expr_error_type_mismatches() {
    assert_eq!(
        error("company_size == \"big\""),
        "`company_size` is compared with text \"big\"; expected a number"
    );
    assert_eq!(
        error("company_size != true"),
        "`company_size` is compared with true; expected a number"
    );
    assert_eq!(
        error("consent == 'maybe'"),
        "`consent` is compared with text \"maybe\"; expected true or false"
    );
    assert_eq!(
        error("job_title > 5"),
        "`job_title` is text; `>` only works with numbers"
    );
    assert_eq!(
        error("job_title between 1 and 5"),
        "`job_title` is text; `between` only works with numbers"
    );
    assert_eq!(
        error("consent < 1"),
        "`consent` is true or false; `<` only works with numbers"
    );
    assert_eq!(
        error("company_size matches 'a'"),
        "`company_size` is a number; `matches` only works with text"
    );
    assert_eq!(
        error("consent contains 'a'"),
        "`consent` is true or false; `contains` only works with text"
    );
    assert_eq!(
        error("company_size in [1, 'x']"),
        "`company_size` is compared with text \"x\"; expected a number"
    );
    assert_eq!(
        error("x > 'big'"),
        "expected a number after `>`, found text \"big\""
    );
    assert_eq!(
        error("x starts_with 84"),
        "expected text in quotes after `starts_with`, found number 84"
    );
}

#[test]
fn expr_error_regex() {
    let errs = errors("x matches '(unclosed'");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.starts_with("invalid regular expression: "),
        "{}",
        errs[0].message
    );
    assert_eq!(errs[0].span, 10..21);
}

#[test]
fn expr_error_unknown_names_all_reported() {
    let errs = errors("titel == 'ceo' and company_size >= 50 or contry in ['VN']");
    let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(msgs, ["unknown name `titel`", "unknown name `contry`"]);
    assert_eq!(errs[0].span, 0..5);
    assert_eq!(errs[1].span, 41..47);
}

#[test]
fn expr_error_several_kinds_at_once() {
    let errs = errors("x >= and titel == 1 or company_size == 'big' or y matches '[' or (z ==");
    let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(msgs.len(), 6, "{msgs:?}");
    assert_eq!(msgs[0], "expected a value after `>=`, found `and`");
    assert_eq!(msgs[1], "unknown name `titel`");
    assert!(msgs[2].contains("expected a number"));
    assert!(msgs[3].starts_with("invalid regular expression"));
    assert_eq!(msgs[4], "missing `)` to close this `(`");
    assert_eq!(
        msgs[5],
        "expected a value after `==`, found end of condition"
    );
}

#[test]
fn expr_error_syntax_messages() {
    assert_eq!(
        error(""),
        "the condition is empty; write a test such as country == \"VN\""
    );
    assert_eq!(
        error("   "),
        "the condition is empty; write a test such as country == \"VN\""
    );
    assert_eq!(error("x = 1"), "use `==` to compare, not `=`");
    assert_eq!(error("x == 1 && y"), "use `and` instead of `&&`");
    assert_eq!(error("x == 1 || y"), "use `or` instead of `||`");
    assert_eq!(error("!x"), "use `not` instead of `!`");
    assert_eq!(error("x <> 1"), "use `!=` for \"not equal\", not `<>`");
    assert_eq!(
        error("x == 1 and"),
        "expected a condition after `and`, found end of condition"
    );
    assert_eq!(error("and x"), "expected a condition, found `and`");
    assert_eq!(error("(x == 1"), "missing `)` to close this `(`");
    assert_eq!(error("x == 1)"), "found `)` without a matching `(`");
    assert_eq!(error("x == 'abc"), "this text has no closing '");
    assert_eq!(
        error("`Lead Source == 1"),
        "this name has no closing backtick `"
    );
    assert_eq!(
        error("x is there"),
        "expected `present` or `missing` after `is`, found name `there`"
    );
    assert_eq!(
        error("x in 'VN'"),
        "expected a list in square brackets after `in`, like [\"VN\", \"SG\"], found text 'VN'"
    );
    assert_eq!(error("x in ['VN', 'SG'"), "missing `]` to close this `[`");
    assert_eq!(
        error("x in ['VN' 'SG']"),
        "expected `,` between list items, found text 'SG'"
    );
    assert_eq!(
        error("x in ['VN',, 'SG']"),
        "expected a value before `,` in the list"
    );
    assert_eq!(
        error("x in [1, 'a']"),
        "this list mixes numbers and text; use only one kind"
    );
    assert!(error("x in [VN]").contains("put text in quotes: \"VN\""));
    assert!(error("x == VN").contains("put it in quotes: \"VN\""));
    assert_eq!(
        error("x == null"),
        "`null` is not a value; to test for a missing value write `x is missing`"
    );
    assert_eq!(
        error("x != NULL"),
        "`NULL` is not a value; to test for a value write `x is present`"
    );
    assert_eq!(
        error("x between 50 and 10"),
        "the smaller number must come first: `between 10 and 50`"
    );
    assert_eq!(
        error("x between 1 or 2"),
        "expected `and` between the two numbers of `between`, found `or`"
    );
    assert_eq!(
        error("x not == 1"),
        "expected `in`, `contains`, `starts_with`, `ends_with`, `matches` or `between` after `not`, found `==`"
    );
    assert_eq!(
        error("x 'CEO'"),
        "expected an operator such as `==`, `in` or `contains` after `x`, found text 'CEO'"
    );
    assert_eq!(
        error("x == 1 y == 2"),
        "expected `and`, `or` or end of condition, found name `y`"
    );
    assert_eq!(
        error("50k < x"),
        "`50k` is not a number; write digits only, like 50000 or 2.5"
    );
    assert_eq!(error("x > 1e999"), "the number 1e999 is too large");
    assert!(error("'CEO' in title").contains("write `title contains 'CEO'`"));
    assert_eq!(
        error("1 == 2"),
        "`==` needs a name on one side, found number 1 and number 2"
    );
    assert_eq!(error("x == 1 @"), "unexpected character `@`");
    assert!(error("utm-source == 1").contains("backticks"));
    assert_eq!(
        error("x == [1]"),
        "expected a value after `==`, found a list; to test whether a value is in a list use `in`"
    );
    assert!(error("42").starts_with("expected a condition, found number 42 on its own"));
    assert!(error("x == “CEO”").contains("straight quotes"));
}

#[test]
fn expr_error_accented_names_need_backticks() {
    let errs = errors("Chức_vụ == 'CEO' and đơn_vị == 1");
    let msgs: Vec<_> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(
        msgs[0].starts_with("`Chức_vụ` is not a valid name"),
        "{}",
        msgs[0]
    );
    assert!(
        msgs[1].starts_with("`đơn_vị` is not a valid name"),
        "{}",
        msgs[1]
    );
}

#[test]
fn expr_error_spans_are_byte_ranges() {
    let src = "job_title == 'Giám đốc' and titel == 1";
    let errs = errors(src);
    assert_eq!(errs.len(), 1);
    assert_eq!(&src[errs[0].span.clone()], "titel");
    assert_eq!(errs[0].to_string(), "unknown name `titel` (at 32..37)");
}

#[test]
fn expr_error_deep_nesting_is_refused_not_overflowing() {
    let deep = format!("{}x{}", "(".repeat(200), ")".repeat(200));
    assert!(error(&deep).contains("nested too deeply"));
    let nots = format!("{}x", "not ".repeat(10_000));
    assert!(error(&nots).contains("nested too deeply"));
    let ok = format!("{}x{}", "(".repeat(40), ")".repeat(40));
    assert!(holds(&ok, &[("x", Value::Bool(true))]));
}

#[test]
fn expr_long_flat_conditions_are_fine() {
    let long = vec!["x == 1"; 5000].join(" or ");
    assert!(holds(&long, &[("x", n(1.0))]));
}

// ---- properties ----

/// Fragments that make up random (mostly broken) conditions.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "x",
            "y",
            "z",
            "company_size",
            "job_title",
            "consent",
            "nope",
            "`Lead Source`",
            "email.domain",
            "and",
            "or",
            "not",
            "in",
            "contains",
            "starts_with",
            "ends_with",
            "matches",
            "between",
            "is",
            "present",
            "missing",
            "true",
            "false",
            "==",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "=",
            "!",
            "(",
            ")",
            "[",
            "]",
            ",",
            "'",
            "\"",
            "`",
            ".",
            "-",
            "&&",
            "1",
            "-2.5",
            "1e3",
            "'a'",
            "\"Giám\"",
            "'('",
            "'\\\\d+'",
            "'yes'",
            "'50'",
            "“x”",
            "đ",
            "50k",
            "1e999",
            "\\",
        ])
        .prop_map(str::to_owned),
        "[ -~]{0,4}",
        any::<char>().prop_map(String::from),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![0.0, 1.0, -2.5, 50.0, 1e300, f64::NAN, -0.0])
            .prop_map(Value::Num),
        prop::sample::select(vec![
            "",
            "a",
            "A",
            "yes",
            "50",
            "Giám Đốc",
            "x\u{212A}",
            "ß",
            "İ"
        ])
        .prop_map(Value::from),
        "\\PC{0,6}".prop_map(|s: String| Value::from(s.as_str())),
    ]
}

/// A present value.
fn present_value() -> impl Strategy<Value = Value> {
    value().prop_filter("present", Value::is_present)
}

/// Valid conditions over `x`, `y` and `z` (all `Ty::Any`).
fn valid_condition() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec!["x", "y", "z"]);
    let num = prop::sample::select(vec!["0", "1", "-2.5", "50", "1e3"]);
    let text = prop::sample::select(vec![
        "'a'",
        "'A'",
        "'yes'",
        "'50'",
        "'giám đốc'",
        "''",
        "'ß'",
    ]);
    let lit = prop_oneof![num.clone(), text.clone(), Just("true"), Just("false")];
    let cmp = prop::sample::select(vec!["==", "!=", "<", "<=", ">", ">="]);
    let text_op = prop::sample::select(vec!["contains", "starts_with", "ends_with", "matches"]);
    let neg = prop::sample::select(vec!["", "not "]);
    let leaf = prop_oneof![
        name.clone().prop_map(str::to_owned),
        (name.clone(), cmp.clone(), num.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
        (name.clone(), prop::sample::select(vec!["==", "!="]), lit)
            .prop_map(|(a, o, b)| format!("{a} {o} {b}")),
        (
            name.clone(),
            neg.clone(),
            prop::collection::vec(text.clone(), 0..12)
        )
            .prop_map(|(a, ng, xs)| format!("{a} {ng}in [{}]", xs.join(", "))),
        (
            name.clone(),
            neg.clone(),
            prop::collection::vec(num.clone(), 0..12)
        )
            .prop_map(|(a, ng, xs)| format!("{a} {ng}in [{}]", xs.join(", "))),
        (name.clone(), neg.clone(), text_op, text)
            .prop_map(|(a, ng, o, t)| format!("{a} {ng}{o} {t}")),
        (name.clone(), neg, 0..3i32, 3..6i32)
            .prop_map(|(a, ng, lo, hi)| format!("{a} {ng}between {lo} and {hi}")),
        (
            name,
            prop::sample::select(vec!["present", "missing", "not present", "not missing"])
        )
            .prop_map(|(a, p)| format!("{a} is {p}")),
    ];
    leaf.prop_recursive(4, 24, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("not {c}")),
            inner.clone().prop_map(|c| format!("({c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} and {b}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} or {b}")),
        ]
    })
}

proptest! {
    #[test]
    fn expr_random_text_never_panics(
        parts in prop::collection::vec(fragment(), 0..16),
        sep in prop::sample::select(vec!["", " "]),
        values in prop::collection::vec(value(), NAMES.len()),
    ) {
        let src = parts.join(sep);
        match compile(&src, &TestScope) {
            Ok(c) => {
                c.eval(&values);
                prop_assert!(c.slots().len() <= NAMES.len());
            }
            Err(errs) => {
                prop_assert!(!errs.is_empty());
                for e in &errs {
                    prop_assert!(e.span.start <= e.span.end && e.span.end <= src.len(), "{e:?} in {src:?}");
                    prop_assert!(src.is_char_boundary(e.span.start) && src.is_char_boundary(e.span.end));
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }

    #[test]
    fn expr_not_negates_on_present_values(
        a in valid_condition(),
        b in valid_condition(),
        values in prop::collection::vec(present_value(), 3),
    ) {
        let ca = compile(&a, &TestScope).map_err(|e| TestCaseError::fail(format!("{a}: {e:?}")))?;
        let cb = compile(&b, &TestScope).map_err(|e| TestCaseError::fail(format!("{b}: {e:?}")))?;
        let (va, vb) = (ca.eval(&values), cb.eval(&values));
        prop_assert_eq!(cond(&format!("not ({a})")).eval(&values), !va);
        prop_assert_eq!(cond(&format!("({a}) and ({b})")).eval(&values), va && vb);
        prop_assert_eq!(cond(&format!("({a}) or ({b})")).eval(&values), va || vb);
    }
}

/// Short texts mixing case, accents and characters whose lower case is unusual.
fn ci_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "a", "A", "b", "B", "é", "É", "đ", "Đ", "ß", "k", "K", "\u{212A}", "Σ", "σ", "ς", " ", "1",
        "i", "İ",
    ]);
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

fn lowered(s: &str) -> String {
    super::eval::lower_chars(s).collect()
}

proptest! {
    /// The byte-wise fast paths agree with lower-casing both sides.
    #[test]
    fn expr_text_tests_agree_with_lowercasing(v in ci_text(), needle in ci_text()) {
        let (lv, ln) = (lowered(&v), lowered(&needle));
        let values = env(&[("x", s(&v))]);
        prop_assert_eq!(cond(&format!("x == '{needle}'")).eval(&values), lv == ln);
        prop_assert_eq!(cond(&format!("x starts_with '{needle}'")).eval(&values), lv.starts_with(&ln));
        prop_assert_eq!(cond(&format!("x ends_with '{needle}'")).eval(&values), lv.ends_with(&ln));
        // `İ` lower-cases to two characters, and a match starting inside them is not
        // looked for.
        if !ln.contains('\u{307}') {
            prop_assert_eq!(cond(&format!("x contains '{needle}'")).eval(&values), lv.contains(&ln));
        }
    }

    /// `in` means "equal to one of the items", however the list is searched.
    #[test]
    fn expr_in_is_any_equal(
        text in ci_text(),
        other in present_value(),
        use_text in any::<bool>(),
        items in prop::collection::vec(ci_text(), 0..14),
        nums in prop::collection::vec(prop::sample::select(vec!["0", "-0", "1", "2.5", "50", "1e3", "-7"]), 0..14),
    ) {
        let value = if use_text { s(&text) } else { other };
        let values = env(&[("x", value.clone())]);
        let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
        for list in [quoted, nums.iter().map(|n| n.to_string()).collect()] {
            let any_equal = list.iter().any(|i| cond(&format!("x == {i}")).eval(&values));
            let in_list = cond(&format!("x in [{}]", list.join(", "))).eval(&values);
            prop_assert_eq!(in_list, any_equal, "{:?} in {:?}", value, list);
            let not_in = cond(&format!("x not in [{}]", list.join(", "))).eval(&values);
            prop_assert!(!(in_list && not_in));
        }
    }
}
