//! Lexer: splits a condition's text into tokens with byte spans.
//!
//! Mistakes are reported and then smoothed over (a lone `=` becomes `==`, `&&` becomes
//! `and`, an unusable word becomes [`Tok::Bad`]) so that the parser can keep going and
//! report later mistakes in the same round without repeating this one.

use super::ExprError;
use std::ops::Range;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator that gives the same answer with the operands swapped.
    pub(crate) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Eq | CmpOp::Ne => self,
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Num(f64),
    Str(String),
    /// A name, without its backticks.
    Name(String),
    True,
    False,
    And,
    Or,
    Not,
    In,
    Contains,
    StartsWith,
    EndsWith,
    Matches,
    Between,
    Is,
    Present,
    Missing,
    Cmp(CmpOp),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    /// Stands in for a word or number that was already reported as a mistake; the parser
    /// accepts it wherever a value or name may appear and reports nothing more about it.
    Bad,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub tok: Tok,
    pub span: Range<usize>,
}

const KEYWORDS: [(&str, Tok); 14] = [
    ("and", Tok::And),
    ("or", Tok::Or),
    ("not", Tok::Not),
    ("in", Tok::In),
    ("contains", Tok::Contains),
    ("starts_with", Tok::StartsWith),
    ("ends_with", Tok::EndsWith),
    ("matches", Tok::Matches),
    ("between", Tok::Between),
    ("is", Tok::Is),
    ("present", Tok::Present),
    ("missing", Tok::Missing),
    ("true", Tok::True),
    ("false", Tok::False),
];

