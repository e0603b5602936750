//! A backtracking matcher for the JavaScript regular expressions
//! Emscripten's `strptime` builds (non-Unicode mode): literals and
//! escapes, classes, groups, lookahead, alternation and quantifiers, with
//! the `i` flag. No backreferences or named groups (never generated).

/// A compiled pattern.
#[derive(Debug)]
pub struct Regex {
    node: Node,
    groups: usize,
    ignore_case: bool,
}

#[derive(Debug, Clone)]
enum Node {
    Char(char),
    Any,
    Set(Set),
    Class {
        negated: bool,
        items: Vec<Item>,
    },
    Start,
    End,
    WordBoundary(bool),
    Group(Box<Node>, Option<usize>),
    Look {
        ahead: Box<Node>,
        negated: bool,
    },
    Concat(Vec<Node>),
    Alt(Vec<Node>),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
}

#[derive(Debug, Clone, Copy)]
enum Set {
    Digit(bool),
    Space(bool),
    Word(bool),
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Range(char, char),
    Set(Set),
}

impl Set {
    fn contains(self, c: char) -> bool {
        match self {
            Set::Digit(neg) => c.is_ascii_digit() != neg,
            Set::Space(neg) => is_space(c) != neg,
            Set::Word(neg) => is_word(c) != neg,
        }
    }
}

/// `\s`: ECMAScript WhiteSpace and LineTerminator.
fn is_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_line_terminator(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}')
}

/// ECMAScript Canonicalize for a non-Unicode, ignoring-case pattern.
fn canonicalize(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) if !(u32::from(c) >= 128 && u32::from(u) < 128) => u,
        _ => c,
    }
}

/// Why a pattern does not compile (JS throws a SyntaxError).
#[derive(Debug, PartialEq)]
pub struct SyntaxError(pub String);

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    groups: usize,
}

impl Regex {
    pub fn new(source: &str, ignore_case: bool) -> Result<Regex, SyntaxError> {
        let chars: Vec<char> = source.chars().collect();
        let mut p = Parser {
            s: &chars,
            i: 0,
            groups: 0,
        };
        let node = p.alternation()?;
        if p.i < chars.len() {
            return Err(SyntaxError(format!("unmatched ')' at {}", p.i)));
        }
        Ok(Regex {
            node,
            groups: p.groups,
            ignore_case,
        })
    }

    /// Matches at the start of `input` only (as with a `^` anchor); returns
    /// the captures: index 0 the whole match, then each group's text if it
    /// took part.
    pub fn match_start(&self, input: &str) -> Option<Vec<Option<String>>> {
        let chars: Vec<char> = input.chars().collect();
        let m = Matcher {
            re: self,
            input: &chars,
        };
        let mut caps = vec![None; self.groups + 1];
        let mut end = None;
        if !m.node(&self.node, 0, &mut caps, &mut |e, _| {
            end = Some(e);
            true
        }) {
            return None;
        }
        // The continuation left the captures as they were at the match.
        let text = |(a, b): (usize, usize)| chars[a..b].iter().collect::<String>();
        let mut out = vec![end.map(|e| text((0, e)))];
        out.extend(caps[1..].iter().map(|c| c.map(text)));
        Some(out)
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        let ok = self.peek() == Some(c);
        if ok {
            self.i += 1;
        }
        ok
    }

