//! Lowering: resolves names, checks operand types and turns the syntax tree into the
//! [`Node`] tree that is evaluated, with literals prepared for fast comparison.

use super::eval::{Node, TextList, lowercase};
use super::head::Literal;
use super::lexer::CmpOp;
use super::parser::{Expr, Lit, Operand, OperandKind, Span, TextOp};
use super::{ExprError, Scope, Slot, Ty};
use crate::value::Value;

/// Lowers `expr`, adding any mistakes to `errs`; the result is meaningless if any were added.
pub(crate) fn lower(expr: &Expr, scope: &dyn Scope, errs: &mut Vec<ExprError>) -> Node {
    Lowerer { scope, errs }.expr(expr)
}

struct Lowerer<'a> {
    scope: &'a dyn Scope,
    errs: &'a mut Vec<ExprError>,
}

/// A resolved name on the left of a test.
struct Subject<'s> {
    slot: Slot,
    ty: Ty,
    name: &'s str,
}

/// The number a text literal stands for, read the way [`Value::as_num`] reads text values.
fn text_num(s: &str) -> Option<f64> {
    Value::from(s).as_num()
}

/// Whether a text literal means true or false, read the way values are.
fn text_bool(s: &str) -> Option<bool> {
    Value::from(s).as_bool()
}

/// A literal in words, for messages.
fn describe(lit: &Lit) -> String {
    match lit {
        Lit::Num(n) => format!("number {n}"),
        Lit::Str(s) => format!("text {s:?}"),
        Lit::Bool(b) => format!("{b}"),
    }
}

fn ty_words(ty: Ty) -> &'static str {
    match ty {
        Ty::Any => "a value",
        Ty::Bool => "true or false",
        Ty::Num => "a number",
        Ty::Str => "text",
    }
}

/// An `and` (`all`) or `or` (`!all`) of lowered parts, simplified: nested parts of the same
/// kind are flattened, constants folded, and cheap tests moved first.
fn junction(all: bool, parts: Vec<Node>) -> Node {
    let mut flat = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Node::And(xs) if all => flat.extend(xs.into_vec()),
            Node::Or(xs) if !all => flat.extend(xs.into_vec()),
            // The neutral element (true for `and`) drops out; the absorbing one decides.
            Node::Const(b) if b == all => {}
            Node::Const(b) => return Node::Const(b),
            other => flat.push(other),
        }
    }
    // Stable, so equal-cost tests keep the order they were written in.
    flat.sort_by_key(Node::cost);
    match flat.len() {
        0 => Node::Const(all),
        1 => flat.pop().unwrap_or(Node::Const(all)),
        _ if all => Node::And(flat.into_boxed_slice()),
        _ => Node::Or(flat.into_boxed_slice()),
    }
}

fn sorted_nums(mut nums: Vec<f64>) -> Box<[f64]> {
    // -0.0 == 0.0, but they would sort apart.
    for n in &mut nums {
        *n += 0.0;
    }
    nums.sort_by(f64::total_cmp);
    nums.dedup();
    nums.into_boxed_slice()
}