/// Splits `src` into tokens, ending with [`Tok::Eof`].
pub(crate) fn lex(src: &str) -> (Vec<Token>, Vec<ExprError>) {
    let mut lx = Lexer {
        src,
        pos: 0,
        toks: Vec::new(),
        errs: Vec::new(),
    };
    lx.run();
    let end = src.len();
    lx.toks.push(Token {
        tok: Tok::Eof,
        span: end..end,
    });
    (lx.toks, lx.errs)
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    toks: Vec<Token>,
    errs: Vec<ExprError>,
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Characters that people mean as part of a word, so a run of them is reported once.
fn is_wordish(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek2(&self) -> Option<char> {
        let mut it = self.src[self.pos..].chars();
        it.next();
        it.next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.bump();
        }
    }

    fn push(&mut self, tok: Tok, start: usize) {
        self.toks.push(Token {
            tok,
            span: start..self.pos,
        });
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        self.errs.push(ExprError::new(span, message));
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            let start = self.pos;
            if c.is_whitespace() {
                self.bump();
            } else if is_ident_start(c) || c == '`' {
                self.name(start);
            } else if c.is_ascii_digit()
                || (c == '-' && self.peek2().is_some_and(|d| d.is_ascii_digit()))
            {
                self.number(start);
            } else if c == '"' || c == '\'' {
                self.bump();
                let text = self.string(start, c, &[c]);
                self.push(Tok::Str(text), start);
            } else if c == '\u{201C}' || c == '\u{2018}' {
                // Curly quotes arrive by copy-paste from documents; reading the text
                // anyway avoids a cascade of "unknown name" errors for its words.
                self.bump();
                let close: &[char] = if c == '\u{201C}' {
                    &['\u{201D}', '"']
                } else {
                    &['\u{2019}', '\'']
                };
                let text = self.string(start, c, close);
                self.error(
                    start..self.pos,
                    "use straight quotes \" or ' around text, not curly quotes",
                );
                self.push(Tok::Str(text), start);
            } else if c.is_alphanumeric() {
                self.bad_name(start);
            } else {
                self.bump();
                self.symbol(c, start);
            }
        }
    }

    fn symbol(&mut self, c: char, start: usize) {
        let next = self.peek();
        let two = |lx: &mut Self, tok: Tok| {
            lx.bump();
            lx.push(tok, start);
        };
        match (c, next) {
            ('(', _) => self.push(Tok::LParen, start),
            (')', _) => self.push(Tok::RParen, start),
            ('[', _) => self.push(Tok::LBracket, start),
            (']', _) => self.push(Tok::RBracket, start),
            (',', _) => self.push(Tok::Comma, start),
            ('=', Some('=')) => two(self, Tok::Cmp(CmpOp::Eq)),
            ('!', Some('=')) => two(self, Tok::Cmp(CmpOp::Ne)),
            ('<', Some('=')) => two(self, Tok::Cmp(CmpOp::Le)),
            ('>', Some('=')) => two(self, Tok::Cmp(CmpOp::Ge)),
            ('<', Some('>')) => {
                two(self, Tok::Cmp(CmpOp::Ne));
                self.error(start..self.pos, "use `!=` for \"not equal\", not `<>`");
            }
            ('<', _) => self.push(Tok::Cmp(CmpOp::Lt), start),
            ('>', _) => self.push(Tok::Cmp(CmpOp::Gt), start),
            ('=', _) => {
                self.push(Tok::Cmp(CmpOp::Eq), start);
                self.error(start..self.pos, "use `==` to compare, not `=`");
            }
            ('!', _) => {
                self.push(Tok::Not, start);
                self.error(start..self.pos, "use `not` instead of `!`");
            }
            ('&', Some('&')) => {
                two(self, Tok::And);
                self.error(start..self.pos, "use `and` instead of `&&`");
            }
            ('|', Some('|')) => {
                two(self, Tok::Or);
                self.error(start..self.pos, "use `or` instead of `||`");
            }
            ('-', _) => self.error(
                start..self.pos,
                "unexpected `-`; a name containing `-` must be written in backticks, like `utm-source`",
            ),
            _ => self.error(start..self.pos, format!("unexpected character `{c}`")),
        }
    }

    /// A name: segments joined by dots, each an identifier or backticked text.
    fn name(&mut self, start: usize) {
        let mut text = String::new();
        let mut plain = true;
        let mut broken = false;
        loop {
            if self.peek() == Some('`') {
                plain = false;
                let seg_start = self.pos;
                self.bump();
                let body_start = self.pos;
                self.eat_while(|c| c != '`');
                let body = &self.src[body_start..self.pos];
                text.push_str(body);
                if self.bump().is_none() {
                    self.error(seg_start..self.pos, "this name has no closing backtick `");
                    broken = true;
                } else if body.trim().is_empty() {
                    self.error(seg_start..self.pos, "empty name in backticks");
                    broken = true;
                }
            } else {
                let seg_start = self.pos;
                self.eat_while(is_ident_char);
                text.push_str(&self.src[seg_start..self.pos]);
            }
            let continues = self.peek() == Some('.')
                && self.peek2().is_some_and(|c| is_ident_start(c) || c == '`');
            if !continues {
                break;
            }
            self.bump();
            text.push('.');
            plain = false;
        }
        if broken {
            self.push(Tok::Bad, start);
            return;
        }
        let dash_word = self.peek() == Some('-') && self.peek2().is_some_and(is_wordish);
        if dash_word || self.peek().is_some_and(|c| is_wordish(c) && !c.is_ascii()) {
            // `Chức_vụ` would lex as `Ch` followed by accented letters, `utm-source` as
            // `utm`, `-`, `source`: report the whole word once instead.
            self.bad_name(start);
            return;
        }
        if plain && let Some((_, kw)) = KEYWORDS.iter().find(|(k, _)| k.eq_ignore_ascii_case(&text))
        {
            self.push(kw.clone(), start);
            return;
        }
        self.push(Tok::Name(text), start);
    }

    /// Reports the word starting at `start` as a name that needs backticks.
    fn bad_name(&mut self, start: usize) {
        self.eat_while(|c| is_wordish(c) || c == '-' || c == '.');
        let word = &self.src[start..self.pos];
        self.error(
            start..self.pos,
            format!(
                "`{word}` is not a valid name; names with accents, spaces, `-` or other \
                 special characters must be written in backticks: `{word}`"
            ),
        );
        self.push(Tok::Bad, start);
    }

    fn number(&mut self, start: usize) {
        if self.peek() == Some('-') {
            self.bump();
        }
        self.eat_while(|c| c.is_ascii_digit());
        if self.peek() == Some('.') && self.peek2().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            self.eat_while(|c| c.is_ascii_digit());
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let rest = &self.src[self.pos + 1..];
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.starts_with(|c: char| c.is_ascii_digit()) {
                self.pos += 1 + (rest.len() - digits.len());
                self.eat_while(|c| c.is_ascii_digit());
            }
        }
        if self.peek().is_some_and(is_wordish) {
            self.eat_while(is_wordish);
            let word = &self.src[start..self.pos];
            self.error(
                start..self.pos,
                format!("`{word}` is not a number; write digits only, like 50000 or 2.5"),
            );
            self.push(Tok::Bad, start);
            return;
        }
        let text = &self.src[start..self.pos];
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => self.push(Tok::Num(n), start),
            _ => {
                self.error(start..self.pos, format!("the number {text} is too large"));
                self.push(Tok::Bad, start);
            }
        }
    }

    /// Text after an opening quote (already consumed), up to one of `close`.
    fn string(&mut self, start: usize, open: char, close: &[char]) -> String {
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    self.error(start..self.pos, format!("this text has no closing {open}"));
                    return out;
                }
                Some(c) if close.contains(&c) => return out,
                Some('\\') => match self.bump() {
                    Some('n') => out.push('\n'),
                    Some('t') => out.push('\t'),
                    Some('r') => out.push('\r'),
                    Some(c @ ('\\' | '"' | '\'')) => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => out.push('\\'),
                },
                Some(c) => out.push(c),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        let (t, e) = lex(src);
        assert!(e.is_empty(), "{e:?}");
        t.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn expr_lexes_names_keywords_and_literals() {
        assert_eq!(
            toks("a.b_c AND `Lead Source` >= -3.5e1 'x\\'y' [1,]"),
            vec![
                Tok::Name("a.b_c".into()),
                Tok::And,
                Tok::Name("Lead Source".into()),
                Tok::Cmp(CmpOp::Ge),
                Tok::Num(-35.0),
                Tok::Str("x'y".into()),
                Tok::LBracket,
                Tok::Num(1.0),
                Tok::Comma,
                Tok::RBracket,
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn expr_lexes_dotted_backticks_and_keyword_prefixes() {
        assert_eq!(
            toks("context.`utm-source` index is.x"),
            vec![
                Tok::Name("context.utm-source".into()),
                Tok::Name("index".into()),
                Tok::Name("is.x".into()),
                Tok::Eof,
            ]
        );
    }

    #[test]
    fn expr_unknown_escapes_are_kept() {
        assert_eq!(
            toks(r#""\d+\\b\"""#),
            vec![Tok::Str("\\d+\\b\"".into()), Tok::Eof]
        );
    }
}
