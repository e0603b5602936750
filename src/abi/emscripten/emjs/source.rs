//! Where the JavaScript of EM_JS and EM_ASM comes from, as text.
//!
//! emcc 3.1.6 stores an EM_JS function's source in the module's data as
//! `(PARAMS)<::>{BODY}` and, when it leaves the wasm as the linker wrote it
//! (`-sWASM_BIGINT`, or newer emcc), exports `__em_js__NAME` holding its
//! address. By default its wasm-emscripten-finalize rewrites the wasm (i64
//! legalization) and drops those exports: the strings stay, their names do
//! not, and the functions survive only in the `.js` file emcc writes beside
//! the main module, after the `ASM_CONSTS` table that holds every EM_ASM
//! snippet (whose strings finalize zeroes in the wasm). That file is one
//! line from -O2 on, so it is read with a small JavaScript scanner rather
//! than line by line.

/// What the `.js` file emcc wrote beside the main module holds for dlrun.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Companion {
    /// `ASM_CONSTS`: each EM_ASM snippet as a function expression, keyed by
    /// its address relative to the main module's `__memory_base`.
    pub asm_consts: Vec<(u32, String)>,
    /// The EM_JS functions, by name, as declarations.
    pub em_js: Vec<(String, String)>,
}

impl Companion {
    /// The EM_ASM snippet at `offset`.
    pub fn asm_const(&self, offset: u32) -> Option<&str> {
        self.asm_consts
            .iter()
            .find(|(k, _)| *k == offset)
            .map(|(_, v)| v.as_str())
    }

    /// The declaration of EM_JS function `name`.
    pub fn em_js(&self, name: &str) -> Option<&str> {
        self.em_js
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_str())
    }
}

/// The declaration `function NAME(ARGS){BODY}` of EM_JS function `name`
/// whose string in the module's data is `raw`, as emscripten.py's
/// `create_em_js` makes it: each parameter is named by its last word,
/// less any `*`; `(void)` has none.
pub fn em_js_decl(name: &str, raw: &str) -> Result<String, String> {
    if !is_identifier(name) {
        return Err(format!("{name:?} is not a JavaScript function name"));
    }
    let (params, body) = raw
        .split_once("<::>")
        .ok_or_else(|| format!("its source {:?} lacks the <::> separator", clip(raw)))?;
    let params = params
        .strip_prefix('(')
        .and_then(|p| p.strip_suffix(')'))
        .ok_or_else(|| format!("its parameters {:?} are not in parentheses", clip(params)))?;
    let mut names = Vec::new();
    if params.trim() != "void" {
        for param in params.split(',').filter(|p| !p.trim().is_empty()) {
            let arg = param
                .split_whitespace()
                .last()
                .unwrap_or("")
                .replace('*', "");
            if !is_identifier(&arg) {
                return Err(format!("its parameter {:?} has no name", param.trim()));
            }
            names.push(arg);
        }
    }
    if body.trim().is_empty() {
        return Err("its body is empty".into());
    }
    Ok(format!("function {name}({}){body}", names.join(",")))
}

/// Reads the `ASM_CONSTS` table and the EM_JS functions that follow it
/// (`var ASM_CONSTS = {K: function(..) {..}, ..};` then `function NAME(..)
/// {..}` declarations) from an emcc 3.1 `.js` file; `Ok(None)` when the
/// file has no such table.
pub fn parse_companion(js: &str) -> Result<Option<Companion>, String> {
    let s = js.as_bytes();
    let Some(start) = find_table(js) else {
        return Ok(None);
    };
    let mut out = Companion::default();
    let mut i = skip_space(s, start + 1);
    loop {
        match s.get(i) {
            Some(b'}') => break,
            Some(c) if c.is_ascii_digit() => {}
            _ => {
                return Err(format!(
                    "ASM_CONSTS: an entry at byte {i} has no numeric key"
                ));
            }
        }
        let key_end = i + s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        let key: u32 = js[i..key_end]
            .parse()
            .map_err(|_| format!("ASM_CONSTS: key {} is out of range", &js[i..key_end]))?;
        i = skip_space(s, key_end);
        if s.get(i) != Some(&b':') {
            return Err(format!("ASM_CONSTS: entry {key} has no ':'"));
        }
        let value_start = skip_space(s, i + 1);
        let end = scan(s, value_start, b",")?;
        out.asm_consts
            .push((key, js[value_start..end].trim().to_string()));
        i = skip_space(s, end);
        if s.get(i) == Some(&b',') {
            i = skip_space(s, i + 1);
        }
    }
    i = skip_space(s, i + 1);
    if s.get(i) == Some(&b';') {
        i += 1;
    }
    loop {
        i = skip_space(s, i);
        if !js[i..].starts_with("function") {
            break;
        }
        let name_start = skip_space(s, i + "function".len());
        if name_start == i + "function".len() {
            break;
        }
        let name_end = name_start
            + s[name_start..]
                .iter()
                .take_while(|&&c| is_ident_byte(c))
                .count();
        let name = &js[name_start..name_end];
        let open = skip_space(s, name_end);
        if name.is_empty() || s.get(open) != Some(&b'(') {
            break;
        }
        let close = scan(s, open + 1, b"")?;
        let body = skip_space(s, close + 1);
        if s.get(body) != Some(&b'{') {
            return Err(format!("EM_JS function {name} has no body"));
        }
        let end = scan(s, body + 1, b"")?;
        out.em_js.push((name.to_string(), js[i..=end].to_string()));
        i = end + 1;
    }
    Ok(Some(out))
}