impl Lowerer<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errs.push(ExprError::new(span, message));
    }

    fn expr(&mut self, e: &Expr) -> Node {
        match e {
            Expr::Or(xs) => {
                let parts = xs.iter().map(|x| self.expr(x)).collect();
                junction(false, parts)
            }
            Expr::And(xs) => {
                let parts = xs.iter().map(|x| self.expr(x)).collect();
                junction(true, parts)
            }
            Expr::Not(x) => match self.expr(x) {
                Node::Const(b) => Node::Const(!b),
                Node::Not(inner) => *inner,
                n => Node::Not(Box::new(n)),
            },
            Expr::Bare(operand) => self.bare(operand),
            Expr::Cmp {
                lhs,
                op,
                op_span,
                rhs,
            } => self.cmp(lhs, *op, op_span, rhs),
            Expr::In {
                lhs,
                items,
                negated,
                op_span,
            } => self.in_list(lhs, items, *negated, op_span),
            Expr::Text {
                lhs,
                op,
                op_span,
                rhs,
                negated,
            } => self.text(lhs, *op, op_span, rhs, *negated),
            Expr::Between {
                lhs,
                lo,
                hi,
                negated,
                span,
            } => self.between(lhs, lo, hi, *negated, span),
            Expr::Is { lhs, present } => match self.subject(lhs, "is") {
                Some(s) if *present => Node::Present(s.slot),
                Some(s) => Node::Missing(s.slot),
                None => Node::Const(false),
            },
            Expr::Error => Node::Const(false),
        }
    }

    fn resolve(&mut self, name: &str, span: &Span) -> Option<(Slot, Ty)> {
        match self.scope.resolve(name) {
            Ok(found) => Some(found),
            Err(message) => {
                self.error(span.clone(), message);
                None
            }
        }
    }

    /// The name a test is applied to; `None` (reported unless already reported) otherwise.
    fn subject<'o>(&mut self, lhs: &'o Operand, op: &str) -> Option<Subject<'o>> {
        match &lhs.kind {
            OperandKind::Name(name) => {
                let (slot, ty) = self.resolve(name, &lhs.span)?;
                Some(Subject { slot, ty, name })
            }
            OperandKind::Lit(lit) => {
                let message = format!("expected a name before `{op}`, found {}", describe(lit));
                self.error(lhs.span.clone(), message);
                None
            }
            OperandKind::Bad => None,
        }
    }

    fn bare(&mut self, operand: &Operand) -> Node {
        match &operand.kind {
            // Even names known to hold text are accepted: text columns often hold
            // "yes"/"no" flags.
            OperandKind::Name(name) => match self.resolve(name, &operand.span) {
                Some((slot, _)) => Node::Truthy(slot),
                None => Node::Const(false),
            },
            OperandKind::Lit(Lit::Bool(b)) => Node::Const(*b),
            OperandKind::Lit(lit) => {
                self.error(
                    operand.span.clone(),
                    format!(
                        "expected a condition, found {} on its own; compare a name with it, \
                         like `company_size >= 50`",
                        describe(lit)
                    ),
                );
                Node::Const(false)
            }
            OperandKind::Bad => Node::Const(false),
        }
    }

    /// The number on the right of `<`, `between` and the like; `None` (reported) otherwise.
    fn number(&mut self, operand: &Operand, after: &str) -> Option<f64> {
        let found = match &operand.kind {
            OperandKind::Lit(Lit::Num(n)) => return Some(*n),
            OperandKind::Lit(Lit::Str(s)) if text_num(s).is_some() => return text_num(s),
            OperandKind::Bad => return None,
            OperandKind::Lit(lit) => describe(lit),
            OperandKind::Name(name) => format!("name `{name}`"),
        };
        self.error(
            operand.span.clone(),
            format!("expected a number after `{after}`, found {found}"),
        );
        None
    }

    /// Refuses ordering tests (`<`, `between`) on names known to hold text or true/false.
    fn check_orderable(&mut self, subject: &Subject, span: &Span, op: &str) -> bool {
        match subject.ty {
            Ty::Str | Ty::Bool => {
                let message = format!(
                    "`{}` is {}; `{op}` only works with numbers",
                    subject.name,
                    ty_words(subject.ty)
                );
                self.error(span.clone(), message);
                false
            }
            Ty::Any | Ty::Num => true,
        }
    }

    /// Reports a name where a value was expected; the likely mistake is missing quotes.
    fn name_as_value(&mut self, lhs: &Operand, name: &str, span: &Span, op: &str) {
        let subject = match &lhs.kind {
            OperandKind::Name(n) => n.as_str(),
            _ => "x",
        };
        let message = if ["null", "none", "nil", "empty"]
            .iter()
            .any(|k| k.eq_ignore_ascii_case(name))
        {
            let (what, test) = if op == "!=" {
                ("a value", "present")
            } else {
                ("a missing value", "missing")
            };
            format!("`{name}` is not a value; to test for {what} write `{subject} is {test}`")
        } else {
            format!(
                "expected a value after `{op}`, found name `{name}`; to compare with the text \
                 {name} put it in quotes: \"{name}\" (comparing two names is not supported)"
            )
        };
        self.error(span.clone(), message);
    }

    fn cmp(&mut self, lhs: &Operand, op: CmpOp, op_span: &Span, rhs: &Operand) -> Node {
        // `50 <= company_size` is `company_size >= 50`.
        let (lhs, op, rhs) = match (&lhs.kind, &rhs.kind) {
            (OperandKind::Lit(_) | OperandKind::Bad, OperandKind::Name(_)) => {
                (rhs, op.flipped(), lhs)
            }
            _ => (lhs, op, rhs),
        };
        let lit = match &rhs.kind {
            OperandKind::Lit(lit) => lit,
            OperandKind::Name(name) => {
                if let OperandKind::Name(left) = &lhs.kind {
                    self.resolve(left, &lhs.span);
                }
                self.name_as_value(lhs, name, &rhs.span, op.as_str());
                return Node::Const(false);
            }
            OperandKind::Bad => {
                if let OperandKind::Name(left) = &lhs.kind {
                    self.resolve(left, &lhs.span);
                }
                return Node::Const(false);
            }
        };
        if let OperandKind::Lit(left) = &lhs.kind {
            let message = format!(
                "`{}` needs a name on one side, found {} and {}",
                op.as_str(),
                describe(left),
                describe(lit)
            );
            self.error(lhs.span.start..rhs.span.end, message);
            return Node::Const(false);
        }
        let Some(subject) = self.subject(lhs, op.as_str()) else {
            return Node::Const(false);
        };
        let slot = subject.slot;
        match op {
            CmpOp::Eq | CmpOp::Ne => self.equality(&subject, op == CmpOp::Ne, lit, &rhs.span),
            CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge => {
                if !self.check_orderable(&subject, op_span, op.as_str()) {
                    return Node::Const(false);
                }
                let Some(n) = self.number(rhs, op.as_str()) else {
                    return Node::Const(false);
                };
                match op {
                    CmpOp::Lt => Node::NumLt(slot, n),
                    CmpOp::Le => Node::NumLe(slot, n),
                    CmpOp::Gt => Node::NumGt(slot, n),
                    _ => Node::NumGe(slot, n),
                }
            }
        }
    }

    fn type_mismatch(&mut self, subject: &Subject, lit: &Lit, span: &Span) -> Node {
        let message = format!(
            "`{}` is compared with {}; expected {}",
            subject.name,
            describe(lit),
            ty_words(subject.ty)
        );
        self.error(span.clone(), message);
        Node::Const(false)
    }

    fn equality(&mut self, subject: &Subject, ne: bool, lit: &Lit, span: &Span) -> Node {
        let slot = subject.slot;
        let num_node = |n: f64| {
            if ne {
                Node::NumNe(slot, n)
            } else {
                Node::NumEq(slot, n)
            }
        };
        match (lit, subject.ty) {
            (Lit::Num(_), Ty::Bool) | (Lit::Bool(_), Ty::Num) => {
                self.type_mismatch(subject, lit, span)
            }
            (Lit::Num(n), _) => num_node(*n),
            (Lit::Bool(b), _) => Node::BoolIs(slot, *b != ne),
            (Lit::Str(s), Ty::Num) => match text_num(s) {
                Some(n) => num_node(n),
                None => self.type_mismatch(subject, lit, span),
            },
            (Lit::Str(s), Ty::Bool) => match text_bool(s) {
                Some(b) => Node::BoolIs(slot, b != ne),
                None => self.type_mismatch(subject, lit, span),
            },
            (Lit::Str(s), Ty::Any | Ty::Str) => Node::TextEq {
                slot,
                negated: ne,
                boolean: text_bool(s),
                num: text_num(s).unwrap_or(f64::NAN),
                lower: Box::new(Literal::new(lowercase(s))),
            },
        }
    }

    fn in_list(&mut self, lhs: &Operand, items: &[Operand], negated: bool, op_span: &Span) -> Node {
        let op = if negated { "not in" } else { "in" };
        let subject = self.subject(lhs, op);
        let mut nums = Vec::new();
        let mut texts: Vec<(&str, &Span)> = Vec::new();
        let mut ok = true;
        for item in items {
            match &item.kind {
                OperandKind::Lit(Lit::Num(n)) => nums.push(*n),
                OperandKind::Lit(Lit::Str(s)) => texts.push((s, &item.span)),
                OperandKind::Lit(Lit::Bool(b)) => {
                    let message = format!(
                        "expected a number or text in the list, found {b}; to test for true or \
                         false use `==`"
                    );
                    self.error(item.span.clone(), message);
                    ok = false;
                }
                OperandKind::Name(_) | OperandKind::Bad => ok = false,
            }
        }
        let Some(subject) = subject else {
            return Node::Const(false);
        };
        if subject.ty == Ty::Bool {
            let message = format!(
                "`{}` is true or false; `{op}` works with numbers and text, use `==` instead",
                subject.name
            );
            self.error(op_span.clone(), message);
            return Node::Const(false);
        }
        if !nums.is_empty() && !texts.is_empty() && subject.ty != Ty::Num {
            // Mixed lists would compare numeric text differently depending on the item;
            // asking for one kind keeps the meaning obvious.
            let span = items.first().map_or(op_span.clone(), |first| {
                first.span.start..items.last().map_or(first.span.end, |l| l.span.end)
            });
            self.error(span, "this list mixes numbers and text; use only one kind");
            return Node::Const(false);
        }
        if subject.ty == Ty::Num {
            for (text, span) in &texts {
                match text_num(text) {
                    Some(n) => nums.push(n),
                    None => {
                        let lit = Lit::Str((*text).to_owned());
                        self.type_mismatch(&subject, &lit, span);
                        ok = false;
                    }
                }
            }
            texts.clear();
        }
        if !ok {
            return Node::Const(false);
        }
        let slot = subject.slot;
        if texts.is_empty() && !nums.is_empty() {
            return Node::NumIn {
                slot,
                negated,
                list: sorted_nums(nums),
            };
        }
        let mut bools = [false; 2];
        for b in texts.iter().filter_map(|(t, _)| text_bool(t)) {
            bools[usize::from(b)] = true;
        }
        let list = TextList::new(
            texts.iter().map(|(t, _)| lowercase(t)).collect(),
            sorted_nums(texts.iter().filter_map(|(t, _)| text_num(t)).collect()),
            bools,
        );
        Node::TextIn {
            slot,
            negated,
            list: Box::new(list),
        }
    }

    fn text(
        &mut self,
        lhs: &Operand,
        op: TextOp,
        op_span: &Span,
        rhs: &Operand,
        negated: bool,
    ) -> Node {
        let subject = self.subject(lhs, op.as_str());
        let pattern = match &rhs.kind {
            OperandKind::Lit(Lit::Str(s)) => Some(s),
            OperandKind::Bad => None,
            OperandKind::Lit(lit) => {
                let message = format!(
                    "expected text in quotes after `{}`, found {}",
                    op.as_str(),
                    describe(lit)
                );
                self.error(rhs.span.clone(), message);
                None
            }
            OperandKind::Name(name) => {
                self.name_as_value(lhs, name, &rhs.span, op.as_str());
                None
            }
        };
        // The regex is checked even when the name is unknown, to report both at once.
        let re = match (op, pattern) {
            (TextOp::Matches, Some(p)) => match regex::Regex::new(p) {
                Ok(re) => Some(re),
                Err(e) => {
                    self.error(rhs.span.clone(), format!("invalid regular expression: {e}"));
                    return Node::Const(false);
                }
            },
            _ => None,
        };
        let (Some(subject), Some(pattern)) = (subject, pattern) else {
            return Node::Const(false);
        };
        if matches!(subject.ty, Ty::Num | Ty::Bool) {
            let message = format!(
                "`{}` is {}; `{}` only works with text",
                subject.name,
                ty_words(subject.ty),
                op.as_str()
            );
            self.error(op_span.clone(), message);
            return Node::Const(false);
        }
        let slot = subject.slot;
        match (op, re) {
            (TextOp::Matches, Some(re)) => Node::Matches {
                slot,
                negated,
                re: Box::new(re),
            },
            (TextOp::Contains, _) => Node::Contains {
                slot,
                negated,
                lower: lowercase(pattern),
            },
            (TextOp::StartsWith, _) => Node::StartsWith {
                slot,
                negated,
                lower: Box::new(Literal::new(lowercase(pattern))),
            },
            (TextOp::EndsWith, _) => Node::EndsWith {
                slot,
                negated,
                lower: lowercase(pattern),
            },
            (TextOp::Matches, None) => Node::Const(false),
        }
    }

    fn between(
        &mut self,
        lhs: &Operand,
        lo: &Operand,
        hi: &Operand,
        negated: bool,
        span: &Span,
    ) -> Node {
        let subject = self.subject(lhs, "between");
        let lo_n = self.number(lo, "between");
        let hi_n = self.number(hi, "and");
        let Some(subject) = subject else {
            return Node::Const(false);
        };
        if !self.check_orderable(&subject, span, "between") {
            return Node::Const(false);
        }
        let (Some(lo), Some(hi)) = (lo_n, hi_n) else {
            return Node::Const(false);
        };
        if lo > hi {
            self.error(
                span.clone(),
                format!("the smaller number must come first: `between {hi} and {lo}`"),
            );
            return Node::Const(false);
        }
        Node::Between {
            slot: subject.slot,
            negated,
            lo,
            hi,
        }
    }
}
