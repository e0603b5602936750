//! A backtracking matcher for the JavaScript regular expressions
//! Emscripten's `strptime` builds (non-Unicode mode): literals and
//! escapes, classes, groups, lookahead, alternation and quantifiers, with
//! the `i` flag. No backreferences or named groups (never generated).
//!
//! A guest's format becomes the pattern and its input the subject, so
//! neither may cost dlrun its stack or unbounded time: the pattern is
//! compiled to a flat program run with an explicit backtracking stack
//! (recursion is only as deep as groups nest, which is limited), and a
//! match that takes more than [`STEPS`] steps fails, as a match that is not
//! found.

/// Steps a match may take: far more than any pattern `strptime` builds from
/// a guest's format (at most 64 KiB) needs against any input, far fewer than
/// the exponential backtracking some patterns can ask for.
const STEPS: usize = 1 << 24;

/// How deep groups may nest; JS allows more, `strptime` never builds more
/// than three.
const MAX_NESTING: usize = 256;

/// A compiled pattern.
#[derive(Debug)]
pub struct Regex {
    prog: Vec<Inst>,
    groups: usize,
    registers: usize,
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
    depth: usize,
}

impl Regex {
    pub fn new(source: &str, ignore_case: bool) -> Result<Regex, SyntaxError> {
        let chars: Vec<char> = source.chars().collect();
        let mut p = Parser {
            s: &chars,
            i: 0,
            groups: 0,
            depth: 0,
        };
        let node = p.alternation()?;
        if p.i < chars.len() {
            return Err(SyntaxError(format!("unmatched ')' at {}", p.i)));
        }
        let mut c = Compiler::default();
        c.node(&node);
        c.prog.push(Inst::Match);
        Ok(Regex {
            prog: c.prog,
            groups: p.groups,
            registers: c.registers,
            ignore_case,
        })
    }

    /// Matches at the start of `input` only (as with a `^` anchor); returns
    /// the captures: index 0 the whole match, then each group's text if it
    /// took part.
    pub fn match_start(&self, input: &str) -> Option<Vec<Option<String>>> {
        let chars: Vec<char> = input.chars().collect();
        let mut vm = Vm {
            re: self,
            input: &chars,
            caps: vec![None; self.groups + 1],
            registers: vec![0; self.registers],
            undo: Vec::new(),
            stack: Vec::new(),
            steps: STEPS,
        };
        let end = vm.run(0, 0).ok()??;
        let text = |(a, b): (usize, usize)| chars[a..b].iter().collect::<String>();
        let mut out = vec![Some(text((0, end)))];
        out.extend(vm.caps[1..].iter().map(|c| c.map(text)));
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
                if self.depth == MAX_NESTING {
                    return Err(SyntaxError("groups nested too deeply".into()));
                }
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
                self.depth += 1;
                let inner = self.alternation()?;
                self.depth -= 1;
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

/// One step of a compiled pattern. Registers hold positions and counts
/// that backtracking restores.
#[derive(Debug)]
enum Inst {
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
    /// Go on at the first; on failure, at the second.
    Split(usize, usize),
    Jump(usize),
    /// The position where the group with this register starts.
    GroupStart(usize),
    GroupEnd {
        group: usize,
        start: usize,
    },
    /// Matches the lookahead that follows (up to its `Match`) on its own,
    /// then goes on at `next`: backtracking never goes back into it.
    Look {
        negated: bool,
        next: usize,
    },
    RepeatInit {
        count: usize,
    },
    /// Decides whether to go round once more (the next instruction) or go
    /// on at `exit`, and which to try first.
    RepeatHead {
        count: usize,
        min: u32,
        max: Option<u32>,
        greedy: bool,
        exit: usize,
    },
    RepeatStart {
        start: usize,
    },
    /// Ends an iteration: one that matched nothing ends the loop once the
    /// minimum is met (ECMAScript's empty check).
    RepeatEnd {
        count: usize,
        start: usize,
        min: u32,
        head: usize,
    },
    Match,
}

#[derive(Default)]
struct Compiler {
    prog: Vec<Inst>,
    registers: usize,
}

impl Compiler {
    fn register(&mut self) -> usize {
        self.registers += 1;
        self.registers - 1
    }

    fn push(&mut self, inst: Inst) -> usize {
        self.prog.push(inst);
        self.prog.len() - 1
    }

    /// Points the jump, split, lookahead or loop head at `at` to here.
    fn patch(&mut self, at: usize) {
        let here = self.prog.len();
        match &mut self.prog[at] {
            Inst::Jump(to) | Inst::Split(_, to) | Inst::Look { next: to, .. } => *to = here,
            Inst::RepeatHead { exit, .. } => *exit = here,
            _ => unreachable!("nothing to patch at {at}"),
        }
    }

    fn node(&mut self, n: &Node) {
        match n {
            Node::Char(c) => _ = self.push(Inst::Char(*c)),
            Node::Any => _ = self.push(Inst::Any),
            Node::Set(s) => _ = self.push(Inst::Set(*s)),
            Node::Class { negated, items } => {
                _ = self.push(Inst::Class {
                    negated: *negated,
                    items: items.clone(),
                });
            }
            Node::Start => _ = self.push(Inst::Start),
            Node::End => _ = self.push(Inst::End),
            Node::WordBoundary(want) => _ = self.push(Inst::WordBoundary(*want)),
            Node::Concat(items) => items.iter().for_each(|item| self.node(item)),
            Node::Alt(alts) => {
                let mut jumps = Vec::new();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 == alts.len() {
                        self.node(alt);
                        break;
                    }
                    let split = self.push(Inst::Split(self.prog.len() + 1, 0));
                    self.node(alt);
                    jumps.push(self.push(Inst::Jump(0)));
                    self.patch(split);
                }
                jumps.into_iter().for_each(|j| self.patch(j));
            }
            Node::Group(inner, None) => self.node(inner),
            Node::Group(inner, Some(group)) => {
                let start = self.register();
                self.push(Inst::GroupStart(start));
                self.node(inner);
                self.push(Inst::GroupEnd {
                    group: *group,
                    start,
                });
            }
            Node::Look { ahead, negated } => {
                let look = self.push(Inst::Look {
                    negated: *negated,
                    next: 0,
                });
                self.node(ahead);
                self.push(Inst::Match);
                self.patch(look);
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                let (count, start) = (self.register(), self.register());
                self.push(Inst::RepeatInit { count });
                let head = self.push(Inst::RepeatHead {
                    count,
                    min: *min,
                    max: *max,
                    greedy: *greedy,
                    exit: 0,
                });
                self.push(Inst::RepeatStart { start });
                self.node(node);
                self.push(Inst::RepeatEnd {
                    count,
                    start,
                    min: *min,
                    head,
                });
                self.patch(head);
            }
        }
    }
}

/// A value to put back when backtracking past the point that changed it.
enum Undo {
    Cap(usize, Option<(usize, usize)>),
    Register(usize, usize),
}

/// Where to go on when what was tried fails, and how much of the undo log
/// to roll back first.
struct Backtrack {
    pc: usize,
    pos: usize,
    undo: usize,
}

/// The match ran out of [`STEPS`].
struct OutOfSteps;

struct Vm<'a> {
    re: &'a Regex,
    input: &'a [char],
    caps: Vec<Option<(usize, usize)>>,
    registers: Vec<usize>,
    undo: Vec<Undo>,
    stack: Vec<Backtrack>,
    steps: usize,
}

