//! Reads `#[keepalive(...)]` into plain data. Duration strings go through keepalive-core's
//! grammar here; rules that combine values live in `valid`.

use core::time::Duration;

use keepalive_core::{Knob, parse_duration};
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Data, DeriveInput, Expr, Lit, Token, UnOp};

use crate::cfg::Pred;
use crate::ctxt::Ctxt;
use crate::symbol::*;

/// A value as written: a literal the macro knows, or a path to a `const` that only
/// constant evaluation knows.
pub(crate) enum Value<T> {
    Lit { value: T, tokens: TokenStream },
    Const { path: syn::ExprPath },
}

impl<T: Copy> Value<T> {
    pub(crate) fn literal(&self) -> Option<T> {
        match self {
            Value::Lit { value, .. } => Some(*value),
            Value::Const { .. } => None,
        }
    }
}

impl<T> Value<T> {
    /// The tokens of the value, for errors that cover all of it.
    pub(crate) fn tokens(&self) -> TokenStream {
        match self {
            Value::Lit { tokens, .. } => tokens.clone(),
            Value::Const { path } => path.to_token_stream(),
        }
    }
}

/// The first and last token of a value: generated code that starts at one and ends at the
/// other is reported by rustc as covering the whole value.
#[derive(Clone, Copy)]
pub(crate) struct Spot {
    pub(crate) first: Span,
    pub(crate) last: Span,
}