/// The names of the form `_name` that `js` may read as globals (a
/// program's exported functions, as Emscripten's runtime defines them):
/// every identifier starting with `_` not after a `.`.
pub fn underscore_names(js: &str) -> Vec<&str> {
    let s = js.as_bytes();
    let mut names = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if !is_ident_byte(s[i]) {
            i += 1;
            continue;
        }
        let end = i + s[i..].iter().take_while(|&&c| is_ident_byte(c)).count();
        let before = s[..i].iter().rev().find(|c| !c.is_ascii_whitespace());
        let after_dot = before == Some(&b'.');
        if s[i] == b'_' && end - i > 1 && !after_dot && !names.contains(&&js[i..end]) {
            names.push(&js[i..end]);
        }
        i = end;
    }
    names
}

/// Where the `{` of `ASM_CONSTS = {` is.
fn find_table(js: &str) -> Option<usize> {
    let s = js.as_bytes();
    let mut from = 0;
    while let Some(k) = js[from..].find("ASM_CONSTS") {
        let at = from + k;
        let eq = skip_space(s, at + "ASM_CONSTS".len());
        if s.get(eq) == Some(&b'=') {
            let brace = skip_space(s, eq + 1);
            if s.get(brace) == Some(&b'{') {
                return Some(brace);
            }
        }
        from = at + 1;
    }
    None
}

/// The index of the first byte from `i` on, outside strings, template
/// literals, comments, regular expressions and brackets opened after `i`,
/// that is one of `stops` or closes a bracket opened before `i`.
fn scan(s: &[u8], mut i: usize, stops: &[u8]) -> Result<usize, String> {
    // Closers expected, innermost last; b'`' marks a template's `${`.
    let mut open: Vec<u8> = Vec::new();
    // Whether a `/` here would start a regular expression (no operand
    // before it), as a JavaScript tokenizer decides.
    let mut regex_ok = true;
    while i < s.len() {
        let c = s[i];
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'/' if s.get(i + 1) == Some(&b'/') => {
                i += s[i..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .unwrap_or(s.len() - i);
                continue;
            }
            b'/' if s.get(i + 1) == Some(&b'*') => {
                let end = find(s, i + 2, b"*/").ok_or("a comment does not end")?;
                i = end + 2;
                continue;
            }
            b'/' if regex_ok => {
                i = skip_regex(s, i)?;
                regex_ok = false;
                continue;
            }
            b'\'' | b'"' => {
                i = skip_string(s, i)?;
                regex_ok = false;
                continue;
            }
            b'`' => {
                i = skip_template(s, i + 1, &mut open)?;
                regex_ok = false;
                continue;
            }
            _ => {}
        }
        if open.is_empty() && stops.contains(&c) {
            return Ok(i);
        }
        match c {
            b'{' => open.push(b'}'),
            b'(' => open.push(b')'),
            b'[' => open.push(b']'),
            b'}' | b')' | b']' => match open.pop() {
                None => return Ok(i),
                Some(b'`') if c == b'}' => {
                    i = skip_template(s, i + 1, &mut open)?;
                    regex_ok = false;
                    continue;
                }
                Some(want) if want == c => {}
                Some(want) => {
                    return Err(format!(
                        "unbalanced brackets: '{}' where '{}' was expected at byte {i}",
                        c as char, want as char
                    ));
                }
            },
            _ => {}
        }
        if is_ident_byte(c) {
            let end = i + s[i..].iter().take_while(|&&b| is_ident_byte(b)).count();
            regex_ok = matches!(
                &s[i..end],
                b"return"
                    | b"typeof"
                    | b"case"
                    | b"do"
                    | b"else"
                    | b"in"
                    | b"of"
                    | b"instanceof"
                    | b"new"
                    | b"void"
                    | b"delete"
                    | b"throw"
                    | b"yield"
                    | b"await"
            );
            i = end;
            continue;
        }
        regex_ok = !matches!(c, b')' | b']' | b'}');
        i += 1;
    }
    Err("the code ends inside a bracket, string or comment".into())
}

