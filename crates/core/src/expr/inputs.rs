//! What a condition asks of each value it reads, so that a form can ask a
//! person for those values (the dashboard's BANT questions come from the
//! active model's `[bant]` conditions this way).

use super::eval::Node;
use super::{Condition, Slot};

/// How a value a condition reads is best asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A number (the condition compares it with numbers).
    Number,
    /// Yes or no (the condition tests it as true/false).
    YesNo,
    /// Text, with the values the condition names (lower-cased, sorted): a
    /// form suggests them and still accepts others.
    Choice(Vec<String>),
    /// Any text (presence or a text test).
    Text,
}

impl Condition {
    /// Each slot the condition reads, in the order it evaluates them (cheap
    /// tests first), with how to ask for its value.
    pub fn inputs(&self) -> Vec<(Slot, Input)> {
        let mut out = Vec::new();
        collect(&self.root, &mut out);
        out
    }
}

fn collect(node: &Node, out: &mut Vec<(Slot, Input)>) {
    let (slot, input) = match node {
        Node::Const(_) => return,
        Node::Not(inner) => return collect(inner, out),
        Node::And(xs) | Node::Or(xs) => return xs.iter().for_each(|x| collect(x, out)),
        Node::NumEq(s, _)
        | Node::NumNe(s, _)
        | Node::NumLt(s, _)
        | Node::NumLe(s, _)
        | Node::NumGt(s, _)
        | Node::NumGe(s, _)
        | Node::Between { slot: s, .. }
        | Node::NumIn { slot: s, .. } => (*s, Input::Number),
        Node::Truthy(s) | Node::BoolIs(s, _) => (*s, Input::YesNo),
        Node::TextIn { slot, list, .. } => (*slot, Input::Choice(list.texts().collect())),
        Node::TextEq { slot, lower, .. } => (*slot, Input::Choice(vec![lower.to_string()])),
        Node::Present(s)
        | Node::Missing(s)
        | Node::Contains { slot: s, .. }
        | Node::StartsWith { slot: s, .. }
        | Node::EndsWith { slot: s, .. }
        | Node::Matches { slot: s, .. } => (*s, Input::Text),
    };
    match out.iter_mut().find(|(s, _)| *s == slot) {
        // Two lists of values for one name offer both.
        Some((_, Input::Choice(known))) => {
            if let Input::Choice(more) = input {
                known.extend(more);
                known.sort_unstable();
                known.dedup();
            }
        }
        // A number or yes/no question says more than plain text.
        Some((_, seen @ Input::Text)) => *seen = input,
        Some(_) => {}
        None => out.push((slot, input)),
    }
}

#[cfg(test)]
mod tests {
    use super::Input;
    use crate::expr::{Scope, Slot, Ty, compile};

    /// Names `a`, `b`, `c` in slots 0, 1, 2.
    struct Abc;

    impl Scope for Abc {
        fn resolve(&self, name: &str) -> Result<(Slot, Ty), String> {
            ["a", "b", "c"]
                .iter()
                .position(|n| *n == name)
                .map(|i| (Slot(i as u32), Ty::Any))
                .ok_or_else(|| format!("unknown name `{name}`"))
        }
    }

    #[test]
    fn each_name_is_asked_for_as_its_tests_read_it() {
        let c = compile(
            r#"a >= 5000 or (b in ["VP", "c-level"] and not c) or b == "Director" or a is present"#,
            &Abc,
        )
        .unwrap();
        assert_eq!(
            c.inputs(),
            vec![
                (Slot(0), Input::Number),
                (
                    Slot(1),
                    Input::Choice(vec!["c-level".into(), "director".into(), "vp".into()])
                ),
                (Slot(2), Input::YesNo),
            ]
        );
        assert_eq!(
            compile("c is present", &Abc).unwrap().inputs(),
            vec![(Slot(2), Input::Text)]
        );
    }
}
