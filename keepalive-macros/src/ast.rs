//! The struct as the macro understands it: its name, generics and socket field.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Data, DeriveInput, GenericArgument, Generics, Ident, Member, PathArguments, Type};

use crate::attr::Markers;
use crate::attr::shown;
use crate::cfg::Pred;
use crate::ctxt::Ctxt;
use crate::symbol::{NOT_TCP_TYPES, TCP_TYPES, WRAPPERS};

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// `None` for a policy type: a struct with no fields (`struct Api;`).
    pub(crate) socket: Option<Choices<'a>>,
}

/// The socket field in each configuration: the macro sees the fields before cfg stripping,
/// so where fields carry `#[cfg]` each choice is emitted under the cfgs it holds in.
pub(crate) struct Choices<'a> {
    pub(crate) variants: Vec<(Pred, Socket<'a>)>,
    /// Configurations with no socket field or several: an error under those cfgs.
    pub(crate) gaps: Vec<Gap>,
}

pub(crate) struct Gap {
    pub(crate) when: Pred,
    pub(crate) message: String,
    pub(crate) at: TokenStream,
}

pub(crate) struct Socket<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    /// Whether the type names a type parameter, so the impl needs a where-clause bound.
    pub(crate) generic: bool,
    /// `#[keepalive(socket = path)]`: the function that reaches the socket in the field.
    pub(crate) accessor: Option<&'a syn::ExprPath>,
}

/// A field that may be the socket, and the cfgs under which it is one.
struct Candidate<'a> {
    index: usize,
    field: &'a syn::Field,
    when: Pred,
    accessor: Option<&'a syn::ExprPath>,
}

/// More fields with `#[cfg]` before a tuple struct's socket field than this would need an
/// impl per combination of them; beyond it the struct names its fields instead.
const MAX_CFG_BEFORE: usize = 4;