/// Past the string literal opening at `i`.
fn skip_string(s: &[u8], i: usize) -> Result<usize, String> {
    let quote = s[i];
    let mut k = i + 1;
    while k < s.len() {
        match s[k] {
            b'\\' => k += 2,
            c if c == quote => return Ok(k + 1),
            b'\n' => break,
            _ => k += 1,
        }
    }
    Err(format!("a string at byte {i} does not end"))
}

/// Past the rest of a template literal from `i` (after its opening
/// backquote or a `${..}`): to its end, or into a `${`, pushed on `open`.
fn skip_template(s: &[u8], mut i: usize, open: &mut Vec<u8>) -> Result<usize, String> {
    while i < s.len() {
        match s[i] {
            b'\\' => i += 2,
            b'`' => return Ok(i + 1),
            b'$' if s.get(i + 1) == Some(&b'{') => {
                open.push(b'`');
                return Ok(i + 2);
            }
            _ => i += 1,
        }
    }
    Err("a template literal does not end".into())
}

/// Past the regular expression literal opening at `i`, flags included.
fn skip_regex(s: &[u8], i: usize) -> Result<usize, String> {
    let mut k = i + 1;
    let mut class = false;
    while k < s.len() {
        match s[k] {
            b'\\' => k += 1,
            b'[' => class = true,
            b']' => class = false,
            b'/' if !class => {
                k += 1;
                return Ok(k + s[k..].iter().take_while(|&&c| is_ident_byte(c)).count());
            }
            b'\n' => break,
            _ => {}
        }
        k += 1;
    }
    Err(format!("a regular expression at byte {i} does not end"))
}

fn find(s: &[u8], from: usize, what: &[u8]) -> Option<usize> {
    s.get(from..)?
        .windows(what.len())
        .position(|w| w == what)
        .map(|k| from + k)
}

fn skip_space(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
        i += 1;
    }
    i
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

/// Whether `name` can name a JavaScript function (ASCII identifiers only,
/// as C names are).
pub fn is_identifier(name: &str) -> bool {
    name.bytes().all(is_ident_byte) && name.bytes().next().is_some_and(|c| !c.is_ascii_digit())
}

