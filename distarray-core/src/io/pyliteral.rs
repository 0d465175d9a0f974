//! The Python literals `.npy` and `.dnpy` headers are written in: a small
//! parser (dicts, tuples, lists, strings, integers, booleans, `None`, and
//! numpy's `array([...])` form that the original DistArray wrote for
//! unstructured indices) and the writer's `repr` formatting.

use std::fmt::Write;

/// A parsed Python literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Py {
    /// `{...}` with its keys in order.
    Dict(Vec<(Py, Py)>),
    /// `(...)`
    Tuple(Vec<Py>),
    /// `[...]` (and `array([...])`)
    List(Vec<Py>),
    /// `'...'` or `"..."`
    Str(String),
    /// an integer
    Int(i64),
    /// `True` / `False`
    Bool(bool),
    /// `None`
    None,
}

impl Py {
    /// The value under string key `key` of a dict.
    pub fn get(&self, key: &str) -> Option<&Py> {
        match self {
            Py::Dict(items) => items
                .iter()
                .find(|(k, _)| matches!(k, Py::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    /// Items of a tuple or list.
    pub fn items(&self) -> Option<&[Py]> {
        match self {
            Py::Tuple(v) | Py::List(v) => Some(v),
            _ => None,
        }
    }
    /// The integer value.
    pub fn int(&self) -> Option<i64> {
        match self {
            Py::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// Converts to JSON (tuples become lists).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Py::Dict(items) => Value::Object(
                items
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Py::Str(s) => s.clone(),
                            other => other.repr(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
            Py::Tuple(v) | Py::List(v) => Value::Array(v.iter().map(Py::to_json).collect()),
            Py::Str(s) => Value::String(s.clone()),
            Py::Int(i) => Value::from(*i),
            Py::Bool(b) => Value::Bool(*b),
            Py::None => Value::Null,
        }
    }

    /// Python's `repr` of the value.
    pub fn repr(&self) -> String {
        let mut s = String::new();
        self.write_repr(&mut s);
        s
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Py::Dict(items) => {
                out.push('{');
                for (i, (k, v)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    k.write_repr(out);
                    out.push_str(": ");
                    v.write_repr(out);
                }
                out.push('}');
            }
            Py::Tuple(v) => {
                out.push('(');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write_repr(out);
                }
                if v.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Py::List(v) => {
                out.push('[');
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    x.write_repr(out);
                }
                out.push(']');
            }
            Py::Str(s) => {
                let _ = write!(out, "'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"));
            }
            Py::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Py::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            Py::None => out.push_str("None"),
        }
    }
}

/// Parses one Python literal (trailing whitespace allowed).
pub fn parse(text: &str) -> Result<Py, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("unexpected text at byte {}: {:?}", p.i, p.rest()));
    }
    Ok(v)
}

/// Deepest nesting of dicts, tuples and lists accepted: headers nest two
/// or three levels; a crafted header nested deeper would otherwise
/// overflow the stack of this recursive parser.
pub const MAX_DEPTH: usize = 64;

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    /// values being parsed, one inside the other
    depth: usize,
}