    fn alternation(&mut self) -> Result<Node, SyntaxError> {
        let mut alts = vec![self.sequence()?];
        while self.eat('|') {
            alts.push(self.sequence()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Concat(vec![]))
        } else {
            Node::Alt(alts)
        })
    }

    fn sequence(&mut self) -> Result<Node, SyntaxError> {
        let mut items = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            // Lookaheads may take a quantifier (Annex B), anchors not.
            let quantifiable = !matches!(atom, Node::Start | Node::End | Node::WordBoundary(_));
            items.push(match self.quantifier()? {
                Some((min, max, greedy)) if quantifiable => Node::Repeat {
                    node: Box::new(atom),
                    min,
                    max,
                    greedy,
                },
                Some(_) => return Err(SyntaxError("nothing to repeat".into())),
                None => atom,
            });
        }
        Ok(Node::Concat(items))
    }

    fn quantifier(&mut self) -> Result<Option<(u32, Option<u32>, bool)>, SyntaxError> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => match self.braces() {
                Some(q) => q,
                None => return Ok(None),
            },
            _ => return Ok(None),
        };
        // Past `?`, `*`, `+`, or the `}` braces() stopped on.
        self.i += 1;
        if max.is_some_and(|m| m < min) {
            return Err(SyntaxError("numbers out of order in {} quantifier".into()));
        }
        Ok(Some((min, max, !self.eat('?'))))
    }

    /// `{n}`, `{n,}` or `{n,m}` at the position, leaving it on the `}`;
    /// `None` (and nothing consumed) when the brace is a literal, as Annex B
    /// allows.
    fn braces(&mut self) -> Option<(u32, Option<u32>)> {
        let start = self.i;
        self.i += 1;
        let num = |p: &mut Self| {
            let s = p.i;
            while p.peek().is_some_and(|c| c.is_ascii_digit()) {
                p.i += 1;
            }
            (p.i > s).then(|| {
                p.s[s..p.i]
                    .iter()
                    .collect::<String>()
                    .parse::<u32>()
                    .unwrap_or(u32::MAX)
            })
        };
        let parsed = num(self).and_then(|min| {
            let max = if self.eat(',') { num(self) } else { Some(min) };
            (self.peek() == Some('}')).then_some((min, max))
        });
        if parsed.is_none() {
            self.i = start;
        }
        parsed
    }

    fn atom(&mut self) -> Result<Node, SyntaxError> {
        let c = self
            .peek()
            .ok_or_else(|| SyntaxError("unexpected end".into()))?;
        self.i += 1;
        Ok(match c {
            '^' => Node::Start,
            '$' => Node::End,
            '.' => Node::Any,
            '(' => {
                let (kind, index) = if self.eat('?') {
                    match self.peek() {
                        Some(k @ (':' | '!' | '=')) => {
                            self.i += 1;
                            (k, None)
                        }
                        _ => return Err(SyntaxError("invalid group".into())),
                    }
                } else {
                    self.groups += 1;
                    ('(', Some(self.groups))
                };
                let inner = self.alternation()?;
                if !self.eat(')') {
                    return Err(SyntaxError("unterminated group".into()));
                }
                match kind {
                    '!' | '=' => Node::Look {
                        ahead: Box::new(inner),
                        negated: kind == '!',
                    },
                    _ => Node::Group(Box::new(inner), index),
                }
            }
            ')' => return Err(SyntaxError("unmatched ')'".into())),
            '[' => self.class()?,
            '\\' => self.escape(false)?,
            '*' | '+' | '?' => return Err(SyntaxError("nothing to repeat".into())),
            '{' => {
                self.i -= 1;
                if self.braces().is_some() {
                    return Err(SyntaxError("nothing to repeat".into()));
                }
                self.i += 1;
                Node::Char('{')
            }
            c => Node::Char(c),
        })
    }

    /// After a backslash: a set, an assertion or a literal.
    fn escape(&mut self, in_class: bool) -> Result<Node, SyntaxError> {
        let c = self
            .peek()
            .ok_or_else(|| SyntaxError("\\ at end of pattern".into()))?;
        self.i += 1;
        Ok(match c {
            'd' => Node::Set(Set::Digit(false)),
            'D' => Node::Set(Set::Digit(true)),
            's' => Node::Set(Set::Space(false)),
            'S' => Node::Set(Set::Space(true)),
            'w' => Node::Set(Set::Word(false)),
            'W' => Node::Set(Set::Word(true)),
            'b' if in_class => Node::Char('\u{8}'),
            'b' => Node::WordBoundary(true),
            'B' if !in_class => Node::WordBoundary(false),
            'n' => Node::Char('\n'),
            'r' => Node::Char('\r'),
            't' => Node::Char('\t'),
            'v' => Node::Char('\u{b}'),
            'f' => Node::Char('\u{c}'),
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => Node::Char('\0'),
            '1'..='9' | '0' | 'x' | 'u' | 'c' | 'k' => {
                return Err(SyntaxError(format!("unsupported escape \\{c}")));
            }
            c => Node::Char(c),
        })
    }

    fn class(&mut self) -> Result<Node, SyntaxError> {
        let negated = self.eat('^');
        let mut items = Vec::new();
        loop {
            let c = self
                .peek()
                .ok_or_else(|| SyntaxError("unterminated character class".into()))?;
            self.i += 1;
            if c == ']' {
                break;
            }
            let lo = self.class_atom(c)?;
            if self.peek() == Some('-') && self.s.get(self.i + 1).is_some_and(|&n| n != ']') {
                self.i += 1;
                let n = self.peek().unwrap_or(']');
                self.i += 1;
                let hi = self.class_atom(n)?;
                match (lo, hi) {
                    (Item::Range(a, _), Item::Range(b, _)) => {
                        if a > b {
                            return Err(SyntaxError(
                                "range out of order in character class".into(),
                            ));
                        }
                        items.push(Item::Range(a, b));
                    }
                    // Annex B: a set at either end makes '-' literal.
                    (lo, hi) => {
                        items.extend([lo, Item::Range('-', '-'), hi]);
                    }
                }
            } else {
                items.push(lo);
            }
        }
        Ok(Node::Class { negated, items })
    }

    fn class_atom(&mut self, c: char) -> Result<Item, SyntaxError> {
        if c != '\\' {
            return Ok(Item::Range(c, c));
        }
        Ok(match self.escape(true)? {
            Node::Set(s) => Item::Set(s),
            Node::Char(c) => Item::Range(c, c),
            _ => return Err(SyntaxError("invalid class escape".into())),
        })
    }
}