/// The start of a long text, for messages.
fn clip(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((k, _)) => format!("{}...", &s[..k]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn em_js_strings_become_declarations_as_emcc_makes_them() {
        assert_eq!(
            em_js_decl("add", "(int a, int b)<::>{ return a + b; }").unwrap(),
            "function add(a,b){ return a + b; }"
        );
        assert_eq!(
            em_js_decl(
                "say",
                "(const char *s, char** v)<::>{ out(UTF8ToString(s)); }"
            )
            .unwrap(),
            "function say(s,v){ out(UTF8ToString(s)); }"
        );
        assert_eq!(
            em_js_decl("none", "(void)<::>{ return 1; }").unwrap(),
            "function none(){ return 1; }"
        );
        assert_eq!(
            em_js_decl("empty", "()<::>{}").unwrap(),
            "function empty(){}"
        );
        // The body keeps its own "<::>".
        assert_eq!(
            em_js_decl("sep", "(int x)<::>{ return '<::>' + x; }").unwrap(),
            "function sep(x){ return '<::>' + x; }"
        );
    }

    #[test]
    fn malformed_em_js_strings_are_errors() {
        for (name, raw) in [
            ("f", "(int a){ return a; }"),
            ("f", "int a<::>{ return a; }"),
            ("f", "(int a, )<::>"),
            ("f", "(int *)<::>{}"),
            ("f", "(int a, ***)<::>{}"),
            ("f g", "()<::>{}"),
            ("1f", "()<::>{}"),
            ("", "()<::>{}"),
        ] {
            assert!(em_js_decl(name, raw).is_err(), "{name} {raw}");
        }
    }

    const O1: &str = r#"// === Body ===

var ASM_CONSTS = {
  254546: function($0) {return $0 * 2;},  
 254565: function($0) {console.log("asm } " + $0);},  
 254600: function() {return `x${ {a: 1}.a }}` + /[}]/.source.length;}
};
function add_js(a,b){ return a + b; }
function half(x,y){ return x / 2 + y; }




  var GOT = {};
"#;

    #[test]
    fn the_table_and_functions_are_read_from_an_o1_file() {
        let c = parse_companion(O1).unwrap().unwrap();
        assert_eq!(
            c.asm_consts,
            vec![
                (254546, "function($0) {return $0 * 2;}".to_string()),
                (
                    254565,
                    "function($0) {console.log(\"asm } \" + $0);}".to_string()
                ),
                (
                    254600,
                    "function() {return `x${ {a: 1}.a }}` + /[}]/.source.length;}".to_string()
                ),
            ]
        );
        assert_eq!(
            c.em_js("add_js"),
            Some("function add_js(a,b){ return a + b; }")
        );
        assert_eq!(
            c.em_js("half"),
            Some("function half(x,y){ return x / 2 + y; }")
        );
        assert_eq!(c.em_js.len(), 2);
        assert_eq!(c.asm_const(254546), Some("function($0) {return $0 * 2;}"));
        assert_eq!(c.asm_const(1), None);
    }

    #[test]
    fn the_table_and_functions_are_read_from_a_minified_file() {
        let js = r#"var x=1;var ASM_CONSTS={12:function($0){return $0*2},40:function(){/* } */return"}"}};function add_js(a,b){return a/b}function say(s){console.log("hi "+UTF8ToString(s))}var GOT={};"#;
        let c = parse_companion(js).unwrap().unwrap();
        assert_eq!(c.asm_consts.len(), 2);
        assert_eq!(c.asm_const(40), Some(r#"function(){/* } */return"}"}"#));
        assert_eq!(c.em_js("add_js"), Some("function add_js(a,b){return a/b}"));
        assert_eq!(
            c.em_js("say"),
            Some(r#"function say(s){console.log("hi "+UTF8ToString(s))}"#)
        );
    }

    #[test]
    fn an_empty_table_and_a_file_without_one() {
        let c = parse_companion("var ASM_CONSTS = {\n  \n};\n\nvar GOT = {};")
            .unwrap()
            .unwrap();
        assert_eq!(c, Companion::default());
        assert_eq!(parse_companion("console.log(1)").unwrap(), None);
        assert_eq!(
            parse_companion("ASM_CONSTS[code].apply(null, args)").unwrap(),
            None
        );
    }

    #[test]
    fn broken_files_are_errors_not_panics() {
        for js in [
            "var ASM_CONSTS = {",
            "var ASM_CONSTS = {12: function() { return 1; }",
            "var ASM_CONSTS = {x: 1};",
            "var ASM_CONSTS = {99999999999: 1};",
            "var ASM_CONSTS = {12 function() {}};",
            "var ASM_CONSTS = {12: function() { return 'a; }};",
            "var ASM_CONSTS = {12: function() { return (1]; }};",
            "var ASM_CONSTS = {}; function f(a { }",
            "var ASM_CONSTS = {}; function f(a) return 1;",
            "var ASM_CONSTS = {12: `${`};",
            "var ASM_CONSTS = {12: /* };",
        ] {
            assert!(parse_companion(js).is_err(), "{js}");
        }
    }

    #[test]
    fn division_is_not_a_regular_expression() {
        let js = "var ASM_CONSTS = {1: function(a) { return (a)/2 + a/2 + [a][0]/2; }};";
        let c = parse_companion(js).unwrap().unwrap();
        assert_eq!(
            c.asm_const(1),
            Some("function(a) { return (a)/2 + a/2 + [a][0]/2; }")
        );
    }

    #[test]
    fn underscore_globals_are_found_but_not_properties() {
        assert_eq!(
            underscore_names("var p = _malloc(4); Module._free(p); x.__y; _g2 +_malloc(_)"),
            vec!["_malloc", "_g2"]
        );
    }
}