impl<'a> Input<'a> {
    /// `None` (with errors in `cx`) when the struct has fields but no usable socket field.
    pub(crate) fn from_syn(
        cx: &Ctxt,
        input: &'a DeriveInput,
        markers: &'a Markers,
    ) -> Option<Self> {
        let fields = match &input.data {
            Data::Struct(s) => &s.fields,
            Data::Enum(e) => {
                cx.syn_error(syn::Error::new(
                    e.enum_token.span,
                    "#[keepalive] goes on a struct that holds the TCP stream, not on an enum; put it on the connection struct each variant holds",
                ));
                return None;
            }
            Data::Union(u) => {
                cx.syn_error(syn::Error::new(
                    u.union_token.span,
                    "#[keepalive] goes on a struct that holds the TCP stream, not on a union; use a struct",
                ));
                return None;
            }
        };
        // Fields that are all `PhantomData` (a policy type with type parameters) hold no
        // socket: a policy type too.
        let phantom = |f: &syn::Field| match ungroup_ty(&f.ty) {
            Type::Path(p) => p
                .path
                .segments
                .last()
                .is_some_and(|s| s.ident == "PhantomData"),
            _ => false,
        };
        if fields.is_empty() || fields.iter().all(phantom) {
            // A policy type: the attribute declares a policy that integrations take as a
            // type parameter.
            return Some(Input {
                ident: &input.ident,
                generics: &input.generics,
                socket: None,
            });
        }
        let fields: Vec<&syn::Field> = fields.iter().collect();
        let cfg_of = |i: usize| markers.field_cfgs.get(i).cloned().unwrap_or(Pred::True);
        // Reported where it was read; its type is not the socket's, so say no more.
        if markers.socket.iter().any(|m| m.bad_accessor) {
            return None;
        }
        let mut candidates: Vec<Candidate<'a>> = markers
            .socket
            .iter()
            .filter_map(|m| {
                Some(Candidate {
                    index: m.index,
                    field: fields.get(m.index)?,
                    when: Pred::all([cfg_of(m.index), m.cond.clone()]),
                    accessor: m.accessor.as_ref(),
                })
            })
            .collect();
        let marked = !candidates.is_empty();
        // Where no marker holds, the field types decide.
        let unmarked = Pred::any(candidates.iter().map(|c| c.when.clone())).not();
        if !unmarked.is_false() {
            candidates.extend(by_type(&fields).into_iter().map(|index| Candidate {
                index,
                field: fields[index],
                when: Pred::all([cfg_of(index), unmarked.clone()]),
                accessor: None,
            }));
        }
        candidates.retain(|c| !c.when.is_false());
        if candidates.is_empty() {
            no_socket_field(cx, input, &fields);
            return None;
        }
        let mut gaps = Vec::new();
        // Two candidates in one configuration.
        for (i, a) in candidates.iter().enumerate() {
            for b in &candidates[i + 1..] {
                let both = Pred::all([a.when.clone(), b.when.clone()]);
                if both.is_false() {
                    continue;
                }
                let (message, at) = if marked
                    && a.accessor.is_some() == b.accessor.is_some()
                    && markers.socket.iter().any(|m| m.index == b.index)
                {
                    (
                        "only one field can be the socket; remove all but one `#[keepalive(socket)]`".to_owned(),
                        markers
                            .socket
                            .iter()
                            .find(|m| m.index == b.index)
                            .map(|m| m.tokens.clone())
                            .unwrap_or_else(|| b.field.ty.to_token_stream()),
                    )
                } else {
                    (
                        format!(
                            "several fields could be the socket ({}, {}); mark the one keep-alive applies to with `#[keepalive(socket)]`",
                            name_of(a.index, a.field),
                            name_of(b.index, b.field)
                        ),
                        b.field.ty.to_token_stream(),
                    )
                };
                if both.is_true() {
                    cx.error_spanned_by(at, message);
                    return None;
                }
                gaps.push(Gap {
                    when: both,
                    message: format!("{message} (with the `#[cfg]`s of this build)"),
                    at,
                });
            }
        }
        let none = Pred::any(candidates.iter().map(|c| c.when.clone())).not();
        if !none.is_false() {
            gaps.push(Gap {
                when: none,
                message: format!(
                    "`{}` has no socket field with the `#[cfg]`s of this build; give the socket field a type (or a `#[keepalive(socket)]`) in every configuration",
                    input.ident
                ),
                at: input.ident.to_token_stream(),
            });
        }
        let mut variants = Vec::new();
        for (i, c) in candidates.iter().enumerate() {
            let others = Pred::any(
                candidates
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, o)| o.when.clone()),
            );
            let when = Pred::all([c.when.clone(), others.not()]);
            if when.is_false() {
                continue;
            }
            // Behind an accessor the socket's type is the function's to say; the bound on
            // it checks it.
            if c.accessor.is_none() {
                if let Some(message) = unsupported(&c.field.ty) {
                    cx.error_spanned_by(ungroup_ty(&c.field.ty), message);
                    return None;
                }
                if let Some((name, why)) = not_tcp(&c.field.ty) {
                    cx.error_spanned_by(
                        &c.field.ty,
                        format!(
                            "keep-alive needs a TCP stream; `{name}` is not one ({why}); use std::net::TcpStream, std::net::TcpListener, socket2::Socket, or with feature `tokio` tokio::net::{{TcpStream, TcpSocket, TcpListener}}"
                        ),
                    );
                    return None;
                }
            }
            let socket = |member: Member| Socket {
                member,
                ty: ungroup_ty(&c.field.ty),
                generic: mentions_type_param(&c.field.ty, &input.generics),
                accessor: c.accessor,
            };
            if let Some(ident) = &c.field.ident {
                variants.push((when, socket(Member::Named(ident.clone()))));
                continue;
            }
            // A tuple field's index counts the fields before it that survive cfg.
            let fixed = (0..c.index).filter(|&j| cfg_of(j).is_true()).count();
            let varying: Vec<Pred> = (0..c.index).map(cfg_of).filter(|p| !p.is_true()).collect();
            if varying.len() > MAX_CFG_BEFORE {
                cx.error_spanned_by(
                    &c.field.ty,
                    format!(
                        "more than {MAX_CFG_BEFORE} fields with `#[cfg]` before the socket field make its index depend on too many configurations; name the struct's fields, or move the socket field before them"
                    ),
                );
                return None;
            }
            for mask in 0..(1usize << varying.len()) {
                let present = varying.iter().enumerate().map(|(k, p)| {
                    if mask & (1 << k) != 0 {
                        p.clone()
                    } else {
                        p.clone().not()
                    }
                });
                let when = Pred::all(std::iter::once(when.clone()).chain(present));
                if when.is_false() {
                    continue;
                }
                let index = fixed + mask.count_ones() as usize;
                variants.push((when, socket(Member::Unnamed(index.into()))));
            }
        }
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            socket: Some(Choices { variants, gaps }),
        })
    }
}