impl Vm<'_> {
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

    fn set_register(&mut self, r: usize, value: usize) {
        self.undo.push(Undo::Register(r, self.registers[r]));
        self.registers[r] = value;
    }

    fn set_cap(&mut self, group: usize, value: Option<(usize, usize)>) {
        self.undo.push(Undo::Cap(group, self.caps[group]));
        self.caps[group] = value;
    }

    fn roll_back(&mut self, to: usize) {
        for u in self.undo.drain(to..).rev() {
            match u {
                Undo::Cap(g, v) => self.caps[g] = v,
                Undo::Register(r, v) => self.registers[r] = v,
            }
        }
    }

    /// Resumes at the latest choice left above `base`, undoing what came
    /// after it.
    fn backtrack(&mut self, base: usize) -> Option<(usize, usize)> {
        if self.stack.len() == base {
            return None;
        }
        let b = self.stack.pop()?;
        self.roll_back(b.undo);
        Some((b.pc, b.pos))
    }

    fn branch(&mut self, pc: usize, pos: usize) {
        self.stack.push(Backtrack {
            pc,
            pos,
            undo: self.undo.len(),
        });
    }

    /// Runs the program from `pc` at `pos` to its first `Match`; the end of
    /// the match, with the captures it made left in place.
    fn run(&mut self, mut pc: usize, mut pos: usize) -> Result<Option<usize>, OutOfSteps> {
        let base = self.stack.len();
        loop {
            self.steps = self.steps.checked_sub(1).ok_or(OutOfSteps)?;
            let cur = self.input.get(pos).copied();
            let one = |ok: bool| ok.then_some((pc + 1, pos + 1));
            let next = match &self.re.prog[pc] {
                Inst::Char(c) => one(cur.is_some_and(|x| self.same(x, *c))),
                Inst::Any => one(cur.is_some_and(|x| !is_line_terminator(x))),
                Inst::Set(s) => one(cur.is_some_and(|x| s.contains(x))),
                Inst::Class { negated, items } => {
                    one(cur.is_some_and(|x| self.in_class(items, x) != *negated))
                }
                Inst::Start => (pos == 0).then_some((pc + 1, pos)),
                Inst::End => (pos == self.input.len()).then_some((pc + 1, pos)),
                Inst::WordBoundary(want) => {
                    let at = self.is_word_at(pos) != (pos > 0 && self.is_word_at(pos - 1));
                    (at == *want).then_some((pc + 1, pos))
                }
                &Inst::Split(first, second) => {
                    self.branch(second, pos);
                    Some((first, pos))
                }
                &Inst::Jump(to) => Some((to, pos)),
                &Inst::GroupStart(start) => {
                    self.set_register(start, pos);
                    Some((pc + 1, pos))
                }
                &Inst::GroupEnd { group, start } => {
                    self.set_cap(group, Some((self.registers[start], pos)));
                    Some((pc + 1, pos))
                }
                &Inst::Look { negated, next } => {
                    let undo = self.undo.len();
                    let found = self.run(pc + 1, pos)?.is_some();
                    // A lookahead that matched keeps its captures.
                    if negated || !found {
                        self.roll_back(undo);
                    }
                    (found != negated).then_some((next, pos))
                }
                &Inst::RepeatInit { count } => {
                    self.set_register(count, 0);
                    Some((pc + 1, pos))
                }
                &Inst::RepeatHead {
                    count,
                    min,
                    max,
                    greedy,
                    exit,
                } => {
                    let done = self.registers[count];
                    if max.is_some_and(|m| done >= m as usize) {
                        Some((exit, pos))
                    } else if done < min as usize {
                        Some((pc + 1, pos))
                    } else if greedy {
                        self.branch(exit, pos);
                        Some((pc + 1, pos))
                    } else {
                        self.branch(pc + 1, pos);
                        Some((exit, pos))
                    }
                }
                &Inst::RepeatStart { start } => {
                    self.set_register(start, pos);
                    Some((pc + 1, pos))
                }
                &Inst::RepeatEnd {
                    count,
                    start,
                    min,
                    head,
                } => {
                    let done = self.registers[count];
                    if pos == self.registers[start] && done >= min as usize {
                        None
                    } else {
                        self.set_register(count, done + 1);
                        Some((head, pos))
                    }
                }
                Inst::Match => {
                    self.stack.truncate(base);
                    return Ok(Some(pos));
                }
            };
            let Some(at) = next.or_else(|| self.backtrack(base)) else {
                return Ok(None);
            };
            (pc, pos) = at;
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
    fn long_patterns_and_inputs() {
        let n = 1_000_000;
        let lit = format!("^{}", "a".repeat(n));
        assert_eq!(whole(&lit, &"A".repeat(n + 1)).map(|w| w.len()), Some(n));
        assert_eq!(whole(&lit, &"a".repeat(n - 1)), None);
        // Far past where matching recursively overflowed the stack.
        let n = 200_000;
        let alts = format!("^{}", "(?:b|a)".repeat(n));
        assert_eq!(whole(&alts, &"a".repeat(n)).map(|w| w.len()), Some(n));
        let opt = format!("^{}", "a?".repeat(n));
        assert_eq!(
            whole(&opt, &"a".repeat(n / 2)).map(|w| w.len()),
            Some(n / 2)
        );
        assert_eq!(whole("^.*", &"x".repeat(n)).map(|w| w.len()), Some(n));
        assert_eq!(
            whole("^(?:x|y)+?$", &"x".repeat(n)).map(|w| w.len()),
            Some(n)
        );
        let groups = format!("^{}", "(a)".repeat(n));
        assert_eq!(m(&groups, &"a".repeat(n)).map(|c| c.len()), Some(n + 1));
        let looks = format!("^{}", "(?!b)a".repeat(n));
        assert_eq!(whole(&looks, &"a".repeat(n)).map(|w| w.len()), Some(n));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let depth = 100_000;
        let nested = format!("{}a{}", "(".repeat(depth), ")".repeat(depth));
        assert!(Regex::new(&nested, true).is_err());
        let looks = format!("{}a{}", "(?=".repeat(depth), ")".repeat(depth));
        assert!(Regex::new(&looks, true).is_err());
        let deepest =
            |open: &str| format!("^{}a{}", open.repeat(MAX_NESTING), ")".repeat(MAX_NESTING));
        assert_eq!(whole(&deepest("(?:"), "a").as_deref(), Some("a"));
        assert_eq!(
            m(&deepest("("), "a").map(|c| c.len()),
            Some(MAX_NESTING + 1)
        );
        assert_eq!(whole(&deepest("(?="), "a").as_deref(), Some(""));
        assert_eq!(whole(&deepest("(?!"), "a").as_deref(), Some(""));
    }

    #[test]
    fn catastrophic_backtracking_gives_up() {
        // Exponential in any backtracking matcher: no match, in bounded time.
        let a = "a".repeat(64);
        assert_eq!(whole("^(?:a|a)*b", &a), None);
        assert_eq!(whole("^(?:a*)*b", &a), None);
        assert_eq!(whole("^(?:(?:a|a)*(?!x))*b", &a), None);
    }

    #[test]
    fn syntax_errors() {
        for bad in ["(", "a)", "\\", "[a", "*a", "(?<x>a)", "[b-a]", "a{3,2}"] {
            assert!(Regex::new(bad, true).is_err(), "{bad}");
        }
    }
}
