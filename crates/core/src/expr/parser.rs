//! Parser: turns tokens into a syntax tree with byte spans, recovering after mistakes so
//! that one round reports as many of them as possible.
//!
//! Grammar (keywords in any case):
//!
//! ```text
//! condition := or
//! or        := and ("or" and)*
//! and       := unary ("and" unary)*
//! unary     := "not" unary | "(" or ")" | operand tail?
//! tail      := cmp operand
//!            | "not"? ("in" list | textop operand | "between" operand "and" operand)
//!            | "is" "not"? ("present" | "missing")
//! operand   := name | number | text | "true" | "false"
//! list      := "[" (value ("," value)* ","?)? "]"
//! ```
//!
//! Which operands make sense where (a name on one side, a value on the other, ...) is
//! checked when lowering, where the names' types are known.

use super::ExprError;
use super::lexer::{CmpOp, Tok, Token};
use std::ops::Range;

pub(crate) type Span = Range<usize>;

/// Deeper nesting is refused: parsing, lowering and evaluation recurse once per level,
/// and no real condition comes close.
pub(crate) const MAX_DEPTH: u32 = 64;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lit {
    Num(f64),
    Str(String),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum OperandKind {
    Name(String),
    Lit(Lit),
    /// A word the lexer already reported; anything built on it is dropped silently.
    Bad,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Operand {
    pub kind: OperandKind,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
    Matches,
}

impl TextOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            TextOp::Contains => "contains",
            TextOp::StartsWith => "starts_with",
            TextOp::EndsWith => "ends_with",
            TextOp::Matches => "matches",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    /// An operand on its own: a name tested for truth, or `true`/`false`.
    Bare(Operand),
    Cmp {
        lhs: Operand,
        op: CmpOp,
        op_span: Span,
        rhs: Operand,
    },
    In {
        lhs: Operand,
        /// Literal or [`OperandKind::Bad`] items.
        items: Vec<Operand>,
        negated: bool,
        op_span: Span,
    },
    Text {
        lhs: Operand,
        op: TextOp,
        op_span: Span,
        rhs: Operand,
        negated: bool,
    },
    Between {
        lhs: Operand,
        lo: Operand,
        hi: Operand,
        negated: bool,
        /// From `between` to the upper bound.
        span: Span,
    },
    Is {
        lhs: Operand,
        present: bool,
    },
    /// A part that could not be parsed; already reported.
    Error,
}

/// Parses the tokens of `src` (as produced by the lexer, ending with `Eof`).
pub(crate) fn parse(src: &str, toks: &[Token]) -> (Expr, Vec<ExprError>) {
    let mut p = Parser {
        src,
        toks,
        pos: 0,
        errs: Vec::new(),
        gave_up: false,
    };
    let expr = p.condition();
    (expr, p.errs)
}

struct Parser<'a> {
    src: &'a str,
    toks: &'a [Token],
    pos: usize,
    errs: Vec<ExprError>,
    /// Set after refusing deep nesting: the rest is skipped, and the unclosed `(`s it
    /// leaves behind are not worth reporting.
    gave_up: bool,
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn peek2(&self) -> &Tok {
        self.toks.get(self.pos + 1).map_or(&Tok::Eof, |t| &t.tok)
    }

    fn span(&self) -> Span {
        self.toks
            .get(self.pos)
            .map_or(self.src.len()..self.src.len(), |t| t.span.clone())
    }

    /// Moves past the current token (never past the end) and returns its span.
    fn bump(&mut self) -> Span {
        let span = self.span();
        if !matches!(self.peek(), Tok::Eof) {
            self.pos += 1;
        }
        span
    }

    fn text(&self, span: &Span) -> &str {
        self.src.get(span.clone()).unwrap_or("")
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        if !self.gave_up {
            self.errs.push(ExprError::new(span, message));
        }
    }

    /// The current token in words, for "found ..." in messages.
    fn found(&self) -> String {
        let Some(t) = self.toks.get(self.pos) else {
            return "end of condition".into();
        };
        let text = self.text(&t.span);
        match &t.tok {
            Tok::Eof => "end of condition".into(),
            Tok::Num(_) => format!("number {text}"),
            Tok::Str(_) => format!("text {text}"),
            Tok::Name(n) => format!("name `{n}`"),
            _ => format!("`{text}`"),
        }
    }

    /// " after `x`" for the token before the current one, if any.
    fn after_previous(&self) -> String {
        match self.pos.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) => format!(" after `{}`", self.text(&t.span)),
            None => String::new(),
        }
    }

    /// Skips the rest of a broken part: up to the next `and`, `or` or unmatched `)`.
    fn skip_to_sync(&mut self) {
        let mut depth = 0u32;
        loop {
            match self.peek() {
                Tok::Eof => return,
                Tok::And | Tok::Or if depth == 0 => return,
                Tok::RParen if depth == 0 => return,
                Tok::RParen => depth -= 1,
                Tok::LParen => depth += 1,
                _ => {}
            }
            self.bump();
        }
    }

    fn condition(&mut self) -> Expr {
        if matches!(self.peek(), Tok::Eof) {
            let end = self.src.len();
            self.error(
                0..end,
                "the condition is empty; write a test such as country == \"VN\"",
            );
            return Expr::Error;
        }
        let mut parts = vec![self.or(0)];
        // Leftovers after a complete condition: report, skip to the next `and`/`or` and
        // parse on, so that mistakes further right are found too.
        while !matches!(self.peek(), Tok::Eof) {
            let span = self.span();
            if matches!(self.peek(), Tok::RParen) {
                self.error(span, "found `)` without a matching `(`");
                self.bump();
            } else {
                let found = self.found();
                self.error(
                    span,
                    format!("expected `and`, `or` or end of condition, found {found}"),
                );
                self.bump();
                self.skip_to_sync();
            }
            if matches!(self.peek(), Tok::And | Tok::Or) {
                self.bump();
                parts.push(self.or(0));
            }
        }
        if parts.len() == 1 {
            parts.pop().unwrap_or(Expr::Error)
        } else {
            Expr::Or(parts)
        }
    }

    fn or(&mut self, depth: u32) -> Expr {
        let mut xs = vec![self.and(depth)];
        while matches!(self.peek(), Tok::Or) {
            self.bump();
            xs.push(self.and(depth));
        }
        if xs.len() == 1 {
            xs.pop().unwrap_or(Expr::Error)
        } else {
            Expr::Or(xs)
        }
    }

    fn and(&mut self, depth: u32) -> Expr {
        let mut xs = vec![self.unary(depth)];
        while matches!(self.peek(), Tok::And) {
            self.bump();
            xs.push(self.unary(depth));
        }
        if xs.len() == 1 {
            xs.pop().unwrap_or(Expr::Error)
        } else {
            Expr::And(xs)
        }
    }

    fn unary(&mut self, depth: u32) -> Expr {
        if depth > MAX_DEPTH {
            let span = self.span();
            self.error(
                span,
                format!("this condition is nested too deeply (more than {MAX_DEPTH} levels)"),
            );
            self.pos = self.toks.len().saturating_sub(1);
            self.gave_up = true;
            return Expr::Error;
        }
        match self.peek() {
            Tok::Not => {
                self.bump();
                Expr::Not(Box::new(self.unary(depth + 1)))
            }
            Tok::LParen => self.parenthesised(depth),
            Tok::Name(_) | Tok::Num(_) | Tok::Str(_) | Tok::True | Tok::False | Tok::Bad => {
                let lhs = self.operand();
                self.tail(lhs)
            }
            _ => {
                let (span, found, after) = (self.span(), self.found(), self.after_previous());
                self.error(span, format!("expected a condition{after}, found {found}"));
                self.skip_to_sync();
                Expr::Error
            }
        }
    }

    fn parenthesised(&mut self, depth: u32) -> Expr {
        let open = self.bump();
        let inner = self.or(depth + 1);
        match self.peek() {
            Tok::RParen => {
                self.bump();
            }
            Tok::Eof => self.error(open, "missing `)` to close this `(`"),
            _ => {
                let (span, found) = (self.span(), self.found());
                self.error(span, format!("expected `and`, `or` or `)`, found {found}"));
                self.skip_to_sync();
                if matches!(self.peek(), Tok::RParen) {
                    self.bump();
                }
            }
        }
        inner
    }

    /// The current token as an operand; only called on a name, literal or `Bad` token.
    fn operand(&mut self) -> Operand {
        let kind = match self.peek() {
            Tok::Name(n) => OperandKind::Name(n.clone()),
            Tok::Num(n) => OperandKind::Lit(Lit::Num(*n)),
            Tok::Str(s) => OperandKind::Lit(Lit::Str(s.clone())),
            Tok::True => OperandKind::Lit(Lit::Bool(true)),
            Tok::False => OperandKind::Lit(Lit::Bool(false)),
            _ => OperandKind::Bad,
        };
        Operand {
            kind,
            span: self.bump(),
        }
    }

    /// The operand after an operator such as `>=`; `None` (reported) when there is none.
    fn value_after(&mut self, what: &str) -> Option<Operand> {
        match self.peek() {
            Tok::Name(_) | Tok::Num(_) | Tok::Str(_) | Tok::True | Tok::False | Tok::Bad => {
                Some(self.operand())
            }
            Tok::LBracket => {
                let span = self.span();
                self.error(
                    span,
                    format!("expected a value after `{what}`, found a list; to test whether a value is in a list use `in`"),
                );
                self.skip_to_sync();
                None
            }
            _ => {
                let (span, found) = (self.span(), self.found());
                self.error(
                    span,
                    format!("expected a value after `{what}`, found {found}"),
                );
                self.skip_to_sync();
                None
            }
        }
    }

    fn tail(&mut self, lhs: Operand) -> Expr {
        let negated = matches!(self.peek(), Tok::Not)
            && matches!(
                self.peek2(),
                Tok::In
                    | Tok::Contains
                    | Tok::StartsWith
                    | Tok::EndsWith
                    | Tok::Matches
                    | Tok::Between
            );
        if negated {
            self.bump();
        }
        let text_op = match self.peek() {
            Tok::Contains => Some(TextOp::Contains),
            Tok::StartsWith => Some(TextOp::StartsWith),
            Tok::EndsWith => Some(TextOp::EndsWith),
            Tok::Matches => Some(TextOp::Matches),
            _ => None,
        };
        if let Some(op) = text_op {
            let op_span = self.bump();
            return match self.value_after(op.as_str()) {
                Some(rhs) => Expr::Text {
                    lhs,
                    op,
                    op_span,
                    rhs,
                    negated,
                },
                None => Expr::Error,
            };
        }
        match self.peek().clone() {
            Tok::Cmp(op) => {
                let op_span = self.bump();
                match self.value_after(op.as_str()) {
                    Some(rhs) => Expr::Cmp {
                        lhs,
                        op,
                        op_span,
                        rhs,
                    },
                    None => Expr::Error,
                }
            }
            Tok::In => {
                let op_span = self.bump();
                match self.list(&lhs) {
                    Some(items) => Expr::In {
                        lhs,
                        items,
                        negated,
                        op_span,
                    },
                    None => Expr::Error,
                }
            }
            Tok::Between => self.between(lhs, negated),
            Tok::Is => {
                self.bump();
                let not = matches!(self.peek(), Tok::Not);
                if not {
                    self.bump();
                }
                match self.peek() {
                    Tok::Present => {
                        self.bump();
                        Expr::Is { lhs, present: !not }
                    }
                    Tok::Missing => {
                        self.bump();
                        Expr::Is { lhs, present: not }
                    }
                    _ => {
                        let (span, found) = (self.span(), self.found());
                        self.error(
                            span,
                            format!("expected `present` or `missing` after `is`, found {found}"),
                        );
                        self.skip_to_sync();
                        Expr::Error
                    }
                }
            }
            Tok::Not => {
                self.bump();
                let (span, found) = (self.span(), self.found());
                self.error(
                    span,
                    format!(
                        "expected `in`, `contains`, `starts_with`, `ends_with`, `matches` or \
                         `between` after `not`, found {found}"
                    ),
                );
                self.skip_to_sync();
                Expr::Error
            }
            Tok::Name(_) | Tok::Num(_) | Tok::Str(_) | Tok::True | Tok::False | Tok::LBracket
                if matches!(lhs.kind, OperandKind::Name(_)) =>
            {
                let (span, found) = (self.span(), self.found());
                let name = self.text(&lhs.span);
                self.error(
                    span,
                    format!(
                        "expected an operator such as `==`, `in` or `contains` after `{name}`, found {found}"
                    ),
                );
                self.skip_to_sync();
                Expr::Error
            }
            _ => Expr::Bare(lhs),
        }
    }

    fn between(&mut self, lhs: Operand, negated: bool) -> Expr {
        let start = self.bump().start;
        let Some(lo) = self.value_after("between") else {
            return Expr::Error;
        };
        if !matches!(self.peek(), Tok::And) {
            let (span, found) = (self.span(), self.found());
            self.error(
                span,
                format!("expected `and` between the two numbers of `between`, found {found}"),
            );
            // `between 1 or 2`, `between 1, 2`: take the word as the separator, so that
            // the upper bound is not read as a condition of its own.
            if matches!(self.peek(), Tok::Or | Tok::Comma)
                && matches!(self.peek2(), Tok::Num(_) | Tok::Str(_) | Tok::Bad)
            {
                self.bump();
                self.bump();
            } else {
                self.skip_to_sync();
            }
            return Expr::Error;
        }
        self.bump();
        let Some(hi) = self.value_after("and") else {
            return Expr::Error;
        };
        let span = start..hi.span.end;
        Expr::Between {
            lhs,
            lo,
            hi,
            negated,
            span,
        }
    }

    /// A list after `in`; `None` (reported) when there is no list at all.
    fn list(&mut self, lhs: &Operand) -> Option<Vec<Operand>> {
        if !matches!(self.peek(), Tok::LBracket) {
            let (span, found) = (self.span(), self.found());
            let message = match (&lhs.kind, self.peek()) {
                (OperandKind::Lit(Lit::Str(_)), Tok::Name(name)) => format!(
                    "expected a list after `in`, found name `{name}`; to look for text \
                     inside a name write `{name} contains {}`",
                    self.text(&lhs.span)
                ),
                _ => format!(
                    "expected a list in square brackets after `in`, like [\"VN\", \"SG\"], found {found}"
                ),
            };
            self.error(span, message);
            self.skip_to_sync();
            return None;
        }
        let open = self.bump();
        let mut items = Vec::new();
        let mut need_comma = false;
        loop {
            match self.peek() {
                Tok::RBracket => {
                    self.bump();
                    return Some(items);
                }
                Tok::Num(_) | Tok::Str(_) | Tok::True | Tok::False | Tok::Bad => {
                    if need_comma {
                        let (span, found) = (self.span(), self.found());
                        self.error(
                            span,
                            format!("expected `,` between list items, found {found}"),
                        );
                    }
                    items.push(self.operand());
                    need_comma = true;
                }
                Tok::Comma => {
                    if !need_comma {
                        let span = self.span();
                        self.error(span, "expected a value before `,` in the list");
                    }
                    self.bump();
                    need_comma = false;
                }
                Tok::And | Tok::Or | Tok::RParen | Tok::Eof => {
                    self.error(open, "missing `]` to close this `[`");
                    return Some(items);
                }
                Tok::Name(name) => {
                    let message = format!(
                        "expected a value in the list, found name `{name}`; put text in quotes: \"{name}\""
                    );
                    let span = self.bump();
                    self.error(span, message);
                    need_comma = true;
                }
                _ => {
                    let (span, found) = (self.span(), self.found());
                    self.error(span, format!("expected a value in the list, found {found}"));
                    self.bump();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::lexer::lex;
    use super::*;

    fn ast(src: &str) -> Expr {
        let (toks, lex_errs) = lex(src);
        let (e, errs) = parse(src, &toks);
        assert!(
            lex_errs.is_empty() && errs.is_empty(),
            "{lex_errs:?} {errs:?}"
        );
        e
    }

    fn shape(e: &Expr) -> String {
        match e {
            Expr::Or(xs) => format!("or({})", xs.iter().map(shape).collect::<Vec<_>>().join(",")),
            Expr::And(xs) => format!(
                "and({})",
                xs.iter().map(shape).collect::<Vec<_>>().join(",")
            ),
            Expr::Not(x) => format!("not({})", shape(x)),
            Expr::Bare(Operand {
                kind: OperandKind::Name(n),
                ..
            }) => n.clone(),
            Expr::Cmp {
                lhs:
                    Operand {
                        kind: OperandKind::Name(n),
                        ..
                    },
                op,
                ..
            } => {
                format!("{n}{}", op.as_str())
            }
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn expr_precedence_not_and_or() {
        assert_eq!(
            shape(&ast("not a == 1 and b or c")),
            "or(and(not(a==),b),c)"
        );
        assert_eq!(
            shape(&ast("a or b and not not c")),
            "or(a,and(b,not(not(c))))"
        );
        assert_eq!(shape(&ast("(a or b) and c")), "and(or(a,b),c)");
    }

    #[test]
    fn expr_between_consumes_its_and() {
        let Expr::And(parts) = ast("x between 1 and 5 and y") else {
            panic!("not an and")
        };
        assert!(matches!(parts[0], Expr::Between { .. }), "{parts:?}");
        assert_eq!(
            parts.len(),
            2,
            "between's `and` must not split the condition"
        );
    }
}