type Caps = Vec<Option<(usize, usize)>>;

struct Matcher<'a> {
    re: &'a Regex,
    input: &'a [char],
}

impl Matcher<'_> {
    fn same(&self, a: char, b: char) -> bool {
        a == b || (self.re.ignore_case && canonicalize(a) == canonicalize(b))
    }

    fn in_class(&self, items: &[Item], c: char) -> bool {
        let hit = |c: char| {
            items.iter().any(|it| match *it {
                Item::Range(a, b) => (a..=b).contains(&c),
                Item::Set(s) => s.contains(c),
            })
        };
        if hit(c) {
            return true;
        }
        if !self.re.ignore_case {
            return false;
        }
        let cc = canonicalize(c);
        c.to_lowercase()
            .chain(c.to_uppercase())
            .any(|v| canonicalize(v) == cc && hit(v))
    }

    fn is_word_at(&self, i: usize) -> bool {
        i < self.input.len() && is_word(self.input[i])
    }

    /// Matches `n` at `pos`, then calls `k` with the end; true once `k`
    /// accepts.
    fn node(
        &self,
        n: &Node,
        pos: usize,
        caps: &mut Caps,
        k: &mut dyn FnMut(usize, &mut Caps) -> bool,
    ) -> bool {
        let one = |ok: bool, caps: &mut Caps, k: &mut dyn FnMut(usize, &mut Caps) -> bool| {
            ok && k(pos + 1, caps)
        };
        let cur = self.input.get(pos).copied();
        match n {
            Node::Char(c) => one(cur.is_some_and(|x| self.same(x, *c)), caps, k),
            Node::Any => one(cur.is_some_and(|x| !is_line_terminator(x)), caps, k),
            Node::Set(s) => one(cur.is_some_and(|x| s.contains(x)), caps, k),
            Node::Class { negated, items } => one(
                cur.is_some_and(|x| self.in_class(items, x) != *negated),
                caps,
                k,
            ),
            Node::Start => pos == 0 && k(pos, caps),
            Node::End => pos == self.input.len() && k(pos, caps),
            Node::WordBoundary(want) => {
                let at = self.is_word_at(pos) != (pos > 0 && self.is_word_at(pos - 1));
                at == *want && k(pos, caps)
            }
            Node::Concat(items) => self.seq(items, pos, caps, k),
            Node::Alt(alts) => {
                for a in alts {
                    let saved = caps.clone();
                    if self.node(a, pos, caps, k) {
                        return true;
                    }
                    *caps = saved;
                }
                false
            }
            Node::Group(inner, index) => {
                let Some(index) = *index else {
                    return self.node(inner, pos, caps, k);
                };
                self.node(inner, pos, caps, &mut |end, caps: &mut Caps| {
                    let before = caps[index];
                    caps[index] = Some((pos, end));
                    if k(end, caps) {
                        return true;
                    }
                    caps[index] = before;
                    false
                })
            }
            Node::Look { ahead, negated } => {
                let mut inner_caps = caps.clone();
                let found = self.node(ahead, pos, &mut inner_caps, &mut |_, _| true);
                if *negated {
                    !found && k(pos, caps)
                } else {
                    found && {
                        let saved = std::mem::replace(caps, inner_caps);
                        k(pos, caps) || {
                            *caps = saved;
                            false
                        }
                    }
                }
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => self.repeat(node, *min, *max, *greedy, pos, caps, k),
        }
    }

    fn seq(
        &self,
        items: &[Node],
        pos: usize,
        caps: &mut Caps,
        k: &mut dyn FnMut(usize, &mut Caps) -> bool,
    ) -> bool {
        match items.split_first() {
            None => k(pos, caps),
            Some((first, rest)) => self.node(first, pos, caps, &mut |p, caps: &mut Caps| {
                self.seq(rest, p, caps, k)
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn repeat(
        &self,
        n: &Node,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        pos: usize,
        caps: &mut Caps,
        k: &mut dyn FnMut(usize, &mut Caps) -> bool,
    ) -> bool {
        if max == Some(0) {
            return k(pos, caps);
        }
        let again = |caps: &mut Caps, k: &mut dyn FnMut(usize, &mut Caps) -> bool| {
            let saved = caps.clone();
            let ok = self.node(n, pos, caps, &mut |p, caps: &mut Caps| {
                // An iteration that matched nothing ends the loop once the
                // minimum is met (ECMAScript's empty check).
                if p == pos && min == 0 {
                    return false;
                }
                self.repeat(
                    n,
                    min.saturating_sub(1),
                    max.map(|m| m - 1),
                    greedy,
                    p,
                    caps,
                    k,
                )
            });
            if !ok {
                *caps = saved;
            }
            ok
        };
        if min > 0 {
            return again(caps, k);
        }
        // Not the same both ways: which is tried first decides the match.
        #[allow(clippy::if_same_then_else)]
        if greedy {
            again(caps, k) || k(pos, caps)
        } else {
            k(pos, caps) || again(caps, k)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(re: &str, s: &str) -> Option<Vec<Option<String>>> {
        Regex::new(re, true).unwrap().match_start(s)
    }

    fn whole(re: &str, s: &str) -> Option<String> {
        m(re, s).and_then(|c| c[0].clone())
    }

    #[test]
    fn alternation_order_and_lookahead() {
        // The first alternative that lets the rest match wins.
        let day = "^(0[1-9]|[1-9](?!\\d)|1\\d|2\\d|30|31)";
        assert_eq!(whole(day, "07x").as_deref(), Some("07"));
        assert_eq!(whole(day, "7x").as_deref(), Some("7"));
        assert_eq!(whole(day, "17").as_deref(), Some("17"));
        assert_eq!(whole(day, "32"), None);
        assert_eq!(whole("^(a|ab)c", "abc").as_deref(), Some("abc"));
        assert_eq!(
            whole("^(?:Jan(?:uary)?)|(?:Feb)", "JANUARY 5").as_deref(),
            Some("JANUARY")
        );
    }

    #[test]
    fn captures_classes_and_escapes() {
        let c = m("^(\\d\\d\\d\\d)\\-([0,1]\\d)(%)?\\s(x)?", "2023-11\t").unwrap();
        assert_eq!(
            c,
            vec![
                Some("2023-11\t".into()),
                Some("2023".into()),
                Some("11".into()),
                None,
                None
            ]
        );
        assert_eq!(whole("^[^a-c]+", "xyzabc").as_deref(), Some("xyz"));
        assert_eq!(whole("^a{2,3}", "aaaa").as_deref(), Some("aaa"));
        assert_eq!(whole("^a{,2}", "a{,2}").as_deref(), Some("a{,2}"));
        assert_eq!(whole("^a*?b", "aab").as_deref(), Some("aab"));
        assert_eq!(whole("^(?:a*)*b", "b").as_deref(), Some("b"));
        assert_eq!(whole("^\\%\\:\\/", "%:/").as_deref(), Some("%:/"));
        assert_eq!(whole("^\\s", "\u{a0}").as_deref(), Some("\u{a0}"));
    }

    #[test]
    fn syntax_errors() {
        for bad in ["(", "a)", "\\", "[a", "*a", "(?<x>a)", "[b-a]", "a{3,2}"] {
            assert!(Regex::new(bad, true).is_err(), "{bad}");
        }
    }
}
