//! The struct as the macro understands it: its name, generics and socket field.

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::{
    Data, DeriveInput, Fields, GenericArgument, Generics, Ident, Member, PathArguments, Type,
};

use crate::attr::Marker;
use crate::ctxt::Ctxt;
use crate::symbol::{NOT_TCP_TYPES, TCP_TYPES, WRAPPERS};

pub(crate) struct Input<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    /// `None` for a policy type: a struct with no fields (`struct Api;`).
    pub(crate) socket: Option<Socket<'a>>,
}

pub(crate) struct Socket<'a> {
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    /// Whether the type names a type parameter, so the impl needs a where-clause bound.
    pub(crate) generic: bool,
    /// `#[keepalive(socket = path)]`: the function that reaches the socket in the field.
    pub(crate) accessor: Option<&'a syn::Path>,
}

impl<'a> Input<'a> {
    /// `None` (with errors in `cx`) when the struct has fields but no usable socket field.
    pub(crate) fn from_syn(
        cx: &Ctxt,
        input: &'a DeriveInput,
        marked: &'a [Marker],
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
        if fields.is_empty() {
            // A policy type: the attribute declares a policy that integrations take as a
            // type parameter.
            return Some(Input {
                ident: &input.ident,
                generics: &input.generics,
                socket: None,
            });
        }
        let (index, accessor) = match marked {
            [] => (only_candidate(cx, input, fields)?, None),
            // Reported where it was read; its type is not the socket's, so say no more.
            [marker] if marker.bad_accessor => return None,
            [marker] => (marker.index, marker.accessor.as_ref()),
            [_, second, ..] => {
                cx.error_spanned_by(
                    &second.tokens,
                    "only one field can be the socket; remove all but one `#[keepalive(socket)]`",
                );
                return None;
            }
        };
        let field = fields.iter().nth(index)?;
        // Behind an accessor the socket's type is the function's to say; the bound on it
        // checks it.
        let seen = if accessor.is_none() {
            not_tcp(&field.ty)
        } else {
            None
        };
        if let Some((name, why)) = seen {
            cx.error_spanned_by(
                &field.ty,
                format!(
                    "keep-alive needs a TCP stream; `{name}` is not one ({why}); use std::net::TcpStream, std::net::TcpListener, socket2::Socket, or with feature `tokio` tokio::net::{{TcpStream, TcpSocket, TcpListener}}"
                ),
            );
            return None;
        }
        let member = match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(index.into()),
        };
        Some(Input {
            ident: &input.ident,
            generics: &input.generics,
            socket: Some(Socket {
                member,
                ty: &field.ty,
                generic: mentions_type_param(&field.ty, &input.generics),
                accessor,
            }),
        })
    }
}

fn only_candidate(cx: &Ctxt, input: &DeriveInput, fields: &Fields) -> Option<usize> {
    let candidates: Vec<(usize, &syn::Field)> = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| socket_type_name(&f.ty).is_some())
        .collect();
    match candidates.as_slice() {
        [(index, _)] => Some(*index),
        [] => {
            cx.error_spanned_by(
                &input.ident,
                format!(
                    "`{0}` has no socket field; add a field of type std::net::TcpStream (or another TCP socket), or mark the field that holds it with `#[keepalive(socket)]`; for a policy with no socket, declare a unit struct: `struct {0};`",
                    input.ident
                ),
            );
            None
        }
        [_, (_, second), ..] => {
            let names: Vec<String> = candidates
                .iter()
                .map(|(i, f)| match &f.ident {
                    Some(ident) => format!("`{ident}`"),
                    None => format!("`{i}`"),
                })
                .collect();
            cx.error_spanned_by(
                &second.ty,
                format!(
                    "several fields could be the socket ({}); mark the one keep-alive applies to with `#[keepalive(socket)]`",
                    names.join(", ")
                ),
            );
            None
        }
    }
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

/// Whether the type's name is one of the socket types the macro knows, TCP or not.
fn socket_type_name(ty: &Type) -> Option<String> {
    let name = socket_segment(ty)?.to_string();
    let known = TCP_TYPES.contains(&name.as_str()) || NOT_TCP_TYPES.iter().any(|(n, _)| *n == name);
    known.then_some(name)
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