impl Spot {
    pub(crate) fn of(tokens: impl ToTokens) -> Spot {
        let mut spans = tokens.into_token_stream().into_iter().map(|t| t.span());
        let first = spans.next().unwrap_or_else(Span::call_site);
        Spot {
            first,
            last: spans.last().unwrap_or(first),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ApplyAt {
    BeforeConnect,
    AfterConnect,
}

/// The struct attribute. Every key optional; `None` leaves the OS default.
#[derive(Default)]
pub(crate) struct Attrs {
    pub(crate) timeout: Option<Value<Duration>>,
    pub(crate) interval: Option<Value<Duration>>,
    pub(crate) retries: Option<Value<u32>>,
    pub(crate) user_timeout: Option<Value<Duration>>,
    pub(crate) enabled: Option<(bool, TokenStream)>,
    pub(crate) best_effort: bool,
    /// Tokens of `best_effort = true`, where an error about it points.
    pub(crate) best_effort_tokens: Option<TokenStream>,
    pub(crate) detect_idle_only: bool,
    pub(crate) detect_idle_only_tokens: Option<TokenStream>,
    pub(crate) apply: Option<(ApplyAt, TokenStream)>,
    pub(crate) max_detect: Option<Value<Duration>>,
    pub(crate) bounds: Option<syn::ExprPath>,
    pub(crate) krate: Option<syn::Path>,
    /// A timing key (or `detect_idle_only`) was written but could not be read: checks that
    /// combine timings would only report its absence again.
    pub(crate) unreadable_timing: bool,
    seen: Vec<&'static str>,
}

impl Attrs {
    pub(crate) fn enabled(&self) -> bool {
        self.enabled.as_ref().is_none_or(|(on, _)| *on)
    }

    pub(crate) fn time(&self, knob: Knob) -> Option<&Value<Duration>> {
        match knob {
            Knob::Timeout => self.timeout.as_ref(),
            Knob::Interval => self.interval.as_ref(),
            Knob::UserTimeout => self.user_timeout.as_ref(),
            Knob::Retries => None,
        }
    }

    /// Tokens of the value written for `knob`, if any.
    pub(crate) fn knob_tokens(&self, knob: Knob) -> Option<TokenStream> {
        match knob {
            Knob::Retries => self.retries.as_ref().map(Value::tokens),
            _ => self.time(knob).map(Value::tokens),
        }
    }

    pub(crate) fn knob_is_const(&self, knob: Knob) -> bool {
        match knob {
            Knob::Retries => matches!(self.retries, Some(Value::Const { .. })),
            _ => matches!(self.time(knob), Some(Value::Const { .. })),
        }
    }

    /// Records a key; false (with an error) if it was already written.
    fn first(&mut self, cx: &Ctxt, key: &'static str, path: &syn::Path) -> bool {
        if self.seen.contains(&key) {
            cx.error_spanned_by(
                path,
                format!("duplicate `{key}`; write each key once and remove this one"),
            );
            return false;
        }
        self.seen.push(key);
        true
    }
}

/// Parses the tokens inside `#[keepalive(...)]`. Errors go to `cx`; what parsed is kept.
pub(crate) fn parse(cx: &Ctxt, args: TokenStream) -> Attrs {
    let mut attrs = Attrs::default();
    let args = without_keyless_values(cx, &mut attrs, without_invisible_group(args));
    let parser = syn::meta::parser(|meta| parse_key(cx, &mut attrs, meta));
    if let Err(err) = parser.parse2(args) {
        cx.syn_error(err);
    }
    attrs
}

fn parse_key(
    cx: &Ctxt,
    attrs: &mut Attrs,
    meta: syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let path = &meta.path;
    let Some(ident) = path.get_ident() else {
        cx.error_spanned_by(
            path,
            format!("expected a key, not a path; keys are {}", key_list()),
        );
        skip_value(meta.input)?;
        return Ok(());
    };
    // `r#timeout` is the key `timeout`.
    let name = syn::ext::IdentExt::unraw(ident).to_string();
    // Each arm: read the value whatever happens, so the next key still parses.
    match name.as_str() {
        TIMEOUT | INTERVAL | USER_TIMEOUT | MAX_DETECT => {
            let key = KEYS.iter().copied().find(|k| *k == name).unwrap();
            let Some(expr) = value_expr(cx, attrs, &meta, key)? else {
                attrs.unreadable_timing = true;
                return Ok(());
            };
            let value = duration_value(cx, key, expr);
            attrs.unreadable_timing |= value.is_none();
            if attrs.first(cx, key, path) {
                let slot = match key {
                    TIMEOUT => &mut attrs.timeout,
                    INTERVAL => &mut attrs.interval,
                    USER_TIMEOUT => &mut attrs.user_timeout,
                    _ => &mut attrs.max_detect,
                };
                *slot = value;
            }
        }
        RETRIES => {
            let Some(expr) = value_expr(cx, attrs, &meta, RETRIES)? else {
                attrs.unreadable_timing = true;
                return Ok(());
            };
            let value = retries_value(cx, expr);
            attrs.unreadable_timing |= value.is_none();
            if attrs.first(cx, RETRIES, path) {
                attrs.retries = value;
            }
        }
        BEST_EFFORT | DETECT_IDLE_ONLY => {
            let key = if name == BEST_EFFORT {
                BEST_EFFORT
            } else {
                DETECT_IDLE_ONLY
            };
            let Some(expr) = value_expr(cx, attrs, &meta, key)? else {
                attrs.unreadable_timing |= key == DETECT_IDLE_ONLY;
                return Ok(());
            };
            let tokens = quote::quote!(#path = #expr);
            let value = match expr {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Bool(b), ..
                }) => b.value,
                other => {
                    let message = if key == BEST_EFFORT {
                        "`best_effort` takes `true` or `false`; write `best_effort = true` to leave out, and report at run time, knobs the target has no option for"
                    } else {
                        "`detect_idle_only` takes `true` or `false`; write `detect_idle_only = true` to state that `max_detect` covers idle connections only"
                    };
                    cx.error_spanned_by(other, message);
                    attrs.unreadable_timing |= key == DETECT_IDLE_ONLY;
                    false
                }
            };
            if attrs.first(cx, key, path) {
                if key == BEST_EFFORT {
                    attrs.best_effort = value;
                    attrs.best_effort_tokens = Some(tokens);
                } else {
                    attrs.detect_idle_only = value;
                    attrs.detect_idle_only_tokens = Some(tokens);
                }
            }
        }
        ENABLED => {
            let Some(expr) = value_expr(cx, attrs, &meta, ENABLED)? else {
                return Ok(());
            };
            let tokens = expr.to_token_stream();
            let value = match expr {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Bool(b), ..
                }) => Some(b.value),
                _ => {
                    cx.error_spanned_by(
                        &tokens,
                        "`enabled` takes `true` or `false`; write `enabled = false` to turn keep-alive off deliberately (it is on by default)",
                    );
                    None
                }
            };
            if attrs.first(cx, ENABLED, path) {
                attrs.enabled = value.map(|v| (v, tokens));
            }
        }
        APPLY => {
            let Some(expr) = value_expr(cx, attrs, &meta, APPLY)? else {
                return Ok(());
            };
            let tokens = expr.to_token_stream();
            let written = match &expr {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => s.value(),
                other => other.to_token_stream().to_string(),
            };
            let value = match written.as_str() {
                BEFORE_CONNECT if is_str(&expr) => Some(ApplyAt::BeforeConnect),
                AFTER_CONNECT if is_str(&expr) => Some(ApplyAt::AfterConnect),
                BEFORE_CONNECT | AFTER_CONNECT => {
                    cx.error_spanned_by(
                        &tokens,
                        format!("`apply` takes its value in quotes: write `apply = \"{written}\"`"),
                    );
                    None
                }
                _ => {
                    cx.error_spanned_by(
                        &tokens,
                        format!(
                            "unknown `apply` value `{}`; write `apply = \"{BEFORE_CONNECT}\"` (the default) or `apply = \"{AFTER_CONNECT}\"`",
                            shown(&written)
                        ),
                    );
                    None
                }
            };
            if attrs.first(cx, APPLY, path) {
                attrs.apply = value.map(|v| (v, tokens));
            }
        }
        BOUNDS => {
            let Some(expr) = value_expr(cx, attrs, &meta, BOUNDS)? else {
                return Ok(());
            };
            let value = match expr {
                Expr::Path(p) => Some(p),
                other => {
                    cx.error_spanned_by(
                        other,
                        "`bounds` takes the path of a `keepalive_runtime::Bounds` const, such as `bounds = my_org::PRODUCTION`",
                    );
                    None
                }
            };
            if attrs.first(cx, BOUNDS, path) {
                attrs.bounds = value;
            }
        }
        CRATE => {
            let Some(expr) = value_expr(cx, attrs, &meta, CRATE)? else {
                return Ok(());
            };
            let value = match &expr {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => match s.parse::<syn::Path>() {
                    Ok(p) => Some(p),
                    Err(_) => {
                        cx.error_spanned_by(
                            s,
                            format!(
                                "`crate = \"{}\"` is not a path; write the path where the runtime is re-exported, such as `crate = \"my_lib::keepalive\"`",
                                shown(&s.value())
                            ),
                        );
                        None
                    }
                },
                other => {
                    cx.error_spanned_by(
                        other,
                        format!(
                            "`crate` takes the path in quotes: `crate = \"{}\"`",
                            shown(&other.to_token_stream().to_string())
                        ),
                    );
                    None
                }
            };
            if attrs.first(cx, CRATE, path) {
                attrs.krate = value;
            }
        }
        SOCKET => {
            cx.error_spanned_by(
                path,
                "`socket` marks a field, not the struct; put `#[keepalive(socket)]` on the field that holds the TCP stream",
            );
            skip_value(meta.input)?;
        }
        _ if meta.input.peek(syn::token::Paren) => {
            // `policy(timeout = ...)`: keys written in a group of their own.
            let group: TokenTree = meta.input.parse()?;
            let inner = match &group {
                TokenTree::Group(g) => g.stream().to_string(),
                _ => String::new(),
            };
            cx.error_spanned_by(
                path,
                format!(
                    "keys go directly inside `#[keepalive(...)]`, not in a group `{}(...)`: write `#[keepalive({})]`",
                    shown(&name),
                    shown(&inner)
                ),
            );
            attrs.unreadable_timing = true;
        }
        _ => {
            cx.error_spanned_by(path, unknown_key(&name));
            // A misspelt timing (`timout`) is a timing not read.
            let meant = keepalive_core::keys::suggest_key(&name, KEYS);
            attrs.unreadable_timing |= matches!(
                meant,
                Some(TIMEOUT | INTERVAL | RETRIES | USER_TIMEOUT | MAX_DETECT | DETECT_IDLE_ONLY)
            );
            skip_value(meta.input)?;
        }
    }
    Ok(())
}

