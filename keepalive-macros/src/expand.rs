//! Tokens out: the user's struct (markers removed), the `KeepAlivePolicy` and `KeepAlive` impls, cfg'd platform
//! errors and the const assertions for values only constant evaluation can see.

use keepalive_core::Knob;
use proc_macro2::{Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::{Input, Socket};
use crate::attr::{self, ApplyAt, Attrs, Spot, Value};
use crate::ctxt::Ctxt;
use crate::doc;
use crate::plan::Plan;
use crate::valid::{CfgError, ConstCheck};
use keepalive_core::rules::Topic;

/// The whole macro: attribute tokens and item tokens in, item and impl out.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_with(args, item, cfg!(feature = "inventory"))
}

/// [`expand`], with the type's inventory entry (`registered`) or without.
fn expand_with(args: TokenStream, item: TokenStream, registered: bool) -> TokenStream {
    let mut input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(err) => {
            let err = syn::Error::new(
                err.span(),
                "#[keepalive] goes on a struct that holds the TCP stream",
            )
            .to_compile_error();
            return quote!(#item #err);
        }
    };
    let cx = Ctxt::new();
    let attrs = attr::parse(&cx, args);
    let markers = attr::take_field_markers(&cx, &mut input);
    // A second `#[keepalive(...)]` on the struct would expand again into the same impls;
    // say so once, and take it off.
    let before = input.attrs.len();
    input.attrs.retain(|a| {
        let ours = attr::is_ours(a.path());
        if ours {
            cx.error_spanned_by(
                a,
                "`#[keepalive]` is written twice on this struct; write one `#[keepalive(...)]` with all the keys",
            );
        }
        !ours
    });
    let twice = input.attrs.len() != before;
    // With no field marker to strip, the item goes out as it came in: cheaper than printing
    // the parsed struct again token by token, which adds up over many annotated structs.
    let item = if markers.removed || twice {
        input.to_token_stream()
    } else {
        item
    };
    let ast = Input::from_syn(&cx, &input, &markers);
    let plan = Plan::new(&cx, &attrs, ast);
    let krate = attrs
        .krate
        .as_ref()
        .map_or_else(default_krate, ToTokens::to_token_stream);
    // Every generated path goes through the runtime's `__private`, which re-exports what
    // the expansion names, so the runtime's public names can change under it.
    let p = &quote!(#krate::__private);
    let checks = &plan.checks;
    let cfg_errors = checks.cfg_errors.iter().map(|e| cfg_error(e, p));
    let deprecated = input.attrs.iter().any(|a| a.path().is_ident("deprecated"));
    let mut quirks = Quirks {
        outer: deprecated.then(|| quote!(#[allow(deprecated)])),
        impl_doc: None,
    };
    match cx.check() {
        Ok(()) => {
            let ast = plan
                .input
                .as_ref()
                .expect("a socket field when there is no error");
            let mut policy = policy_expr(&plan, p);
            let apply = match plan.apply {
                ApplyAt::AfterConnect => quote!(#p::ApplyAt::AfterConnect),
                ApplyAt::BeforeConnect => quote!(#p::ApplyAt::BeforeConnect),
            };
            let enforcement = enforcement_item(&attrs, p);
            // The policy in words in the type's rustdoc, below the user's own docs.
            let public = matches!(input.vis, syn::Visibility::Public(_));
            let (item, impl_doc) = doc::with_doc(item, &plan.words, public);
            quirks.impl_doc = impl_doc;
            let generic = !input.generics.params.is_empty();
            // The policy before a generic type's checks are folded into it, for the
            // inventory's entry.
            let plain_policy = policy.clone();
            // Each check with the policy and enforcement written inline: only a generic
            // type needs them (a type without parameters reads its own consts, below).
            let inline: Vec<TokenStream> = if generic {
                checks
                    .const_checks
                    .iter()
                    .map(|c| const_check(c, &attrs, p, &policy, None))
                    .collect()
            } else {
                Vec::new()
            };
            let self_in_values = inline.iter().any(|c| mentions(c.clone(), "Self"));
            let outer = &quirks.outer;
            // The build-wide bounds: the setting read here, in the type's own crate, so
            // rustc records it and cargo rebuilds this crate when it changes (the macro
            // never reads the environment). Unset, the call returns at once.
            let name = input.ident.to_string();
            let setting = quote!(#p::option_env!("KEEPALIVE_BOUNDS"));
            let module = quote!(#p::module_path!());
            let asserts = if generic {
                let enforcement = enforcement_expr(&attrs, p, Span::call_site());
                let found = syn::Ident::new("__keepalive_policy", Span::mixed_site());
                let build = quote! {
                    #p::build_checked_policy(&#found, &(#enforcement), #setting, #module, #name)
                };
                if self_in_values {
                    // `Self` of a generic type is nameable only inside its impls: the
                    // checks run where `POLICY` is evaluated, which every path that
                    // applies it does.
                    policy =
                        quote!({ #(#inline;)* let #found: #p::Policy = #policy; #build; #found });
                    Vec::new()
                } else {
                    let mut asserts: Vec<TokenStream> = inline
                        .into_iter()
                        .map(|c| {
                            quote! {
                                #[allow(unused_qualifications, clippy::absolute_paths)]
                                #outer
                                const _: () = { #c; };
                            }
                        })
                        .collect();
                    asserts.push(quote! {
                        #[allow(unused_qualifications, clippy::absolute_paths)]
                        #outer
                        const _: () = { let #found: #p::Policy = #policy; #build; };
                    });
                    asserts
                }
            } else if checks.const_checks.is_empty() {
                let ident = &input.ident;
                vec![quote! {
                    #[allow(unused_qualifications, clippy::absolute_paths)]
                    #outer
                    const _: () = #p::build_checked::<#ident>(#setting, #module, #name);
                }]
            } else {
                // A type without parameters: one constant evaluation for all its checks.
                // Core's rule driver runs once, on the type's own `POLICY` and
                // `ENFORCEMENT` (not a copy of their expressions), and each check reads
                // its topic from the result, its `panic_on` still spanned at its value.
                // One item instead of one per check: constant evaluation of a `const`
                // item has a fixed cost of its own, which adds up over many structs.
                let found = syn::Ident::new("__keepalive_found", Span::mixed_site());
                let reads = checks
                    .const_checks
                    .iter()
                    .map(|c| const_check(c, &attrs, p, &policy, Some(&found)));
                let ident = &input.ident;
                vec![quote! {
                    #[allow(unused_qualifications, clippy::absolute_paths)]
                    #outer
                    const _: () = {
                        let #found: #p::Violations = #p::checked::<#ident>();
                        #(#reads;)*
                        #p::build_checked::<#ident>(#setting, #module, #name);
                    };
                }]
            };
            let imp = impl_block(&plan, ast, p, &policy, &apply, &enforcement, &quirks);
            let registered = if registered && !self_in_values {
                let entry = Registration {
                    input: &input,
                    p,
                    outer,
                    setting: &setting,
                    module: &module,
                };
                entry.tokens(generic.then(|| {
                    let enforcement = enforcement_expr(&attrs, p, Span::call_site());
                    quote!(#plain_policy, #enforcement, #apply)
                }))
            } else {
                TokenStream::new()
            };
            quote! {
                #item
                #imp
                #(#cfg_errors)*
                #(#asserts)*
                #registered
            }
        }
        Err(err) => {
            let err = err.to_compile_error();
            // Stub impls keep uses of `Conn::POLICY` or `conn.socket()` elsewhere from piling
            // on more errors.
            let policy = quote!(#p::Policy::new());
            let apply = quote!(#p::ApplyAt::BeforeConnect);
            let stub = match &plan.input {
                Some(ast) => {
                    impl_block(&plan, ast, p, &policy, &apply, &TokenStream::new(), &quirks)
                }
                None => placeholder(&input, p, &policy, &apply, &quirks),
            };
            quote! {
                #item
                #err
                #stub
                #(#cfg_errors)*
            }
        }
    }
}

/// The type's entry in the runtime's inventory (feature `inventory`), registered at link
/// time: its name, module and the place of its name, which `line!()` and `column!()` spanned
/// at the name report, and the build-wide setting its crate was compiled with.
struct Registration<'a> {
    input: &'a DeriveInput,
    p: &'a TokenStream,
    outer: &'a Option<TokenStream>,
    setting: &'a TokenStream,
    module: &'a TokenStream,
}

impl Registration<'_> {
    /// `inline`: a generic type's policy, enforcement and apply moment written out, since
    /// its consts exist only per instantiation.
    fn tokens(&self, inline: Option<TokenStream>) -> TokenStream {
        let Registration {
            input,
            p,
            outer,
            setting,
            module,
        } = self;
        let ident = &input.ident;
        let mut name = ident.to_string();
        if !input.generics.params.is_empty() {
            let params: Vec<String> = input
                .generics
                .params
                .iter()
                .map(|param| match param {
                    syn::GenericParam::Lifetime(l) => l.lifetime.to_string(),
                    syn::GenericParam::Type(t) => t.ident.to_string(),
                    syn::GenericParam::Const(c) => c.ident.to_string(),
                })
                .collect();
            name = format!("{name}<{}>", params.join(", "));
        }
        let span = ident.span();
        let place = quote_spanned! {span=>
            #p::file!(), #p::line!(), #p::column!()
        };
        let entry = match inline {
            Some(values) => quote! {
                #p::InventoryEntry::__inline(#values, #name, #module, #place, #setting)
            },
            None => quote! {
                #p::InventoryEntry::__of::<#ident>(#name, #module, #place, #setting)
            },
        };
        quote! {
            #[allow(unused_qualifications, clippy::absolute_paths)]
            #outer
            const _: () = { #p::inventory_submit! { #entry } };
        }
    }
}

/// `::keepalive_runtime`, or the name the crate's Cargo.toml gives it.
fn default_krate() -> TokenStream {
    match crate::manifest::renamed_runtime() {
        Some(name) => match syn::parse_str::<syn::Ident>(name) {
            Ok(name) => quote!(::#name),
            Err(_) => quote!(::keepalive_runtime),
        },
        None => quote!(::keepalive_runtime),
    }
}

/// The policy as a const expression with no parsing left in it: for literal values a
/// single call with the values in milliseconds (the shortest output, which keeps the cost
/// of many annotated structs down), else `Policy::new().with_timeout(...)...`.
fn policy_expr(plan: &Plan<'_>, p: &TokenStream) -> TokenStream {
    let attrs = plan.attrs;
    if !plan.any_const_knob() {
        return literal_call(&plan.policy, p);
    }
    // Keep-alive on: the literal knobs in one call (as above), the const paths appended.
    // Off: `Policy::disabled()` with the paths (literal knobs beside `enabled = false` are
    // an error before expansion; paths are checked in constant evaluation).
    let mut expr = if attrs.enabled() {
        literal_call(&plan.policy, p)
    } else {
        quote!(#p::Policy::disabled())
    };
    let times = [
        (Knob::Timeout, &attrs.timeout, quote!(with_timeout)),
        (Knob::Interval, &attrs.interval, quote!(with_interval)),
        (
            Knob::UserTimeout,
            &attrs.user_timeout,
            quote!(with_user_timeout),
        ),
    ];
    for (knob, value, method) in times {
        if let (true, Some(value)) = (attrs.knob_is_const(knob), value) {
            let d = duration(value, p);
            expr = quote!(#expr.#method(#d));
        }
    }
    if let Some(Value::Const { path }) = &attrs.retries {
        expr = quote!(#expr.with_retries(#path));
    }
    expr
}

/// `literal_policy(enabled, timeout_ms, interval_ms, retries, user_timeout_ms)`.
fn literal_call(policy: &keepalive_core::Policy, p: &TokenStream) -> TokenStream {
    // Zero cannot reach here: it is an error before expansion, so it can mean "unset".
    let millis = |d: Option<core::time::Duration>| {
        proc_macro2::Literal::u64_unsuffixed(d.map_or(0, |d| d.as_millis() as u64))
    };
    let enabled = policy.is_enabled();
    let (timeout, interval) = (millis(policy.timeout()), millis(policy.interval()));
    let retries = proc_macro2::Literal::u32_unsuffixed(policy.retries().unwrap_or(0));
    let user_timeout = millis(policy.user_timeout());
    quote!(#p::literal_policy(#enabled, #timeout, #interval, #retries, #user_timeout))
}

fn duration(value: &Value<core::time::Duration>, p: &TokenStream) -> TokenStream {
    match value {
        // The grammar's resolution is one millisecond and its maximum u64::MAX ms. One
        // constructor for every value, so no lint on the user's value suggests another unit.
        Value::Lit { value, .. } => {
            let ms = proc_macro2::Literal::u64_unsuffixed(value.as_millis() as u64);
            quote!(#p::millis(#ms))
        }
        Value::Const { path } => path.to_token_stream(),
    }
}

/// `KeepAlivePolicy` for every annotated struct, and `KeepAlive` for one with a socket:
/// one impl per configuration of the struct's `#[cfg]` fields, each under its cfgs.
fn impl_block(
    plan: &Plan<'_>,
    input: &Input<'_>,
    p: &TokenStream,
    policy: &TokenStream,
    apply: &TokenStream,
    enforcement: &TokenStream,
    quirks: &Quirks,
) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    // The user's own tokens (a const path, the field type) are linted where they are
    // written, not a second time in the impls: the allow goes where they are repeated.
    let generic = !input.generics.params.is_empty() || input.generics.where_clause.is_some();
    let quiet = (plan.any_const_knob() || generic).then(allow_user_tokens);
    let outer = &quirks.outer;
    let doc = &quirks.impl_doc;
    let policy_impl = quote! {
        #doc
        #[automatically_derived]
        #quiet
        #outer
        impl #impl_generics #p::KeepAlivePolicy for #ident #ty_generics #where_clause {
            const POLICY: #p::Policy = #policy;
            const APPLY: #p::ApplyAt = #apply;
            #enforcement
        }
    };
    let Some(choices) = &input.socket else {
        // A policy type has no socket to refuse a path: it connects and listens alike.
        return quote! {
            #policy_impl
            #[automatically_derived]
            #quiet
            #outer
            impl #impl_generics #p::ConnectPolicy for #ident #ty_generics #where_clause {}
            #[automatically_derived]
            #quiet
            #outer
            impl #impl_generics #p::ListenPolicy for #ident #ty_generics #where_clause {}
        };
    };
    let impls = choices
        .variants
        .iter()
        .map(|(when, socket)| keepalive_impl(input, socket, when.attr(), p, quirks));
    let gaps = choices.gaps.iter().map(|gap| {
        let when = gap.when.attr();
        let message = &gap.message;
        let spot = Spot::of(&gap.at);
        let mut body = proc_macro2::Group::new(
            proc_macro2::Delimiter::Brace,
            quote_spanned!(spot.first=> #message),
        );
        body.set_span(spot.last);
        let compile_error = respan(quote!(#p::compile_error), spot.first);
        quote! {
            #when
            #compile_error! #body
        }
    });
    quote! {
        #policy_impl
        #(#impls)*
        #(#gaps)*
    }
}

/// What the user's item says that every generated item must respect.
pub(crate) struct Quirks {
    /// `#[allow(deprecated)]` when the type is deprecated: the impls name it, and the user
    /// hears of it where the type is used.
    outer: Option<TokenStream>,
    /// The policy in words, where the type has no docs of its own: on the impl, so it does
    /// not document an undocumented type (`missing_docs` still fires).
    impl_doc: Option<TokenStream>,
}

/// The `KeepAlive` impl for one choice of socket field.
fn keepalive_impl(
    input: &Input<'_>,
    socket: &Socket<'_>,
    when: Option<TokenStream>,
    p: &TokenStream,
    quirks: &Quirks,
) -> TokenStream {
    let ident = input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let outer = &quirks.outer;
    let ty = socket.ty;
    // Once: a type's span is found by printing it, which adds up over many structs.
    // Its first token on stable (no `Span::join`), so an unsatisfied `SocketField` bound
    // underlines `Box` of `Box<Transport>`. Spanning every generated token from the first
    // token to the last was tried: that error then covers the whole type, but rustc also
    // reports the bound at the path segment of the type written in the qualified path
    // (`<Box<Transport> as SocketField>`, needed for `type Socket`), a second error at
    // `Box`, and it merges only errors with the same span. So one error at `Box` stays.
    let ty_span = ty.span();
    let member = &socket.member;
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    // Spanned at the field type: an instantiation or alias of a non-TCP type is reported
    // there, with the trait's on_unimplemented message.
    let field_trait = respan(quote!(#p::SocketField), ty_span);
    if socket.generic && socket.accessor.is_none() {
        predicates.push(quote_spanned!(ty_span=> #ty: #field_trait));
    }
    let type_params = input.generics.type_params().count() + input.generics.const_params().count();
    if let (Some(_), true) = (socket.accessor, type_params > 0) {
        // The socket behind the accessor may be a type parameter: it must outlive the
        // erased `dyn AnySocket` it is handed over as. Only for a parameter the struct
        // already bounds (`S: KeepAliveSocket`): an unbounded one is left as written, so
        // rustc's hint to bound it points at the struct's own parameter list, not at a
        // where-clause of the macro's.
        let bounded_in_where = |name: &syn::Ident| {
            input.generics.where_clause.as_ref().is_some_and(|w| {
                w.predicates.iter().any(|p| match p {
                    syn::WherePredicate::Type(t) => {
                        mentions(t.bounded_ty.to_token_stream(), &name.to_string())
                    }
                    _ => false,
                })
            })
        };
        for param in input.generics.type_params() {
            let name = &param.ident;
            let bounded = !param.bounds.is_empty() || bounded_in_where(name);
            if bounded && mentions(ty.to_token_stream(), &name.to_string()) {
                predicates.push(quote!(#name: 'static));
            }
        }
    }
    let where_clause = (!predicates.is_empty()).then(|| quote!(where #(#predicates),*));
    // The user's where-clause and the macro's bound may name one type twice.
    let repeated = where_clause
        .is_some()
        .then(|| quote!(clippy::type_repetition_in_bounds,));
    let lints = quote!(#[allow(#repeated unused_qualifications, clippy::absolute_paths)]);
    let result = respan(quote!(#p::Result), ty_span);
    if let Some(accessor) = socket.accessor {
        let span = accessor.span();
        // `self` keeps the span of the `&self` it refers to: at the accessor's span it would
        // belong to the context of a `macro_rules!` that passed the path in, where there is
        // no `self`.
        let dot_member = respan(quote!(.#member), span);
        let field = quote!(self #dot_member);
        // The accessor as a function pointer first, in the user's crate: a wrong signature
        // is then one mismatch at the path, the same in both places it is used (rustc
        // reports an identical error once).
        let field_ty = static_lifetimes(ty.to_token_stream());
        let local = syn::Ident::new("__keepalive_accessor", span);
        let coerce = |ty: TokenStream| {
            let fn_ptr = respan(quote!(for<'x> fn(&'x #ty) -> &'x _), span);
            quote!(let #local: #fn_ptr = #accessor;)
        };
        let via = respan(quote!(#p::via), span);
        let mut call = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#local));
        call.set_span(span);
        let via = quote!(#via #call);
        if type_params == 0 {
            // The accessor's return type cannot be named here, but its role can: a const
            // in the type, so a listener reached this way is no stream, and the reverse.
            let in_const = coerce(field_ty);
            let in_fn = coerce(ty.to_token_stream());
            let mut role =
                proc_macro2::Group::new(proc_macro2::Delimiter::Brace, quote!(#in_const #via.role));
            role.set_span(span);
            let reach = respan(quote!(.reach), span);
            let mut args =
                proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote!(&#field));
            args.set_span(span);
            return quote! {
                #when
                #[automatically_derived]
                #lints
                #outer
                impl #impl_generics #p::KeepAlive for #ident #ty_generics #where_clause {
                    type Socket = <#p::Kind<#role> as #p::Erase>::Socket;
                    #[inline]
                    fn socket(&self) -> #result<&Self::Socket, #p::Error> {
                        #in_fn
                        #result::Ok(#via #reach #args)
                    }
                }
            };
        }
        // A generic socket type cannot sit in a const: `dyn AnySocket`, which both paths take.
        // Inferring the accessor's return type at a use (`fn role<F: Fn(&X) -> &S, S>`) works
        // in an expression, but `type Socket` must be a type written here: on stable no type
        // names an inferred one (no `impl Trait` in associated types, no `typeof`, and an
        // anonymous const in a type may not use the impl's parameters). What would work is
        // a role const in the impl (associated consts may depend on parameters) checked by
        // `connect`/`listen` in an inline `const { }`: a post-monomorphisation error, which
        // `cargo check` never reports, and a change to the runtime's traits.
        let reach = respan(quote!(#p::reach), span);
        let in_fn = coerce(ty.to_token_stream());
        let mut args =
            proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, quote!(&#field, #local));
        args.set_span(span);
        return quote! {
            #when
            #[automatically_derived]
            #lints
            #outer
            impl #impl_generics #p::KeepAlive for #ident #ty_generics #where_clause {
                type Socket = dyn #p::AnySocket;
                #[inline]
                fn socket(&self) -> #result<&Self::Socket, #p::Error> {
                    #in_fn
                    #result::Ok(#reach #args)
                }
            }
        };
    }
    let socket_ty = quote_spanned!(ty_span=> type Socket = <#ty as #field_trait>::Socket;);
    // At the field type too, so a non-TCP type is reported once, there.
    let error = respan(quote!(#p::Error), ty_span);
    let field = respan(quote!(self.#member), ty_span);

    let socket_fn = quote_spanned! {ty_span=>
        #[inline]
        fn socket(&self) -> #result<&Self::Socket, #error> {
            #field_trait::socket(&#field)
        }
    };
    quote! {
        #when
        #[automatically_derived]
        #lints
        #outer
        impl #impl_generics #p::KeepAlive for #ident #ty_generics #where_clause {
            #socket_ty
            #socket_fn
        }
    }
}

fn mentions(tokens: TokenStream, name: &str) -> bool {
    tokens.into_iter().any(|t| match t {
        TokenTree::Ident(i) => i == name,
        TokenTree::Group(g) => mentions(g.stream(), name),
        _ => false,
    })
}

/// The type with every lifetime `'static`: the anonymous const that holds the accessor's
/// role may not name the impl's lifetimes, and the role does not depend on them.
fn static_lifetimes(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_quote = false;
    for t in tokens {
        let t = match t {
            TokenTree::Group(g) => {
                let mut group =
                    proc_macro2::Group::new(g.delimiter(), static_lifetimes(g.stream()));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            TokenTree::Ident(i) if after_quote => {
                TokenTree::Ident(syn::Ident::new("static", i.span()))
            }
            t => t,
        };
        after_quote = matches!(&t, TokenTree::Punct(p) if p.as_char() == '\'');
        out.push(t);
    }
    out.into_iter().collect()
}

fn allow_user_tokens() -> TokenStream {
    quote!(#[allow(unused_qualifications, clippy::absolute_paths)])
}

/// Both impls for a struct whose socket field could not be found (none, several, or not a
/// TCP type): the error says why, and nothing that uses the struct adds more.
fn placeholder(
    input: &DeriveInput,
    p: &TokenStream,
    policy: &TokenStream,
    apply: &TokenStream,
    quirks: &Quirks,
) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let outer = &quirks.outer;
    quote! {
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::absolute_paths)]
        #outer
        impl #impl_generics #p::KeepAlivePolicy for #ident #ty_generics #where_clause {
            const POLICY: #p::Policy = #policy;
            const APPLY: #p::ApplyAt = #apply;
        }
        #[automatically_derived]
        #[allow(unused_qualifications, clippy::absolute_paths)]
        #outer
        impl #impl_generics #p::KeepAlive for #ident #ty_generics #where_clause {
            type Socket = #p::TcpStream;
            fn socket(&self) -> #p::Result<&Self::Socket, #p::Error> {
                // Never runs: the crate does not compile past the error beside this impl.
                #p::unreachable!()
            }
        }
    }
}

/// `target_os = "a"`, or `any(target_os = "a", target_os = "b")`.
fn target_cfg(oses: &[&str]) -> TokenStream {
    match oses {
        [os] => quote!(target_os = #os),
        _ => quote!(any(#(target_os = #oses),*)),
    }
}

/// `#[cfg(target_os = ...)] compile_error!(...)` at the value, naming the platform.
fn cfg_error(e: &CfgError, p: &TokenStream) -> TokenStream {
    // At the value's first token, so the error underlines the value; through the runtime,
    // which resolves at that span in every edition (`::core` does not in 2015).
    let compile_error = respan(quote!(#p::compile_error), e.spot.first);
    let cfg = target_cfg(e.target_os);
    let message = e.violation.to_string();
    // Braces at the value's last token: the error then underlines the whole value.
    let mut body = proc_macro2::Group::new(
        proc_macro2::Delimiter::Brace,
        quote_spanned!(e.spot.first=> #message),
    );
    body.set_span(e.spot.last);
    quote_spanned! {e.spot.first=>
        #[cfg(#cfg)]
        #compile_error! #body
    }
}

/// `const _: () = { panic_on(check(&(policy), TARGET, &(enforcement)).first_about(topic)); };`
/// at the user's value: core's rule driver, run during constant evaluation for the target
/// being compiled, fails the build with its first violation about the check's topic. The
/// call starts at the value's first token and its parentheses sit at its last, so the
/// error underlines the whole value. The policy and enforcement are written inline rather
/// than bound to names, which a user's consts of the same names could shadow.
fn const_check(
    check: &ConstCheck,
    attrs: &Attrs,
    p: &TokenStream,
    policy: &TokenStream,
    shared: Option<&syn::Ident>,
) -> TokenStream {
    let spot = check.spot;
    let span = spot.first;
    let p = respan(p.clone(), span);
    let topic = match check.topic {
        Topic::Knob(knob) => {
            let variant = syn::Ident::new(&format!("{knob:?}"), span);
            quote_spanned!(span=> #p::Topic::Knob(#p::Knob::#variant))
        }
        Topic::UserTimeout => quote_spanned!(span=> #p::Topic::UserTimeout),
        Topic::Detection => quote_spanned!(span=> #p::Topic::Detection),
        Topic::Bounds => quote_spanned!(span=> #p::Topic::Bounds),
        Topic::Any => quote_spanned!(span=> #p::Topic::Any),
    };
    let argument = match shared {
        // The driver ran once for the type; each check reads its topic from the result
        // (a local binding, hygienic, so no user item of the same name can stand in).
        Some(name) => quote_spanned!(span=> #name.first_about(#topic)),
        None => {
            let enforcement = enforcement_expr(attrs, &p, span);
            quote_spanned!(span=>
                #p::check(&(#policy), #p::TARGET, &(#enforcement)).first_about(#topic)
            )
        }
    };
    let mut parens = proc_macro2::Group::new(proc_macro2::Delimiter::Parenthesis, argument);
    parens.set_span(spot.last);
    quote_spanned! {span=>
        #p::panic_on #parens
    }
}

/// `const ENFORCEMENT` for the `KeepAlivePolicy` impl where the attribute enforces more
/// than the trait's default: the type carries its `best_effort`, `max_detect`,
/// `detect_idle_only` and `bounds`, so run-time overrides are held to them (and best effort
/// has this one source).
fn enforcement_item(attrs: &Attrs, p: &TokenStream) -> TokenStream {
    if attrs.max_detect.is_none()
        && attrs.bounds.is_none()
        && !attrs.detect_idle_only
        && !attrs.best_effort
    {
        return TokenStream::new();
    }
    let expr = enforcement_expr(attrs, p, Span::call_site());
    quote!(const ENFORCEMENT: #p::Enforcement = #expr;)
}

/// What the attribute enforces beyond the platform's limits, as a const expression.
fn enforcement_expr(attrs: &Attrs, p: &TokenStream, span: Span) -> TokenStream {
    let best_effort = attrs.best_effort;
    let idle_only = attrs.detect_idle_only;
    // One short call, `max_detect` and `bounds` appended.
    let mut expr = quote_spanned!(span=> #p::enforcement(#best_effort, #idle_only));
    if let Some(bound) = &attrs.max_detect {
        let bound = respan(duration(bound, p), span);
        expr = quote_spanned!(span=> #expr.with_max_detect(#bound));
    }
    if let Some(bounds) = &attrs.bounds {
        let bounds = respan(bounds.to_token_stream(), span);
        expr = quote_spanned!(span=> #expr.with_bounds(#bounds));
    }
    expr
}

/// The same tokens, every one at `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                t = TokenTree::Group(group);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::process::{Command, Stdio};

    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    const SNAPSHOT: &str = "tests/expand/readme.expanded.rs";

    fn idents(tokens: TokenStream, out: &mut Vec<String>) {
        for t in tokens {
            match t {
                TokenTree::Ident(i) => out.push(i.to_string()),
                TokenTree::Group(g) => idents(g.stream(), out),
                _ => {}
            }
        }
    }

    /// rustfmt from the pinned toolchain, so the snapshot reads like `cargo expand`.
    fn pretty(tokens: &TokenStream) -> String {
        let mut child = Command::new("rustfmt")
            .args(["--edition", "2024", "--emit", "stdout"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("rustfmt (rust-toolchain.toml installs it)");
        let source = tokens.to_string();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(source.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "rustfmt failed on:\n{source}");
        String::from_utf8(out.stdout).unwrap()
    }

    /// The README example expands to a const built from integer milliseconds: nothing on the
    /// heap and nothing parsed at run time. `UPDATE_EXPAND=1` rewrites the snapshot.
    #[test]
    fn readme_example() {
        let args = quote!(timeout = "2h", interval = "1s", retries = 5);
        let item = quote!(
            struct Conn {
                stream: std::net::TcpStream,
            }
        );
        let out = super::expand_with(args.clone(), item.clone(), false);
        // With feature `inventory`, one item more: the type's entry, read from its consts.
        let registered = super::expand_with(args, item, true).to_string();
        let entry = registered
            .strip_prefix(out.to_string().as_str())
            .expect("the same items first");
        assert!(
            entry.contains("inventory_submit ! { :: keepalive_runtime :: __private :: InventoryEntry :: __of :: < Conn > (\"Conn\" , :: keepalive_runtime :: __private :: module_path ! () , :: keepalive_runtime :: __private :: file ! ()"),
            "{entry}"
        );
        let mut names = Vec::new();
        idents(out.clone(), &mut names);
        for banned in [
            "String",
            "Vec",
            "Box",
            "format",
            "to_string",
            "parse",
            "parse_duration",
            "alloc",
        ] {
            assert!(
                !names.iter().any(|n| n == banned),
                "`{banned}` in the expansion"
            );
        }
        // The values arrive as integers in a const fn call, evaluated while compiling.
        assert!(names.iter().any(|n| n == "literal_policy"));
        assert!(out.to_string().contains("(true , 7200000 , 1000 , 5 , 0)"));
        // The type's rustdoc states the policy in words.
        assert!(out.to_string().contains(
            "# [doc = \" keep-alive: idle 2h, then a probe every 1s, 5 probes; an idle dead peer is detected within 2h 5s.\"]"
        ), "{out}");
        let text = pretty(&out);
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SNAPSHOT);
        if std::env::var_os("UPDATE_EXPAND").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            text, expected,
            "expansion changed; review and rerun with UPDATE_EXPAND=1"
        );
    }
}

/// What one expansion costs, run by hand: `cargo test -p keepalive-macros --lib --
/// --ignored --nocapture expansion_cost` (unoptimised, as a user's dev build runs the macro,
/// and proc-macro2's fallback, as outside the compiler).
#[cfg(test)]
mod cost {
    use std::time::{Duration, Instant};

    use proc_macro2::{TokenStream, TokenTree};
    use quote::quote;

    use crate::ctxt::Ctxt;

    fn count(tokens: TokenStream) -> usize {
        tokens
            .into_iter()
            .map(|t| match t {
                TokenTree::Group(g) => 1 + count(g.stream()),
                _ => 1,
            })
            .sum()
    }

    /// Mean time of `f` over `n` runs.
    fn each(n: u32, mut f: impl FnMut()) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        start.elapsed() / n
    }

    #[test]
    #[ignore = "a measurement, not a check"]
    fn expansion_cost() {
        let n: u32 = std::env::var("EXPAND_REPEAT")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(2000);
        // One struct of benches/compile-cost.sh's literal crate, and of its const crate.
        let literal = quote!(timeout = "61s", interval = "11s", retries = 5);
        let consts = quote!(
            timeout = IDLE,
            interval = EVERY,
            retries = 5,
            max_detect = "3m",
            detect_idle_only = true,
            bounds = BOUNDS
        );
        let item = quote!(
            pub struct Conn5 {
                pub stream: std::net::TcpStream,
            }
        );
        for (name, args) in [("literal", &literal), ("const", &consts)] {
            let out = super::expand_with(args.clone(), item.clone(), false);
            let whole = each(n, || {
                super::expand_with(args.clone(), item.clone(), false);
            });
            println!(
                "{name}: {:.1?} an expansion, {} tokens, {} bytes printed",
                whole,
                count(out.clone()),
                out.to_string().len()
            );
        }
        // The passes of the literal one, each alone.
        let parse_item = each(n, || {
            let _: syn::DeriveInput = syn::parse2(item.clone()).unwrap();
        });
        let parse_args = each(n, || {
            let cx = Ctxt::new();
            crate::attr::parse(&cx, literal.clone());
            cx.check().unwrap();
        });
        let cx = Ctxt::new();
        let attrs = crate::attr::parse(&cx, literal.clone());
        cx.check().unwrap();
        // With the item's parse (no `Clone` in syn's features here).
        let markers = each(n, || {
            let cx = Ctxt::new();
            let mut input: syn::DeriveInput = syn::parse2(item.clone()).unwrap();
            crate::attr::take_field_markers(&cx, &mut input);
            cx.check().unwrap();
        });
        let mut input: syn::DeriveInput = syn::parse2(item.clone()).unwrap();
        let cx = Ctxt::new();
        let m = crate::attr::take_field_markers(&cx, &mut input);
        cx.check().unwrap();
        let from_syn = each(n, || {
            let cx = Ctxt::new();
            crate::ast::Input::from_syn(&cx, &input, &m);
            cx.check().unwrap();
        });
        let plan = each(n, || {
            let cx = Ctxt::new();
            crate::plan::Plan::new(&cx, &attrs, None);
            cx.check().unwrap();
        });
        let checks = each(n, || {
            let cx = Ctxt::new();
            let policy = crate::plan::literal_policy(&attrs);
            crate::valid::check(&cx, &attrs, &policy, &[]);
            cx.check().unwrap();
        });
        let cx = Ctxt::new();
        let p = crate::plan::Plan::new(&cx, &attrs, None);
        cx.check().unwrap();
        let words = each(n, || {
            crate::doc::in_words(&p);
        });
        let errors = each(n, || {
            let pp = quote!(::keepalive_runtime::__private);
            for e in &p.checks.cfg_errors {
                super::cfg_error(e, &pp);
            }
        });
        let texts = each(n, || {
            for e in &p.checks.cfg_errors {
                let _ = e.violation.to_string();
            }
        });
        let text: Vec<String> = p
            .checks
            .cfg_errors
            .iter()
            .map(|e| e.violation.to_string())
            .collect();
        let strings = each(n, || {
            for t in &text {
                let _ = proc_macro2::Literal::string(t);
            }
        });
        let pp = quote!(::keepalive_runtime::__private);
        let e = &p.checks.cfg_errors[0];
        let t_respan = each(n, || {
            let _ = super::respan(quote!(#pp::compile_error), e.spot.first);
        });
        let t_cfg = each(n, || {
            let _ = super::target_cfg(e.target_os);
        });
        let m = &text[0];
        let t_body = each(n, || {
            let _ = quote::quote_spanned!(e.spot.first=> #m);
        });
        println!("one OpenBSD error: path {t_respan:.1?}, cfg {t_cfg:.1?}, body {t_body:.1?}");
        println!("OpenBSD messages: formatted {texts:.1?}, as string literals {strings:.1?}");
        println!(
            "literal, passes: item {parse_item:.1?}, attribute {parse_args:.1?}, markers (with the item) {markers:.1?}, \
             socket field {from_syn:.1?}, plan {plan:.1?} (rules {checks:.1?}, words {words:.1?}), \
             OpenBSD errors {errors:.1?}"
        );
    }
}