impl Parser<'_> {
    fn rest(&self) -> String {
        String::from_utf8_lossy(&self.s[self.i..self.s.len().min(self.i + 20)]).into_owned()
    }
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.eat(c) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at byte {}, found {:?}",
                c as char,
                self.i,
                self.rest()
            ))
        }
    }
    /// Items up to `close`, allowing a trailing comma; returns (items, saw_comma).
    fn seq(&mut self, close: u8) -> Result<(Vec<Py>, bool), String> {
        let mut items = Vec::new();
        let mut comma = false;
        loop {
            if self.eat(close) {
                return Ok((items, comma));
            }
            items.push(self.value()?);
            comma = self.eat(b',');
            if !comma {
                self.expect(close)?;
                return Ok((items, comma));
            }
        }
    }
    fn value(&mut self) -> Result<Py, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "nested more than {MAX_DEPTH} levels deep at byte {}",
                self.i
            ));
        }
        self.depth += 1;
        let v = self.one_value();
        self.depth -= 1;
        v
    }
    fn one_value(&mut self) -> Result<Py, String> {
        self.ws();
        let Some(&c) = self.s.get(self.i) else {
            return Err("unexpected end of header".into());
        };
        match c {
            b'{' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    if self.eat(b'}') {
                        return Ok(Py::Dict(items));
                    }
                    let k = self.value()?;
                    self.expect(b':')?;
                    let v = self.value()?;
                    items.push((k, v));
                    if !self.eat(b',') {
                        self.expect(b'}')?;
                        return Ok(Py::Dict(items));
                    }
                }
            }
            b'(' => {
                self.i += 1;
                let (items, comma) = self.seq(b')')?;
                if items.len() == 1 && !comma {
                    Ok(items.into_iter().next().unwrap()) // parenthesized value
                } else {
                    Ok(Py::Tuple(items))
                }
            }
            b'[' => {
                self.i += 1;
                Ok(Py::List(self.seq(b']')?.0))
            }
            b'\'' | b'"' => {
                self.i += 1;
                let mut out = Vec::new();
                while let Some(&b) = self.s.get(self.i) {
                    self.i += 1;
                    if b == c {
                        return String::from_utf8(out)
                            .map(Py::Str)
                            .map_err(|e| e.to_string());
                    }
                    if b == b'\\' {
                        if let Some(&n) = self.s.get(self.i) {
                            self.i += 1;
                            out.push(n);
                        }
                    } else {
                        out.push(b);
                    }
                }
                Err("unterminated string".into())
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                self.i += 1;
                while self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
                    self.i += 1;
                }
                if self.s.get(self.i) == Some(&b'L') {
                    self.i += 1; // Python 2 long
                    let t = std::str::from_utf8(&self.s[start..self.i - 1]).unwrap();
                    return t.parse().map(Py::Int).map_err(|e| e.to_string());
                }
                let t = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                t.parse()
                    .map(Py::Int)
                    .map_err(|e| format!("bad integer {t:?}: {e}"))
            }
            _ => {
                let start = self.i;
                while self
                    .s
                    .get(self.i)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    self.i += 1;
                }
                match &self.s[start..self.i] {
                    b"True" => Ok(Py::Bool(true)),
                    b"False" => Ok(Py::Bool(false)),
                    b"None" => Ok(Py::None),
                    b"array" => {
                        // numpy's repr: array([1, 2, 3]) or array([1, 2], dtype=int32)
                        self.expect(b'(')?;
                        let inner = self.value()?;
                        if self.eat(b',') {
                            while self.s.get(self.i).is_some_and(|&b| b != b')') {
                                self.i += 1;
                            }
                        }
                        self.expect(b')')?;
                        Ok(inner)
                    }
                    other => Err(format!(
                        "unexpected {:?} at byte {start}",
                        String::from_utf8_lossy(other)
                    )),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        for open in ["[", "(", "{'a': "] {
            let text = open.repeat(100_000);
            let err = parse(&text).expect_err("refused");
            assert!(err.contains("nested more than 64 levels"), "{err}");
        }
        let ok = format!(
            "{}1{}",
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn parses_headers() {
        let h = "{'__version__': '0.10.0', 'dim_data': ({'dist_type': 'c', 'size': 7, 'start': 0},), }      \n";
        let v = parse(h).unwrap();
        assert_eq!(v.get("__version__"), Some(&Py::Str("0.10.0".into())));
        let dims = v.get("dim_data").unwrap().items().unwrap();
        assert_eq!(dims.len(), 1);
        assert_eq!(dims[0].get("size"), Some(&Py::Int(7)));
        let u = parse("{'indices': array([3, 0, 5]), 'p': (1, 2), 'q': True}").unwrap();
        assert_eq!(u.get("indices").unwrap().items().unwrap().len(), 3);
        assert!(parse("{'a': }").is_err());
    }

    #[test]
    fn reprs_like_python() {
        assert_eq!(Py::Tuple(vec![Py::Int(4)]).repr(), "(4,)");
        assert_eq!(Py::Tuple(vec![Py::Int(2), Py::Int(3)]).repr(), "(2, 3)");
        assert_eq!(Py::Tuple(vec![]).repr(), "()");
        assert_eq!(Py::Str("<f8".into()).repr(), "'<f8'");
        assert_eq!(Py::Bool(false).repr(), "False");
    }
}