fn name_of(index: usize, field: &syn::Field) -> String {
    match &field.ident {
        Some(ident) => format!("`{ident}`"),
        None => format!("`{index}`"),
    }
}

/// The fields whose type shows a TCP socket. A type merely named `Socket` (socket2's,
/// or a user's own) counts only where no field names a TCP type outright; a datagram or
/// local socket never does.
fn by_type(fields: &[&syn::Field]) -> Vec<usize> {
    let named: Vec<(usize, String, bool)> = fields
        .iter()
        .enumerate()
        .filter_map(|(i, f)| {
            let (name, qualified) = socket_segment_path(&f.ty)?;
            TCP_TYPES
                .contains(&name.as_str())
                .then_some((i, name, qualified))
        })
        .collect();
    let strong: Vec<usize> = named
        .iter()
        .filter(|(_, name, socket2)| name != "Socket" || *socket2)
        .map(|(i, _, _)| *i)
        .collect();
    if strong.is_empty() {
        named.into_iter().map(|(i, _, _)| i).collect()
    } else {
        strong
    }
}

/// No field is the socket: say why at the field that comes closest, else at the name.
fn no_socket_field(cx: &Ctxt, input: &DeriveInput, fields: &[&syn::Field]) {
    for field in fields {
        if let Some(message) = unsupported(&field.ty) {
            cx.error_spanned_by(ungroup_ty(&field.ty), message);
            return;
        }
    }
    for field in fields {
        if let Some((name, why)) = not_tcp(&field.ty) {
            cx.error_spanned_by(
                &field.ty,
                format!(
                    "keep-alive needs a TCP stream; `{name}` is not one ({why}); use std::net::TcpStream, std::net::TcpListener, socket2::Socket, or with feature `tokio` tokio::net::{{TcpStream, TcpSocket, TcpListener}}"
                ),
            );
            return;
        }
    }
    for field in fields {
        if let Some((outer, inner)) = holds_socket(&field.ty) {
            let how = match outer.as_str() {
                "Mutex" | "RwLock" | "RefCell" | "Cell" => format!(
                    "a `{outer}` lends its `{inner}` only through a guard, which `fn(&Field) -> &Socket` cannot return; keep the socket outside the `{outer}` (`Arc<{inner}>` works), or give the socket to `keepalive_runtime::apply(&socket, P::policy())` with a policy type"
                ),
                "Vec" | "VecDeque" | "HashMap" | "BTreeMap" | "HashSet" | "Slab" => format!(
                    "a `{outer}` holds many sockets and a connection type has one; put `#[keepalive]` on the struct that holds each connection, or apply a policy type to each with `keepalive_runtime::apply(&socket, P::policy())`"
                ),
                _ => format!(
                    "the attribute reaches through `&`, Box, Arc, Rc, Option and buffered readers and writers only; mark the field `#[keepalive(socket = path)]` with a function `fn(&{}) -> &{inner}` that reaches the socket",
                    shown(&field.ty.to_token_stream().to_string().replace(' ', ""))
                ),
            };
            cx.error_spanned_by(
                &field.ty,
                format!("this field holds a `{inner}` inside a `{outer}`: {how}"),
            );
            return;
        }
    }
    let generic = if input.generics.params.is_empty() {
        format!(
            "; for a policy with no socket, declare a unit struct: `struct {};`",
            input.ident
        )
    } else {
        "; a policy type takes no fields (`struct Api;`): keep its type parameters on the connection types that use it".to_owned()
    };
    cx.error_spanned_by(
        &input.ident,
        format!(
            "`{}` has no socket field; add a field of type std::net::TcpStream (or another TCP socket), or mark the field that holds it with `#[keepalive(socket)]`{generic}",
            input.ident
        ),
    );
}

/// The type inside the invisible groups a `macro_rules!` `$ty` wraps it in, so errors
/// point at the type where the macro was invoked.
pub(crate) fn ungroup_ty(ty: &Type) -> &Type {
    match ty {
        Type::Group(g) => ungroup_ty(&g.elem),
        ty => ty,
    }
}

/// Crates with TCP types of their own that the runtime does not set options on.
const OTHER_RUNTIMES: &[&str] = &[
    "mio",
    "async_std",
    "async_io",
    "async_net",
    "smol",
    "glommio",
    "monoio",
    "compio",
    "tokio_uring",
];