fn is_str(expr: &Expr) -> bool {
    matches!(
        expr,
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(_),
            ..
        })
    )
}

fn example(key: &str) -> &'static str {
    match key {
        TIMEOUT => "timeout = \"30s\"",
        INTERVAL => "interval = \"5s\"",
        RETRIES => "retries = 4",
        USER_TIMEOUT => "user_timeout = \"50s\"",
        ENABLED => "enabled = false",
        APPLY => "apply = \"after_connect\"",
        MAX_DETECT => "max_detect = \"1m\"",
        DETECT_IDLE_ONLY => "detect_idle_only = true",
        BEST_EFFORT => "best_effort = true",
        BOUNDS => "bounds = my_org::PRODUCTION",
        _ => "crate = \"my_lib::keepalive\"",
    }
}

/// Rust's keywords, strict and reserved (the Reference, "Keywords"): not a const's name.
const KEYWORDS: &[&str] = &[
    "_", "abstract", "as", "async", "await", "become", "box", "break", "const", "continue",
    "crate", "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if",
    "impl", "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The expression after `key =`, or `None` (with an error) when there is none.
fn value_expr(
    cx: &Ctxt,
    attrs: &mut Attrs,
    meta: &syn::meta::ParseNestedMeta<'_>,
    key: &'static str,
) -> syn::Result<Option<Expr>> {
    let input = meta.input;
    if !input.peek(Token![=]) {
        cx.error_spanned_by(
            &meta.path,
            format!("`{key}` needs a value; write `{}`", example(key)),
        );
        skip_value(input)?;
        return Ok(None);
    }
    let eq: Token![=] = input.parse()?;
    if input.is_empty() || input.peek(Token![,]) {
        cx.error_spanned_by(
            quote::quote!(#eq),
            format!("missing value after `{key} =`; write `{}`", example(key)),
        );
        return Ok(None);
    }
    // A literal followed by `,` or the end, the common case, is read as one; syn's whole
    // expression parser costs more, and runs for every value of every annotated struct.
    let literal_alone = input.cursor().literal().is_some_and(|(_, rest)| {
        rest.eof() || rest.punct().is_some_and(|(p, _)| p.as_char() == ',')
    });
    // Likewise a const's name alone (`timeout = IDLE`); a keyword (`true`, `Self`, `fn`)
    // goes through the parser, which reads or refuses it.
    let name_alone = input.cursor().ident().and_then(|(ident, rest)| {
        let alone = rest.eof() || rest.punct().is_some_and(|(p, _)| p.as_char() == ',');
        (alone && !KEYWORDS.contains(&ident.to_string().as_str())).then_some(ident)
    });
    let value_tokens = input.fork();
    let parsed = if literal_alone {
        input.parse::<Lit>().map(|lit| {
            Expr::Lit(syn::ExprLit {
                attrs: Vec::new(),
                lit,
            })
        })
    } else if let Some(ident) = name_alone {
        input.parse::<proc_macro2::TokenTree>().map(|_| {
            Expr::Path(syn::ExprPath {
                attrs: Vec::new(),
                qself: None,
                path: ident.into(),
            })
        })
    } else {
        input.parse::<Expr>()
    };
    let expr = match parsed {
        Ok(expr) => ungroup(expr),
        Err(_) => {
            // syn's own message would name its features; say what the key takes instead.
            let written = skip_rest(&value_tokens)?;
            skip_rest(input)?;
            unreadable_value(cx, key, written);
            return Ok(None);
        }
    };
    if !input.is_empty() && !input.peek(Token![,]) {
        let rest = skip_rest(input)?;
        // `enabled = true timeout = "5s"`: the next key went unread with this value.
        let swallowed = rest.clone().into_iter().next().is_some_and(|t| {
            matches!(&t, TokenTree::Ident(i)
                if [TIMEOUT, INTERVAL, RETRIES, USER_TIMEOUT, MAX_DETECT, DETECT_IDLE_ONLY].iter().any(|k| i == k))
        });
        attrs.unreadable_timing |= swallowed;
        trailing_tokens(cx, key, &expr, rest);
        return Ok(None);
    }
    if let Expr::Lit(syn::ExprLit {
        lit: Lit::Str(s), ..
    }) = &expr
    {
        if !s.suffix().is_empty() {
            // rustc hands `"5s"h` over as one literal; its suffix would otherwise be dropped.
            cx.error_spanned_by(
                s,
                format!(
                    "a string takes no suffix; remove `{}` and write `{key} = \"{}\"`",
                    shown(s.suffix()),
                    shown(&s.value())
                ),
            );
            return Ok(None);
        }
    }
    Ok(Some(expr))
}

/// A value that is no Rust expression the attribute reads (`+5`, `[1]`, `{ 5 }`).
fn unreadable_value(cx: &Ctxt, key: &str, written: TokenStream) {
    let mut tokens = written.clone().into_iter();
    let message = match tokens.next() {
        Some(TokenTree::Punct(p)) if p.as_char() == '+' => {
            let rest: TokenStream = tokens.collect();
            format!(
                "a value takes no sign; write `{key} = {}`",
                shown(&rest.to_string())
            )
        }
        _ => format!(
            "`{}` is not a value `{key}` takes; write `{}`",
            shown(&written.to_string()),
            example(key)
        ),
    };
    cx.error_spanned_by(written, message);
}

/// Reports what follows a value before the next `,`: most often a forgotten `,` before the
/// next key, or a duration with several units that needs quotes.
fn trailing_tokens(cx: &Ctxt, key: &str, expr: &Expr, rest: TokenStream) {
    let next_key = rest
        .clone()
        .into_iter()
        .any(|t| matches!(&t, TokenTree::Punct(p) if p.as_char() == '='));
    let first = rest.clone().into_iter().next();
    if let Some(TokenTree::Punct(p)) = &first {
        if p.as_char() == ';' {
            cx.error_spanned_by(
                p,
                format!(
                    "keys are separated by `,`, not `;`: write `{key} = {}, ...`",
                    shown(&expr.to_token_stream().to_string())
                ),
            );
            return;
        }
    }
    let duration_key = matches!(key, TIMEOUT | INTERVAL | USER_TIMEOUT | MAX_DETECT);
    if let (
        true,
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }),
        Some(TokenTree::Ident(unit)),
    ) = (duration_key, expr, &first)
    {
        let units = ["ms", "s", "m", "min", "h"];
        if i.suffix().is_empty()
            && rest.clone().into_iter().count() == 1
            && units.iter().any(|u| unit == u)
        {
            cx.error_spanned_by(
                quote::quote!(#expr #rest),
                format!(
                    "a unit follows its number with no space between: write `{key} = {}{unit}`",
                    shown(i.base10_digits())
                ),
            );
            return;
        }
    }
    if next_key {
        let first = rest.into_iter().next();
        let message = format!(
            "expected `,` after the value of `{key}`; separate keys with `,`, as in `{key} = {}, {} = ...`",
            shown(&expr.to_token_stream().to_string()),
            shown(&first.as_ref().map(ToString::to_string).unwrap_or_default()),
        );
        cx.error_spanned_by(first, message);
        return;
    }
    let is_int = |t: &TokenTree| matches!(t, TokenTree::Literal(l) if l.to_string().starts_with(|c: char| c.is_ascii_digit()));
    let duration = matches!(key, TIMEOUT | INTERVAL | USER_TIMEOUT | MAX_DETECT);
    let units = duration
        && matches!(
            expr,
            Expr::Lit(syn::ExprLit {
                lit: Lit::Int(_),
                ..
            })
        )
        && rest.clone().into_iter().all(|t| is_int(&t));
    if duration && !units && !matches!(expr, Expr::Lit(_) | Expr::Path(_)) {
        // Not a value with something after it but no duration at all (`1979-05-27T07:32:00Z`).
        return not_a_duration(cx, key, quote::quote!(#expr #rest));
    }
    let message = if units {
        let whole = format!("{} {}", expr.to_token_stream(), rest);
        format!(
            "a duration with several units goes in quotes: write `{key} = \"{}\"`",
            shown(&whole)
        )
    } else {
        format!(
            "unexpected `{}` after the value of `{key}`; separate keys with `,`",
            shown(&rest.to_string())
        )
    };
    cx.error_spanned_by(quote::quote!(#expr #rest), message);
}

/// User text as a message quotes it: keepalive-core's one rule ([`keepalive_core::shown`]),
/// so a megabyte value is not echoed back whole.
pub(crate) fn shown(text: &str) -> String {
    keepalive_core::shown(text).into_owned()
}

/// The expression inside the invisible groups that `macro_rules!` wraps around a `literal`,
/// `expr` or `path` fragment, so a value passed through a macro reads as written.
fn ungroup(expr: Expr) -> Expr {
    match expr {
        Expr::Group(group) => ungroup(*group.expr),
        expr => expr,
    }
}

/// Tokens up to the next `,` (or the end).
fn skip_rest(input: ParseStream<'_>) -> syn::Result<TokenStream> {
    let mut rest = TokenStream::new();
    while !input.is_empty() && !input.peek(Token![,]) {
        rest.extend([input.parse::<TokenTree>()?]);
    }
    Ok(rest)
}

/// Consumes `= value` or `(...)` after a key that was already reported.
fn skip_value(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
    }
    skip_rest(input).map(drop)
}

/// Reads a duration: `"1h 30m"`, `90s`, or a const path. Errors through core's grammar.
fn duration_value(cx: &Ctxt, key: &str, expr: Expr) -> Option<Value<Duration>> {
    let tokens = expr.to_token_stream();
    let text = match expr {
        Expr::Path(p) => return Some(Value::Const { path: p }),
        Expr::Lit(syn::ExprLit { lit, .. }) => match lit {
            Lit::Str(s) => {
                let text = s.value();
                if let Some(message) = string_trap(key, &text) {
                    cx.error_spanned_by(tokens, message);
                    return None;
                }
                text
            }
            // rustc hands `90s` and `1h30m` over as an integer with a suffix.
            Lit::Int(i) => {
                let written = i.to_string();
                if written.starts_with("0x")
                    || written.starts_with("0o")
                    || written.starts_with("0b")
                {
                    cx.error_spanned_by(
                        tokens,
                        format!(
                            "`{}` is not decimal; a duration is a decimal number with a unit: write `{key} = {}s`",
                            shown(&written),
                            shown(i.base10_digits())
                        ),
                    );
                    return None;
                }
                format!("{}{}", i.base10_digits(), i.suffix())
            }
            Lit::Float(f) => {
                let written = f.to_string();
                if f.base10_digits().contains(['e', 'E']) {
                    cx.error_spanned_by(
                        tokens,
                        exponent(key, &written, f.base10_digits(), f.suffix()),
                    );
                    return None;
                }
                written
            }
            other => {
                not_a_duration(cx, key, other);
                return None;
            }
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            let inner = match ungroup(*u.expr) {
                Expr::Lit(syn::ExprLit {
                    lit: Lit::Str(s), ..
                }) => s.value(),
                other => other.to_token_stream().to_string(),
            };
            format!("-{inner}")
        }
        other => {
            not_a_duration(cx, key, other);
            return None;
        }
    };
    match parse_duration(&text) {
        Ok(value) => Some(Value::Lit { value, tokens }),
        Err(err) => {
            cx.error_spanned_by(tokens, err.message().as_str());
            None
        }
    }
}

/// `1e3ms`: the number with its exponent written out, where it is whole.
fn exponent(key: &str, written: &str, digits: &str, suffix: &str) -> String {
    let whole = digits
        .parse::<f64>()
        .ok()
        .filter(|v| v.fract() == 0.0 && *v >= 0.0 && *v < 1e15)
        .map(|v| format!("{v:.0}"));
    let unit = if suffix.is_empty() { "s" } else { suffix };
    match whole {
        Some(v) => format!(
            "`{}` has an exponent; a duration is a whole number with a unit: write `{key} = {v}{unit}`",
            shown(written)
        ),
        None => format!(
            "`{}` has an exponent; a duration is a whole number with a unit, such as `{key} = 1500ms`",
            shown(written)
        ),
    }
}

/// What a quoted duration has that core's grammar would report less helpfully: an
/// invisible character that is not a space, a digit separator, an exponent.
fn string_trap(key: &str, text: &str) -> Option<String> {
    let invisible = |c: char| {
        (c.is_whitespace() && c != ' ')
            || matches!(
                c,
                '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
            )
    };
    if let Some(c) = text.chars().find(|&c| invisible(c)) {
        let plain: String = text
            .chars()
            .filter_map(|c| match c {
                c if c.is_whitespace() => Some(' '),
                c if invisible(c) => None,
                c => Some(c),
            })
            .collect();
        return Some(format!(
            "the duration holds `{}`, an invisible character that is not a plain space; write `{key} = \"{}\"`",
            c.escape_unicode(),
            shown(&plain)
        ));
    }
    let b = text.as_bytes();
    let between_digits = |i: usize| {
        i > 0 && i + 1 < b.len() && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit()
    };
    if (0..b.len()).any(|i| b[i] == b'_' && between_digits(i)) {
        return Some(format!(
            "a quoted duration takes no `_` between digits; write `{key} = \"{}\"` (unquoted, `{}` works too)",
            shown(&text.replace('_', "")),
            shown(text)
        ));
    }
    if (0..b.len()).any(|i| matches!(b[i], b'e' | b'E') && between_digits(i)) {
        let end = text
            .find(|c: char| !(c.is_ascii_digit() || matches!(c, 'e' | 'E' | '.' | '+' | '-')))
            .unwrap_or(text.len());
        return Some(exponent(key, text, &text[..end], text[end..].trim()));
    }
    None
}

fn not_a_duration(cx: &Ctxt, key: &str, tokens: impl ToTokens) {
    cx.error_spanned_by(
        tokens,
        format!(
            "`{key}` takes a duration: a string such as `{key} = \"1h 30m\"`, a literal such as `{key} = 30s`, or the path of a `const` Duration"
        ),
    );
}

fn retries_value(cx: &Ctxt, expr: Expr) -> Option<Value<u32>> {
    let tokens = expr.to_token_stream();
    let error = |message: String| {
        cx.error_spanned_by(&tokens, message);
        None
    };
    match expr {
        Expr::Path(p) => Some(Value::Const { path: p }),
        Expr::Lit(syn::ExprLit {
            lit: Lit::Int(i), ..
        }) => match i.suffix() {
            // Any integer type: the count is a number whatever type the literal names.
            "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32"
            | "i64" | "i128" | "isize" => match i.base10_parse::<u32>() {
                Ok(value) => Some(Value::Lit {
                    value,
                    tokens: tokens.clone(),
                }),
                Err(_) => error(format!(
                    "`retries = {}` does not fit in u32; platforms accept far fewer (Linux at most 127)",
                    shown(i.base10_digits())
                )),
            },
            _ => error(format!(
                "`retries` counts probes and takes no unit; write `retries = {}`",
                shown(i.base10_digits())
            )),
        },
        Expr::Lit(syn::ExprLit {
            lit: Lit::Str(s), ..
        }) => error(format!(
            "`retries` takes a number, not a string; write `retries = {}`",
            shown(s.value().trim())
        )),
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            error("`retries` cannot be negative; write at least `retries = 1`".to_owned())
        }
        _ => error(
            "`retries` takes a number of probes such as `retries = 4`, or the path of a `const` u32"
                .to_owned(),
        ),
    }
}

fn key_list() -> String {
    KEYS.iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_key(name: &str) -> String {
    let written = shown(name);
    match keepalive_core::keys::suggest_key(name, KEYS) {
        Some(key) => format!("unknown key `{written}`; did you mean `{key}`?"),
        None => format!("unknown key `{written}`; expected one of {}", key_list()),
    }
}

/// The arguments less each value written without a key (`#[keepalive("2h")]`), reported
/// with the key it most likely belongs to.
fn without_keyless_values(cx: &Ctxt, attrs: &mut Attrs, args: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut at_start = true;
    for t in args {
        let keyless = at_start && matches!(&t, TokenTree::Literal(_));
        at_start = matches!(&t, TokenTree::Punct(p) if p.as_char() == ',');
        if keyless {
            let text = t.to_string();
            let example = if text.starts_with('"') {
                format!("timeout = {text}")
            } else if text.chars().all(|c| c.is_ascii_digit()) {
                format!("retries = {text}")
            } else {
                format!("timeout = {text}")
            };
            cx.error_spanned_by(
                &t,
                format!(
                    "a value needs its key: write `#[keepalive({})]`, or another key of {}",
                    shown(&example),
                    key_list()
                ),
            );
            attrs.unreadable_timing = true;
            // Its `,` goes with it.
            at_start = true;
            continue;
        }
        if at_start && out.is_empty() && matches!(&t, TokenTree::Punct(p) if p.as_char() == ',') {
            continue;
        }
        out.push(t);
    }
    out.into_iter().collect()
}

/// The tokens inside a single invisible group (a `meta` or `tt` fragment passed whole).
fn without_invisible_group(tokens: TokenStream) -> TokenStream {
    let mut iter = tokens.clone().into_iter();
    match (iter.next(), iter.next()) {
        (Some(TokenTree::Group(g)), None) if g.delimiter() == proc_macro2::Delimiter::None => {
            without_invisible_group(g.stream())
        }
        _ => tokens,
    }
}

/// The field markers of a struct, taken off its fields.
pub(crate) struct Markers {
    /// Each field marked `#[keepalive(socket)]`: its index, the marker's tokens, and the
    /// accessor of `#[keepalive(socket = path)]`.
    pub(crate) socket: Vec<Marker>,
    /// The `#[cfg]`s of each field, in field order: the macro sees the fields before cfg
    /// stripping.
    pub(crate) field_cfgs: Vec<Pred>,
    /// Whether any `#[keepalive ...]` was removed, so the item must be printed anew.
    pub(crate) removed: bool,
}

/// One field marked as the socket.
pub(crate) struct Marker {
    pub(crate) index: usize,
    pub(crate) tokens: TokenStream,
    /// `socket = path`: a function `fn(&Field) -> &Socket`.
    pub(crate) accessor: Option<syn::ExprPath>,
    /// `socket = <not a path>`: reported, and the field is then not looked at.
    pub(crate) bad_accessor: bool,
    /// The `cfg_attr` predicates the marker was written under (`True` when written bare).
    pub(crate) cond: Pred,
}

/// Whether `path` is the key `name`, raw (`r#socket`) or not.
fn is_key(path: &syn::Path, name: &str) -> bool {
    path.get_ident()
        .is_some_and(|i| syn::ext::IdentExt::unraw(i) == name)
}

/// Whether an attribute path names this attribute: `keepalive`, or a path ending in it
/// (`keepalive_runtime::keepalive`).
pub(crate) fn is_ours(path: &syn::Path) -> bool {
    path.segments.last().is_some_and(|s| s.ident == "keepalive") && path.segments.len() <= 3
}

/// `#[ka(socket)]` under a renamed import of the attribute (`use ... keepalive as ka`):
/// the macro cannot see the name it was imported as, but no other attribute a field takes
/// reads exactly `socket` or `socket = path`.
fn renamed_marker(attr: &Attribute) -> bool {
    const BUILTIN: &[&str] = &[
        "cfg",
        "cfg_attr",
        "doc",
        "allow",
        "warn",
        "deny",
        "forbid",
        "expect",
        "deprecated",
    ];
    let Some(ident) = attr.path().get_ident() else {
        return false;
    };
    if BUILTIN.iter().any(|b| ident == b) {
        return false;
    }
    let syn::Meta::List(list) = &attr.meta else {
        return false;
    };
    let mut tokens = list.tokens.clone().into_iter();
    let first_is_socket = matches!(tokens.next(), Some(TokenTree::Ident(i)) if i == SOCKET);
    first_is_socket
        && match tokens.next() {
            None => true,
            Some(TokenTree::Punct(p)) => p.as_char() == '=',
            _ => false,
        }
}

/// An outer attribute holding `meta`, at the spans of `attr`.
fn like(attr: &Attribute, meta: syn::Meta) -> Attribute {
    Attribute {
        pound_token: Token![#](attr.pound_token.span),
        style: syn::AttrStyle::Outer,
        bracket_token: syn::token::Bracket {
            span: attr.bracket_token.span,
        },
        meta,
    }
}

/// The markers inside `cfg_attr(pred, a, b, ...)` (nested ones too), each with the
/// predicates it is under, and the `cfg_attr` left when they are taken out (`None` when
/// nothing else was in it). The attribute back, untouched, when it holds no marker.
#[allow(clippy::type_complexity, clippy::result_large_err)]
fn split_cfg_attr(
    attr: Attribute,
    outer: &Pred,
) -> Result<(Vec<(Attribute, Pred)>, Option<Attribute>), Attribute> {
    use syn::punctuated::Punctuated;
    let Ok(metas) = attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
    else {
        return Err(attr);
    };
    let mut metas = metas.into_iter();
    let Some(pred_meta) = metas.next() else {
        return Err(attr);
    };
    let cond = Pred::all([outer.clone(), Pred::Atom(pred_meta.to_token_stream())]);
    let mut ours = Vec::new();
    let mut kept = Vec::new();
    for meta in metas {
        let inner = like(&attr, meta);
        if is_ours(inner.path()) {
            ours.push((inner, cond.clone()));
        } else if inner.path().is_ident("cfg_attr") {
            match split_cfg_attr(inner, &cond) {
                Ok((nested, rest)) => {
                    ours.extend(nested);
                    kept.extend(rest.map(|a| a.meta));
                }
                Err(inner) => kept.push(inner.meta),
            }
        } else {
            kept.push(inner.meta);
        }
    }
    if ours.is_empty() {
        return Err(attr);
    }
    let rest = (!kept.is_empty())
        .then(|| like(&attr, syn::parse_quote!(cfg_attr(#pred_meta, #(#kept),*))));
    Ok((ours, rest))
}

/// Removes every `#[keepalive ...]` from the fields (it is not a real attribute there),
/// including one inside `cfg_attr`, and returns the fields that carried
/// `#[keepalive(socket)]`.
pub(crate) fn take_field_markers(cx: &Ctxt, input: &mut DeriveInput) -> Markers {
    let mut markers = Markers {
        socket: Vec::new(),
        field_cfgs: Vec::new(),
        removed: false,
    };
    let fields: Vec<&mut syn::Field> = match &mut input.data {
        Data::Struct(s) => s.fields.iter_mut().collect(),
        Data::Enum(e) => e
            .variants
            .iter_mut()
            .flat_map(|v| v.fields.iter_mut())
            .collect(),
        Data::Union(u) => u.fields.named.iter_mut().collect(),
    };
    for (index, field) in fields.into_iter().enumerate() {
        let mut ours: Vec<(Attribute, Pred)> = Vec::new();
        let mut theirs = Vec::new();
        let mut cfgs = Vec::new();
        for attr in std::mem::take(&mut field.attrs) {
            if is_ours(attr.path()) || renamed_marker(&attr) {
                ours.push((attr, Pred::True));
            } else if attr.path().is_ident("cfg_attr") {
                match split_cfg_attr(attr, &Pred::True) {
                    Ok((inner, rest)) => {
                        markers.removed = true;
                        ours.extend(inner);
                        theirs.extend(rest);
                    }
                    Err(attr) => theirs.push(attr),
                }
            } else {
                if attr.path().is_ident("cfg") {
                    if let syn::Meta::List(list) = &attr.meta {
                        cfgs.push(Pred::Atom(list.tokens.clone()));
                    }
                }
                theirs.push(attr);
            }
        }
        field.attrs = theirs;
        markers.field_cfgs.push(Pred::all(cfgs));
        markers.removed |= !ours.is_empty();
        let mut marked = false;
        for (attr, cond) in ours {
            let Some((accessor, bad_accessor)) = field_marker(cx, &attr) else {
                continue;
            };
            if marked && cond.is_true() {
                cx.error_spanned_by(
                    &attr,
                    "this field is already marked; write `#[keepalive(socket)]` once",
                );
                continue;
            }
            marked = true;
            markers.socket.push(Marker {
                index,
                tokens: attr.to_token_stream(),
                accessor,
                bad_accessor,
                cond,
            });
        }
    }
    markers
}

/// `Some((accessor, malformed))` for a socket marker (`socket`, or `socket = path`).
fn field_marker(cx: &Ctxt, attr: &Attribute) -> Option<(Option<syn::ExprPath>, bool)> {
    if matches!(attr.meta, syn::Meta::Path(_)) {
        cx.error_spanned_by(
            attr,
            "write `#[keepalive(socket)]` to mark the socket field",
        );
        return None;
    }
    let mut socket = false;
    let mut accessor = None;
    let mut bad_accessor = false;
    let mut empty = true;
    let result = attr.parse_nested_meta(|meta| {
        empty = false;
        let alone = meta.input.is_empty() || meta.input.peek(Token![,]);
        if is_key(&meta.path, SOCKET) && alone {
            if socket {
                cx.error_spanned_by(
                    &meta.path,
                    "`socket` is written twice; write `#[keepalive(socket)]` once",
                );
            }
            socket = true;
        } else if is_key(&meta.path, SOCKET) && meta.input.peek(Token![=]) {
            if socket {
                cx.error_spanned_by(
                    &meta.path,
                    "`socket` is written twice; write `#[keepalive(socket = path)]` once",
                );
            }
            socket = true;
            match ungroup(meta.value()?.parse::<Expr>()?) {
                Expr::Path(p) => accessor = Some(p),
                other => {
                    bad_accessor = true;
                    cx.error_spanned_by(
                        other,
                        "`socket = ...` takes the path of a function `fn(&Field) -> &Socket` that reaches the socket inside the field, such as `Framed::get_ref`",
                    );
                }
            }
        } else if is_key(&meta.path, SOCKET) {
            cx.error_spanned_by(&meta.path, "`socket` takes no arguments; write `#[keepalive(socket)]`, or `#[keepalive(socket = path)]` with a function `fn(&Field) -> &Socket`");
            skip_value(meta.input)?;
        } else {
            let key = meta.path.to_token_stream().to_string();
            let hint = if KEYS.contains(&key.as_str()) {
                format!("`{key}` belongs in the `#[keepalive(...)]` on the struct; on a field only `#[keepalive(socket)]` is allowed")
            } else {
                format!(
                    "unknown field key `{}`; on a field only `#[keepalive(socket)]` is allowed",
                    shown(&key)
                )
            };
            cx.error_spanned_by(&meta.path, hint);
            skip_value(meta.input)?;
        }
        Ok(())
    });
    match result {
        Ok(()) if empty => cx.error_spanned_by(
            attr,
            "an empty `#[keepalive()]` marks nothing; write `#[keepalive(socket)]` on the field that holds the TCP stream, or remove it",
        ),
        Ok(()) => {}
        Err(err) => cx.syn_error(err),
    }
    socket.then_some((accessor, bad_accessor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synonyms_and_near_misses() {
        assert!(unknown_key("idle").contains("did you mean `timeout`"));
        assert!(unknown_key("keepcnt").contains("did you mean `retries`"));
        assert!(unknown_key("intvl").contains("did you mean `interval`"));
        assert!(unknown_key("timout").contains("did you mean `timeout`"));
        assert!(unknown_key("retires").contains("did you mean `retries`"));
        assert!(unknown_key("zzz").contains("expected one of"));
    }

    /// A megabyte key or value is quoted in a few dozen characters, not echoed whole.
    #[test]
    fn huge_input_is_not_echoed() {
        let huge = "x".repeat(1 << 20);
        let cases = [
            format!("{huge} = \"5s\""),
            format!("apply = \"{huge}\""),
            format!("retries = \"{huge}\""),
            format!("timeout = \"5s\"{huge}"),
            format!("crate = \"{huge} y\""),
            format!("timeout = 5 {huge}"),
        ];
        for args in cases {
            let args: TokenStream = args.parse().unwrap();
            let item = quote::quote!(
                struct Conn {
                    stream: std::net::TcpStream,
                }
            );
            let out = crate::expand::expand(args, item).to_string();
            assert!(out.contains("compile_error"), "{}", shown(&out));
            assert!(out.len() < 2_000, "{} bytes: {}", out.len(), shown(&out));
        }
    }
}