/// A TCP type of a crate the runtime does not support (`mio::net::TcpStream`): what to do.
fn unsupported(ty: &Type) -> Option<String> {
    let Type::Path(p) = ungroup_ty(ty) else {
        return None;
    };
    let last = p.path.segments.last()?;
    let name = last.ident.to_string();
    if !TCP_TYPES.contains(&name.as_str()) || name == "Socket" {
        return None;
    }
    let krate = p
        .path
        .segments
        .iter()
        .find(|s| OTHER_RUNTIMES.iter().any(|r| s.ident == r))?;
    let path = p.path.to_token_stream().to_string().replace(' ', "");
    Some(format!(
        "`{path}` is a TCP socket of `{}`, which keep-alive does not support: it sets options on std, socket2 and tokio sockets; hold a std::net::TcpStream (or std::net::TcpListener) in the field and convert it where `{}` needs its own, or apply a policy type to the socket with `keepalive_runtime::apply(&*socket2::SockRef::from(&socket), P::policy())`",
        krate.ident, krate.ident
    ))
}

/// `(wrapper, socket)` for a field type with a TCP socket somewhere inside a type the
/// attribute does not reach through (`Mutex<TcpStream>`, `Pin<Box<TcpStream>>`).
fn holds_socket(ty: &Type) -> Option<(String, String)> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    fn find(tokens: TokenStream) -> Option<String> {
        tokens.into_iter().find_map(|t| match t {
            TokenTree::Ident(i) => {
                let name = i.to_string();
                (TCP_TYPES.contains(&name.as_str()) && name != "Socket").then_some(name)
            }
            TokenTree::Group(g) => find(g.stream()),
            _ => None,
        })
    }
    let inner = find(last.arguments.to_token_stream())?;
    Some((last.ident.to_string(), inner))
}

/// The name of the socket a field type holds: its last path segment, looked for through
/// references, parentheses and the wrappers the runtime reaches through (`Box<T>`,
/// `Option<T>`, `BufReader<T>`, ...), so `Arc<UdpSocket>` is seen as a `UdpSocket`.
fn socket_segment(ty: &Type) -> Option<&Ident> {
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            if !WRAPPERS.contains(&last.ident.to_string().as_str()) {
                return Some(&last.ident);
            }
            match &last.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                    GenericArgument::Type(inner) => socket_segment(inner),
                    _ => None,
                }),
                _ => Some(&last.ident),
            }
        }
        Type::Reference(r) => socket_segment(&r.elem),
        Type::Paren(p) => socket_segment(&p.elem),
        Type::Group(g) => socket_segment(&g.elem),
        _ => None,
    }
}

/// The socket segment's name, and whether its path says `socket2`.
fn socket_segment_path(ty: &Type) -> Option<(String, bool)> {
    fn socket2(ty: &Type) -> bool {
        match ty {
            Type::Path(p) => {
                p.path.segments.iter().any(|s| s.ident == "socket2")
                    || p.path
                        .segments
                        .last()
                        .is_some_and(|last| match &last.arguments {
                            PathArguments::AngleBracketed(args) => args.args.iter().any(
                                |a| matches!(a, GenericArgument::Type(inner) if socket2(inner)),
                            ),
                            _ => false,
                        })
            }
            Type::Reference(r) => socket2(&r.elem),
            Type::Paren(p) => socket2(&p.elem),
            Type::Group(g) => socket2(&g.elem),
            _ => false,
        }
    }
    let name = socket_segment(ty)?.to_string();
    Some((name, socket2(ty)))
}

fn not_tcp(ty: &Type) -> Option<(String, &'static str)> {
    let name = socket_segment(ty)?.to_string();
    NOT_TCP_TYPES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, why)| (name, *why))
}

fn mentions_type_param(ty: &Type, generics: &Generics) -> bool {
    let params: Vec<String> = generics
        .type_params()
        .map(|p| p.ident.to_string())
        .collect();
    fn walk(tokens: TokenStream, params: &[String]) -> bool {
        tokens.into_iter().any(|t| match t {
            TokenTree::Ident(i) => params.contains(&i.to_string()),
            TokenTree::Group(g) => walk(g.stream(), params),
            _ => false,
        })
    }
    !params.is_empty() && walk(ty.to_token_stream(), &params)
}
